/* Unit tests: the sealed history's recording, epochs, checkpoints, query and failing closed (R-LOG, R-LOGSEAL, R-TIME). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <unistd.h>

#include "fktest.h"

static fkt_env env;
static uint8_t k0[FK_KEY_LEN];
static int64_t fake_ns;

static int64_t fake_clock(void)
{
	return fake_ns;
}

static void setup(void)
{
	fkt_env_init(&env, NULL);
}

static void teardown(void)
{
	fkt_env_cleanup(&env);
}

static void rec(fk_ctx *ctx, const char *action, const char *detail)
{
	fk_error err;
	ck_assert_ok(fk_audit(ctx, action, "thing", "1", FK_RESULT_SUCCESS, "", detail, &err), &err);
}

static int64_t scalar(fk_ctx *ctx, const char *sql)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, sql, 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t v = fk_sql_column_int64(st, 0);
	fk_sql_finalize(st);
	return v;
}

static fk_chain_key key_now(void)
{
	fk_chain_key k;
	fk_error err;
	char dir[700];
	snprintf(dir, sizeof dir, "%s/keys", env.dir);
	ck_assert_ok(fk_chain_key_load(dir, &k, &err), &err);
	return k;
}

/* The records the terminal's creation wrote (creation, reference data). */
static int64_t created(fk_ctx *ctx)
{
	return scalar(ctx, "SELECT max(seq) FROM audit_log");
}

START_TEST(records_carry_every_field_and_verify)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	int64_t base = created(ctx);
	ck_assert_int_eq(scalar(ctx, "SELECT min(seq) FROM audit_log"), 1);
	ck_assert_int_eq(scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'terminal.create'"), 1);
	ck_assert_ok(fk_audit_start(ctx, "test", &err), &err);
	rec(ctx, "register.view", "山田 太郎");
	ck_assert_ok(fk_audit_stop(ctx, "test", &err), &err);
	fk_audit_row rows[16];
	int n;
	/* after the creation's records and the seal of their epoch at the start */
	ck_assert_ok(fk_audit_list(ctx, base + 1, rows, 16, &n, &err), &err);
	ck_assert_int_eq(n, 4); /* start, view, stop, seal */
	ck_assert_str_eq(rows[0].action, "program.start");
	ck_assert_str_eq(rows[1].detail, "山田 太郎");
	ck_assert_str_eq(rows[1].terminal, "test-terminal");
	ck_assert_int_eq(rows[1].pid, (int)getpid());
	ck_assert_int_eq((int)strlen(rows[1].session), 32);
	ck_assert_int_gt(rows[1].mono_ns, 0);
	ck_assert_int_eq(rows[3].kind, FK_CHAIN_SEAL);
	ck_assert_str_eq(rows[3].reason, "stop");
	fk_audit_rows_free(rows, n);
	/* stop evolved the key past the sealed epoch; a checkpoint covers the seal */
	fk_chain_key k = key_now();
	ck_assert_int_eq(k.epoch, 2);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	ck_assert_int_eq(r.records, base + 5);
	ck_assert_int_eq(r.covered_seq, base + 5);
	/* details are sealed: nothing of them in clear */
	ck_assert_int_eq(scalar(ctx, fkt_pg() ? "SELECT count(*) FROM audit_log WHERE "
				"position(convert_to('山田', 'UTF8') IN detail) > 0"
			      : "SELECT count(*) FROM audit_log WHERE instr(detail, CAST('山田' AS BLOB)) > 0"), 0);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(epochs_evolve_with_the_injected_clock)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	int64_t base = created(ctx);
	ctx->clock = fake_clock;
	fake_ns = fk_now_ns();
	rec(ctx, "a", NULL);
	ck_assert_int_eq(key_now().epoch, 0);
	fake_ns += 2 * 3600 * 1000000000LL; /* two hours idle: one seal, then epoch 1 */
	rec(ctx, "b", NULL);
	fk_chain_key k = key_now();
	ck_assert_int_eq(k.epoch, 1);
	ck_assert_int_eq(k.started_ns, fake_ns);
	uint8_t k1[FK_KEY_LEN];
	memcpy(k1, k0, FK_KEY_LEN);
	ck_assert_ok(fk_chain_evolve(k1, &err), &err);
	ck_assert_mem_eq(k.key, k1, FK_KEY_LEN); /* K1 = HMAC(K0, "evolve"); K0 is gone */
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT kind FROM audit_log WHERE seq = %lld", (long long)(base + 2));
	ck_assert_int_eq(scalar(ctx, sql), FK_CHAIN_SEAL);
	snprintf(sql, sizeof sql, "SELECT epoch FROM audit_log WHERE seq = %lld", (long long)(base + 3));
	ck_assert_int_eq(scalar(ctx, sql), 1);
	fake_ns += 30 * 60 * 1000000000LL; /* within the hour: same epoch */
	rec(ctx, "c", NULL);
	ck_assert_int_eq(key_now().epoch, 1);
	/* inside a caller's transaction the seal waits (it must commit first) */
	fake_ns += 2 * 3600 * 1000000000LL;
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	rec(ctx, "d", NULL);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	ck_assert_int_eq(key_now().epoch, 1);
	/* the idle loop's tick seals and evolves */
	ck_assert_ok(fk_audit_tick(ctx, &err), &err);
	ck_assert_int_eq(key_now().epoch, 2);
	ck_assert_ok(fk_audit_tick(ctx, &err), &err); /* nothing new: no second seal */
	ck_assert_int_eq(scalar(ctx, "SELECT count(*) FROM audit_log WHERE kind = 2"), 2);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(checkpoints_every_n_records_and_exported)
{
	fkt_env_init(&env, "audit_checkpoint_records = 5");
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	int64_t base = created(ctx);
	for (int i = 0; i < 12; i++)
		rec(ctx, "x", NULL);
	/* the first record, then every 5 */
	ck_assert_int_eq(scalar(ctx, "SELECT count(*) FROM audit_checkpoint"), 1 + (base + 12 - 1) / 5);
	fk_checkpoint cp, back;
	ck_assert_ok(fk_checkpoint_fresh(ctx, &cp, &err), &err);
	ck_assert_int_eq(cp.seq, base + 12);
	char path[700];
	snprintf(path, sizeof path, "%s/cp.json", env.dir);
	ck_assert_ok(fk_checkpoint_export(&cp, path, &err), &err);
	ck_assert_int_eq(fk_checkpoint_export(&cp, path, &err), FK_ERR_EXISTS);
	ck_assert_ok(fk_checkpoint_import(path, &back, &err), &err);
	ck_assert_int_eq(back.seq, base + 12);
	ck_assert_ok(fk_checkpoint_check(&back, cp.public_key, &err), &err);
	back.seq = base + 11;
	ck_assert_int_eq(fk_checkpoint_check(&back, cp.public_key, &err), FK_ERR_TAMPER);
	fk_verify_report r = fkt_verify(ctx, k0, &cp);
	ck_assert_int_eq(r.problems, 0);
	ck_assert_int_eq(r.covered_seq, base + 12);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(query_filters_and_pages)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	int64_t base = created(ctx);
	ctx->clock = fake_clock;
	fake_ns = 1700000000LL * 1000000000LL;
	for (int i = 0; i < 10; i++) {
		snprintf(ctx->actor.user, sizeof ctx->actor.user, "%s", i % 2 ? "sato" : "tanaka");
		rec(ctx, i < 5 ? "operator.add" : "register.view", NULL);
		fake_ns += 60 * 1000000000LL;
	}
	fk_audit_row rows[20];
	int n;
	fk_audit_filter f = {0};
	f.operator_ = "sato";
	f.action = "operator"; /* dotted prefix */
	ck_assert_ok(fk_audit_query(ctx, &f, rows, 20, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(rows[0].action, "operator.add");
	fk_audit_rows_free(rows, n);
	memset(&f, 0, sizeof f);
	f.action = "operator.ad"; /* not a dotted prefix */
	ck_assert_ok(fk_audit_query(ctx, &f, rows, 20, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	memset(&f, 0, sizeof f);
	f.since_ns = 1700000000LL * 1000000000LL + 120 * 1000000000LL;
	f.until_ns = f.since_ns + 180 * 1000000000LL;
	ck_assert_ok(fk_audit_query(ctx, &f, rows, 20, &n, &err), &err);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(rows[0].seq, base + 3);
	fk_audit_rows_free(rows, n);
	/* pages forward and backward */
	memset(&f, 0, sizeof f);
	ck_assert_ok(fk_audit_query(ctx, &f, rows, 4, &n, &err), &err);
	ck_assert_int_eq(rows[3].seq, 4);
	f.after_seq = rows[3].seq;
	fk_audit_rows_free(rows, n);
	ck_assert_ok(fk_audit_query(ctx, &f, rows, 4, &n, &err), &err);
	ck_assert_int_eq(rows[0].seq, 5);
	fk_audit_rows_free(rows, n);
	memset(&f, 0, sizeof f);
	f.before_seq = 8;
	f.result = "success";
	ck_assert_ok(fk_audit_query(ctx, &f, rows, 3, &n, &err), &err);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(rows[0].seq, 7);
	ck_assert_int_eq(rows[2].seq, 5);
	fk_audit_rows_free(rows, n);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(fails_closed_when_the_key_is_unusable_or_ahead)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	char dir[700], path[800];
	snprintf(dir, sizeof dir, "%s/keys", env.dir);
	snprintf(path, sizeof path, "%s/audit.key", dir);
	int64_t base = created(ctx);
	rec(ctx, "a", NULL);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(fk_audit(ctx, "b", NULL, NULL, FK_RESULT_SUCCESS, "", NULL, &err), FK_ERR_AUDIT);
	ck_assert_int_eq(chmod(path, 0600), 0);
	/* a key ahead of the history means its end was cut off: refuse */
	fk_chain_key k = key_now();
	k.epoch += 1;
	ck_assert_ok(fk_chain_key_store(dir, &k, 0, &err), &err);
	ck_assert_int_eq(fk_audit(ctx, "c", NULL, NULL, FK_RESULT_SUCCESS, "", NULL, &err), FK_ERR_AUDIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "cut off"));
	ck_assert_int_eq(scalar(ctx, "SELECT count(*) FROM audit_log"), base + 1);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(legacy_rows_before_the_chain)
{
	if (fkt_skip_on_pg("a terminal of schema 1", "made by switching SQLite's triggers off on the "
			   "terminal's own connection; no PostgreSQL store predates the chain"))
		return;
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	int64_t base = created(ctx);
	rec(ctx, "a", "x");
	rec(ctx, "b", NULL);
	/* make it look like a schema-1 terminal: unsealed rows, no history keys, no trust base
	 * (triggers off for this connection: dropping them would alter the pinned schema) */
	ck_assert_int_eq(sqlite3_db_config(fk_sql_lite(ctx->db), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL), SQLITE_OK);
	ck_assert_int_eq(fk_sql_exec(ctx->db,
		"UPDATE audit_log SET kind = 0, epoch = NULL, prev_mac = NULL, mac = NULL, row_refs = NULL;"
		"DELETE FROM audit_checkpoint;"), SQLITE_OK);
	fk_ctx_close(ctx);
	char p[800];
	const char *names[] = {"keys/audit.key", "keys/audit-sign.key", "keys/trust.key", "keys/trust.anchor"};
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", env.dir, names[i]);
		ck_assert_int_eq(unlink(p), 0);
	}
	/* the chain starts now (K0 goes to the default file) and the terminal is adopted:
	 * its rows sealed as found, which is on record */
	ctx = fkt_ctx_open(&env);
	ck_assert_int_eq(scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'trust.adopt'"), 1);
	rec(ctx, "c", NULL);
	snprintf(p, sizeof p, "%s/audit-initial-key", env.dir);
	ck_assert_ok(fk_chain_k0_read(p, k0, &err), &err);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	ck_assert_int_eq(r.legacy, base + 2);
	ck_assert_int_eq(r.sealed, 2);
	fk_ctx_close(ctx);
	/* once sealed, a missing key is refused, not silently replaced */
	snprintf(p, sizeof p, "%s/keys/audit.key", env.dir);
	ck_assert_int_eq(unlink(p), 0);
	fk_ctx *again;
	ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &again, &err), FK_ERR_NOKEY);
}
END_TEST

/* A terminal whose trust key and anchor were lost is adopted: every row sealed anew under a
 * new key. The row references recorded before that name MACs of the old key, and verification
 * must not hold them against the rows (R-DETECT, R-LOGSEAL). */
START_TEST(references_before_an_adoption_are_not_held_against_the_rows)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	int64_t id;
	ck_assert_ok(fk_operator_add(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局", NULL, &id, &err), &err);
	ck_assert_ok(fk_operator_set_enabled(ctx, "op1", 0, &err), &err);
	ck_assert_int_gt(scalar(ctx, "SELECT count(*) FROM audit_log WHERE row_refs LIKE '%operator i%'"), 0);
	fk_ctx_close(ctx);
	char p[800];
	const char *names[] = {"keys/trust.key", "keys/trust.anchor"};
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", env.dir, names[i]);
		ck_assert_int_eq(unlink(p), 0);
	}
	if (fkt_pg()) {
		/* No shared store predates the trust base: a key folder without its trust key is
		 * refused, naming the way back, and no new key is made (core/trust/trust.c). */
		ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err), FK_ERR_NOKEY);
		ck_assert_ptr_nonnull(strstr(err.msg, "key import"));
		snprintf(p, sizeof p, "%s/keys/trust.key", env.dir);
		ck_assert_int_ne(access(p, F_OK), 0);
		fkt_skip_on_pg("an adoption of a terminal from before the trust base", "refused on a shared "
			       "store instead (checked above)");
		return;
	}
	ctx = fkt_ctx_open(&env);
	ck_assert_int_eq(scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'trust.adopt'"), 1);
	/* a change after the adoption is held against its row again */
	ck_assert_ok(fk_operator_set_enabled(ctx, "op1", 1, &err), &err);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	ck_assert_int_eq(sqlite3_db_config(fk_sql_lite(ctx->db), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL), SQLITE_OK);
	ck_assert_int_eq(fk_sql_exec(ctx->db, "UPDATE operator SET enabled = 0, mac = (SELECT mac FROM operator "
				      "WHERE username = 'admin') WHERE username = 'op1'"), SQLITE_OK);
	r = fkt_verify(ctx, k0, NULL);
	ck_assert(fkt_verify_saw(FK_VP_ROLLBACK, scalar(ctx, "SELECT max(seq) FROM audit_log WHERE action = 'operator.enable'")));
	fk_ctx_close(ctx);
}
END_TEST

/* ---- R-TIME: the clock state the kernel reports is what every record keeps ---- */

static int clock_state;  /* what the fake ntp_adjtime returns */
static int clock_status; /* and puts in tx->status */

static int fake_adjtime(struct timex *tx)
{
	ck_assert_int_eq(tx->modes, 0); /* a reading, never an adjustment */
	tx->status = clock_status;
	return clock_state;
}

static void clock_reads(int state, int status)
{
	clock_state = state;
	clock_status = status;
	fk_clock_test_hook(fake_adjtime);
}

START_TEST(clock_state_is_read_from_the_kernel)
{
	clock_reads(TIME_OK, 0);
	ck_assert_int_eq(fk_clock_synced(), 1);
	clock_reads(TIME_INS, STA_PLL); /* a leap second ahead: still synchronised */
	ck_assert_int_eq(fk_clock_synced(), 1);
	clock_reads(TIME_OK, STA_UNSYNC);
	ck_assert_int_eq(fk_clock_synced(), 0);
	clock_reads(TIME_ERROR, 0);
	ck_assert_int_eq(fk_clock_synced(), 0);
	clock_reads(-1, 0);
	ck_assert_int_eq(fk_clock_synced(), 0);
	fk_clock_test_hook(NULL);
}
END_TEST

/* The newest record's clock_synced as stored, as the auditor's query reads
 * it, and whether verify accepts it (and refuses it flipped). */
static int newest_clock_synced(fk_ctx *ctx)
{
	fk_error err;
	fk_audit_row row;
	int n;
	fk_audit_filter f = {0};
	f.before_seq = INT64_MAX;
	ck_assert_ok(fk_audit_query(ctx, &f, &row, 1, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(row.clock_synced,
			 scalar(ctx, "SELECT clock_synced FROM audit_log ORDER BY seq DESC LIMIT 1"));
	fk_audit_rows_free(&row, n);
	return row.clock_synced;
}

START_TEST(unsynchronised_clock_is_recorded_and_shown)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	clock_reads(TIME_OK, STA_UNSYNC);
	rec(ctx, "register.view", NULL);
	ck_assert_int_eq(newest_clock_synced(ctx), 0);
	fk_health h;
	ck_assert_ok(fk_health_get(ctx, 0, &h, NULL, NULL, &err), &err);
	ck_assert_int_eq(h.clock_synced, 0);
	clock_reads(TIME_OK, 0);
	rec(ctx, "register.view", NULL);
	ck_assert_int_eq(newest_clock_synced(ctx), 1);
	ck_assert_ok(fk_health_get(ctx, 0, &h, NULL, NULL, &err), &err);
	ck_assert_int_eq(h.clock_synced, 1);
	clock_reads(TIME_ERROR, 0);
	rec(ctx, "register.view", NULL);
	ck_assert_int_eq(newest_clock_synced(ctx), 0);
	fk_clock_test_hook(NULL);
	/* the state is sealed: verify accepts it as recorded, and not changed */
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	int64_t seq = scalar(ctx, "SELECT max(seq) FROM audit_log WHERE clock_synced = 0");
	if (fkt_pg()) /* as the server's administrator: past the trigger, re-created */
		fkt_outside_past_trigger(&env, "audit_log_no_update",
					 "UPDATE audit_log SET clock_synced = 1 WHERE clock_synced = 0");
	else
		ck_assert_int_eq(fk_sql_exec(ctx->db, "DROP TRIGGER audit_log_no_update;"
					      "UPDATE audit_log SET clock_synced = 1 WHERE clock_synced = 0"), SQLITE_OK);
	r = fkt_verify(ctx, k0, NULL);
	ck_assert(fkt_verify_saw(FK_VP_MAC, seq));
	fk_ctx_close(ctx);
}
END_TEST

/* R-KEYS: the initial key K0, read from wherever the administrator keeps it,
 * is refused with a second name (hard link). */
START_TEST(initial_key_with_a_second_name_is_refused)
{
	fk_error err;
	uint8_t back[FK_KEY_LEN];
	char p[700], other[700];
	memset(k0, 7, sizeof k0);
	snprintf(p, sizeof p, "%s/k0", env.dir);
	snprintf(other, sizeof other, "%s/k0-again", env.dir);
	ck_assert_ok(fk_chain_k0_write(p, "test-terminal", k0, &err), &err);
	ck_assert_ok(fk_chain_k0_read(p, back, &err), &err);
	ck_assert_mem_eq(back, k0, FK_KEY_LEN);
	ck_assert_int_eq(link(p, other), 0);
	ck_assert_int_eq(fk_chain_k0_read(p, back, &err), FK_ERR_KEYPERM);
	ck_assert_msg(strstr(err.msg, "2 hard links") && strstr(err.msg, p), "%s", err.msg);
	ck_assert_int_eq(unlink(other), 0);
	ck_assert_ok(fk_chain_k0_read(p, back, &err), &err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("chain");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, records_carry_every_field_and_verify);
	tcase_add_test(tc, epochs_evolve_with_the_injected_clock);
	tcase_add_test(tc, checkpoints_every_n_records_and_exported);
	tcase_add_test(tc, query_filters_and_pages);
	tcase_add_test(tc, fails_closed_when_the_key_is_unusable_or_ahead);
	tcase_add_test(tc, legacy_rows_before_the_chain);
	tcase_add_test(tc, references_before_an_adoption_are_not_held_against_the_rows);
	tcase_add_test(tc, clock_state_is_read_from_the_kernel);
	tcase_add_test(tc, unsynchronised_clock_is_recorded_and_shown);
	tcase_add_test(tc, initial_key_with_a_second_name_is_refused);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
