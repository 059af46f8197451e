/* Unit tests: master-key rotation while another process keeps working (R-KEYS). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"

static fkt_env env;

static int64_t add(fk_ctx *ctx, const char *name, const char *reading)
{
	fk_error err;
	json_t *doc = fkt_register(name, reading, "一番地");
	int64_t id;
	ck_assert_ok(fkt_store_add(ctx, "131016", FK_KIND_KOSEKI, doc, "t", 1, &id, &err), &err);
	json_decref(doc);
	return id;
}

static void read_ok(fk_ctx *ctx, int64_t id, const char *name)
{
	fk_error err;
	json_t *doc;
	ck_assert_ok(fk_store_read(ctx, id, 0, &doc, NULL, &err), &err);
	ck_assert_str_eq(fk_register_head_name(doc), name);
	json_decref(doc);
}

static int key_file_exists(unsigned id)
{
	char p[800];
	struct stat sb;
	snprintf(p, sizeof p, "%s/keys/master-%08u.key", env.dir, id);
	return stat(p, &sb) == 0;
}

START_TEST(rotation_rewraps_everything)
{
	fkt_env_init(&env, NULL);
	fk_ctx *admin = fkt_ctx_init(&env);
	fk_ctx *other = fkt_ctx_open(&env); /* a terminal already running */
	fk_error err;
	int64_t ids[25];
	for (int i = 0; i < 25; i++)
		ids[i] = add(admin, "山田 太郎", "やまだ たろう");
	int64_t n;
	uint32_t id;
	ck_assert_ok(fk_key_rotate(admin, 7, &n, &id, &err), &err);
	ck_assert_int_eq(id, 2);
	ck_assert_int_eq(n, 27); /* 25 registers, the municipality (its sort order) and the terminal's own key */
	ck_assert_int_eq(key_file_exists(1), 0);
	ck_assert_int_eq(key_file_exists(2), 1);
	int64_t pending;
	ck_assert_ok(fk_key_pending(admin, &pending, &err), &err);
	ck_assert_int_eq(pending, 0);
	for (int i = 0; i < 25; i++)
		read_ok(admin, ids[i], "山田 太郎");
	/* The running process holds only master key 1: it follows the rotation,
	 * reading old rows and wrapping new keys under key 2. */
	read_ok(other, ids[3], "山田 太郎");
	int64_t fresh = add(other, "佐藤 花子", "さとう はなこ");
	read_ok(admin, fresh, "佐藤 花子");
	ck_assert_ok(fk_key_pending(admin, &pending, &err), &err);
	ck_assert_int_eq(pending, 0);
	/* Twice in a row works too. */
	ck_assert_ok(fk_key_rotate(admin, 1000, &n, &id, &err), &err);
	ck_assert_int_eq(id, 3);
	read_ok(other, fresh, "佐藤 花子");
	fk_ctx_close(other);
	fk_ctx_close(admin);
	fk_ctx *again = fkt_ctx_open(&env);
	read_ok(again, ids[0], "山田 太郎");
	fk_ctx_close(again);
	fkt_env_cleanup(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rotate");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rotation_rewraps_everything);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
