/* The sealed chain of the operation history (R-LOGSEAL): its keys made and checked, records appended and sealed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_chain.h"
#include "checkpoint.h"
#include "db.h"
#include "keyfile.h"
#include "keys.h"
#include "trust.h"
#include "util.h"

/* ---- creating the keys ------------------------------------------------------ */

fk_status fk_chain_create_keys(fk_ctx *ctx, fk_error *err)
{
	fk_chain_key k = {0, fk_ctx_now(ctx), {0}};
	fk_status st = fk_random(k.key, FK_KEY_LEN, err);
	if (st == FK_OK)
		st = fk_chain_key_store(ctx->cfg.key_dir, &k, 1, err);
	if (st == FK_OK)
		st = fk_checkpoint_create_key(ctx->cfg.key_dir, err);
	if (st == FK_OK) {
		memcpy(ctx->audit_k0, k.key, FK_KEY_LEN);
		ctx->audit_k0_held = 1;
	}
	fk_wipe(&k, sizeof k);
	return st;
}

/* Whether this terminal's chain has started. On a terminal's own SQLite file the chain is the
 * whole history (one terminal writes it; a file whose configured terminal id changed stays one
 * chain, verifiable as before); on a store several terminals share, each terminal's records
 * are a chain of their own under its own key (docs/audit-chain.md), so a terminal joining a
 * store makes its history keys at its first start. */
static const char *const SQL_ANY_SEALED[] = {
	[FK_BACKEND_SQLITE] = "SELECT CASE WHEN EXISTS (SELECT 1 FROM audit_log WHERE kind <> 0) THEN 1 ELSE 0 END",
	[FK_BACKEND_PG] = "SELECT CASE WHEN EXISTS (SELECT 1 FROM audit_log WHERE kind <> 0 AND terminal = ?1) "
			  "THEN 1 ELSE 0 END",
};

/* Reload with the message this time when the quiet reload failed. */
static fk_status reload_key(fk_ctx *ctx, fk_status s, fk_error *err)
{
	if (s == FK_OK)
		return s;
	fk_chain_key k;
	s = fk_chain_key_load(ctx->cfg.key_dir, &k, err);
	fk_wipe(&k, sizeof k);
	return s;
}

/* A terminal from before the chain: no sealed record yet, so the chain can
 * start now, under the write lock so that two processes do not both start it. */
static fk_status upgrade(fk_ctx *ctx, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	fk_chain_key k;
	s = fk_chain_key_load(ctx->cfg.key_dir, &k, NULL);
	fk_wipe(&k, sizeof k);
	if (s != FK_ERR_NOKEY) /* another process started the chain meanwhile */
		return fk_ctx_end(ctx, reload_key(ctx, s, err), err);
	int pg = fk_sql_is_pg(ctx->db);
	if ((s = fk_ctx_stmt(ctx, SQL_ANY_SEALED[pg ? FK_BACKEND_PG : FK_BACKEND_SQLITE], &st, err)) != FK_OK)
		return fk_ctx_end(ctx, s, err);
	if (pg)
		fk_sql_bind_text(st, 1, ctx->cfg.terminal_id, -1, SQLITE_TRANSIENT);
	int rc = fk_sql_step(st);
	int sealed = rc == SQLITE_ROW ? fk_sql_column_int(st, 0) : -1;
	fk_sql_reset(st);
	if (sealed < 0)
		s = fk_db_fail(ctx->db, rc, err, "reading the history");
	else if (sealed)
		s = fk_fail(err, FK_ERR_NOKEY,
			    "the history key %s/%s is missing but the history is sealed: restore it from backup",
			    ctx->cfg.key_dir, FK_AUDIT_KEY_NAME);
	char *path = NULL;
	if (s == FK_OK && !(path = fk_chain_k0_default_path(ctx->cfg.key_dir, err)))
		s = FK_ERR_NOMEM;
	if (s == FK_OK && (s = fk_chain_create_keys(ctx, err)) == FK_OK)
		s = fk_chain_k0_write(path, ctx->cfg.terminal_id, ctx->audit_k0, err);
	fk_wipe(ctx->audit_k0, FK_KEY_LEN);
	ctx->audit_k0_held = 0;
	free(path);
	return fk_ctx_end(ctx, s, err);
}

fk_status fk_chain_open(fk_ctx *ctx, fk_error *err)
{
	fk_chain_key k;
	fk_status st = fk_chain_key_load(ctx->cfg.key_dir, &k, err);
	fk_wipe(&k, sizeof k);
	if (st == FK_ERR_NOKEY)
		st = upgrade(ctx, err);
	if (st == FK_OK)
		st = fk_checkpoint_check_key(ctx->cfg.key_dir, err);
	return st;
}

/* ---- appending --------------------------------------------------------------- */

/* The end of the chain the next record links to (see SQL_ANY_SEALED): on SQLite the last
 * record (one query, as before); on a shared store this terminal's last record and, for the
 * next number, the history's last (seq stays one gap-free sequence over every terminal). */
static const char *const SQL_LAST[] = {
	[FK_BACKEND_SQLITE] = "SELECT seq, kind, epoch, mac, ts_ns, seq FROM audit_log ORDER BY seq DESC LIMIT 1",
	[FK_BACKEND_PG] = "SELECT a.seq, a.kind, a.epoch, a.mac, a.ts_ns, m.top "
			  "FROM (SELECT max(seq) AS top FROM audit_log) AS m LEFT JOIN audit_log AS a "
			  "ON a.seq = (SELECT seq FROM audit_log WHERE terminal = ?1 ORDER BY seq DESC LIMIT 1)",
};
static const char SQL_INSERT[] =
	"INSERT INTO audit_log(seq, ts_ns, mono_ns, clock_synced, terminal, tty, pid, session, "
	"operator, role, action, object_type, object_id, result, reason, detail, kind, epoch, "
	"prev_mac, mac, row_refs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	"?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";

/* The end of the chain and the key brought to the epoch of the next record.
 * Its numbers come from the database: whoever holds a copy may have written
 * anything there, so they are only ever used through checked arithmetic. */
struct state {
	int64_t next_seq;
	int last_kind; /* -1: no record at all */
	int64_t last_epoch, last_ts;
	uint8_t prev[FK_MAC_LEN];
	fk_chain_key key;
};

static fk_status read_last(fk_ctx *ctx, struct state *s, fk_error *err)
{
	fk_stmt *st;
	memset(s, 0, sizeof *s);
	s->next_seq = 1;
	s->last_kind = -1;
	int pg = fk_sql_is_pg(ctx->db);
	fk_status rs = fk_ctx_stmt(ctx, SQL_LAST[pg ? FK_BACKEND_PG : FK_BACKEND_SQLITE], &st, err);
	if (rs != FK_OK)
		return rs;
	if (pg)
		fk_sql_bind_text(st, 1, ctx->cfg.terminal_id, -1, SQLITE_TRANSIENT);
	int rc = fk_sql_step(st);
	/* A shared store's history that has records, none of them this terminal's: a new chain
	 * (prev zeros, epoch of the key) numbered after the last record. */
	if (rc == SQLITE_ROW && fk_sql_column_type(st, 0) == SQLITE_NULL) {
		int64_t top = fk_sql_column_int64(st, 5);
		if (fk_sql_column_type(st, 5) != SQLITE_NULL &&
		    (top < 1 || fk_add_i64(top, 1, &s->next_seq) != 0))
			rs = fk_fail(err, FK_ERR_TAMPER,
				     "the last history record (%lld) is damaged; run 'fukuhonctl audit verify'",
				     (long long)top);
	} else if (rc == SQLITE_ROW) {
		int64_t last = fk_sql_column_int64(st, 0), top = fk_sql_column_int64(st, 5);
		s->last_kind = fk_sql_column_int(st, 1);
		s->last_epoch = fk_sql_column_int64(st, 2);
		s->last_ts = fk_sql_column_int64(st, 4);
		int ok = fk_sql_column_type(st, 3) == SQLITE_BLOB &&
			 fk_sql_column_bytes(st, 3) == FK_MAC_LEN &&
			 fk_sql_column_type(st, 2) == SQLITE_INTEGER;
		if (s->last_kind != FK_CHAIN_LEGACY && ok)
			memcpy(s->prev, fk_sql_column_blob(st, 3), FK_MAC_LEN);
		if (last < 1 || top < last || fk_add_i64(top, 1, &s->next_seq) != 0 ||
		    (s->last_kind != FK_CHAIN_LEGACY &&
		     (!ok || (s->last_kind != FK_CHAIN_RECORD && s->last_kind != FK_CHAIN_SEAL))))
			rs = fk_fail(err, FK_ERR_TAMPER,
				     "the last history record (%lld) is damaged; run 'fukuhonctl audit verify'",
				     (long long)last);
	} else if (rc != SQLITE_DONE) {
		rs = fk_db_fail(ctx->db, rc, err, "reading the history");
	}
	fk_sql_reset(st);
	return rs;
}

/* Load audit.key and bring it to the next record's epoch: the last record's,
 * or the one after when that record sealed its epoch. Only ever forward, and
 * only past a seal already committed, so a crash leaves the key behind the
 * history (caught up here) but never ahead of it. Ahead means records were
 * cut off the end: fail closed. */
static fk_status sync_key(fk_ctx *ctx, struct state *s, int64_t now, fk_error *err)
{
	fk_status st = fk_chain_key_load(ctx->cfg.key_dir, &s->key, err);
	if (st != FK_OK)
		return st;
	int64_t target = s->key.epoch;
	if (s->last_kind == FK_CHAIN_RECORD)
		target = s->last_epoch;
	else if (s->last_kind == FK_CHAIN_SEAL && fk_add_i64(s->last_epoch, 1, &target) != 0)
		return fk_fail(err, FK_ERR_TAMPER,
			       "the last history record seals epoch %lld, after which there is none; "
			       "run 'fukuhonctl audit verify'", (long long)s->last_epoch);
	if (s->key.epoch > target)
		return fk_fail(err, FK_ERR_TAMPER,
			       "the history key is at epoch %lld but the history ends in epoch %lld: "
			       "records were cut off the end; run 'fukuhonctl audit verify'",
			       (long long)s->key.epoch, (long long)target);
	if (s->key.epoch == target)
		return FK_OK;
	/* both are at least 0 here (the key's epoch is checked on loading) */
	if (target - s->key.epoch > FK_CHAIN_MAX_EPOCH_STEP)
		return fk_fail(err, FK_ERR_TAMPER,
			       "the history ends in epoch %lld, implausibly far beyond the key's epoch %lld; "
			       "run 'fukuhonctl audit verify'", (long long)target, (long long)s->key.epoch);
	while (st == FK_OK && s->key.epoch < target) {
		st = fk_chain_evolve(s->key.key, err);
		s->key.epoch++;
	}
	s->key.started_ns = s->last_kind == FK_CHAIN_SEAL ? s->last_ts : now;
	if (st == FK_OK)
		st = fk_chain_key_store(ctx->cfg.key_dir, &s->key, 0, err);
	return st;
}

static void fill_rec(fk_ctx *ctx, const fk_chain_entry *e, const struct state *s, int64_t now,
		     fk_chain_rec *r)
{
	const char *text[FK_CF_COUNT] = {
		ctx->cfg.terminal_id, ctx->tty, ctx->session, ctx->actor.user,
		fk_role_id(ctx->actor.role), e->action, e->otype ? e->otype : "-",
		e->oid ? e->oid : "-", e->result, e->reason ? e->reason : "",
	};
	memset(r, 0, sizeof *r);
	r->seq = s->next_seq;
	r->kind = e->kind;
	r->epoch = s->key.epoch;
	r->ts_ns = now;
	r->mono_ns = fk_mono_ns();
	r->clock_synced = fk_clock_synced();
	r->pid = (int64_t)getpid();
	for (int i = 0; i < FK_CF_COUNT; i++) {
		r->text[i] = text[i];
		r->len[i] = strlen(text[i]);
	}
	memcpy(r->prev_mac, s->prev, FK_MAC_LEN);
}

static fk_status insert(fk_ctx *ctx, const fk_chain_rec *r, const uint8_t mac[FK_MAC_LEN],
			fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	const int64_t nums[] = {r->seq, r->ts_ns, r->mono_ns, r->clock_synced};
	int i = 1;
	for (size_t j = 0; j < FK_ARRAY_LEN(nums); j++)
		fk_sql_bind_int64(st, i++, nums[j]);
	for (int f = FK_CF_TERMINAL; f <= FK_CF_TTY; f++)
		fk_sql_bind_text(st, i++, r->text[f], (int)r->len[f], SQLITE_STATIC);
	fk_sql_bind_int64(st, i++, r->pid);
	for (int f = FK_CF_SESSION; f < FK_CF_COUNT; f++)
		fk_sql_bind_text(st, i++, r->text[f], (int)r->len[f], SQLITE_STATIC);
	if (r->detail)
		fk_sql_bind_blob(st, i, r->detail, (int)r->detail_len, SQLITE_STATIC);
	i++;
	fk_sql_bind_int64(st, i++, r->kind);
	fk_sql_bind_int64(st, i++, r->epoch);
	fk_sql_bind_blob(st, i++, r->prev_mac, FK_MAC_LEN, SQLITE_STATIC);
	fk_sql_bind_blob(st, i++, mac, FK_MAC_LEN, SQLITE_STATIC);
	if (r->refs)
		fk_sql_bind_text(st, i, r->refs, (int)r->refs_len, SQLITE_STATIC);
	return fk_ctx_exec(ctx, st, err, "recording the operation");
}

/* ---- witnessing the other terminals' chains (a shared store) ---------------------- */

/* The last record of every other terminal's chain, found through the index on (terminal, seq)
 * one terminal at a time (a walk over the distinct terminals, not over the records). */
static const char SQL_HEADS[] =
	"WITH RECURSIVE t(term) AS (SELECT min(terminal) FROM audit_log UNION ALL "
	"SELECT (SELECT min(terminal) FROM audit_log WHERE terminal > t.term) FROM t WHERE t.term IS NOT NULL) "
	"SELECT a.terminal, a.seq, a.mac FROM t JOIN audit_log AS a ON a.seq = "
	"(SELECT seq FROM audit_log WHERE terminal = t.term ORDER BY seq DESC LIMIT 1) "
	"WHERE t.term IS NOT NULL AND t.term <> ?1 ORDER BY a.terminal";

/* "witness <terminal in hex> <seq> <mac in hex>" for each other terminal's head, ';' between
 * them, into *out (malloc'd; "" when there is none). Recorded in this terminal's seal records,
 * which its key MACs (the row references are covered), so that verify can tell when another
 * terminal's chain was cut below what this one saw (docs/audit-chain.md). */
static fk_status witness_heads(fk_ctx *ctx, char **out, fk_error *err)
{
	fk_stmt *st;
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);
	*out = NULL;
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	buf[0] = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_HEADS, &st, err);
	if (s != FK_OK) {
		free(buf);
		return s;
	}
	fk_sql_bind_text(st, 1, ctx->cfg.terminal_id, -1, SQLITE_TRANSIENT);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		const char *term = (const char *)fk_sql_column_text(st, 0);
		size_t tl = term ? strlen(term) : 0;
		if (!term || tl > 128 || fk_sql_column_bytes(st, 2) != FK_MAC_LEN)
			continue; /* not a record any terminal wrote: verify reports it */
		char mac[2 * FK_MAC_LEN + 1];
		fk_hex(fk_sql_column_blob(st, 2), FK_MAC_LEN, mac);
		size_t need = len + 2 * tl + sizeof mac + 48;
		if (need > cap) {
			char *p = realloc(buf, cap = 2 * need);
			if (!p) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			buf = p;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%switness ", len ? ";" : "");
		fk_hex((const uint8_t *)term, tl, buf + len);
		len += 2 * tl;
		len += (size_t)snprintf(buf + len, cap - len, " %lld %s", (long long)fk_sql_column_int64(st, 1), mac);
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the other terminals' history");
	if (s != FK_OK) {
		free(buf);
		return s;
	}
	*out = buf;
	return FK_OK;
}

/* Seal the detail, MAC, insert, checkpoint when due; s moves on to the next seq. witness: more
 * references to record (NULL: none). */
static fk_status append_one(fk_ctx *ctx, struct state *s, const fk_chain_entry *e, int64_t now,
			    int force_checkpoint, const char *witness, fk_error *err)
{
	fk_chain_rec r;
	uint8_t *sealed = NULL, mac[FK_MAC_LEN];
	int64_t after;
	/* a (forged) last record just below INT64_MAX leaves no number after this one */
	if (fk_add_i64(s->next_seq, 1, &after) != 0)
		return fk_fail(err, FK_ERR_TAMPER,
			       "no sequence number is left after record %lld; run 'fukuhonctl audit verify'",
			       (long long)s->next_seq);
	fill_rec(ctx, e, s, now, &r);
	const char *refs = fk_trust_take_refs(ctx);
	char *both = NULL;
	if (witness && *witness) {
		size_t n = strlen(refs) + strlen(witness) + 2;
		if (!(both = malloc(n)))
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		snprintf(both, n, "%s%s%s", refs, *refs ? ";" : "", witness);
		refs = both;
	}
	if (*refs) {
		r.refs = refs;
		r.refs_len = strlen(refs);
	}
	fk_status st = FK_OK;
	if (e->detail && *e->detail) {
		char aad[48];
		fk_chain_detail_aad(r.seq, aad, sizeof aad);
		st = fk_ctx_seal(ctx, aad, e->detail, &sealed, &r.detail_len, err);
		r.detail = sealed;
	}
	if (st == FK_OK)
		st = fk_chain_mac(s->key.key, &r, mac, err);
	if (st == FK_OK)
		st = insert(ctx, &r, mac, err);
	free(sealed);
	free(both);
	if (st == FK_OK)
		st = fk_checkpoint_maybe(ctx, r.seq, r.epoch, mac, now, force_checkpoint, err);
	if (st == FK_OK) {
		fk_head h = {r.seq, r.epoch, r.kind, {0}};
		memcpy(h.mac, mac, FK_MAC_LEN);
		fk_trust_note_head(ctx, &h);
		memcpy(s->prev, mac, FK_MAC_LEN);
		s->next_seq = after;
		s->last_kind = e->kind;
		s->last_epoch = r.epoch;
		s->last_ts = now;
	}
	return st;
}

fk_status fk_chain_append(fk_ctx *ctx, const fk_chain_entry *e, fk_error *err)
{
	if (ctx->tx_depth <= 0)
		return fk_fail(err, FK_ERR_INTERNAL, "history append outside a transaction");
	struct state s;
	int64_t now = fk_ctx_now(ctx);
	fk_status st = read_last(ctx, &s, err);
	if (st == FK_OK)
		st = sync_key(ctx, &s, now, err);
	if (st == FK_OK)
		st = append_one(ctx, &s, e, now, 0, NULL, err);
	fk_wipe(&s.key, sizeof s.key);
	return st;
}

fk_status fk_chain_seal(fk_ctx *ctx, const char *reason, int force, fk_error *err)
{
	struct state s;
	int64_t len = ctx->audit_epoch_ns > 0 ? ctx->audit_epoch_ns : FK_CHAIN_EPOCH_NS_DEFAULT;
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	/* The time is taken under the write lock: a record's time is never before that of
	 * one another process wrote while this one waited for the lock. */
	int64_t now = fk_ctx_now(ctx);
	st = read_last(ctx, &s, err);
	/* Nothing to seal: no sealed record yet, or the epoch is already closed. */
	if (st == FK_OK && s.last_kind == FK_CHAIN_RECORD)
		st = sync_key(ctx, &s, now, err);
	/* started_ns may come from a (forged) seal record's time */
	int64_t age = fk_sub_sat_i64(now, s.key.started_ns);
	if (st == FK_OK && s.last_kind == FK_CHAIN_RECORD && (force || age >= len)) {
		char epoch[24];
		snprintf(epoch, sizeof epoch, "%lld", (long long)s.key.epoch);
		fk_chain_entry e = {FK_CHAIN_SEAL, "audit.seal", "epoch", epoch, "success", reason, NULL};
		char *witness = NULL;
		/* A shared store: every seal witnesses the other terminals' chains. */
		if (fk_sql_is_pg(ctx->db))
			st = witness_heads(ctx, &witness, err);
		if (st == FK_OK)
			st = append_one(ctx, &s, &e, now, !strcmp(reason, "stop"), witness, err);
		free(witness);
	}
	fk_wipe(&s.key, sizeof s.key);
	return fk_ctx_end(ctx, st, err);
}

fk_status fk_chain_advance(fk_ctx *ctx, fk_error *err)
{
	struct state s;
	/* Only past a seal that is committed: inside a caller's transaction the seal
	 * may still roll back, and a key ahead of the history reads as a cut tail. */
	if (ctx->tx_depth > 0)
		return fk_fail(err, FK_ERR_INTERNAL, "the history key evolves only outside a transaction");
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	st = read_last(ctx, &s, err);
	if (st == FK_OK && s.last_kind == FK_CHAIN_SEAL)
		st = sync_key(ctx, &s, fk_ctx_now(ctx), err);
	fk_wipe(&s.key, sizeof s.key);
	return fk_ctx_end(ctx, st, err);
}

fk_status fk_chain_fill(fk_ctx *ctx, int64_t n, const char *action, fk_error *err)
{
	fk_chain_entry e = {FK_CHAIN_RECORD, action, "bench", "-", "success", "", NULL};
	fk_status st = FK_OK;
	/* Batches keep the write-ahead log small. */
	for (int64_t done = 0; st == FK_OK && done < n;) {
		struct state s;
		if ((st = fk_ctx_begin(ctx, err)) != FK_OK)
			return st;
		int64_t now = fk_ctx_now(ctx);
		st = read_last(ctx, &s, err);
		if (st == FK_OK)
			st = sync_key(ctx, &s, now, err);
		for (int64_t i = 0; st == FK_OK && i < 50000 && done < n; i++, done++)
			st = append_one(ctx, &s, &e, now, 0, NULL, err);
		fk_wipe(&s.key, sizeof s.key);
		st = fk_ctx_end(ctx, st, err);
	}
	return st;
}
