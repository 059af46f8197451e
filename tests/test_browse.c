/* Unit tests: the data behind the console's screens (home figures, register pages, records). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fktest.h"

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
	fk_demo_opts o = {300, 5, "東京法務局", NULL, NULL};
	fk_demo_stats st;
	ck_assert_ok(fk_demo_generate(ctx, &o, &st, &err), &err);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static int64_t scalar(const char *sql, const char *arg)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, sql, 0, &st), SQLITE_OK);
	if (arg)
		fk_sql_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t v = fk_sql_column_int64(st, 0);
	fk_sql_finalize(st);
	return v;
}

START_TEST(home_figures_match_the_tables)
{
	fk_bureau b;
	ck_assert_ok(fk_bureau_find(ctx, "東京法務局", &b, &err), &err);
	fk_muni_stat *rows;
	int n;
	ck_assert_ok(fk_browse_home(ctx, b.id, 0, &rows, &n, &err), &err);
	ck_assert_int_eq(n, b.n_municipalities);
	int64_t total = 0, ledger = 0;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(rows[i].n[FK_FILE_KOSEKI],
				 scalar("SELECT count(*) FROM register WHERE kind = 1 AND municipality = ?1", rows[i].m.code));
		total += rows[i].n[1] + rows[i].n[2];
		ledger += rows[i].n[FK_FILE_LEDGER];
	}
	ck_assert_int_eq(total, 300);
	ck_assert_int_eq(ledger, scalar("SELECT count(*) FROM ledger_entry", NULL));
	free(rows);
}
END_TEST

/* The municipality with the most 戸籍. */
static const char *busiest(void)
{
	static char code[7];
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT municipality FROM register WHERE kind = 1 "
		"GROUP BY municipality ORDER BY count(*) DESC LIMIT 1", 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	fk_copy_str(code, sizeof code, (const char *)fk_sql_column_text(st, 0));
	fk_sql_finalize(st);
	return code;
}

START_TEST(pages_forward_backward_and_position)
{
	const char *m = busiest();
	int64_t total = scalar("SELECT count(*) FROM register WHERE kind = 1 AND municipality = ?1", m);
	ck_assert_int_ge(total, 6);
	fk_reg_row a[4], b[4], last[4];
	int na, nb, nl;
	ck_assert_ok(fk_browse_registers(ctx, m, 1, 0, 1, 4, a, &na, &err), &err);
	ck_assert_int_eq(na, 4);
	ck_assert_int_lt(a[0].id, a[1].id);
	ck_assert_int_ne(a[0].head[0], '\0');
	ck_assert_int_ne(a[0].honseki[0], '\0');
	ck_assert_ok(fk_browse_registers(ctx, m, 1, a[3].id, 1, 4, b, &nb, &err), &err);
	ck_assert_int_gt(b[0].id, a[3].id);
	/* Backwards from the second page's first row gives the first page again. */
	fk_reg_row c[4];
	int nc;
	ck_assert_ok(fk_browse_registers(ctx, m, 1, b[0].id, -1, 4, c, &nc, &err), &err);
	ck_assert_int_eq(nc, 4);
	ck_assert_int_eq(c[0].id, a[0].id);
	ck_assert_int_eq(c[3].id, a[3].id);
	/* The end. */
	ck_assert_ok(fk_browse_registers(ctx, m, 1, 0, -1, 4, last, &nl, &err), &err);
	ck_assert_int_eq(nl, 4);
	int64_t idx, tot;
	ck_assert_ok(fk_browse_position(ctx, m, 1, last[3].id, &idx, &tot, &err), &err);
	ck_assert_int_eq(tot, total);
	ck_assert_int_eq(idx, total - 1);
}
END_TEST

/* Storage the disk damaged (content that is not even sealed data) stays visible as damaged:
 * hiding it would hide the loss. */
START_TEST(damaged_rows_stay_visible)
{
	const char *m = busiest();
	fk_reg_row a[2];
	int na;
	ck_assert_ok(fk_browse_registers(ctx, m, 1, 0, 1, 2, a, &na, &err), &err);
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE register_version SET content = zeroblob(200) WHERE register_id = %lld",
		 (long long)a[0].id);
	if (fkt_pg()) /* the disk is the server's: its administrator writes the damage */
		fkt_outside(&env, sql);
	else
		ck_assert_int_eq(fk_sql_exec(ctx->db, sql), SQLITE_OK);
	ck_assert_ok(fk_browse_registers(ctx, m, 1, 0, 1, 2, a, &na, &err), &err);
	ck_assert_int_eq(na, 2);
	ck_assert_int_eq(a[0].unreadable, 1);
	ck_assert_int_eq(a[1].unreadable, 0);
}
END_TEST

/* Sealed content altered (one bit of the ciphertext) stops the page, naming the register
 * (R-DETECT): nothing of a tampered database is shown as if it were sound. */
START_TEST(altered_rows_stop_the_page)
{
	const char *m = busiest();
	fk_reg_row a[2];
	int na;
	ck_assert_ok(fk_browse_registers(ctx, m, 1, 0, 1, 2, a, &na, &err), &err);
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT content FROM register_version WHERE register_id = ?1",
					    0, &st), SQLITE_OK);
	fk_sql_bind_int64(st, 1, a[0].id);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int len = fk_sql_column_bytes(st, 0);
	uint8_t *blob = malloc((size_t)len);
	memcpy(blob, fk_sql_column_blob(st, 0), (size_t)len);
	fk_sql_finalize(st);
	blob[len - 20] ^= 1;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "UPDATE register_version SET content = ?2 WHERE register_id = ?1",
					    0, &st), SQLITE_OK);
	fk_sql_bind_int64(st, 1, a[0].id);
	fk_sql_bind_blob(st, 2, blob, len, free);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
	ck_assert_int_eq(fk_browse_registers(ctx, m, 1, 0, 1, 2, a, &na, &err), FK_ERR_TAMPER);
	char row[48];
	snprintf(row, sizeof row, "register %lld", (long long)a[0].id);
	ck_assert_msg(strstr(err.msg, row), "%s", err.msg);
}
END_TEST

/* Issue 11, item 6: newest first in the order of the dates shown (受付日, then the time
 * received), paged by the last row without losing or repeating any; fields as columns and
 * the register named. */
START_TEST(records_newest_first)
{
	const char *m = busiest();
	fk_record_row r[8];
	int n, seen = 0;
	const fk_record_row *after = NULL;
	fk_record_row last;
	int64_t total = scalar("SELECT count(*) FROM ledger_entry WHERE municipality = ?1", m);
	do {
		ck_assert_ok(fk_browse_records(ctx, m, FK_FILE_LEDGER, after, 3, r, &n, &err), &err);
		for (int i = 0; i < n; i++) {
			const fk_record_row *prev = i ? &r[i - 1] : after;
			if (prev) {
				int c = strcmp(r[i].label, prev->label);
				ck_assert_msg(c < 0 || (c == 0 && (r[i].received_at < prev->received_at ||
					      (r[i].received_at == prev->received_at && r[i].id < prev->id))),
					      "entry %lld out of order", (long long)r[i].id);
			}
			ck_assert_str_eq(r[i].sort_date, r[i].label);
			int has_number = 0;
			for (int f = 0; f < r[i].nfields; f++)
				has_number |= !strcmp(r[i].fields[f].key, "受付番号") && r[i].fields[f].value[0];
			ck_assert(has_number);
			ck_assert_int_gt(r[i].register_id, 0); /* the demo names it as 戸籍 */
		}
		seen += n;
		if (n) {
			last = r[n - 1];
			after = &last;
		}
	} while (n == 3);
	ck_assert_int_eq(seen, (int)total);
	ck_assert_ok(fk_browse_records(ctx, m, FK_FILE_LEDGER, NULL, 8, r, &n, &err), &err);
	if (n)
		ck_assert_ptr_nonnull(strstr(r[0].summary, "受付番号"));
	ck_assert_ok(fk_browse_records(ctx, m, FK_FILE_DOCS, NULL, 8, r, &n, &err), &err);
	for (int i = 1; i < n; i++)
		ck_assert(r[i].received_at < r[i - 1].received_at ||
			  (r[i].received_at == r[i - 1].received_at && r[i].id < r[i - 1].id));
	if (n) {
		ck_assert_ptr_nonnull(strstr(r[0].label, "届"));
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)r[0].id);
		ck_assert_int_gt(r[0].register_id, 0);
		ck_assert_int_eq(r[0].register_id, scalar("SELECT register_id FROM notification_doc "
							  "WHERE id = CAST(?1 AS INTEGER)", id));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("browse");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, home_figures_match_the_tables);
	tcase_add_test(tc, pages_forward_backward_and_position);
	tcase_add_test(tc, damaged_rows_stay_visible);
	tcase_add_test(tc, altered_rows_stop_the_page);
	tcase_add_test(tc, records_newest_first);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
