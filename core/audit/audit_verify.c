/* Verification of the operation history (R-LOGSEAL, R-DETECT): every problem found, each located. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "audit_chain.h"
#include "audit_verify.h"
#include "trust.h"
#include "db.h"
#include "indexkey.h"
#include "schema.h"
#include "util.h"

/* Every number in a row may have been written by whoever held a copy of the
 * database (INT64_MAX, INT64_MIN, negative): no sum or difference of them is
 * computed unchecked. Epochs are at least 0 (decode), so the difference of
 * two epochs always fits. */

static const char *const vp_names[] = {
#define FK_VP_NAME(name, text) text,
	FK_VP_LIST(FK_VP_NAME)
#undef FK_VP_NAME
};

const char *fk_vp_name(fk_vp_kind k)
{
	return (unsigned)k < FK_VP_COUNT ? vp_names[k] : "?";
}

/* One chain of records: on a terminal's own SQLite file the whole history; on a shared store
 * each terminal's records (docs/audit-chain.md). */
#define TERM_MAX 128
#define MAX_CHAINS 256
struct chain {
	char term[TERM_MAX];
	/* the chain's previous record */
	int64_t prev_seq, prev_epoch, prev_ts;
	int prev_kind, prev_ok, started;
	uint8_t prev_mac[FK_MAC_LEN];
	/* K(key_epoch), derived from the chain's K0 (have_k0 0: its MACs are not checked) */
	int have_k0;
	int64_t key_epoch;
	uint8_t k0[FK_KEY_LEN], key[FK_KEY_LEN];
	int64_t records, unchecked;
};

struct verifier {
	fk_ctx *ctx;
	const fk_verify_opts *o;
	fk_verify_report *rep;
	/* the previous row of the whole history (the sequence is one over every chain) */
	int64_t prev_seq;
	int seen_any;
	int per_terminal; /* a shared store: a chain per terminal */
	struct chain *chains;
	int nchains, last_chain;
	/* an HMAC context keyed with K(mac_epoch) of chain mac_chain: re-keying for every
	 * record would halve the speed */
	EVP_MAC_CTX *mac;
	int64_t mac_epoch; /* -1: none */
	int mac_chain;
	fk_trust_refs *refs; /* the records' row references, for the row cross-check (check_rows) */
	/* the highest record of each other terminal's chain some terminal witnessed (a shared
	 * store's seal records: "witness <terminal hex> <seq> <mac hex>") */
	struct witnessed {
		char term[TERM_MAX], by[TERM_MAX];
		int64_t seq, by_seq;
		uint8_t mac[FK_MAC_LEN];
	} *seen;
	int nseen;
	/* the terminals retired so far in the scan: a later record of one is reported once */
	struct retired {
		char term[TERM_MAX];
		int64_t seq; /* the retirement's record */
		int reported;
	} retired[16];
	int nretired;
};

/* This terminal's id (set by the configuration: the host name when none is given). */
static const char *own_term(const struct verifier *v)
{
	return v->ctx->cfg.terminal_id ? v->ctx->cfg.terminal_id : "";
}

/* The chain of terminal term (NULL: the whole history's), made when first met. */
static struct chain *chain_for(struct verifier *v, const char *term)
{
	if (!v->per_terminal || !term)
		term = "";
	if (v->last_chain >= 0 && !strcmp(v->chains[v->last_chain].term, term))
		return &v->chains[v->last_chain];
	for (int i = 0; i < v->nchains; i++)
		if (!strcmp(v->chains[i].term, term)) {
			v->last_chain = i;
			return &v->chains[i];
		}
	/* More terminals than any bureau has: the rest share the last chain (and fail its links). */
	if (v->nchains == MAX_CHAINS)
		return &v->chains[MAX_CHAINS - 1];
	struct chain *c = &v->chains[v->nchains];
	memset(c, 0, sizeof *c);
	fk_copy_str(c->term, sizeof c->term, term);
	int own = !v->per_terminal || !strcmp(term, own_term(v));
	if (own && v->o->k0) { /* always given: the callers read it first */
		memcpy(c->k0, v->o->k0, FK_KEY_LEN);
		c->have_k0 = 1;
	}
	for (int i = 0; !own && i < v->o->nothers; i++)
		if (!strcmp(v->o->others[i].terminal, term)) {
			memcpy(c->k0, v->o->others[i].k0, FK_KEY_LEN);
			c->have_k0 = 1;
		}
	memcpy(c->key, c->k0, FK_KEY_LEN);
	v->last_chain = v->nchains++;
	return c;
}

static struct chain *own_chain(struct verifier *v)
{
	return chain_for(v, own_term(v));
}

static void problem(struct verifier *v, fk_vp_kind kind, int info, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void problem(struct verifier *v, fk_vp_kind kind, int info, int64_t seq, const char *fmt, ...)
{
	fk_verify_problem p = {kind, info, seq, ""};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p.msg, sizeof p.msg, fmt, ap);
	va_end(ap);
	if (info) {
		v->rep->notes++;
	} else {
		v->rep->problems++;
		if (seq > 0 && (v->rep->first_bad_seq == 0 || seq < v->rep->first_bad_seq))
			v->rep->first_bad_seq = seq;
	}
	if (v->o->fn)
		v->o->fn(&p, v->o->arg);
}

/* K(epoch), walking forward from the last key derived (or from K0). */
static fk_status key_for(struct chain *c, int64_t epoch, fk_error *err)
{
	if (epoch < c->key_epoch) {
		memcpy(c->key, c->k0, FK_KEY_LEN);
		c->key_epoch = 0;
	}
	fk_status st = FK_OK;
	while (st == FK_OK && c->key_epoch < epoch) {
		st = fk_chain_evolve(c->key, err);
		c->key_epoch++;
	}
	return st;
}

/* ---- reading the rows ------------------------------------------------------------ */

static const char SQL_ROWS[] =
	"SELECT seq, kind, epoch, ts_ns, mono_ns, clock_synced, pid, terminal, tty, session, operator, "
	"role, action, object_type, object_id, result, reason, detail, prev_mac, mac, row_refs "
	"FROM audit_log ORDER BY seq";
#define COL_TEXT0 7
#define COL_ACTION 12
#define COL_DETAIL 17
#define COL_REFS 20
#define COLS 21

/* One row as the checks need it; its encoding lies in the batch's buffer. */
struct row {
	int64_t seq, epoch, ts_ns;
	int kind;
	unsigned char kind_int; /* kind is stored as an integer */
	unsigned char decoded;  /* every field of the right type and size: enc is valid */
	uint8_t prev_mac[FK_MAC_LEN], mac[FK_MAC_LEN];
	size_t enc_at, enc_len;
	unsigned char adoption, has_refs; /* for the row cross-check: refs_at holds the text */
	size_t refs_at;
	char term[TERM_MAX]; /* its terminal (a shared store's chains) */
	/* a terminal's retirement (terminal.retire, core/admin/retire.h): the retired id */
	unsigned char retire;
	char retired[TERM_MAX];
};

/* Rows travel from the reading thread to the checking one in batches, so
 * that the two hand over a few thousand times and not a million. */
#define BATCH_ROWS 512
#define BATCHES 4

struct batch {
	size_t n;
	struct row rows[BATCH_ROWS];
	uint8_t *enc; /* the rows' encodings, one after the other; grows, never shrinks */
	size_t used, cap;
};

struct reader {
	sqlite3 *db;
	sqlite3_stmt *st;
	fk_stmt *pst; /* PostgreSQL: the statement layer instead of db and st */
	int terms;    /* keep each row's terminal (a chain per terminal) */
	int rc; /* SQLITE_ROW while rows remain, then SQLITE_DONE, an error, or SQLITE_NOMEM */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t filled, taken; /* batches handed over / given back (filled - taken <= BATCHES) */
	int done, stop;       /* the reader has finished / the checker gave up */
	int refs;             /* keep the rows' references (keep_refs) */
	struct batch b[BATCHES];
};

static int is_mac_v(sqlite3_value *c)
{
	return sqlite3_value_type(c) == SQLITE_BLOB && sqlite3_value_bytes(c) == FK_MAC_LEN;
}

/* The row as the MAC saw it; 0 when a field has the wrong type or size.
 * The values come from sqlite3_column_value: one locked call a column, and
 * no type conversions. They are unprotected values, which is safe here as
 * the connection is this thread's alone. */
static int decode(sqlite3_value *const c[COLS], fk_chain_rec *r, struct row *w)
{
	memset(r, 0, sizeof *r);
	int64_t *nums[] = {&r->seq, &r->kind, &r->epoch, &r->ts_ns, &r->mono_ns, &r->clock_synced, &r->pid};
	for (int i = 0; i < COL_TEXT0; i++) {
		if (sqlite3_value_type(c[i]) != SQLITE_INTEGER)
			return 0;
		*nums[i] = sqlite3_value_int64(c[i]);
	}
	for (int f = 0; f < FK_CF_COUNT; f++) {
		sqlite3_value *t = c[COL_TEXT0 + f];
		if (sqlite3_value_type(t) != SQLITE_TEXT)
			return 0;
		r->text[f] = (const char *)sqlite3_value_text(t);
		r->len[f] = (size_t)sqlite3_value_bytes(t);
	}
	int dt = sqlite3_value_type(c[COL_DETAIL]);
	if (dt == SQLITE_BLOB) {
		r->detail = sqlite3_value_blob(c[COL_DETAIL]);
		r->detail_len = (size_t)sqlite3_value_bytes(c[COL_DETAIL]);
	} else if (dt != SQLITE_NULL) {
		return 0;
	}
	int rt = sqlite3_value_type(c[COL_REFS]);
	if (rt == SQLITE_TEXT) {
		r->refs = (const char *)sqlite3_value_text(c[COL_REFS]);
		r->refs_len = (size_t)sqlite3_value_bytes(c[COL_REFS]);
	} else if (rt != SQLITE_NULL) {
		return 0;
	}
	if (!is_mac_v(c[COL_DETAIL + 1]) || !is_mac_v(c[COL_DETAIL + 2]) || r->epoch < 0)
		return 0;
	memcpy(r->prev_mac, sqlite3_value_blob(c[COL_DETAIL + 1]), FK_MAC_LEN);
	memcpy(w->prev_mac, r->prev_mac, FK_MAC_LEN);
	memcpy(w->mac, sqlite3_value_blob(c[COL_DETAIL + 2]), FK_MAC_LEN);
	return 1;
}

/* The canonical encoding at the end of the batch's buffer; 0: out of memory. */
static int encode_into(struct batch *b, const fk_chain_rec *r, struct row *w)
{
	size_t n = fk_chain_encode(r, b->enc + b->used, b->cap - b->used);
	if (n > b->cap - b->used) {
		size_t cap = b->cap * 2 > b->used + n ? b->cap * 2 : b->used + n;
		uint8_t *p = realloc(b->enc, cap);
		if (!p)
			return 0;
		b->enc = p;
		b->cap = cap;
		fk_chain_encode(r, b->enc + b->used, n);
	}
	w->enc_at = b->used;
	w->enc_len = n;
	b->used += n;
	return 1;
}

/* The text t, NUL-terminated, after the batch's encodings, as w's references. 0: out of memory. */
static int put_refs(struct batch *b, struct row *w, const unsigned char *t)
{
	size_t n = t ? strlen((const char *)t) : 0;
	if (n + 1 > b->cap - b->used) {
		size_t cap = b->cap * 2 > b->used + n + 1 ? b->cap * 2 : b->used + n + 1;
		uint8_t *p = realloc(b->enc, cap);
		if (!p)
			return 0;
		b->enc = p;
		b->cap = cap;
	}
	memcpy(b->enc + b->used, t ? t : (const unsigned char *)"", n);
	b->enc[b->used + n] = 0;
	w->refs_at = b->used;
	w->has_refs = 1;
	b->used += n + 1;
	return 1;
}

/* The row's references, NUL-terminated after its encoding, and whether it records an
 * adoption: the row cross-check takes them from this scan instead of reading the history
 * again. Taken as core/trust takes them itself (trust.c SQL_REFS, as text): every record but
 * a legacy one (kind 0), whatever else is wrong with it. 0: out of memory. */
static int keep_refs(sqlite3_value *const c[COLS], struct batch *b, struct row *w)
{
	int kt = sqlite3_value_type(c[1]);
	const unsigned char *action =
		sqlite3_value_type(c[COL_ACTION]) == SQLITE_TEXT ? sqlite3_value_text(c[COL_ACTION]) : NULL;
	w->adoption = action && !strcmp((const char *)action, "trust.adopt");
	w->has_refs = 0;
	if (sqlite3_value_type(c[COL_REFS]) == SQLITE_NULL || kt == SQLITE_NULL ||
	    ((kt == SQLITE_INTEGER || kt == SQLITE_FLOAT) && sqlite3_value_double(c[1]) == 0))
		return 1;
	/* after encoding: converting is harmless */
	return put_refs(b, w, sqlite3_value_text(c[COL_REFS]));
}

/* What a decoded row (w->decoded set) keeps: its terminal, epoch, time and encoding. 0: out
 * of memory. */
static int row_encoded(struct batch *b, struct row *w, const fk_chain_rec *r)
{
	w->term[0] = 0;
	w->retire = 0;
	if (w->decoded)
		fk_copy_str(w->term, sizeof w->term, r->text[FK_CF_TERMINAL]);
	/* Lengths first: one compare a record in the common case. */
	if (w->decoded && r->kind == FK_CHAIN_RECORD && r->len[FK_CF_ACTION] == 15 &&
	    !memcmp(r->text[FK_CF_ACTION], "terminal.retire", 15) && r->len[FK_CF_RESULT] == 7 &&
	    !memcmp(r->text[FK_CF_RESULT], "success", 7) && r->len[FK_CF_OID] < TERM_MAX) {
		w->retire = 1;
		memcpy(w->retired, r->text[FK_CF_OID], r->len[FK_CF_OID]);
		w->retired[r->len[FK_CF_OID]] = 0;
	}
	w->epoch = r->epoch;
	w->ts_ns = r->ts_ns;
	w->enc_len = 0;
	w->adoption = w->has_refs = 0;
	return !w->decoded || encode_into(b, r, w);
}

/* The current row into the batch; 0: out of memory. */
static int take_row(sqlite3_stmt *st, struct batch *b, int refs)
{
	sqlite3_value *c[COLS];
	for (int i = 0; i < COLS; i++)
		c[i] = sqlite3_column_value(st, i);
	struct row *w = &b->rows[b->n++];
	int64_t kind = sqlite3_value_int64(c[1]);
	w->seq = sqlite3_value_int64(c[0]);
	w->kind_int = sqlite3_value_type(c[1]) == SQLITE_INTEGER;
	/* what sqlite3_column_int gives, which the messages have always shown */
	w->kind = w->kind_int ? (int)kind : sqlite3_value_int(c[1]);
	fk_chain_rec r;
	w->decoded = (unsigned char)decode(c, &r, w);
	return row_encoded(b, w, &r) && (!refs || keep_refs(c, b, w));
}

/* The same through the statement layer (PostgreSQL), where the values are the layer's. */
static int is_mac_s(fk_stmt *st, int i)
{
	return fk_sql_column_type(st, i) == SQLITE_BLOB && fk_sql_column_bytes(st, i) == FK_MAC_LEN;
}

static int decode_sql(fk_stmt *st, fk_chain_rec *r, struct row *w)
{
	memset(r, 0, sizeof *r);
	int64_t *nums[] = {&r->seq, &r->kind, &r->epoch, &r->ts_ns, &r->mono_ns, &r->clock_synced, &r->pid};
	for (int i = 0; i < COL_TEXT0; i++) {
		if (fk_sql_column_type(st, i) != SQLITE_INTEGER)
			return 0;
		*nums[i] = fk_sql_column_int64(st, i);
	}
	for (int f = 0; f < FK_CF_COUNT; f++) {
		if (fk_sql_column_type(st, COL_TEXT0 + f) != SQLITE_TEXT)
			return 0;
		r->text[f] = (const char *)fk_sql_column_text(st, COL_TEXT0 + f);
		r->len[f] = (size_t)fk_sql_column_bytes(st, COL_TEXT0 + f);
	}
	int dt = fk_sql_column_type(st, COL_DETAIL);
	if (dt == SQLITE_BLOB) {
		r->detail = fk_sql_column_blob(st, COL_DETAIL);
		r->detail_len = (size_t)fk_sql_column_bytes(st, COL_DETAIL);
	} else if (dt != SQLITE_NULL) {
		return 0;
	}
	int rt = fk_sql_column_type(st, COL_REFS);
	if (rt == SQLITE_TEXT) {
		r->refs = (const char *)fk_sql_column_text(st, COL_REFS);
		r->refs_len = (size_t)fk_sql_column_bytes(st, COL_REFS);
	} else if (rt != SQLITE_NULL) {
		return 0;
	}
	if (!is_mac_s(st, COL_DETAIL + 1) || !is_mac_s(st, COL_DETAIL + 2) || r->epoch < 0)
		return 0;
	memcpy(r->prev_mac, fk_sql_column_blob(st, COL_DETAIL + 1), FK_MAC_LEN);
	memcpy(w->prev_mac, r->prev_mac, FK_MAC_LEN);
	memcpy(w->mac, fk_sql_column_blob(st, COL_DETAIL + 2), FK_MAC_LEN);
	return 1;
}

/* The row's references (as keep_refs). 0: out of memory. */
static int keep_refs_sql(fk_stmt *st, struct batch *b, struct row *w)
{
	const unsigned char *action =
		fk_sql_column_type(st, COL_ACTION) == SQLITE_TEXT ? fk_sql_column_text(st, COL_ACTION) : NULL;
	w->adoption = action && !strcmp((const char *)action, "trust.adopt");
	w->has_refs = 0;
	if (fk_sql_column_type(st, COL_REFS) != SQLITE_TEXT || fk_sql_column_type(st, 1) != SQLITE_INTEGER ||
	    fk_sql_column_int64(st, 1) == 0)
		return 1;
	return put_refs(b, w, fk_sql_column_text(st, COL_REFS));
}

static int take_row_sql(fk_stmt *st, struct batch *b, int refs)
{
	struct row *w = &b->rows[b->n++];
	w->seq = fk_sql_column_int64(st, 0);
	w->kind_int = fk_sql_column_type(st, 1) == SQLITE_INTEGER;
	w->kind = fk_sql_column_int(st, 1);
	fk_chain_rec r;
	w->decoded = (unsigned char)decode_sql(st, &r, w);
	return row_encoded(b, w, &r) && (!refs || keep_refs_sql(st, b, w));
}

/* Up to BATCH_ROWS rows; rd->rc tells whether more follow. */
static void fill(struct reader *rd, struct batch *b)
{
	b->n = 0;
	b->used = 0;
	if (rd->pst) {
		while (b->n < BATCH_ROWS && (rd->rc = fk_sql_step(rd->pst)) == SQLITE_ROW)
			if (!take_row_sql(rd->pst, b, rd->refs)) {
				rd->rc = SQLITE_NOMEM;
				return;
			}
		return;
	}
	while (b->n < BATCH_ROWS && (rd->rc = sqlite3_step(rd->st)) == SQLITE_ROW)
		if (!take_row(rd->st, b, rd->refs)) {
			rd->rc = SQLITE_NOMEM;
			return;
		}
}

/* The reading thread: fills free batches until the rows end or the checker stops. */
static void *read_rows(void *arg)
{
	struct reader *rd = arg;
	int more = 1;
	while (more) {
		pthread_mutex_lock(&rd->mu);
		while (rd->filled - rd->taken == BATCHES && !rd->stop)
			pthread_cond_wait(&rd->cv, &rd->mu);
		more = !rd->stop;
		pthread_mutex_unlock(&rd->mu);
		if (!more)
			break;
		struct batch *b = &rd->b[rd->filled % BATCHES];
		fill(rd, b);
		more = rd->rc == SQLITE_ROW;
		pthread_mutex_lock(&rd->mu);
		rd->filled++;
		pthread_cond_signal(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
	}
	/* at the end of the rows, and also when the checker stopped waiting for them */
	pthread_mutex_lock(&rd->mu);
	rd->done = 1;
	pthread_cond_signal(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
	return NULL;
}

/* The next filled batch, or NULL when the reader has finished. */
static struct batch *next_batch(struct reader *rd)
{
	pthread_mutex_lock(&rd->mu);
	while (rd->taken == rd->filled && !rd->done)
		pthread_cond_wait(&rd->cv, &rd->mu);
	struct batch *b = rd->taken == rd->filled ? NULL : &rd->b[rd->taken % BATCHES];
	pthread_mutex_unlock(&rd->mu);
	return b;
}

static void give_back(struct reader *rd, int stop)
{
	pthread_mutex_lock(&rd->mu);
	rd->taken++;
	rd->stop |= stop;
	pthread_cond_signal(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
}

/* ---- checking the rows ----------------------------------------------------------- */

/* Where the row stands in its chain: link, epoch and time. */
static void check_place(struct verifier *v, const struct chain *c, const struct row *r)
{
	static const uint8_t zeros[FK_MAC_LEN];
	int first = !c->started;
	if (first ? fk_memeq_ct(r->prev_mac, zeros, FK_MAC_LEN)
		  : c->prev_ok && fk_memeq_ct(r->prev_mac, c->prev_mac, FK_MAC_LEN))
		problem(v, FK_VP_LINK, 0, r->seq, first
			? "record %lld starts the chain but names a predecessor: the records before it were removed"
			: "record %lld does not link to record %lld: a record between was removed, inserted or replaced",
			(long long)r->seq, (long long)c->prev_seq);
	if (first && r->epoch != 0)
		problem(v, FK_VP_EPOCH, 0, r->seq,
			"record %lld starts the chain in epoch %lld, not 0: the history before it was removed",
			(long long)r->seq, (long long)r->epoch);
	if (first || !c->prev_ok)
		return;
	if (r->epoch < c->prev_epoch)
		problem(v, FK_VP_EPOCH, 0, r->seq, "record %lld is in epoch %lld, before epoch %lld of record %lld",
			(long long)r->seq, (long long)r->epoch, (long long)c->prev_epoch, (long long)c->prev_seq);
	else if (c->prev_kind == FK_CHAIN_SEAL && r->epoch - c->prev_epoch != 1)
		problem(v, FK_VP_EPOCH, 0, r->seq, "record %lld is in epoch %lld, but record %lld sealed epoch %lld",
			(long long)r->seq, (long long)r->epoch, (long long)c->prev_seq, (long long)c->prev_epoch);
	else if (c->prev_kind == FK_CHAIN_RECORD && r->epoch != c->prev_epoch)
		problem(v, FK_VP_EPOCH, 0, r->seq,
			"record %lld opens epoch %lld but epoch %lld has no seal record: its end was cut off",
			(long long)r->seq, (long long)r->epoch, (long long)c->prev_epoch);
	if (r->ts_ns < c->prev_ts)
		problem(v, FK_VP_TIME, 0, r->seq, "record %lld is dated %.3f s before record %lld",
			(long long)r->seq, ((double)c->prev_ts - (double)r->ts_ns) / 1e9, (long long)c->prev_seq);
}

static fk_status mac_ctx_new(struct verifier *v, fk_error *err)
{
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	v->mac = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	EVP_MAC_free(hmac); /* the context keeps its own reference */
	v->mac_epoch = -1;
	if (!v->mac || EVP_MAC_CTX_set_params(v->mac, params) != 1)
		return fk_fail(err, FK_ERR_CRYPTO, "preparing HMAC-SHA256 for verification failed");
	return FK_OK;
}

/* HMAC-SHA256 under the chain's K(epoch) of the encoding; the key is only set when the
 * chain or the epoch changes (a NULL key restarts HMAC with the one it has). */
static fk_status mac_of(struct verifier *v, const struct chain *c, int64_t epoch, const uint8_t *enc,
			size_t n, uint8_t out[FK_MAC_LEN], fk_error *err)
{
	size_t outl = 0;
	int ci = (int)(c - v->chains);
	int keyed = v->mac_epoch == epoch && v->mac_chain == ci;
	int ok = EVP_MAC_init(v->mac, keyed ? NULL : c->key, keyed ? 0 : FK_KEY_LEN, NULL) == 1 &&
		 EVP_MAC_update(v->mac, enc, n) == 1 && EVP_MAC_final(v->mac, out, &outl, FK_MAC_LEN) == 1 &&
		 outl == FK_MAC_LEN;
	v->mac_epoch = ok ? epoch : -1;
	v->mac_chain = ci;
	return ok ? FK_OK : fk_fail(err, FK_ERR_CRYPTO, "HMAC-SHA256 failed during verification");
}

static fk_status check_mac(struct verifier *v, struct chain *c, const struct row *r, const uint8_t *enc,
			   fk_error *err)
{
	if (!c->have_k0) { /* another terminal's chain whose K0 was not given */
		c->unchecked++;
		return FK_OK;
	}
	if (r->epoch - c->key_epoch > FK_CHAIN_MAX_EPOCH_STEP) {
		problem(v, FK_VP_MAC, 0, r->seq, "record %lld claims implausible epoch %lld",
			(long long)r->seq, (long long)r->epoch);
		return FK_OK;
	}
	uint8_t want[FK_MAC_LEN];
	int keyed = v->mac_epoch == r->epoch && v->mac_chain == (int)(c - v->chains);
	fk_status st = keyed ? FK_OK : key_for(c, r->epoch, err);
	if (st == FK_OK)
		st = mac_of(v, c, r->epoch, enc + r->enc_at, r->enc_len, want, err);
	if (st == FK_OK && fk_memeq_ct(want, r->mac, FK_MAC_LEN))
		problem(v, FK_VP_MAC, 0, r->seq,
			"record %lld fails its MAC: altered, or written without the key of epoch %lld",
			(long long)r->seq, (long long)r->epoch);
	return st;
}

static fk_status check_row(struct verifier *v, const struct row *r, const uint8_t *enc,
			   fk_error *err)
{
	int64_t seq = r->seq;
	fk_verify_report *rep = v->rep;
	rep->records++;
	if (v->seen_any && seq <= v->prev_seq) {
		problem(v, seq == v->prev_seq ? FK_VP_DUPLICATE : FK_VP_ORDER, 0, seq,
			"record %lld comes after record %lld", (long long)seq, (long long)v->prev_seq);
	} else if (seq < 1) {
		problem(v, FK_VP_ORDER, 0, seq, "record %lld has a sequence number below 1",
			(long long)seq);
	} else {
		/* 1 first; then one more than the last, which is below seq here, so
		 * the sum fits (as seq - 1 does, seq being at least 1) */
		int64_t want = v->seen_any && v->prev_seq >= 1 ? v->prev_seq + 1 : 1;
		if (seq != want)
			problem(v, FK_VP_GAP, 0, want, "records %lld to %lld are missing", (long long)want,
				(long long)(seq - 1));
	}
	v->seen_any = 1;
	v->prev_seq = seq;
	rep->last_seq = seq;
	struct chain *c = chain_for(v, r->term);
	if (r->kind == FK_CHAIN_LEGACY && r->kind_int && !c->started) {
		rep->legacy++;
		return FK_OK;
	}
	c->records++;
	if ((r->kind != FK_CHAIN_RECORD && r->kind != FK_CHAIN_SEAL) || !r->decoded) {
		problem(v, FK_VP_UNDECODABLE, 0, seq,
			"record %lld cannot be decoded (kind %d, or a field of the wrong type or size)",
			(long long)seq, r->kind);
		c->prev_ok = 0;
		c->started = 1;
		c->prev_seq = seq;
		return FK_OK;
	}
	rep->sealed++;
	check_place(v, c, r);
	fk_status s = check_mac(v, c, r, enc, err);
	c->started = 1;
	c->prev_ok = 1;
	c->prev_seq = seq;
	c->prev_kind = r->kind;
	c->prev_epoch = r->epoch;
	c->prev_ts = r->ts_ns;
	memcpy(c->prev_mac, r->mac, FK_MAC_LEN);
	return s;
}

/* One witness entry of record r (a seal of terminal r->term), kept when it is the highest
 * record of its terminal witnessed so far. Malformed entries are left to the record's MAC:
 * only fukuhon writes them. */
static void note_witness(struct verifier *v, const struct row *r, const char *e, size_t len)
{
	char hex[2 * TERM_MAX + 1], machex[2 * FK_MAC_LEN + 1], one[2 * TERM_MAX + 2 * FK_MAC_LEN + 64];
	long long seq;
	struct witnessed w;
	memset(&w, 0, sizeof w);
	if (len >= sizeof one)
		return;
	memcpy(one, e, len);
	one[len] = 0;
	if (sscanf(one, "witness %256s %lld %64s", hex, &seq, machex) != 3 || strlen(hex) % 2 ||
	    strlen(hex) / 2 >= TERM_MAX || fk_unhex(machex, w.mac, FK_MAC_LEN) != 0)
		return;
	for (size_t i = 0; i < strlen(hex) / 2; i++) {
		unsigned c;
		if (sscanf(hex + 2 * i, "%2x", &c) != 1)
			return;
		w.term[i] = (char)c;
	}
	int at = 0;
	while (at < v->nseen && strcmp(v->seen[at].term, w.term))
		at++;
	if (at == MAX_CHAINS || (at < v->nseen && v->seen[at].seq >= seq))
		return;
	w.seq = seq;
	w.by_seq = r->seq;
	fk_copy_str(w.by, sizeof w.by, r->term);
	v->seen[at] = w;
	if (at == v->nseen)
		v->nseen++;
}

static void note_witnesses(struct verifier *v, const struct row *r, const char *refs)
{
	while (*refs) {
		size_t len = strcspn(refs, ";");
		if (!strncmp(refs, "witness ", 8))
			note_witness(v, r, refs, len);
		refs += len + (refs[len] == ';');
	}
}

/* A record of a retired terminal after its retirement: its key was on a machine taken out of
 * service (or stolen); the first of each terminal is reported, naming the retirement. */
static void check_retired(struct verifier *v, const struct row *r)
{
	for (int i = 0; i < v->nretired; i++) {
		struct retired *t = &v->retired[i];
		if (!t->reported && r->seq > t->seq && !strcmp(t->term, r->term)) {
			t->reported = 1;
			problem(v, FK_VP_RETIRED, 0, r->seq,
				"record %lld was written by terminal %s after its retirement in record %lld "
				"(this and any later record of it): its keys are in other hands",
				(long long)r->seq, r->term, (long long)t->seq);
		}
	}
	if (r->retire && v->nretired < (int)(sizeof v->retired / sizeof *v->retired)) {
		struct retired *t = &v->retired[v->nretired++];
		fk_copy_str(t->term, sizeof t->term, r->retired);
		t->seq = r->seq;
		t->reported = 0;
	}
}

static fk_status check_batch(struct verifier *v, const struct batch *b, fk_error *err)
{
	fk_status s = FK_OK;
	for (size_t i = 0; s == FK_OK && i < b->n; i++) {
		const struct row *r = &b->rows[i];
		s = check_row(v, r, b->enc, err);
		if (s == FK_OK && (v->nretired || r->retire))
			check_retired(v, r);
		if (s == FK_OK && v->seen && r->has_refs && r->kind == FK_CHAIN_SEAL)
			note_witnesses(v, r, (const char *)b->enc + r->refs_at);
		if (s == FK_OK && v->refs && (r->adoption || r->has_refs))
			s = fk_trust_refs_add(v->refs, r->seq, r->adoption,
					      r->has_refs ? (const char *)b->enc + r->refs_at : NULL, err);
	}
	return s;
}

/* ---- the scan: reading and checking side by side --------------------------------- */

/* Reading the rows costs about as much as their MACs, so a thread of its
 * own reads while this one checks; problems are still reported from this
 * thread alone, in the order of the rows. Without a thread, the same
 * batches are read and checked in turn. */
static fk_status run(struct verifier *v, struct reader *rd, fk_error *err)
{
	pthread_t th;
	fk_status s = FK_OK;
	if (pthread_create(&th, NULL, read_rows, rd) != 0) {
		do {
			fill(rd, &rd->b[0]);
			s = check_batch(v, &rd->b[0], err);
		} while (s == FK_OK && rd->rc == SQLITE_ROW);
		return s;
	}
	struct batch *b;
	while ((b = next_batch(rd)) != NULL) {
		/* after a failure, the rest only goes back so that the reader can stop */
		if (s == FK_OK)
			s = check_batch(v, b, err);
		give_back(rd, s != FK_OK);
	}
	if (pthread_join(th, NULL) != 0 && s == FK_OK)
		s = fk_fail(err, FK_ERR_INTERNAL, "the history reader did not finish");
	return s;
}

static void reader_free(struct reader *rd)
{
	for (int i = 0; i < BATCHES; i++)
		free(rd->b[i].enc);
	pthread_cond_destroy(&rd->cv);
	pthread_mutex_destroy(&rd->mu);
}

/* The buffers sized for ordinary records (some 250 bytes encoded), so that
 * they are never NULL and seldom grow. */
static fk_status reader_init(struct reader *rd, fk_error *err)
{
	memset(rd, 0, sizeof *rd);
	rd->rc = SQLITE_ROW;
	if (pthread_mutex_init(&rd->mu, NULL) != 0)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (pthread_cond_init(&rd->cv, NULL) != 0) {
		pthread_mutex_destroy(&rd->mu);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	int ok = 1;
	for (int i = 0; i < BATCHES; i++) {
		rd->b[i].cap = BATCH_ROWS * 512;
		ok &= (rd->b[i].enc = malloc(rd->b[i].cap)) != NULL;
	}
	if (!ok) {
		reader_free(rd);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	return FK_OK;
}

/* PostgreSQL: the rows through the statement layer on the context's own connection, inside
 * the transaction that holds the write lock, read and checked in turn (no thread shares the
 * connection), through a cursor (fk_ctx_stmt_large): the driver would otherwise hold the whole
 * history's result in memory at once. */
static fk_status scan_sql(struct verifier *v, fk_error *err)
{
	struct reader rd;
	fk_status s = reader_init(&rd, err);
	if (s != FK_OK)
		return s;
	rd.refs = v->refs != NULL || v->seen != NULL;
	s = fk_ctx_stmt_large(v->ctx, SQL_ROWS, &rd.pst, err);
	while (s == FK_OK) {
		fill(&rd, &rd.b[0]);
		s = check_batch(v, &rd.b[0], err);
		if (rd.rc != SQLITE_ROW)
			break;
	}
	if (s == FK_OK && rd.rc == SQLITE_NOMEM)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	else if (s == FK_OK && rd.rc != SQLITE_DONE)
		s = fk_db_fail(v->ctx->db, rd.rc, err, "reading the history");
	if (rd.pst)
		fk_sql_reset(rd.pst);
	reader_free(&rd);
	return s;
}

/* The scan reads through a connection of its own, without SQLite's mutex
 * and with the file mapped: with some 20 column reads per record, the
 * shared connection's locking and copying would cost more than the MACs.
 * Only the reading thread uses it while the scan runs.
 * The write lock the caller holds keeps its snapshot the current one. */
static fk_status scan(struct verifier *v, fk_error *err)
{
	struct reader rd;
	fk_status s = reader_init(&rd, err);
	if (s != FK_OK)
		return s;
	rd.refs = v->refs != NULL || v->seen != NULL;
	/* PostgreSQL: through the statement layer instead (scan_sql). */
	if (!fk_sql_lite(v->ctx->db)) {
		reader_free(&rd);
		return scan_sql(v, err);
	}
	int rc = sqlite3_open_v2(v->ctx->cfg.database, &rd.db,
				 SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(rd.db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(rd.db, SQL_ROWS, -1, &rd.st, NULL);
	s = rc == SQLITE_OK ? FK_OK : fk_db_fail(rd.db, rc, err, "reading the history");
	if (s == FK_OK)
		s = run(v, &rd, err);
	if (s == FK_OK && rd.rc == SQLITE_NOMEM)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	else if (s == FK_OK && rd.rc != SQLITE_DONE)
		s = fk_db_fail(rd.db, rd.rc, err, "reading the history");
	sqlite3_finalize(rd.st);
	sqlite3_close(rd.db);
	reader_free(&rd);
	return s;
}

/* ---- the end of the history: key epoch, checkpoints ---------------------------- */

static const char SQL_AT[] = "SELECT epoch, mac FROM audit_log WHERE seq = ?1";

static int is_mac(fk_stmt *st, int c)
{
	return fk_sql_column_type(st, c) == SQLITE_BLOB && fk_sql_column_bytes(st, c) == FK_MAC_LEN;
}

/* pub NULL: another terminal's checkpoint on a shared store, signed with a key this one does
 * not hold: only the record it names is checked. */
static fk_status check_cp(struct verifier *v, const fk_checkpoint *cp, const uint8_t pub[FK_PUB_LEN],
			  const char *which, fk_error *err)
{
	if (pub && fk_checkpoint_check(cp, pub, NULL) != FK_OK) {
		problem(v, FK_VP_CHECKPOINT, 0, cp->seq, "%s checkpoint at record %lld has a bad signature",
			which, (long long)cp->seq);
		return FK_OK;
	}
	if (cp->seq > v->rep->last_seq) { /* so last_seq + 1 fits */
		problem(v, FK_VP_TRUNCATED, 0, v->rep->last_seq + 1,
			"%s checkpoint covers records up to %lld but the history ends at %lld: records %lld to %lld were cut off",
			which, (long long)cp->seq, (long long)v->rep->last_seq,
			(long long)(v->rep->last_seq + 1), (long long)cp->seq);
		return FK_OK;
	}
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(v->ctx, SQL_AT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, cp->seq);
	int rc = fk_sql_step(st);
	int same = rc == SQLITE_ROW && is_mac(st, 1) && fk_sql_column_int64(st, 0) == cp->epoch &&
		   !fk_memeq_ct(fk_sql_column_blob(st, 1), cp->head_mac, FK_MAC_LEN);
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(v->ctx->db, rc, err, "reading the history");
	if (!same)
		problem(v, FK_VP_CHECKPOINT, 0, cp->seq,
			"record %lld is not the one the %s checkpoint of terminal %s signed: the history was rewritten",
			(long long)cp->seq, which, cp->terminal);
	else if (pub && cp->seq > v->rep->covered_seq)
		v->rep->covered_seq = cp->seq;
	return FK_OK;
}

struct cp_walk {
	struct verifier *v;
	const uint8_t *pub;
	fk_status st;
	fk_error *err;
};

static int each_cp(const fk_checkpoint *cp, void *arg)
{
	struct cp_walk *w = arg;
	w->v->rep->checkpoints++;
	int mine = !w->v->per_terminal || !strcmp(cp->terminal, own_term(w->v));
	w->st = check_cp(w->v, cp, mine ? w->pub : NULL, "stored", w->err);
	return w->st != FK_OK;
}

/* Every other terminal's head some terminal witnessed is still there, the same record: the end
 * of a chain cut below what another terminal saw is found by the other terminal's records. */
static fk_status check_witnessed(struct verifier *v, fk_error *err)
{
	static const char SQL_WITNESSED[] = "SELECT terminal, mac FROM audit_log WHERE seq = ?1";
	for (int i = 0; i < v->nseen; i++) {
		const struct witnessed *w = &v->seen[i];
		fk_stmt *st;
		fk_status s = fk_ctx_stmt(v->ctx, SQL_WITNESSED, &st, err);
		if (s != FK_OK)
			return s;
		fk_sql_bind_int64(st, 1, w->seq);
		int rc = fk_sql_step(st);
		const unsigned char *term = rc == SQLITE_ROW ? fk_sql_column_text(st, 0) : NULL;
		int same = rc == SQLITE_ROW && term && !strcmp((const char *)term, w->term) && is_mac(st, 1) &&
			   !fk_memeq_ct(fk_sql_column_blob(st, 1), w->mac, FK_MAC_LEN);
		fk_sql_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fk_db_fail(v->ctx->db, rc, err, "reading the history");
		if (!same)
			problem(v, FK_VP_WITNESS, 0, w->seq,
				"record %lld of terminal %s, which terminal %s witnessed in its record %lld, %s: "
				"terminal %s's chain was cut or rewritten", (long long)w->seq, w->term, w->by,
				(long long)w->by_seq, rc == SQLITE_ROW ? "differs" : "is missing", w->term);
	}
	return FK_OK;
}

static fk_status check_end(struct verifier *v, fk_error *err)
{
	uint8_t pub[FK_PUB_LEN];
	fk_status s = fk_checkpoint_public_key(v->ctx->cfg.key_dir, pub, err);
	struct cp_walk w = {v, pub, FK_OK, err};
	if (s == FK_OK && (s = fk_checkpoint_each(v->ctx, each_cp, &w, err)) == FK_OK)
		s = w.st;
	if (s == FK_OK && v->o->kept) {
		if (fk_memeq_ct(v->o->kept->public_key, pub, FK_PUB_LEN))
			problem(v, FK_VP_CHECKPOINT, 0, v->o->kept->seq,
				"the kept checkpoint was signed by another key, not this terminal's");
		else
			s = check_cp(v, v->o->kept, pub, "kept", err);
	}
	fk_chain_key k;
	const struct chain *c = own_chain(v);
	if (s == FK_OK && !v->o->copy && fk_chain_key_load(v->ctx->cfg.key_dir, &k, NULL) == FK_OK) {
		int64_t end = 0, after = v->per_terminal ? c->prev_seq : v->rep->last_seq;
		if (c->started && c->prev_ok &&
		    fk_add_i64(c->prev_epoch, c->prev_kind == FK_CHAIN_SEAL, &end) != 0)
			end = INT64_MAX; /* a forged last epoch: no key can be ahead of it */
		if (fk_add_i64(after, 1, &after) != 0)
			after = INT64_MAX;
		if ((c->started && c->prev_ok && k.epoch > end) || (!c->started && k.epoch > 0))
			problem(v, FK_VP_TRUNCATED, 0, after,
				"the history key is at epoch %lld but the history ends in epoch %lld: records were cut off the end",
				(long long)k.epoch, (long long)end);
		fk_wipe(&k, sizeof k);
	}
	return s;
}

static void trust_problem(void *arg, const char *what, int64_t seq, const char *msg)
{
	struct verifier *v = arg;
	fk_vp_kind k = !strcmp(what, "row") ? FK_VP_ROW : !strcmp(what, "rollback") ? FK_VP_ROLLBACK
		     : FK_VP_ANCHOR;
	problem(v, k, 0, seq, "%s", msg);
}

/* Every sealed row against its MAC and the latest record that wrote it; every table and the
 * history's end against the anchor in the key folder (core/trust). */
static fk_status check_rows(struct verifier *v, fk_error *err)
{
	fk_trust_report tr;
	fk_status s = fk_trust_verify(v->ctx, 1, v->refs, trust_problem, v, &tr, err);
	v->rep->rows = tr.rows;
	return s;
}

/* The index key against its check value (core/store/indexkey.h): with another key in the
 * key folder every search finds nothing or the wrong rows. A check value missing is a note:
 * a terminal from before it gets one at its next start, and one removed from the database
 * also fails the meta table's digest, reported above. */
static fk_status check_index_key(struct verifier *v, fk_error *err)
{
	fk_error e;
	fk_status s = fk_indexkey_check(v->ctx, &e);
	if (s == FK_ERR_NOTFOUND)
		problem(v, FK_VP_INDEX_KEY, 1, 0, "no check value of the index key is stored");
	else if (s == FK_ERR_TAMPER)
		problem(v, FK_VP_INDEX_KEY, 0, 0, "%s", e.msg);
	else if (s != FK_OK && err)
		*err = e;
	return s == FK_ERR_NOTFOUND || s == FK_ERR_TAMPER ? FK_OK : s;
}

static int schema_problem(const fk_schema_diff *d, void *arg)
{
	problem(arg, FK_VP_SCHEMA, 0, 0, "%s", d->msg);
	return 0;
}

/* A trigger planted beside the append-only ones could erase records as
 * they are written; one dropped lets them be rewritten: every difference
 * from the migrations' schema is a problem (core/db/schema.c). */
static fk_status check_schema(struct verifier *v, fk_error *err)
{
	return fk_schema_diff_each(v->ctx->db, schema_problem, v, NULL, err);
}

static fk_status check_integrity(struct verifier *v, fk_error *err)
{
	/* PostgreSQL has no integrity_check; its pages carry checksums when the cluster was made
	 * with them (docs/deployment.md section 10). */
	if (fk_sql_is_pg(v->ctx->db))
		return FK_OK;
	static const char SQL_INTEGRITY[] = "PRAGMA integrity_check(20)";
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(v->ctx, SQL_INTEGRITY, &st, err);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)fk_sql_column_text(st, 0);
		if (t && strcmp(t, "ok") != 0)
			problem(v, FK_VP_INTEGRITY, 0, 0, "database: %.200s", t);
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(v->ctx->db, rc, err, "checking the database");
	fk_sql_reset(st);
	return s;
}

static void notes(struct verifier *v)
{
	fk_verify_report *rep = v->rep;
	if (rep->legacy)
		problem(v, FK_VP_LEGACY, 1, 1, "%lld records from before the chain (schema 1) carry no MAC",
			(long long)rep->legacy);
	for (int i = 0; i < v->nchains; i++) {
		const struct chain *c = &v->chains[i];
		if (c->started && c->prev_ok && c->prev_kind == FK_CHAIN_RECORD)
			problem(v, FK_VP_OPEN_END, 1, c->prev_seq,
				v->per_terminal ? "epoch %lld of terminal %s is still open (a program is running, or one stopped without its stop record)"
						: "epoch %lld is still open (a program is running, or one stopped without its stop record)%s",
				(long long)c->prev_epoch, c->term);
		if (c->unchecked)
			problem(v, FK_VP_UNCHECKED, 1, 0,
				"the MACs of terminal %s's %lld records were not checked: give its initial key with --other-key",
				c->term, (long long)c->unchecked);
	}
	if (rep->last_seq > rep->covered_seq) /* so covered_seq + 1 fits */
		problem(v, FK_VP_UNCOVERED, 1, rep->covered_seq + 1,
			"records %lld to %lld are not yet covered by a checkpoint",
			(long long)(rep->covered_seq + 1), (long long)rep->last_seq);
}

fk_status fk_audit_verify(fk_ctx *ctx, const fk_verify_opts *o, fk_verify_report *rep,
			  fk_error *err)
{
	struct verifier v;
	memset(&v, 0, sizeof v);
	memset(rep, 0, sizeof *rep);
	v.ctx = ctx;
	v.o = o;
	v.rep = rep;
	v.per_terminal = fk_sql_is_pg(ctx->db);
	v.last_chain = -1;
	v.mac_chain = -1;
	if (!(v.chains = calloc(MAX_CHAINS, sizeof *v.chains)) ||
	    (v.per_terminal && !(v.seen = calloc(MAX_CHAINS, sizeof *v.seen)))) {
		free(v.chains);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	fk_status s = mac_ctx_new(&v, err);
	if (s == FK_OK && !o->skip_rows)
		s = fk_trust_refs_new(&v.refs, err);
	if (s != FK_OK) {
		EVP_MAC_CTX_free(v.mac);
		free(v.chains);
		free(v.seen);
		return s;
	}
	/* Under the write lock, so that the rows, the checkpoints and the key
	 * file are one consistent picture while other processes keep working.
	 * An altered schema does not stop the lock here: check_schema reports it;
	 * nor does the trust check: check_rows reports what it would refuse. */
	fk_trust_suspend(ctx, 1);
	ctx->schema_report++;
	s = fk_ctx_begin(ctx, err);
	ctx->schema_report--;
	if (s != FK_OK) {
		fk_trust_suspend(ctx, 0);
		EVP_MAC_CTX_free(v.mac);
		fk_trust_refs_free(v.refs);
		free(v.chains);
		free(v.seen);
		return s;
	}
	s = check_schema(&v, err);
	if (s == FK_OK)
		s = scan(&v, err);
	if (s == FK_OK)
		s = check_witnessed(&v, err);
	if (s == FK_OK)
		s = check_end(&v, err);
	if (s == FK_OK && !o->skip_rows)
		s = check_rows(&v, err);
	if (s == FK_OK)
		s = check_index_key(&v, err);
	if (s == FK_OK && !o->skip_integrity)
		s = check_integrity(&v, err);
	if (s == FK_OK)
		notes(&v);
	EVP_MAC_CTX_free(v.mac); /* cleanses the key schedule */
	fk_trust_refs_free(v.refs);
	fk_wipe(v.chains, MAX_CHAINS * sizeof *v.chains); /* the chains' keys */
	free(v.chains);
	free(v.seen);
	s = fk_ctx_end(ctx, s, err);
	fk_trust_suspend(ctx, 0);
	return s;
}
