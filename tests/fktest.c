/* Test helpers: a throw-away terminal (config, keys, database) in a temporary folder. */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"

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
	fprintf(f, "# test terminal\ndatabase = db/fukuhon.db\nkey_dir = keys\ndata_dir = %s\n"
		   "terminal_id = test-terminal\nbureau = 東京法務局\n%s\n",
		data, extra ? extra : "");
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

int fkt_file_holds(const fkt_env *e, const char *name, const uint8_t *b, size_t n)
{
	char path[700];
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

int fkt_audit_count(fk_ctx *ctx, const char *action, const char *result, const char *reason)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db,
		"SELECT count(*) FROM audit_log WHERE action = ?1 AND (?2 IS NULL OR result = ?2) "
		"AND (?3 IS NULL OR reason = ?3)", 0, &st), SQLITE_OK);
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
	ck_assert_int_eq(fk_sql_prepare(ctx->db, sql, 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t v = fk_sql_column_int64(st, 0);
	fk_sql_finalize(st);
	return v;
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

int fkt_run(Suite *s)
{
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

void fkt_outside(const fkt_env *e, const char *sql)
{
	char path[700];
	sqlite3 *db;
	snprintf(path, sizeof path, "%s/db/fukuhon.db", e->dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

void fkt_outside_past_trigger(const fkt_env *e, const char *trigger, const char *sql)
{
	char path[700], drop[200];
	sqlite3 *db;
	sqlite3_stmt *st;
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
