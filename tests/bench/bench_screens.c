/* Benchmark (issue 9): each console screen's data from the core, bare (the fk_browse_* / store
 * read alone) and through the gate (the authorised call the console makes: decision with its
 * rows checked, the durable history record, then the read), medians and p95 against the
 * target, the gated call's p90 and its statements per call (core/db's counter: on PostgreSQL
 * each is a round trip, issue 14); one durable record alone; the same screens after another
 * process wrote (the small tables checked again in full). Usage: bench_screens CONFIG [ROUNDS
 * [SCREEN]] (SCREEN: only the screens whose name holds it, for profiling; "" all of them and
 * nothing else). Run by run.sh and run_pg.sh. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"

#define MAX_ROUNDS 2000
#define PAGE 30
#define SEARCH 50
#define HISTORY 30
/* Each screen through the gate, median: 5 ms on SQLite (issue 9), 10 ms on PostgreSQL at
 * 1,000,000 registers (issue 14; 20 ms at 10,000,000: BENCH_SCREEN_TARGET_MS=20). */
static double target_ms = 5.0;
#define BENCH_USER "benchop" /* an operator with view of every kind in the bureau (as bench_tui.sh) */

typedef struct bench {
	fk_ctx *ctx;
	fk_bureau b;
	char m[7];              /* the busiest municipality */
	int64_t total, first, last;
	fk_operator op, admin;  /* the file screens' operator; the administrator's screens */
	fk_rng rng;
	fk_names names;
	int64_t cmp_id;         /* a register with two versions, for the comparison */
	int cmp_v;
	int64_t keep;           /* a register kept across a change of order */
	fk_reg_row rows[PAGE > SEARCH ? PAGE : SEARCH];
	fk_record_row recs[PAGE];
	fk_audit_row hist[HISTORY];
	fk_reg_version vers[512];
	int n;
} bench;

typedef fk_status (*call_fn)(bench *b, fk_error *err);

static int rounds = 200;
static int misses;
static const char *only; /* profiling: only the screens whose name holds this */

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int die(const char *what, const fk_error *e)
{
	fprintf(stderr, "bench_screens: %s: %s\n", what, e->msg);
	exit(1);
}

static double median(int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp);
	return ns[n / 2] / 1e6;
}

/* The pth percentile of ns (sorted by median()). */
static double pct(const int64_t *ns, int n, int p)
{
	return ns[(n * p) / 100 < n ? (n * p) / 100 : n - 1] / 1e6;
}

static double p95(const int64_t *ns, int n)
{
	return pct(ns, n, 95);
}

static double last_p90; /* the gated call's p90 in the last timed(), for issue 14's figures */

/* ---- the bare reads (what the benchmark measured before the gate) ---- */

static int64_t some_register(bench *b)
{
	return b->first + (int64_t)fk_rng_below(&b->rng, (uint64_t)(b->last - b->first));
}

static fk_status bare_home(bench *b, fk_error *err)
{
	fk_muni_stat *rows;
	int n;
	fk_status s = fk_browse_home(b->ctx, b->b.id, 0, &rows, &n, err);
	if (s == FK_OK)
		free(rows);
	return s;
}

static fk_status gated_home(bench *b, fk_error *err)
{
	fk_muni_stat *rows;
	int n;
	fk_status s = fk_access_home(b->ctx, &rows, &n, err);
	if (s == FK_OK)
		free(rows);
	return s;
}

/* Registers in 受付 order: first page, the end, a page after a random register. */
static fk_status bare_page(bench *b, int64_t anchor, int dir, fk_error *err)
{
	int64_t tot;
	fk_status s = fk_browse_registers(b->ctx, b->m, 1, anchor, dir, PAGE, b->rows, &b->n, err);
	return s == FK_OK ? fk_browse_total(b->ctx, b->m, 1, &tot, err) : s;
}

static fk_status gated_page(bench *b, int64_t anchor, int dir, fk_error *err)
{
	int64_t tot;
	return fk_access_register_page(b->ctx, b->m, 1, anchor, dir, PAGE, b->rows, &b->n, &tot, err);
}

static fk_status bare_first(bench *b, fk_error *err) { return bare_page(b, 0, 1, err); }
static fk_status gated_first(bench *b, fk_error *err) { return gated_page(b, 0, 1, err); }
static fk_status bare_end(bench *b, fk_error *err) { return bare_page(b, 0, -1, err); }
static fk_status gated_end(bench *b, fk_error *err) { return gated_page(b, 0, -1, err); }
static fk_status bare_pgdn(bench *b, fk_error *err) { return bare_page(b, some_register(b), 1, err); }
static fk_status gated_pgdn(bench *b, fk_error *err) { return gated_page(b, some_register(b), 1, err); }

/* Registers in a sort order (本籍 or reading): a page by position, or kept around a register. */
static fk_status sorted(bench *b, int gated, fk_order_field f, int how, fk_error *err)
{
	int64_t tot, off = how == 0 ? 0 : how == 1 ? -1 : (int64_t)fk_rng_below(&b->rng, (uint64_t)b->total);
	int64_t keep = how == 3 ? b->keep : 0;
	return gated ? fk_access_register_page_at(b->ctx, b->m, 1, f, &off, keep, 10, PAGE, b->rows, &b->n,
						  &tot, err)
		     : fk_browse_registers_at(b->ctx, b->m, 1, f, &off, keep, 10, PAGE, b->rows, &b->n, &tot, err);
}

#define SORTED(name, field, how)                                                              \
	static fk_status bare_##name(bench *b, fk_error *err) { return sorted(b, 0, field, how, err); } \
	static fk_status gated_##name(bench *b, fk_error *err) { return sorted(b, 1, field, how, err); }
SORTED(h_first, FK_ORDER_HONSEKI, 0)
SORTED(h_end, FK_ORDER_HONSEKI, 1)
SORTED(h_mid, FK_ORDER_HONSEKI, 2)
SORTED(h_keep, FK_ORDER_HONSEKI, 3)
SORTED(r_first, FK_ORDER_READING, 0)
SORTED(r_end, FK_ORDER_READING, 1)
SORTED(r_mid, FK_ORDER_READING, 2)
SORTED(r_keep, FK_ORDER_READING, 3)

/* 受付帳情報 and 届書等情報: the newest page. */
static fk_status bare_ledger(bench *b, fk_error *err)
{
	return fk_browse_records(b->ctx, b->m, FK_FILE_LEDGER, 0, PAGE, b->recs, &b->n, err);
}

static fk_status gated_ledger(bench *b, fk_error *err)
{
	return fk_access_records_page(b->ctx, b->m, FK_FILE_LEDGER, 0, PAGE, b->recs, &b->n, err);
}

static fk_status bare_docs(bench *b, fk_error *err)
{
	return fk_browse_records(b->ctx, b->m, FK_FILE_DOCS, 0, PAGE, b->recs, &b->n, err);
}

static fk_status gated_docs(bench *b, fk_error *err)
{
	return fk_access_records_page(b->ctx, b->m, FK_FILE_DOCS, 0, PAGE, b->recs, &b->n, err);
}

/* A page of 50 results by 筆頭者 reading, each read for display. */
static const char *some_reading(bench *b)
{
	return b->names.last[fk_rng_below(&b->rng, b->names.n_last)].hira;
}

static fk_status bare_search(bench *b, fk_error *err)
{
	int64_t ids[SEARCH];
	fk_search q = {FK_FIELD_READING, some_reading(b), NULL, b->b.id, 0, 0, SEARCH};
	fk_status s = fk_store_search(b->ctx, &q, ids, &b->n, err);
	return s == FK_OK ? fk_browse_register_rows(b->ctx, ids, b->n, b->rows, err) : s;
}

static fk_status gated_search(bench *b, fk_error *err)
{
	int more;
	fk_search q = {FK_FIELD_READING, some_reading(b), NULL, 0, 0, 0, SEARCH};
	return fk_access_search_page(b->ctx, &q, b->rows, &b->n, &more, err);
}

/* One register opened and laid out as a 全部事項証明 (the console's document view). */
static fk_status laid_out(bench *b, int gated, fk_error *err)
{
	json_t *doc;
	fk_reg_info info;
	fk_lines l = {0};
	int64_t id = some_register(b);
	fk_status s = gated ? fk_access_register_open(b->ctx, FK_OP_REGISTER_OPEN, id, 0, &doc, &info, err)
			    : fk_store_read(b->ctx, id, 0, &doc, &info, err);
	if (s == FK_ERR_NOTFOUND || (s == FK_ERR_DENIED && err->reason == FK_WHY_NOT_FOUND))
		return laid_out(b, gated, err); /* a gap in the ids: another one */
	if (s == FK_OK)
		s = fk_cert_lines(doc, info.kind, &l, err);
	json_decref(doc);
	fk_lines_free(&l);
	return s;
}

static fk_status bare_open(bench *b, fk_error *err) { return laid_out(b, 0, err); }
static fk_status gated_open(bench *b, fk_error *err) { return laid_out(b, 1, err); }

static fk_status bare_versions(bench *b, fk_error *err)
{
	return fk_store_versions(b->ctx, b->cmp_id, b->vers, 512, &b->n, err);
}

static fk_status gated_versions(bench *b, fk_error *err)
{
	return fk_access_register_versions(b->ctx, b->cmp_id, b->vers, 512, &b->n, err);
}

/* Two versions laid out and compared line by line. */
static fk_status bare_compare(bench *b, fk_error *err)
{
	json_t *x = NULL, *y = NULL;
	fk_reg_info info;
	fk_lines l1 = {0}, l2 = {0}, d = {0};
	int changes;
	fk_status s = fk_store_read(b->ctx, b->cmp_id, 1, &x, &info, err);
	if (s == FK_OK)
		s = fk_store_read(b->ctx, b->cmp_id, b->cmp_v, &y, NULL, err);
	if (s == FK_OK)
		s = fk_cert_lines(x, info.kind, &l1, err);
	if (s == FK_OK)
		s = fk_cert_lines(y, info.kind, &l2, err);
	if (s == FK_OK)
		s = fk_lines_diff(&l1, &l2, &d, &changes, err);
	json_decref(x);
	json_decref(y);
	fk_lines_free(&l1);
	fk_lines_free(&l2);
	fk_lines_free(&d);
	return s;
}

static fk_status gated_compare(bench *b, fk_error *err)
{
	fk_lines d = {0};
	int changes;
	fk_status s = fk_access_compare_lines(b->ctx, b->cmp_id, 1, b->cmp_v, &d, &changes, err);
	fk_lines_free(&d);
	return s;
}

/* The administrator's screens: the history's newest page, grants, lockouts. */
static fk_status bare_history(bench *b, fk_error *err)
{
	fk_audit_filter f = {.before_seq = INT64_MAX};
	fk_status s = fk_audit_query(b->ctx, &f, b->hist, HISTORY, &b->n, err);
	if (s == FK_OK)
		fk_audit_rows_free(b->hist, b->n);
	return s;
}

static fk_status gated_history(bench *b, fk_error *err)
{
	fk_audit_filter f = {.before_seq = INT64_MAX};
	fk_status s = fk_access_history(b->ctx, &f, b->hist, HISTORY, &b->n, err);
	if (s == FK_OK)
		fk_audit_rows_free(b->hist, b->n);
	return s;
}

/* The console's grants screen reads a page at a time (tui/grants.c GRANTS_PAGE) and the next
 * only when the cursor goes past it: its first page is what opening the screen costs. */
#define GRANTS_SHOWN 256

/* The grants screen's read without the gate and the row checks: the statement of
 * core/access/grant_view.c (SQL_PAGE), its rows copied as row_to_grant copies them. */
static const char SQL_GRANTS_BARE[] =
	"SELECT g.*, o.username, o.bureau_id, b.name, coalesce(m.name, '') "
	"FROM (SELECT " FK_COLS_GRANT ", mac FROM permission_grant) g JOIN operator o ON o.id = g.operator_id "
	"JOIN bureau b ON b.id = o.bureau_id LEFT JOIN municipality m ON m.code = g.municipality "
	"WHERE (CAST(?1 AS TEXT) IS NULL OR o.username = ?1) AND (?2 = 0 OR o.bureau_id = ?2) "
	"AND (?3 = 0 OR (g.revoked_at IS NULL AND g.valid_from <= ?4 "
	"     AND (g.valid_until IS NULL OR g.valid_until > ?4))) "
	"AND (CAST(?5 AS BIGINT) = 0 OR (g.valid_until IS NOT NULL AND g.valid_until <= ?5)) "
	"AND g.id > ?6 ORDER BY g.id LIMIT ?7";

static fk_status bare_grants_of(bench *b, int64_t expiring, fk_error *err)
{
	fk_stmt *st;
	static fk_grant gs[GRANTS_SHOWN];
	int64_t now = fk_now_ns();
	fk_status s = fk_ctx_stmt(b->ctx, SQL_GRANTS_BARE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 2, b->b.id);
	fk_sql_bind_int(st, 3, expiring != 0);
	fk_sql_bind_int64(st, 4, now);
	fk_sql_bind_int64(st, 5, expiring);
	fk_sql_bind_int64(st, 6, 0);
	fk_sql_bind_int(st, 7, GRANTS_SHOWN);
	int rc;
	b->n = 0;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && b->n < GRANTS_SHOWN) {
		fk_grant_fill(st, now, &gs[b->n++]);
	}
	fk_sql_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? FK_OK : fk_fail(err, FK_ERR_DB, "%s", fk_sql_errmsg(b->ctx->db));
}

static fk_status bare_grants(bench *b, fk_error *err)
{
	return bare_grants_of(b, 0, err);
}

static fk_status bare_expiring(bench *b, fk_error *err)
{
	return bare_grants_of(b, fk_now_ns() + 30LL * 86400 * 1000000000LL, err);
}

/* The first page with the list's count, as the console opens the screen. */
static fk_status gated_grants_of(bench *b, int64_t expiring, fk_error *err)
{
	static fk_grant gs[GRANTS_SHOWN];
	int64_t rest;
	fk_grant_filter f = {NULL, b->b.id, expiring != 0, expiring};
	return fk_grant_page(b->ctx, &f, 0, GRANTS_SHOWN, gs, &b->n, &rest, err);
}

static fk_status gated_grants(bench *b, fk_error *err)
{
	return gated_grants_of(b, 0, err);
}

static fk_status gated_expiring(bench *b, fk_error *err)
{
	return gated_grants_of(b, fk_authz_now() + 30LL * 86400 * 1000000000LL, err);
}

static fk_status bare_matrix(bench *b, fk_error *err)
{
	fk_perm_matrix m;
	fk_status s = fk_authz_matrix(b->ctx, b->op.id, 0, &m, err);
	if (s == FK_OK)
		fk_perm_matrix_free(&m);
	return s;
}

static fk_status gated_matrix(bench *b, fk_error *err)
{
	fk_perm_matrix m;
	fk_status s = fk_grant_matrix(b->ctx, BENCH_USER, &m, err);
	if (s == FK_OK)
		fk_perm_matrix_free(&m);
	return s;
}

static int count_lockout(const fk_lockout_row *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static fk_status bare_lockouts(bench *b, fk_error *err)
{
	b->n = 0;
	return fk_lockout_list(b->ctx, count_lockout, &b->n, err);
}

static fk_status gated_lockouts(bench *b, fk_error *err)
{
	b->n = 0;
	return fk_access_lockouts(b->ctx, count_lockout, &b->n, err);
}

/* ---- the parts of the gate, for the breakdown ---- */

static fk_status decide_only(bench *b, fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_REGISTER_PAGE, .municipality = b->m, .kind = 1};
	fk_authz_decision d;
	fk_status s = fk_authorize(b->ctx, &r, &d, err);
	return s == FK_OK && !d.allowed ? fk_fail(err, FK_ERR_DENIED, "%s", d.msg) : s;
}

static fk_status gate_only(bench *b, fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_REGISTER_PAGE, .municipality = b->m, .kind = 1};
	return fk_gate_check(b->ctx, &r, b->m, "bench: decided and recorded, nothing read", err);
}

static fk_status record_only(bench *b, fk_error *err)
{
	return fk_audit(b->ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", "bench detail", err);
}

/* ---- the table ---- */

enum { AS_OPERATOR, AS_ADMIN };

typedef struct screen {
	const char *name;
	call_fn bare, gated;
	int as;
	int again; /* measured again after another process wrote */
} screen;

static const screen screens[] = {
	{"home (municipality figures)", bare_home, gated_home, AS_OPERATOR, 1},
	{"register list: first page (30 rows)", bare_first, gated_first, AS_OPERATOR, 1},
	{"register list: last page (End)", bare_end, gated_end, AS_OPERATOR, 0},
	{"register list: a page in the middle", bare_pgdn, gated_pgdn, AS_OPERATOR, 0},
	{"by honseki: first page", bare_h_first, gated_h_first, AS_OPERATOR, 0},
	{"by honseki: last page (End)", bare_h_end, gated_h_end, AS_OPERATOR, 0},
	{"by honseki: a page in the middle", bare_h_mid, gated_h_mid, AS_OPERATOR, 0},
	{"by honseki: change of order, kept", bare_h_keep, gated_h_keep, AS_OPERATOR, 0},
	{"by reading: first page", bare_r_first, gated_r_first, AS_OPERATOR, 0},
	{"by reading: last page (End)", bare_r_end, gated_r_end, AS_OPERATOR, 0},
	{"by reading: a page in the middle", bare_r_mid, gated_r_mid, AS_OPERATOR, 0},
	{"by reading: change of order, kept", bare_r_keep, gated_r_keep, AS_OPERATOR, 0},
	{"ledger page (30, newest)", bare_ledger, gated_ledger, AS_OPERATOR, 0},
	{"documents page (30, newest)", bare_docs, gated_docs, AS_OPERATOR, 0},
	{"search page (50 results, read)", bare_search, gated_search, AS_OPERATOR, 1},
	{"register opened and laid out", bare_open, gated_open, AS_OPERATOR, 1},
	{"register versions", bare_versions, gated_versions, AS_OPERATOR, 0},
	{"two versions compared", bare_compare, gated_compare, AS_OPERATOR, 0},
	{"history: newest page (30)", bare_history, gated_history, AS_ADMIN, 1},
	{"grants of the bureau (first 256)", bare_grants, gated_grants, AS_ADMIN, 0},
	{"grants ending in 30 days (first 256)", bare_expiring, gated_expiring, AS_ADMIN, 0},
	{"effective permissions (matrix)", bare_matrix, gated_matrix, AS_ADMIN, 0},
	{"lockouts", bare_lockouts, gated_lockouts, AS_ADMIN, 0},
};

static void act_as(bench *b, int as)
{
	const fk_operator *o = as == AS_ADMIN ? &b->admin : &b->op;
	fk_ctx_act_as(b->ctx, o->id, o->username, o->role, o->bureau_id);
}

/* Statements per call of the last timed() (core/db's counter): on PostgreSQL each is a round
 * trip of about 0.15 ms on loopback, so a screen should take a handful, not one per row. */
static double last_stmts;

/* rounds calls of fn, each timed; *med and *p the median and p95 in ms. */
static void timed(bench *b, const char *what, call_fn fn, int64_t *ns, double *med, double *p)
{
	fk_error err;
	uint64_t st0 = fk_sql_statements(b->ctx->db);
	fk_rng_seed(&b->rng, 7); /* the bare and the gated call get the same requests */
	for (int i = 0; i < rounds; i++) {
		int64_t t = fk_mono_ns();
		if (fn(b, &err) != FK_OK)
			die(what, &err);
		ns[i] = fk_mono_ns() - t;
	}
	last_stmts = (double)(fk_sql_statements(b->ctx->db) - st0) / rounds;
	*med = median(ns, rounds);
	*p = p95(ns, rounds);
	last_p90 = pct(ns, rounds, 90);
}

static void row(const char *what, double bm, double bp, double gm, double gp, double gs)
{
	printf("%-38s %7.3f  %7.3f   %7.3f  %7.3f  %7.3f %6.1f   <= %.0f ms %s\n", what, bm, bp, gm, last_p90, gp, gs, target_ms,
	       gm <= target_ms ? "PASS" : "MISS");
	misses += gm > target_ms;
}

static void table(bench *b)
{
	static int64_t ns[MAX_ROUNDS];
	printf("\nConsole screens, %d rounds each (ms)      bare: median      p95   gated: median      p90      p95  stmts   target\n",
	       rounds);
	for (size_t i = 0; i < sizeof screens / sizeof *screens; i++) {
		const screen *sc = &screens[i];
		double bm, bp, gm, gp;
		if (only && !strstr(sc->name, only))
			continue;
		act_as(b, sc->as);
		timed(b, sc->name, sc->bare, ns, &bm, &bp);
		timed(b, sc->name, sc->gated, ns, &gm, &gp);
		row(sc->name, bm, bp, gm, gp, last_stmts);
	}
	if (only)
		return;
	/* What the gate adds, part by part, on the list's request. */
	double m, p;
	act_as(b, AS_OPERATOR);
	printf("\nThe gate's parts (ms)                                                 median      p95\n");
	timed(b, "decision", decide_only, ns, &m, &p);
	printf("%-38s %32s %7.3f  %7.3f\n", "decision alone (fk_authorize)", "", m, p);
	timed(b, "record", record_only, ns, &m, &p);
	printf("%-38s %32s %7.3f  %7.3f\n", "one durable record alone (fk_audit)", "", m, p);
	timed(b, "gate", gate_only, ns, &m, &p);
	printf("%-38s %32s %7.3f  %7.3f\n", "decision + durable record (gate only)", "", m, p);
}

/* The same screens when another process wrote before each one (another console or
 * fukuhonctl on the terminal): the first transaction then checks the small tables in full
 * against the anchor (core/trust on_begin) before the gate decides. */
static void after_other_writer(bench *b, const char *config)
{
	static int64_t ns[MAX_ROUNDS];
	fk_ctx *other;
	fk_error err;
	if (fk_ctx_open(config, FK_CTX_OPEN, &other, &err) != FK_OK)
		die("opening a second connection", &err);
	fk_ctx_act_as(other, b->admin.id, b->admin.username, b->admin.role, b->admin.bureau_id);
	printf("\nThrough the gate after another process wrote (ms)                     median      p95\n");
	for (size_t k = 0; k < sizeof screens / sizeof *screens; k++) {
		const screen *sc = &screens[k];
		if (!sc->again)
			continue;
		act_as(b, sc->as);
		for (int i = 0; i < rounds; i++) {
			if (fk_audit(other, "register.view", "register", "1", FK_RESULT_SUCCESS, "", "bench: other writer",
				     &err) != FK_OK)
				die("the other writer", &err);
			int64_t t = fk_mono_ns();
			if (sc->gated(b, &err) != FK_OK)
				die(sc->name, &err);
			ns[i] = fk_mono_ns() - t;
		}
		double m = median(ns, rounds);
		printf("%-38s %32s %7.3f  %7.3f\n", sc->name, "", m, p95(ns, rounds));
	}
	fk_ctx_close(other);
}

static void report(const char *what, int64_t *ns, int n)
{
	double m = median(ns, n);
	printf("%-38s %32s %7.3f  %7.3f\n", what, "", m, p95(ns, n));
}

/* One list of 1,000,000 ids (synthetic, in a transaction rolled back): the sealed order's
 * own cost at that size, without the rows' decryption (measured above). */
static void sorted_million(fk_ctx *ctx, const char *m)
{
	enum { N = 1000000 };
	static int64_t ns[MAX_ROUNDS];
	static int64_t ids[PAGE];
	fk_error err;
	fk_order_entry *v = calloc(N, sizeof *v);
	char *keys = malloc((size_t)N * 2 * 12);
	fk_status s = v && keys ? fk_ctx_begin(ctx, &err) : fk_fail(&err, FK_ERR_NOMEM, "out of memory");
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE municipality_stats SET n = %d WHERE municipality = '%s' AND kind = 2", N, m);
	if (s == FK_OK && fk_sql_exec(ctx->db, sql) != SQLITE_OK)
		s = fk_fail(&err, FK_ERR_DB, "%s", fk_sql_errmsg(ctx->db));
	if (s == FK_OK && fk_sql_exec(ctx->db, "DELETE FROM register_order WHERE kind = 2") != SQLITE_OK)
		s = fk_fail(&err, FK_ERR_DB, "%s", fk_sql_errmsg(ctx->db));
	for (int i = 0; s == FK_OK && i < N; i++) {
		v[i].id = i + 1;
		for (int f = 0; f < 2; f++) {
			v[i].key[f] = keys + ((size_t)i * 2 + (size_t)f) * 12;
			snprintf(v[i].key[f], 12, "%010u", (unsigned)((uint64_t)(i + 1) * (f ? 2654435761u : 40503u) % 4294967291u));
		}
	}
	int64_t t0 = fk_mono_ns();
	if (s == FK_OK)
		s = fk_order_bulk(ctx, m, 2, v, N, &err);
	if (s == FK_OK)
		printf("sorted list of 1,000,000 ids written (both orders): %.0f ms\n", (fk_mono_ns() - t0) / 1e6);
	const char *how[] = {"first page", "last page (End)", "a page in the middle", "position of an id"};
	for (int k = 0; k < 4 && s == FK_OK; k++) {
		/* A position scans chunks in turn: 20 rounds are enough. */
		for (int i = 0; i < (k == 3 ? 20 : rounds) && s == FK_OK; i++) {
			int n;
			int64_t pos, off = k == 0 ? 0 : k == 1 ? N - PAGE : (int64_t)(i * 4999) % N;
			int64_t t = fk_mono_ns();
			s = k == 3 ? fk_order_position(ctx, m, 2, FK_ORDER_READING, v[(i * 7919) % N].id, &pos, &err)
				   : fk_order_page(ctx, m, 2, FK_ORDER_READING, off, PAGE, ids, &n, &err);
			ns[i] = fk_mono_ns() - t;
		}
		char what[80];
		snprintf(what, sizeof what, "1M-id order: %s", how[k]);
		if (s == FK_OK)
			report(what, ns, k == 3 ? 20 : rounds);
	}
	if (s != FK_OK)
		fprintf(stderr, "bench: %s\n", err.msg);
	fk_ctx_end(ctx, FK_ERR_INTERNAL, NULL); /* roll back: the bench terminal stays as it was */
	free(v);
	free(keys);
}

/* ---- setting up ---- */

/* The operator the file screens act as: made once (by the administrator, recorded). */
static void ensure_operator(bench *b)
{
	fk_error err;
	if (fk_operator_get(b->ctx, BENCH_USER, &b->op, &err) == FK_OK)
		return;
	int64_t id;
	fk_grant_spec g = {BENCH_USER, NULL, FK_KINDS_ALL, FK_RIGHT_VIEW, 0, 0, "benchmark"};
	act_as(b, AS_ADMIN);
	if (fk_operator_add(b->ctx, BENCH_USER, FK_ROLE_OPERATOR, b->b.name, NULL, &id, &err) != FK_OK ||
	    fk_grant_add(b->ctx, &g, &id, &err) != FK_OK || fk_operator_get(b->ctx, BENCH_USER, &b->op, &err) != FK_OK)
		die("enrolling " BENCH_USER, &err);
}

/* The busiest municipality's list, its ends, and a register with two versions. */
static void pick(bench *b)
{
	fk_error err;
	fk_muni_stat *home;
	int nh, best = 0;
	if (fk_browse_home(b->ctx, b->b.id, 0, &home, &nh, &err) != FK_OK)
		die("home", &err);
	for (int i = 1; i < nh; i++)
		if (home[i].n[1] > home[best].n[1])
			best = i;
	memcpy(b->m, home[best].m.code, sizeof b->m);
	b->total = home[best].n[1];
	printf("list of %s (%s): %lld registers\n", home[best].m.name, b->m, (long long)b->total);
	free(home);
	if (bare_first(b, &err) != FK_OK)
		die("first page", &err);
	b->first = b->keep = b->rows[0].id;
	b->cmp_id = b->first;
	b->cmp_v = 1;
	for (int i = 0; i < b->n; i++)
		if (b->rows[i].version > b->cmp_v) {
			b->cmp_id = b->rows[i].id;
			b->cmp_v = b->rows[i].version;
		}
	if (bare_end(b, &err) != FK_OK)
		die("last page", &err);
	b->last = b->rows[b->n - 1].id;
}

int main(int argc, char **argv)
{
	static bench b;
	fk_error err;
	if (argc < 2) {
		fprintf(stderr, "usage: bench_screens CONFIG [ROUNDS [SCREEN]]\n");
		return 2;
	}
	if (argc > 2)
		rounds = atoi(argv[2]) < 20 ? 20 : atoi(argv[2]) > MAX_ROUNDS ? MAX_ROUNDS : atoi(argv[2]);
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &b.ctx, &err) != FK_OK || bench_act_as(b.ctx, "admin", &err) != FK_OK ||
	    fk_operator_get(b.ctx, "admin", &b.admin, &err) != FK_OK ||
	    fk_bureau_find(b.ctx, b.ctx->cfg.bureau, &b.b, &err) != FK_OK)
		return die("opening", &err);
	if (fk_sql_is_pg(b.ctx->db))
		target_ms = 10.0;
	if (getenv("BENCH_SCREEN_TARGET_MS"))
		target_ms = atof(getenv("BENCH_SCREEN_TARGET_MS"));
	char *path = fk_path_join(b.ctx->cfg.data_dir, "gimei-names.yml", &err);
	if (!path || fk_names_load(path, &b.names, &err) != FK_OK)
		return die("names", &err);
	free(path);
	fk_rng_seed(&b.rng, 7);
	ensure_operator(&b);
	pick(&b);
	only = argc > 3 ? argv[3] : NULL;
	table(&b);
	if (only)
		return 0;
	after_other_writer(&b, argv[1]);
	printf("\nThe sorted order's own cost at 1,000,000 ids in one list (bare, ms)      median      p95\n");
	sorted_million(b.ctx, b.m);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("\nscreens through the gate: %s (%d over %.0f ms); peak RSS of this process: %.1f MB\n",
	       misses ? "MISS" : "PASS", misses, target_ms, ru.ru_maxrss / 1024.0);
	fk_names_free(&b.names);
	fk_ctx_close(b.ctx);
	return 0;
}
