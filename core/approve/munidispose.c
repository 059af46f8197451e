/* A whole municipality disposed of in short recorded transactions (munidispose.h). */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datakey.h"
#include "db.h"
#include "execute.h"
#include "gate.h"
#include "import.h"
#include "meta.h"
#include "munidispose.h"
#include "stage.h"
#include "trust.h"
#include "util.h"
#include "visible.h"

int fk_muni_batch_registers = 200;
int fk_muni_batch_ms = 40;
void (*fk_muni_test_batch_hook)(int batch);

static const char SQL_MUNI_OF_KEY[] = "SELECT code FROM municipality WHERE key_id = ?1";
static const char SQL_MUNI_OF_REG[] = "SELECT municipality FROM register WHERE id = ?1";
static const char SQL_MAX_REG[] = "SELECT coalesce(max(id), 0) FROM register WHERE municipality = ?1";
/* The next registers by id, whichever municipality: one pass over the id range whatever the
 * batch (the municipality's partial index would sort all its live registers for each batch);
 * the caller keeps the municipality's undisposed ones. */
static const char SQL_NEXT[] =
	"SELECT id, key_id, CASE WHEN municipality = ?1 AND disposed_at IS NULL THEN 1 ELSE 0 END "
	"FROM register "
	"WHERE id > ?2 AND id <= ?3 ORDER BY id LIMIT ?4";
/* After a restore: anything of a register that came back (the row, its key, its content). */
static const char SQL_NEXT_BACK[] =
	"SELECT id, key_id, disposed_at IS NOT NULL FROM register WHERE id > ?2 AND id <= ?3 "
	"AND municipality = ?1 AND (disposed_at IS NULL "
	"OR EXISTS (SELECT 1 FROM data_key k WHERE k.id = register.key_id AND k.wrapped IS NOT NULL) "
	"OR EXISTS (SELECT 1 FROM register_version v WHERE v.register_id = register.id "
	"AND length(v.content) > 0)) ORDER BY id LIMIT ?4";
/* A range of the search index by its first two bytes at a time (tags are HMACs: evenly
 * spread; the range's width follows the transactions' length), each row's register looked up
 * by its key. */
static const char SQL_TAGS[] =
	"DELETE FROM register_index WHERE tag >= ?1 AND tag < ?2 AND EXISTS "
	"(SELECT 1 FROM register r WHERE r.id = register_index.register_id AND r.municipality = ?3 "
	"AND r.disposed_at IS NOT NULL)";
static const char SQL_LISTS[] = "DELETE FROM register_order WHERE municipality = ?1";
static const char SQL_LEDGER_NEXT[] = "SELECT id FROM ledger_entry WHERE municipality = ?1 AND (?2 = 0 OR key_id = ?2) LIMIT ?3";
static const char SQL_LEDGER_DEL[] = "DELETE FROM ledger_entry WHERE id = ?1";
static const char SQL_DOC_NEXT[] = "SELECT id FROM notification_doc WHERE municipality = ?1 AND (?2 = 0 OR key_id = ?2) LIMIT ?3";
static const char SQL_DOC_DEL[] = "DELETE FROM notification_doc WHERE id = ?1";
static const char SQL_STATS[] = "UPDATE municipality_stats SET n = 0 WHERE municipality = ?1 AND kind IN (3, 4)";
static const char SQL_LEFT[] =
	"SELECT count(*) FROM register WHERE municipality = ?1 AND disposed_at IS NULL";
/* What a return held, against what the municipality holds now (returnjob.c keeps both). */
static const char SQL_ITEMS[] =
	"SELECT register_id, version FROM return_item WHERE request_id = ?1 ORDER BY register_id";
static const char SQL_NOT_RETURNED[] =
	"SELECT count(*) FROM register r WHERE r.municipality = ?1 AND r.disposed_at IS NULL AND "
	"NOT EXISTS (SELECT 1 FROM return_item i WHERE i.request_id = ?2 AND i.register_id = r.id "
	"AND i.version = r.version)";
/* Every row of the municipality the comparison below rests on, with its MAC: its registers
 * (disposed of or not) and the ledger entries and documents it holds or that its key seals
 * (a row relabelled to another municipality still names the key its content is under). */
static const char SQL_CHECK_REGS[] =
	"SELECT " FK_COLS_REGISTER ", mac FROM register WHERE municipality = ?1 ORDER BY id";
static const char SQL_CHECK_LEDGER[] =
	"SELECT " FK_COLS_LEDGER ", mac FROM ledger_entry WHERE municipality = ?1 OR "
	"key_id = (SELECT key_id FROM municipality WHERE code = ?1)";
static const char SQL_CHECK_DOCS[] =
	"SELECT " FK_COLS_DOC ", mac FROM notification_doc WHERE municipality = ?1 OR "
	"key_id = (SELECT key_id FROM municipality WHERE code = ?1)";
static const char SQL_LEDGER_AFTER[] = "SELECT count(*) FROM ledger_entry WHERE municipality = ?1 AND id > ?2";
static const char SQL_DOC_AFTER[] = "SELECT count(*) FROM notification_doc WHERE municipality = ?1 AND id > ?2";

typedef struct mjob {
	fk_ctx *ctx;
	fk_request req;
	const char *muni;
	int64_t muni_key, max_id, now;
	int64_t cursor; /* the last register id a batch of this run reached */
	int batch_n;    /* registers the next batch takes */
	int tag_lo;     /* the first two bytes of the next range of search tags */
	int tag_w;      /* how many such values the next range takes */
	fk_muni_dispose_result *out;
} mjob;

/* ---- small statements ---- */

static fk_status bind_run(fk_ctx *ctx, const char *sql, const char *text, int64_t a, int64_t b,
			  int64_t *changes, const char *what, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	int i = 1;
	if (text)
		fk_sql_bind_text(st, i++, text, -1, SQLITE_TRANSIENT);
	if (i <= fk_sql_bind_parameter_count(st))
		fk_sql_bind_int64(st, i++, a);
	if (i <= fk_sql_bind_parameter_count(st))
		fk_sql_bind_int64(st, i, b);
	s = fk_ctx_exec(ctx, st, err, what);
	if (s == FK_OK && changes)
		*changes += fk_sql_changes(ctx->db);
	return s;
}

static fk_status count_of(fk_ctx *ctx, const char *sql, const char *text, int64_t a, int64_t *n,
			  fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	if (fk_sql_bind_parameter_count(st) >= 2)
		fk_sql_bind_int64(st, 2, a);
	int rc = fk_sql_step(st);
	*n = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "counting the municipality's rows");
}

/* ---- the steps, each in the caller's transaction ---- */

/* One register crypto-erased: its row marked disposed of (sealed), its key destroyed, its
 * versions' content emptied. */
static fk_status erase_one(fk_ctx *ctx, int64_t id, int64_t key, int disposed, int64_t now,
			   fk_muni_dispose_result *out, fk_error *err)
{
	int contents = 0;
	fk_status s = fk_disposal_erase_rows(ctx, id, key, !disposed, now, NULL, &contents, err);
	if (s == FK_OK) {
		out->registers++;
		out->versions += contents;
	}
	return s;
}

/* The next batch of registers after *cursor (which moves past what was read: *scanned rows):
 * *n of them erased. back: a restore's pass (anything of a register that came back), else the
 * municipality's undisposed ones among the next cap rows by id. */
static fk_status erase_batch(fk_ctx *ctx, const char *muni, int64_t max_id, int back, int64_t now,
			     int cap, int64_t *cursor, int *n, int *scanned, fk_muni_dispose_result *out,
			     fk_error *err)
{
	fk_stmt *st;
	cap = cap > 0 ? cap : 1;
	int64_t(*v)[3] = calloc((size_t)cap, sizeof *v);
	*n = 0;
	fk_status s = v ? fk_ctx_stmt(ctx, back ? SQL_NEXT_BACK : SQL_NEXT, &st, err)
			: fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK) {
		int rc;
		fk_sql_bind_text(st, 1, muni, -1, SQLITE_TRANSIENT);
		fk_sql_bind_int64(st, 2, *cursor);
		fk_sql_bind_int64(st, 3, max_id);
		fk_sql_bind_int(st, 4, cap);
		while ((rc = fk_sql_step(st)) == SQLITE_ROW && *n < cap) {
			*cursor = fk_sql_column_int64(st, 0);
			*scanned += 1;
			if (!back && !fk_sql_column_int(st, 2))
				continue; /* another municipality's, or disposed of already */
			v[*n][0] = *cursor;
			v[*n][1] = fk_sql_column_int64(st, 1);
			v[*n][2] = back ? fk_sql_column_int(st, 2) : 0;
			(*n)++;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			s = fk_db_fail(ctx->db, rc, err, "reading the municipality's registers");
		fk_sql_reset(st);
	}
	/* Read whole first: the statement is not kept open over the writes below. */
	for (int i = 0; s == FK_OK && i < *n; i++)
		s = erase_one(ctx, v[i][0], v[i][1], (int)v[i][2], now, out, err);
	free(v);
	return s;
}

/* Tags whose first two bytes are in [lo, hi) (hi 65536: to the end), of disposed registers of
 * muni. */
static fk_status tags_range(fk_ctx *ctx, const char *muni, int lo, int hi, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	/* Both bounds always bound, so that the range is the index's and nothing beyond it is
	 * read (an open end would scan to the index's end for every range): the last range ends
	 * before a bound longer than any tag, all 0xff. */
	uint8_t a[2] = {(uint8_t)(lo >> 8), (uint8_t)lo}, b[FK_BLIND_LEN + 1];
	memset(b, 0xff, sizeof b);
	if (hi < 65536) {
		b[0] = (uint8_t)(hi >> 8);
		b[1] = (uint8_t)hi;
	}
	fk_status s = fk_ctx_stmt(ctx, SQL_TAGS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_blob(st, 1, a, 2, SQLITE_TRANSIENT);
	fk_sql_bind_blob(st, 2, b, hi < 65536 ? 2 : (int)sizeof b, SQLITE_TRANSIENT);
	fk_sql_bind_text(st, 3, muni, -1, SQLITE_TRANSIENT);
	s = fk_ctx_exec(ctx, st, err, "removing search tags");
	if (s == FK_OK)
		*n += fk_sql_changes(ctx->db);
	return s;
}

/* Up to cap rows of the ledger (table FK_T_LEDGER) or the documents sealed under key (0: any)
 * deleted, each taken out of its table's digest first. */
static fk_status rows_batch(fk_ctx *ctx, fk_table t, const char *muni, int64_t key, int cap,
			    int64_t *n, int *got, fk_error *err)
{
	fk_stmt *st;
	int64_t *ids = calloc((size_t)cap, sizeof *ids);
	*got = 0;
	fk_status s = ids ? fk_ctx_stmt(ctx, t == FK_T_LEDGER ? SQL_LEDGER_NEXT : SQL_DOC_NEXT, &st, err)
			  : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK) {
		int rc;
		fk_sql_bind_text(st, 1, muni, -1, SQLITE_TRANSIENT);
		fk_sql_bind_int64(st, 2, key);
		fk_sql_bind_int(st, 3, cap);
		while ((rc = fk_sql_step(st)) == SQLITE_ROW && *got < cap)
			ids[(*got)++] = fk_sql_column_int64(st, 0);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			s = fk_db_fail(ctx->db, rc, err, "reading the municipality's ledger and documents");
		fk_sql_reset(st);
	}
	for (int i = 0; s == FK_OK && i < *got; i++) {
		s = fk_trust_unseal(ctx, t, FK_VAL_INT(ids[i]), 1, err);
		if (s == FK_OK)
			s = bind_run(ctx, t == FK_T_LEDGER ? SQL_LEDGER_DEL : SQL_DOC_DEL, NULL, ids[i], 0, n,
				     "deleting the municipality's ledger and documents", err);
	}
	free(ids);
	return s;
}

/* ---- one recorded transaction ---- */

typedef fk_status (*step_fn)(mjob *j, int *more, char *what, size_t len, fk_error *err);
static fk_status step_begin(mjob *j, int *more, char *what, size_t len, fk_error *err);
static fk_status step_registers(mjob *j, int *more, char *what, size_t len, fk_error *err);
static fk_status step_tags(mjob *j, int *more, char *what, size_t len, fk_error *err);

static const char *step_name(step_fn f)
{
	return f == step_begin ? "begin" : f == step_registers ? "registers" : f == step_tags ? "tags" : "rows";
}

static int64_t ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The next batch sized for fk_muni_batch_ms of work from how long this one's took: in
 * proportion, at most halved or doubled at once, search tag ranges at most 1/16th of the index. */
static void resize(mjob *j, int64_t work, int tags)
{
	double f = (double)fk_muni_batch_ms / (double)(work > 1 ? work : 1);
	f = f < 0.5 ? 0.5 : f > 2.0 ? 2.0 : f;
	int n = (int)(j->batch_n * f), w = (int)(j->tag_w * f);
	if (tags)
		j->tag_w = w < 16 ? 16 : w > 4096 ? 4096 : w;
	else
		j->batch_n = n < 8 ? 8 : n > 2000 ? 2000 : n;
}

/* Run step in a transaction of its own, recorded (dispose-municipality.batch) with what it
 * did, the ledger's counts noted for the next open; *more: the step has more to do. */
static fk_status batch(mjob *j, step_fn step, int keys_move, int *more, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char what[300] = "", oid[24], detail[400];
	int64_t count = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*more = 0;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = fk_disposal_secure_on(ctx, err);
	if (s == FK_OK)
		s = step(j, more, what, sizeof what, err);
	if (s == FK_OK && what[0]) {
		/* The counts first (a sealed change is taken by the record after it), where they
		 * moved: the next open compares them (fk_disposal_reapply). */
		if (keys_move)
			s = fk_disposal_count(ctx, &count, err);
		if (s == FK_OK && keys_move)
			s = fk_disposal_note_state(ctx, count, err);
		snprintf(oid, sizeof oid, "%lld", (long long)j->req.id);
		snprintf(detail, sizeof detail, "municipality=%s batch=%d %s", j->muni, j->out->batches + 1, what);
		if (s == FK_OK)
			s = fk_audit_op(ctx, FK_OP_DISPOSE_MUNI_BATCH, oid, FK_RESULT_SUCCESS, "system", detail, err);
		if (s == FK_OK && fk_muni_test_batch_hook)
			fk_muni_test_batch_hook(j->out->batches + 1);
	}
	s = fk_ctx_end(ctx, s, err);
	if (s == FK_OK && what[0]) {
		int64_t ms = ms_since(&t0);
		j->out->batches++;
		if (ms > j->out->worst_batch_ms) {
			j->out->worst_batch_ms = ms;
			fk_copy_str(j->out->worst_step, sizeof j->out->worst_step, step_name(step));
		}
		/* Each transaction about fk_muni_batch_ms long from its start to its commit, whatever
		 * the machine's load: its fixed cost (the checks at its start, its record, the
		 * commit's sync) stretches with the load as its work does, and a console waits for
		 * the lock as long as the whole of it (measured: sized by the work alone, 195 ms at
		 * a load of 10). */
		if (fk_muni_batch_ms > 0)
			resize(j, ms, step == step_tags);
		/* A console waiting for the lock tries every millisecond (core/db/db.c): without a
		 * gap it would find the lock taken again by the next batch, and wait through
		 * several (measured: median wait 28 ms, worst 241 ms over transactions of 195). */
		fk_stage_yield();
	}
	return s;
}

/* First: the request running, the municipality's key destroyed (its ledger, documents and
 * sorted lists unreadable from here on), its lists gone, and the ledger in the key folder
 * naming the municipality up to its largest register id, before this commits. */
static fk_status step_begin(mjob *j, int *more, char *what, size_t len, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	int keys = 0;
	(void)more;
	fk_status s = FK_OK;
	if (j->req.state == FK_REQ_APPROVED)
		s = fk_request_mark_running(ctx, &j->req, j->now, err);
	if (s == FK_OK)
		s = count_of(ctx, SQL_MAX_REG, j->muni, 0, &j->max_id, err);
	if (s == FK_OK && j->muni_key)
		s = fk_disposal_destroy_key(ctx, j->muni_key, j->now, &keys, err);
	if (s == FK_OK)
		s = bind_run(ctx, SQL_LISTS, j->muni, 0, 0, &j->out->lists, "removing sorted lists", err);
	fk_disposal_entry e = {.register_id = j->max_id, .key_id = j->muni_key, .request_id = j->req.id,
			       .at = j->now, .municipality = 1};
	if (s == FK_OK)
		s = fk_disposal_append(ctx, &e, 1, err);
	snprintf(what, len, "%s up_to_register=%lld municipality_key=%lld%s list_chunks=%lld",
		 j->out->resumed ? "continued" : "begun", (long long)j->max_id, (long long)j->muni_key,
		 keys ? " (destroyed)" : "", (long long)j->out->lists);
	return s;
}

static fk_status step_registers(mjob *j, int *more, char *what, size_t len, fk_error *err)
{
	int n = 0, scanned = 0;
	int64_t first = j->cursor, before = j->out->registers;
	fk_status s = erase_batch(j->ctx, j->muni, j->max_id, 0, j->now, j->batch_n, &j->cursor, &n, &scanned,
				  j->out, err);
	*more = scanned > 0;
	if (n > 0)
		snprintf(what, len, "registers=%lld ids=%lld..%lld keys destroyed, content emptied",
			 (long long)(j->out->registers - before), (long long)first + 1, (long long)j->cursor);
	return s;
}

static fk_status step_tags(mjob *j, int *more, char *what, size_t len, fk_error *err)
{
	int64_t n = 0;
	int hi = j->tag_lo + j->tag_w < 65536 ? j->tag_lo + j->tag_w : 65536;
	fk_status s = tags_range(j->ctx, j->muni, j->tag_lo, hi, &n, err);
	j->out->tags += n;
	snprintf(what, len, "search_tags=%lld first_bytes=%04x..%04x", (long long)n, j->tag_lo, hi - 1);
	j->tag_lo = hi;
	*more = j->tag_lo < 65536;
	return s;
}

static fk_status step_rows(mjob *j, int *more, char *what, size_t len, fk_error *err)
{
	int got = 0, cap = j->batch_n;
	int64_t l = 0, d = 0;
	fk_status s = rows_batch(j->ctx, FK_T_LEDGER, j->muni, 0, cap, &l, &got, err);
	if (s == FK_OK && got < cap)
		s = rows_batch(j->ctx, FK_T_DOC, j->muni, 0, cap - got, &d, &got, err);
	j->out->ledger += l;
	j->out->documents += d;
	*more = l + d > 0;
	if (l + d > 0)
		snprintf(what, len, "ledger_entries=%lld documents=%lld deleted", (long long)l, (long long)d);
	return s;
}

/* ---- deciding ---- */

/* Each row sql reads for muni checked against its MAC (table t): the first that fails is the
 * refusal (R-DETECT). */
static fk_status check_rows(fk_ctx *ctx, const char *sql, fk_table t, const char *muni, fk_error *err)
{
	fk_stmt *st;
	int rc;
	fk_status s = fk_ctx_stmt_large(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_TRANSIENT);
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW)
		s = fk_trust_check(ctx, t, st, 0, err);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the municipality's rows");
	fk_sql_reset(st);
	return s;
}

/* The return the disposal follows: what it held (kept sealed in meta by returnjob.c) must be
 * what return_item lists, and what the municipality holds now. */
static fk_status check_as_returned(mjob *j, fk_gate *g, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char key[40], v[200], sha[65], hex[65], msg[400];
	int64_t regs = 0, lmax = 0, dmax = 0, n = 0, added = 0, ladd = 0, dadd = 0;
	char muni[7] = "";
	fk_error e;
	snprintf(key, sizeof key, "return.%lld", (long long)j->req.after_return);
	fk_status s = fk_meta_get(ctx, key, v, sizeof v, &e);
	if (s == FK_ERR_NOTFOUND || (s == FK_OK && sscanf(v, "%6s %lld %lld %lld %64s", muni, (long long *)&regs,
							    (long long *)&lmax, (long long *)&dmax, sha) != 5))
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_RETURNED, "the return this disposal follows left no record of what it held", err);
	if (s != FK_OK) {
		if (err)
			*err = e;
		return fk_gate_end(ctx, g, s, NULL, err);
	}
	/* The list the record's digest covers. */
	fk_stmt *st;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned dl = 0;
	s = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? fk_ctx_stmt(ctx, SQL_ITEMS, &st, err)
								 : fk_fail(err, FK_ERR_CRYPTO, "hashing failed");
	if (s == FK_OK) {
		int rc;
		char line[48];
		fk_sql_bind_int64(st, 1, j->req.after_return);
		while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
			int k = snprintf(line, sizeof line, "%lld:%d\n", (long long)fk_sql_column_int64(st, 0),
					 fk_sql_column_int(st, 1));
			EVP_DigestUpdate(md, line, (size_t)k);
			n++;
		}
		fk_sql_reset(st);
		if (rc != SQLITE_DONE || EVP_DigestFinal_ex(md, d, &dl) != 1)
			s = fk_fail(err, FK_ERR_IO, "reading what the return held failed");
	}
	EVP_MD_CTX_free(md);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	fk_hex(d, 32, hex);
	if (n != regs || strcmp(hex, sha) != 0 || strcmp(muni, j->muni) != 0)
		return fk_gate_end(ctx, g, fk_fail(err, FK_ERR_TAMPER, "what return %lld held (return_item) does not "
						   "match its sealed record: changed outside fukuhon",
						   (long long)j->req.after_return), NULL, err);
	/* The counts below read the rows' clear columns (municipality, disposed_at, version, id),
	 * which a database writer can change to hide what came after the return from them, and
	 * have the disposal destroy it (a relabelled ledger entry under the municipality's key) or
	 * leave it (a register marked disposed of). Each such row is checked first: disposal is
	 * for good, so a large table is checked whole here, once (R-DETECT, R-DISPOSE). */
	s = check_rows(ctx, SQL_CHECK_REGS, FK_T_REGISTER, j->muni, err);
	if (s == FK_OK)
		s = check_rows(ctx, SQL_CHECK_LEDGER, FK_T_LEDGER, j->muni, err);
	if (s == FK_OK)
		s = check_rows(ctx, SQL_CHECK_DOCS, FK_T_DOC, j->muni, err);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	fk_stmt *q;
	if ((s = fk_ctx_stmt(ctx, SQL_NOT_RETURNED, &q, err)) == FK_OK) {
		fk_sql_bind_text(q, 1, j->muni, -1, SQLITE_TRANSIENT);
		fk_sql_bind_int64(q, 2, j->req.after_return);
		int rc = fk_sql_step(q);
		added = rc == SQLITE_ROW ? fk_sql_column_int64(q, 0) : 0;
		fk_sql_reset(q);
		if (rc != SQLITE_ROW)
			s = fk_db_fail(ctx->db, rc, err, "comparing with the return");
	}
	if (s == FK_OK)
		s = count_of(ctx, SQL_LEDGER_AFTER, j->muni, lmax, &ladd, err);
	if (s == FK_OK)
		s = count_of(ctx, SQL_DOC_AFTER, j->muni, dmax, &dadd, err);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	/* Refused rather than disposing of only what was returned: what came after the return
	 * exists nowhere else, and disposing of part of a municipality leaves its data neither
	 * here nor there. A new return carries it (docs/disposal.md). */
	if (added || ladd || dadd) {
		snprintf(msg, sizeof msg, "%lld register(s), %lld ledger entr(ies) and %lld document(s) of %s were "
			 "added or amended after return %lld and were not returned: make a new return first",
			 (long long)added, (long long)ladd, (long long)dadd, j->muni, (long long)j->req.after_return);
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_AS_RETURNED, msg, err);
	}
	return FK_OK;
}

/* Kind, requester, state and time, the right on every kind, no import staging, the return. */
static fk_status decide(mjob *j, fk_gate *g, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	fk_request *r = &j->req;
	fk_reg_info none;
	int on = 0;
	/* A running disposal continues whatever the time: what is begun is finished. */
	fk_status s = FK_OK;
	if (r->state == FK_REQ_RUNNING && r->requester_id != ctx->actor.operator_id)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_REQUESTER, "only the requester carries out a request", err);
	if (r->state != FK_REQ_RUNNING || r->kind != FK_REQ_DISPOSE_MUNI)
		s = fk_request_decide_execution(ctx, g, r, FK_REQ_DISPOSE_MUNI, &none, j->now, err);
	if (s != FK_OK)
		return s;
	s = fk_request_decide_municipality(ctx, g, r->municipality, err);
	if (s != FK_OK)
		return s;
	if ((s = fk_store_staging(ctx, &on, err)) != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (on)
		return fk_gate_refuse(ctx, g, FK_WHY_REGISTER_STAGING, "a package is being imported: dispose of "
				      "the municipality when it is published or abandoned", err);
	if (r->after_return && r->state == FK_REQ_APPROVED && (s = check_as_returned(j, g, err)) != FK_OK)
		return s;
	if ((s = fk_datakey_municipality_id(ctx, r->municipality, &j->muni_key, err)) != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	/* A return of it still writing its package: what it returns must stay until it ends. */
	int running = 0, gone = 0;
	if ((s = fk_intake_muni_disposal(ctx, r->municipality, j->muni_key, &running, &gone, err)) != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (running == 2)
		return fk_gate_refuse(ctx, g, FK_WHY_RETURN_RUNNING, "a return of the municipality is running: carry "
				      "it out to its end, or give it up, first", err);
	return FK_OK;
}

/* ---- carrying it out ---- */

static fk_status run(mjob *j, fk_gate *g, fk_error *err)
{
	int more = 1;
	int64_t left = 0;
	struct timespec t0;
	j->batch_n = fk_muni_batch_registers > 0 ? fk_muni_batch_registers : 1;
	j->tag_w = 64; /* 1/1024th of the index: grows while transactions stay short */
	fk_status s = batch(j, step_begin, 1, &more, err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (more = 1; s == FK_OK && more;)
		s = batch(j, step_registers, 1, &more, err);
	j->out->ms_registers = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (more = 1; s == FK_OK && more;)
		s = batch(j, step_tags, 0, &more, err);
	j->out->ms_tags = ms_since(&t0);
	for (more = 1; s == FK_OK && more;)
		s = batch(j, step_rows, 0, &more, err);
	if (s != FK_OK)
		return s;
	/* The last step: counts set, the request carried out, recorded by the gate with it. */
	if ((s = fk_ctx_begin(j->ctx, err)) != FK_OK)
		return s;
	if (!fk_gate_adopt_tx(g))
		return fk_ctx_end(j->ctx, fk_fail(err, FK_ERR_INTERNAL, "the disposal's record cannot be kept"), err);
	s = bind_run(j->ctx, SQL_STATS, j->muni, 0, 0, NULL, "setting the municipality's figures", err);
	if (s == FK_OK)
		s = count_of(j->ctx, SQL_LEFT, j->muni, 0, &left, err);
	if (s == FK_OK && left > 0)
		s = fk_fail(err, FK_ERR_BUSY, "%lld register(s) of %s arrived while it was being disposed of: "
			    "carry the request out again to dispose of them too", (long long)left, j->muni);
	if (s == FK_OK)
		s = fk_request_mark_executed(j->ctx, &j->req, j->now, err);
	return s;
}

fk_status fk_muni_dispose_execute(fk_ctx *ctx, int64_t id, fk_muni_dispose_result *out, fk_error *err)
{
	fk_gate g;
	struct timespec t0;
	char detail[400] = "";
	mjob j = {.ctx = ctx, .out = out, .now = fk_authz_now()};
	memset(out, 0, sizeof *out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fk_status s = fk_request_open_execution(ctx, &g, FK_OP_DISPOSE_MUNI_EXECUTE, id, &j.req, err);
	if (s != FK_OK)
		return s;
	j.muni = j.req.municipality;
	fk_copy_str(out->municipality, sizeof out->municipality, j.muni);
	out->resumed = j.req.state == FK_REQ_RUNNING;
	if ((s = decide(&j, &g, err)) == FK_OK) {
		s = run(&j, &g, err);
		snprintf(detail, sizeof detail, "municipality=%s registers=%lld versions=%lld search_tags=%lld "
			 "list_chunks=%lld ledger_entries=%lld documents=%lld batches=%d%s approved_by=%s",
			 j.muni, (long long)out->registers, (long long)out->versions, (long long)out->tags,
			 (long long)out->lists, (long long)out->ledger, (long long)out->documents, out->batches,
			 out->resumed ? " continued" : "", j.req.decided_by);
		s = fk_gate_end(ctx, &g, s, detail, err);
		if (s == FK_OK)
			fk_disposal_empty_wal(ctx, out->warning, sizeof out->warning);
	}
	out->ms = ms_since(&t0);
	fk_request_clear(&j.req);
	return s;
}

/* ---- after a restore ---- */

fk_status fk_muni_reapply(fk_ctx *ctx, const fk_disposal_entry *e, int64_t now, int64_t *n,
			  fk_error *err)
{
	char code[7] = "", oid[16], detail[300];
	fk_stmt *st;
	int64_t cur = 0, key = 0;
	int keys = 0;
	fk_muni_dispose_result r = {0};
	*n = 0;
	/* The municipality: by the key it had, else by the last register the record covers. */
	fk_status s = fk_ctx_stmt(ctx, e->key_id ? SQL_MUNI_OF_KEY : SQL_MUNI_OF_REG, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, e->key_id ? e->key_id : e->register_id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		fk_copy_str(code, sizeof code, (const char *)fk_sql_column_text(st, 0));
	fk_sql_reset(st);
	if (rc == SQLITE_DONE && e->key_id) {
		/* Its key was replaced since (new data after the disposal): by the register then. */
		if ((s = fk_ctx_stmt(ctx, SQL_MUNI_OF_REG, &st, err)) != FK_OK)
			return s;
		fk_sql_bind_int64(st, 1, e->register_id);
		if ((rc = fk_sql_step(st)) == SQLITE_ROW)
			fk_copy_str(code, sizeof code, (const char *)fk_sql_column_text(st, 0));
		fk_sql_reset(st);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "finding a disposed municipality");
	if (!code[0])
		return FK_OK; /* a backup from before the municipality had anything here */
	if (e->key_id)
		s = fk_disposal_destroy_key(ctx, e->key_id, now, &keys, err);
	if (s == FK_OK)
		s = fk_datakey_municipality_id(ctx, code, &key, err);
	if (s == FK_OK && e->key_id && key == e->key_id)
		s = bind_run(ctx, SQL_LISTS, code, 0, 0, &r.lists, "removing sorted lists", err);
	for (int got = 1; s == FK_OK && e->key_id && got;) {
		s = rows_batch(ctx, FK_T_LEDGER, code, e->key_id, 1000, &r.ledger, &got, err);
		if (s == FK_OK && !got)
			s = rows_batch(ctx, FK_T_DOC, code, e->key_id, 1000, &r.documents, &got, err);
	}
	for (int got = 1, scanned = 0; s == FK_OK && got;)
		s = erase_batch(ctx, code, e->register_id, 1, now, 1000, &cur, &got, &scanned, &r, err);
	if (s == FK_OK && r.registers)
		s = tags_range(ctx, code, 0, 65536, &r.tags, err);
	if (s == FK_OK && (r.ledger || r.documents))
		s = bind_run(ctx, SQL_STATS, code, 0, 0, NULL, "setting the municipality's figures", err);
	if (s != FK_OK || !(keys || r.lists || r.ledger || r.documents || r.registers))
		return s;
	*n = r.registers;
	snprintf(oid, sizeof oid, "%s", code);
	snprintf(detail, sizeof detail, "request=%lld up_to_register=%lld key=%lld registers=%lld "
		 "list_chunks=%lld ledger_entries=%lld documents=%lld: disposed of again (a restored or "
		 "interrupted database)", (long long)e->request_id, (long long)e->register_id,
		 (long long)e->key_id, (long long)r.registers, (long long)r.lists, (long long)r.ledger,
		 (long long)r.documents);
	return fk_audit_op(ctx, FK_OP_DISPOSE_REAPPLY, oid, FK_RESULT_SUCCESS, "system", detail, err);
}
