/* Unit tests: the import engine (core/intake/import.h) on parsed packages — staged then
 * published at once, nothing of a staged package visible to any reader, resumable with the
 * same result as an uninterrupted import, sequences, replays and receipts, rejections, a full
 * re-send, a full disk, abandon, the key folder's record of the last package, tampering.
 * R-BATCH-ATOMIC, R-BATCH-RESUME, R-BATCH-PROTO, R-VERSION, R-LOG. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fktest.h"
#include "anchor.h"
#include "import.h"
#include "keybackup.h"
#include "keyfile.h"
#include "munidispose.h"
#include "reopen.h"
#include "order.h"
#include "prepublish.h"
#include "tagmerge.h"
#include "trust.h"
#include "publish.h"
#include "sealfile.h"
#include "seqanchor.h"
#include "stage.h"

#define MUNI "131016"
#define FIXED_NOW (INT64_C(1796083200) * 1000000000) /* 2026-12-01T00:00:00Z */

static fkt_env env, env2;
static fk_ctx *ctx, *ctx2;
static fk_error err;

static int64_t fixed_clock(void)
{
	return FIXED_NOW;
}

/* ---- packages made by hand ---- */

typedef struct trec {
	fk_pkg_record r;
	fk_reject why; /* the parser's verdict, handed through */
} trec;

#define TCHUNKS 8
typedef struct tpkg {
	fk_manifest m;
	fk_manifest_chunk mc[TCHUNKS];
	uint8_t digest[32];
	trec *c[TCHUNKS];
	int n[TCHUNKS];
	const char *signer;
	int loading;           /* with a load step (source.h), checked before each chunk */
	int loaded[TCHUNKS];
} tpkg;

static void tpkg_init(tpkg *p, const char *muni, int64_t seq, fk_pkg_kind kind, int nchunks, int tag)
{
	memset(p, 0, sizeof *p);
	fk_copy_str(p->m.municipality, sizeof p->m.municipality, muni);
	p->m.sequence = seq;
	p->m.kind = kind;
	p->m.nchunks = nchunks;
	p->m.chunks = p->mc;
	p->m.created_at = FIXED_NOW / 1000000000;
	/* a digest of its own for each package a test makes */
	snprintf((char *)p->digest, sizeof p->digest, "%s/%lld/%d", muni, (long long)seq, tag);
	p->signer = muni;
}

static trec *add(tpkg *p, int chunk, fk_rec_type type, const char *ref)
{
	trec *v = realloc(p->c[chunk], (size_t)(p->n[chunk] + 1) * sizeof *v);
	ck_assert_ptr_nonnull(v);
	p->c[chunk] = v;
	trec *t = &v[p->n[chunk]++];
	p->mc[chunk].records++; /* the manifest lists it */
	memset(t, 0, sizeof *t);
	t->r.type = type;
	fk_copy_str(t->r.ref, sizeof t->r.ref, ref ? ref : "");
	return t;
}

static void reg(tpkg *p, int chunk, const char *ref, const char *name, const char *reading,
		const char *honseki)
{
	trec *t = add(p, chunk, FK_REC_REGISTER, ref);
	t->r.kind = FK_KIND_KOSEKI;
	t->r.content = fkt_register(name, reading, honseki);
}

static void ver(tpkg *p, int chunk, const char *ref, const char *name, const char *reading,
		const char *honseki)
{
	trec *t = add(p, chunk, FK_REC_VERSION, ref);
	t->r.content = fkt_register(name, reading, honseki);
	fk_copy_str(t->r.changed_by, sizeof t->r.changed_by, "千代田区 戸籍係");
	fk_copy_str(t->r.reason, sizeof t->r.reason, "婚姻届による記載");
}

static void rem(tpkg *p, int chunk, const char *ref)
{
	trec *t = add(p, chunk, FK_REC_REMOVAL, ref);
	fk_copy_str(t->r.date, sizeof t->r.date, "2026-11-30");
	fk_copy_str(t->r.changed_by, sizeof t->r.changed_by, "千代田区 戸籍係");
	fk_copy_str(t->r.reason, sizeof t->r.reason, "転籍");
}

static void led(tpkg *p, int chunk, const char *number)
{
	trec *t = add(p, chunk, FK_REC_LEDGER, NULL);
	fk_copy_str(t->r.date, sizeof t->r.date, "2026-11-30");
	t->r.entry = json_pack("{s:s, s:s}", "受付番号", number, "届出事件", "出生届");
}

/* A ledger entry about the register ref (issue 11, item 6). */
static void led_ref(tpkg *p, int chunk, const char *ref, const char *number)
{
	trec *t = add(p, chunk, FK_REC_LEDGER, ref);
	fk_copy_str(t->r.date, sizeof t->r.date, "2026-11-30");
	t->r.entry = json_pack("{s:s, s:s, s:s}", "受付番号", number, "届出事件", "出生届", "届出人", "父");
}

static void doc(tpkg *p, int chunk, const char *ref, const char *number)
{
	trec *t = add(p, chunk, FK_REC_DOCUMENT, ref);
	fk_copy_str(t->r.doc_type, sizeof t->r.doc_type, "出生届");
	t->r.entry = json_pack("{s:s}", "受付番号", number);
}

static void bad(tpkg *p, int chunk, fk_reject why)
{
	add(p, chunk, FK_REC_REGISTER, "")->why = why;
}

static void tpkg_free(tpkg *p)
{
	for (int c = 0; c < TCHUNKS; c++) {
		for (int i = 0; i < p->n[c]; i++) {
			json_decref(p->c[c][i].r.content);
			json_decref(p->c[c][i].r.entry);
		}
		free(p->c[c]);
	}
}

/* On the engine's second thread, while the chunk before stages. */
static fk_status tload(void *arg, int chunk, fk_error *e)
{
	tpkg *p = arg;
	(void)e;
	ck_assert_int_lt(chunk, p->m.nchunks);
	p->loaded[chunk] = 1;
	return FK_OK;
}

static fk_status each(void *arg, int chunk, fk_intake_record_fn fn, void *fnarg, fk_error *e)
{
	tpkg *p = arg;
	fk_status s = FK_OK;
	/* a chunk is loaded before its records are asked for */
	ck_assert(!p->loading || p->loaded[chunk]);
	for (int i = 0; i < p->n[chunk] && s == FK_OK; i++)
		s = fn(fnarg, i, &p->c[chunk][i].r, p->c[chunk][i].why,
		       p->c[chunk][i].why ? "line 1: not JSON" : NULL, e);
	return s;
}

static fk_status import_on(fk_ctx *c, tpkg *p, fk_intake_result *res)
{
	fk_intake_pkg ip = {.m = &p->m, .digest = p->digest, .signer = p->signer,
			    .src = {.load = p->loading ? tload : NULL, .each = each, .arg = p}};
	memset(p->loaded, 0, sizeof p->loaded);
	return fk_intake_import(c, &ip, res, &err);
}

static fk_status import(tpkg *p, fk_intake_result *res)
{
	return import_on(ctx, p, res);
}

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
	ctx->clock = fixed_clock;
	fk_intake_stop_after = 0;
	fk_prepublish_stop_after = 0;
	fk_tagmerge_stop_after = fk_tagmerge_step_tags = 0;
	fk_tagmerge_step_ns = INT64_C(40) * 1000000;
	fk_prepublish_batch = 2000;
	fk_prepublish_whole_min = 16;
	fk_intake_chunk_hook = NULL;
	fk_intake_part_records = 500;
	/* parts and listing steps by count only: the tests count their records and steps
	 * (stage.h, prepublish.h) */
	fk_intake_part_ns = INT64_C(3600) * 1000000000;
	fk_prepublish_step_ns = INT64_C(3600) * 1000000000;
	ctx2 = NULL;
}

static void teardown(void)
{
	fk_intake_stop_after = 0;
	fk_intake_chunk_hook = NULL;
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
	if (ctx2) {
		fk_ctx_close(ctx2);
		fkt_env_cleanup(&env2);
	}
}

static int64_t scalar(const char *sql)
{
	return fkt_scalar(ctx, sql);
}

/* The register a ref names (asserted). */
static int64_t reg_of(fk_ctx *c, const char *ref)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(c->db, "SELECT register_id FROM register_ref WHERE ref = ?1",
					    0, &st), SQLITE_OK);
	fk_sql_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t id = fk_sql_column_int64(st, 0);
	fk_sql_finalize(st);
	return id;
}

/* The first package of the tests: three registers, a ledger entry. */
static void first_package(void)
{
	tpkg p;
	fk_intake_result res;
	tpkg_init(&p, MUNI, 1, FK_PKG_FULL, 1, 0);
	reg(&p, 0, "K-1", "山田 太郎", "やまだ たろう", "東京都千代田区一番町一番地");
	reg(&p, 0, "K-2", "佐藤 次郎", "さとう じろう", "東京都千代田区二番町二番地");
	reg(&p, 0, "K-3", "鈴木 三郎", "すずき さぶろう", "東京都千代田区三番町三番地");
	led(&p, 0, "第1号");
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 3);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
}

/* ---- R-BATCH-ATOMIC, R-VERSION: applied ---- */

START_TEST(a_package_is_applied_with_versions_removals_and_entries)
{
	first_package();
	tpkg p;
	fk_intake_result res;
	tpkg_init(&p, MUNI, 2, FK_PKG_DELTA, 2, 0);
	reg(&p, 0, "K-4", "高橋 四郎", "たかはし しろう", "東京都千代田区四番町四番地");
	ver(&p, 0, "K-1", "山田 花子", "やまだ はなこ", "東京都千代田区一番町一番地");
	ver(&p, 1, "K-1", "山田 花子", "やまだ はなこ", "東京都千代田区五番町五番地");
	rem(&p, 1, "K-2");
	led_ref(&p, 1, "K-4", "第2号");
	doc(&p, 1, "K-4", "第2号");
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 1);
	ck_assert_int_eq(res.accepted[FK_REC_VERSION], 2);
	ck_assert_int_eq(res.accepted[FK_REC_REMOVAL], 1);
	ck_assert_int_eq(res.accepted[FK_REC_LEDGER], 1);
	ck_assert_int_eq(res.accepted[FK_REC_DOCUMENT], 1);
	ck_assert_int_eq(res.rejected, 0);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"state\":\"applied\""));
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"format\":\"fukuhon-receipt/1\""));

	/* K-1 has three versions, the current one the last (R-VERSION) */
	json_t *d;
	fk_reg_info info;
	ck_assert_ok(fk_store_read(ctx, reg_of(ctx, "K-1"), 0, &d, &info, &err), &err);
	ck_assert_int_eq(info.version, 3);
	ck_assert_str_eq(fk_register_head_name(d), "山田 花子");
	ck_assert_str_eq(fk_register_honseki(d), "東京都千代田区五番町五番地");
	json_decref(d);
	fk_reg_version v[8];
	int n;
	ck_assert_ok(fk_store_versions(ctx, reg_of(ctx, "K-1"), v, 8, &n, &err), &err);
	ck_assert_int_eq(n, 3);
	ck_assert_ptr_nonnull(strstr(v[2].changed_by, "婚姻届による記載"));
	/* the earlier versions stay readable */
	ck_assert_ok(fk_store_read(ctx, reg_of(ctx, "K-1"), 1, &d, NULL, &err), &err);
	ck_assert_str_eq(fk_register_head_name(d), "山田 太郎");
	json_decref(d);
	/* K-2 removed: 除籍, its versions kept (an earlier one sealed as 戸籍 still opens) */
	ck_assert_ok(fk_store_read(ctx, reg_of(ctx, "K-2"), 1, &d, &info, &err), &err);
	ck_assert_int_eq(info.kind, FK_KIND_JOSEKI);
	ck_assert_int_eq(info.version, 2);
	json_decref(d);
	/* the figures: 戸籍 3 (K-1, K-3, K-4), 除籍 1, ledger 2, documents 1 */
	int64_t total;
	ck_assert_ok(fk_browse_total(ctx, MUNI, 1, &total, &err), &err);
	ck_assert_int_eq(total, 3);
	ck_assert_ok(fk_browse_total(ctx, MUNI, 2, &total, &err), &err);
	ck_assert_int_eq(total, 1);
	ck_assert_int_eq(scalar("SELECT n FROM municipality_stats WHERE municipality = '131016' AND kind = 3"), 2);
	ck_assert_int_eq(scalar("SELECT n FROM municipality_stats WHERE municipality = '131016' AND kind = 4"), 1);
	/* the document is linked to its register */
	ck_assert_int_eq(scalar("SELECT register_id FROM notification_doc"), reg_of(ctx, "K-4"));
	/* and so is the ledger entry: its ref resolved to the register the console opens (issue
	 * 11, item 6); the first package's entry, without a ref, links nothing */
	fk_record_row lr[4];
	ck_assert_ok(fk_browse_records(ctx, MUNI, FK_FILE_LEDGER, NULL, 4, lr, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	int linked = 0;
	for (int i = 0; i < n; i++)
		if (strstr(lr[i].summary, "第2号")) {
			ck_assert_int_eq(lr[i].register_id, reg_of(ctx, "K-4"));
			linked++;
		} else {
			ck_assert_int_eq(lr[i].register_id, 0);
		}
	ck_assert_int_eq(linked, 1);
	/* the sorted lists are in step and hold the new and moved registers */
	int64_t off = 0;
	fk_reg_row rows[8];
	ck_assert_ok(fk_browse_registers_at(ctx, MUNI, 1, FK_ORDER_HONSEKI, &off, 0, 0, 8, rows, &n,
					    &total, &err), &err);
	ck_assert_int_eq(n, 3);
	ck_assert_ok(fk_browse_registers_at(ctx, MUNI, 2, FK_ORDER_READING, &off, 0, 0, 8, rows, &n,
					    &total, &err), &err);
	ck_assert_int_eq(n, 1);
	/* the search finds the new name, not the old (the tags were swapped) */
	int64_t ids[4];
	fk_search q = {FK_FIELD_NAME, "山田 花子", MUNI, 0, 0, 0, 4};
	ck_assert_ok(fk_store_search(ctx, &q, ids, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	q.query = "山田 太郎";
	ck_assert_ok(fk_store_search(ctx, &q, ids, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	/* on record: staging, one per chunk, published (with digest and counts); the first
	 * package, of one chunk, only published (its steps are one transaction: import.c) */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "success", "chunk"), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "success", "staging"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "success", "published"), 2);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM meta WHERE key LIKE 'intake.visible.%'"), 0);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
}
END_TEST

/* A small delta into a large list: the sorted lists are kept one register at a time (a large
 * change rebuilds them, as the tests above do), and stay in step and sorted. */
START_TEST(a_small_delta_keeps_the_sorted_lists_register_by_register)
{
	tpkg p, q;
	fk_intake_result res;
	char ref[16], name[64], honseki[128];
	tpkg_init(&p, MUNI, 1, FK_PKG_FULL, 1, 0);
	for (int i = 0; i < 300; i++) {
		snprintf(ref, sizeof ref, "K-%d", i);
		snprintf(name, sizeof name, "山田 %d郎", i);
		snprintf(honseki, sizeof honseki, "東京都千代田区一番町%d番地", (i * 7919) % 1000 + 1);
		reg(&p, 0, ref, name, "やまだ たろう", honseki);
	}
	ck_assert_ok(import(&p, &res), &err);
	fk_intake_result_clear(&res);
	/* one chunk of 300 records: staged in steps on record, its lists written ahead (issue 10:
	 * in one transaction it would hold the write lock throughout) */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "success", "staging"), 1);
	ck_assert_int_gt(fkt_audit_count(ctx, "intake.import", "success", "listing"), 0);
	tpkg_init(&q, MUNI, 2, FK_PKG_DELTA, 1, 0);
	reg(&q, 0, "K-new", "新井 花子", "あらい はなこ", "東京都千代田区一番町500番地");
	ver(&q, 0, "K-5", "山田 5郎", "やまだ たろう", "東京都千代田区一番町2番地"); /* moves */
	rem(&q, 0, "K-7");
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	/* 戸籍 by 本籍: 300 (one new, one removed), in key order, K-5 where its new 本籍 puts it */
	fk_reg_row rows[256];
	int64_t off = 0, total, seen = 0, k5 = reg_of(ctx, "K-5"), k7 = reg_of(ctx, "K-7");
	int n, found_new = 0, found_k5 = 0;
	char *last = NULL;
	do {
		int64_t want = off;
		ck_assert_ok(fk_browse_registers_at(ctx, MUNI, 1, FK_ORDER_HONSEKI, &off, 0, 0, 256, rows, &n,
						    &total, &err), &err);
		/* the last page is placed to be full: skip the rows seen already */
		for (int i = (int)(want - off); i < n; i++) {
			json_t *d;
			char *key;
			ck_assert_int_ne(rows[i].id, k7);
			found_new += rows[i].id == reg_of(ctx, "K-new");
			found_k5 += rows[i].id == k5;
			ck_assert_ok(fk_store_read(ctx, rows[i].id, 0, &d, NULL, &err), &err);
			ck_assert_ok(fk_order_key(d, FK_ORDER_HONSEKI, &key, &err), &err);
			json_decref(d);
			ck_assert_msg(!last || strcmp(last, key) <= 0, "list out of order at %lld", (long long)seen);
			free(last);
			last = key;
			seen++;
		}
		off += n;
	} while (off < total);
	free(last);
	ck_assert_int_eq(total, 300);
	ck_assert_int_eq(seen, 300);
	ck_assert_int_eq(found_new, 1);
	ck_assert_int_eq(found_k5, 1);
	ck_assert_ok(fk_browse_registers_at(ctx, MUNI, 2, FK_ORDER_READING, &off, 0, 0, 8, rows, &n, &total,
					    &err), &err);
	ck_assert_int_eq(total, 1);
	tpkg_free(&p);
	tpkg_free(&q);
}
END_TEST

/* The receiving service keeps the memo of listed registers' sort keys from one package to
 * the next (R-REALTIME), but not past another connection's commit: registers amended there
 * are searched by their new keys (a new register lands where its key puts it). */
START_TEST(a_kept_memo_does_not_outlive_another_writer)
{
	tpkg p, q, r, s;
	fk_intake_result res;
	char ref[16], honseki[128];
	ctx->order_memo_keep = 1;
	tpkg_init(&p, MUNI, 1, FK_PKG_FULL, 1, 0);
	for (int i = 0; i < 64; i++) {
		snprintf(ref, sizeof ref, "K-%d", i);
		snprintf(honseki, sizeof honseki, "東京都千代田区一番町%d番地", i + 1);
		reg(&p, 0, ref, "山田 太郎", "やまだ たろう", honseki);
	}
	ck_assert_ok(import(&p, &res), &err);
	fk_intake_result_clear(&res);
	/* one new register: its search keeps listed registers' keys (一番町…) */
	tpkg_init(&q, MUNI, 2, FK_PKG_DELTA, 1, 0);
	reg(&q, 0, "K-a", "新井 花子", "あらい はなこ", "東京都千代田区一番町50番地");
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	/* another connection moves every K-i to 二番町 */
	ctx2 = fkt_ctx_open(&env);
	ctx2->clock = fixed_clock;
	tpkg_init(&r, MUNI, 3, FK_PKG_DELTA, 1, 0);
	for (int i = 0; i < 64; i++) {
		snprintf(ref, sizeof ref, "K-%d", i);
		snprintf(honseki, sizeof honseki, "東京都千代田区二番町%d番地", i + 1);
		ver(&r, 0, ref, "山田 太郎", "やまだ たろう", honseki);
	}
	ck_assert_ok(import_on(ctx2, &r, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	/* 一番町99 sorts after 一番町50 and before every 二番町: second, not last as the
	 * K-i's old keys would put it */
	tpkg_init(&s, MUNI, 4, FK_PKG_DELTA, 1, 0);
	reg(&s, 0, "K-b", "新井 一郎", "あらい いちろう", "東京都千代田区一番町99番地");
	ck_assert_ok(import(&s, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	fk_reg_row rows[2];
	int64_t off = 0, total;
	int n;
	ck_assert_ok(fk_browse_registers_at(ctx, MUNI, 1, FK_ORDER_HONSEKI, &off, 0, 0, 2, rows, &n, &total,
					    &err), &err);
	ck_assert_int_eq(total, 66);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(rows[0].id, reg_of(ctx, "K-a"));
	ck_assert_int_eq(rows[1].id, reg_of(ctx, "K-b"));
	fk_ctx_close(ctx2); /* opened on env, not env2: teardown must not clean env2 */
	ctx2 = NULL;
	tpkg_free(&p);
	tpkg_free(&q);
	tpkg_free(&r);
	tpkg_free(&s);
}
END_TEST

/* ---- R-BATCH-ATOMIC: nothing of a staged package shows ---- */

static void grant_op1(void)
{
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fk_grant_spec g = {"op1", MUNI, FK_KIND_BIT(FK_FILE_KOSEKI) | FK_KIND_BIT(FK_FILE_JOSEKI) |
				      FK_KIND_BIT(FK_FILE_LEDGER) | FK_KIND_BIT(FK_FILE_DOCS),
			   FK_RIGHT_VIEW, 0, 0, "test"};
	int64_t id;
	ck_assert_ok(fk_grant_add(ctx, &g, &id, &err), &err);
}

/* The staging package of the reader tests: a new register, an amendment of K-1, a removal of
 * K-3, a ledger entry and a document; its last chunk not staged yet. */
static void stage_second(tpkg *p)
{
	fk_intake_result res;
	tpkg_init(p, MUNI, 2, FK_PKG_DELTA, 2, 0);
	reg(p, 0, "K-9", "新井 花子", "あらい はなこ", "東京都千代田区九段南一丁目");
	reg(p, 0, "K-J", "新井 除子", "あらい じょこ", "東京都千代田区九段南四丁目");
	p->c[0][p->n[0] - 1].r.kind = FK_KIND_JOSEKI;
	ver(p, 0, "K-1", "山田 一子", "やまだ いちこ", "東京都千代田区一番町一番地");
	rem(p, 0, "K-3");
	led(p, 0, "第9号");
	doc(p, 0, "K-9", "第9号");
	reg(p, 1, "K-10", "新井 次子", "あらい つぎこ", "東京都千代田区九段南二丁目");
	fk_intake_stop_after = 1;
	ck_assert_int_eq(import(p, &res), FK_ERR_INTERNAL);
	fk_intake_stop_after = 0;
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT chunks_staged FROM package WHERE state = 'staging'"), 1);
}

typedef struct seen {
	int64_t koseki, joseki, ledger, docs, registers, versions;
	int64_t search_new, search_amended, k1_version, k1_versions, list, page, sorted;
	int64_t ledger_page, doc_page, home_koseki, page_back, position, h_joseki;
	fk_status info_new, read_v2, ledger_read, doc_read;
	/* through the gate, as the console's screens read */
	int64_t a_search, a_list, a_koseki, a_ledger, a_docs, a_each[4], a_count_ledger, a_count_docs;
	fk_status a_ledger_open, a_doc_open, a_open_new;
} seen;

static int each_cb(const char *muni, const fk_access_counts_t *c, void *arg)
{
	if (strcmp(muni, MUNI) == 0)
		memcpy(arg, c->n, 4 * sizeof *c->n);
	return 0;
}

/* What every reader shows of the municipality. */
static void look(seen *s, int64_t new_reg, int64_t new_ledger, int64_t new_doc)
{
	int64_t ids[16];
	int n;
	json_t *d;
	fk_reg_info info;
	memset(s, 0, sizeof *s);
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_store_count(ctx, MUNI, 1, &s->koseki, &err), &err);
	ck_assert_ok(fk_store_count(ctx, MUNI, 2, &s->joseki, &err), &err);
	fk_search q = {FK_FIELD_NAME, "新井 花子", MUNI, 0, 0, 0, 16};
	ck_assert_ok(fk_store_search(ctx, &q, ids, &n, &err), &err);
	s->search_new = n;
	q.query = "山田 一子";
	ck_assert_ok(fk_store_search(ctx, &q, ids, &n, &err), &err);
	s->search_amended = n;
	s->info_new = fk_store_info(ctx, new_reg, &info, &err);
	ck_assert_ok(fk_store_read(ctx, reg_of(ctx, "K-1"), 0, &d, &info, &err), &err);
	s->k1_version = info.version;
	json_decref(d);
	d = NULL;
	s->read_v2 = fk_store_read(ctx, reg_of(ctx, "K-1"), 2, &d, NULL, &err);
	json_decref(d);
	fk_reg_version v[8];
	ck_assert_ok(fk_store_versions(ctx, reg_of(ctx, "K-1"), v, 8, &n, &err), &err);
	s->k1_versions = n;
	json_t *pl = NULL;
	s->ledger_read = fk_ledger_read(ctx, new_ledger, &pl, &err);
	json_decref(pl);
	pl = NULL;
	s->doc_read = fk_doc_read(ctx, new_doc, &pl, &err);
	json_decref(pl);
	fk_reg_row rows[16];
	ck_assert_ok(fk_browse_registers(ctx, MUNI, 1, 0, 1, 16, rows, &n, &err), &err);
	s->page = n;
	ck_assert_ok(fk_browse_registers(ctx, MUNI, 1, 0, -1, 16, rows, &n, &err), &err);
	s->page_back = n;
	int64_t total_p;
	ck_assert_ok(fk_browse_position(ctx, MUNI, 1, INT64_MAX, &s->position, &total_p, &err), &err);
	int64_t off = 0, total;
	ck_assert_ok(fk_browse_registers_at(ctx, MUNI, 1, FK_ORDER_HONSEKI, &off, 0, 0, 16, rows, &n,
					    &total, &err), &err);
	s->sorted = n;
	fk_record_row rr[16];
	ck_assert_ok(fk_browse_records(ctx, MUNI, FK_FILE_LEDGER, 0, 16, rr, &n, &err), &err);
	s->ledger_page = n;
	ck_assert_ok(fk_browse_records(ctx, MUNI, FK_FILE_DOCS, 0, 16, rr, &n, &err), &err);
	s->doc_page = n;
	fk_bureau b;
	fk_muni_stat *ms;
	ck_assert_ok(fk_bureau_find(ctx, "東京法務局", &b, &err), &err);
	ck_assert_ok(fk_browse_home(ctx, b.id, 0, &ms, &n, &err), &err);
	for (int i = 0; i < n; i++)
		if (strcmp(ms[i].m.code, MUNI) == 0)
			s->home_koseki = ms[i].n[FK_FILE_KOSEKI];
	free(ms);
	fk_health h;
	ck_assert_ok(fk_health_get(ctx, 0, &h, NULL, NULL, &err), &err);
	s->registers = h.registers;
	s->h_joseki = h.joseki;
	s->versions = h.versions;
	s->ledger = h.ledger;
	s->docs = h.documents;
	/* the console's reads, through the gate */
	fkt_act_as(ctx, "op1");
	q.query = "新井 花子";
	ck_assert_ok(fk_access_search(ctx, &q, ids, &n, &err), &err);
	s->a_search = n;
	fk_reg_info li[16];
	ck_assert_ok(fk_access_list(ctx, MUNI, 1, 0, 16, li, &n, &err), &err);
	s->a_list = n;
	fk_access_counts_t c;
	ck_assert_ok(fk_access_counts(ctx, MUNI, &c, &err), &err);
	s->a_koseki = c.n[FK_FILE_KOSEKI - 1];
	s->a_count_ledger = c.n[FK_FILE_LEDGER - 1];
	s->a_count_docs = c.n[FK_FILE_DOCS - 1];
	ck_assert_ok(fk_access_counts_each(ctx, each_cb, s->a_each, &err), &err);
	fk_ledger_info l[16];
	ck_assert_ok(fk_access_ledger_list(ctx, MUNI, 0, 16, l, &n, &err), &err);
	s->a_ledger = n;
	fk_doc_info di[16];
	ck_assert_ok(fk_access_docs_list(ctx, MUNI, 0, 16, di, &n, &err), &err);
	s->a_docs = n;
	pl = NULL;
	s->a_ledger_open = fk_access_ledger_open(ctx, new_ledger, &pl, &err);
	json_decref(pl);
	pl = NULL;
	s->a_doc_open = fk_access_doc_open(ctx, new_doc, &pl, &err);
	json_decref(pl);
	d = NULL;
	s->a_open_new = fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, new_reg, 0, &d, &info, &err);
	json_decref(d);
	fkt_act_as(ctx, NULL);
}

START_TEST(no_reader_sees_a_staged_package)
{
	first_package();
	grant_op1();
	tpkg p;
	stage_second(&p);
	int64_t new_reg = reg_of(ctx, "K-9");
	int64_t new_ledger = scalar("SELECT max(id) FROM ledger_entry");
	int64_t new_doc = scalar("SELECT max(id) FROM notification_doc");
	/* a reindex while it stages lists only what is published */
	int64_t lists, regs;
	ck_assert_ok(fk_reindex(ctx, MUNI, 0, &lists, &regs, &err), &err);
	ck_assert_ok(fk_reindex(ctx, MUNI, 1, &lists, &regs, &err), &err);
	ck_assert_int_eq(regs, 3);

	seen s;
	look(&s, new_reg, new_ledger, new_doc);
	/* each reader's filter: without it the staged row would show */
	ck_assert_int_eq(s.koseki, 3);
	ck_assert_int_eq(s.joseki, 0);
	ck_assert_int_eq(s.search_new, 0);
	ck_assert_int_eq(s.search_amended, 0);
	ck_assert_int_eq(s.info_new, FK_ERR_NOTFOUND);
	ck_assert_int_eq(s.k1_version, 1);
	ck_assert_int_eq(s.read_v2, FK_ERR_NOTFOUND);
	ck_assert_int_eq(s.k1_versions, 1);
	ck_assert_int_eq(s.ledger_read, FK_ERR_NOTFOUND);
	ck_assert_int_eq(s.doc_read, FK_ERR_NOTFOUND);
	ck_assert_int_eq(s.page, 3);
	ck_assert_int_eq(s.page_back, 3);
	ck_assert_int_eq(s.position, 3);
	ck_assert_int_eq(s.h_joseki, 0);
	ck_assert_int_eq(s.sorted, 3);
	ck_assert_int_eq(s.ledger_page, 1);
	ck_assert_int_eq(s.doc_page, 0);
	ck_assert_int_eq(s.home_koseki, 3);
	ck_assert_int_eq(s.registers, 3);
	ck_assert_int_eq(s.versions, 3);
	ck_assert_int_eq(s.ledger, 1);
	ck_assert_int_eq(s.docs, 0);
	ck_assert_int_eq(s.a_search, 0);
	ck_assert_int_eq(s.a_list, 3);
	ck_assert_int_eq(s.a_koseki, 3);
	ck_assert_int_eq(s.a_count_ledger, 1);
	ck_assert_int_eq(s.a_count_docs, 0);
	ck_assert_int_eq(s.a_each[FK_FILE_KOSEKI - 1], 3);
	ck_assert_int_eq(s.a_each[FK_FILE_JOSEKI - 1], 0);
	ck_assert_int_eq(s.a_each[FK_FILE_LEDGER - 1], 1);
	ck_assert_int_eq(s.a_each[FK_FILE_DOCS - 1], 0);
	ck_assert_int_eq(s.a_ledger, 1);
	ck_assert_int_eq(s.a_docs, 0);
	/* asked for by id: as an id that does not exist (refused, not found) */
	ck_assert_int_eq(s.a_ledger_open, FK_ERR_DENIED);
	ck_assert_int_eq(s.a_doc_open, FK_ERR_DENIED);
	ck_assert_int_eq(s.a_open_new, FK_ERR_DENIED);

	/* published: every reader sees all of it */
	fk_intake_result res;
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	look(&s, new_reg, new_ledger, new_doc);
	ck_assert_int_eq(s.koseki, 4); /* K-1, K-2, K-9, K-10 */
	ck_assert_int_eq(s.joseki, 2); /* K-3, K-J */
	ck_assert_int_eq(s.search_new, 1);
	ck_assert_int_eq(s.search_amended, 1);
	ck_assert_int_eq(s.info_new, FK_OK);
	ck_assert_int_eq(s.k1_version, 2);
	ck_assert_int_eq(s.read_v2, FK_OK);
	ck_assert_int_eq(s.k1_versions, 2);
	ck_assert_int_eq(s.ledger_read, FK_OK);
	ck_assert_int_eq(s.doc_read, FK_OK);
	ck_assert_int_eq(s.page, 4);
	ck_assert_int_eq(s.page_back, 4);
	ck_assert_int_eq(s.position, 4);
	ck_assert_int_eq(s.h_joseki, 2);
	ck_assert_int_eq(s.sorted, 4);
	ck_assert_int_eq(s.ledger_page, 2);
	ck_assert_int_eq(s.doc_page, 1);
	ck_assert_int_eq(s.home_koseki, 4);
	ck_assert_int_eq(s.registers, 6);
	ck_assert_int_eq(s.versions, 8);
	ck_assert_int_eq(s.ledger, 2);
	ck_assert_int_eq(s.docs, 1);
	ck_assert_int_eq(s.a_search, 1);
	ck_assert_int_eq(s.a_list, 4);
	ck_assert_int_eq(s.a_koseki, 4);
	ck_assert_int_eq(s.a_count_ledger, 2);
	ck_assert_int_eq(s.a_count_docs, 1);
	ck_assert_int_eq(s.a_each[FK_FILE_KOSEKI - 1], 4);
	ck_assert_int_eq(s.a_each[FK_FILE_JOSEKI - 1], 2);
	ck_assert_int_eq(s.a_each[FK_FILE_LEDGER - 1], 2);
	ck_assert_int_eq(s.a_each[FK_FILE_DOCS - 1], 1);
	ck_assert_int_eq(s.a_ledger, 2);
	ck_assert_int_eq(s.a_docs, 1);
	ck_assert_int_eq(s.a_ledger_open, FK_OK);
	ck_assert_int_eq(s.a_doc_open, FK_OK);
	ck_assert_int_eq(s.a_open_new, FK_OK);
	tpkg_free(&p);
}
END_TEST

/* While a package stages, it alone changes the store: another package is refused as busy,
 * every other writer too (its rows would be hidden with the package's). */
START_TEST(one_package_stages_at_a_time)
{
	first_package();
	tpkg p, q;
	fk_intake_result res;
	stage_second(&p);
	int failed = fkt_audit_count(ctx, "intake.import", "failed", NULL);
	tpkg_init(&q, "131024", 1, FK_PKG_DELTA, 1, 0);
	reg(&q, 0, "C-1", "中央 一郎", "ちゅうおう いちろう", "東京都中央区一番地");
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_BUSY);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"reason\":\"busy\""));
	fk_intake_result_clear(&res);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", NULL), failed + 1);
	/* the register K-1 has a staged change: nothing else changes it */
	json_t *d = fkt_register("他人 某", "たにん なにがし", "東京都千代田区一番町一番地");
	int v;
	ck_assert_int_eq(fkt_store_update(ctx, reg_of(ctx, "K-1"), FK_KIND_KOSEKI, d, "x", FIXED_NOW, &v, &err),
			 FK_ERR_BUSY);
	int64_t id;
	ck_assert_int_eq(fkt_store_add(ctx, MUNI, FK_KIND_KOSEKI, d, "x", FIXED_NOW, &id, &err), FK_ERR_BUSY);
	json_decref(d);
	fk_demo_opts o = {5, 1, "東京法務局", NULL, NULL};
	fk_demo_stats ds;
	ck_assert_int_eq(fk_demo_generate(ctx, &o, &ds, &err), FK_ERR_BUSY);
	/* the staging package continues and publishes; then the other one goes in */
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
	tpkg_free(&q);
}
END_TEST

/* ---- R-BATCH-RESUME ---- */

/* The store as canonical text: registers by ref with kind, versions decrypted and who made
 * them, ledger entries and documents decrypted, refs. */
static char *dump(fk_ctx *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(c->db, "SELECT ref, register_id FROM register_ref ORDER BY municipality, ref",
					    0, &st), SQLITE_OK);
	while (fk_sql_step(st) == SQLITE_ROW) {
		int64_t id = fk_sql_column_int64(st, 1);
		fk_reg_info info;
		fk_reg_version v[16];
		int n;
		json_t *d;
		ck_assert_ok(fk_store_info(c, id, &info, &err), &err);
		fprintf(f, "%s kind=%d version=%d\n", (const char *)fk_sql_column_text(st, 0), info.kind,
			info.version);
		ck_assert_ok(fk_store_versions(c, id, v, 16, &n, &err), &err);
		for (int i = 0; i < n; i++) {
			char *json;
			size_t jl;
			ck_assert_ok(fk_store_read(c, id, v[i].version, &d, NULL, &err), &err);
			ck_assert_ok(fk_register_dump(d, &json, &jl, &err), &err);
			fprintf(f, " v%d %lld %s %s\n", v[i].version, (long long)v[i].received_at, v[i].changed_by, json);
			free(json);
			json_decref(d);
		}
	}
	fk_sql_finalize(st);
	ck_assert_int_eq(fk_sql_prepare(c->db, "SELECT id FROM ledger_entry ORDER BY id", 0, &st),
			 SQLITE_OK);
	while (fk_sql_step(st) == SQLITE_ROW) {
		json_t *pl;
		ck_assert_ok(fk_ledger_read(c, fk_sql_column_int64(st, 0), &pl, &err), &err);
		char *s = json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(f, "ledger %s\n", s);
		free(s);
		json_decref(pl);
	}
	fk_sql_finalize(st);
	ck_assert_int_eq(fk_sql_prepare(c->db, "SELECT d.id, d.doc_type, r.ref FROM notification_doc d "
					    "LEFT JOIN register_ref r ON r.register_id = d.register_id ORDER BY d.id",
					    0, &st), SQLITE_OK);
	while (fk_sql_step(st) == SQLITE_ROW) {
		json_t *pl;
		ck_assert_ok(fk_doc_read(c, fk_sql_column_int64(st, 0), &pl, &err), &err);
		char *s = json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(f, "doc %s %s %s\n", fk_sql_column_text(st, 1),
			fk_sql_column_text(st, 2) ? (const char *)fk_sql_column_text(st, 2) : "-", s);
		free(s);
		json_decref(pl);
	}
	fk_sql_finalize(st);
	fprintf(f, "stats");
	ck_assert_int_eq(fk_sql_prepare(c->db, "SELECT municipality, kind, n FROM municipality_stats "
					    "WHERE n > 0 ORDER BY 1, 2", 0, &st), SQLITE_OK);
	while (fk_sql_step(st) == SQLITE_ROW)
		fprintf(f, " %s/%d=%lld", fk_sql_column_text(st, 0), fk_sql_column_int(st, 1),
			(long long)fk_sql_column_int64(st, 2));
	fk_sql_finalize(st);
	fclose(f);
	return buf;
}

static void same_store_as_uninterrupted(tpkg *p, const char *needle);

/* The same package imported uninterrupted into another terminal gives the same store. */
static void same_as_uninterrupted(tpkg *p)
{
	same_store_as_uninterrupted(p, "新井 改子");
}

static void same_store_as_uninterrupted(tpkg *p, const char *needle)
{
	fk_intake_result res;
	fkt_env_init(&env2, NULL);
	ctx2 = fkt_ctx_init(&env2);
	ctx2->clock = fixed_clock;
	fk_ctx *keep = ctx;
	ctx = ctx2;
	first_package();
	ctx = keep;
	ck_assert_ok(import_on(ctx2, p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	char *a = dump(ctx), *b = dump(ctx2);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(a, needle));
	free(a);
	free(b);
}

/* The commits of an import counted (the trust anchor's pending write comes before each), and
 * the process killed at the one numbered kill_at. */
static int pendings, kill_at;

static void count_or_kill(const char *point)
{
	if (!strcmp(point, "pending") && ++pendings == kill_at)
		kill(getpid(), SIGKILL);
}

/* p imported by a child process killed at its commit number at (count_or_kill, set as the
 * anchor's hook); ctx open again on the terminal afterwards. */
static void import_killed_at(tpkg *p, int at)
{
	fk_intake_result res;
	fk_ctx_close(ctx);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fk_ctx *c = fkt_ctx_open(&env);
		c->clock = fixed_clock;
		pendings = 0;
		kill_at = at; /* 0: killed by another hook the caller set (fk_publish_settle_hook) */
		import_on(c, p, &res);
		_exit(0); /* not reached */
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	fk_anchor_test_hook(NULL);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
}

/* A one-chunk package is applied with its outcome on record, or not at all (R-BATCH-ATOMIC,
 * R-LOG): killed at its last commit, the store has neither. */
START_TEST(a_one_chunk_package_is_applied_with_its_record_or_not_at_all)
{
	tpkg q, r;
	fk_intake_result res;
	first_package();
	tpkg_init(&q, MUNI, 2, FK_PKG_DELTA, 1, 0);
	reg(&q, 0, "K-x", "新井 花子", "あらい はなこ", "東京都千代田区一番町9番地");
	pendings = kill_at = 0;
	fk_anchor_test_hook(count_or_kill);
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	int per_package = pendings;
	tpkg_init(&r, MUNI, 3, FK_PKG_DELTA, 1, 0);
	reg(&r, 0, "K-y", "新井 一郎", "あらい いちろう", "東京都千代田区一番町10番地");
	import_killed_at(&r, per_package);
	/* every success record of an import is a step (staging, chunk, published) or an outcome */
	int outcomes = fkt_audit_count(ctx, "intake.import", "success", NULL) -
		       fkt_audit_count(ctx, "intake.import", "success", "staging") -
		       fkt_audit_count(ctx, "intake.import", "success", "chunk") -
		       fkt_audit_count(ctx, "intake.import", "success", "published");
	ck_assert_int_eq(scalar("SELECT count(*) FROM package WHERE state = 'published'"), 2);
	ck_assert_int_eq(outcomes, 2);
	ck_assert_int_eq(scalar("SELECT count(*) FROM package WHERE state = 'staging'"), 0);
	tpkg_free(&q);
	tpkg_free(&r);
}
END_TEST

/* A package of four chunks with a bit of everything. */
static void big_package(tpkg *p)
{
	char ref[16], name[64];
	tpkg_init(p, MUNI, 2, FK_PKG_DELTA, 4, 7);
	p->loading = 1;
	for (int c = 0; c < 4; c++) {
		for (int i = 0; i < 5; i++) {
			snprintf(ref, sizeof ref, "N-%d-%d", c, i);
			snprintf(name, sizeof name, "新井 %d%d子", c, i);
			reg(p, c, ref, name, "あらい はなこ", "東京都千代田区九段南一丁目");
		}
		led(p, c, "第10号");
		doc(p, c, "N-0-0", "第10号");
	}
	ver(p, 1, "N-0-1", "新井 改子", "あらい かいこ", "東京都千代田区九段南三丁目");
	ver(p, 2, "K-1", "山田 二子", "やまだ ふたこ", "東京都千代田区一番町一番地");
	rem(p, 3, "N-0-2");
	rem(p, 3, "K-2");
	reg(p, 3, "N-0-3", "重複 太郎", "ちょうふく たろう", "東京都千代田区");
}

START_TEST(an_interrupted_import_resumes_to_the_same_store)
{
	first_package();
	tpkg p;
	fk_intake_result res;
	big_package(&p);
	/* stopped after chunk 1 (two of four staged), as a kill would leave it */
	fk_intake_stop_after = 2;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT chunks_staged FROM package WHERE state = 'staging'"), 2);
	/* a new process continues after the last staged chunk */
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
	fk_intake_stop_after = 0;
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.rejected, 1); /* N-0-3 twice */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "success", "chunk"), 4); /* the first package's: none */
	fk_intake_result_clear(&res);

	same_as_uninterrupted(&p);
	tpkg_free(&p);
}
END_TEST

/* Every register's tags (of its current version, recomputed) in the index, and nothing more of
 * the package's registers (those above first). */
static void index_is_whole(int64_t first)
{
	fk_stmt *st;
	int64_t want = 0;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT id FROM register WHERE id > ?1", 0, &st), SQLITE_OK);
	fk_sql_bind_int64(st, 1, first);
	while (fk_sql_step(st) == SQLITE_ROW) {
		int64_t id = fk_sql_column_int64(st, 0);
		uint8_t tags[FK_TAGS_MAX][FK_BLIND_LEN];
		int n = 0;
		json_t *d;
		fk_stmt *q;
		ck_assert_ok(fk_store_read(ctx, id, 0, &d, NULL, &err), &err);
		ck_assert_ok(fk_store_tags(ctx->keys, d, tags, &n, &err), &err);
		json_decref(d);
		ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT count(*) FROM register_index WHERE tag = ?1 "
						    "AND register_id = ?2", 0, &q), SQLITE_OK);
		for (int i = 0; i < n; i++) {
			int dup = 0;
			for (int j = 0; j < i; j++)
				dup |= memcmp(tags[i], tags[j], FK_BLIND_LEN) == 0;
			fk_sql_bind_blob(q, 1, tags[i], FK_BLIND_LEN, SQLITE_STATIC);
			fk_sql_bind_int64(q, 2, id);
			ck_assert_int_eq(fk_sql_step(q), SQLITE_ROW);
			ck_assert_int_eq(fk_sql_column_int64(q, 0), 1);
			fk_sql_reset(q);
			want += !dup;
		}
		fk_sql_finalize(q);
	}
	fk_sql_finalize(st);
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register_index WHERE register_id > %lld", (long long)first);
	ck_assert_int_eq(scalar(sql), want);
}

/* A large package's new registers' tags go into the index after its last chunk, sorted over
 * the package, in steps whose position the package's row keeps (issue 10; R-BATCH-RESUME):
 * none while it stages; stopped after a step, the next run goes on after it (not from the
 * start: the position would be behind); the index then whole, the store as an uninterrupted
 * import's. */
START_TEST(a_large_package_s_tags_are_merged_after_staging_and_resumed_where_they_stopped)
{
	tpkg p;
	fk_intake_result res;
	first_package();
	int64_t wm = scalar("SELECT max(id) FROM register");
	big_package(&p);
	fk_intake_stop_after = 2;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	fk_intake_stop_after = 0;
	ck_assert_int_gt(scalar("SELECT count(*) FROM register WHERE id > (SELECT wm_register FROM package "
				"WHERE state = 'staging')"), 0);
	/* (a register the package makes and then amends has its last version's tags already) */
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index WHERE register_id > (SELECT "
				"wm_register FROM package WHERE state = 'staging') AND register_id NOT IN "
				"(SELECT register_id FROM staged_change WHERE change <> 3)"), 0);
	fk_tagmerge_step_tags = 40;
	/* Every step's start over its budget, as on a machine busy enough (it happened on a
	 * loaded PostgreSQL run): each step still commits its batch of 40, or none would. */
	fk_tagmerge_step_ns = 0;
	fk_tagmerge_stop_after = 1;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT lines_staged FROM package WHERE state = 'staging'"), 40);
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
	fk_tagmerge_stop_after = 2;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT lines_staged FROM package WHERE state = 'staging'"), 120);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index WHERE register_id > (SELECT "
				"wm_register FROM package WHERE state = 'staging') AND register_id NOT IN "
				"(SELECT register_id FROM staged_change WHERE change <> 3)"), 120);
	fk_tagmerge_stop_after = 0;
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	ck_assert_int_ge(fkt_audit_count(ctx, "intake.import", "success", "indexing"), 4);
	index_is_whole(wm);
	int64_t ids[8];
	int n = 0;
	fk_search q = {.field = FK_FIELD_NAME, .query = "新井 21子", .limit = 8};
	ck_assert_ok(fk_store_search(ctx, &q, ids, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	same_as_uninterrupted(&p);
	tpkg_free(&p);
}
END_TEST

/* kill -9 in the middle of a chunk's transaction (a child process importing, killed by its
 * own source after three records of chunk 2): only that chunk is lost; the import run again
 * gives the store an uninterrupted import gives. */
static int calls[TCHUNKS];

static fk_status killing_each(void *arg, int chunk, fk_intake_record_fn fn, void *fnarg, fk_error *e)
{
	tpkg *p = arg;
	fk_status s = FK_OK;
	/* the first call of a chunk prepares its registers ahead (stage.h), the second stages */
	int staging = ++calls[chunk] == 2;
	for (int i = 0; i < p->n[chunk] && s == FK_OK; i++) {
		if (chunk == 2 && i == 4 && staging)
			raise(SIGKILL); /* lines 0-2 committed as a part, line 3 in the next one */
		s = fn(fnarg, i, &p->c[chunk][i].r, p->c[chunk][i].why, NULL, e);
	}
	return s;
}

START_TEST(an_import_killed_mid_chunk_resumes_to_the_same_store)
{
	first_package();
	tpkg p;
	fk_intake_result res;
	big_package(&p);
	fk_ctx_close(ctx);
	fk_intake_part_records = 3; /* parts of three records: a kill lands inside a chunk */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fk_ctx *c = fkt_ctx_open(&env);
		c->clock = fixed_clock;
		fk_intake_pkg ip = {.m = &p.m, .digest = p.digest, .signer = p.signer,
				    .src = {.each = killing_each, .arg = &p}};
		fk_intake_import(c, &ip, &res, &err);
		_exit(0); /* not reached */
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
	/* chunks 0 and 1 durable, and chunk 2's first part; the part being staged gone */
	ck_assert_int_eq(scalar("SELECT chunks_staged FROM package WHERE state = 'staging'"), 2);
	ck_assert_int_eq(scalar("SELECT lines_staged FROM package WHERE state = 'staging'"), 3);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_ref WHERE ref LIKE 'N-2-%'"), 3);
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	same_as_uninterrupted(&p);
	tpkg_free(&p);
}
END_TEST

/* A full disk in the middle of a chunk: the chunk is not applied, a retry continues. */
static void disk_full(fk_ctx *c, int chunk)
{
	if (chunk != 1)
		return;
	int64_t pages = fkt_scalar(c, "PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages);
	ck_assert_int_eq(fk_sql_exec(c->db, sql), SQLITE_OK);
}

START_TEST(a_full_disk_leaves_the_chunk_unapplied_and_a_retry_continues)
{
	if (fkt_skip_on_pg("a full disk", "made with SQLite's PRAGMA max_page_count; a PostgreSQL "
			   "store's disk is its server's"))
		return;
	first_package();
	tpkg p;
	fk_intake_result res;
	big_package(&p);
	int64_t versions = scalar("SELECT count(*) FROM register_version");
	fk_intake_chunk_hook = disk_full;
	fk_status s = import(&p, &res);
	ck_assert_msg(s == FK_ERR_FULL, "%s: %s", fk_status_name(s), err.msg);
	fk_intake_result_clear(&res);
	fk_intake_chunk_hook = NULL;
	ck_assert_int_eq(scalar("SELECT chunks_staged FROM package WHERE state = 'staging'"), 1);
	/* only chunk 0's registers are there */
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_version"), versions + 5);
	ck_assert_int_eq(fk_sql_exec(ctx->db, "PRAGMA max_page_count = 1073741823"), SQLITE_OK);
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 20);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
}
END_TEST

/* ---- R-BATCH-PROTO: sequences, replays, receipts ---- */

/* ---- a large package into empty lists: listed ahead, put in place (prepublish.h) ---- */

/* New registers only, 戸籍 and 除籍, in three chunks, for a terminal whose lists are empty. */
static void listed_package(tpkg *p)
{
	static const char *const people[][3] = {
		{"渡辺 一郎", "わたなべ いちろう", "東京都千代田区九段南四丁目10番地"},
		{"伊藤 花子", "いとう はなこ", "東京都千代田区一番町20番地"},
		{"加藤 健", "かとう けん", "東京都千代田区一番町3番地"},
		{"小林 誠", "こばやし まこと", "東京都千代田区神田一丁目"},
		{"青木 咲", "あおき さき", "東京都千代田区丸の内二丁目"},
		{"阿部 学", "あべ まなぶ", "東京都千代田区一番町3番地"},
		{"石井 葵", "いしい あおい", "東京都千代田区九段南一丁目"},
	};
	char ref[16];
	tpkg_init(p, MUNI, 1, FK_PKG_FULL, 3, 11);
	p->loading = 1;
	for (int c = 0; c < 3; c++)
		for (int i = 0; i < 7; i++) {
			const char *const *who = people[(i * 3 + c) % 7];
			snprintf(ref, sizeof ref, "L-%d-%d", c, i);
			reg(p, c, ref, who[0], who[1], who[2]);
			if (i % 3 == 2)
				p->c[c][p->n[c] - 1].r.kind = FK_KIND_JOSEKI;
		}
}

/* The slot a list's rows live in (order.h: the sealed meta row naming it, else the kind):
 * rows elsewhere are a shadow being written or a list a flip left stale. */
#define LIVE_SLOT                                                                                  \
	"coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'order.live.' || "          \
	"register_order.municipality || '.' || (register_order.kind % 100)), register_order.kind % 100)"
#define LIVE_ROWS "SELECT count(*) FROM register_order WHERE kind = " LIVE_SLOT
#define OTHER_ROWS "SELECT count(*) FROM register_order WHERE kind <> " LIVE_SLOT

/* Both sorted orders of both lists, as ids, checked in step. */
static char *orders(fk_ctx *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (int k = 1; k <= 2; k++)
		for (int fl = 1; fl <= 2; fl++) {
			int64_t ids[64], total;
			int n;
			ck_assert_ok(fk_order_check(c, MUNI, k, (fk_order_field)fl, &total, &err), &err);
			ck_assert_ok(fk_order_page(c, MUNI, k, (fk_order_field)fl, 0, 64, ids, &n, &err), &err);
			ck_assert_int_eq(n, total);
			fprintf(f, "list %d/%d:", k, fl);
			for (int i = 0; i < n; i++)
				fprintf(f, " %lld", (long long)ids[i]);
			fprintf(f, "\n");
		}
	fclose(f);
	return buf;
}

/* While the lists are written ahead, a reader sees none of it: each list in step and empty,
 * no figure, no register. */
static void nothing_listed_yet(void)
{
	char *o = orders(ctx);
	ck_assert_str_eq(o, "list 1/1:\nlist 1/2:\nlist 2/1:\nlist 2/2:\n");
	free(o);
	int64_t total = -1;
	ck_assert_ok(fk_browse_total(ctx, MUNI, 1, &total, &err), &err);
	ck_assert_int_eq(total, 0);
	ck_assert_int_eq(scalar(LIVE_ROWS), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM package WHERE state = 'staging'"), 1);
}

/* The same package into another, fresh terminal, uninterrupted: the same store and lists. */
static void same_lists_as_uninterrupted(tpkg *p)
{
	fk_intake_result res;
	fkt_env_init(&env2, NULL);
	ctx2 = fkt_ctx_init(&env2);
	ctx2->clock = fixed_clock;
	ck_assert_ok(import_on(ctx2, p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	char *a = dump(ctx), *b = dump(ctx2), *oa = orders(ctx), *ob = orders(ctx2);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(oa, ob);
	free(a);
	free(b);
	free(oa);
	free(ob);
}

START_TEST(a_large_package_into_empty_lists_is_listed_ahead_and_put_in_place)
{
	tpkg p;
	fk_intake_result res;
	listed_package(&p);
	/* stopped after the first listing step, as a crash between steps would leave it */
	fk_prepublish_stop_after = 1;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	ck_assert_int_gt(scalar(OTHER_ROWS), 0);
	nothing_listed_yet();
	/* a new process goes on, and stops again half-way (a short shadow is written again) */
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
	fk_prepublish_stop_after = 3;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	nothing_listed_yet();
	fk_prepublish_stop_after = 0;
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 21);
	fk_intake_result_clear(&res);
	/* put in place: no shadow and no kept keys left, each step on record */
	ck_assert_int_eq(scalar(OTHER_ROWS), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	ck_assert_int_ge(fkt_audit_count(ctx, "intake.import", "success", "listing"), 5);
	/* the lists as a rebuild from the registers themselves makes them */
	char *ahead = orders(ctx);
	int64_t lists, regs;
	ck_assert_ok(fk_reindex(ctx, MUNI, 1, &lists, &regs, &err), &err);
	ck_assert_int_eq(regs, 21);
	char *rebuilt = orders(ctx);
	ck_assert_str_eq(ahead, rebuilt);
	ck_assert_ptr_nonnull(strstr(ahead, "list 2/2: "));
	free(ahead);
	free(rebuilt);
	same_lists_as_uninterrupted(&p);
	tpkg_free(&p);
}
END_TEST

/* The sorted lists' rows (shadows or lists) as stored: field, place and sealed ids (a row
 * written again differs: each seal has a nonce of its own). */
static char *order_rows(void)
{
	fk_stmt *st;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(fk_sql_prepare(ctx->db, fkt_pg() ? "SELECT field, seq, upper(encode(ids, 'hex')) FROM "
					    "register_order ORDER BY kind % 100, field, seq"
					  : "SELECT field, seq, hex(ids) FROM register_order ORDER BY kind % 100, field, seq",
					    0, &st), SQLITE_OK);
	while (fk_sql_step(st) == SQLITE_ROW)
		fprintf(f, "%d %lld %s\n", fk_sql_column_int(st, 0), (long long)fk_sql_column_int64(st, 1),
			(const char *)fk_sql_column_text(st, 2));
	fk_sql_finalize(st);
	fclose(f);
	return buf;
}

/* Stopped while the staged rows are being removed (the shadows whole): the import run again
 * goes on with the removal and puts those very shadows in place, not lists written again from
 * the keys left (which would hold only some of the registers). */
START_TEST(an_import_stopped_while_removing_staged_rows_keeps_its_shadows)
{
	tpkg p;
	fk_intake_result res;
	listed_package(&p);
	fk_prepublish_batch = 5;
	fk_prepublish_stop_after = 5; /* the four shadows, then five of the 21 staged rows */
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 16);
	nothing_listed_yet();
	char *before = order_rows();
	fk_prepublish_stop_after = 0;
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	char *after = order_rows();
	ck_assert_str_eq(before, after); /* the same rows, put in place */
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	free(before);
	free(after);
	same_lists_as_uninterrupted(&p);
	tpkg_free(&p);
}
END_TEST

/* kill -9 in publishing's transaction (the shadows written, the staged rows gone): nothing of
 * the package shows, and the import run again gives the store an uninterrupted one gives. */
START_TEST(an_import_killed_while_publishing_resumes_to_the_same_store)
{
	tpkg p;
	fk_intake_result res;
	listed_package(&p);
	/* how many commits the whole import makes, on a terminal of its own */
	fkt_env init2;
	fkt_env_init(&init2, NULL);
	fk_ctx *c2 = fkt_ctx_init(&init2);
	c2->clock = fixed_clock;
	pendings = kill_at = 0;
	fk_anchor_test_hook(count_or_kill);
	ck_assert_ok(import_on(c2, &p, &res), &err);
	fk_intake_result_clear(&res);
	int commits = pendings;
	fk_ctx_close(c2);
	fkt_env_cleanup(&init2);
	/* publishing's commit: the gate's outcome record comes after it */
	import_killed_at(&p, commits - 1);
	/* everything was written ahead, nothing put in place */
	ck_assert_int_eq(scalar(OTHER_ROWS), 4);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	nothing_listed_yet();
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	same_lists_as_uninterrupted(&p);
	tpkg_free(&p);
}
END_TEST

/* ---- publishing in a short step (issue 10): tags written while staging, settled after ---- */

static int64_t found(const char *name)
{
	int64_t ids[4];
	int n;
	fk_search q = {FK_FIELD_NAME, name, MUNI, 0, 0, 0, 4};
	ck_assert_ok(fk_store_search(ctx, &q, ids, &n, &err), &err);
	return n;
}

static int stop_settling(fk_ctx *c, int64_t settled)
{
	(void)c;
	(void)settled;
	return 1;
}

static int kill_settling(fk_ctx *c, int64_t settled)
{
	(void)c;
	(void)settled;
	kill(getpid(), SIGKILL);
	return 1;
}

static void no_trust_problem(void *arg, const char *what, int64_t seq, const char *msg)
{
	(void)arg;
	(void)seq;
	ck_abort_msg("%s: %s", what, msg);
}

/* K-2 renamed and K-3 removed (both sorted lists then rebuilt, nothing moved one by one: the
 * rows go by publishing's one statement), a ledger entry after them (a new register would be
 * listed by a binary search that reads K-2's row); staged up to its last chunk. */
static void stage_rename(tpkg *p)
{
	fk_intake_result res;
	tpkg_init(p, MUNI, 2, FK_PKG_DELTA, 2, 0);
	ver(p, 0, "K-2", "佐藤 改名", "さとう じろう", "東京都千代田区二番町二番地");
	rem(p, 0, "K-3");
	led(p, 1, "第5号");
	fk_intake_stop_after = 1;
	ck_assert_int_eq(import(p, &res), FK_ERR_INTERNAL);
	fk_intake_stop_after = 0;
	fk_intake_result_clear(&res);
}

/* R-BATCH-ATOMIC: the new version's tags are in the index while it stages, and no reader
 * finds it by them (nor loses it by its old name) until it is published; published, its old
 * tags are hidden before they are deleted, in steps after publishing, which a kill -9 between
 * them leaves to the next import. The register's row moves in publishing's one statement,
 * sealed: one changed behind the package's back is refused, not laundered. */
START_TEST(an_amendment_is_indexed_while_staging_and_settled_after_publishing)
{
	first_package();
	tpkg p;
	fk_intake_result res;
	stage_rename(&p);
	int64_t k2 = reg_of(ctx, "K-2");
	/* staged: the new tag in the index, marked; the old one marked, still found */
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index WHERE added_by IS NOT NULL"), 1);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index WHERE removed_by IS NOT NULL"), 1);
	ck_assert_int_eq(found("佐藤 次郎"), 1);
	ck_assert_int_eq(found("佐藤 改名"), 0);
	ck_assert_int_eq(found("佐藤"), 1);

	/* the register's row changed while it stages: publishing refuses, nothing shows */
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE register SET received_at = received_at + 1 WHERE id = %lld",
		 (long long)k2);
	ck_assert_int_eq(fk_sql_exec(ctx->db, sql), SQLITE_OK);
	ck_assert_int_eq(import(&p, &res), FK_ERR_TAMPER);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM package WHERE state = 'staging'"), 1);
	ck_assert_int_eq(found("佐藤 次郎"), 1);
	ck_assert_int_eq(found("佐藤 改名"), 0);
	snprintf(sql, sizeof sql, "UPDATE register SET received_at = received_at - 1 WHERE id = %lld",
		 (long long)k2);
	ck_assert_int_eq(fk_sql_exec(ctx->db, sql), SQLITE_OK);

	/* published, killed before its staged rows are settled: every reader sees it whole */
	fk_publish_settle_hook = kill_settling;
	import_killed_at(&p, 0);
	fk_publish_settle_hook = NULL;
	ck_assert_int_eq(scalar("SELECT count(*) FROM package WHERE state = 'published'"), 2);
	ck_assert_int_gt(scalar("SELECT count(*) FROM staged_change"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index WHERE removed_by IS NOT NULL"), 1);
	ck_assert_int_eq(found("佐藤 次郎"), 0); /* published: its removal stands */
	ck_assert_int_eq(found("佐藤 改名"), 1);
	ck_assert_int_eq(found("佐藤"), 1);
	fk_reg_info info;
	ck_assert_ok(fk_store_info(ctx, k2, &info, &err), &err);
	ck_assert_int_eq(info.version, 2);

	/* stopped before settling once more: the next import settles first, then answers */
	fk_publish_settle_hook = stop_settling;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	fk_publish_settle_hook = NULL;
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.again, 1);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index WHERE removed_by IS NOT NULL"), 0);
	ck_assert_int_eq(found("佐藤 次郎"), 0);
	ck_assert_int_eq(found("佐藤 改名"), 1);
	/* every sealed row and table as the key folder says */
	fk_trust_report rep;
	ck_assert_ok(fk_trust_verify(ctx, 1, NULL, no_trust_problem, NULL, &rep, &err), &err);
	ck_assert_int_eq(rep.problems, 0);
	same_store_as_uninterrupted(&p, "佐藤 改名");
	tpkg_free(&p);
}
END_TEST

/* A register new in a part and amended in the same part: its first version's tags are still
 * collected in memory (store.c, bulk load) when the amendment replaces them, and must come out
 * of that memory, or the index would get them at the part's end and the register would be found
 * by its old name. R-VERSION, R-BATCH-ATOMIC. */
START_TEST(a_register_amended_in_the_part_that_creates_it_loses_its_old_tags)
{
	tpkg p;
	fk_intake_result res;
	fk_reg_info info;
	/* one package of one part: the register, then its amendment */
	tpkg_init(&p, MUNI, 1, FK_PKG_DELTA, 1, 0);
	reg(&p, 0, "K-9", "田中 一郎", "たなか いちろう", "東京都千代田区九番町九番地");
	ver(&p, 0, "K-9", "中村 花子", "なかむら はなこ", "東京都千代田区九番町九番地");
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_VERSION], 1);
	fk_intake_result_clear(&res);
	ck_assert_ok(fk_store_info(ctx, reg_of(ctx, "K-9"), &info, &err), &err);
	ck_assert_int_eq(info.version, 2);
	ck_assert_int_eq(found("田中 一郎"), 0);
	ck_assert_int_eq(found("田中"), 0);
	ck_assert_int_eq(found("中村 花子"), 1);
	tpkg_free(&p);
}
END_TEST

/* Abandoned, an amendment's tags are as before it: the new gone, the old unmarked. */
START_TEST(an_abandoned_amendment_leaves_the_index_as_it_was)
{
	first_package();
	tpkg p;
	int64_t removed;
	int64_t tags = scalar("SELECT count(*) FROM register_index");
	stage_rename(&p);
	ck_assert_ok(fk_intake_abandon(ctx, FK_OP_IMPORT_ABANDON, &removed, &err), &err);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index"), tags);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index WHERE added_by IS NOT NULL "
				"OR removed_by IS NOT NULL"), 0);
	ck_assert_int_eq(found("佐藤 次郎"), 1);
	ck_assert_int_eq(found("佐藤 改名"), 0);
	tpkg_free(&p);
}
END_TEST

/* Abandoning a package whose lists were written ahead removes them too. */
START_TEST(an_abandoned_package_leaves_no_shadow)
{
	tpkg p;
	fk_intake_result res;
	int64_t removed;
	listed_package(&p);
	fk_prepublish_stop_after = 2;
	ck_assert_int_eq(import(&p, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	fk_prepublish_stop_after = 0;
	ck_assert_int_gt(scalar(OTHER_ROWS), 0);
	ck_assert_ok(fk_intake_abandon(ctx, FK_OP_IMPORT_ABANDON, &removed, &err), &err);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_order"), 0);
	tpkg_free(&p);
}
END_TEST

/* ---- a package amending kept lists: the whole lists written ahead (prepublish.h) ---- */

/* After listed_package: a delta in three chunks that moves seven registers (new 本籍 and
 * readings, 戸籍 and 除籍), removes two 戸籍 (into 除籍) and adds two. */
static void amending_package(tpkg *q)
{
	static const char *const readings[] = {"あさの いちろう", "わだ はなこ", "うえだ けん"};
	char ref[16], honseki[64];
	tpkg_init(q, MUNI, 2, FK_PKG_DELTA, 3, 12);
	q->loading = 1;
	for (int i = 0; i < 7; i++) {
		snprintf(ref, sizeof ref, "L-0-%d", i);
		snprintf(honseki, sizeof honseki, "東京都千代田区一番町%d番地", 90 - 7 * i);
		ver(q, i % 3, ref, "改 名", readings[i % 3], honseki);
	}
	rem(q, 1, "L-1-0");
	rem(q, 1, "L-1-1");
	reg(q, 2, "N-0", "相川 一", "あいかわ はじめ", "東京都千代田区一番町50番地");
	reg(q, 2, "N-1", "和田 二", "わだ つぐ", "東京都千代田区九段南二丁目");
}

/* The rows of the lists (in their live slots) or of the others (shadows, stale lists), as
 * stored. */
static char *list_rows(int shadows)
{
	fk_stmt *st;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(fk_sql_prepare(ctx->db,
					    fkt_pg() ? "SELECT kind % 100, field, seq, upper(encode(ids, 'hex')) FROM "
					    "register_order WHERE (kind <> " LIVE_SLOT ") = (?1 <> 0) ORDER BY kind % 100, field, seq"
					  : "SELECT kind % 100, field, seq, hex(ids) FROM register_order "
					    "WHERE (kind <> " LIVE_SLOT ") = ?1 ORDER BY kind % 100, field, seq",
					    0, &st), SQLITE_OK);
	fk_sql_bind_int(st, 1, shadows);
	while (fk_sql_step(st) == SQLITE_ROW)
		fprintf(f, "%d %d %lld %s\n", fk_sql_column_int(st, 0), fk_sql_column_int(st, 1),
			(long long)fk_sql_column_int64(st, 2), (const char *)fk_sql_column_text(st, 3));
	fk_sql_finalize(st);
	fclose(f);
	return buf;
}

/* An uninterrupted import of p then q on another terminal gives this store and these lists. */
static void both_as_uninterrupted(tpkg *p, tpkg *q, const char *lists)
{
	fk_intake_result res;
	fkt_env_init(&env2, NULL);
	ctx2 = fkt_ctx_init(&env2);
	ctx2->clock = fixed_clock;
	ck_assert_ok(import_on(ctx2, p, &res), &err);
	fk_intake_result_clear(&res);
	ck_assert_ok(import_on(ctx2, q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	char *a = dump(ctx), *b = dump(ctx2), *ob = orders(ctx2);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(lists, ob);
	free(a);
	free(b);
	free(ob);
}

/* R-BATCH-RESUME: a listing step whose start alone takes its whole time budget (the write lock
 * and the trust base's checks on a busy PostgreSQL server) still writes a batch; when each
 * step wrote nothing, the import took steps for ever, each with its record. */
START_TEST(a_listing_step_over_its_budget_still_makes_progress)
{
	tpkg p, q;
	fk_intake_result res;
	listed_package(&p);
	ck_assert_ok(import(&p, &res), &err);
	fk_intake_result_clear(&res);
	amending_package(&q);
	fk_prepublish_whole_min = 1;
	fk_prepublish_batch = 1;
	fk_prepublish_step_ns = 0;
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	ck_assert_int_eq(scalar(OTHER_ROWS), 0);
	tpkg_free(&p);
	tpkg_free(&q);
}
END_TEST

/* R-BATCH-ATOMIC, R-BATCH-RESUME (issue 10: publishing amendments must not move each register
 * under the write lock). Stopped after its first listing step and again once the shadows are
 * whole: the lists a reader sees are those before the package; run again, publishing puts
 * the very shadow rows in place (not lists written again: each seal has its own nonce), and
 * the lists are those a rebuild from the registers gives and an uninterrupted import gives. */
START_TEST(an_amending_package_is_listed_whole_ahead_and_put_in_place)
{
	tpkg p, q;
	fk_intake_result res;
	listed_package(&p);
	ck_assert_ok(import(&p, &res), &err);
	fk_intake_result_clear(&res);
	char *before = orders(ctx);
	int64_t n1 = scalar("SELECT n FROM municipality_stats WHERE kind = 1");
	amending_package(&q);
	fk_prepublish_whole_min = 1;
	fk_prepublish_stop_after = 1;
	ck_assert_int_eq(import(&q, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	ck_assert_int_gt(scalar(OTHER_ROWS), 0);
	char *mid = orders(ctx);
	ck_assert_str_eq(mid, before);
	free(mid);
	/* the shadows whole (two lists, two fields), one new register's staged row removed */
	fk_prepublish_batch = 1;
	fk_prepublish_stop_after = 5;
	ck_assert_int_eq(import(&q, &res), FK_ERR_INTERNAL);
	fk_intake_result_clear(&res);
	mid = orders(ctx);
	ck_assert_str_eq(mid, before);
	free(mid);
	ck_assert_int_eq(scalar("SELECT n FROM municipality_stats WHERE kind = 1"), n1);
	ck_assert_int_eq(scalar("SELECT count(*) FROM package WHERE state = 'staging'"), 1);
	char *shadows = list_rows(1);
	fk_prepublish_stop_after = 0;
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	char *lists = list_rows(0);
	ck_assert_str_eq(shadows, lists); /* put in place, not written again */
	ck_assert_int_eq(scalar(OTHER_ROWS), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	ck_assert_int_eq(scalar("SELECT n FROM municipality_stats WHERE kind = 1"), n1 - 2 + 2);
	char *ahead = orders(ctx);
	ck_assert_str_ne(ahead, before);
	int64_t nl, nr;
	ck_assert_ok(fk_reindex(ctx, MUNI, 1, &nl, &nr, &err), &err);
	char *rebuilt = orders(ctx);
	ck_assert_str_eq(ahead, rebuilt);
	both_as_uninterrupted(&p, &q, ahead);
	free(ahead);
	free(rebuilt);
	free(shadows);
	free(lists);
	free(before);
	tpkg_free(&p);
	tpkg_free(&q);
}
END_TEST

static int kill_sweeping(fk_ctx *c, int64_t steps)
{
	(void)c;
	(void)steps;
	kill(getpid(), SIGKILL);
	return 1;
}

/* R-BATCH-ATOMIC, R-BATCH-RESUME (issue 10: publishing's flip is constant-size). Publishing
 * switches the sealed name of each list's slot and writes no list row: killed right after it,
 * the lists before the package are still stored, byte for byte, beside the new ones, and a
 * reader (this process; the import ran in another) sees the new lists whole and in step. The
 * stale lists are then swept in steps of their own: killed in the sweep's commit, nothing of it
 * is lost or half-done; run again, the store and lists are those an uninterrupted import of
 * both packages gives, with no stale row or mark left. */
START_TEST(publishing_names_the_new_lists_and_sweeps_the_old_ones_after)
{
	tpkg p, q;
	fk_intake_result res;
	listed_package(&p);
	ck_assert_ok(import(&p, &res), &err);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM meta WHERE key LIKE 'order.stale.%'"), 0);
	char *before = orders(ctx), *old_rows = list_rows(0);
	amending_package(&q);
	fk_prepublish_whole_min = 1;
	fk_publish_sweep_hook = kill_sweeping;
	import_killed_at(&q, 0);
	fk_publish_sweep_hook = NULL;
	ck_assert_int_eq(scalar("SELECT count(*) FROM package WHERE state = 'published'"), 2);
	char *stale = list_rows(1), *mid = orders(ctx);
	ck_assert_str_eq(stale, old_rows); /* not rewritten, not removed by publishing */
	ck_assert_str_ne(mid, before);
	ck_assert_int_eq(scalar("SELECT count(*) FROM meta WHERE key LIKE 'order.stale.%'"), 1);
	ck_assert_int_eq(scalar("SELECT count(*) FROM meta WHERE key LIKE 'order.live.%'"), 2);
	/* the name put back to the stale list behind the terminal's back: refused, not shown */
	char sql[160];
	int64_t live = scalar("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'order.live." MUNI ".1'");
	snprintf(sql, sizeof sql, "UPDATE meta SET value = '%d' WHERE key = 'order.live." MUNI ".1'",
		 live == 1 ? 101 : 1);
	fkt_outside(&env, sql);
	ck_assert_int_eq(import(&q, &res), FK_ERR_TAMPER);
	fk_intake_result_clear(&res);
	snprintf(sql, sizeof sql, "UPDATE meta SET value = '%lld' WHERE key = 'order.live." MUNI ".1'",
		 (long long)live);
	fkt_outside(&env, sql);
	/* killed in the first sweeping step's commit (the first commit of the run) */
	pendings = kill_at = 0;
	fk_anchor_test_hook(count_or_kill);
	import_killed_at(&q, 1);
	char *stale2 = list_rows(1), *mid2 = orders(ctx);
	ck_assert_str_eq(stale2, old_rows);
	ck_assert_str_eq(mid2, mid);
	/* the same package again: its receipt, once the stale lists are gone */
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.again, 1);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar(OTHER_ROWS), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM meta WHERE key LIKE 'order.stale.%'"), 0);
	ck_assert_int_ge(fkt_audit_count(ctx, "intake.import", "success", "settled"), 1);
	char *after = orders(ctx);
	ck_assert_str_eq(after, mid);
	int64_t nl, nr;
	ck_assert_ok(fk_reindex(ctx, MUNI, 1, &nl, &nr, &err), &err);
	char *rebuilt = orders(ctx);
	ck_assert_str_eq(after, rebuilt);
	both_as_uninterrupted(&p, &q, after);
	free(before);
	free(old_rows);
	free(stale);
	free(mid);
	free(stale2);
	free(mid2);
	free(after);
	free(rebuilt);
	tpkg_free(&p);
	tpkg_free(&q);
}
END_TEST

START_TEST(sequence_replay_and_the_same_receipt)
{
	tpkg p5, p7, p5b, p6;
	fk_intake_result res, again;
	/* a municipality's first package is 1, or a full re-send of any sequence */
	tpkg_init(&p7, "131024", 4, FK_PKG_DELTA, 1, 0);
	reg(&p7, 0, "C-1", "中央 一郎", "ちゅうおう いちろう", "東京都中央区");
	ck_assert_ok(import(&p7, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_SEQUENCE);
	ck_assert_int_eq(res.expected_sequence, 1);
	/* a refusal's receipt has an applied one's keys, empty */
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"accepted\":{\"register\":0,"));
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"missing\":[],\"rejected\":[]"));
	fk_intake_result_clear(&res);
	tpkg_free(&p7);
	tpkg_init(&p5, MUNI, 5, FK_PKG_FULL, 1, 0);
	reg(&p5, 0, "K-1", "山田 太郎", "やまだ たろう", "東京都千代田区一番町一番地");
	ck_assert_ok(import(&p5, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	/* delivered again: the stored receipt, byte for byte */
	ck_assert_ok(import(&p5, &again), &err);
	ck_assert_int_eq(again.again, 1);
	ck_assert_uint_eq(again.receipt_len, res.receipt_len);
	ck_assert_mem_eq(again.receipt, res.receipt, res.receipt_len);
	fk_intake_result_clear(&again);
	fk_intake_result_clear(&res);
	/* 7 before 6: refused, naming 6 */
	tpkg_init(&p7, MUNI, 7, FK_PKG_DELTA, 1, 0);
	reg(&p7, 0, "K-7", "七 太郎", "なな たろう", "東京都千代田区");
	ck_assert_ok(import(&p7, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_SEQUENCE);
	ck_assert_str_eq(res.reason, "sequence");
	ck_assert_int_eq(res.expected_sequence, 6);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"expected_sequence\":6"));
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"state\":\"refused\""));
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_ref WHERE ref = 'K-7'"), 0);
	/* another package with the used sequence 5: a replay */
	tpkg_init(&p5b, MUNI, 5, FK_PKG_DELTA, 1, 1);
	reg(&p5b, 0, "K-8", "八 太郎", "はち たろう", "東京都千代田区");
	ck_assert_ok(import(&p5b, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_REPLAY);
	fk_intake_result_clear(&res);
	/* 6 goes in, then 7 */
	tpkg_init(&p6, MUNI, 6, FK_PKG_DELTA, 1, 0);
	ver(&p6, 0, "K-1", "山田 花子", "やまだ はなこ", "東京都千代田区一番町一番地");
	ck_assert_ok(import(&p6, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	ck_assert_ok(import(&p7, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	/* every refusal on record */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", NULL), 3);
	tpkg_free(&p5);
	tpkg_free(&p7);
	tpkg_free(&p5b);
	tpkg_free(&p6);
}
END_TEST

START_TEST(jurisdiction_and_signer)
{
	tpkg p;
	fk_intake_result res;
	/* 札幌市 is another bureau's */
	tpkg_init(&p, "011002", 1, FK_PKG_FULL, 1, 0);
	reg(&p, 0, "S-1", "札幌 太郎", "さっぽろ たろう", "北海道札幌市");
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_JURISDICTION);
	fk_intake_result_clear(&res);
	/* signed by 中央区, naming 千代田区 */
	tpkg_free(&p);
	tpkg_init(&p, MUNI, 1, FK_PKG_FULL, 1, 0);
	reg(&p, 0, "K-1", "山田 太郎", "やまだ たろう", "東京都千代田区");
	p.signer = "131024";
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_SIGNER);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM package"), 0);
	/* refused by the opener (a bad signature): on record, with a receipt */
	ck_assert_ok(fk_intake_refuse(ctx, 0, NULL, p.digest, NULL, NULL, "bad_signature",
				      "the signature does not match the content", &res, &err), &err);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"reason\":\"bad_signature\""));
	ck_assert_str_eq(res.reason, "bad_signature");
	fk_intake_result_clear(&res);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", NULL), 3);
	tpkg_free(&p);
}
END_TEST

/* ---- records rejected, each with its reason, in the receipt and the history ---- */

START_TEST(records_are_rejected_with_their_reasons)
{
	first_package();
	tpkg p;
	fk_intake_result res;
	tpkg_init(&p, MUNI, 2, FK_PKG_DELTA, 1, 0);
	reg(&p, 0, "K-1", "山田 太郎", "やまだ たろう", "東京都千代田区");        /* exists */
	reg(&p, 0, "N-1", "新井 一子", "あらい いちこ", "東京都千代田区");
	reg(&p, 0, "N-1", "新井 一子", "あらい いちこ", "東京都千代田区");        /* duplicate */
	ver(&p, 0, "X-1", "誰 某", "だれ なにがし", "東京都千代田区");              /* unknown */
	rem(&p, 0, "K-3");
	rem(&p, 0, "K-3");                                                           /* removed */
	ver(&p, 0, "K-3", "鈴木 三郎", "すずき さぶろう", "東京都千代田区");     /* removed */
	doc(&p, 0, "X-2", "第3号");                                                  /* link */
	led_ref(&p, 0, "X-3", "第4号");                                              /* link */
	trec *own = add(&p, 0, FK_REC_LEDGER, "K-1"); /* field: its own 戸籍 beside the ref */
	fk_copy_str(own->r.date, sizeof own->r.date, "2026-11-30");
	own->r.entry = json_pack("{s:s, s:s}", "受付番号", "第5号", "戸籍", "K-1");
	bad(&p, 0, FK_REJECT_MALFORMED);                                             /* the parser's */
	reg(&p, 0, "N-9", "新井 九子", "あらい くこ", "東京都千代田区");              /* not listed: */
	p.mc[0].records--; /* the manifest counts one record fewer than the chunk has */
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[0], 2);
	ck_assert_int_eq(res.rejected, 10);
	ck_assert_int_eq(res.accepted[FK_REC_LEDGER], 0);
	ck_assert_ptr_nonnull(strstr(res.receipt, "more records in the chunk than its manifest lists"));
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_ref WHERE ref = 'N-9'"), 0);
	const char *want[] = {"\"reason\":\"exists\"", "\"reason\":\"duplicate\"", "\"reason\":\"unknown\"",
			      "\"reason\":\"removed\"", "\"reason\":\"link\"", "\"reason\":\"malformed\"",
			      "\"ref\":\"X-3\",\"reason\":\"link\"", "\"ref\":\"K-1\",\"reason\":\"field\""};
	for (size_t i = 0; i < FK_ARRAY_LEN(want); i++)
		ck_assert_msg(strstr(res.receipt, want[i]), "%s not in %s", want[i], res.receipt);
	/* the duplicate is the chunk's third line: line 3, counted from 1 as an editor counts */
	ck_assert_ptr_nonnull(strstr(res.receipt, "{\"chunk\":0,\"line\":3,\"ref\":\"N-1\",\"reason\":\"duplicate\""));
	ck_assert_ptr_null(strstr(res.receipt, "\"line\":0,"));
	/* one history record per rejected record */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", "removed"), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", NULL), 10);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
}
END_TEST

/* ---- a full re-send never deletes; unchanged registers get no version ---- */

START_TEST(a_full_resend_reports_missing_and_keeps_unchanged)
{
	first_package();
	tpkg p;
	fk_intake_result res;
	int64_t versions = scalar("SELECT count(*) FROM register_version");
	tpkg_init(&p, MUNI, 2, FK_PKG_FULL, 1, 0);
	reg(&p, 0, "K-1", "山田 太郎", "やまだ たろう", "東京都千代田区一番町一番地");  /* unchanged */
	reg(&p, 0, "K-2", "佐藤 次郎", "さとう じろう", "東京都千代田区六番町六番地");  /* changed */
	/* K-3 missing */
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.unchanged, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 1);
	ck_assert_int_eq(res.missing, 1);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"missing\":[\"K-3\"]"));
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"unchanged\":1"));
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_version"), versions + 1);
	/* nothing deleted, K-3 still there and current */
	json_t *d;
	ck_assert_ok(fk_store_read(ctx, reg_of(ctx, "K-3"), 0, &d, NULL, &err), &err);
	json_decref(d);
	/* for supervisors: a record naming what is missing */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "success", "missing"), 1);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
}
END_TEST

/* ---- a disposed register is never brought back (R-DISPOSE) ---- */

/* K-1 disposed of the whole way: op1 asks, sup approves, op1 carries it out. */
static int64_t dispose_k1(void)
{
	int64_t id, ids[1] = {reg_of(ctx, "K-1")};
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_grant(ctx, "op1", MUNI, FK_RIGHT_VIEW | FK_RIGHT_DISPOSE);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_make(ctx, FK_REQ_DISPOSE, ids, 1, "廃棄", &id, &err), &err);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	fkt_act_as(ctx, "op1");
	fk_dispose_result r;
	ck_assert_ok(fk_dispose_execute(ctx, id, &r, &err), &err);
	fk_dispose_result_free(&r);
	fkt_act_as(ctx, NULL);
	return ids[0];
}

START_TEST(a_disposed_register_is_not_brought_back_by_a_package)
{
	first_package();
	int64_t k1 = dispose_k1();
	int64_t regs = scalar("SELECT count(*) FROM register");
	tpkg p, q;
	fk_intake_result res;
	/* an amendment of it: rejected, saying why */
	tpkg_init(&p, MUNI, 2, FK_PKG_DELTA, 1, 0);
	ver(&p, 0, "K-1", "山田 花子", "やまだ はなこ", "東京都千代田区一番町一番地");
	rem(&p, 0, "K-1");
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.rejected, 2);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"ref\":\"K-1\",\"reason\":\"disposed\""));
	fk_intake_result_clear(&res);
	/* a full re-send that still lists it: reported, never made again */
	tpkg_init(&q, MUNI, 3, FK_PKG_FULL, 1, 0);
	reg(&q, 0, "K-1", "山田 太郎", "やまだ たろう", "東京都千代田区一番町一番地");
	reg(&q, 0, "K-2", "佐藤 次郎", "さとう じろう", "東京都千代田区二番町二番地");
	reg(&q, 0, "K-3", "鈴木 三郎", "すずき さぶろう", "東京都千代田区三番町三番地");
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.rejected, 1);
	ck_assert_int_eq(res.missing, 0);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"ref\":\"K-1\",\"reason\":\"disposed\""));
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register"), regs);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_ref WHERE ref = 'K-1'"), 1);
	ck_assert_int_eq(reg_of(ctx, "K-1"), k1);
	json_t *d = NULL;
	ck_assert_int_eq(fk_store_read(ctx, k1, 0, &d, NULL, &err), FK_ERR_NOTFOUND);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", "disposed"), 3);
	tpkg_free(&p);
	tpkg_free(&q);
}
END_TEST

/* ---- a municipality disposed of (R-DISPOSE): refused while and after, until re-opened ---- */

static void die_at_second_batch(int batch)
{
	if (batch == 2)
		raise(SIGKILL); /* inside the batch's transaction: the request stays running */
}

/* Refused as a whole for why, the receipt naming it, on record; nothing of it kept. */
static void refused_for(const char *ref, int64_t seq, fk_intake_refusal why, const char *id)
{
	tpkg p;
	fk_intake_result res;
	int64_t regs = scalar("SELECT count(*) FROM register");
	int failed = fkt_audit_count(ctx, "intake.import", "failed", NULL);
	tpkg_init(&p, MUNI, seq, FK_PKG_DELTA, 1, 0);
	reg(&p, 0, ref, "高橋 四郎", "たかはし しろう", "東京都千代田区四番町四番地");
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 0);
	ck_assert_int_eq(res.refused, why);
	ck_assert_str_eq(res.reason, id);
	char want[64];
	snprintf(want, sizeof want, "\"reason\":\"%s\"", id);
	ck_assert_ptr_nonnull(strstr(res.receipt, want));
	fk_intake_result_clear(&res);
	tpkg_free(&p);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", NULL), failed + 1);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register"), regs);
}

START_TEST(a_municipality_disposed_of_receives_nothing_until_re_opened)
{
	first_package();
	int64_t id, k1 = reg_of(ctx, "K-1");
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_grant(ctx, "op1", MUNI, FK_RIGHT_VIEW | FK_RIGHT_DISPOSE);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_DISPOSE_MUNI, MUNI, 0, "廃棄請求", &id, &err), &err);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	fk_muni_batch_registers = 1;
	fk_muni_batch_ms = 0;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fk_ctx *c = fkt_ctx_open(&env);
		c->clock = fixed_clock;
		fkt_act_as(c, "op1");
		fk_muni_test_batch_hook = die_at_second_batch;
		fk_muni_dispose_result r;
		fk_muni_dispose_execute(c, id, &r, &err);
		_exit(0);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	fkt_act_as(ctx, NULL);
	/* while it runs: refused for that, by the disposal's own (sealed) request */
	refused_for("K-9", 2, FK_INTAKE_MUNI_DISPOSING, "muni_disposing");
	/* the request's state is no flag to flip: its row is sealed, its table checked whole */
	fkt_outside(&env, "UPDATE approval_request SET state = 'executed' WHERE state = 'running'");
	tpkg p;
	fk_intake_result res;
	tpkg_init(&p, MUNI, 2, FK_PKG_DELTA, 1, 0);
	reg(&p, 0, "K-9", "高橋 四郎", "たかはし しろう", "東京都千代田区四番町四番地");
	ck_assert_int_eq(import(&p, &res), FK_ERR_TAMPER);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
	fkt_outside(&env, "UPDATE approval_request SET state = 'running' WHERE state = 'executed'");
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
	/* carried out to its end: refused as disposed of, until re-opened */
	fkt_act_as(ctx, "op1");
	fk_muni_dispose_result r;
	ck_assert_ok(fk_muni_dispose_execute(ctx, id, &r, &err), &err);
	fkt_act_as(ctx, NULL);
	refused_for("K-9", 2, FK_INTAKE_MUNI_DISPOSED, "muni_disposed");
	fk_reopen_result ro;
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_muni_reopen(ctx, MUNI, "再移管", &ro, &err), FK_ERR_DENIED);
	fkt_act_as(ctx, "sup");
	fk_reopen_step_refs = 2; /* its references in short transactions: here 2, then 1 */
	ck_assert_ok(fk_muni_reopen(ctx, MUNI, "再移管", &ro, &err), &err);
	fk_reopen_step_refs = 2000;
	ck_assert_int_eq(ro.refs, 3);
	ck_assert_int_ne(ro.new_key, ro.old_key);
	ck_assert_int_eq(fkt_audit_count(ctx, "municipality.reopen.step", "success", NULL), 2);
	ck_assert_int_eq(fk_muni_reopen(ctx, MUNI, "再移管", &ro, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fkt_audit_count(ctx, "municipality.reopen", "success", NULL), 1);
	fkt_act_as(ctx, NULL);
	/* a full re-send: accepted, new registers, readable, its ledger sealed under the new key */
	tpkg_init(&p, MUNI, 2, FK_PKG_FULL, 1, 0);
	reg(&p, 0, "K-1", "山田 太郎", "やまだ たろう", "東京都千代田区一番町一番地");
	reg(&p, 0, "K-2", "佐藤 次郎", "さとう じろう", "東京都千代田区二番町二番地");
	reg(&p, 0, "K-3", "鈴木 三郎", "すずき さぶろう", "東京都千代田区三番町三番地");
	led(&p, 0, "第2号");
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 3);
	ck_assert_int_eq(res.rejected, 0);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
	int64_t n1 = reg_of(ctx, "K-1");
	ck_assert_int_ne(n1, k1);
	json_t *d = NULL;
	ck_assert_ok(fk_store_read(ctx, n1, 0, &d, NULL, &err), &err);
	ck_assert_ptr_nonnull(d);
	json_decref(d);
	ck_assert_int_eq(fk_store_read(ctx, k1, 0, &d, NULL, &err), FK_ERR_NOTFOUND);
}
END_TEST

/* ---- abandoning a staging package ---- */

START_TEST(an_abandoned_staging_is_removed)
{
	first_package();
	char *before = dump(ctx);
	int64_t tags = scalar("SELECT count(*) FROM register_index");
	tpkg p, q;
	fk_intake_result res;
	stage_second(&p);
	int64_t removed;
	ck_assert_ok(fk_intake_abandon(ctx, 0, &removed, &err), &err);
	ck_assert_int_ge(removed, 6);
	char *after = dump(ctx);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_index"), tags);
	ck_assert_int_eq(scalar("SELECT count(*) FROM package"), 1);
	ck_assert_int_eq(scalar("SELECT count(*) FROM staged_change"), 0);
	ck_assert_int_eq(scalar("SELECT count(*) FROM meta WHERE key LIKE 'intake.visible.%'"), 0);
	ck_assert_int_ge(fkt_audit_count(ctx, "intake.abandon", "success", "rows"), 1);
	ck_assert_int_eq(fk_intake_abandon(ctx, 0, &removed, &err), FK_ERR_NOTFOUND);
	/* another package goes in now, and the abandoned one can be imported again */
	tpkg_init(&q, "131024", 1, FK_PKG_DELTA, 1, 0);
	reg(&q, 0, "C-1", "中央 一郎", "ちゅうおう いちろう", "東京都中央区一番地");
	ck_assert_ok(import(&q, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	ck_assert_ok(import(&p, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 3);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
	tpkg_free(&q);
}
END_TEST

/* ---- what a tampered or restored database cannot do ---- */

static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, b), n);
	fclose(a);
	ck_assert_int_eq(fclose(b), 0);
	chmod(to, 0600);
}

/* Two writers of the key folder's table of last packages at once (the receiving service's
 * workers, an import beside them): each writes the table it read, so without the lock around
 * the read and the write one's entries go back or vanish (R-BATCH-PROTO, R-BATCH-RESUME). */
START_TEST(two_writers_of_the_last_packages_lose_no_entry)
{
	enum { WRITERS = 2, EACH = 40 };
	fk_ctx_close(ctx);
	pid_t pid[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pid[w] = fork();
		ck_assert_int_ge(pid[w], 0);
		if (pid[w] == 0) {
			fk_ctx *c = fkt_ctx_open(&env);
			fk_error e;
			int bad = 0;
			uint8_t dg[32] = {0};
			for (int i = 0; i < EACH && !bad; i++) {
				char muni[8];
				snprintf(muni, sizeof muni, "%d%05d", w + 1, i);
				bad = fk_seqanchor_put(c, muni, i + 1, dg, &e) != FK_OK;
			}
			fk_ctx_close(c);
			_exit(bad);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;
		ck_assert_int_eq(waitpid(pid[w], &status, 0), pid[w]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ctx = fkt_ctx_open(&env);
	for (int w = 0; w < WRITERS; w++)
		for (int i = 0; i < EACH; i++) {
			char muni[8];
			int64_t seq = 0;
			uint8_t dg[32];
			int found = 0;
			snprintf(muni, sizeof muni, "%d%05d", w + 1, i);
			ck_assert_ok(fk_seqanchor_get(ctx, muni, &seq, dg, &found, &err), &err);
			ck_assert_msg(found && seq == i + 1, "%s: found %d, sequence %lld", muni, found,
				      (long long)seq);
		}
}
END_TEST

/* intake.seq's two slots (seqanchor.c), each byte of a slot changed in turn being what a
 * write cut short leaves: the table before it is read (the newer slot fails its MAC), the next
 * write goes over the torn slot, and both slots torn is tampering; the file is written in
 * place (the same inode: no new file, rename and folder sync a package), 0600; a file of the
 * first format is read and replaced at its next write (R-BATCH-PROTO, R-BATCH-RESUME). */
#define SEQ_SLOT_AT 53248 /* slot 1's place: MAC, magic, generation, count, the entries, page-aligned */

static void seq_expect(const char *muni, int want_found, int64_t want_seq, uint8_t want_dg)
{
	int64_t seq = 0;
	uint8_t dg[32] = {0};
	int found = -1;
	ck_assert_ok(fk_seqanchor_get(ctx, muni, &seq, dg, &found, &err), &err);
	ck_assert_int_eq(found, want_found);
	if (want_found) {
		ck_assert_int_eq(seq, want_seq);
		ck_assert_int_eq(dg[0], want_dg);
	}
}

static void seq_flip(const char *path, long at)
{
	fkt_flip_byte(path, at, 0x20);
}

static void seq_read(const char *path, uint8_t *buf, size_t n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Written over in place, as a torn write would leave the file (same inode, same size). */
static void seq_write(const char *path, const uint8_t *buf, size_t n)
{
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(the_last_packages_are_written_in_place_and_a_torn_write_keeps_the_table_before)
{
	char path[700];
	snprintf(path, sizeof path, "%s/keys/%s", env.dir, FK_SEQ_FILE);
	uint8_t d1[32] = {1}, d2[32] = {2};
	struct stat a, b;
	ck_assert_ok(fk_seqanchor_put(ctx, "131016", 1, d1, &err), &err); /* a new file: slot 0 */
	ck_assert_int_eq(stat(path, &a), 0);
	ck_assert_int_eq(a.st_mode & 0777, 0600);
	ck_assert_int_eq(a.st_size, 2 * SEQ_SLOT_AT);
	int held = open(path, O_RDONLY | O_CLOEXEC); /* held open: its inode cannot be reused */
	ck_assert_int_ge(held, 0);
	ck_assert_ok(fk_seqanchor_put(ctx, "131016", 2, d2, &err), &err); /* slot 1 */
	ck_assert_ok(fk_seqanchor_put(ctx, "131024", 5, d1, &err), &err); /* slot 0 */
	ck_assert_ok(fk_seqanchor_put(ctx, "131024", 4, d2, &err), &err); /* only forward: unwritten */
	ck_assert_int_eq(fstat(held, &b), 0);
	ck_assert_msg(b.st_nlink == 1, "intake.seq was replaced, not written in place");
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert_msg(a.st_ino == b.st_ino, "intake.seq was replaced, not written in place");
	close(held);
	seq_expect("131016", 1, 2, 2);
	seq_expect("131024", 1, 5, 1);
	seq_expect("131032", 0, 0, 0);
	/* the last write (slot 0) torn, wherever: the table before it, from slot 1; a byte past
	 * the used part (two entries) is no part of the table */
	static const long torn[] = {0, 31, 32, 39, 40, 47, 48, 51, 52, 52 + 47, 52 + 48 + 10, 52 + 95};
	for (size_t i = 0; i < sizeof torn / sizeof *torn; i++) {
		seq_flip(path, torn[i]);
		seq_expect("131016", 1, 2, 2);
		seq_expect("131024", 0, 0, 0);
		seq_flip(path, torn[i]);
	}
	seq_flip(path, 52 + 96);
	seq_expect("131024", 1, 5, 1);
	seq_flip(path, 52 + 96);
	/* a write torn as a disk tears it: the slot's new bytes up to a point, its old after (or
	 * the other way round); whatever the point, the table is the one before or the new one */
	size_t flen = 2 * SEQ_SLOT_AT;
	uint8_t *before = malloc(flen), *after = malloc(flen), *mix = malloc(flen);
	ck_assert(before && after && mix);
	seq_read(path, before, flen);
	ck_assert_ok(fk_seqanchor_put(ctx, "131040", 1, d2, &err), &err); /* slot 1, three entries */
	seq_read(path, after, flen);
	for (long cut = 0; cut <= 52 + 3 * 48; cut += 13)
		for (int order = 0; order < 2; order++) {
			const uint8_t *head = order ? before : after, *tail = order ? after : before;
			memcpy(mix, tail, flen);
			memcpy(mix + SEQ_SLOT_AT, head + SEQ_SLOT_AT, (size_t)cut);
			seq_write(path, mix, flen);
			int64_t q;
			uint8_t g[32];
			int found = -1;
			ck_assert_ok(fk_seqanchor_get(ctx, "131040", &q, g, &found, &err), &err);
			ck_assert_msg(!found || (q == 1 && g[0] == 2), "cut %ld: %d %lld", cut, found, (long long)q);
			seq_expect("131024", 1, 5, 1);
		}
	seq_write(path, after, flen);
	/* the newest in slot 1 torn: slot 0's table */
	seq_flip(path, SEQ_SLOT_AT + 45);
	seq_expect("131040", 0, 0, 0);
	seq_expect("131024", 1, 5, 1);
	seq_write(path, before, flen);
	free(mix);
	free(after);
	free(before);
	/* a write after a torn one goes over it, and is the table */
	seq_flip(path, 60);
	ck_assert_ok(fk_seqanchor_put(ctx, "131032", 1, d1, &err), &err);
	seq_expect("131016", 1, 2, 2);
	seq_expect("131024", 0, 0, 0); /* lost with the torn write, as a crash before it would */
	seq_expect("131032", 1, 1, 1);
	/* both slots torn: nothing to fall back on */
	seq_flip(path, SEQ_SLOT_AT + 40);
	seq_flip(path, 40);
	int64_t seq;
	uint8_t dg[32];
	int found;
	ck_assert_int_eq(fk_seqanchor_get(ctx, "131016", &seq, dg, &found, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(fk_seqanchor_put(ctx, "131016", 9, d1, &err), FK_ERR_TAMPER);
	seq_flip(path, 40);
	seq_expect("131032", 1, 1, 1);
	/* a file of neither size (truncated) is refused, never taken for no file */
	ck_assert_int_eq(truncate(path, SEQ_SLOT_AT), 0);
	ck_assert_int_eq(fk_seqanchor_get(ctx, "131016", &seq, dg, &found, &err), FK_ERR_CORRUPT);
	ck_assert_int_eq(fk_seqanchor_put(ctx, "131016", 9, d1, &err), FK_ERR_CORRUPT);

	/* a file of the first format, as an older terminal left it: one table, its MAC after */
	enum { BODY1 = 8 + 4 + 1024 * 48 };
	uint8_t *v1 = calloc(1, BODY1 + 32);
	ck_assert_ptr_nonnull(v1);
	v1[11] = 1;
	memcpy(v1 + 12, "132012", 6);
	v1[12 + 15] = 7;
	v1[12 + 16] = 3;
	ck_assert_ok(fk_sealfile_write(ctx, FK_SEQ_FILE, "intake.seq", (const uint8_t *)"FKSEQ001", v1, BODY1, &err), &err);
	seq_expect("132012", 1, 7, 3);
	v1[12 + 15] = 8; /* changed outside fukuhon */
	ck_assert_ok(fk_keyfile_write(ctx->cfg.key_dir, FK_SEQ_FILE, v1, BODY1 + 32, 0, &err), &err);
	ck_assert_int_eq(fk_seqanchor_get(ctx, "132012", &seq, dg, &found, &err), FK_ERR_TAMPER);
	v1[12 + 15] = 7;
	ck_assert_ok(fk_sealfile_write(ctx, FK_SEQ_FILE, "intake.seq", (const uint8_t *)"FKSEQ001", v1, BODY1, &err), &err);
	ck_assert_ok(fk_seqanchor_put(ctx, "131016", 3, d1, &err), &err);
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert_int_eq(b.st_size, 2 * SEQ_SLOT_AT);
	seq_expect("132012", 1, 7, 3);
	seq_expect("131016", 1, 3, 1);
	free(v1);
}
END_TEST

/* intake.seq's lock: a write waits for the key folder's lock (two writers lose no entry, the
 * test above), a read does not (an import reads it inside its write transaction, and must not
 * wait there on another's fdatasync). */
/* Another process holding the key folder's lock, exclusive, for ms from now. */
static pid_t hold_key_folder(int ms)
{
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(ctx->cfg.key_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep((useconds_t)ms * 1000);
		_exit(0);
	}
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static void held_key_folder_let_go(pid_t pid)
{
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int key_backup_pass(void *arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "intake lock test passphrase");
	return 0;
}

START_TEST(the_last_packages_are_written_under_the_key_folder_s_lock_and_read_without_it)
{
	uint8_t d1[32] = {1};
	ck_assert_ok(fk_seqanchor_put(ctx, "131016", 1, d1, &err), &err);
	pid_t pid = hold_key_folder(600);
	int64_t t0 = fk_now_ns();
	seq_expect("131016", 1, 1, 1);
	int64_t t1 = fk_now_ns();
	ck_assert_ok(fk_seqanchor_put(ctx, "131016", 2, d1, &err), &err);
	int64_t t2 = fk_now_ns();
	held_key_folder_let_go(pid);
	ck_assert_msg(t1 - t0 < 300 * 1000000LL, "the read waited %lld ms for the lock", (long long)(t1 - t0) / 1000000);
	ck_assert_msg(t2 - t1 >= 300 * 1000000LL, "the write did not wait for the lock (%lld ms)", (long long)(t2 - t1) / 1000000);
	seq_expect("131016", 1, 2, 1);
	/* key backup copies the folder between such writes, not half-way through one: held for
	 * 1.5 s, it takes at least a second longer than without (its passphrase's scrypt alone
	 * takes a good part of a second) */
	char dest[700];
	int files = 0;
	snprintf(dest, sizeof dest, "%s/keys.free", env.dir);
	t0 = fk_now_ns();
	ck_assert_ok(fk_key_backup(ctx, dest, key_backup_pass, NULL, &files, &err), &err);
	int64_t free_ns = fk_now_ns() - t0;
	ck_assert_int_gt(files, 0);
	snprintf(dest, sizeof dest, "%s/keys.held", env.dir);
	pid = hold_key_folder(1500);
	t0 = fk_now_ns();
	ck_assert_ok(fk_key_backup(ctx, dest, key_backup_pass, NULL, &files, &err), &err);
	int64_t held_ns = fk_now_ns() - t0;
	held_key_folder_let_go(pid);
	ck_assert_msg(held_ns - free_ns >= 1000 * 1000000LL, "key backup did not wait for the lock "
		      "(%lld ms held, %lld ms free)", (long long)held_ns / 1000000, (long long)free_ns / 1000000);
}
END_TEST

/* A restored older database (with the trust anchor of its day, as a full backup of both
 * would bring back) is behind the key folder's intake.seq: imports of that municipality are
 * refused, not replayed into it. */
START_TEST(a_restored_older_database_refuses_the_municipality)
{
	char db[700], keep_db[700], anchor[700], keep_anchor[700];
	if (fkt_skip_on_pg("a restore of an older copy", "the copy is SQLite's file and WAL copied; on "
			   "PostgreSQL tests/pg_restore_drill.sh restores the server from its base backup and "
			   "checks that the package received after it is refused"))
		return;
	snprintf(db, sizeof db, "%s/db/fukuhon.db", env.dir);
	snprintf(keep_db, sizeof keep_db, "%s/old.db", env.dir);
	snprintf(anchor, sizeof anchor, "%s/keys/trust.anchor", env.dir);
	snprintf(keep_anchor, sizeof keep_anchor, "%s/old.anchor", env.dir);
	first_package();
	fk_ctx_close(ctx);
	copy_file(db, keep_db);
	copy_file(anchor, keep_anchor);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
	tpkg p2, p3;
	fk_intake_result res;
	tpkg_init(&p2, MUNI, 2, FK_PKG_DELTA, 1, 0);
	reg(&p2, 0, "K-5", "五 太郎", "ご たろう", "東京都千代田区");
	ck_assert_ok(import(&p2, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	int64_t seq;
	uint8_t dg[32];
	int found;
	ck_assert_ok(fk_seqanchor_get(ctx, MUNI, &seq, dg, &found, &err), &err);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(seq, 2);
	fk_ctx_close(ctx);
	/* the backup put back: the database and anchor of before package 2 */
	char wal[720];
	snprintf(wal, sizeof wal, "%s-wal", db);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", db);
	unlink(wal);
	copy_file(keep_db, db);
	copy_file(keep_anchor, anchor);
	ctx = fkt_ctx_open(&env);
	ctx->clock = fixed_clock;
	/* package 2 again would be taken as new by the old database: refused */
	ck_assert_ok(import(&p2, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_ROLLBACK);
	fk_intake_result_clear(&res);
	tpkg_init(&p3, MUNI, 2, FK_PKG_DELTA, 1, 9);
	ck_assert_ok(import(&p3, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_ROLLBACK);
	fk_intake_result_clear(&res);
	/* another municipality is not affected */
	tpkg_free(&p3);
	tpkg_init(&p3, "131024", 1, FK_PKG_DELTA, 1, 0);
	reg(&p3, 0, "C-1", "中央 一郎", "ちゅうおう いちろう", "東京都中央区一番地");
	ck_assert_ok(import(&p3, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	tpkg_free(&p2);
	tpkg_free(&p3);
}
END_TEST

/* sqlite3 on the database behind the terminal's back (on PostgreSQL its server's
 * administrator): a package row or a watermark changed */
START_TEST(a_package_row_or_watermark_altered_is_refused)
{
	first_package();
	tpkg p;
	fk_intake_result res;
	/* the published package says sequence 9: the next is refused as tampered */
	fkt_outside(&env, "UPDATE package SET sequence = 9");
	tpkg_init(&p, MUNI, 10, FK_PKG_DELTA, 1, 0);
	reg(&p, 0, "K-5", "五 太郎", "ご たろう", "東京都千代田区");
	ck_assert_int_eq(import(&p, &res), FK_ERR_TAMPER);
	fk_intake_result_clear(&res);
	fkt_outside(&env, "UPDATE package SET sequence = 1");
	tpkg_free(&p);
	/* a staging package's watermark raised, to show its rows: refused at the next step */
	stage_second(&p);
	fkt_outside(&env, "UPDATE meta SET value = '1000' WHERE key = 'intake.visible.register'");
	ck_assert_int_eq(import(&p, &res), FK_ERR_TAMPER);
	fk_intake_result_clear(&res);
	tpkg_free(&p);
}
END_TEST

/* The attacker of docs/threat-model.md replays a package: the row of the last one deleted
 * with sqlite3 (its receipt with it), then the same package, or another one under its
 * sequence, delivered again. The sequence and digest in the key folder (intake.seq) still
 * name it: neither is taken as new, each refused as a database older than the key folder
 * (R-BATCH-PROTO, R-DETECT). */
START_TEST(a_deleted_package_row_does_not_reopen_its_sequence)
{
	tpkg p2, p2b;
	fk_intake_result res;
	first_package();
	tpkg_init(&p2, MUNI, 2, FK_PKG_DELTA, 1, 0);
	reg(&p2, 0, "K-5", "五 太郎", "ご たろう", "東京都千代田区");
	ck_assert_ok(import(&p2, &res), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
	fkt_outside(&env, "DELETE FROM package WHERE sequence = 2");
	ck_assert_ok(import(&p2, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_ROLLBACK);
	fk_intake_result_clear(&res);
	tpkg_init(&p2b, MUNI, 2, FK_PKG_DELTA, 1, 7);
	reg(&p2b, 0, "K-6", "六 太郎", "ろく たろう", "東京都千代田区");
	ck_assert_ok(import(&p2b, &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_ROLLBACK);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(scalar("SELECT count(*) FROM register_ref WHERE ref = 'K-6'"), 0);
	tpkg_free(&p2);
	tpkg_free(&p2b);
}
END_TEST

/* The sentences spelled out for xgettext are import.h's list's. */
START_TEST(refusal_sentences_are_the_lists)
{
	static const char *const listed[] = {
#define LISTED(id, text) text,
		FK_INTAKE_REFUSE_LIST(LISTED)
#undef LISTED
	};
	for (size_t i = 0; i < FK_ARRAY_LEN(listed); i++)
		ck_assert_str_eq(fk_intake_refusal_text((fk_intake_refusal)i), listed[i]);
	ck_assert_str_eq(fk_intake_refusal_id(FK_INTAKE_ROLLBACK), "rollback");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("intake");
	TCase *tc = tcase_create("import");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_package_is_applied_with_versions_removals_and_entries);
	tcase_add_test(tc, a_small_delta_keeps_the_sorted_lists_register_by_register);
	tcase_add_test(tc, a_kept_memo_does_not_outlive_another_writer);
	tcase_add_test(tc, a_one_chunk_package_is_applied_with_its_record_or_not_at_all);
	tcase_add_test(tc, no_reader_sees_a_staged_package);
	tcase_add_test(tc, one_package_stages_at_a_time);
	tcase_add_test(tc, an_interrupted_import_resumes_to_the_same_store);
	tcase_add_test(tc, a_large_package_s_tags_are_merged_after_staging_and_resumed_where_they_stopped);
	tcase_add_test(tc, an_import_killed_mid_chunk_resumes_to_the_same_store);
	tcase_add_test(tc, a_full_disk_leaves_the_chunk_unapplied_and_a_retry_continues);
	tcase_add_test(tc, sequence_replay_and_the_same_receipt);
	tcase_add_test(tc, jurisdiction_and_signer);
	tcase_add_test(tc, records_are_rejected_with_their_reasons);
	tcase_add_test(tc, a_disposed_register_is_not_brought_back_by_a_package);
	tcase_add_test(tc, a_municipality_disposed_of_receives_nothing_until_re_opened);
	tcase_add_test(tc, a_full_resend_reports_missing_and_keeps_unchanged);
	tcase_add_test(tc, an_abandoned_staging_is_removed);
	tcase_add_test(tc, a_restored_older_database_refuses_the_municipality);
	tcase_add_test(tc, two_writers_of_the_last_packages_lose_no_entry);
	tcase_add_test(tc, the_last_packages_are_written_in_place_and_a_torn_write_keeps_the_table_before);
	tcase_add_test(tc, the_last_packages_are_written_under_the_key_folder_s_lock_and_read_without_it);
	tcase_add_test(tc, a_package_row_or_watermark_altered_is_refused);
	tcase_add_test(tc, a_deleted_package_row_does_not_reopen_its_sequence);
	tcase_add_test(tc, refusal_sentences_are_the_lists);
	tcase_add_test(tc, a_large_package_into_empty_lists_is_listed_ahead_and_put_in_place);
	tcase_add_test(tc, an_import_killed_while_publishing_resumes_to_the_same_store);
	tcase_add_test(tc, an_import_stopped_while_removing_staged_rows_keeps_its_shadows);
	tcase_add_test(tc, an_abandoned_package_leaves_no_shadow);
	tcase_add_test(tc, an_amending_package_is_listed_whole_ahead_and_put_in_place);
	tcase_add_test(tc, publishing_names_the_new_lists_and_sweeps_the_old_ones_after);
	tcase_add_test(tc, a_listing_step_over_its_budget_still_makes_progress);
	tcase_add_test(tc, an_amendment_is_indexed_while_staging_and_settled_after_publishing);
	tcase_add_test(tc, an_abandoned_amendment_leaves_the_index_as_it_was);
	tcase_add_test(tc, a_register_amended_in_the_part_that_creates_it_loses_its_old_tags);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
