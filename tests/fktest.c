/* Test helpers: a throw-away terminal (config, keys, database) in a temporary folder. */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
}

fk_ctx *fkt_ctx_init(fkt_env *e)
{
	fk_ctx *ctx;
	fk_error err;
	int nb, nm;
	ck_assert_ok(fk_ctx_open(e->config, FK_CTX_INIT, &ctx, &err), &err);
	ck_assert_ok(fk_refdata_load(ctx, ctx->cfg.data_dir, &nb, &nm, &err), &err);
	return ctx;
}

fk_ctx *fkt_ctx_open(fkt_env *e)
{
	fk_ctx *ctx;
	fk_error err;
	ck_assert_ok(fk_ctx_open(e->config, FK_CTX_OPEN, &ctx, &err), &err);
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

int64_t fkt_scalar(fk_ctx *ctx, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(ctx->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int fkt_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
