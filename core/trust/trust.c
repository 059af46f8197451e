/* The trust base: checking the database against the anchor, sealing rows, anchoring commits. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "keyfile.h"
#include "memo.h"
#include "pgwatch.h"
#include "trust.h"
#include "util.h"

static const uint8_t KEY_MAGIC[8] = {'F', 'K', 'T', 'R', 'U', 'S', 'T', '1'};
#define KEY_FILE (8 + FK_KEY_LEN + FK_KEYFILE_SUM)

struct fk_trust {
	fk_rowkeys keys;
	fk_anchor_file *file;
	fk_anchor anchor;    /* as last read or written */
	fk_state committed;  /* the state the database is in, checked or written by us */
	fk_state tx;         /* the state the current transaction is making */
	int64_t data_version; /* of the last check; -1: never checked */
	fk_pg_watch watch;    /* PostgreSQL's stand-in for data_version */
	char *refs;           /* sealed rows changed and not yet recorded */
	size_t nrefs, caprefs;
	char *taken;          /* the last refs handed to the history */
	int wrote;            /* this transaction wrote a pending anchor */
	int suspended;        /* verification: no check at begin, nothing may change */
	int degraded;         /* recording a refusal: the history's end alone is checked */
	int broken;           /* opened for inspection though the check failed */
	char why[FK_ERRMSG_MAX]; /* why, when broken */
	int adopted;          /* this open adopted a terminal from before the trust base */
	fk_memo *memo;        /* small tables' rows as last checked (NULL: none) */
	int copy;             /* a backup's copy: anchor holds its manifest's state, no file */
	int lazy;             /* confirmations carried by the next commit's sync (trust.h) */
	/* A store several terminals write (PostgreSQL): the store's trust_state row holds the
	 * state every writer leaves, the anchor this terminal's own end and the generation it
	 * last wrote or saw (see "several terminals" below). */
	int shared;
	fk_mac *smackey;      /* the row's MAC key, derived from the shared trust key */
	uint64_t sgen;        /* the store's generation that committed is at (0: no row yet) */
	uint8_t smac[FK_MAC_LEN]; /* the store's row's MAC at sgen */
};

/* Several terminals on one store (below). */
static fk_status own_head(fk_ctx *ctx, fk_head *h, fk_error *err);
static fk_status sstate_read(fk_ctx *ctx, uint64_t *gen, fk_state *s, uint8_t mac[FK_MAC_LEN], int *found,
			     fk_error *err);
static int shared_rules(const fk_anchor *a, uint64_t gen, const uint8_t smac[FK_MAC_LEN], const fk_head *own,
			char *why, size_t n);

static const char SQL_DATA_VERSION[] = "PRAGMA data_version";
static const char SQL_HEAD[] =
	"SELECT seq, coalesce(epoch, 0), kind, mac FROM audit_log ORDER BY seq DESC LIMIT 1";

/* ---- the trust key ---- */

static fk_status load_key(const char *dir, uint8_t key[FK_KEY_LEN], fk_error *err)
{
	uint8_t buf[KEY_FILE];
	fk_status st = fk_keyfile_read_checked(dir, FK_TRUST_KEY_NAME, KEY_MAGIC, buf, sizeof buf, err);
	if (st == FK_OK)
		memcpy(key, buf + 8, FK_KEY_LEN);
	fk_wipe(buf, sizeof buf);
	return st;
}

static fk_status create_key(const char *dir, uint8_t key[FK_KEY_LEN], fk_error *err)
{
	uint8_t buf[KEY_FILE];
	fk_status st = fk_random(key, FK_KEY_LEN, err);
	if (st == FK_OK) {
		memcpy(buf + 8, key, FK_KEY_LEN);
		st = fk_keyfile_write_checked(dir, FK_TRUST_KEY_NAME, KEY_MAGIC, buf, sizeof buf, 1, err);
	}
	fk_wipe(buf, sizeof buf);
	return st;
}

/* ---- the database's state ---- */

/* The head st (bound, not yet stepped) finds: seq, epoch, kind, mac; seq 0 when none. */
static fk_status step_head(fk_ctx *ctx, fk_stmt *st, fk_head *h, const char *what, fk_error *err)
{
	memset(h, 0, sizeof *h);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		h->seq = fk_sql_column_int64(st, 0);
		h->epoch = fk_sql_column_int64(st, 1);
		h->kind = fk_sql_column_int64(st, 2);
		if (fk_sql_column_type(st, 3) == SQLITE_BLOB && fk_sql_column_bytes(st, 3) == FK_MAC_LEN)
			memcpy(h->mac, fk_sql_column_blob(st, 3), FK_MAC_LEN);
	}
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, what);
}

static fk_status db_head(fk_ctx *ctx, fk_head *h, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_HEAD, &st, err);
	memset(h, 0, sizeof *h);
	return s == FK_OK ? step_head(ctx, st, h, "reading the history's end", err) : s;
}

/* Called for a row that fails its check during a scan; the scan goes on when it returns 0. */
typedef int (*bad_row_fn)(void *arg, fk_table t, const char *msg);

static int stop_at_first(void *arg, fk_table t, const char *msg)
{
	(void)t;
	fk_fail(arg, FK_ERR_TAMPER, "%s", msg);
	return 1;
}

/* The stored MAC of row v, or why it has none that matches. */
static int row_ok(fk_rowkeys *keys, fk_table t, const fk_val *v, uint8_t mac[FK_MAC_LEN], char *why,
		  size_t len, fk_error *err, fk_status *st)
{
	int n = fk_table_ncols(t);
	char row[160];
	if (v[n].type != SQLITE_BLOB || v[n].n != FK_MAC_LEN) {
		fk_row_describe(t, &v[0], row, sizeof row);
		snprintf(why, len, "%s has no MAC: it was added or altered outside fukuhon", row);
		return 0;
	}
	uint8_t want[FK_MAC_LEN];
	if ((*st = fk_row_mac(keys, t, v, want, err)) != FK_OK)
		return 0;
	memcpy(mac, v[n].p, FK_MAC_LEN);
	/* The row is named only when it failed (every row read passes here). */
	if (fk_memeq_ct(want, mac, FK_MAC_LEN) != 0) {
		fk_row_describe(t, &v[0], row, sizeof row);
		snprintf(why, len, "%s does not match its MAC: it was changed outside fukuhon", row);
		return 0;
	}
	return 1;
}

/* Every row of t: checked against its MAC and added into *d. */
static fk_status scan_table(fk_ctx *ctx, fk_table t, fk_digest *d, bad_row_fn bad, void *arg,
			    fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_stmt *st;
	fk_val v[40];
	int n = fk_table_ncols(t), rc;
	memset(d, 0, sizeof *d);
	fk_memo *memo = fk_table_small(t) ? tr->memo : NULL;
	fk_status s = fk_ctx_stmt(ctx, fk_table_sql_all(t), &st, err);
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		uint8_t mac[FK_MAC_LEN], c[FK_MAC_LEN], bytes[2048];
		char why[256];
		fk_row_vals(st, 0, n + 1, v);
		/* The same bytes as a row checked before: the same answers (memo.h). */
		size_t len = memo ? fk_row_bytes(t, v, bytes, sizeof bytes) : 0;
		const uint8_t *known = len ? fk_memo_find(memo, bytes, len) : NULL;
		if (known) {
			fk_digest_add(d, known);
			continue;
		}
		if (!row_ok(&tr->keys, t, v, mac, why, sizeof why, err, &s)) {
			if (s == FK_OK && bad(arg, t, why))
				s = FK_ERR_TAMPER;
			continue;
		}
		if ((s = fk_row_contribution(&tr->keys, t, mac, c, err)) == FK_OK) {
			fk_digest_add(d, c);
			if (len)
				fk_memo_put(memo, bytes, len, c);
		}
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading a sealed table");
	return s;
}

/* ---- matching the database with the anchor ---- */

/* Which table of the small ones differs between s (the database) and a (anchored). */
static int small_differs(const fk_state *s, const fk_state *a)
{
	for (int t = 0; t < FK_T_COUNT; t++)
		if (fk_table_small((fk_table)t) && !fk_digest_equal(&s->table[t], &a->table[t]))
			return t;
	return -1;
}

static int matches(const fk_state *db, const fk_state *a)
{
	return fk_head_equal(&db->head, &a->head) && small_differs(db, a) < 0;
}

static fk_status describe_mismatch(fk_ctx *ctx, const fk_state *db, const fk_state *a, fk_error *err);

/* The database's small tables and history end against the anchor: which of the anchor's
 * states it is in (the large tables' digests come with it), or why none. */
/* Degraded: the history's end alone, so that a refusal caused by a table that failed its
 * check can still be recorded; the tables stay as anchored (so they keep failing). */
static fk_status reconcile_head(fk_ctx *ctx, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_head h;
	fk_status s = fk_anchor_read(tr->file, &tr->anchor, err);
	if (s == FK_OK)
		s = db_head(ctx, &h, err);
	if (s != FK_OK)
		return s;
	fk_anchor *a = &tr->anchor;
	if (tr->shared && a->shared) {
		/* Others move the store's end: this terminal's own end is what it can check. */
		fk_state row;
		fk_head own;
		uint64_t gen;
		int found;
		char why[400];
		uint8_t rmac[FK_MAC_LEN];
		if ((s = own_head(ctx, &own, err)) == FK_OK)
			s = sstate_read(ctx, &gen, &row, rmac, &found, err);
		if (s == FK_OK && (!found || !shared_rules(a, gen, rmac, &own, why, sizeof why)))
			s = fk_fail(err, FK_ERR_TAMPER, "%s", found ? why : "the store's trust state was removed");
		/* The row's state, valid under its MAC, is what the refusal's record carries on:
		 * never the tables as the store now has them, so a table that fails keeps failing
		 * for every terminal. */
		if (s == FK_OK) {
			tr->committed = row;
			tr->sgen = gen;
			memcpy(tr->smac, rmac, FK_MAC_LEN);
		}
		return s;
	}
	if (fk_head_equal(&h, &a->now.head))
		tr->committed = a->now;
	else if (a->pending && !a->confirmed && fk_head_equal(&h, &a->before.head))
		tr->committed = a->before;
	else
		return fk_fail(err, FK_ERR_TAMPER, "the operation history's end (record %lld) is not the one "
			       "this terminal wrote (record %lld)", (long long)h.seq, (long long)a->now.head.seq);
	return FK_OK;
}

/* The anchor as it is now, and the database's history end and small tables into db. */
static fk_status read_small(fk_ctx *ctx, fk_state *db, fk_error *err)
{
	memset(db, 0, sizeof *db);
	fk_status s = fk_anchor_read(ctx->trust->file, &ctx->trust->anchor, err);
	if (s == FK_OK)
		s = db_head(ctx, &db->head, err);
	for (int t = 0; s == FK_OK && t < FK_T_COUNT; t++)
		if (fk_table_small((fk_table)t))
			s = scan_table(ctx, (fk_table)t, &db->table[t], stop_at_first, err, err);
	return s;
}

static fk_status reconcile(fk_ctx *ctx, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_state db;
	fk_status s = read_small(ctx, &db, err);
	if (s != FK_OK)
		return s;
	fk_anchor *a = &tr->anchor;
	if (matches(&db, &a->now)) {
		tr->committed = a->now;
		/* A commit that happened but was not confirmed (a crash, or a writer that has
		 * not got there yet): confirming it again is harmless. */
		if (a->pending && !a->confirmed && (s = fk_anchor_confirm(tr->file, a->gen, err)) == FK_OK)
			a->confirmed = 1;
		return s;
	}
	if (a->pending && !a->confirmed && matches(&db, &a->before)) {
		/* Written before a commit that never happened: the database is right, the
		 * anchor moves back to it under a new generation. */
		fk_anchor back = {.gen = a->gen + 1, .confirmed = 1, .now = a->before, .before = a->before};
		if ((s = fk_anchor_write(tr->file, &back, err)) == FK_OK) {
			*a = back;
			tr->committed = back.now;
		}
		return s;
	}
	return describe_mismatch(ctx, &db, &a->now, err);
}

/* ---- localising a rolled-back row through the history's row references ---- */

/* Sealed records since the last adoption (rows sealed then under a new trust key). */
static const char SQL_REFS[] =
	"SELECT seq, row_refs FROM audit_log WHERE row_refs IS NOT NULL AND kind <> 0 "
	"AND seq > coalesce((SELECT max(seq) FROM audit_log WHERE action = 'trust.adopt'), 0) ORDER BY seq";

typedef struct ref_latest {
	int table;
	char key[160];
	char mac[2 * FK_MAC_LEN + 1]; /* "-": removed */
	int64_t seq;
} ref_latest;

/* The latest reference of each row, found by (table, key) through an open-addressed index:
 * a history holds a reference for every grant, operator and lockout ever written, and each
 * sealed row is looked up once, so neither may cost a pass over all of them. */
typedef struct ref_map {
	ref_latest *v;
	size_t n, cap;
	size_t *slot; /* 1 + the index in v; 0: empty. nslot is a power of two, at least 2n */
	size_t nslot;
} ref_map;

static void ref_map_free(ref_map *m)
{
	free(m->v);
	free(m->slot);
}

/* FNV-1a over the table and the key. */
static size_t ref_hash(int t, const char *key)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)(unsigned)t;
	for (; *key; key++)
		h = (h ^ (uint8_t)*key) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot holding (t, key), or the empty one where it goes (nslot > 0). */
static size_t ref_slot(const ref_map *m, int t, const char *key)
{
	size_t i = ref_hash(t, key) & (m->nslot - 1);
	while (m->slot[i] && (m->v[m->slot[i] - 1].table != t || strcmp(m->v[m->slot[i] - 1].key, key) != 0))
		i = (i + 1) & (m->nslot - 1);
	return i;
}

static const ref_latest *ref_find(const ref_map *m, int t, const char *key)
{
	size_t i = m->nslot ? m->slot[ref_slot(m, t, key)] : 0;
	return i ? &m->v[i - 1] : NULL;
}

/* Room for one more in the index (kept at most half full). */
static int ref_room(ref_map *m)
{
	if (2 * (m->n + 1) <= m->nslot)
		return 0;
	size_t ns = m->nslot ? 2 * m->nslot : 256;
	size_t *slot = calloc(ns, sizeof *slot);
	if (!slot)
		return -1;
	free(m->slot);
	m->slot = slot;
	m->nslot = ns;
	for (size_t i = 0; i < m->n; i++)
		m->slot[ref_slot(m, m->v[i].table, m->v[i].key)] = i + 1;
	return 0;
}

static int ref_table(const char *name, size_t n)
{
	for (int t = 0; t < FK_T_COUNT; t++)
		if (strlen(fk_table_name((fk_table)t)) == n && !strncmp(fk_table_name((fk_table)t), name, n))
			return t;
	return -1;
}

/* One "table key mac" into the map, the later record replacing the earlier. */
static int ref_put(ref_map *m, const char *ref, int64_t seq)
{
	char tname[40], key[160], mac[2 * FK_MAC_LEN + 1];
	if (sscanf(ref, "%39s %159s %64s", tname, key, mac) != 3)
		return 0;
	int t = ref_table(tname, strlen(tname));
	if (t < 0)
		return 0;
	if (ref_room(m) < 0)
		return -1;
	size_t at = ref_slot(m, t, key);
	if (m->slot[at]) {
		ref_latest *r = &m->v[m->slot[at] - 1];
		fk_copy_str(r->mac, sizeof r->mac, mac);
		r->seq = seq;
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		ref_latest *p = realloc(m->v, cap * sizeof *p);
		if (!p)
			return -1;
		m->v = p;
		m->cap = cap;
	}
	ref_latest *r = &m->v[m->n++];
	m->slot[at] = m->n;
	r->table = t;
	r->seq = seq;
	fk_copy_str(r->key, sizeof r->key, key);
	fk_copy_str(r->mac, sizeof r->mac, mac);
	return 0;
}

/* One record's references ("table key mac", ';' between rows) into the map; -1: out of memory. */
static int refs_put(ref_map *m, const char *text, int64_t seq)
{
	while (text && *text) {
		size_t len = strcspn(text, ";");
		char one[400];
		fk_copy_str(one, len < sizeof one ? len + 1 : sizeof one, text);
		if (ref_put(m, one, seq) < 0)
			return -1;
		text += len + (text[len] == ';');
	}
	return 0;
}

static fk_status load_refs(fk_ctx *ctx, ref_map *m, fk_error *err)
{
	fk_stmt *st;
	memset(m, 0, sizeof *m);
	fk_status s = fk_ctx_stmt(ctx, SQL_REFS, &st, err);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW)
		if (refs_put(m, (const char *)fk_sql_column_text(st, 1), fk_sql_column_int64(st, 0)) < 0)
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the history's row references");
	return s;
}

/* ---- the references as a reader of the whole history gathers them (trust.h) ---- */

struct fk_trust_refs {
	ref_map m;
};

fk_status fk_trust_refs_new(fk_trust_refs **out, fk_error *err)
{
	*out = calloc(1, sizeof **out);
	return *out ? FK_OK : fk_fail(err, FK_ERR_NOMEM, "out of memory");
}

fk_status fk_trust_refs_add(fk_trust_refs *r, int64_t seq, int adoption, const char *refs, fk_error *err)
{
	if (adoption) {
		/* As SQL_REFS: every row was sealed anew then, so nothing before says what it is. */
		ref_map_free(&r->m);
		memset(&r->m, 0, sizeof r->m);
		return FK_OK;
	}
	return refs_put(&r->m, refs, seq) < 0 ? fk_fail(err, FK_ERR_NOMEM, "out of memory") : FK_OK;
}

void fk_trust_refs_free(fk_trust_refs *r)
{
	if (!r)
		return;
	ref_map_free(&r->m);
	free(r);
}

/* "i12" or "t" + hex: a row's key as the references write it. */
static void ref_key(const fk_val *key, char *buf, size_t len)
{
	if (key->type == SQLITE_INTEGER) {
		snprintf(buf, len, "i%lld", (long long)key->i);
		return;
	}
	size_t n = key->type == SQLITE_TEXT && key->n < (len - 2) / 2 ? key->n : 0;
	buf[0] = 't';
	fk_hex(key->p ? key->p : (const void *)"", n, buf + 1);
}

/* The row a reference names, as every other message names rows ("lockout row username=op1"),
 * not in the references' own form. */
static void ref_describe(fk_table t, const char *key, char *buf, size_t len)
{
	char text[80];
	size_t n = strlen(key) / 2;
	fk_val v = FK_VAL_NULL;
	if (key[0] == 'i')
		v = FK_VAL_INT(strtoll(key + 1, NULL, 10));
	else if (key[0] == 't' && n < sizeof text && fk_unhex(key + 1, (uint8_t *)text, n) == 0)
		v = (fk_val){SQLITE_TEXT, 0, text, n};
	fk_row_describe(t, &v, buf, len);
}

typedef void (*stale_fn)(void *arg, fk_table t, const char *msg, int64_t seq);

/* Rows of small table t whose stored MAC is not the one the history last recorded for them,
 * and recorded rows that are missing. */
static fk_status find_stale(fk_ctx *ctx, fk_table t, const ref_map *m, stale_fn fn, void *arg,
			    int *found, fk_error *err)
{
	fk_stmt *st;
	fk_val v[40];
	int n = fk_table_ncols(t), rc;
	char *seen = calloc(m->n + 1, 1);
	if (!seen)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (m->n && !m->v) { /* never: a map holds its references (said for the analyser) */
		free(seen);
		return fk_fail(err, FK_ERR_INTERNAL, "row references lost");
	}
	fk_status s = fk_ctx_stmt(ctx, fk_table_sql_all(t), &st, err);
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		char key[160], hex[2 * FK_MAC_LEN + 1] = "-", row[200], msg[400];
		fk_row_vals(st, 0, n + 1, v);
		ref_key(&v[0], key, sizeof key);
		if (v[n].type == SQLITE_BLOB && v[n].n == FK_MAC_LEN)
			fk_hex(v[n].p, FK_MAC_LEN, hex);
		const ref_latest *r = ref_find(m, (int)t, key);
		if (!r)
			continue;
		seen[r - m->v] = 1;
		if (!strcmp(r->mac, hex))
			continue;
		fk_row_describe(t, &v[0], row, sizeof row);
		snprintf(msg, sizeof msg, !strcmp(r->mac, "-")
			 ? "%s was removed by record %lld but is back: an older copy was put back"
			 : "%s is not the one record %lld wrote: an older copy was put back",
			 row, (long long)r->seq);
		fn(arg, t, msg, r->seq);
		(*found)++;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading a sealed table");
	for (size_t i = 0; s == FK_OK && i < m->n; i++)
		if (m->v[i].table == (int)t && !seen[i] && strcmp(m->v[i].mac, "-") != 0) {
			char row[200], msg[400];
			ref_describe(t, m->v[i].key, row, sizeof row);
			snprintf(msg, sizeof msg, "%s written by record %lld is missing: it was removed", row,
				 (long long)m->v[i].seq);
			fn(arg, t, msg, m->v[i].seq);
			(*found)++;
		}
	free(seen);
	return s;
}

static void first_stale(void *arg, fk_table t, const char *msg, int64_t seq)
{
	(void)t;
	(void)seq;
	char *buf = arg;
	if (!buf[0])
		fk_copy_str(buf, 300, msg);
}

static fk_status describe_mismatch(fk_ctx *ctx, const fk_state *db, const fk_state *a, fk_error *err)
{
	if (!fk_head_equal(&db->head, &a->head)) {
		if (db->head.seq < a->head.seq)
			return fk_fail(err, FK_ERR_TAMPER,
				       "the operation history ends at record %lld but this terminal wrote up to record %lld: "
				       "records were cut off the end or the database was put back to an older copy; "
				       "run 'fukuhonctl audit verify' (a store its server restored on purpose: "
				       "'fukuhonctl restore --database-restored')",
				       (long long)db->head.seq, (long long)a->head.seq);
		return fk_fail(err, FK_ERR_TAMPER,
			       "the operation history's last record (%lld) is not the one this terminal wrote (%lld): "
			       "the history was rewritten or the database replaced; run 'fukuhonctl audit verify'",
			       (long long)db->head.seq, (long long)a->head.seq);
	}
	int t = small_differs(db, a);
	char where[300] = "";
	ref_map m;
	int found = 0;
	fk_status s = load_refs(ctx, &m, err);
	if (s == FK_OK)
		s = find_stale(ctx, (fk_table)t, &m, first_stale, where, &found, err);
	ref_map_free(&m);
	if (s != FK_OK)
		return s;
	return fk_fail(err, FK_ERR_TAMPER,
		       ctx->trust->shared ? "table %s is not in the state the store's writers left it (%llu rows, recorded %llu): %s"
					  : "table %s is not in the state this terminal left it (%llu rows, anchored %llu): %s",
		       fk_table_name((fk_table)t), (unsigned long long)db->table[t].count,
		       (unsigned long long)a->table[t].count,
		       where[0] ? where : "a row was put back, removed or added outside fukuhon");
}

/* ---- several terminals on one store (docs/threat-model.md) ---- */

static const fk_tx_hooks hooks;

/* On PostgreSQL other terminals write the same tables and history, so this terminal's anchor
 * cannot hold the store's whole state: the store holds it, in its trust_state row, MAC'd with
 * the bureau's shared trust key and moved by every write transaction under the write lock with
 * a generation that only grows. The anchor keeps the generation this terminal last wrote or
 * saw, the store's state at it, and the end of this terminal's own chain of records. At every
 * write transaction's start: the store must be in the state its row says (a row cannot be
 * changed without the key), this terminal's chain must end where it last wrote, and the row's
 * generation must not be below the anchor's, nor differ from it at the same generation. */
static const char SQL_SSTATE_GET[] = "SELECT gen, state, mac FROM trust_state WHERE id = 'store'";
static const char SQL_SSTATE_PUT[] =
	"INSERT INTO trust_state(id, gen, state, mac) VALUES ('store', ?1, ?2, ?3) "
	"ON CONFLICT (id) DO UPDATE SET gen = excluded.gen, state = excluded.state, mac = excluded.mac";
static const char SQL_OWN_HEAD[] =
	"SELECT seq, coalesce(epoch, 0), kind, mac FROM audit_log WHERE terminal = ?1 ORDER BY seq DESC LIMIT 1";

/* The row's MAC: over "FKTSTATE", the generation and the encoded state. */
static fk_status sstate_mac(fk_trust *tr, uint64_t gen, const uint8_t *enc, size_t n,
			    uint8_t mac[FK_MAC_LEN], fk_error *err)
{
	uint8_t buf[16 + FK_STATE_MAX];
	memcpy(buf, "FKTSTATE", 8);
	for (int i = 0; i < 8; i++)
		buf[8 + i] = (uint8_t)(gen >> (56 - 8 * i));
	memcpy(buf + 16, enc, n);
	return fk_mac_run(tr->smackey, buf, 16 + n, mac, err);
}

/* The store's row: *found 0 when there is none; FK_ERR_TAMPER when it fails its MAC. */
static fk_status sstate_read(fk_ctx *ctx, uint64_t *gen, fk_state *s, uint8_t mac[FK_MAC_LEN], int *found,
			     fk_error *err)
{
	fk_stmt *st;
	*found = 0;
	*gen = 0;
	memset(s, 0, sizeof *s);
	fk_status r = fk_ctx_stmt(ctx, SQL_SSTATE_GET, &st, err);
	if (r != FK_OK)
		return r;
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		uint8_t want[FK_MAC_LEN];
		int64_t g = fk_sql_column_int64(st, 0);
		const uint8_t *enc = fk_sql_column_blob(st, 1);
		int n = fk_sql_column_bytes(st, 1);
		int ok = g >= 1 && enc && n > 0 && n <= FK_STATE_MAX && fk_sql_column_bytes(st, 2) == FK_MAC_LEN &&
			 fk_state_decode(enc, (size_t)n, s);
		if (ok && (r = sstate_mac(ctx->trust, (uint64_t)g, enc, (size_t)n, want, err)) == FK_OK)
			ok = fk_memeq_ct(want, fk_sql_column_blob(st, 2), FK_MAC_LEN) == 0;
		memcpy(mac, want, FK_MAC_LEN);
		*found = 1;
		*gen = (uint64_t)g;
		if (r == FK_OK && !ok)
			r = fk_fail(err, FK_ERR_TAMPER,
				    "the store's trust state (trust_state) fails its MAC: it was altered outside fukuhon");
	} else if (rc != SQLITE_DONE) {
		r = fk_db_fail(ctx->db, rc, err, "reading the store's trust state");
	}
	fk_sql_reset(st);
	return r;
}

static fk_status sstate_write(fk_ctx *ctx, uint64_t gen, const fk_state *s, uint8_t mac[FK_MAC_LEN],
			      fk_error *err)
{
	fk_stmt *st;
	uint8_t enc[FK_STATE_MAX];
	size_t n = fk_state_encode(s, enc);
	fk_status r = sstate_mac(ctx->trust, gen, enc, n, mac, err);
	if (r == FK_OK)
		r = fk_ctx_stmt(ctx, SQL_SSTATE_PUT, &st, err);
	if (r != FK_OK)
		return r;
	fk_sql_bind_int64(st, 1, (int64_t)gen);
	fk_sql_bind_blob(st, 2, enc, (int)n, SQLITE_TRANSIENT);
	fk_sql_bind_blob(st, 3, mac, FK_MAC_LEN, SQLITE_TRANSIENT);
	return fk_ctx_exec(ctx, st, err, "writing the store's trust state");
}

/* The last record of this terminal's own chain (seq 0: none). */
static fk_status own_head(fk_ctx *ctx, fk_head *h, fk_error *err)
{
	fk_stmt *st;
	memset(h, 0, sizeof *h);
	fk_status s = fk_ctx_stmt(ctx, SQL_OWN_HEAD, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, ctx->cfg.terminal_id, -1, SQLITE_TRANSIENT);
	return step_head(ctx, st, h, "reading this terminal's history", err);
}

static int states_equal(const fk_state *a, const fk_state *b)
{
	for (int t = 0; t < FK_T_COUNT; t++)
		if (!fk_digest_equal(&a->table[t], &b->table[t]))
			return 0;
	return fk_head_equal(&a->head, &b->head);
}

/* What the anchor says this terminal last left: with a commit of ours that may not have
 * happened, the state before it when our chain ends before it. */
struct shared_view {
	uint64_t sgen;
	const uint8_t *smac;
	fk_head own;
	int undone; /* the pending commit did not happen */
};

static void shared_view(const fk_anchor *a, const fk_head *own, struct shared_view *v)
{
	v->sgen = a->sgen;
	v->smac = a->smac;
	v->own = a->own;
	v->undone = 0;
	if (a->pending && !a->confirmed && !fk_head_equal(own, &a->own) && fk_head_equal(own, &a->own_before)) {
		v->sgen = a->sgen_before;
		v->smac = a->smac_before;
		v->own = a->own_before;
		v->undone = 1;
	}
}

/* The rules of the store's generation against this terminal's anchor; a message in why (and
 * 0) when broken. */
static int shared_rules(const fk_anchor *a, uint64_t gen, const uint8_t smac[FK_MAC_LEN], const fk_head *own,
			char *why, size_t n)
{
	struct shared_view v;
	shared_view(a, own, &v);
	if (!fk_head_equal(own, &v.own)) {
		if (own->seq < v.own.seq)
			snprintf(why, n, "this terminal's history ends at record %lld but this terminal wrote up to "
				 "record %lld: its records were cut off or the store was put back to an older copy "
				 "(if its server restored it from a backup: 'fukuhonctl restore --database-restored')",
				 (long long)own->seq, (long long)v.own.seq);
		else
			snprintf(why, n, "this terminal's last record in the store (%lld) is not the one it wrote (%lld): "
				 "the history was rewritten or the store replaced", (long long)own->seq, (long long)v.own.seq);
		return 0;
	}
	if (a->shared && gen < v.sgen) {
		snprintf(why, n, "the store was put back to an older copy: its state is at generation %llu, "
			 "but this terminal has seen generation %llu (if its server restored it from a backup: "
			 "'fukuhonctl restore --database-restored')", (unsigned long long)gen,
			 (unsigned long long)v.sgen);
		return 0;
	}
	if (a->shared && gen == v.sgen && fk_memeq_ct(smac, v.smac, FK_MAC_LEN) != 0) {
		snprintf(why, n, "the store's state at generation %llu is not the one this terminal saw: "
			 "the store was replaced", (unsigned long long)gen);
		return 0;
	}
	return 1;
}

/* The store's history end and small tables (db) against its row (s). An end short of the
 * writers' is named as on a terminal's own file (describe_mismatch): the operator is told the
 * same thing on both backends. */
static fk_status store_mismatch(fk_ctx *ctx, const fk_state *db, const fk_state *s, fk_error *err)
{
	if (!fk_head_equal(&db->head, &s->head) && db->head.seq < s->head.seq)
		return fk_fail(err, FK_ERR_TAMPER,
			       "the operation history ends at record %lld but the store's writers left it at record %lld: "
			       "records were cut off the end outside fukuhon; run 'fukuhonctl audit verify'",
			       (long long)db->head.seq, (long long)s->head.seq);
	if (!fk_head_equal(&db->head, &s->head))
		return fk_fail(err, FK_ERR_TAMPER,
			       "the operation history ends at record %lld but the store's writers left it at record %lld: "
			       "records were cut off, added or rewritten outside fukuhon; run 'fukuhonctl audit verify'",
			       (long long)db->head.seq, (long long)s->head.seq);
	return describe_mismatch(ctx, db, s, err);
}

static fk_status reconcile_shared(fk_ctx *ctx, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_state db, row;
	fk_head own;
	uint64_t gen = 0;
	int found = 0;
	uint8_t rmac[FK_MAC_LEN];
	fk_status s = read_small(ctx, &db, err);
	if (s == FK_OK)
		s = own_head(ctx, &own, err);
	if (s == FK_OK)
		s = sstate_read(ctx, &gen, &row, rmac, &found, err);
	if (s != FK_OK)
		return s;
	fk_anchor *a = &tr->anchor;
	/* Our first shared commit (the one that writes the row) not made: as before it. */
	if (!found && a->shared && a->pending && !a->confirmed && a->sgen_before == 0)
		return reconcile(ctx, err);
	if (!found) {
		if (a->shared)
			return fk_fail(err, FK_ERR_TAMPER,
				       "the store's trust state (trust_state) was removed outside fukuhon; run 'fukuhonctl audit verify'");
		/* A store one terminal wrote before several could: its anchor still holds the whole
		 * state; the first write moves it into the store. */
		tr->sgen = 0;
		return reconcile(ctx, err);
	}
	/* Large tables' digests are not read at every transaction: the row's stand for them
	 * (its MAC covers them), as the anchor's do on a terminal's own file. */
	for (int t = 0; t < FK_T_COUNT; t++)
		if (!fk_table_small((fk_table)t))
			db.table[t] = row.table[t];
	if (!states_equal(&db, &row))
		return store_mismatch(ctx, &db, &row, err);
	char why[400];
	if (!shared_rules(a, gen, rmac, &own, why, sizeof why))
		return fk_fail(err, FK_ERR_TAMPER, "%s; run 'fukuhonctl audit verify'", why);
	tr->committed = row;
	tr->sgen = gen;
	memcpy(tr->smac, rmac, FK_MAC_LEN);
	/* What this terminal has seen, so that the store is never accepted below it again. */
	if (a->shared && a->sgen == gen && a->confirmed && fk_head_equal(&a->own, &own))
		return FK_OK;
	fk_anchor seen = {.gen = a->gen + 1, .pending = 0, .confirmed = 1, .now = row, .before = row,
			  .shared = 1, .sgen = gen, .sgen_before = gen, .own = own, .own_before = own};
	memcpy(seen.smac, rmac, FK_MAC_LEN);
	memcpy(seen.smac_before, rmac, FK_MAC_LEN);
	if ((s = fk_anchor_write(tr->file, &seen, err)) == FK_OK)
		*a = seen;
	return s;
}

/* A terminal enrolled on a shared store (the bureau's shared keys copied into its key folder,
 * its own history keys made at its first start): it has no anchor yet. It joins when the store
 * has a valid state and holds no record of this terminal; a terminal that has written to the
 * store and lost its anchor is refused as on its own file. */
static fk_status join_store(fk_ctx *ctx, const uint8_t key[FK_KEY_LEN], fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_state db, row;
	fk_head own;
	uint64_t gen;
	int found = 0;
	uint8_t rmac[FK_MAC_LEN];
	ctx->hooks = NULL;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK) {
		ctx->hooks = &hooks;
		return s;
	}
	s = sstate_read(ctx, &gen, &row, rmac, &found, err);
	if (s == FK_OK)
		s = own_head(ctx, &own, err);
	if (s == FK_OK && (!found || own.seq != 0))
		s = fk_fail(err, FK_ERR_NOKEY,
			    found ? "the anchor %s/%s is missing but the store holds this terminal's records: restore the key folder from its backup"
				  : "the anchor %s/%s is missing and the store has no shared trust state to join: "
				    "open the store once at the terminal that created it",
			    ctx->cfg.key_dir, FK_ANCHOR_NAME);
	memset(&db, 0, sizeof db);
	if (s == FK_OK)
		s = db_head(ctx, &db.head, err);
	for (int t = 0; s == FK_OK && t < FK_T_COUNT; t++)
		s = fk_table_small((fk_table)t) ? scan_table(ctx, (fk_table)t, &db.table[t], stop_at_first, err, err)
						: (db.table[t] = row.table[t], FK_OK);
	if (s == FK_OK && !states_equal(&db, &row))
		s = store_mismatch(ctx, &db, &row, err);
	if (s == FK_OK) {
		fk_anchor a = {.gen = 1, .confirmed = 1, .now = row, .before = row, .shared = 1,
			       .sgen = gen, .sgen_before = gen};
		memcpy(a.smac, rmac, FK_MAC_LEN);
		memcpy(a.smac_before, rmac, FK_MAC_LEN);
		if ((s = fk_anchor_create(ctx->cfg.key_dir, key, &a, &tr->file, err)) == FK_OK) {
			tr->anchor = a;
			tr->committed = tr->tx = row;
			tr->sgen = gen;
			memcpy(tr->smac, rmac, FK_MAC_LEN);
		}
	}
	s = fk_ctx_end(ctx, s, err);
	ctx->hooks = &hooks;
	return s;
}

/* ---- transactions ---- */

/* SQLite's count of other connections' commits. */
static fk_status data_version(fk_ctx *ctx, int64_t *v, fk_error *err)
{
	return fk_ctx_int64(ctx, SQL_DATA_VERSION, v, err, "reading the data version");
}

/* Whether anyone else may have written since the last check: SQLite's data_version moved, or
 * on PostgreSQL a transaction not ours completed (core/db/pgwatch.h; in_tx: the current
 * transaction is given its id, which is then ours). */
static fk_status others_wrote(fk_ctx *ctx, int in_tx, int64_t *v, fk_pg_snap *now, int *others,
			      fk_error *err)
{
	fk_trust *tr = ctx->trust;
	*v = 0;
	*others = 1;
	/* SQLite reads no snapshot, but the callers mark the (unused) watch with it: no field of
	 * it may be left unset (valgrind saw the copy read uninitialised bytes) */
	now->xmax = 0;
	now->nxip = -1;
	now->xid = 0;
	fk_status s;
	if (fk_sql_is_pg(ctx->db)) {
		if ((s = fk_pg_watch_read(ctx, in_tx, now, err)) == FK_OK)
			*others = fk_pg_watch_others(&tr->watch, now);
	} else if ((s = data_version(ctx, v, err)) == FK_OK) {
		*others = *v != tr->data_version;
	}
	return s;
}

/* After BEGIN IMMEDIATE: when another process wrote since the last check (or never checked),
 * check the whole small state and the history's end again before anything is used. */
static fk_status on_begin(fk_ctx *ctx, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	int64_t v;
	if (tr->suspended || tr->broken) {
		tr->tx = tr->committed;
		tr->nrefs = 0;
		return FK_OK;
	}
	fk_pg_snap now;
	int others;
	fk_status s = others_wrote(ctx, 1, &v, &now, &others, err);
	if (s == FK_OK && tr->degraded) {
		/* Checked in full again by the next ordinary transaction. */
		s = reconcile_head(ctx, err);
		tr->data_version = -1;
		tr->watch.valid = 0;
	} else if (s == FK_OK && others) {
		s = tr->shared ? reconcile_shared(ctx, err) : reconcile(ctx, err);
		if (s == FK_OK) {
			tr->data_version = v;
			fk_pg_watch_mark(&tr->watch, &now);
		}
	} else if (s == FK_OK) {
		/* As checked, plus our own commits: this transaction is ours too. */
		fk_pg_watch_mark(&tr->watch, &now);
	}
	tr->tx = tr->committed;
	tr->nrefs = 0;
	return s;
}

static int tx_changed(const fk_trust *tr, int *tables)
{
	*tables = 0;
	for (int t = 0; t < FK_T_COUNT; t++)
		*tables |= !fk_digest_equal(&tr->tx.table[t], &tr->committed.table[t]);
	return *tables || !fk_head_equal(&tr->tx.head, &tr->committed.head);
}

static fk_status on_precommit(fk_ctx *ctx, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	int tables;
	if (!tx_changed(tr, &tables))
		return FK_OK;
	if (tr->broken)
		return fk_fail(err, FK_ERR_TAMPER, "nothing is written to a database that failed its check (%s)",
			       tr->why);
	if (tr->suspended)
		return fk_fail(err, FK_ERR_INTERNAL, "a change during verification");
	if (tr->degraded && tables)
		return fk_fail(err, FK_ERR_INTERNAL, "a sealed change while recording a refusal");
	/* Fail closed: a sealed change that no record names does not commit. */
	if (tr->nrefs || (tables && fk_head_equal(&tr->tx.head, &tr->committed.head)))
		return fk_fail(err, FK_ERR_AUDIT,
			       "a change was not recorded in the operation history, so it was not made");
	fk_anchor next = {.gen = tr->anchor.gen + 1, .pending = 1, .now = tr->tx, .before = tr->committed};
	fk_status s = FK_OK;
	if (tr->shared) {
		/* The store's row moves with the commit, in the same transaction; the anchor
		 * keeps its generation and this terminal's new end (the head is ours: only an
		 * append moves it, and the tables never move without one, above). */
		next.shared = 1;
		next.sgen = tr->sgen + 1;
		next.sgen_before = tr->sgen;
		next.own = tr->tx.head;
		/* An anchor from before several terminals: its history end was this terminal's. */
		next.own_before = tr->anchor.shared ? tr->anchor.own : tr->committed.head;
		memcpy(next.smac_before, tr->smac, FK_MAC_LEN);
		s = sstate_write(ctx, next.sgen, &tr->tx, next.smac, err);
	}
	if (s == FK_OK)
		s = fk_anchor_write(tr->file, &next, err);
	if (s == FK_OK) {
		/* The file holds it now, committed or not: the next generation follows it. */
		tr->anchor = next;
		tr->wrote = 1;
		fk_anchor_test_point("pending");
	}
	return s;
}

static void on_committed(fk_ctx *ctx)
{
	fk_trust *tr = ctx->trust;
	if (tr->wrote) {
		fk_anchor_test_point("committed");
		/* A lost confirmation only widens what start-up accepts by this one commit;
		 * while commits follow each other closely it rides on the next one's sync
		 * (fk_trust_lazy_confirm). */
		if ((tr->lazy ? fk_anchor_confirm_after : fk_anchor_confirm)(tr->file, tr->anchor.gen,
									     NULL) == FK_OK)
			tr->anchor.confirmed = 1;
	}
	if (tr->wrote && tr->shared) {
		tr->sgen = tr->anchor.sgen;
		memcpy(tr->smac, tr->anchor.smac, FK_MAC_LEN);
	}
	tr->wrote = 0;
	tr->committed = tr->tx;
	tr->nrefs = 0;
}

static void on_rolledback(fk_ctx *ctx)
{
	fk_trust *tr = ctx->trust;
	tr->wrote = 0;
	tr->tx = tr->committed;
	tr->nrefs = 0;
}

static void on_close(fk_ctx *ctx)
{
	fk_trust *tr = ctx->trust;
	if (!tr)
		return;
	fk_rowkeys_free(&tr->keys);
	fk_memo_free(tr->memo);
	fk_anchor_close(tr->file);
	fk_mac_free(tr->smackey);
	free(tr->refs);
	free(tr->taken);
	free(tr);
	ctx->trust = NULL;
}

static const fk_tx_hooks hooks = {on_begin, on_precommit, on_committed, on_rolledback, on_close};

/* ---- opening ---- */

static fk_status need_tx(fk_ctx *ctx, fk_error *err)
{
	if (!ctx->trust)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	if (ctx->tx_depth <= 0)
		return fk_fail(err, FK_ERR_INTERNAL, "a sealed row written outside a transaction");
	return FK_OK;
}

static void bind_key(fk_stmt *st, const fk_val *key)
{
	if (key->type == SQLITE_INTEGER)
		fk_sql_bind_int64(st, 1, key->i);
	else
		fk_sql_bind_text(st, 1, key->p, (int)key->n, SQLITE_TRANSIENT);
}



/* The state as the database has it now, every table included (init, adoption). */
static fk_status full_state(fk_ctx *ctx, fk_state *s, fk_error *err)
{
	memset(s, 0, sizeof *s);
	fk_status st = db_head(ctx, &s->head, err);
	for (int t = 0; st == FK_OK && t < FK_T_COUNT; t++)
		st = scan_table(ctx, (fk_table)t, &s->table[t], stop_at_first, err, err);
	return st;
}

/* MAC every row of t that has none (with all, every row: adoption), without references: rows
 * that never had another version cannot be put back to one. With add, into the digest. */
static fk_status seal_rows(fk_ctx *ctx, fk_table t, int add, int all, fk_error *err)
{
	fk_stmt *st, *up;
	fk_val v[40];
	int n = fk_table_ncols(t), rc = SQLITE_DONE, piped = 0;
	/* Both statements prepared and the SELECT run before the first UPDATE, so that the
	 * UPDATEs go as one pipeline (sql.h): one round trip for the table on PostgreSQL instead
	 * of one a row (the reference data's 1,900 municipalities at a terminal's creation). The
	 * SELECT's rows are all read by its first step there (it is not FK_SQL_LARGE). */
	fk_status s = fk_ctx_stmt(ctx, fk_table_sql_all(t), &st, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, fk_table_sql_mac(t), &up, err);
	if (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		int prc = fk_sql_pipeline_begin(ctx->db);
		if (prc != SQLITE_OK)
			s = fk_db_fail(ctx->db, prc, err, "sealing the rows");
		piped = prc == SQLITE_OK;
	}
	/* no step after a failed row: its statement's error is the one to report */
	for (; s == FK_OK && rc == SQLITE_ROW; rc = s == FK_OK ? fk_sql_step(st) : rc) {
		uint8_t mac[FK_MAC_LEN], c[FK_MAC_LEN];
		fk_row_vals(st, 0, n + 1, v);
		if (v[n].type != SQLITE_NULL && !all)
			continue;
		if ((s = fk_row_mac(&ctx->trust->keys, t, v, mac, err)) != FK_OK)
			break;
		bind_key(up, &v[0]);
		fk_sql_bind_blob(up, 2, mac, FK_MAC_LEN, SQLITE_STATIC);
		/* The UPDATE touches rows the SELECT has passed: SQLite allows that. */
		if ((s = fk_ctx_exec(ctx, up, err, "sealing a row")) == FK_OK && add &&
		    (s = fk_row_contribution(&ctx->trust->keys, t, mac, c, err)) == FK_OK)
			fk_digest_add(&ctx->trust->tx.table[t], c);
	}
	if (piped) {
		int prc = fk_sql_pipeline_end(ctx->db);
		if (s == FK_OK && prc != SQLITE_OK)
			s = fk_db_fail(ctx->db, prc, err, "sealing a row");
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "sealing the rows");
	return s;
}

fk_status fk_trust_seal_loaded(fk_ctx *ctx, fk_table t, fk_error *err)
{
	fk_status s = need_tx(ctx, err);
	return s == FK_OK ? seal_rows(ctx, t, 1, 0, err) : s;
}

static fk_status first_anchor(fk_ctx *ctx, const uint8_t key[FK_KEY_LEN], int adopt, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_state s;
	memset(&s, 0, sizeof s);
	/* Under the write lock, so that no other process writes in between. */
	ctx->hooks = NULL;
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	for (int t = 0; adopt && st == FK_OK && t < FK_T_COUNT; t++)
		st = seal_rows(ctx, (fk_table)t, 0, 1, err);
	if (st == FK_OK)
		st = full_state(ctx, &s, err);
	fk_anchor a = {.gen = 1, .confirmed = 1, .now = s, .before = s};
	if (st == FK_OK && tr->shared && !adopt) {
		/* A new shared store: its state, generation 1, is in the store from the start. */
		a.shared = 1;
		a.sgen = a.sgen_before = 1;
		a.own = a.own_before = s.head;
		tr->sgen = 1;
		st = sstate_write(ctx, 1, &s, a.smac, err);
		memcpy(a.smac_before, a.smac, FK_MAC_LEN);
		memcpy(tr->smac, a.smac, FK_MAC_LEN);
	}
	if (st == FK_OK) {
		st = fk_anchor_create(ctx->cfg.key_dir, key, &a, &tr->file, err);
		if (st == FK_OK) {
			tr->anchor = a;
			tr->committed = tr->tx = s;
		}
	}
	st = fk_ctx_end(ctx, st, err);
	ctx->hooks = &hooks;
	return st;
}

void fk_trust_lazy_confirm(fk_ctx *ctx, int on)
{
	if (ctx->trust)
		ctx->trust->lazy = on;
}

void fk_trust_degrade(fk_ctx *ctx, int on)
{
	if (ctx->trust)
		ctx->trust->degraded = on;
}

void fk_trust_suspend(fk_ctx *ctx, int on)
{
	if (ctx->trust)
		ctx->trust->suspended = on;
}

void fk_trust_mark_broken(fk_ctx *ctx, const char *why)
{
	fk_trust *tr = ctx->trust;
	if (!tr || tr->broken)
		return; /* the first reason stands */
	tr->broken = 1;
	fk_copy_str(tr->why, sizeof tr->why, why && *why ? why : "the key folder does not match");
}

const char *fk_trust_broken(const fk_ctx *ctx)
{
	return ctx->trust && ctx->trust->broken ? ctx->trust->why : NULL;
}

fk_status fk_trust_open(fk_ctx *ctx, int create, int inspect, fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	int exists = 0, have_key = 1;
	fk_trust *tr = calloc(1, sizeof *tr);
	if (!tr)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	tr->data_version = -1;
	tr->memo = fk_memo_new(); /* NULL: every check in full */
	ctx->trust = tr;
	ctx->hooks = &hooks; /* from here on, closing the context frees tr */
	int enrol = create == FK_TRUST_ENROL;
	if (enrol)
		create = 0;
	fk_status st = create ? create_key(ctx->cfg.key_dir, key, err) : load_key(ctx->cfg.key_dir, key, err);
	if (st == FK_ERR_NOKEY && !create && !enrol && fk_sql_is_pg(ctx->db))
		/* Adoption re-seals every row under a new key: on a shared store that would take the
		 * rows from the bureau's other terminals (whose key it is not) and the store's trust
		 * state could not follow, so the next write failed as tampering. No PostgreSQL store
		 * predates the trust base: a key folder without its key is a lost key, and a new
		 * key is made nowhere (found by tests/units_pg.sh; R-KEYS, R-DETECT). */
		st = fk_fail(err, FK_ERR_NOKEY, "the trust key is missing from the key folder %s: a terminal "
			     "of a shared store takes the bureau's keys again (fukuhonctl key import), or its "
			     "key folder is restored from its backup", ctx->cfg.key_dir);
	else if (st == FK_ERR_NOKEY && !create && !enrol) {
		/* A terminal from before the trust base: adopted below, if it has no anchor. */
		have_key = 0;
		st = create_key(ctx->cfg.key_dir, key, err);
	}
	if (st == FK_OK)
		st = fk_rowkeys_init(&tr->keys, key, err);
	tr->shared = fk_sql_is_pg(ctx->db);
	if (st == FK_OK && tr->shared) {
		uint8_t sk[FK_MAC_LEN];
		if ((st = fk_hmac(key, "fk:trust-state", 14, sk, err)) == FK_OK)
			st = fk_mac_new(sk, &tr->smackey, err);
		fk_wipe(sk, sizeof sk);
	}
	if (st == FK_OK)
		st = fk_anchor_open(ctx->cfg.key_dir, key, &tr->file, &exists, err);
	if (st == FK_OK && exists && enrol)
		st = fk_fail(err, FK_ERR_EXISTS, "the key folder %s already holds an anchor", ctx->cfg.key_dir);
	else if (st == FK_OK && !exists && (enrol || (!create && have_key)) && tr->shared)
		/* A terminal of a shared store (enrolled, or made with the bureau's shared keys):
		 * it joins at the store's trust state, which the shared trust key authenticates. */
		st = join_store(ctx, key, err);
	else if (st == FK_OK && !exists && enrol) {
		/* Every row of every sealed table checked against its MAC under the bureau's trust
		 * key as the anchor is made (full_state): a store whose rows this key did not seal is
		 * refused. The history's end is taken as found: its MACs are other terminals'. */
		st = first_anchor(ctx, key, 0, err);
	} else if (st == FK_OK && !exists && !create && have_key)
		st = fk_fail(err, FK_ERR_NOKEY,
			     "the anchor %s/%s is missing but the terminal has a trust key: restore the key folder from its backup",
			     ctx->cfg.key_dir, FK_ANCHOR_NAME);
	else if (st == FK_OK && exists && (create || !have_key))
		st = fk_fail(err, FK_ERR_EXISTS, "the key folder %s already holds an anchor", ctx->cfg.key_dir);
	else if (st == FK_OK && !exists) {
		st = first_anchor(ctx, key, !create, err);
		tr->adopted = st == FK_OK && !create;
	}
	fk_wipe(key, sizeof key);
	if (st == FK_OK && exists && !enrol) {
		/* The first transaction checks everything (data_version is -1). */
		if ((st = fk_ctx_begin(ctx, err)) == FK_OK)
			st = fk_ctx_end(ctx, st, err);
		/* Inspection (audit verify, status --check) goes on, reading only. */
		if (st == FK_ERR_TAMPER && inspect && tr->file) {
			tr->broken = 1;
			fk_copy_str(tr->why, sizeof tr->why, err ? err->msg : "tampered");
			st = FK_OK;
		}
	}
	return st;
}

/* ---- sealing and checking rows ---- */

static fk_status add_ref(fk_trust *tr, fk_table t, const fk_val *key, const uint8_t *mac, fk_error *err)
{
	if (!fk_table_small(t))
		return FK_OK; /* large tables: their digest alone (docs/threat-model.md) */
	char k[160], hex[2 * FK_MAC_LEN + 1] = "-", one[300];
	ref_key(key, k, sizeof k);
	if (mac)
		fk_hex(mac, FK_MAC_LEN, hex);
	int n = snprintf(one, sizeof one, "%s%s %s %s", tr->nrefs ? ";" : "", fk_table_name(t), k, hex);
	if (n < 0 || (size_t)n >= sizeof one)
		return fk_fail(err, FK_ERR_INTERNAL, "row reference too long");
	if (tr->nrefs + (size_t)n + 1 > tr->caprefs) {
		size_t cap = tr->caprefs ? 2 * tr->caprefs : 1024;
		while (cap < tr->nrefs + (size_t)n + 1)
			cap *= 2;
		char *p = realloc(tr->refs, cap);
		if (!p)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		tr->refs = p;
		tr->caprefs = cap;
	}
	memcpy(tr->refs + tr->nrefs, one, (size_t)n + 1);
	tr->nrefs += (size_t)n;
	return FK_OK;
}

fk_status fk_trust_seal(fk_ctx *ctx, fk_table t, fk_val key, fk_error *err)
{
	fk_stmt *st;
	fk_val v[40];
	int n = fk_table_ncols(t);
	uint8_t mac[FK_MAC_LEN], c[FK_MAC_LEN];
	fk_status s = need_tx(ctx, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, fk_table_sql_one(t), &st, err);
	if (s != FK_OK)
		return s;
	fk_trust *tr = ctx->trust;
	bind_key(st, &key);
	int rc = fk_sql_step(st);
	if (rc != SQLITE_ROW) {
		fk_sql_reset(st);
		return rc == SQLITE_DONE ? fk_fail(err, FK_ERR_INTERNAL, "sealing a row that is not there")
					 : fk_db_fail(ctx->db, rc, err, "reading a row to seal");
	}
	fk_row_vals(st, 0, n, v);
	s = fk_row_mac(&tr->keys, t, v, mac, err);
	fk_sql_reset(st);
	if (s == FK_OK && (s = fk_row_contribution(&tr->keys, t, mac, c, err)) == FK_OK)
		fk_digest_add(&tr->tx.table[t], c);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, fk_table_sql_mac(t), &st, err)) == FK_OK) {
		bind_key(st, &key);
		fk_sql_bind_blob(st, 2, mac, FK_MAC_LEN, SQLITE_STATIC);
		s = fk_ctx_exec(ctx, st, err, "sealing a row");
	}
	return s == FK_OK ? add_ref(tr, t, &key, mac, err) : s;
}

fk_status fk_trust_seal_new(fk_ctx *ctx, fk_table t, const fk_val *cols, uint8_t mac[FK_MAC_LEN],
			    fk_error *err)
{
	uint8_t c[FK_MAC_LEN];
	fk_status s = need_tx(ctx, err);
	if (s == FK_OK)
		s = fk_row_mac(&ctx->trust->keys, t, cols, mac, err);
	if (s == FK_OK && (s = fk_row_contribution(&ctx->trust->keys, t, mac, c, err)) == FK_OK)
		fk_digest_add(&ctx->trust->tx.table[t], c);
	return s == FK_OK ? add_ref(ctx->trust, t, &cols[0], mac, err) : s;
}

fk_status fk_trust_prepare(fk_ctx *ctx, fk_table t, const fk_val *cols, uint8_t mac[FK_MAC_LEN],
			   uint8_t c[FK_MAC_LEN], fk_error *err)
{
	if (!ctx->trust)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	fk_status s = fk_row_mac(&ctx->trust->keys, t, cols, mac, err);
	return s == FK_OK ? fk_row_contribution(&ctx->trust->keys, t, mac, c, err) : s;
}

fk_status fk_trust_contribution(fk_ctx *ctx, fk_table t, const uint8_t mac[FK_MAC_LEN],
				uint8_t c[FK_MAC_LEN], fk_error *err)
{
	if (!ctx->trust)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	return fk_row_contribution(&ctx->trust->keys, t, mac, c, err);
}

fk_status fk_trust_moved(fk_ctx *ctx, fk_table t, const uint8_t c_old[FK_MAC_LEN],
			 const uint8_t c_new[FK_MAC_LEN], fk_error *err)
{
	fk_status s = need_tx(ctx, err);
	if (s != FK_OK)
		return s;
	/* A small table's rows are named in the history one by one (add_ref): not this way. */
	if (fk_table_small(t))
		return fk_fail(err, FK_ERR_INTERNAL, "a small table's row moved without its reference");
	fk_digest_sub(&ctx->trust->tx.table[t], c_old);
	fk_digest_add(&ctx->trust->tx.table[t], c_new);
	return FK_OK;
}

fk_status fk_trust_unseal(fk_ctx *ctx, fk_table t, fk_val key, int removing, fk_error *err)
{
	fk_stmt *st;
	fk_val v[40];
	int n = fk_table_ncols(t);
	fk_status s = need_tx(ctx, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, fk_table_sql_one(t), &st, err);
	if (s != FK_OK)
		return s;
	bind_key(st, &key);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		uint8_t mac[FK_MAC_LEN], c[FK_MAC_LEN];
		char why[256];
		fk_row_vals(st, 0, n + 1, v);
		/* Only a row that is what it says leaves the digest: a changed row is never
		 * laundered by sealing it again. */
		if (!row_ok(&ctx->trust->keys, t, v, mac, why, sizeof why, err, &s))
			s = s != FK_OK ? s : fk_fail(err, FK_ERR_TAMPER, "%s", why);
		else if ((s = fk_row_contribution(&ctx->trust->keys, t, mac, c, err)) == FK_OK)
			fk_digest_sub(&ctx->trust->tx.table[t], c);
	} else if (rc == SQLITE_DONE) {
		s = fk_fail(err, FK_ERR_INTERNAL, "unsealing a row that is not there");
	} else {
		s = fk_db_fail(ctx->db, rc, err, "reading a row to change");
	}
	fk_sql_reset(st);
	return s == FK_OK && removing ? add_ref(ctx->trust, t, &key, NULL, err) : s;
}

fk_status fk_trust_check(fk_ctx *ctx, fk_table t, fk_stmt *st, int first, fk_error *err)
{
	fk_val v[40];
	uint8_t mac[FK_MAC_LEN];
	char why[256];
	fk_status s = FK_OK;
	if (!ctx->trust)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	fk_row_vals(st, first, fk_table_ncols(t) + 1, v);
	if (!row_ok(&ctx->trust->keys, t, v, mac, why, sizeof why, err, &s) && s == FK_OK)
		s = fk_fail(err, FK_ERR_TAMPER, "%s", why);
	return s;
}

fk_status fk_trust_check_with(const char *key_dir, fk_table t, fk_stmt *st, int first, fk_error *err)
{
	uint8_t key[FK_KEY_LEN], mac[FK_MAC_LEN];
	fk_rowkeys keys;
	fk_val v[40];
	char why[256];
	memset(&keys, 0, sizeof keys);
	fk_status s = load_key(key_dir, key, err);
	if (s == FK_OK)
		s = fk_rowkeys_init(&keys, key, err);
	fk_wipe(key, sizeof key);
	if (s == FK_OK) {
		fk_row_vals(st, first, fk_table_ncols(t) + 1, v);
		if (!row_ok(&keys, t, v, mac, why, sizeof why, err, &s) && s == FK_OK)
			s = fk_fail(err, FK_ERR_TAMPER, "%s", why);
	}
	fk_rowkeys_free(&keys);
	return s;
}

fk_status fk_trust_current(fk_ctx *ctx, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	int64_t v;
	if (!tr)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	/* A database that failed its checks, opened to examine it (FK_CTX_DIAGNOSE): the gate lets
	 * only the diagnosis operations through, unrecorded, and they report what failed; checking
	 * again here would only refuse the diagnosis itself. */
	if (tr->broken || ctx->tx_depth > 0 || tr->suspended)
		return FK_OK;
	fk_pg_snap now;
	int others;
	fk_status s = others_wrote(ctx, 0, &v, &now, &others, err);
	if (s != FK_OK)
		return s;
	if (!others) {
		fk_pg_watch_mark(&tr->watch, &now); /* SQLite: unused */
		return FK_OK;
	}
	/* Under the write lock, like every check: the anchor may only be brought up to date
	 * (a commit confirmed, an unfinished one undone) while no writer is between the two. */
	if ((s = fk_ctx_begin(ctx, err)) == FK_OK)
		s = fk_ctx_end(ctx, s, err);
	return s;
}

fk_status fk_trust_secret_hash(fk_ctx *ctx, const char *label, const uint8_t *secret, size_t n,
			       uint8_t out[FK_MAC_LEN], fk_error *err)
{
	if (!ctx->trust)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	return fk_secret_hash(&ctx->trust->keys, label, secret, n, out, err);
}

/* ---- the history ---- */

void fk_trust_note_head(fk_ctx *ctx, const fk_head *h)
{
	if (ctx->trust)
		ctx->trust->tx.head = *h;
}

const char *fk_trust_take_refs(fk_ctx *ctx)
{
	fk_trust *tr = ctx->trust;
	if (!tr || !tr->nrefs)
		return "";
	char *copy = strdup(tr->refs);
	/* Out of memory: the references stay untaken and the commit refuses (fail closed). */
	if (!copy)
		return "";
	free(tr->taken);
	tr->taken = copy;
	tr->nrefs = 0;
	return copy;
}

int fk_trust_adopted(const fk_ctx *ctx)
{
	return ctx->trust && ctx->trust->adopted;
}

fk_status fk_trust_anchored(fk_ctx *ctx, fk_anchor *a, fk_error *err)
{
	if (ctx->trust && ctx->trust->copy) {
		*a = ctx->trust->anchor;
		return FK_OK;
	}
	if (!ctx->trust || !ctx->trust->file)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	return fk_anchor_read(ctx->trust->file, a, err);
}

/* ---- verification ---- */

struct verify_arg {
	fk_trust_fn fn;
	void *arg;
	fk_trust_report *rep;
};

static int report_row(void *arg, fk_table t, const char *msg)
{
	struct verify_arg *va = arg;
	(void)t;
	va->rep->problems++;
	if (va->fn)
		va->fn(va->arg, "row", 0, msg);
	return 0;
}

static void report_stale(void *arg, fk_table t, const char *msg, int64_t seq)
{
	struct verify_arg *va = arg;
	(void)t;
	va->rep->problems++;
	if (va->fn)
		va->fn(va->arg, "rollback", seq, msg);
}

static void report(struct verify_arg *va, const char *what, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(struct verify_arg *va, const char *what, int64_t seq, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	va->rep->problems++;
	if (va->fn)
		va->fn(va->arg, what, seq, msg);
}

fk_status fk_trust_verify(fk_ctx *ctx, int large, const fk_trust_refs *refs, fk_trust_fn fn, void *arg,
			  fk_trust_report *rep, fk_error *err)
{
	struct verify_arg va = {fn, arg, rep};
	fk_anchor a;
	fk_state db;
	ref_map m = {0};
	memset(&a, 0, sizeof a);
	memset(rep, 0, sizeof *rep);
	memset(&db, 0, sizeof db);
	fk_status s = fk_trust_anchored(ctx, &a, err);
	if (s == FK_OK)
		s = db_head(ctx, &db.head, err);
	/* The anchor the database must match: the latest, or the one before an unfinished commit. */
	const fk_state *want = a.pending && !a.confirmed && fk_head_equal(&db.head, &a.before.head)
		? &a.before : &a.now;
	/* A shared store: the state its row says, and the anchor's rules on this terminal's end. */
	fk_state row;
	if (s == FK_OK && ctx->trust->shared && !ctx->trust->copy) {
		fk_head own;
		uint64_t gen = 0;
		int found = 0;
		char why[400];
		fk_error e;
		uint8_t rmac[FK_MAC_LEN];
		s = own_head(ctx, &own, err);
		fk_status r = s == FK_OK ? sstate_read(ctx, &gen, &row, rmac, &found, &e) : s;
		if (r == FK_ERR_TAMPER)
			report(&va, "anchor", 0, "%s", e.msg);
		else if (r != FK_OK)
			s = r;
		else if (!found && a.shared)
			report(&va, "anchor", 0, "the store's trust state (trust_state) was removed outside fukuhon");
		if (s == FK_OK && found && r == FK_OK) {
			want = &row;
			if (!shared_rules(&a, gen, rmac, &own, why, sizeof why))
				/* the first record after this terminal's own end (a forged end of
				 * INT64_MAX names itself: nothing comes after it) */
				report(&va, "anchor", own.seq < INT64_MAX ? own.seq + 1 : own.seq, "%s", why);
		}
	}
	/* Where the problem starts: the first record missing, or the last one when rewritten. */
	if (s == FK_OK && !fk_head_equal(&db.head, &want->head))
		report(&va, "head", db.head.seq < want->head.seq ? db.head.seq + 1 : db.head.seq,
		       ctx->trust->shared ? "the history ends at record %lld, but the store's writers last wrote record %lld%s"
					  : "the history ends at record %lld, but this terminal last wrote record %lld%s",
		       (long long)db.head.seq, (long long)want->head.seq,
		       db.head.seq < want->head.seq ? ": records were cut off the end or the database was put back"
						    : " and its MAC differs: the end was rewritten");
	if (s == FK_OK && !refs)
		s = load_refs(ctx, &m, err);
	const ref_map *latest = refs ? &refs->m : &m;
	for (int t = 0; s == FK_OK && t < FK_T_COUNT; t++) {
		if (!large && !fk_table_small((fk_table)t))
			continue;
		int64_t before = rep->problems;
		int stale = 0;
		s = scan_table(ctx, (fk_table)t, &db.table[t], report_row, &va, err);
		rep->rows += (int64_t)db.table[t].count;
		if (s == FK_OK && fk_table_small((fk_table)t))
			s = find_stale(ctx, (fk_table)t, latest, report_stale, &va, &stale, err);
		/* Rows that failed their own check already explain a digest that differs. */
		if (s == FK_OK && rep->problems == before && !fk_digest_equal(&db.table[t], &want->table[t]))
			report(&va, "table", 0,
			       "table %s is not in the state this terminal left it (%llu rows, anchored %llu): "
			       "a row was put back, removed or added outside fukuhon",
			       fk_table_name((fk_table)t), (unsigned long long)db.table[t].count,
			       (unsigned long long)want->table[t].count);
	}
	ref_map_free(&m);
	return s;
}

/* ---- backups (core/admin/backup.h) ---- */

/* A store several terminals write, put back by its server: its trust_state row (MAC, and the
 * rows measured in *s add up to it) and this terminal's chain end, as the anchor they give. */
static fk_status measure_shared(fk_ctx *ctx, const uint8_t key[FK_KEY_LEN], const fk_state *s, fk_anchor *out,
				fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_state row;
	fk_head own;
	uint64_t gen = 0;
	int found = 0;
	uint8_t sk[FK_MAC_LEN], rmac[FK_MAC_LEN];
	fk_status st = fk_hmac(key, "fk:trust-state", 14, sk, err);
	if (st == FK_OK && !tr->smackey)
		st = fk_mac_new(sk, &tr->smackey, err);
	fk_wipe(sk, sizeof sk);
	if (st == FK_OK)
		st = sstate_read(ctx, &gen, &row, rmac, &found, err);
	if (st == FK_OK)
		st = own_head(ctx, &own, err);
	if (st == FK_OK && !found) /* a store one terminal wrote before several could */
		return FK_OK;
	if (st == FK_OK && !states_equal(s, &row))
		st = store_mismatch(ctx, s, &row, err);
	if (st != FK_OK)
		return st;
	*out = (fk_anchor){.confirmed = 1, .now = row, .before = row, .shared = 1, .sgen = gen,
			   .sgen_before = gen, .own = own, .own_before = own};
	memcpy(out->smac, rmac, FK_MAC_LEN);
	memcpy(out->smac_before, rmac, FK_MAC_LEN);
	return FK_OK;
}

fk_status fk_trust_open_copy(fk_ctx *ctx, const fk_state *want, fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	fk_trust *tr = calloc(1, sizeof *tr);
	if (!tr)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	tr->data_version = -1;
	tr->memo = fk_memo_new();
	ctx->trust = tr;
	ctx->hooks = &hooks;
	/* What the copy must be is what its signed manifest says, not what this terminal's
	 * anchor says now (a backup is always older); nothing is ever written to it. */
	tr->copy = tr->broken = 1;
	fk_copy_str(tr->why, sizeof tr->why, "a backup's copy, read for verification only");
	tr->anchor.now = tr->anchor.before = *want;
	tr->anchor.confirmed = 1;
	tr->committed = tr->tx = *want;
	fk_status st = load_key(ctx->cfg.key_dir, key, err);
	if (st == FK_OK)
		st = fk_rowkeys_init(&tr->keys, key, err);
	fk_wipe(key, sizeof key);
	return st;
}

fk_status fk_trust_open_measured(fk_ctx *ctx, fk_state *s, fk_anchor *anchored, fk_anchor *shared,
				 fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	fk_anchor_file *f = NULL;
	int exists = 0;
	memset(s, 0, sizeof *s);
	memset(anchored, 0, sizeof *anchored);
	memset(shared, 0, sizeof *shared);
	fk_status st = load_key(ctx->cfg.key_dir, key, err);
	if (st == FK_OK)
		st = fk_anchor_open(ctx->cfg.key_dir, key, &f, &exists, err);
	if (st == FK_OK && !exists)
		st = fk_fail(err, FK_ERR_NOKEY, "the key folder %s holds no anchor: restore the key folder from its backup",
			     ctx->cfg.key_dir);
	if (st == FK_OK)
		st = fk_anchor_read(f, anchored, err);
	fk_anchor_close(f);
	if (st == FK_OK)
		st = fk_trust_open_copy(ctx, s, err);
	if (st == FK_OK)
		st = full_state(ctx, s, err);
	if (st == FK_OK && fk_sql_is_pg(ctx->db))
		st = measure_shared(ctx, key, s, shared, err);
	fk_wipe(key, sizeof key);
	if (st == FK_OK) {
		fk_trust *tr = ctx->trust;
		fk_copy_str(tr->why, sizeof tr->why, "a store put back by its server, read before its recovery");
		tr->anchor.now = tr->anchor.before = *s;
		tr->committed = tr->tx = *s;
	}
	return st;
}

fk_status fk_trust_snapshot(fk_ctx *ctx, fk_state *s, fk_error *err)
{
	fk_trust *tr = ctx->trust;
	fk_head h;
	fk_anchor a;
	if (!tr || !tr->file)
		return fk_fail(err, FK_ERR_INTERNAL, "the trust base is not open");
	/* The snapshot is fixed by the first read; the anchor is read after it, so it is at
	 * the snapshot's state or one commit beyond it (then pending, with it as before). */
	fk_status st = db_head(ctx, &h, err);
	if (st == FK_OK)
		st = fk_anchor_read(tr->file, &a, err);
	if (st != FK_OK)
		return st;
	if (fk_head_equal(&h, &a.now.head))
		*s = a.now;
	else if (a.pending && fk_head_equal(&h, &a.before.head))
		*s = a.before;
	else
		return fk_fail(err, FK_ERR_BUSY, "the history moved on while its state was read");
	return FK_OK;
}

fk_status fk_trust_rebase(const char *key_dir, const fk_state *s, const fk_anchor *shared, fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	fk_anchor_file *f = NULL;
	fk_anchor a;
	int exists = 0;
	fk_anchor want = {.now = *s, .before = *s};
	if (shared && shared->shared)
		want = *shared;
	want.pending = 0;
	fk_status st = load_key(key_dir, key, err);
	if (st == FK_OK)
		st = fk_anchor_open(key_dir, key, &f, &exists, err);
	if (st == FK_OK && !exists) {
		want.gen = 1;
		want.confirmed = 1;
		st = fk_anchor_create(key_dir, key, &want, &f, err);
	} else if (st == FK_OK && (st = fk_anchor_read(f, &a, err)) == FK_OK) {
		/* Forward only, as every writer: the restored state under the next generation. */
		want.gen = a.gen + 1;
		want.confirmed = 0;
		if ((st = fk_anchor_write(f, &want, err)) == FK_OK)
			st = fk_anchor_confirm(f, want.gen, err);
	}
	fk_wipe(key, sizeof key);
	fk_anchor_close(f);
	return st;
}
