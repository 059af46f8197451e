/* Unit tests of the sort orders' insides (static functions, so the source is included): every
 * successful lookup of a stored register's sort key hands back a key. R-CURRENT. */
#include "config.h"

#include <string.h>

#include "fktest.h"
#include "order.c"

START_TEST(stored_key_is_set_on_every_success)
{
	fkt_env env;
	fk_error err;
	fkt_env_init(&env, NULL);
	fk_ctx *ctx = fkt_ctx_init(&env);
	json_t *doc = fkt_register("甲 乙", "こう おつ", "東京都千代田区平河町一丁目1番地");
	int64_t id;
	ck_assert_ok(fkt_store_add(ctx, "131016", FK_KIND_KOSEKI, doc, "test", fk_now_ns(), &id, &err), &err);
	char sentinel[] = "unset", *k = sentinel, *want = NULL;
	for (int f = FK_ORDER_HONSEKI; f <= FK_ORDER_READING; f++) {
		ck_assert_ok(stored_key(ctx, id, (fk_order_field)f, &k, &err), &err);
		ck_assert_ok(fk_order_key(doc, (fk_order_field)f, &want, &err), &err);
		ck_assert_str_eq(k, want);
		free(k);
		free(want);
	}
	/* an unreadable register sorts with an empty key, still a key */
	k = sentinel;
	ck_assert_ok(stored_key(ctx, id + 1000, FK_ORDER_READING, &k, &err), &err);
	ck_assert_str_eq(k, "");
	free(k);
	/* a field without a stored key fails, and says so in *key too */
	const int no_key[] = {FK_ORDER_ID, FK_ORDER_FIELDS + 1, -1};
	for (size_t i = 0; i < FK_ARRAY_LEN(no_key); i++) {
		k = sentinel;
		ck_assert_int_eq(stored_key(ctx, id, (fk_order_field)no_key[i], &k, &err), FK_ERR_INTERNAL);
		ck_assert_ptr_null(k);
	}
	json_decref(doc);
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}
END_TEST

/* A list out of step with its registers' keys (written so by hand here; a register changed
 * behind the list's back looks the same): the position is not where the key says, and every
 * register is still found by the scan of every chunk. */
START_TEST(position_out_of_step)
{
	fkt_env env;
	fk_error err;
	fkt_env_init(&env, NULL);
	fk_ctx *ctx = fkt_ctx_init(&env);
	int n = FK_ORDER_CHUNK * 2 + 9;
	int64_t *ids = malloc((size_t)n * sizeof *ids);
	ck_assert_ptr_nonnull(ids);
	char r[64];
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	for (int i = 0; i < n; i++) {
		snprintf(r, sizeof r, "あ%04d", i);
		json_t *doc = fkt_register("甲 乙", r, "東京都千代田区平河町一丁目1番地");
		ck_assert_ok(fkt_store_add(ctx, "131016", FK_KIND_KOSEKI, doc, "test", fk_now_ns(), &ids[i], &err), &err);
		json_decref(doc);
	}
	/* the reading list written backwards: the last reading first */
	for (int i = 0; i < n / 2; i++) {
		int64_t t = ids[i];
		ids[i] = ids[n - 1 - i];
		ids[n - 1 - i] = t;
	}
	list_ref l = {"131016", 1, FK_ORDER_READING, 0};
	uint8_t key[FK_KEY_LEN];
	ck_assert_ok(muni_key(ctx, "131016", key, &err), &err);
	ck_assert_ok(write_list(ctx, &l, key, ids, (size_t)n, &err), &err);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	for (int i = 0; i < n; i += 5) {
		int64_t idx = -1;
		ck_assert_ok(fk_order_position(ctx, "131016", 1, FK_ORDER_READING, ids[i], &idx, &err), &err);
		ck_assert_int_eq(idx, i);
	}
	fk_wipe(key, sizeof key);
	free(ids);
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("order-internal");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, stored_key_is_set_on_every_success);
	tcase_add_test(tc, position_out_of_step);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
