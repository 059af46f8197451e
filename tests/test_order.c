/* Unit tests: the sealed sort orders of the register lists (本籍, 筆頭者 reading): the
 * collation, upkeep on add / new version / kind change, chunk splits, the bulk load,
 * out-of-step detection and reindex, tampering. R-CURRENT, R-ATREST. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktest.h"
#include "order.h"

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	ctx = NULL;
	fkt_env_cleanup(&env);
}

static char *key_of(const char *name, const char *reading, const char *honseki, fk_order_field f)
{
	json_t *doc = fkt_register(name, reading, honseki);
	char *k = NULL;
	ck_assert_ok(fk_order_key(doc, f, &k, &err), &err);
	json_decref(doc);
	return k;
}

/* a sorts strictly before b. */
static void before(const char *ra, const char *ha, const char *rb, const char *hb, fk_order_field f)
{
	char *a = key_of("甲 乙", ra, ha, f), *b = key_of("甲 乙", rb, hb, f);
	ck_assert_msg(strcmp(a, b) < 0, "%s/%s should sort before %s/%s", ra, ha, rb, hb);
	free(a);
	free(b);
}

START_TEST(collation_reading)
{
	/* 清音 first (JIS X 4061): がき before かわ, as a dictionary has it. */
	before("がき たろう", "", "かわ たろう", "", FK_ORDER_READING);
	before("かき たろう", "", "がき たろう", "", FK_ORDER_READING);
	/* Small kana as their full size first: きつね before きっぷ, ふあい before ふぁん. */
	before("きつね", "", "きっぷ", "", FK_ORDER_READING);
	before("ふあい", "", "ふぁん", "", FK_ORDER_READING);
	/* Surname first: やま だいすけ before やまだ たろう. */
	before("やま だいすけ", "", "やまだ たろう", "", FK_ORDER_READING);
	/* Characters outside the kana pass through whole, even beyond the BMP. */
	char *x = key_of("𩸽田 太郎", "𩸽だ たろう", "", FK_ORDER_READING);
	ck_assert_int_eq(strncmp(x, "𩸽た\x02たろう\x01𩸽だ", strlen("𩸽た\x02たろう\x01𩸽だ")), 0);
	free(x);
	/* Katakana, half-width and hiragana readings sort as one. */
	char *a = key_of("山田 太郎", "ヤマダ タロウ", "", FK_ORDER_READING);
	char *b = key_of("山田 太郎", "やまだ　たろう", "", FK_ORDER_READING);
	char *c = key_of("山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "", FK_ORDER_READING);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(collation_honseki)
{
	/* Numbers by value: 番地 in digits (either width), 丁目 in kanji. */
	before("", "東京都千代田区平河町一丁目2番地", "", "東京都千代田区平河町一丁目10番地", FK_ORDER_HONSEKI);
	before("", "東京都千代田区平河町一丁目１０番地", "", "東京都千代田区平河町一丁目11番地", FK_ORDER_HONSEKI);
	before("", "東京都千代田区平河町二丁目1番地", "", "東京都千代田区平河町十丁目1番地", FK_ORDER_HONSEKI);
	before("", "東京都千代田区平河町九丁目1番地", "", "東京都千代田区平河町二十三丁目1番地", FK_ORDER_HONSEKI);
	/* Place names made of numerals stay text (千代田 is not a thousand). */
	char *k = key_of("甲 乙", "こう", "東京都千代田区九段北一丁目1番地", FK_ORDER_HONSEKI);
	ck_assert_ptr_nonnull(strstr(k, "千代田区九段北"));
	free(k);
	/* The same 本籍: then by reading. */
	before("あべ", "東京都千代田区一番町1番地", "いとう", "東京都千代田区一番町1番地", FK_ORDER_HONSEKI);
}
END_TEST

static int64_t add(const char *muni, int kind, const char *name, const char *reading, const char *honseki)
{
	json_t *doc = fkt_register(name, reading, honseki);
	int64_t id;
	ck_assert_ok(fkt_store_add(ctx, muni, (fk_reg_kind)kind, doc, "test", fk_now_ns(), &id, &err), &err);
	json_decref(doc);
	return id;
}

/* The whole list, checked to be in step, complete and in key order. */
static int64_t check_list(const char *muni, int kind, fk_order_field f)
{
	int64_t total, got = 0, ids[64];
	int n;
	ck_assert_ok(fk_order_check(ctx, muni, kind, f, &total, &err), &err);
	char *prev = NULL;
	int64_t prev_id = 0;
	do {
		ck_assert_ok(fk_order_page(ctx, muni, kind, f, got, 64, ids, &n, &err), &err);
		for (int i = 0; i < n; i++) {
			json_t *doc;
			fk_reg_info info;
			char *k;
			ck_assert_ok(fk_store_read(ctx, ids[i], 0, &doc, &info, &err), &err);
			ck_assert_str_eq(info.municipality, muni);
			ck_assert_int_eq(info.kind, kind);
			ck_assert_ok(fk_order_key(doc, f, &k, &err), &err);
			json_decref(doc);
			if (prev) {
				int c = strcmp(prev, k);
				ck_assert_msg(c < 0 || (c == 0 && prev_id < ids[i]), "list out of order at %lld",
					      (long long)(got + i));
			}
			free(prev);
			prev = k;
			prev_id = ids[i];
		}
		got += n;
	} while (n > 0);
	free(prev);
	ck_assert_int_eq(got, total);
	return total;
}

static const char *const readings[] = {"たなか", "すずき", "さとう", "がとう", "かとう", "あべ", "わたなべ",
				       "いとう", "やまだ", "やま", "ばば", "はば", "ぱぱ", "おの"};

START_TEST(upkeep_add_update_kind)
{
	char r[64], h[128];
	int64_t ids[40];
	for (int i = 0; i < 40; i++) {
		snprintf(r, sizeof r, "%s %s", readings[i % 14], readings[(i * 7) % 14]);
		snprintf(h, sizeof h, "東京都千代田区平河町%s丁目%d番地", i % 3 ? "二" : "十", 40 - i);
		ids[i] = add("131016", 1, "甲 乙", r, h);
	}
	ck_assert_int_eq(check_list("131016", 1, FK_ORDER_READING), 40);
	ck_assert_int_eq(check_list("131016", 1, FK_ORDER_HONSEKI), 40);
	/* The first by reading is an あべ. */
	int64_t first[1];
	int n;
	ck_assert_ok(fk_order_page(ctx, "131016", 1, FK_ORDER_READING, 0, 1, first, &n, &err), &err);
	json_t *doc;
	ck_assert_ok(fk_store_read(ctx, first[0], 0, &doc, NULL, &err), &err);
	ck_assert_str_eq(fk_register_head_reading(doc), "あべ いとう");
	json_decref(doc);

	/* A new version with another reading moves the register. */
	json_t *nd = fkt_register("甲 乙", "ああ あ", "東京都千代田区平河町一丁目1番地");
	int version;
	ck_assert_ok(fkt_store_update(ctx, ids[20], FK_KIND_KOSEKI, nd, "test", fk_now_ns(), &version, &err), &err);
	int64_t idx;
	ck_assert_ok(fk_order_position(ctx, "131016", 1, FK_ORDER_READING, ids[20], &idx, &err), &err);
	ck_assert_int_eq(idx, 0);
	ck_assert_ok(fk_order_position(ctx, "131016", 1, FK_ORDER_HONSEKI, ids[20], &idx, &err), &err);
	ck_assert_int_eq(idx, 0);
	check_list("131016", 1, FK_ORDER_READING);
	/* Becoming a 除籍 moves it to the other list. */
	ck_assert_ok(fkt_store_update(ctx, ids[20], FK_KIND_JOSEKI, nd, "test", fk_now_ns(), &version, &err), &err);
	json_decref(nd);
	ck_assert_int_eq(check_list("131016", 1, FK_ORDER_READING), 39);
	ck_assert_int_eq(check_list("131016", 1, FK_ORDER_HONSEKI), 39);
	ck_assert_int_eq(check_list("131016", 2, FK_ORDER_READING), 1);
	ck_assert_int_eq(fk_order_position(ctx, "131016", 1, FK_ORDER_READING, ids[20], &idx, &err),
			 FK_ERR_NOTFOUND);
}
END_TEST

START_TEST(chunks_split)
{
	/* More than two chunks' worth in one list: inserts split chunks, order holds. */
	char r[64];
	int total = FK_ORDER_CHUNK * 2 + 40;
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	for (int i = 0; i < total; i++) {
		snprintf(r, sizeof r, "%s%s %d", readings[(i * 5) % 14], readings[(i * 3) % 14], i % 7);
		add("131024", 1, "甲 乙", r, "東京都中央区銀座一丁目1番地");
	}
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	ck_assert_int_eq(check_list("131024", 1, FK_ORDER_READING), total);
	ck_assert_int_ge(fkt_scalar(ctx, "SELECT count(*) FROM register_order WHERE municipality = '131024' AND field = 2"), 2);
	ck_assert_int_le(fkt_scalar(ctx, "SELECT max(n) FROM register_order"), FK_ORDER_CHUNK * 2);
	/* Each register's position, found by its key (readings repeat: ties go by id), is its
	 * place in the pages: the first and last of each chunk and every 7th between. */
	int64_t *all = malloc((size_t)total * sizeof *all);
	int got = 0;
	ck_assert_ptr_nonnull(all);
	ck_assert_ok(fk_order_page(ctx, "131024", 1, FK_ORDER_READING, 0, total, all, &got, &err), &err);
	ck_assert_int_eq(got, total);
	for (int i = 0; i < total; i++) {
		if (i % 7 && i % FK_ORDER_CHUNK && (i + 1) % FK_ORDER_CHUNK && i != total - 1)
			continue;
		int64_t idx = -1;
		ck_assert_ok(fk_order_position(ctx, "131024", 1, FK_ORDER_READING, all[i], &idx, &err), &err);
		ck_assert_int_eq(idx, i);
	}
	free(all);
	/* Nothing of a name is in the clear: chunks are sealed ids. */
	ck_assert_int_eq(fkt_scalar(ctx, fkt_pg() ? "SELECT count(*) FROM register_order WHERE "
				    "position(convert_to('たなか', 'UTF8') IN ids) > 0"
				  : "SELECT count(*) FROM register_order WHERE instr(ids, CAST('たなか' AS BLOB)) > 0"), 0);
}
END_TEST

START_TEST(chunks_renumber)
{
	/* No room between chunk places: a split rewrites the list with fresh places. */
	char r[64];
	int total = FK_ORDER_CHUNK * 3 + 10;
	fk_order_seq_step = 1;
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	/* Each new reading sorts first: the first chunk fills and splits again and again. */
	for (int i = 0; i < total; i++) {
		snprintf(r, sizeof r, "あ%04d", total - i);
		add("131024", 1, "甲 乙", r, "東京都中央区銀座一丁目1番地");
	}
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	fk_order_seq_step = 65536;
	ck_assert_int_eq(check_list("131024", 1, FK_ORDER_READING), total);
	ck_assert_int_eq(check_list("131024", 1, FK_ORDER_HONSEKI), total);
	ck_assert_int_ge(fkt_scalar(ctx, "SELECT count(*) FROM register_order WHERE municipality = '131024' AND field = 2"), 3);
}
END_TEST

START_TEST(bulk_demo)
{
	fk_demo_opts o = {.registers = 400, .seed = 11, .bureau = "東京法務局"};
	fk_demo_stats st;
	ck_assert_ok(fk_demo_generate(ctx, &o, &st, &err), &err);
	/* Again on the same terminal: lists that were not empty are rebuilt, not overwritten. */
	o.seed = 12;
	ck_assert_ok(fk_demo_generate(ctx, &o, &st, &err), &err);
	fk_stmt *q;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT municipality, kind FROM municipality_stats "
				    "WHERE kind <= 2 AND n > 0", 0, &q), SQLITE_OK);
	int64_t sum = 0;
	while (fk_sql_step(q) == SQLITE_ROW) {
		char muni[8];
		snprintf(muni, sizeof muni, "%s", (const char *)fk_sql_column_text(q, 0));
		int kind = fk_sql_column_int(q, 1);
		sum += check_list(muni, kind, FK_ORDER_READING);
		check_list(muni, kind, FK_ORDER_HONSEKI);
	}
	fk_sql_finalize(q);
	ck_assert_int_eq(sum, 800);
}
END_TEST

START_TEST(out_of_step_and_reindex)
{
	for (int i = 0; i < 10; i++)
		add("131016", 1, "甲 乙", readings[i], "東京都千代田区一番町1番地");
	int64_t total, count;
	/* A lost chunk (or a database from before the orders existed): refused, named. */
	ck_assert_int_eq(fk_sql_exec(ctx->db, "DELETE FROM register_order WHERE field = 2"), SQLITE_OK);
	ck_assert_int_eq(fk_order_check(ctx, "131016", 1, FK_ORDER_READING, &total, &err), FK_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "fukuhonctl reindex"));
	/* Adding to an out-of-step list leaves it for reindex rather than half-filling it. */
	add("131016", 1, "甲 乙", "ん", "東京都千代田区一番町1番地");
	ck_assert_int_eq(fk_order_check(ctx, "131016", 1, FK_ORDER_READING, &total, &err), FK_ERR_CORRUPT);
	ck_assert_ok(fk_order_rebuild(ctx, "131016", 1, &count, &err), &err);
	ck_assert_int_eq(count, 11);
	ck_assert_int_eq(check_list("131016", 1, FK_ORDER_READING), 11);
	ck_assert_int_eq(check_list("131016", 1, FK_ORDER_HONSEKI), 11);
}
END_TEST

START_TEST(tamper)
{
	for (int i = 0; i < 5; i++)
		add("131016", 1, "甲 乙", readings[i], "東京都千代田区一番町1番地");
	int64_t ids[8];
	int n;
	/* A chunk moved to another list fails to open: the AAD binds list and place. */
	ck_assert_int_eq(fk_sql_exec(ctx->db, "UPDATE register_order SET ids = (SELECT ids FROM register_order "
				      "WHERE field = 1) WHERE field = 2"), SQLITE_OK);
	ck_assert_int_eq(fk_order_page(ctx, "131016", 1, FK_ORDER_READING, 0, 8, ids, &n, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(n, 0);
	/* A count that does not match its chunk. */
	ck_assert_int_eq(fk_sql_exec(ctx->db, "UPDATE register_order SET n = 4 WHERE field = 1"), SQLITE_OK);
	ck_assert_int_eq(fk_order_page(ctx, "131016", 1, FK_ORDER_HONSEKI, 0, 8, ids, &n, &err), FK_ERR_CORRUPT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("order");
	TCase *c = tcase_create("order");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 120);
	tcase_add_test(c, collation_reading);
	tcase_add_test(c, collation_honseki);
	tcase_add_test(c, upkeep_add_update_kind);
	tcase_add_test(c, chunks_split);
	tcase_add_test(c, chunks_renumber);
	tcase_add_test(c, bulk_demo);
	tcase_add_test(c, out_of_step_and_reindex);
	tcase_add_test(c, tamper);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return fkt_run(suite());
}
