/* The sealed chain of the operation history (R-LOGSEAL): canonical encoding, one-way evolving MAC keys, appending. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "audit_chain.h"
#include "checkpoint.h"
#include "db.h"
#include "keyfile.h"
#include "keys.h"
#include "trust.h"
#include "util.h"

/* ---- canonical encoding (docs/audit-chain.md) ------------------------------ */

static const uint8_t ENC_MAGIC[8] = {'F', 'K', 'A', 'U', 'D', 'I', 'T', '1'};
/* Format 2: a record that names the sealed rows its operation changed. */
static const uint8_t ENC_MAGIC2[8] = {'F', 'K', 'A', 'U', 'D', 'I', 'T', '2'};
#define NULL_LEN 0xFFFFFFFFu

/* n bytes at buf+at, or what of them fits below cap. The whole-copy case
 * comes first: verify encodes every record, a million at a time. */
static void put_fit(uint8_t *buf, size_t at, size_t cap, const uint8_t *p, size_t n)
{
	if (at <= cap && n <= cap - at) {
		memcpy(buf + at, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (at + i < cap)
			buf[at + i] = p[i];
}

size_t fk_chain_put_i64(uint8_t *buf, size_t at, size_t cap, int64_t v)
{
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
	put_fit(buf, at, cap, be, sizeof be);
	return at + 8;
}

size_t fk_chain_put_bytes(uint8_t *buf, size_t at, size_t cap, const void *p, size_t n, int null)
{
	uint32_t len = null ? NULL_LEN : (uint32_t)n;
	const uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	put_fit(buf, at, cap, be, sizeof be);
	at += 4;
	if (!null && n && at + n <= cap)
		memcpy(buf + at, p, n);
	return at + (null ? 0 : n);
}

size_t fk_chain_encode(const fk_chain_rec *r, uint8_t *buf, size_t cap)
{
	size_t at = 0;
	if (cap >= sizeof ENC_MAGIC)
		memcpy(buf, r->refs ? ENC_MAGIC2 : ENC_MAGIC, sizeof ENC_MAGIC);
	at += sizeof ENC_MAGIC;
	const int64_t nums[] = {r->seq, r->kind, r->epoch, r->ts_ns, r->mono_ns, r->clock_synced, r->pid};
	for (size_t i = 0; i < FK_ARRAY_LEN(nums); i++)
		at = fk_chain_put_i64(buf, at, cap, nums[i]);
	for (int i = 0; i < FK_CF_COUNT; i++)
		at = fk_chain_put_bytes(buf, at, cap, r->text[i], r->len[i], 0);
	at = fk_chain_put_bytes(buf, at, cap, r->detail, r->detail_len, r->detail == NULL);
	if (r->refs)
		at = fk_chain_put_bytes(buf, at, cap, r->refs, r->refs_len, 0);
	if (at + FK_MAC_LEN <= cap)
		memcpy(buf + at, r->prev_mac, FK_MAC_LEN);
	return at + FK_MAC_LEN;
}

fk_status fk_chain_mac(const uint8_t key[FK_KEY_LEN], const fk_chain_rec *r,
		       uint8_t mac[FK_MAC_LEN], fk_error *err)
{
	uint8_t stackbuf[2048], *buf = stackbuf;
	size_t n = fk_chain_encode(r, buf, sizeof stackbuf);
	if (n > sizeof stackbuf) {
		if (!(buf = malloc(n)))
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		fk_chain_encode(r, buf, n);
	}
	fk_status st = fk_hmac(key, buf, n, mac, err);
	if (buf != stackbuf)
		free(buf);
	return st;
}

fk_status fk_chain_evolve(uint8_t key[FK_KEY_LEN], fk_error *err)
{
	uint8_t next[FK_MAC_LEN];
	fk_status st = fk_hmac(key, "evolve", 6, next, err);
	if (st == FK_OK)
		memcpy(key, next, FK_KEY_LEN);
	fk_wipe(next, sizeof next);
	return st;
}

void fk_chain_detail_aad(int64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "fk:audit:%lld", (long long)seq);
}

/* ---- audit.key: magic | epoch | started_ns | key | SHA-256 of all before --- */

static const uint8_t KEY_MAGIC[8] = {'F', 'K', 'A', 'U', 'D', 'K', '1', 0};
#define KEY_BODY (8 + 8 + 8 + FK_KEY_LEN)
#define KEY_FILE (KEY_BODY + FK_KEYFILE_SUM)

static int64_t get_i64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

fk_status fk_chain_key_load(const char *key_dir, fk_chain_key *k, fk_error *err)
{
	uint8_t buf[KEY_FILE];
	fk_status st = fk_keyfile_read_checked(key_dir, FK_AUDIT_KEY_NAME, KEY_MAGIC, buf, sizeof buf, err);
	if (st == FK_OK) {
		k->epoch = get_i64(buf + 8);
		k->started_ns = get_i64(buf + 16);
		memcpy(k->key, buf + 24, FK_KEY_LEN);
		if (k->epoch < 0)
			st = fk_fail(err, FK_ERR_CORRUPT, "history key %s/%s has a negative epoch",
				     key_dir, FK_AUDIT_KEY_NAME);
	}
	fk_wipe(buf, sizeof buf);
	return st;
}

fk_status fk_chain_key_store(const char *key_dir, const fk_chain_key *k, int excl, fk_error *err)
{
	uint8_t buf[KEY_FILE];
	fk_chain_put_i64(buf, 8, sizeof buf, k->epoch);
	fk_chain_put_i64(buf, 16, sizeof buf, k->started_ns);
	memcpy(buf + 24, k->key, FK_KEY_LEN);
	fk_status st = fk_keyfile_write_checked(key_dir, FK_AUDIT_KEY_NAME, KEY_MAGIC, buf, sizeof buf,
						excl, err);
	fk_wipe(buf, sizeof buf);
	return st;
}

/* ---- K0 for the administrator --------------------------------------------- */

char *fk_chain_k0_default_path(const char *key_dir, fk_error *err)
{
	char *copy = fk_strdup(key_dir, err);
	if (!copy)
		return NULL;
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *parent = fk_dirname(copy, err);
	free(copy);
	if (!parent)
		return NULL;
	char *p = fk_path_join(parent, FK_CHAIN_K0_NAME, err);
	free(parent);
	return p;
}

fk_status fk_chain_k0_write(const char *path, const char *terminal, const uint8_t k0[FK_KEY_LEN],
			    fk_error *err)
{
	char hex[2 * FK_KEY_LEN + 1], text[512];
	fk_hex(k0, FK_KEY_LEN, hex);
	int n = snprintf(text, sizeof text,
			 "# fukuhon history initial key (K0): keep it off the terminal; "
			 "`fukuhonctl audit verify --key FILE` needs it.\nterminal %s\nk0 %s\n",
			 terminal, hex);
	fk_wipe(hex, sizeof hex);
	fk_status st = n < 0 || n >= (int)sizeof text
		? fk_fail(err, FK_ERR_INVALID, "terminal id too long")
		: fk_write_new_file(path, text, (size_t)n, err);
	fk_wipe(text, sizeof text);
	return st;
}

/* K0 is kept off the terminal, wherever the administrator likes (modes are
 * not checked: a removable medium may not have them), but as one file: a
 * second name would keep it readable after the copy meant to be the only one
 * is moved away. */
static fk_status k0_single_link(const char *path, const struct stat *sb, fk_error *err)
{
	if (sb->st_nlink != 1)
		return fk_fail(err, FK_ERR_KEYPERM,
			       "history initial key file %s has %lu hard links; it must have exactly one",
			       path, (unsigned long)sb->st_nlink);
	return FK_OK;
}

fk_status fk_chain_k0_read(const char *path, uint8_t k0[FK_KEY_LEN], fk_error *err)
{
	char *text;
	size_t len;
	fk_status st = fk_read_file_checked(path, 4096, k0_single_link, &text, &len, err);
	if (st != FK_OK)
		return st;
	const char *k = strstr(text, "\nk0 ");
	char hex[2 * FK_KEY_LEN + 1] = "";
	if (k)
		fk_copy_str(hex, sizeof hex, k + 4);
	if (!k || fk_unhex(hex, k0, FK_KEY_LEN) != 0)
		st = fk_fail(err, FK_ERR_INVALID, "%s is not a fukuhon history initial key file", path);
	fk_wipe(hex, sizeof hex);
	fk_wipe(text, len);
	free(text);
	return st;
}

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

static const char SQL_ANY_SEALED[] = "SELECT EXISTS (SELECT 1 FROM audit_log WHERE kind <> 0)";

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
	sqlite3_stmt *st;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	fk_chain_key k;
	s = fk_chain_key_load(ctx->cfg.key_dir, &k, NULL);
	fk_wipe(&k, sizeof k);
	if (s != FK_ERR_NOKEY) /* another process started the chain meanwhile */
		return fk_ctx_end(ctx, reload_key(ctx, s, err), err);
	if ((s = fk_ctx_stmt(ctx, SQL_ANY_SEALED, &st, err)) != FK_OK)
		return fk_ctx_end(ctx, s, err);
	int rc = sqlite3_step(st);
	int sealed = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
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

static const char SQL_LAST[] =
	"SELECT seq, kind, epoch, mac, ts_ns FROM audit_log ORDER BY seq DESC LIMIT 1";
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
	sqlite3_stmt *st;
	memset(s, 0, sizeof *s);
	s->next_seq = 1;
	s->last_kind = -1;
	fk_status rs = fk_ctx_stmt(ctx, SQL_LAST, &st, err);
	if (rs != FK_OK)
		return rs;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t last = sqlite3_column_int64(st, 0);
		s->last_kind = sqlite3_column_int(st, 1);
		s->last_epoch = sqlite3_column_int64(st, 2);
		s->last_ts = sqlite3_column_int64(st, 4);
		int ok = sqlite3_column_type(st, 3) == SQLITE_BLOB &&
			 sqlite3_column_bytes(st, 3) == FK_MAC_LEN &&
			 sqlite3_column_type(st, 2) == SQLITE_INTEGER;
		if (s->last_kind != FK_CHAIN_LEGACY && ok)
			memcpy(s->prev, sqlite3_column_blob(st, 3), FK_MAC_LEN);
		if (last < 1 || fk_add_i64(last, 1, &s->next_seq) != 0 ||
		    (s->last_kind != FK_CHAIN_LEGACY &&
		     (!ok || (s->last_kind != FK_CHAIN_RECORD && s->last_kind != FK_CHAIN_SEAL))))
			rs = fk_fail(err, FK_ERR_TAMPER,
				     "the last history record (%lld) is damaged; run 'fukuhonctl audit verify'",
				     (long long)last);
	} else if (rc != SQLITE_DONE) {
		rs = fk_db_fail(ctx->db, rc, err, "reading the history");
	}
	sqlite3_reset(st);
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
	sqlite3_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	const int64_t nums[] = {r->seq, r->ts_ns, r->mono_ns, r->clock_synced};
	int i = 1;
	for (size_t j = 0; j < FK_ARRAY_LEN(nums); j++)
		sqlite3_bind_int64(st, i++, nums[j]);
	for (int f = FK_CF_TERMINAL; f <= FK_CF_TTY; f++)
		sqlite3_bind_text(st, i++, r->text[f], (int)r->len[f], SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, r->pid);
	for (int f = FK_CF_SESSION; f < FK_CF_COUNT; f++)
		sqlite3_bind_text(st, i++, r->text[f], (int)r->len[f], SQLITE_STATIC);
	if (r->detail)
		sqlite3_bind_blob(st, i, r->detail, (int)r->detail_len, SQLITE_STATIC);
	i++;
	sqlite3_bind_int64(st, i++, r->kind);
	sqlite3_bind_int64(st, i++, r->epoch);
	sqlite3_bind_blob(st, i++, r->prev_mac, FK_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, i++, mac, FK_MAC_LEN, SQLITE_STATIC);
	if (r->refs)
		sqlite3_bind_text(st, i, r->refs, (int)r->refs_len, SQLITE_STATIC);
	return fk_ctx_exec(ctx, st, err, "recording the operation");
}

/* Seal the detail, MAC, insert, checkpoint when due; s moves on to the next seq. */
static fk_status append_one(fk_ctx *ctx, struct state *s, const fk_chain_entry *e, int64_t now,
			    int force_checkpoint, fk_error *err)
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
		st = append_one(ctx, &s, e, now, 0, err);
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
		st = append_one(ctx, &s, &e, now, !strcmp(reason, "stop"), err);
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
			st = append_one(ctx, &s, &e, now, 0, err);
		fk_wipe(&s.key, sizeof s.key);
		st = fk_ctx_end(ctx, st, err);
	}
	return st;
}
