/* The import engine's course (import.h): decided, staged chunk by chunk, published. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crypto.h"
#include "datakey.h"
#include "db.h"
#include "gate.h"
#include "import.h"
#include "order.h"
#include "pkgrow.h"
#include "prepublish.h"
#include "publish.h"
#include "receipt.h"
#include "seqanchor.h"
#include "stage.h"
#include "tagmerge.h"
#include "str.h"
#include "trust.h"
#include "util.h"

#define N_(s) s /* marked for gettext; translated at the edge */

int fk_intake_stop_after;

/* A one-chunk package of at most this many records is one transaction (fk_intake_import). */
#define ONE_TX_RECORDS 16
#define STAGE_CHECKPOINT_PAGES 8192 /* stage_all */
#ifndef SQLITE_DEFAULT_WAL_AUTOCHECKPOINT
#define SQLITE_DEFAULT_WAL_AUTOCHECKPOINT 1000 /* SQLite's own default */
#endif

/* The terminal's bureau or one of its 支局s (R-JURIS). */
static const char SQL_JURISDICTION[] =
	"SELECT " FK_COLS_MUNICIPALITY ", mac FROM municipality WHERE code = ?1 AND bureau_id IN "
	"(SELECT id FROM bureau WHERE name = ?2 UNION SELECT id FROM bureau WHERE kind = '支局' "
	"AND parent_id = (SELECT id FROM bureau WHERE name = ?2))";

/* A disposal of the municipality carried out in short transactions and not finished: its
 * request (a sealed row of a table checked whole after another process's write) says so. */
static const char SQL_MUNI_RUNNING[] =
	"SELECT " FK_COLS_APPROVAL ", mac FROM approval_request WHERE state = 'running' AND "
	"kind IN ('dispose-municipality', 'return') AND substr(items, 1, 6) = ?1 ORDER BY id LIMIT 1";
enum { C_APPROVAL_KIND = 1 }; /* where kind stands among FK_COLS_APPROVAL */

static const char SQL_MAX_KEY[] = "SELECT coalesce(max(id), 0) FROM data_key";

/* Spelled out, so that xgettext sees each (tests/test_intake.c checks them against import.h's
 * list); translated at the edge. */
static const char *const refusal_text[] = {
	[FK_INTAKE_NONE] = N_("applied"),
	[FK_INTAKE_JURISDICTION] = N_("the municipality is not under this terminal's bureau"),
	[FK_INTAKE_SIGNER] = N_("the signer is not the municipality the manifest names"),
	[FK_INTAKE_BUSY] = N_("another package is being imported: it must be published or abandoned first"),
	[FK_INTAKE_SEQUENCE] = N_("the package is out of sequence"),
	[FK_INTAKE_REPLAY] = N_("a different package with this sequence was already applied"),
	[FK_INTAKE_ROLLBACK] = N_("the database is older than the key folder's record of this "
				  "municipality's packages (a restored backup?)"),
	[FK_INTAKE_OPENING] = N_("the package could not be opened"),
	[FK_INTAKE_MUNI_DISPOSING] = N_("the municipality's data is being disposed of: nothing of "
					"it is received until the disposal ends"),
	[FK_INTAKE_MUNI_DISPOSED] = N_("the municipality's data was returned or disposed of: a "
				       "supervisor must re-open the municipality before it receives "
				       "packages again"),
	[FK_INTAKE_MUNI_RETURNING] = N_("the municipality's data is being returned to it: nothing of "
					"it is received until the return ends"),
};
#define REFUSE_ONE(id, text) +1
_Static_assert(sizeof refusal_text / sizeof *refusal_text == 0 FK_INTAKE_REFUSE_LIST(REFUSE_ONE),
	       "a sentence for every refusal");
#undef REFUSE_ONE
static const char *const refusal_id[] = {
#define FK_INTAKE_REFUSE_ID(id, text) #id,
	FK_INTAKE_REFUSE_LIST(FK_INTAKE_REFUSE_ID)
#undef FK_INTAKE_REFUSE_ID
};

const char *fk_intake_refusal_text(fk_intake_refusal r)
{
	return (unsigned)r < sizeof refusal_text / sizeof *refusal_text ? refusal_text[r] : "?";
}

const char *fk_intake_refusal_id(fk_intake_refusal r)
{
	static char ids[sizeof refusal_id / sizeof *refusal_id][24];
	if ((unsigned)r >= sizeof refusal_id / sizeof *refusal_id)
		return "?";
	return fk_receipt_lower_id(refusal_id[r], ids[r], sizeof ids[r]);
}

void fk_intake_result_clear(fk_intake_result *r)
{
	free(r->receipt);
	memset(r, 0, sizeof *r);
}

static fk_status in_jurisdiction(fk_ctx *ctx, const char *muni, int *ok, int64_t *key_id,
				 fk_error *err)
{
	fk_stmt *st;
	*ok = 0;
	*key_id = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_JURISDICTION, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, ctx->cfg.bureau ? ctx->cfg.bureau : "", -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		s = fk_trust_check(ctx, FK_T_MUNICIPALITY, st, 0, err);
		*key_id = fk_sql_column_int64(st, FK_C_MUNI_KEY);
	} else if (rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the jurisdiction");
	*ok = s == FK_OK && rc == SQLITE_ROW;
	fk_sql_reset(st);
	return s;
}

/* Refuse: the receipt made, FK_ERR_INVALID for the gate to record the refusal. */
static fk_status refuse(fk_ctx *ctx, const fk_intake_pkg *p, fk_intake_refusal why, int64_t expected,
			fk_intake_result *res, fk_error *err)
{
	res->refused = why;
	res->reason = fk_intake_refusal_id(why);
	res->reason_text = fk_intake_refusal_text(why);
	res->expected_sequence = expected;
	fk_status s = fk_receipt_refused(p->digest, p->m->municipality, p->m->sequence,
					 fk_intake_refusal_id(why), expected, fk_ctx_now(ctx),
					 &res->receipt, &res->receipt_len, err);
	if (s != FK_OK)
		return s;
	if (expected > 0)
		return fk_fail(err, FK_ERR_INVALID, "package refused: %s (expected sequence %lld)",
			       fk_intake_refusal_text(why), (long long)expected);
	return fk_fail(err, FK_ERR_INVALID, "package refused: %s", fk_intake_refusal_text(why));
}

fk_status fk_intake_muni_disposal(fk_ctx *ctx, const char *muni, int64_t key_id, int *running,
			       int *gone, fk_error *err)
{
	fk_stmt *st;
	*running = *gone = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNI_RUNNING, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		s = fk_trust_check(ctx, FK_T_APPROVAL, st, 0, err);
	else if (rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the municipality's disposal");
	if (s == FK_OK && rc == SQLITE_ROW)
		*running = strcmp((const char *)fk_sql_column_text(st, C_APPROVAL_KIND), "return") == 0 ? 2 : 1;
	fk_sql_reset(st);
	if (s != FK_OK || *running || key_id == 0)
		return s;
	return fk_datakey_destroyed(ctx, key_id, gone, err);
}

/* Whether p may start: jurisdiction, signer, the municipality not disposed of, nothing else
 * staging, sequence. */
static fk_status admit(fk_ctx *ctx, const fk_intake_pkg *p, fk_intake_result *res, fk_error *err)
{
	int ok, found, running, gone;
	int64_t key_id;
	fk_pkgrow other;
	fk_status s = in_jurisdiction(ctx, p->m->municipality, &ok, &key_id, err);
	if (s != FK_OK)
		return s;
	if (!ok)
		return refuse(ctx, p, FK_INTAKE_JURISDICTION, 0, res, err);
	if (!p->signer || strcmp(p->signer, p->m->municipality) != 0)
		return refuse(ctx, p, FK_INTAKE_SIGNER, 0, res, err);
	/* Before anything else of it is read: its key may be gone. A package arriving while the
	 * disposal runs would add registers the disposal must then find again; one arriving
	 * after it would be sealed under a destroyed key (docs/disposal.md). */
	if ((s = fk_intake_muni_disposal(ctx, p->m->municipality, key_id, &running, &gone, err)) != FK_OK)
		return s;
	if (running)
		return refuse(ctx, p, running == 2 ? FK_INTAKE_MUNI_RETURNING : FK_INTAKE_MUNI_DISPOSING, 0, res, err);
	if (gone)
		return refuse(ctx, p, FK_INTAKE_MUNI_DISPOSED, 0, res, err);
	if ((s = fk_pkgrow_staging(ctx, &other, &found, err)) != FK_OK)
		return s;
	if (found)
		return refuse(ctx, p, FK_INTAKE_BUSY, 0, res, err);
	if ((s = fk_pkgrow_last(ctx, p->m->municipality, &other, &found, err)) != FK_OK)
		return s;
	/* The key folder remembers a later package than the database has: an older copy of
	 * the database was put back, and would take a replay of what it forgot. */
	int64_t kept_seq;
	uint8_t kept[32];
	int kept_found;
	if ((s = fk_seqanchor_get(ctx, p->m->municipality, &kept_seq, kept, &kept_found, err)) != FK_OK)
		return s;
	if (kept_found && (!found || other.sequence < kept_seq ||
			   (other.sequence == kept_seq && memcmp(other.digest, kept, 32) != 0)))
		return refuse(ctx, p, FK_INTAKE_ROLLBACK, 0, res, err);
	/* A municipality's first package is its sequence 1, or a full re-send of any sequence
	 * (a terminal that joins a municipality's stream where it stands: import.h). */
	if (!found)
		return p->m->sequence == 1 || p->m->kind == FK_PKG_FULL
			       ? FK_OK : refuse(ctx, p, FK_INTAKE_SEQUENCE, 1, res, err);
	if (p->m->sequence == other.sequence + 1)
		return FK_OK;
	if (p->m->sequence <= other.sequence)
		return refuse(ctx, p, FK_INTAKE_REPLAY, other.sequence + 1, res, err);
	return refuse(ctx, p, FK_INTAKE_SEQUENCE, other.sequence + 1, res, err);
}

/* Staging begins: the package's row, the watermarks, on record. */
/* The operation an import runs as (import.h). */
static fk_op op_of(int op)
{
	return op == FK_OP_RECEIVE ? FK_OP_RECEIVE : FK_OP_IMPORT;
}

static fk_status begin_staging(fk_ctx *ctx, const fk_intake_pkg *p, fk_pkgrow *r, const char *oid,
			       int quiet, fk_error *err)
{
	char detail[96];
	memset(r, 0, sizeof *r);
	fk_copy_str(r->municipality, sizeof r->municipality, p->m->municipality);
	r->sequence = p->m->sequence;
	r->kind = p->m->kind;
	memcpy(r->digest, p->digest, 32);
	fk_copy_str(r->state, sizeof r->state, "staging");
	r->chunks = p->m->nchunks;
	r->received_at = fk_ctx_now(ctx);
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	/* The municipality's key first: it is the one data key the staging may make besides
	 * the registers' own, whose ids follow wm_key (stage.h). */
	int64_t muni_key;
	uint8_t dk[FK_KEY_LEN];
	s = fk_datakey_municipality(ctx, r->municipality, &muni_key, dk, err);
	fk_wipe(dk, sizeof dk);
	if (s == FK_OK)
		s = fk_ctx_int64(ctx, SQL_MAX_KEY, &r->wm_key, err, "highest data key");
	if (s == FK_OK)
		s = fk_publish_watermarks(ctx, 1, r->wm, err);
	if (s == FK_OK)
		s = fk_pkgrow_insert(ctx, r, err);
	if (s == FK_OK)
		s = fk_publish_mark(ctx, r->id, err);
	snprintf(detail, sizeof detail, "municipality=%s sequence=%lld chunks=%d", r->municipality,
		 (long long)r->sequence, p->m->nchunks);
	if (s == FK_OK && !quiet)
		s = fk_audit_op(ctx, op_of(p->op), oid, FK_RESULT_SUCCESS, "staging", detail, err);
	return fk_ctx_end(ctx, s, err);
}

static void fill(fk_intake_result *res, const fk_pkgrow *r)
{
	for (int t = 0; t <= FK_REC_TYPES; t++)
		res->accepted[t] = r->n[t];
	res->unchanged = r->unchanged;
	res->rejected = r->rejected;
}

/* Loading a chunk and preparing its registers on the second thread (source.h, stage.h). */
typedef struct loader {
	fk_ctx *ctx;
	const fk_intake_pkg *p;
	const fk_pkgrow *r;
	int chunk;
	fk_stage_prep *prep;
	fk_status st;
	fk_error err;
} loader;

static void *load_chunk(void *arg)
{
	loader *l = arg;
	const fk_intake_source *src = &l->p->src;
	l->st = src->load ? src->load(src->arg, l->chunk, &l->err) : FK_OK;
	if (l->st == FK_OK)
		l->st = fk_stage_prepare(l->ctx->keys, l->r, l->p->m, src, l->chunk, l->prep, &l->err);
	fk_crypto_thread_cleanup();
	return NULL;
}

/* The chunks after the ones staged, each loaded while the one before it stages. */
static fk_status stage_all(fk_ctx *ctx, const fk_intake_pkg *p, fk_pkgrow *r, const char *oid,
			   fk_intake_result *res, fk_error *err)
{
	const fk_intake_source *src = &p->src;
	int first = (int)r->chunks_staged, n = p->m->nchunks, staged = 0;
	fk_stage_prep prep[2];
	memset(prep, 0, sizeof prep);
	loader cur = {.ctx = ctx, .p = p, .r = r, .chunk = first, .prep = &prep[first % 2]};
	if (first < n) {
		load_chunk(&cur);
		if (cur.st != FK_OK && err)
			*err = cur.err;
	}
	fk_status s = first < n ? cur.st : FK_OK;
	/* Checkpoints further apart while staging: a page the parts write again and again (the
	 * search index's, the tables' last) is copied into the database once per checkpoint, so
	 * SQLite's default of 1,000 pages copied it after every two or three parts (measured at
	 * 20,000 registers: 194 MB written to the database instead of 66 MB). The log grows to
	 * about 32 MB meanwhile; the default comes back after the last chunk. */
	/* (SQLite's own log: PostgreSQL's WAL is the server's.) */
	if (fk_sql_lite(ctx->db))
		sqlite3_wal_autocheckpoint(fk_sql_lite(ctx->db), STAGE_CHECKPOINT_PAGES);
	/* The parts commit one after another: each confirmation of the anchor rides on the next
	 * part's sync instead of one of its own (trust.h). */
	fk_trust_lazy_confirm(ctx, 1);
	for (int i = first; i < n && s == FK_OK; i++) {
		loader next = {.ctx = ctx, .p = p, .r = r, .chunk = i + 1, .prep = &prep[(i + 1) % 2]};
		pthread_t th;
		int threaded = i + 1 < n && pthread_create(&th, NULL, load_chunk, &next) == 0;
		if (i + 1 < n && !threaded)
			load_chunk(&next); /* no thread: one after the other */
		s = fk_stage_chunk(ctx, r, p->m, src, i, &prep[i % 2], oid, err, &res->stage_ns,
				   &res->stage_max_ns);
		if (threaded)
			pthread_join(th, NULL);
		if (s == FK_OK && i + 1 < n && next.st != FK_OK) {
			s = next.st;
			if (err)
				*err = next.err;
		}
		if (s == FK_OK && fk_intake_stop_after && ++staged == fk_intake_stop_after && i + 1 < n)
			s = fk_fail(err, FK_ERR_INTERNAL, "stopped after chunk %d (test)", i);
	}
	if (fk_sql_lite(ctx->db))
		sqlite3_wal_autocheckpoint(fk_sql_lite(ctx->db), SQLITE_DEFAULT_WAL_AUTOCHECKPOINT);
	fk_trust_lazy_confirm(ctx, 0);
	fk_stage_prep_clear(&prep[0]);
	fk_stage_prep_clear(&prep[1]);
	if (src->done)
		src->done(src->arg);
	return s;
}

/* SQLite's page cache of the import's connection, in KiB (db.c opens with 16 MiB). While the
 * tags are merged and the lists written ahead, their sorts hold memory of their own and the
 * pages go by in order: 8 MiB there keeps the import's peak within issue 10's 64 MB (71 MB at
 * 1,000,000 registers with 16). Lowering it frees the pages beyond. (PostgreSQL: the server's
 * memory.) */
static void cache_kib(fk_ctx *ctx, int kib)
{
	char pragma[48];
	snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", kib);
	if (fk_sql_lite(ctx->db))
		(void)fk_sql_exec(ctx->db, pragma); /* a cache size only: no failure to act on */
}

/* *open: applied in one transaction, left open for the gate's record (fk_intake_import). */
static fk_status run(fk_ctx *ctx, const fk_intake_pkg *p, const char *oid, fk_intake_result *res,
		     int *open, fk_error *err)
{
	fk_pkgrow r;
	int found;
	/* An import killed after publishing left its staged rows: they go before anything else
	 * is staged (a register's staged row makes it busy), in steps of their own. */
	fk_status s = fk_publish_settle_pending(ctx, op_of(p->op), oid, err);
	if (s == FK_OK)
		s = fk_pkgrow_by_digest(ctx, p->digest, &r, &found, err);
	if (s != FK_OK)
		return s;
	if (found && strcmp(r.state, "published") == 0) {
		/* Delivered again: the same receipt (R-BATCH-PROTO). */
		res->applied = res->again = 1;
		fill(res, &r);
		s = fk_pkgrow_receipt(ctx, &r, &res->receipt, &res->receipt_len, err);
		/* The key folder's record, had it not been written after the publishing. */
		return s == FK_OK ? fk_seqanchor_put(ctx, r.municipality, r.sequence, r.digest, err) : s;
	}
	/* A new package of one chunk (an immediate one, R-REALTIME) is admitted, staged and
	 * published in one transaction: the steps' own transactions nest in it, so it holds the
	 * lock a few milliseconds, commits (and writes the anchor) once instead of three times,
	 * and is all or nothing as a published package is anyway (R-BATCH-ATOMIC). Its steps
	 * have no records of their own (staging, chunk): the published record (digest, counts)
	 * and the outcome, in the same transaction, say it all, and name its sealed changes. A
	 * larger package keeps its short steps, each on record; so does a package of one chunk
	 * with many records (a chunk may hold some 2,200 registers): in one transaction, its
	 * staging and the moves of its amended registers in the sorted lists (about 5 ms each at
	 * 100,000 registers) would hold the lock for seconds (issue 10). */
	int whole = !found && p->m->nchunks == 1 && p->m->chunks[0].records <= ONE_TX_RECORDS;
	if (whole && (s = fk_ctx_begin(ctx, err)) != FK_OK)
		return s;
	if (!found && ((s = admit(ctx, p, res, err)) != FK_OK ||
		       (s = begin_staging(ctx, p, &r, oid, whole, err)) != FK_OK))
		return whole ? fk_ctx_end(ctx, s, err) : s;
	r.op = op_of(p->op);
	r.quiet = whole;
	r.defer_tags = !whole;
	/* Staged so far: continue after it (R-BATCH-RESUME). */
	if (s == FK_OK)
		s = stage_all(ctx, p, &r, oid, res, err);
	/* A larger package's new registers' search tags into the index in its order, then its
	 * lists written beside the visible ones, in short steps, so that publishing only puts
	 * them in place (tagmerge.h, prepublish.h). The tags first: prepublish removes the
	 * staged rows that keep them. */
	int64_t t_pre = fk_mono_ns();
	/* The chunks' parsed records and prepared registers (both threads' arenas) freed: given
	 * back before the sorts below allocate theirs (the 64 MB target of issue 10). */
	if (s == FK_OK && !whole) {
		fk_heap_trim();
		cache_kib(ctx, 8192);
	}
	if (s == FK_OK && !whole)
		s = fk_tagmerge(ctx, &r, oid, &res->tagmerge_max_ns, err);
	res->tagmerge_ns = fk_mono_ns() - t_pre;
	t_pre = fk_mono_ns();
	if (s == FK_OK && !whole)
		fk_heap_trim(); /* the merge's reads and sort given back too */
	if (s == FK_OK && !whole)
		s = fk_prepublish(ctx, &r, oid, &res->prepublish_max_ns, err);
	if (!whole)
		cache_kib(ctx, 16384); /* publishing's one transaction as before */
	res->prepublish_ns = fk_mono_ns() - t_pre;
	json_t *missing = NULL;
	if (s == FK_OK)
		s = fk_publish_missing(ctx, &r, &missing, err);
	int64_t t0 = fk_mono_ns();
	if (s == FK_OK)
		s = fk_publish(ctx, &r, missing, oid, &res->receipt, &res->receipt_len, err);
	if (whole && s != FK_OK) {
		s = fk_ctx_end(ctx, s, err); /* undone: the gate records the failure */
		fk_order_memo(ctx, 0, NULL); /* publish's keys of a batch that did not commit */
	}
	res->publish_ns = fk_mono_ns() - t0;
	if (s == FK_OK) {
		res->applied = 1;
		res->missing = (int64_t)json_array_size(missing);
		fill(res, &r);
		/* After the commit: a key folder behind the database is only caught up later (the
		 * package delivered again), never ahead of it. */
		if (whole)
			*open = 1;
		else
			s = fk_seqanchor_put(ctx, r.municipality, r.sequence, r.digest, err);
		/* Published: what only served the staging goes after, in short steps (a failure
		 * here leaves the package published; the next import settles it). */
		if (s == FK_OK && !whole)
			s = fk_publish_settle(ctx, r.id, r.op, oid, err);
		if (s == FK_OK && !whole)
			s = fk_publish_sweep(ctx, r.op, oid, err);
	}
	json_decref(missing);
	return s;
}

fk_status fk_intake_import(fk_ctx *ctx, const fk_intake_pkg *p, fk_intake_result *res,
			   fk_error *err)
{
	fk_gate g;
	char oid[96], detail[128];
	memset(res, 0, sizeof *res);
	if (!p || !p->m || !p->digest || !p->src.each || !p->m->chunks || p->m->nchunks < 1)
		return fk_fail(err, FK_ERR_USAGE, "an import needs a manifest with its chunks, a digest "
			       "and its records");
	fk_hex(p->digest, 32, oid);
	fk_authz_req req = {.op = op_of(p->op), .municipality = p->m->municipality};
	fk_status s = fk_gate_begin(ctx, &g, &req, oid, err);
	if (s != FK_OK)
		return s;
	int open = 0;
	s = run(ctx, p, oid, res, &open, err);
	/* A one-chunk package's transaction takes the outcome's record too: one commit. */
	if (open && !fk_gate_adopt_tx(&g))
		s = fk_ctx_end(ctx, s, err);
	snprintf(detail, sizeof detail, "%s accepted=%lld rejected=%lld", res->again ? "again" : "applied",
		 (long long)res->accepted[0], (long long)res->rejected);
	if (s == FK_ERR_INVALID && res->refused != FK_INTAKE_NONE && res->refused != FK_INTAKE_BUSY &&
	    res->receipt) {
		/* Refused: the refusal's row goes on record with it (refused.h). BUSY is no
		 * refusal of the package, only "later": no row. */
		fk_refused row;
		fk_error e;
		fk_error_clear(&e);
		fk_status ps = fk_refused_prepare(ctx, p->origin, p->m, p->digest, p->signer, res->reason,
						  res->expected_sequence, &row, &e);
		if (ps == FK_OK) {
			s = fk_gate_end_keep(ctx, &g, s, fk_refused_keep, &row, err);
		} else {
			if (err)
				*err = e;
			s = fk_gate_end(ctx, &g, ps, NULL, err);
		}
	} else {
		s = fk_gate_end(ctx, &g, s, detail, err);
	}
	if (open && s == FK_OK)
		s = fk_seqanchor_put(ctx, p->m->municipality, p->m->sequence, p->digest, err);
	else if (open) {
		res->applied = 0; /* undone with its record (gate.h) */
		fk_order_memo(ctx, 0, NULL);
	}
	/* A refusal is an answer (its receipt), and on record as the operation's failure. */
	if (s == FK_ERR_INVALID && res->refused != FK_INTAKE_NONE && res->receipt)
		return FK_OK;
	if (s != FK_OK) {
		free(res->receipt);
		res->receipt = NULL;
	}
	return s;
}

fk_status fk_intake_refuse(fk_ctx *ctx, int op, const fk_manifest *m, const uint8_t *digest,
			   const char *signer, const fk_intake_origin *o, const char *reason_id,
			   const char *reason_text, fk_intake_result *res, fk_error *err)
{
	fk_gate g;
	char oid[96] = "-";
	memset(res, 0, sizeof *res);
	res->refused = FK_INTAKE_OPENING;
	res->reason = reason_id;
	res->reason_text = reason_text;
	if (digest)
		fk_hex(digest, 32, oid);
	fk_authz_req req = {.op = op_of(op), .municipality = m ? m->municipality : NULL};
	fk_status s = fk_gate_begin(ctx, &g, &req, oid, err);
	if (s != FK_OK)
		return s;
	s = fk_receipt_refused(digest, m ? m->municipality : NULL, m ? m->sequence : 0, reason_id, 0,
			       fk_ctx_now(ctx), &res->receipt, &res->receipt_len, err);
	/* What is known of it, kept as a row with the refusal's record (refused.h). */
	fk_refused row;
	if (s == FK_OK)
		s = fk_refused_prepare(ctx, o, m, digest, signer, reason_id, 0, &row, err);
	if (s == FK_OK) {
		s = fk_fail(err, FK_ERR_INVALID, "package refused: %s", reason_text ? reason_text : reason_id);
		s = fk_gate_end_keep(ctx, &g, s, fk_refused_keep, &row, err);
	} else {
		s = fk_gate_end(ctx, &g, s, NULL, err);
	}
	if (s != FK_ERR_INVALID || !res->receipt) {
		free(res->receipt);
		res->receipt = NULL;
		return s;
	}
	return FK_OK;
}

fk_status fk_intake_receipt(fk_ctx *ctx, const uint8_t digest[32], char **json, size_t *len,
			    fk_error *err)
{
	fk_pkgrow r;
	int found;
	fk_status s = fk_pkgrow_by_digest(ctx, digest, &r, &found, err);
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no such package");
	return s == FK_OK ? fk_pkgrow_receipt(ctx, &r, json, len, err) : s;
}
