/* Unit tests: the index key's check value binds index.key to this terminal's search index (R-KEYS, R-DETECT). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fktest.h"

static fkt_env env;
static uint8_t k0[FK_KEY_LEN];
static fk_error err;

static void setup(void)
{
	fkt_env_init(&env, NULL);
}

static void teardown(void)
{
	fkt_env_cleanup(&env);
}

static const char *path(const char *rel)
{
	static char p[2][800];
	static int i;
	i ^= 1;
	snprintf(p[i], sizeof p[i], "%s/%s", env.dir, rel);
	return p[i];
}

/* What an attacker does with the sqlite3 command line: a connection of its own. */
static void tamper(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	if (fkt_pg()) { /* the server's administrator, through libpq */
		fkt_outside(&env, sql);
		return;
	}
	ck_assert_int_eq(sqlite3_open_v2(path("db/fukuhon.db"), &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static void copy_file(const char *from, const char *to)
{
	char buf[256];
	FILE *in = fopen(from, "rb");
	ck_assert_ptr_nonnull(in);
	size_t n = fread(buf, 1, sizeof buf, in);
	ck_assert_int_eq(fclose(in), 0);
	/* Into an existing file: same inode, mode 0600 and owner, one link. */
	FILE *out = fopen(to, "r+b");
	if (!out)
		out = fopen(to, "wb");
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	ck_assert_int_eq(fclose(out), 0);
}

/* index.key replaced by another valid key file, of a key folder made for another terminal;
 * the right one is kept in index.key.good (outside the key folder). */
static void swap_index_key(void)
{
	ck_assert_ok(fk_keys_create(path("other-keys"), &err), &err);
	copy_file(path("keys/index.key"), path("index.key.good"));
	copy_file(path("other-keys/index.key"), path("keys/index.key"));
}

static void restore_index_key(void)
{
	copy_file(path("index.key.good"), path("keys/index.key"));
}

static fk_status open_as(int flags, fk_ctx **ctx)
{
	*ctx = NULL;
	fk_error_clear(&err);
	return fk_ctx_open(env.config, flags, ctx, &err);
}

static fk_status reopen(void)
{
	fk_ctx *ctx;
	fk_status s = open_as(FK_CTX_OPEN, &ctx);
	fk_ctx_close(ctx);
	return s;
}

/* Whatever else holds, another index key is refused, naming it. */
static void refused_with_other_key(void)
{
	swap_index_key();
	ck_assert_int_eq(reopen(), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "index.key"));
}

static void add_registers(fk_ctx *ctx, int n)
{
	for (int i = 0; i < n; i++) {
		json_t *doc = fkt_register("山田 太郎", "やまだ たろう", "東京都千代田区千代田一番");
		int64_t id;
		ck_assert_ok(fkt_store_add(ctx, "131016", FK_KIND_KOSEKI, doc, "test", fk_now_ns(), &id, &err),
			     &err);
		json_decref(doc);
	}
}

START_TEST(untouched_terminal_opens_and_verifies)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	char hex[80];
	ck_assert_ok(fk_meta_get(ctx, FK_META_INDEX_CHECK, hex, sizeof hex, &err), &err);
	ck_assert_uint_eq(strlen(hex), 2 * FK_MAC_LEN);
	/* The value is the keyed one: HMAC(index key, label || terminal id). */
	uint8_t want[FK_MAC_LEN];
	char want_hex[2 * FK_MAC_LEN + 1];
	ck_assert_ok(fk_indexkey_value(fk_keys_index(ctx->keys), "test-terminal", want, &err), &err);
	fk_hex(want, sizeof want, want_hex);
	ck_assert_str_eq(hex, want_hex);
	ck_assert_ok(fk_indexkey_check(ctx, &err), &err);
	fk_ctx_close(ctx);
	ck_assert_int_eq(reopen(), FK_OK);
	ctx = fkt_ctx_open(&env);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "index-key.adopt", NULL, NULL), 0);
	fk_ctx_close(ctx);
	refused_with_other_key();
}
END_TEST

START_TEST(value_depends_on_key_and_terminal)
{
	uint8_t a[FK_KEY_LEN] = {1}, b[FK_KEY_LEN] = {2}, v1[FK_MAC_LEN], v2[FK_MAC_LEN], v3[FK_MAC_LEN];
	ck_assert_ok(fk_indexkey_value(a, "t1", v1, &err), &err);
	ck_assert_ok(fk_indexkey_value(b, "t1", v2, &err), &err);
	ck_assert_ok(fk_indexkey_value(a, "t2", v3, &err), &err);
	ck_assert_int_ne(memcmp(v1, v2, FK_MAC_LEN), 0);
	ck_assert_int_ne(memcmp(v1, v3, FK_MAC_LEN), 0);
	/* An id too long to check whole is refused, not checked by a prefix. */
	char id[300];
	memset(id, 'x', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	ck_assert_int_eq(fk_indexkey_value(a, id, v1, &err), FK_ERR_INVALID);
}
END_TEST

START_TEST(replaced_index_key_is_refused)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	add_registers(ctx, 2);
	int64_t records = fkt_scalar(ctx, "SELECT count(*) FROM audit_log");
	fk_ctx_close(ctx);
	swap_index_key();
	/* Refused at open, naming index.key, with nothing written. */
	ck_assert_int_eq(reopen(), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "index.key is not the key this terminal's search index was built with"));
	ck_assert_ptr_nonnull(strstr(err.msg, "restore the key folder"));
	/* A diagnosis opens it for verification only, and verify reports it. */
	ck_assert_int_eq(open_as(FK_CTX_DIAGNOSE, &ctx), FK_OK);
	ck_assert_ptr_nonnull(fk_trust_broken(ctx));
	ck_assert_ptr_nonnull(strstr(fk_trust_broken(ctx), "index.key"));
	ck_assert_int_ne(fk_audit_start(ctx, "test", &err), FK_OK); /* nothing is written */
	ck_assert_ptr_nonnull(strstr(err.msg, "index.key"));
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 1);
	ck_assert(fkt_verify_saw(FK_VP_INDEX_KEY, 0));
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log"), records);
	fk_ctx_close(ctx);
	/* The right key back: it opens again. */
	restore_index_key();
	ck_assert_int_eq(reopen(), FK_OK);
}
END_TEST

START_TEST(deleted_check_value_is_refused)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_ctx_close(ctx);
	/* Removing the row to pass for a terminal from before the check: the meta table no longer
	 * adds up to its anchored digest, so the database fails its check before any adoption. */
	tamper("DELETE FROM meta WHERE key = 'index_key_check'");
	ck_assert_int_eq(reopen(), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "meta"));
	ck_assert_int_eq(reopen(), FK_ERR_TAMPER);
	/* A diagnosis does not write it again either, and says the meta row went. */
	ck_assert_int_eq(open_as(FK_CTX_DIAGNOSE, &ctx), FK_OK);
	ck_assert_ptr_nonnull(fk_trust_broken(ctx));
	ck_assert_int_eq(fk_indexkey_check(ctx, &err), FK_ERR_NOTFOUND);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_gt(r.problems, 0);
	ck_assert(!fkt_verify_saw(FK_VP_INDEX_KEY, 0)); /* a note: the meta table's problem says why */
	ck_assert_int_eq(fkt_audit_count(ctx, "index-key.adopt", NULL, NULL), 0);
	fk_ctx_close(ctx);
	/* With the other key too, it stays refused. */
	swap_index_key();
	ck_assert_int_eq(reopen(), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "meta"));
}
END_TEST

START_TEST(altered_check_value_is_refused)
{
	fk_ctx *ctx = fkt_ctx_init(&env);
	fk_ctx_close(ctx);
	swap_index_key();
	/* The value the swapped-in key would have: right for the key, but the row's MAC is not. */
	uint8_t other[FK_KEY_LEN] = {0}, v[FK_MAC_LEN];
	fk_keyring *kr;
	ck_assert_ok(fk_keys_open(path("other-keys"), &kr, &err), &err);
	memcpy(other, fk_keys_index(kr), FK_KEY_LEN);
	fk_keys_close(kr);
	ck_assert_ok(fk_indexkey_value(other, "test-terminal", v, &err), &err);
	char hex[2 * FK_MAC_LEN + 1], sql[300];
	fk_hex(v, sizeof v, hex);
	snprintf(sql, sizeof sql, "UPDATE meta SET value = '%s' WHERE key = 'index_key_check'", hex);
	tamper(sql);
	ck_assert_int_eq(reopen(), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "index_key_check does not match its MAC"));
}
END_TEST

/* A terminal from before the check (made here from one from before the trust base: its meta
 * row gone, the trust key and anchor too, so that the rows are adopted as found). */
static void make_older(void)
{
	tamper("DELETE FROM meta WHERE key = 'index_key_check'");
	ck_assert_int_eq(unlink(path("keys/trust.key")), 0);
	ck_assert_int_eq(unlink(path("keys/trust.anchor")), 0);
}

START_TEST(older_terminal_is_adopted_on_record)
{
	if (fkt_skip_on_pg("a terminal from before the index key's check", "no PostgreSQL store "
			   "predates it, and a shared store's key folder without its trust key is refused "
			   "(tests/test_audit.c)"))
		return;
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	add_registers(ctx, 3);
	fk_ctx_close(ctx);
	make_older();
	ctx = fkt_ctx_open(&env);
	ck_assert_int_eq(fkt_audit_count(ctx, "trust.adopt", NULL, NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "index-key.adopt", "success", NULL), 1);
	ck_assert_ok(fk_indexkey_check(ctx, &err), &err);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	fk_ctx_close(ctx);
	/* Once: the next open finds it and checks it. */
	ctx = fkt_ctx_open(&env);
	ck_assert_int_eq(fkt_audit_count(ctx, "index-key.adopt", NULL, NULL), 1);
	fk_ctx_close(ctx);
	refused_with_other_key();
}
END_TEST

START_TEST(older_terminal_with_wrong_key_is_not_adopted)
{
	if (fkt_skip_on_pg("a terminal from before the index key's check", "no PostgreSQL store "
			   "predates it, and a shared store's key folder without its trust key is refused "
			   "(tests/test_audit.c)"))
		return;
	fk_ctx *ctx = fkt_ctx_init(&env);
	add_registers(ctx, 3);
	fk_ctx_close(ctx);
	make_older();
	swap_index_key();
	/* Tried on the search index, the key finds none of the registers' tags. */
	ck_assert_int_eq(reopen(), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "index.key is not the key"));
	restore_index_key();
	ctx = fkt_ctx_open(&env);
	ck_assert_int_eq(fkt_audit_count(ctx, "index-key.adopt", "success", NULL), 1);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(reload_refuses_another_index_key)
{
	fk_ctx *ctx = fkt_ctx_init(&env);
	swap_index_key();
	uint8_t before[FK_KEY_LEN];
	memcpy(before, fk_keys_index(ctx->keys), FK_KEY_LEN);
	ck_assert_int_eq(fk_keys_reload(ctx->keys, &err), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "index.key"));
	ck_assert_int_eq(memcmp(before, fk_keys_index(ctx->keys), FK_KEY_LEN), 0);
	restore_index_key();
	ck_assert_ok(fk_keys_reload(ctx->keys, &err), &err);
	fk_ctx_close(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("indexkey");
	TCase *tc = tcase_create("check value");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, untouched_terminal_opens_and_verifies);
	tcase_add_test(tc, value_depends_on_key_and_terminal);
	tcase_add_test(tc, replaced_index_key_is_refused);
	tcase_add_test(tc, deleted_check_value_is_refused);
	tcase_add_test(tc, altered_check_value_is_refused);
	tcase_add_test(tc, older_terminal_is_adopted_on_record);
	tcase_add_test(tc, older_terminal_with_wrong_key_is_not_adopted);
	tcase_add_test(tc, reload_refuses_another_index_key);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
