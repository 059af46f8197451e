/* Unit tests: the packages received as people read them (core/intake/packages.h): newest
 * first in keyset pages, one package with its rejected records in pages, only the bureau's
 * municipalities, refusals recorded, a tampered row refused. R-BATCH-PROTO, R-ACCESS,
 * R-JURIS, R-LOG. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktest.h"
#include "import.h"
#include "packages.h"

#define MUNI "131016"
#define FIXED_NOW (INT64_C(1796083200) * 1000000000) /* 2026-12-01T00:00:00Z */

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;

static int64_t fixed_clock(void)
{
	return FIXED_NOW;
}

/* A package's chunks: each record a ledger entry, except the rejected ones (the parser's
 * verdict handed through, as a package file's opener hands it). */
typedef struct tpkg {
	int per_chunk;
	int bad_every; /* 0: none rejected; n: records i % n == n - 1 are */
} tpkg;

static fk_status each(void *arg, int chunk, fk_intake_record_fn fn, void *fnarg, fk_error *e)
{
	const tpkg *p = arg;
	fk_status s = FK_OK;
	for (int i = 0; i < p->per_chunk && s == FK_OK; i++) {
		int bad = p->bad_every && i % p->bad_every == p->bad_every - 1;
		char number[32];
		snprintf(number, sizeof number, "第%d-%d号", chunk, i);
		fk_pkg_record r = {.type = bad ? FK_REC_REGISTER : FK_REC_LEDGER, .date = "2026-11-30"};
		r.entry = bad ? NULL : json_pack("{s:s}", "受付番号", number);
		s = fn(fnarg, i, &r, bad ? (i % 2 ? FK_REJECT_MALFORMED : FK_REJECT_DATE) : FK_REJECT_NONE,
		       bad ? "\x1b[31mline 1: not JSON\u202e" : NULL, e);
		json_decref(r.entry);
	}
	return s;
}

static void import_one(int64_t seq, int chunks, int per_chunk, int bad_every)
{
	fk_manifest_chunk ch[4];
	memset(ch, 0, sizeof ch);
	for (int c = 0; c < chunks; c++)
		ch[c].records = per_chunk;
	fk_manifest m = {.municipality = MUNI, .sequence = seq, .kind = seq == 1 ? FK_PKG_FULL : FK_PKG_DELTA,
			 .nchunks = chunks, .chunks = ch};
	uint8_t digest[32] = {(uint8_t)seq, (uint8_t)(seq >> 8), 'p', 'k', 'g'};
	tpkg t = {.per_chunk = per_chunk, .bad_every = bad_every};
	fk_intake_pkg p = {.m = &m, .digest = digest, .signer = MUNI, .src = {.each = each, .arg = &t}};
	fk_intake_result res;
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_ok(fk_intake_import(ctx, &p, &res, &err), &err);
	ck_assert_int_eq(res.applied, 1);
	fk_intake_result_clear(&res);
}

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
	ctx->clock = fixed_clock;
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "aud", FK_ROLE_AUDITOR, "東京法務局");
	fkt_enrol(ctx, "osaka", FK_ROLE_SUPERVISOR, "大阪法務局");
	fk_error_clear(&err);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

/* ---- the list ---- */

START_TEST(the_list_is_newest_first_in_keyset_pages)
{
	for (int64_t seq = 1; seq <= 23; seq++)
		import_one(seq, 1, 2, seq == 7 ? 2 : 0);
	fkt_act_as(ctx, "sup");
	fk_pkg_info rows[10];
	int n, total = 0;
	int64_t expect = 23, before = 0;
	int listed = fkt_audit_count(ctx, "intake.list", "success", NULL);
	for (int page = 0; page < 4; page++) {
		fk_pkg_filter f = {.before_id = before};
		ck_assert_ok(fk_intake_packages(ctx, &f, rows, 10, &n, &err), &err);
		for (int i = 0; i < n; i++, expect--) {
			ck_assert_int_eq(rows[i].sequence, expect); /* no gap, no repeat */
			ck_assert_str_eq(rows[i].municipality, MUNI);
			ck_assert_str_eq(rows[i].muni_name, "千代田区");
			ck_assert_int_eq(rows[i].state, FK_PKG_PUBLISHED);
			ck_assert_int_eq(rows[i].kind, expect == 1 ? FK_PKG_FULL : FK_PKG_DELTA);
			ck_assert_int_eq(rows[i].accepted, expect == 7 ? 1 : 2);
			ck_assert_int_eq(rows[i].rejected, expect == 7 ? 1 : 0);
			ck_assert_int_eq(rows[i].received_at, FIXED_NOW);
			ck_assert(rows[i].has_receipt);
		}
		total += n;
		if (n)
			before = rows[n - 1].id;
		ck_assert_int_eq(n, page < 2 ? 10 : page == 2 ? 3 : 0);
	}
	ck_assert_int_eq(total, 23);
	/* each page viewed is on record (R-LOG) */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.list", "success", NULL), listed + 4);

	/* filters: by state and by municipality */
	fk_pkg_filter staging = {.state = FK_PKG_STAGING};
	ck_assert_ok(fk_intake_packages(ctx, &staging, rows, 10, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	fk_pkg_filter other = {.municipality = "011002"};
	ck_assert_ok(fk_intake_packages(ctx, &other, rows, 10, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	fk_pkg_filter mine = {.municipality = MUNI, .state = FK_PKG_PUBLISHED};
	ck_assert_ok(fk_intake_packages(ctx, &mine, rows, 10, &n, &err), &err);
	ck_assert_int_eq(n, 10);
	/* operators and administrators read it too */
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 10, &n, &err), &err);
	ck_assert_int_eq(n, 10);
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 10, &n, &err), &err);
	ck_assert_int_eq(n, 10);
}
END_TEST

/* ---- one package ---- */

START_TEST(a_package_opens_with_its_rejections_in_pages)
{
	import_one(1, 1, 2, 0);
	import_one(2, 2, 6, 3); /* records 2 and 5 of each chunk rejected: 4 in all */
	fkt_act_as(ctx, "op1");
	int64_t id = fkt_scalar(ctx, "SELECT id FROM package WHERE sequence = 2");
	fk_pkg_detail d;
	fk_pkg_reject_info rej[3];
	int n;
	int opened = fkt_audit_count(ctx, "intake.open", "success", NULL);
	ck_assert_ok(fk_intake_package(ctx, id, NULL, &d, rej, 3, &n, &err), &err);
	ck_assert_int_eq(d.pkg.sequence, 2);
	ck_assert_int_eq(d.pkg.kind, FK_PKG_DELTA);
	ck_assert_int_eq(d.pkg.accepted, 8);
	ck_assert_int_eq(d.pkg.n[FK_REC_LEDGER], 8);
	ck_assert_int_eq(d.pkg.rejected, 4);
	ck_assert_int_eq(d.pkg.chunks, 2);
	ck_assert_int_eq(d.refusal, FK_INTAKE_NONE);
	ck_assert_int_eq(n, 3);
	/* in the package's order, reasons as enums, the detail as stored (data: the screen
	 * sanitises it) */
	ck_assert_int_eq(rej[0].chunk, 0);
	ck_assert_int_eq(rej[1].chunk, 0);
	ck_assert_int_eq(rej[2].chunk, 1);
	ck_assert_int_lt(rej[0].line, rej[1].line);
	ck_assert_int_eq(rej[0].line, 3); /* record 2 (from 0): line 3, counted from 1 as the receipt */
	ck_assert_int_eq(rej[1].line, 6);
	ck_assert_int_eq(rej[0].reason, FK_REJECT_DATE);
	ck_assert_int_eq(rej[1].reason, FK_REJECT_MALFORMED);
	ck_assert_str_eq(rej[1].reason_id, fk_reject_id(FK_REJECT_MALFORMED));
	ck_assert_ptr_nonnull(strstr(rej[0].detail, "not JSON"));
	fk_pkg_reject_key after = {rej[2].chunk, rej[2].line, rej[2].id};
	ck_assert_ok(fk_intake_package(ctx, id, &after, &d, rej, 3, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rej[0].chunk, 1);
	ck_assert_int_eq(rej[0].reason, FK_REJECT_MALFORMED);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.open", "success", NULL), opened + 2);
	/* the stored ids all map back to their sentences */
	ck_assert_int_eq(fk_reject_from_id("too_large"), FK_REJECT_TOO_LARGE);
	ck_assert_int_eq(fk_reject_from_id("busy"), FK_REJECT_BUSY);
	ck_assert_int_eq(fk_reject_from_id("no such reason"), FK_REJECT_NONE);
}
END_TEST

/* ---- who may, and where ---- */

START_TEST(auditors_and_other_bureaus_are_refused_and_recorded)
{
	import_one(1, 1, 2, 0);
	int64_t id = fkt_scalar(ctx, "SELECT id FROM package");
	fk_pkg_info rows[4];
	fk_pkg_detail d;
	fk_pkg_reject_info rej[4];
	int n;

	/* auditors read the history instead (ops.h) */
	fkt_act_as(ctx, "aud");
	int before = fkt_audit_count(ctx, "intake.list", "denied", "role");
	ck_assert_int_eq(fk_intake_packages(ctx, NULL, rows, 4, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.list", "denied", "role"), before + 1);
	ck_assert_int_eq(fk_intake_package(ctx, id, NULL, &d, rej, 4, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.open", "denied", "role"), 1);

	/* a supervisor of another bureau sees none of this bureau's packages (R-JURIS) */
	fkt_act_as(ctx, "osaka");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 4, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fk_intake_package(ctx, id, NULL, &d, rej, 4, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_JURISDICTION);
	char outside[sizeof err.msg];
	fk_copy_str(outside, sizeof outside, err.msg);
	ck_assert_int_eq(d.pkg.id, 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.open", "denied", "jurisdiction"), 1);
	/* a package that does not exist: the same words, so ids cannot be probed */
	ck_assert_int_eq(fk_intake_package(ctx, id + 1000, NULL, &d, rej, 4, &n, &err), FK_ERR_DENIED);
	ck_assert_str_eq(err.msg, outside);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.open", "denied", "not-found"), 1);

	/* the municipality moved to the other bureau: its packages move with it */
	fkt_municipality_move(ctx, MUNI, "大阪法務局");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 4, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 4, &n, &err), &err);
	ck_assert_int_eq(n, 0);
}
END_TEST

/* ---- sealed rows ---- */

START_TEST(a_tampered_package_or_rejection_is_refused)
{
	import_one(1, 1, 4, 2);
	fkt_act_as(ctx, "sup");
	int64_t id = fkt_scalar(ctx, "SELECT id FROM package");
	fk_pkg_info rows[4];
	fk_pkg_detail d;
	fk_pkg_reject_info rej[4];
	int n;
	/* "nothing rejected": what a sender might wish the screen said */
	fkt_outside(&env, "UPDATE package SET n_rejected = 0");
	ck_assert_int_eq(fk_intake_packages(ctx, NULL, rows, 4, &n, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(n, 0);
	fkt_outside(&env, "UPDATE package SET n_rejected = 2");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 4, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	/* a rejection's reason rewritten */
	fkt_outside(&env, "UPDATE package_reject SET reason = 'busy'");
	ck_assert_int_eq(fk_intake_package(ctx, id, NULL, &d, rej, 4, &n, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(d.pkg.id, 0);
}
END_TEST

/* ---- refused deliveries (sql/012_refused.sql) ---- */

/* A package of MUNI with sequence seq and one chunk, signed by signer, received as bytes
 * (the receiving service's operation). */
static fk_status deliver(int64_t seq, fk_pkg_kind kind, const char *signer, const char *bytes,
			 fk_intake_result *res)
{
	fk_manifest_chunk ch[1] = {{.records = 1}};
	fk_manifest m = {.municipality = MUNI, .sequence = seq, .kind = kind, .nchunks = 1, .chunks = ch};
	uint8_t digest[32] = {(uint8_t)seq, 0, 'r', 'e', 'f'};
	tpkg t = {.per_chunk = 1};
	fk_intake_origin o = {.source = "/CN=131016 千代田区", .buf = (const uint8_t *)bytes,
			      .n = strlen(bytes)};
	fk_intake_pkg p = {.m = &m, .digest = digest, .signer = signer, .src = {.each = each, .arg = &t},
			   .op = FK_OP_RECEIVE, .origin = &o};
	return fk_intake_import(ctx, &p, res, &err);
}

/* The same refused by the import (a sequence gap, a replay …). FK_OK from the engine: the
 * refusal is an answer. */
static void refuse_seq(int64_t seq, const char *bytes, fk_intake_result *res)
{
	ck_assert_ok(deliver(seq, FK_PKG_DELTA, MUNI, bytes, res), &err);
	ck_assert_int_eq(res->applied, 0);
	ck_assert_ptr_nonnull(res->receipt);
}

/* Each refused delivery is a sealed row, written with the refusal's record, the same bytes again one row counted twice; listed with the packages and filtered like
 * them; opened with everything known of it; only the bureau's own; a changed row refused
 * (R-BATCH-PROTO, R-LOG, R-JURIS). */
START_TEST(refused_deliveries_are_sealed_rows_listed_with_the_packages)
{
	import_one(1, 1, 2, 0);
	fk_intake_result res;
	refuse_seq(5, "bytes of a gap", &res); /* expected 2 */
	ck_assert_int_eq(res.refused, FK_INTAKE_SEQUENCE);
	fk_intake_result_clear(&res);
	refuse_seq(5, "bytes of a gap", &res); /* the same bytes again */
	fk_intake_result_clear(&res);
	/* an opener's refusal: nothing of a manifest known */
	fk_intake_origin o = {.source = "/tmp/garbage.pkg", .buf = (const uint8_t *)"garbage", .n = 7};
	ck_assert_ok(fk_intake_refuse(ctx, 0, NULL, NULL, NULL, &o, "not_package", "not a package",
				      &res, &err), &err);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM package_refused"), 2);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT times FROM package_refused WHERE reason = 'sequence'"), 2);
	/* each refusal on record (the trust base commits no sealed change without a record in
	 * its transaction: the row and its record go together) */
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.receive", "failed", NULL), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", NULL), 1);

	fkt_act_as(ctx, "sup");
	fk_pkg_info rows[8];
	int n;
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 3);
	/* newest first, one numbering: the garbage (3), the gap (2), the applied package (1) */
	ck_assert_int_eq(rows[0].id, 3);
	ck_assert_int_eq(rows[0].refused_row, 1);
	ck_assert_int_eq(rows[0].has_manifest, 0);
	ck_assert_str_eq(rows[0].reason, "not_package");
	ck_assert_int_eq(rows[1].id, 2);
	ck_assert_int_eq(rows[1].state, FK_PKG_REFUSED);
	ck_assert_str_eq(rows[1].municipality, MUNI);
	ck_assert_str_eq(rows[1].muni_name, "千代田区");
	ck_assert_int_eq(rows[1].sequence, 5);
	ck_assert_int_eq(rows[1].verified, 1);
	ck_assert_int_eq(rows[1].expected, 2);
	ck_assert_int_eq(rows[1].times, 2);
	ck_assert_int_eq(rows[1].size, 14);
	ck_assert_int_eq(rows[1].has_sha, 1);
	ck_assert_str_eq(rows[1].source, "/CN=131016 千代田区");
	ck_assert_str_eq(fk_intake_reason_text(rows[1].reason), fk_intake_refusal_text(FK_INTAKE_SEQUENCE));
	ck_assert_int_eq(rows[2].id, 1);
	ck_assert_int_eq(rows[2].refused_row, 0);
	/* a page after the garbage: keyset across both */
	fk_pkg_filter f = {.before_id = 3};
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 1, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].id, 2);
	/* the filters: state, code, part of a name */
	f = (fk_pkg_filter){.state = FK_PKG_REFUSED};
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	f = (fk_pkg_filter){.state = FK_PKG_PUBLISHED};
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].id, 1);
	f = (fk_pkg_filter){.name = "千代田"};
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	f = (fk_pkg_filter){.name = "港"};
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	f = (fk_pkg_filter){.municipality = MUNI, .state = FK_PKG_REFUSED};
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].id, 2);
	/* opened: everything known, no rejections */
	fk_pkg_detail d;
	fk_pkg_reject_info rej[4];
	ck_assert_ok(fk_intake_package(ctx, 2, NULL, &d, rej, 4, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(d.pkg.refused_row, 1);
	ck_assert_int_eq(d.refusal, FK_INTAKE_SEQUENCE);
	ck_assert_int_eq(d.pkg.times, 2);
	/* another bureau's supervisor sees none of them, and cannot open one */
	fkt_act_as(ctx, "osaka");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fk_intake_package(ctx, 2, NULL, &d, rej, 4, &n, &err), FK_ERR_DENIED);
	/* a refusal rewritten outside fukuhon is refused, not shown */
	fkt_act_as(ctx, "sup");
	fkt_outside(&env, "UPDATE package_refused SET reason = 'busy' WHERE id = 2");
	ck_assert_int_eq(fk_intake_packages(ctx, NULL, rows, 8, &n, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(n, 0);
}
END_TEST

/* Refused rows belong to the bureau the terminal received them for; a 支局's operators see
 * those claiming one of their municipalities (the municipality's checked row says whose it is),
 * not the others (issue 10; R-JURIS, R-BATCH-PROTO). */
START_TEST(a_branch_sees_the_refusals_of_its_municipalities)
{
	int64_t office;
	fk_juris_move mv;
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_ok(fk_jurisdiction_office_add(ctx, "麹町支局", "こうじまちしきょく", "東京法務局",
						"設置", &office, &err), &err);
	ck_assert_ok(fk_jurisdiction_assign(ctx, MUNI, "麹町支局", "設置", &mv, &err), &err);
	fkt_enrol(ctx, "branch", FK_ROLE_OPERATOR, "麹町支局");
	import_one(1, 1, 2, 0);
	fk_intake_result res;
	refuse_seq(5, "bytes of a gap", &res); /* claims MUNI, the branch's */
	fk_intake_result_clear(&res);
	fk_intake_origin o = {.source = "/tmp/garbage.pkg", .buf = (const uint8_t *)"garbage", .n = 7};
	ck_assert_ok(fk_intake_refuse(ctx, 0, NULL, NULL, NULL, &o, "not_package", "not a package",
				      &res, &err), &err);
	fk_intake_result_clear(&res);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM package_refused WHERE bureau_id = "
				    "(SELECT id FROM bureau WHERE name = '東京法務局')"), 2);

	fk_pkg_info rows[8];
	fk_pkg_detail d;
	fk_pkg_reject_info rej[4];
	int n;
	/* the branch: its applied package and the refusal claiming its municipality */
	fkt_act_as(ctx, "branch");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(rows[0].id, 2);
	ck_assert_int_eq(rows[0].refused_row, 1);
	ck_assert_str_eq(rows[0].municipality, MUNI);
	ck_assert_int_eq(rows[1].id, 1);
	fk_pkg_filter f = {.state = FK_PKG_REFUSED};
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_ok(fk_intake_package(ctx, 2, NULL, &d, rej, 4, &n, &err), &err);
	ck_assert_int_eq(d.pkg.refused_row, 1);
	ck_assert_int_eq(d.refusal, FK_INTAKE_SEQUENCE);
	/* not the delivery that names no municipality: the bureau's */
	ck_assert_int_eq(fk_intake_package(ctx, 3, NULL, &d, rej, 4, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_JURISDICTION);
	ck_assert_int_eq(d.pkg.id, 0);
	/* the bureau still sees every delivery it received */
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_intake_packages(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	/* another bureau's: none */
	fkt_act_as(ctx, "osaka");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fk_intake_package(ctx, 2, NULL, &d, rej, 4, &n, &err), FK_ERR_DENIED);
	/* the municipality given back to the bureau: the branch no longer sees its refusal */
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_ok(fk_jurisdiction_assign(ctx, MUNI, "東京法務局", "戻し", &mv, &err), &err);
	fkt_act_as(ctx, "branch");
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 8, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fk_intake_package(ctx, 2, NULL, &d, rej, 4, &n, &err), FK_ERR_DENIED);
}
END_TEST

/* A manifest signed by another municipality than it names: kept, but what it says is marked
 * as the sender's claim, not the municipality's word (verified 0). */
START_TEST(a_manifest_signed_by_another_municipality_is_kept_unverified)
{
	fk_intake_result res;
	ck_assert_ok(deliver(1, FK_PKG_FULL, "131024", "x", &res), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_SIGNER);
	fk_intake_result_clear(&res);
	fkt_act_as(ctx, "sup");
	fk_pkg_info rows[2];
	int n;
	ck_assert_ok(fk_intake_packages(ctx, NULL, rows, 2, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].has_manifest, 1);
	ck_assert_int_eq(rows[0].verified, 0);
	ck_assert_str_eq(rows[0].reason, "signer");
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM package"), 0);
}
END_TEST

/* The refusal's row cannot be kept (here: the row it would count was changed outside
 * fukuhon): nothing is answered — no receipt — and the refusal is still on record. Fail
 * closed (R-LOG). */
START_TEST(a_refusal_whose_row_cannot_be_kept_answers_nothing)
{
	import_one(1, 1, 2, 0);
	fk_intake_result res;
	refuse_seq(5, "bytes", &res);
	fk_intake_result_clear(&res);
	int failed = fkt_audit_count(ctx, "intake.receive", "failed", NULL);
	fkt_outside(&env, "UPDATE package_refused SET times = 7");
	ck_assert_int_ne(deliver(5, FK_PKG_DELTA, MUNI, "bytes", &res), FK_OK);
	ck_assert_ptr_null(res.receipt);
	fk_intake_result_clear(&res);
	fkt_outside(&env, "UPDATE package_refused SET times = 1");
	ck_assert_int_ge(fkt_audit_count(ctx, "intake.receive", "failed", NULL), failed + 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("packages");
	TCase *tc = tcase_create("packages");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_list_is_newest_first_in_keyset_pages);
	tcase_add_test(tc, a_package_opens_with_its_rejections_in_pages);
	tcase_add_test(tc, auditors_and_other_bureaus_are_refused_and_recorded);
	tcase_add_test(tc, a_tampered_package_or_rejection_is_refused);
	tcase_add_test(tc, refused_deliveries_are_sealed_rows_listed_with_the_packages);
	tcase_add_test(tc, a_branch_sees_the_refusals_of_its_municipalities);
	tcase_add_test(tc, a_refusal_whose_row_cannot_be_kept_answers_nothing);
	tcase_add_test(tc, a_manifest_signed_by_another_municipality_is_kept_unverified);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
