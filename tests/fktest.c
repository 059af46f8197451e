/* Test helpers: a throw-away terminal (config, keys, database) in a temporary folder. */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <ctype.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "fktest.h"

/* ---- PostgreSQL (FK_TEST_PG): one fresh database per env on a running test cluster ----
 * The tests, not the product, run SQL here through libpq: the cluster's superuser over its
 * socket (FK_PG_ADMIN) makes and drops each env's database and plays the server's
 * administrator for fkt_outside; the product reaches the database as the terminal
 * (FK_PG_CONNINFO's role and client certificate, renamed to the env's database). */
static struct {
	int read;
	char admin[1024];
	char conninfo[1024];
} pgc;

/* One NAME='value' (or NAME=value) line of the cluster's env file, if it is name. */
static int env_line(const char *line, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	if (strncmp(line, name, n) != 0 || line[n] != '=')
		return 0;
	const char *v = line + n + 1;
	size_t vl = strcspn(v, "\n");
	if (vl >= 2 && v[0] == '\'' && v[vl - 1] == '\'') {
		v++;
		vl -= 2;
	}
	if (vl >= len) /* read outside a test too (fkt_run): no assertion here */
		return 0;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return 1;
}

int fkt_pg(void)
{
	const char *t = getenv("FK_TEST_PG");
	return t && *t;
}

/* The cluster's admin and terminal conninfos, read once from FK_TEST_PG's env file; 0 when
 * it cannot be read (the callers inside a test assert it, fkt_run's priming gives up). */
static int pg_cluster_try(void)
{
	if (pgc.read)
		return 1;
	char path[1024], line[2048];
	struct stat sb;
	const char *t = getenv("FK_TEST_PG");
	if (!t)
		return 0;
	snprintf(path, sizeof path, "%s%s", t, stat(t, &sb) == 0 && S_ISDIR(sb.st_mode) ? "/env" : "");
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (!env_line(line, "FK_PG_ADMIN", pgc.admin, sizeof pgc.admin))
			env_line(line, "FK_PG_CONNINFO", pgc.conninfo, sizeof pgc.conninfo);
	}
	fclose(f);
	pgc.read = pgc.admin[0] && pgc.conninfo[0];
	return pgc.read;
}

static void pg_cluster(void)
{
	ck_assert_msg(pg_cluster_try(), "FK_TEST_PG=%s: no readable env file of tests/pg/cluster.sh "
		      "(FK_PG_ADMIN, FK_PG_CONNINFO)", getenv("FK_TEST_PG"));
}

/* The superuser on database db (NULL: the cluster's own "fk"); NULL if it cannot connect. */
static PGconn *pg_admin_try(const char *db)
{
	char ci[1200];
	if (!pg_cluster_try())
		return NULL;
	/* a later keyword wins in a libpq conninfo string */
	snprintf(ci, sizeof ci, "%s%s%s connect_timeout=10", pgc.admin, db ? " dbname=" : "", db ? db : "");
	PGconn *c = PQconnectdb(ci);
	if (c && PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "the test cluster: %s", PQerrorMessage(c));
		PQfinish(c);
		c = NULL;
	}
	return c;
}

static PGconn *pg_admin(const char *db)
{
	pg_cluster();
	PGconn *c = pg_admin_try(db);
	ck_assert_msg(c != NULL, "cannot reach the test cluster as its superuser (FK_PG_ADMIN)");
	return c;
}

/* Run sql (any number of statements) on c; 0 if it failed (its message on stderr). */
static int pg_exec_try(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType rs = PQresultStatus(r);
	PQclear(r);
	if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK)
		return 1;
	fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	return 0;
}

/* The same, asserting it ran. */
static void pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType rs = PQresultStatus(r);
	ck_assert_msg(rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

int fkt_skip_on_pg_at(const char *file, const char *fn, const char *what, const char *why)
{
	if (!fkt_pg())
		return 0;
	/* units_pg.sh counts these lines in the binaries' logs */
	/* Check's START_TEST names its function NAME_fn: the test's own name */
	size_t fl = strlen(fn);
	int cut = fl > 3 && strcmp(fn + fl - 3, "_fn") == 0;
	printf("FKT-SKIP-ON-PG: %s:%.*s: %s: %s\n", file, (int)(cut ? fl - 3 : fl), fn, what, why);
	fflush(stdout);
	return 1;
}

const char *fkt_database_line(const fkt_env *e)
{
	static char buf[1100];
	snprintf(buf, sizeof buf, "database = %s", e->uri[0] ? e->uri : "db/fukuhon.db");
	return buf;
}

/* A fresh database owned by the terminal's role, and the terminal's URI naming it. */
static void pg_env_init(fkt_env *e)
{
	static unsigned n;
	char sql[200];
	pg_cluster();
	snprintf(e->pgdb, sizeof e->pgdb, "fkt_%ld_%u", (long)getpid(), n++);
	/* The cluster's URI names its database "fk" (tests/pg/cluster.sh): ".../fk?..." */
	const char *at = strstr(pgc.conninfo, "/fk?");
	ck_assert_msg(at != NULL, "FK_PG_CONNINFO names no /fk? database: %s", pgc.conninfo);
	snprintf(e->uri, sizeof e->uri, "%.*s/%s%s", (int)(at - pgc.conninfo), pgc.conninfo, e->pgdb, at + 3);
	PGconn *c = pg_admin(NULL);
	snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\" OWNER terminal1", e->pgdb);
	pg_exec(c, sql);
	PQfinish(c);
}

/* The forger's session of fkt_pg_outside_bound, kept for one env's database. */
static struct {
	PGconn *c;
	char db[64];
} forger;

static void forger_close(void)
{
	PQfinish(forger.c);
	forger.c = NULL;
	forger.db[0] = '\0';
}

static void pg_env_cleanup(fkt_env *e)
{
	char sql[200];
	forger_close();
	PGconn *c = pg_admin(NULL);
	/* FORCE: a test that failed may have left its terminal connected */
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", e->pgdb);
	pg_exec(c, sql);
	PQfinish(c);
	e->pgdb[0] = '\0';
	e->uri[0] = '\0';
}

const char *fkt_src(const char *rel)
{
	static char buf[1024];
	const char *top = getenv("FK_TOP_SRCDIR");
	char cwd[512] = ".";
	/* Paths go into configurations elsewhere: make them absolute. */
	if ((!top || !*top) && getcwd(cwd, sizeof cwd))
		top = cwd;
	snprintf(buf, sizeof buf, "%s/%s", top && *top ? top : ".", rel);
	return buf;
}

void fkt_env_init(fkt_env *e, const char *extra)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(e->dir, sizeof e->dir, "%s/fkt.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(e->config, sizeof e->config, "%s/fukuhon.conf", e->dir);
	FILE *f = fopen(e->config, "w");
	ck_assert_ptr_nonnull(f);
	char data[1024];
	snprintf(data, sizeof data, "%s", fkt_src("data"));
	e->pgdb[0] = e->uri[0] = '\0';
	if (fkt_pg())
		pg_env_init(e);
	fprintf(f, "# test terminal\n%s\nkey_dir = keys\ndata_dir = %s\n"
		   "terminal_id = test-terminal\nbureau = 東京法務局\n%s\n",
		fkt_database_line(e), data, extra ? extra : "");
	ck_assert_int_eq(fclose(f), 0);
	/* whatever the umask: a configuration others can write is refused */
	ck_assert_int_eq(chmod(e->config, 0644), 0);
}

fk_ctx *fkt_ctx_init(fkt_env *e)
{
	fk_ctx *ctx;
	fk_error err;
	/* A test terminal, created by its first administrator, who acts from then on. */
	fk_bootstrap b = {.admin = FKT_ADMIN, .bureau = "東京法務局", .display = "試験 管理者",
			  .mode = FK_MODE_TEST};
	ck_assert_ok(fk_terminal_create(e->config, &b, &ctx, &err), &err);
	return ctx;
}

fk_ctx *fkt_ctx_init_k0(fkt_env *e, uint8_t k0[FK_KEY_LEN])
{
	fk_ctx *ctx = fkt_ctx_init(e);
	ck_assert_int_eq(ctx->audit_k0_held, 1);
	memcpy(k0, ctx->audit_k0, FK_KEY_LEN);
	return ctx;
}

static struct {
	fk_vp_kind kind;
	int64_t seq;
} seen[64];
static int nseen;

static void note_problem(const fk_verify_problem *p, void *arg)
{
	(void)arg;
	if (getenv("FKT_VERBOSE"))
		fprintf(stderr, "  %s %lld: %s\n", p->info ? "note" : "PROBLEM", (long long)p->seq, p->msg);
	if (!p->info && nseen < (int)(sizeof seen / sizeof seen[0])) {
		seen[nseen].kind = p->kind;
		seen[nseen++].seq = p->seq;
	}
}

fk_verify_report fkt_verify(fk_ctx *ctx, const uint8_t k0[FK_KEY_LEN], const fk_checkpoint *kept)
{
	fk_error err;
	fk_verify_report rep;
	fk_verify_opts o = {.k0 = k0, .kept = kept, .skip_integrity = 1, .fn = note_problem};
	nseen = 0;
	ck_assert_ok(fk_audit_verify(ctx, &o, &rep, &err), &err);
	return rep;
}

int fkt_verify_saw(fk_vp_kind k, int64_t seq)
{
	for (int i = 0; i < nseen; i++)
		if (seen[i].kind == k && seen[i].seq == seq)
			return 1;
	return 0;
}

fk_ctx *fkt_ctx_open(fkt_env *e)
{
	fk_ctx *ctx;
	fk_error err;
	ck_assert_ok(fk_ctx_open(e->config, FK_CTX_OPEN, &ctx, &err), &err);
	fkt_act_as(ctx, FKT_ADMIN);
	return ctx;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fkt_env_cleanup(fkt_env *e)
{
	if (e->dir[0])
		nftw(e->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (e->pgdb[0])
		pg_env_cleanup(e);
	e->dir[0] = '\0';
}

json_t *fkt_register(const char *name, const char *reading, const char *honseki)
{
	json_error_t je;
	json_t *doc = json_pack_ex(&je, 0,
		"{s:s, s:{s:s, s:s}, s:[{s:s, s:s}], s:[{s:s, s:s, s:s, s:s, s:s, s:b, "
		"s:[{s:s, s:s, s:{s:s, s:s}}]}]}",
		"honseki", honseki, "hittosha", "name", name, "reading", reading,
		"jiko", "type", "編製", "date", "2001-04-01",
		"persons", "name", "太郎", "reading", "たろう", "birth", "1970-01-01",
		"relation", "長男", "spouse", "", "removed", 0,
		"events", "type", "出生", "date", "1970-01-01", "detail", "届出日", "1970-01-10",
		"届出人", "父");
	ck_assert_msg(doc != NULL, "%s", je.text);
	return doc;
}

int64_t fkt_enrol(fk_ctx *ctx, const char *user, fk_role role, const char *bureau)
{
	fk_error err;
	int64_t id;
	fk_actor saved = ctx->actor;
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_ok(fk_operator_add(ctx, user, role, bureau, NULL, &id, &err), &err);
	ctx->actor = saved;
	return id;
}

void fkt_grant(fk_ctx *ctx, const char *user, const char *muni, unsigned rights)
{
	fk_error err;
	int64_t id;
	fk_grant_spec g = {user, muni, FK_KINDS_ALL, rights, 0, 0, "test grant"};
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_grant_add(ctx, &g, &id, &err), &err);
}

void fkt_act_as(fk_ctx *ctx, const char *user)
{
	fk_error err;
	fk_operator op;
	ck_assert_ok(fk_operator_get(ctx, user ? user : FKT_ADMIN, &op, &err), &err);
	fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
}

void fkt_flip_byte(const char *path, long off, int mask)
{
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	int c = fgetc(f);
	ck_assert_int_ne(c, EOF);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	ck_assert_int_ne(fputc(c ^ mask, f), EOF);
	ck_assert_int_eq(fclose(f), 0);
}

int fkt_file_holds(const fkt_env *e, const char *name, const uint8_t *b, size_t n)
{
	char path[700];
	ck_assert_msg(!e->pgdb[0], "fkt_file_holds reads an SQLite file: the caller skips it on PostgreSQL");
	snprintf(path, sizeof path, "%s/db/%s", e->dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *all = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(all);
	ck_assert_uint_eq(fread(all, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	int found = 0;
	for (size_t i = 0; size > 0 && !found && i + 16 <= n; i++)
		found = memmem(all, (size_t)size, b + i, 16) != NULL;
	free(all);
	return found;
}

/* Whether text holds any w bytes of b (n) running, in clear or as lower-case hex. */
static int holds(const char *text, const uint8_t *b, size_t n, size_t w)
{
	char hex[2 * 64 + 1];
	for (size_t i = 0; i + w <= n; i++) {
		for (size_t j = 0; j < w; j++)
			snprintf(hex + 2 * j, 3, "%02x", b[i + j]);
		if (memmem(text, strlen(text), b + i, w) || strstr(text, hex))
			return 1;
	}
	return 0;
}

int fkt_pg_rows_hold(const fkt_env *e, const void *b, size_t n, size_t w)
{
	ck_assert_msg(e->pgdb[0], "fkt_pg_rows_hold reads a PostgreSQL database");
	w = w ? w : n;
	ck_assert(w <= 64 && w <= n);
	PGconn *c = pg_admin(e->pgdb);
	PGresult *t = PQexec(c, "SELECT quote_ident(relname) FROM pg_class WHERE relkind = 'r' "
				"AND relnamespace = 'public'::regnamespace");
	ck_assert_msg(PQresultStatus(t) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
	int found = 0;
	for (int i = 0; i < PQntuples(t); i++) {
		char sql[300];
		/* the row as text: bytea columns rendered as hex */
		snprintf(sql, sizeof sql, "SELECT x::text FROM %s x", PQgetvalue(t, i, 0));
		PGresult *r = PQexec(c, sql);
		ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
		for (int k = 0; k < PQntuples(r); k++)
			found += holds(PQgetvalue(r, k, 0), b, n, w);
		PQclear(r);
	}
	PQclear(t);
	PQfinish(c);
	return found;
}

char *fkt_pg_keep(const fkt_env *e, const char *query)
{
	char sql[1200], *row;
	size_t len = 0;
	char *all = NULL;
	FILE *f = open_memstream(&all, &len);
	ck_assert_ptr_nonnull(f);
	PGconn *c = pg_admin(e->pgdb);
	snprintf(sql, sizeof sql, "COPY (%s) TO STDOUT", query);
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COPY_OUT, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	int n;
	while ((n = PQgetCopyData(c, &row, 0)) > 0) {
		fwrite(row, 1, (size_t)n, f);
		PQfreemem(row);
	}
	ck_assert_int_eq(n, -1);
	r = PQgetResult(c);
	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
	ck_assert_int_eq(fclose(f), 0);
	return all;
}

void fkt_pg_put_back(const fkt_env *e, const char *pre, const char *table, const char *kept, int replica)
{
	char sql[300];
	PGconn *c = pg_admin(e->pgdb);
	pg_exec(c, "BEGIN");
	if (replica)
		pg_exec(c, "SET LOCAL session_replication_role = replica");
	pg_exec(c, pre);
	snprintf(sql, sizeof sql, "COPY %s FROM STDIN", table);
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COPY_IN, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	ck_assert_int_eq(PQputCopyData(c, kept, (int)strlen(kept)), 1);
	ck_assert_int_eq(PQputCopyEnd(c, NULL), 1);
	r = PQgetResult(c);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	pg_exec(c, "COMMIT");
	PQfinish(c);
}

int fkt_audit_count(fk_ctx *ctx, const char *action, const char *result, const char *reason)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db,
		"SELECT count(*) FROM audit_log WHERE action = ?1 AND (CAST(?2 AS TEXT) IS NULL OR result = ?2) "
		"AND (CAST(?3 AS TEXT) IS NULL OR reason = ?3)", 0, &st), SQLITE_OK);
	fk_sql_bind_text(st, 1, action, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, result, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int n = fk_sql_column_int(st, 0);
	fk_sql_finalize(st);
	return n;
}

int64_t fkt_scalar(fk_ctx *ctx, const char *sql)
{
	fk_stmt *st;
	ck_assert_msg(fk_sql_prepare(ctx->db, sql, 0, &st) == SQLITE_OK, "%s: %s", sql, fk_sql_errmsg(ctx->db));
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t v = fk_sql_column_int64(st, 0);
	fk_sql_finalize(st);
	return v;
}

const char *fkt_text(fk_ctx *ctx, const char *sql)
{
	static char buf[512];
	fk_stmt *st;
	ck_assert_msg(fk_sql_prepare(ctx->db, sql, 0, &st) == SQLITE_OK, "%s: %s", sql, fk_sql_errmsg(ctx->db));
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	const unsigned char *t = fk_sql_column_text(st, 0);
	snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "");
	fk_sql_finalize(st);
	return buf;
}

void fkt_exec_own(fk_ctx *ctx, const char *sql)
{
	ck_assert_msg(fk_sql_exec(ctx->db, sql) == SQLITE_OK, "%s: %s", sql, fk_sql_errmsg(ctx->db));
}

void fkt_municipality_move(fk_ctx *ctx, const char *code, const char *bureau)
{
	fk_error err;
	fk_stmt *st;
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	ck_assert_ok(fk_trust_unseal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(code), 0, &err), &err);
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "UPDATE municipality SET bureau_id = "
		"(SELECT id FROM bureau WHERE name = ?2) WHERE code = ?1", 0, &st), SQLITE_OK);
	fk_sql_bind_text(st, 1, code, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, bureau, -1, SQLITE_STATIC);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
	ck_assert_ok(fk_trust_seal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(code), &err), &err);
	ck_assert_ok(fk_audit(ctx, "test.move", "municipality", code, FK_RESULT_SUCCESS, "", NULL, &err), &err);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
}

/* The pinned schema's expected catalogue is built once per process (core/db/schema.c), and
 * Check forks a process per test: build it here, before the forks, on a throwaway terminal of
 * the same migrations, so that each test pays for its own terminal only (measured in
 * tests/units_pg.sh). What each test checks is unchanged. Outside a test nothing may assert:
 * on any failure this gives up and each test builds its own. */
static void pg_prime(void)
{
	char dir[512], conf[600], uri[1024], sql[200];
	const char *tmp = getenv("TMPDIR");
	PGconn *c = pg_admin_try(NULL);
	const char *at = strstr(pgc.conninfo, "/fk?");
	snprintf(dir, sizeof dir, "%s/fkt.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!c || !at || !mkdtemp(dir)) {
		PQfinish(c);
		return;
	}
	snprintf(uri, sizeof uri, "%.*s/fkt_prime_%ld%s", (int)(at - pgc.conninfo), pgc.conninfo,
		 (long)getpid(), at + 3);
	snprintf(sql, sizeof sql, "CREATE DATABASE fkt_prime_%ld OWNER terminal1", (long)getpid());
	snprintf(conf, sizeof conf, "%s/fukuhon.conf", dir);
	FILE *f = pg_exec_try(c, sql) ? fopen(conf, "w") : NULL;
	if (f) {
		fprintf(f, "database = %s\nkey_dir = keys\ndata_dir = %s\nterminal_id = prime\n"
			   "bureau = 東京法務局\n", uri, fkt_src("data"));
		fk_ctx *ctx = NULL;
		fk_error err;
		fk_bootstrap b = {.admin = FKT_ADMIN, .bureau = "東京法務局", .display = "試験 管理者",
				  .mode = FK_MODE_TEST};
		if (fclose(f) == 0 && chmod(conf, 0644) == 0 && fk_terminal_create(conf, &b, &ctx, &err) == FK_OK)
			fk_ctx_close(ctx);
		else
			fprintf(stderr, "priming the expected schema: %s\n", ctx ? "" : err.msg);
		snprintf(sql, sizeof sql, "DROP DATABASE fkt_prime_%ld WITH (FORCE)", (long)getpid());
		pg_exec_try(c, sql);
	}
	PQfinish(c);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fkt_run(Suite *s)
{
	if (fkt_pg())
		pg_prime();
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The store's writes are internal: every change that commits is on record (core/trust), so
 * the tests write as an operation would, with a record in the same transaction. */
static fk_status recorded(fk_ctx *ctx, fk_status s, const char *what, fk_error *err)
{
	if (s == FK_OK)
		s = fk_audit(ctx, "test.write", "test", what, FK_RESULT_SUCCESS, "", NULL, err);
	return fk_ctx_end(ctx, s, err);
}

fk_status fkt_store_add(fk_ctx *ctx, const char *muni, fk_reg_kind kind, const json_t *doc,
			const char *by, int64_t at, int64_t *id, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	return s == FK_OK ? recorded(ctx, fk_store_add(ctx, muni, kind, doc, by, at, id, err), "register", err) : s;
}

fk_status fkt_store_update(fk_ctx *ctx, int64_t id, fk_reg_kind kind, const json_t *doc,
			   const char *by, int64_t at, int *version, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	return s == FK_OK ? recorded(ctx, fk_store_update(ctx, id, kind, doc, by, at, version, err),
				     "register", err) : s;
}

fk_status fkt_ledger_add(fk_ctx *ctx, const char *muni, const char *day, const json_t *p,
			 int64_t at, int64_t *id, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	return s == FK_OK ? recorded(ctx, fk_ledger_add(ctx, muni, day, p, at, id, err), "ledger", err) : s;
}

fk_status fkt_doc_add(fk_ctx *ctx, const char *muni, const char *type, int64_t reg, const json_t *p,
		      int64_t at, int64_t *id, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	return s == FK_OK ? recorded(ctx, fk_doc_add(ctx, muni, type, reg, p, at, id, err), "doc", err) : s;
}

/* The attacker's SQL in PostgreSQL's words where only the literals differ: SQLite's blob
 * X'ABCD' is '\xABCD'::bytea, zeroblob(N) is N zero bytes (malloc'ed). */
static char *pg_literals(const char *sql)
{
	size_t len = strlen(sql), o = 0;
	char *out = malloc(4 * len + 1);
	ck_assert_ptr_nonnull(out);
	for (const char *p = sql; *p;) {
		int word_start = p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		if (word_start && (*p == 'X' || *p == 'x') && p[1] == '\'') {
			const char *end = strchr(p + 2, '\'');
			ck_assert_ptr_nonnull(end);
			o += (size_t)sprintf(out + o, "'\\x%.*s'::bytea", (int)(end - p - 2), p + 2);
			p = end + 1;
		} else if (word_start && strncmp(p, "zeroblob(", 9) == 0) {
			char *end;
			long n = strtol(p + 9, &end, 10);
			ck_assert(*end == ')');
			o += (size_t)sprintf(out + o, "decode(repeat('00', %ld), 'hex')", n);
			p = end + 1;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

void fkt_outside(const fkt_env *e, const char *sql)
{
	char path[700];
	sqlite3 *db;
	if (e->pgdb[0]) {
		char *pg = pg_literals(sql);
		PGconn *c = pg_admin(e->pgdb);
		pg_exec(c, pg);
		PQfinish(c);
		free(pg);
		return;
	}
	snprintf(path, sizeof path, "%s/db/fukuhon.db", e->dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* PostgreSQL's trigger is a row of pg_trigger naming a function: both are dropped (the
 * function only when no other trigger runs it) and re-created from the server's own renderings
 * of them, so the catalogue the pinned schema reads holds the same definitions afterwards. */
static void pg_past_trigger(const fkt_env *e, const char *trigger, const char *sql)
{
	PGconn *c = pg_admin(e->pgdb);
	const char *param[1] = {trigger};
	pg_exec(c, "BEGIN");
	PGresult *r = PQexecParams(c, "SELECT pg_get_triggerdef(g.oid), pg_get_functiondef(g.tgfoid), "
		"format('DROP TRIGGER %I ON %s', g.tgname, g.tgrelid::regclass), "
		"format('DROP FUNCTION %s', g.tgfoid::regprocedure), "
		"(SELECT count(*) FROM pg_trigger o WHERE o.tgfoid = g.tgfoid) "
		"FROM pg_trigger g WHERE g.tgname = $1 AND NOT g.tgisinternal", 1, NULL, param, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "trigger %s: %s", trigger,
		      PQerrorMessage(c));
	char *create = strdup(PQgetvalue(r, 0, 0)), *fn = strdup(PQgetvalue(r, 0, 1));
	char *drop = strdup(PQgetvalue(r, 0, 2)), *dropfn = strdup(PQgetvalue(r, 0, 3));
	int alone = strcmp(PQgetvalue(r, 0, 4), "1") == 0;
	PQclear(r);
	ck_assert(create && fn && drop && dropfn);
	pg_exec(c, drop);
	if (alone)
		pg_exec(c, dropfn);
	pg_exec(c, sql);
	if (alone)
		pg_exec(c, fn);
	pg_exec(c, create);
	pg_exec(c, "COMMIT");
	free(create);
	free(fn);
	free(drop);
	free(dropfn);
	PQfinish(c);
}

void fkt_outside_past_trigger(const fkt_env *e, const char *trigger, const char *sql)
{
	char path[700], drop[200];
	sqlite3 *db;
	sqlite3_stmt *st;
	if (e->pgdb[0]) {
		pg_past_trigger(e, trigger, sql);
		return;
	}
	snprintf(path, sizeof path, "%s/db/fukuhon.db", e->dir);
	snprintf(drop, sizeof drop, "DROP TRIGGER \"%s\"", trigger);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT sql FROM main.sqlite_schema WHERE type = 'trigger' "
					    "AND name = ?1", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_bind_text(st, 1, trigger, -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	char *create = strdup((const char *)sqlite3_column_text(st, 0));
	ck_assert_ptr_nonnull(create);
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_exec(db, drop, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, create, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	free(create);
	sqlite3_close(db);
}

int fkt_pg_outside_bound(const fkt_env *e, const char *sql, int n, const fkt_arg *a)
{
	ck_assert_msg(e->pgdb[0], "fkt_pg_outside_bound writes a PostgreSQL database");
	ck_assert(n >= 0 && n <= 8);
	if (!forger.c || strcmp(forger.db, e->pgdb) != 0) {
		forger_close();
		forger.c = pg_admin(e->pgdb);
		snprintf(forger.db, sizeof forger.db, "%s", e->pgdb);
		pg_exec(forger.c, "SET session_replication_role = replica");
	}
	/* SQLite's ?N is PostgreSQL's $N */
	char *pg = strdup(sql);
	ck_assert_ptr_nonnull(pg);
	for (char *p = pg; *p; p++)
		if (*p == '?')
			*p = '$';
	char num[8][24];
	const char *val[8];
	int len[8], fmt[8];
	for (int i = 0; i < n; i++) {
		if (a[i].type == 'i') {
			snprintf(num[i], sizeof num[i], "%lld", (long long)a[i].i);
			val[i] = num[i];
			len[i] = 0;
			fmt[i] = 0;
		} else {
			/* bytes as they are: text and bytea in the binary format */
			val[i] = a[i].p ? a[i].p : "";
			len[i] = a[i].n;
			fmt[i] = 1;
		}
	}
	PGresult *r = PQexecParams(forger.c, pg, n, NULL, val, len, fmt, 0);
	ExecStatusType rs = PQresultStatus(r);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	/* 22: data exception (an invalid byte sequence); 23514: a CHECK constraint */
	int refused = rs == PGRES_FATAL_ERROR && state && (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0);
	ck_assert_msg(rs == PGRES_COMMAND_OK || refused, "%s: %s", pg, PQerrorMessage(forger.c));
	PQclear(r);
	free(pg);
	return !refused;
}
