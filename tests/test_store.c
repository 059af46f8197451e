/* Unit tests: the encrypted store: round trip, tamper, versions, blind-index search,
 * reference data, operators, key-permission refusals. R-ATREST, R-KEYS, R-VERSION, R-CURRENT, R-ENROL. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"
#include "retag.h"

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

static int64_t add(const char *muni, const char *name, const char *reading, const char *honseki)
{
	json_t *doc = fkt_register(name, reading, honseki);
	int64_t id;
	ck_assert_ok(fkt_store_add(ctx, muni, FK_KIND_KOSEKI, doc, "test", fk_now_ns(), &id, &err), &err);
	json_decref(doc);
	return id;
}

static int64_t scalar(const char *sql)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, sql, 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t v = fk_sql_column_int64(st, 0);
	fk_sql_finalize(st);
	return v;
}

static void run(const char *sql)
{
	ck_assert_msg(fk_sql_exec(ctx->db, sql) == SQLITE_OK, "%s: %s", sql, fk_sql_errmsg(ctx->db));
}

static int search(fk_search_field f, const char *q, int64_t *ids)
{
	fk_search s = {f, q, NULL, 0, 0, 0, 100};
	int n;
	ck_assert_ok(fk_store_search(ctx, &s, ids, &n, &err), &err);
	return n;
}

START_TEST(reference_data_and_jurisdiction)
{
	fk_muni m;
	ck_assert_int_eq(scalar("SELECT count(*) FROM bureau"), 50);
	ck_assert_int_eq(scalar("SELECT count(*) FROM prefecture"), 47);
	ck_assert_int_ge(scalar("SELECT count(*) FROM municipality"), 1900);
	ck_assert_ok(fk_muni_get(ctx, "131016", &m, &err), &err);
	ck_assert_str_eq(m.name, "千代田区");
	ck_assert_str_eq(m.bureau, "東京法務局");
	ck_assert_ok(fk_muni_get(ctx, "011011", &m, &err), &err);
	ck_assert_str_eq(m.bureau, "札幌法務局");
	/* 北海道 by subprefecture (R-JURIS, data/subprefecture-offices.csv): each of the four
	 * bureaus has its own; fails if the loader gives all of 北海道 to 札幌 again. */
	static const char *const hokkaido[][2] = {
		{"012025", "函館地方法務局"}, {"013617", "函館地方法務局"}, {"012041", "旭川地方法務局"},
		{"012149", "旭川地方法務局"}, {"012068", "釧路地方法務局"}, {"012076", "釧路地方法務局"},
		{"012114", "釧路地方法務局"}, {"012238", "釧路地方法務局"}, {"011002", "札幌法務局"},
	};
	for (size_t i = 0; i < sizeof hokkaido / sizeof hokkaido[0]; i++) {
		ck_assert_ok(fk_muni_get(ctx, hokkaido[i][0], &m, &err), &err);
		ck_assert_str_eq(m.bureau, hokkaido[i][1]);
	}
	ck_assert_int_eq(scalar("SELECT count(DISTINCT bureau_id) FROM municipality WHERE pref_id = 1"), 4);
	ck_assert_int_eq(scalar("SELECT count(*) FROM municipality m JOIN bureau b ON b.id = m.bureau_id "
				"WHERE m.pref_id = 1 AND b.name = '札幌法務局'"), 18 + 24 + 20 + 11 + 7);
	ck_assert_int_eq(fk_muni_get(ctx, "131017", &m, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "check digit"));
	fk_bureau b;
	ck_assert_ok(fk_bureau_find(ctx, "函館地方法務局", &b, &err), &err);
	fk_bureau parent;
	ck_assert_ok(fk_bureau_get(ctx, b.parent_id, &parent, &err), &err);
	ck_assert_str_eq(parent.name, "札幌法務局");
	ck_assert_int_eq(fk_bureau_find(ctx, "架空法務局", &b, &err), FK_ERR_NOTFOUND);
}
END_TEST

START_TEST(round_trip_and_nothing_in_clear)
{
	int64_t id = add("131016", "鬼瓦　権左衛門", "おにがわら ごんざえもん", "東京都千代田区千代田九丁目999番地");
	json_t *doc;
	fk_reg_info info;
	ck_assert_ok(fk_store_read(ctx, id, 0, &doc, &info, &err), &err);
	ck_assert_str_eq(fk_register_head_name(doc), "鬼瓦　権左衛門");
	ck_assert_int_eq(info.version, 1);
	ck_assert_str_eq(info.municipality, "131016");
	json_decref(doc);
	/* R-ATREST: no personal data in the database file in clear. */
	const char *secrets[] = {"鬼瓦", "権左衛門", "おにがわら", "ごんざえもん", "九丁目999番地", "1970-01-10"};
	if (fkt_skip_on_pg("the database file's bytes", "a PostgreSQL store has no file of ours: every row "
			   "the server's administrator can read is searched instead")) {
		for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
			ck_assert_msg(fkt_pg_rows_hold(&env, secrets[i], strlen(secrets[i]), 0) == 0, "%s in clear",
				      secrets[i]);
		return;
	}
	fk_ctx_close(ctx);
	ctx = NULL;
	char path[700];
	snprintf(path, sizeof path, "%s/db/fukuhon.db", env.dir);
	char *buf;
	size_t len;
	ck_assert_ok(fk_read_file(path, 64 << 20, &buf, &len, &err), &err);
	/* (Names that are also place names, like 山田, do appear: in the
	 * municipality table, which is public reference data.) */
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		ck_assert_msg(memmem(buf, len, secrets[i], strlen(secrets[i])) == NULL, "%s in clear", secrets[i]);
	free(buf);
	ctx = fkt_ctx_open(&env);
}
END_TEST

/* Flip one bit of the first register version's content at byte off. */
static void flip_content_bit(int off)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT content FROM register_version WHERE register_id = 1", 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int n = fk_sql_column_bytes(st, 0);
	ck_assert_int_lt(off, n);
	unsigned char *b = malloc((size_t)n);
	memcpy(b, fk_sql_column_blob(st, 0), (size_t)n);
	fk_sql_finalize(st);
	b[off] ^= 1;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "UPDATE register_version SET content = ?1 WHERE register_id = 1", 0, &st), SQLITE_OK);
	fk_sql_bind_blob(st, 1, b, n, SQLITE_TRANSIENT);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
	free(b);
}

START_TEST(flipped_bit_is_refused)
{
	int64_t id = add("131016", "山田 太郎", "やまだ たろう", "東京都千代田区千代田一丁目1番地");
	json_t *doc = NULL;
	/* Nonce, ciphertext and tag: a flipped bit anywhere is caught. */
	int offsets[] = {1, 13, 40, -1};
	for (int i = 0; i < 4; i++) {
		int n = (int)scalar("SELECT length(content) FROM register_version WHERE register_id = 1");
		int off = offsets[i] < 0 ? n - 1 : offsets[i];
		flip_content_bit(off);
		ck_assert_int_eq(fk_store_read(ctx, id, 0, &doc, NULL, &err), FK_ERR_TAMPER);
		ck_assert_ptr_null(doc);
		flip_content_bit(off);
		ck_assert_ok(fk_store_read(ctx, id, 0, &doc, NULL, &err), &err);
		json_decref(doc);
		doc = NULL;
	}
}
END_TEST

START_TEST(swapped_rows_are_refused)
{
	int64_t a = add("131016", "山田 太郎", "やまだ たろう", "東京都千代田区一番地");
	int64_t b = add("131016", "佐藤 花子", "さとう はなこ", "東京都千代田区二番地");
	json_t *doc = NULL;
	/* Same key for both, so only the associated data can tell: it must. */
	run("UPDATE register SET key_id = (SELECT key_id FROM register WHERE id = 1) WHERE id = 2");
	run("CREATE TEMP TABLE t AS SELECT register_id, content FROM register_version");
	run("UPDATE register_version SET content = (SELECT content FROM t WHERE t.register_id <> register_version.register_id)");
	ck_assert_int_eq(fk_store_read(ctx, a, 0, &doc, NULL, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(fk_store_read(ctx, b, 0, &doc, NULL, &err), FK_ERR_TAMPER);
}
END_TEST

START_TEST(swapped_data_keys_are_refused)
{
	int64_t a = add("131016", "山田 太郎", "やまだ たろう", "一番地");
	add("131016", "佐藤 花子", "さとう はなこ", "二番地");
	json_t *doc = NULL;
	run("CREATE TEMP TABLE k AS SELECT id, wrapped FROM data_key");
	run("UPDATE data_key SET wrapped = (SELECT wrapped FROM k WHERE k.id = 3) WHERE id = 2");
	ck_assert_int_eq(fk_store_read(ctx, a, 0, &doc, NULL, &err), FK_ERR_TAMPER);
}
END_TEST

START_TEST(versions_are_kept)
{
	int64_t id = add("131016", "山田 太郎", "やまだ たろう", "一番地");
	json_t *doc = fkt_register("山田 次郎", "やまだ じろう", "二番地");
	int v;
	ck_assert_ok(fkt_store_update(ctx, id, FK_KIND_KOSEKI, doc, "municipality 131016", fk_now_ns(), &v, &err), &err);
	ck_assert_int_eq(v, 2);
	json_decref(doc);
	/* R-CURRENT: the latest by default; R-VERSION: the earlier one stays. */
	ck_assert_ok(fk_store_read(ctx, id, 0, &doc, NULL, &err), &err);
	ck_assert_str_eq(fk_register_head_name(doc), "山田 次郎");
	json_decref(doc);
	ck_assert_ok(fk_store_read(ctx, id, 1, &doc, NULL, &err), &err);
	ck_assert_str_eq(fk_register_head_name(doc), "山田 太郎");
	json_decref(doc);
	fk_reg_version vs[4];
	int n;
	ck_assert_ok(fk_store_versions(ctx, id, vs, 4, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(vs[1].changed_by, "municipality 131016");
	ck_assert_int_eq(fk_store_read(ctx, id, 3, &doc, NULL, &err), FK_ERR_NOTFOUND);
	/* Only the current version is searchable. */
	int64_t ids[8];
	ck_assert_int_eq(search(FK_FIELD_READING, "やまだじ", ids), 1);
	ck_assert_int_eq(search(FK_FIELD_READING, "やまだた", ids), 0);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "一番地", ids), 0);
}
END_TEST

START_TEST(blind_index_search)
{
	int64_t a = add("131016", "山田　太郎", "やまだ たろう", "東京都千代田区千代田一丁目1番地");
	int64_t b = add("131016", "山田 花子", "やまだ はなこ", "東京都千代田区二番地");
	int64_t c = add("131024", "髙橋 健一郎", "たかはし けんいちろう", "東京都中央区銀座一丁目");
	int64_t ids[16];
	ck_assert_int_eq(search(FK_FIELD_READING, "やま", ids), 2);
	ck_assert_int_eq(ids[0], a);
	ck_assert_int_eq(ids[1], b);
	/* Katakana, half-width katakana and spaces are normalised alike. */
	ck_assert_int_eq(search(FK_FIELD_READING, "ヤマダ　タ", ids), 1);
	ck_assert_int_eq(search(FK_FIELD_READING, "ﾔﾏﾀﾞ", ids), 2);
	ck_assert_int_eq(search(FK_FIELD_NAME, "山田", ids), 2);
	ck_assert_int_eq(search(FK_FIELD_NAME, "山田太郎", ids), 1);
	ck_assert_int_eq(search(FK_FIELD_NAME, "高橋", ids), 1); /* old form 髙 */
	ck_assert_int_eq(ids[0], c);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "東京都千代田区千代田一丁目１番地", ids), 1);
	/* By the part after the municipality (issue 11, item 8): the town, then what follows it,
	 * confirmed after decryption; never by a part of a town's name. */
	int64_t d = add("131016", "鈴木 一郎", "すずき いちろう", "東京都千代田区緑町一丁目2番地");
	int64_t e2 = add("131016", "鈴木 二郎", "すずき じろう", "東京都千代田区緑町二丁目5番地");
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "緑町", ids), 2);
	ck_assert_int_eq(ids[0], d);
	ck_assert_int_eq(ids[1], e2);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "緑町一丁目", ids), 1);
	ck_assert_int_eq(ids[0], d);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "緑町二丁目５番地", ids), 1); /* full width, normalised */
	ck_assert_int_eq(ids[0], e2);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "緑町三丁目", ids), 0);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "緑", ids), 0);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "千代田一丁目", ids), 1);
	ck_assert_int_eq(ids[0], a);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "銀座", ids), 1);
	ck_assert_int_eq(ids[0], c);
	/* Longer than the indexed prefix: confirmed after decryption. */
	ck_assert_int_eq(search(FK_FIELD_READING, "たかはしけんいちろう", ids), 1);
	ck_assert_int_eq(search(FK_FIELD_READING, "たかはしけんいちろx", ids), 0);
	ck_assert_int_eq(search(FK_FIELD_READING, "たかはしけんいちたろう", ids), 0);
	/* Filters and paging. */
	fk_search s = {FK_FIELD_READING, "やまだ", "131024", 0, 0, 0, 10};
	int n;
	ck_assert_ok(fk_store_search(ctx, &s, ids, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	fk_search p = {FK_FIELD_READING, "やまだ", NULL, 0, 0, a, 10};
	ck_assert_ok(fk_store_search(ctx, &p, ids, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ids[0], b);
	fk_search e = {FK_FIELD_READING, "  ", NULL, 0, 0, 0, 10};
	ck_assert_int_eq(fk_store_search(ctx, &e, ids, &n, &err), FK_ERR_INVALID);
	fk_search bad = {FK_FIELD_NAME, "\xff\xfe", NULL, 0, 0, 0, 10};
	ck_assert_int_eq(fk_store_search(ctx, &bad, ids, &n, &err), FK_ERR_INVALID);
}
END_TEST

/* A bulk load's tags are collected in memory and sorted into the index at its end (store.c):
 * each register under every tag of its own and no other's (the id kept beside each tag in the
 * sort, and decoded back). Checked inside the transaction, which is then rolled back. */
static int64_t bulk_add(int64_t id, int64_t key_id, const char *name, const char *reading, int *ntags)
{
	fk_reg_prepared p;
	json_t *doc = fkt_register(name, reading, "東京都千代田区緑町一丁目2番地");
	ck_assert_ok(fk_store_prepare(ctx->keys, id, key_id, "131016", FK_KIND_KOSEKI, doc, "test",
				      fk_now_ns(), &p, &err), &err);
	ck_assert_ok(fk_store_insert(ctx, &p, &err), &err);
	*ntags = p.ntags;
	fk_reg_prepared_clear(&p);
	json_decref(doc);
	return id;
}

START_TEST(bulk_load_indexes_each_register_under_its_own_tags)
{
	int64_t id, key_id;
	int na, nb;
	char sql[128];
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	ck_assert_ok(fk_store_reserve(ctx, 2, &id, &key_id, &err), &err);
	ck_assert_ok(fk_store_bulk_begin(ctx, &err), &err);
	int64_t a = bulk_add(id, key_id, "高橋 健一郎", "たかはし けんいちろう", &na);
	int64_t b = bulk_add(id + 1, key_id + 1, "伊東 一", "いとう はじめ", &nb);
	ck_assert_int_gt(na, nb);
	ck_assert_ok(fk_store_bulk_end(ctx, &err), &err);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register_index WHERE register_id = %lld", (long long)a);
	ck_assert_int_eq(scalar(sql), na);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register_index WHERE register_id = %lld", (long long)b);
	ck_assert_int_eq(scalar(sql), nb);
	fk_ctx_end(ctx, FK_ERR_INTERNAL, &err);
}
END_TEST

/* fukuhonctl reindex --tags (core/store/retag.h): a store whose index lacks tags (one from
 * before the town of 本籍 was a tag: here the index emptied, its rows being unsealed) gets
 * them back from the registers' content, in steps on record; stopped after a step, the pass
 * run again goes on after it; a complete pass run again adds nothing. */
START_TEST(reindex_tags_adds_what_the_index_lacks_and_resumes)
{
	int64_t d = add("131016", "鈴木 一郎", "すずき いちろう", "東京都千代田区緑町一丁目2番地");
	int64_t e = add("131016", "鈴木 二郎", "すずき じろう", "東京都千代田区緑町二丁目5番地");
	add("131024", "髙橋 健一郎", "たかはし けんいちろう", "東京都中央区銀座一丁目");
	int64_t ids[16], regs, added;
	int64_t total = scalar("SELECT count(*) FROM register_index");
	run("DELETE FROM register_index");
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "緑町", ids), 0);
	fkt_act_as(ctx, FKT_ADMIN);
	fk_retag_stop_after = 1;
	ck_assert_int_eq(fk_reindex_tags(ctx, 1, &regs, &added, &err), FK_ERR_INTERNAL);
	fk_retag_stop_after = 0;
	ck_assert_int_eq(regs, 1);
	ck_assert_int_gt(added, 0);
	int64_t first = added;
	ck_assert_ok(fk_reindex_tags(ctx, 1, &regs, &added, &err), &err);
	ck_assert_int_eq(regs, 2); /* after the first: not read again */
	ck_assert_int_eq(first + added, total);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index"), total);
	ck_assert_int_eq(search(FK_FIELD_HONSEKI, "緑町", ids), 2);
	ck_assert_int_eq(ids[0], d);
	ck_assert_int_eq(ids[1], e);
	ck_assert_int_eq(search(FK_FIELD_READING, "すずき", ids), 2);
	/* one record per step (three registers, then the step that found none), and the runs */
	ck_assert_int_eq(fkt_audit_count(ctx, "maintenance.reindex-tags", "success", "step"), 4);
	ck_assert_int_eq(fkt_audit_count(ctx, "maintenance.reindex-tags", "failed", NULL), 1);
	/* complete: a new pass reads every register and adds nothing */
	ck_assert_ok(fk_reindex_tags(ctx, 200, &regs, &added, &err), &err);
	ck_assert_int_eq(regs, 3);
	ck_assert_int_eq(added, 0);
	/* operators may not run it */
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_reindex_tags(ctx, 200, &regs, &added, &err), FK_ERR_DENIED);
}
END_TEST

START_TEST(bad_input_leaves_store_unchanged)
{
	json_t *doc = fkt_register("山田 太郎", "やまだ たろう", "一番地");
	int64_t id;
	ck_assert_int_eq(fkt_store_add(ctx, "999999", FK_KIND_KOSEKI, doc, "t", 1, &id, &err), FK_ERR_NOTFOUND);
	json_object_del(doc, "honseki");
	ck_assert_int_eq(fkt_store_add(ctx, "131016", FK_KIND_KOSEKI, doc, "t", 1, &id, &err), FK_ERR_INVALID);
	json_decref(doc);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_version"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM data_key"), 1); /* the terminal's own */
}
END_TEST

START_TEST(ledger_and_documents)
{
	int64_t reg = add("131016", "山田 太郎", "やまだ たろう", "一番地");
	json_t *p = json_pack("{s:s, s:s}", "受付番号", "第12号", "届出人", "山田 太郎");
	int64_t lid, did;
	ck_assert_ok(fkt_ledger_add(ctx, "131016", "2026-10-02", p, fk_now_ns(), &lid, &err), &err);
	ck_assert_ok(fkt_doc_add(ctx, "131016", "出生届", reg, p, fk_now_ns(), &did, &err), &err);
	json_t *back;
	ck_assert_ok(fk_ledger_read(ctx, lid, &back, &err), &err);
	ck_assert_int_eq(json_equal(back, p), 1);
	json_decref(back);
	ck_assert_ok(fk_doc_read(ctx, did, &back, &err), &err);
	ck_assert_int_eq(json_equal(back, p), 1);
	json_decref(back);
	ck_assert_int_eq(fkt_ledger_add(ctx, "131016", "2026-02-30", p, 1, &lid, &err), FK_ERR_INVALID);
	json_decref(p);
	/* A ledger payload moved onto a document row is refused. */
	run("UPDATE notification_doc SET payload = (SELECT payload FROM ledger_entry)");
	ck_assert_int_eq(fk_doc_read(ctx, did, &back, &err), FK_ERR_TAMPER);
}
END_TEST

START_TEST(operators)
{
	int64_t id;
	ck_assert_ok(fk_operator_add(ctx, "tanaka", FK_ROLE_OPERATOR, "東京法務局", "田中 一郎", &id, &err), &err);
	ck_assert_int_eq(fk_operator_add(ctx, "tanaka", FK_ROLE_SUPERVISOR, "東京法務局", NULL, &id, &err), FK_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(err.msg, "already exists"));
	ck_assert_int_eq(fk_operator_add(ctx, "suzuki", FK_ROLE_OPERATOR, "架空法務局", NULL, &id, &err), FK_ERR_NOTFOUND);
	ck_assert_int_eq(fk_operator_add(ctx, "bad name", FK_ROLE_OPERATOR, "東京法務局", NULL, &id, &err), FK_ERR_INVALID);
	/* tanaka, and the terminal's first administrator; TANAKA is tanaka whatever its case */
	ck_assert_int_eq(fk_operator_add(ctx, "TANAKA", FK_ROLE_OPERATOR, "東京法務局", NULL, &id, &err), FK_ERR_EXISTS);
	/* nor is a look-alike: names are ASCII, so NFKC has nothing to fold (全角 ｔａｎａｋａ) */
	ck_assert_int_eq(fk_operator_add(ctx, "ｔａｎａｋａ", FK_ROLE_OPERATOR, "東京法務局", NULL, &id, &err),
			 FK_ERR_INVALID);
	ck_assert_int_eq(scalar("SELECT count(*) FROM operator"), 2);
	fk_operator op;
	ck_assert_ok(fk_operator_get(ctx, "tanaka", &op, &err), &err);
	ck_assert_str_eq(op.display, "田中 一郎");
	ck_assert_int_eq(op.enabled, 1);
	ck_assert_ok(fk_operator_set_enabled(ctx, "tanaka", 0, &err), &err);
	ck_assert_ok(fk_operator_get(ctx, "tanaka", &op, &err), &err);
	ck_assert_int_eq(op.enabled, 0);
	ck_assert_int_eq(fk_operator_set_enabled(ctx, "nobody", 0, &err), FK_ERR_NOTFOUND);
	/* Every change and every refusal is in the history (R-LOG). */
	ck_assert_int_eq(scalar("SELECT count(*) FROM audit_log WHERE action = 'operator.add' AND result = 'success'"), 2);
	ck_assert_int_eq(scalar("SELECT count(*) FROM audit_log WHERE action = 'operator.add' AND result = 'failed'"), 5);
	ck_assert_int_eq(scalar("SELECT count(*) FROM audit_log WHERE action = 'operator.disable'"), 2);
}
END_TEST

static fk_status reopen(void)
{
	fk_ctx *c2 = NULL;
	fk_status s = fk_ctx_open(env.config, FK_CTX_OPEN, &c2, &err);
	fk_ctx_close(c2);
	return s;
}

START_TEST(key_permissions_are_enforced)
{
	char keys[700], file[800];
	snprintf(keys, sizeof keys, "%s/keys", env.dir);
	snprintf(file, sizeof file, "%s/index.key", keys);
	ck_assert_int_eq(reopen(), FK_OK);
	/* R-KEYS: a folder or file others can read is refused, with the path. */
	ck_assert_int_eq(chmod(keys, 0755), 0);
	ck_assert_int_eq(reopen(), FK_ERR_KEYPERM);
	ck_assert_ptr_nonnull(strstr(err.msg, keys));
	ck_assert_int_eq(chmod(keys, 0700), 0);
	ck_assert_int_eq(chmod(file, 0644), 0);
	ck_assert_int_eq(reopen(), FK_ERR_KEYPERM);
	ck_assert_int_eq(chmod(file, 0600), 0);
	ck_assert_int_eq(reopen(), FK_OK);
	char moved[900];
	snprintf(moved, sizeof moved, "%s.away", keys);
	ck_assert_int_eq(rename(keys, moved), 0);
	ck_assert_int_eq(reopen(), FK_ERR_NOKEY);
	ck_assert_int_eq(rename(moved, keys), 0);
}
END_TEST

START_TEST(full_disk_during_demo_data_changes_nothing)
{
	/* A full disk, simulated with SQLite's page limit: the load fails with a
	 * clear message and the store is as it was (one transaction). */
	int64_t before = scalar("SELECT count(*) FROM register");
	if (fkt_skip_on_pg("a full disk", "made with SQLite's PRAGMA max_page_count; a PostgreSQL "
			   "store's disk is its server's"))
		return;
	int64_t pages = scalar("PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 40);
	run(sql);
	fk_demo_opts o = {2000, 9, "東京法務局", NULL, NULL};
	fk_demo_stats st;
	ck_assert_int_eq(fk_demo_generate(ctx, &o, &st, &err), FK_ERR_FULL);
	ck_assert_ptr_nonnull(strstr(err.msg, "disk is full"));
	ck_assert_int_eq(st.registers, 0);
	run("PRAGMA max_page_count = 1073741823");
	ck_assert_int_eq(scalar("SELECT count(*) FROM register"), before);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_version"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index"), 0);
	/* With room again, the same load works. */
	o.registers = 50;
	ck_assert_ok(fk_demo_generate(ctx, &o, &st, &err), &err);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register"), before + 50);
}
END_TEST

START_TEST(init_twice_is_refused)
{
	fk_ctx *c2 = NULL;
	fk_bootstrap b = {.admin = "other", .bureau = "東京法務局", .mode = FK_MODE_TEST};
	ck_assert_int_eq(fk_terminal_create(env.config, &b, &c2, &err), FK_ERR_EXISTS);
	ck_assert_ptr_null(c2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reference_data_and_jurisdiction);
	tcase_add_test(tc, round_trip_and_nothing_in_clear);
	tcase_add_test(tc, flipped_bit_is_refused);
	tcase_add_test(tc, swapped_rows_are_refused);
	tcase_add_test(tc, swapped_data_keys_are_refused);
	tcase_add_test(tc, versions_are_kept);
	tcase_add_test(tc, blind_index_search);
	tcase_add_test(tc, bulk_load_indexes_each_register_under_its_own_tags);
	tcase_add_test(tc, reindex_tags_adds_what_the_index_lacks_and_resumes);
	tcase_add_test(tc, bad_input_leaves_store_unchanged);
	tcase_add_test(tc, ledger_and_documents);
	tcase_add_test(tc, operators);
	tcase_add_test(tc, key_permissions_are_enforced);
	tcase_add_test(tc, init_twice_is_refused);
	tcase_add_test(tc, full_disk_during_demo_data_changes_nothing);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
