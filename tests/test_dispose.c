/* Carrying out an approved disposal (R-DISPOSE 8(1)カ, R-APPROVE 8(1)ア; docs/disposal.md):
 * the whole way (request, another's approval, carried out once by the requester), the register
 * unreadable through every path afterwards, no key material left in the database file or its
 * WAL, and each protection with a test that fails without it — a register amended after the
 * request, one being changed by an import, a disposal undone with sqlite3, a restored data
 * key, an amendment or a full re-send naming a disposed register. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fktest.h"
#include "disposal.h"
#include "import.h"
#include "order.h"

#define M "131016" /* 千代田区, 東京法務局 */

static fkt_env env;
static fk_ctx *ctx;
static uint8_t k0[FK_KEY_LEN];
static fk_error err;
static int64_t reg, reg2;

static int64_t add_register(const char *name, const char *reading, const char *honseki)
{
	int64_t id;
	json_t *d = fkt_register(name, reading, honseki);
	ck_assert_ok(fkt_store_add(ctx, M, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &id, &err), &err);
	json_decref(d);
	return id;
}

static void setup(void)
{
	fkt_env_init(&env, "approval_valid = 2h");
	ctx = fkt_ctx_init_k0(&env, k0);
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "sup2", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	reg = add_register("山田 太郎", "やまだ たろう", "東京都千代田区一番地");
	reg2 = add_register("鈴木 花子", "すずき はなこ", "東京都千代田区二番地");
	fkt_grant(ctx, "op1", M, FK_RIGHT_VIEW | FK_RIGHT_PRINT | FK_RIGHT_DISPOSE);
	fkt_grant(ctx, "sup", M, FK_RIGHT_VIEW | FK_RIGHT_PRINT | FK_RIGHT_DISPOSE);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static int64_t request(const int64_t *ids, int n)
{
	int64_t id;
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_make(ctx, FK_REQ_DISPOSE, ids, n, "保存期間満了による廃棄", &id, &err), &err);
	return id;
}

static int64_t approved(const int64_t *ids, int n)
{
	int64_t id = request(ids, n);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	fkt_act_as(ctx, "op1");
	return id;
}

static void refused(fk_status s, fk_reason why)
{
	ck_assert_msg(s == FK_ERR_DENIED, "wanted a refusal, got %s: %s", fk_status_name(s), err.msg);
	ck_assert_msg(err.reason == (int)why, "refused as %s, wanted %s (%s)",
		      fk_reason_id((fk_reason)err.reason), fk_reason_id(why), err.msg);
}

static fk_status dispose(int64_t id, int *n)
{
	fk_dispose_result r;
	fk_status s = fk_dispose_execute(ctx, id, &r, &err);
	if (n)
		*n = r.n;
	if (s == FK_OK)
		ck_assert_str_eq(r.warning, "");
	fk_dispose_result_free(&r);
	return s;
}

static int64_t key_of(int64_t id)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT key_id FROM register WHERE id = %lld", (long long)id);
	return fkt_scalar(ctx, sql);
}

/* The wrapped bytes of data key k (n bytes into buf; 0 when there are none). */
static size_t wrapped_of(int64_t k, uint8_t *buf, size_t len)
{
	fk_stmt *st;
	size_t n = 0;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT wrapped FROM data_key WHERE id = ?1", 0, &st),
			 SQLITE_OK);
	fk_sql_bind_int64(st, 1, k);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	if (fk_sql_column_type(st, 0) != SQLITE_NULL) {
		n = (size_t)fk_sql_column_bytes(st, 0);
		ck_assert_uint_le(n, len);
		memcpy(buf, fk_sql_column_blob(st, 0), n);
	}
	fk_sql_finalize(st);
	return n;
}

static int found_by(fk_search_field field, const char *q, int64_t id)
{
	int64_t ids[16];
	int n = 0;
	fk_search s = {.field = field, .query = q, .limit = 16};
	ck_assert_ok(fk_access_search(ctx, &s, ids, &n, &err), &err);
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* reg disposed of the whole way: asked for by op1, approved by sup, carried out by op1. */
static void reg_disposed(void)
{
	int64_t ids[1] = {reg};
	int64_t id = approved(ids, 1);
	ck_assert_ok(dispose(id, NULL), &err);
}

/* A copy of the database as it is now, as a backup would take it. */
static void backup_to(const char *path)
{
	char sql[800];
	fk_stmt *st;
	/* (callers skip on PostgreSQL first: its backups are its server's) */
	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", path);
	ck_assert_int_eq(fk_sql_prepare(ctx->db, sql, 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
}

/* ---- the whole way ---- */

START_TEST(a_disposal_is_carried_out_once_by_the_requester)
{
	int64_t ids[1] = {reg};
	int64_t id = request(ids, 1);
	int n;
	/* not before a supervisor approves it */
	refused(dispose(id, NULL), FK_WHY_NOT_APPROVED);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	/* not by the approver, nor by anyone but the requester */
	refused(dispose(id, NULL), FK_WHY_NOT_REQUESTER);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(dispose(id, &n), &err);
	ck_assert_int_eq(n, 1);
	/* once */
	refused(dispose(id, NULL), FK_WHY_EXECUTED);
	/* recorded: the execution, the register, the refusals with their reasons */
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.execute", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.register", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.execute", "denied", "already-executed"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.execute", "denied", "not-requester"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.execute", "denied", "not-approved"), 1);
	/* the other register is untouched */
	json_t *doc = NULL;
	ck_assert_ok(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, reg2, 0, &doc, NULL, &err), &err);
	json_decref(doc);
}
END_TEST

START_TEST(a_disposed_register_is_unreadable_through_every_path)
{
	int64_t ids[1] = {reg};
	int64_t id = approved(ids, 1);
	int64_t k = key_of(reg);
	ck_assert(found_by(FK_FIELD_NAME, "山田 太郎", reg));
	ck_assert_ok(dispose(id, NULL), &err);
	json_t *doc = NULL;
	fk_reg_version v[4];
	int n = 0;
	/* open, versions, compare: as a register that is not there */
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, reg, 0, &doc, NULL, &err), FK_ERR_DENIED);
	ck_assert_ptr_null(doc);
	ck_assert_int_eq(err.reason, FK_WHY_NOT_FOUND);
	ck_assert_int_eq(fk_access_register_versions(ctx, reg, v, 4, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_store_read(ctx, reg, 1, &doc, NULL, &err), FK_ERR_NOTFOUND);
	/* search by name, reading and 本籍: the tags are gone */
	ck_assert(!found_by(FK_FIELD_NAME, "山田 太郎", reg));
	ck_assert(!found_by(FK_FIELD_READING, "やまだ", reg));
	ck_assert(!found_by(FK_FIELD_HONSEKI, "東京都千代田区一番地", reg));
	ck_assert(found_by(FK_FIELD_NAME, "鈴木 花子", reg2));
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register_index WHERE register_id = %lld", (long long)reg);
	ck_assert_int_eq(fkt_scalar(ctx, sql), 0);
	/* the sorted lists: in step with the figures, without it (reindex would agree) */
	for (int f = 1; f <= FK_ORDER_FIELDS; f++) {
		int64_t total = 0, page[8];
		int got = 0;
		ck_assert_ok(fk_order_check(ctx, M, FK_KIND_KOSEKI, (fk_order_field)f, &total, &err), &err);
		ck_assert_int_eq(total, 1);
		ck_assert_ok(fk_order_page(ctx, M, FK_KIND_KOSEKI, (fk_order_field)f, 0, 8, page, &got, &err), &err);
		ck_assert_int_eq(got, 1);
		ck_assert_int_eq(page[0], reg2);
	}
	int64_t lists = 0, regs = 0;
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_reindex(ctx, NULL, 0, &lists, &regs, &err), &err);
	ck_assert_int_eq(lists, 0); /* nothing out of step */
	/* a print or another disposal of it is refused when asked for */
	fkt_act_as(ctx, "op1");
	int64_t rid;
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_PRINT, ids, 1, "写しの請求", &rid, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_DISPOSE, ids, 1, "再度", &rid, &err), FK_ERR_DENIED);
	/* the key has no key material; the versions hold no ciphertext; the rows stay as the record */
	uint8_t buf[128];
	ck_assert_uint_eq(wrapped_of(k, buf, sizeof buf), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM data_key WHERE id = %lld AND destroyed_at IS NOT NULL", (long long)k);
	ck_assert_int_eq(fkt_scalar(ctx, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register_version WHERE register_id = %lld AND length(content) = 0",
		 (long long)reg);
	ck_assert_int_eq(fkt_scalar(ctx, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register WHERE id = %lld AND disposed_at IS NOT NULL", (long long)reg);
	ck_assert_int_eq(fkt_scalar(ctx, sql), 1);
	/* the figures count one register */
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT n FROM municipality_stats WHERE municipality = '" M "' AND kind = 1"), 1);
	/* and the history verifies */
	fkt_act_as(ctx, NULL);
	fk_verify_report rep = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(rep.problems, 0);
}
END_TEST

/* secure_delete zeroes the space the wrapped key held, and the checkpoint after the commit
 * leaves no WAL frame holding the page as it was: without either, the bytes are found. */
START_TEST(no_copy_of_the_wrapped_key_is_left_in_the_file_or_its_wal)
{
	int64_t ids[1] = {reg};
	int64_t id = approved(ids, 1);
	uint8_t w[128];
	size_t n = wrapped_of(key_of(reg), w, sizeof w);
	ck_assert_uint_ge(n, 32);
	if (fkt_skip_on_pg("the database file and its WAL", "a PostgreSQL store has no file of ours: the "
			   "wrapped key is in a live row before and in none after instead (its server's dead "
			   "tuples and WAL: tests/pg_restore_drill.sh)")) {
		ck_assert_int_gt(fkt_pg_rows_hold(&env, w, n, 0), 0);
		ck_assert_ok(dispose(id, NULL), &err);
		ck_assert_int_eq(fkt_pg_rows_hold(&env, w, n, 16), 0);
		return;
	}
	/* the test can see them: before, they are in the file or the WAL */
	ck_assert(fkt_file_holds(&env, "fukuhon.db", w, n) || fkt_file_holds(&env, "fukuhon.db-wal", w, n));
	ck_assert_ok(dispose(id, NULL), &err);
	ck_assert(!fkt_file_holds(&env, "fukuhon.db", w, n));
	ck_assert(!fkt_file_holds(&env, "fukuhon.db-wal", w, n));
	/* the WAL was cut to nothing */
	char path[700];
	struct stat sb;
	snprintf(path, sizeof path, "%s/db/fukuhon.db-wal", env.dir);
	ck_assert(stat(path, &sb) != 0 || sb.st_size == 0);
}
END_TEST

/* ---- what refuses it ---- */

START_TEST(a_register_amended_after_the_request_is_not_disposed_of)
{
	int64_t ids[2] = {reg, reg2};
	int64_t id = approved(ids, 2);
	json_t *d = fkt_register("鈴木 花子", "すずき はなこ", "東京都千代田区三番地");
	int v;
	ck_assert_ok(fkt_store_update(ctx, reg2, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &v, &err), &err);
	json_decref(d);
	fkt_act_as(ctx, "op1");
	refused(dispose(id, NULL), FK_WHY_REGISTER_CHANGED);
	/* nothing half-done: the first register is whole */
	uint8_t buf[128];
	ck_assert_uint_gt(wrapped_of(key_of(reg), buf, sizeof buf), 0);
	json_t *doc = NULL;
	ck_assert_ok(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, reg, 0, &doc, NULL, &err), &err);
	json_decref(doc);
	int64_t none = 0;
	ck_assert_ok(fk_disposal_count(ctx, &none, &err), &err);
	ck_assert_int_eq(none, 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.execute", "denied", "register-changed"), 1);
}
END_TEST

/* A register with a staged change, as an import being staged leaves it (its row sealed and
 * recorded as the import writes it). */
static void stage_a_change(int64_t id)
{
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	fkt_scalar(ctx, "SELECT count(*) FROM package"); /* inside the transaction */
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db,
		"INSERT INTO package(municipality, sequence, kind, digest, state, chunks, chunks_staged, "
		"received_at, wm_register, wm_version, wm_ledger, wm_doc, wm_ref, wm_key) "
		"VALUES ('" M "', 1, 2, ?1, 'staging', 2, 1, 1, 1000, 1000, 1000, 1000, 1000, 1000)", 0, &st), SQLITE_OK);
	static const uint8_t zero[32];
	ck_assert_int_eq(fk_sql_bind_blob(st, 1, zero, sizeof zero, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
	int64_t pkg = fk_sql_last_insert_rowid(ctx->db);
	ck_assert_ok(fk_trust_seal(ctx, FK_T_PACKAGE, FK_VAL_INT(pkg), &err), &err);
	char sql[300];
	snprintf(sql, sizeof sql, "INSERT INTO staged_change(register_id, package_id, change, version, kind, "
		 "received_at) VALUES (%lld, %lld, 1, 2, 1, 1)", (long long)id, (long long)pkg);
	ck_assert_int_eq(fk_sql_prepare(ctx->db, sql, 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
	ck_assert_ok(fk_trust_seal(ctx, FK_T_STAGED, FK_VAL_INT(id), &err), &err);
	ck_assert_ok(fk_audit_op(ctx, FK_OP_IMPORT, "test", FK_RESULT_SUCCESS, "chunk", "staged by the test", &err), &err);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
}

START_TEST(a_register_an_import_is_changing_is_not_disposed_of)
{
	int64_t ids[1] = {reg};
	int64_t id = approved(ids, 1);
	stage_a_change(reg);
	fkt_act_as(ctx, "op1");
	refused(dispose(id, NULL), FK_WHY_REGISTER_STAGING);
	ck_assert_ptr_nonnull(strstr(err.msg, "being imported"));
	uint8_t buf[128];
	ck_assert_uint_gt(wrapped_of(key_of(reg), buf, sizeof buf), 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.execute", "denied", "register-staging"), 1);
}
END_TEST

/* disposed_at cleared with sqlite3 to bring the register back: its MAC no longer holds. */
START_TEST(a_disposal_undone_with_sqlite3_is_refused_by_the_mac)
{
	reg_disposed();
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE register SET disposed_at = NULL WHERE id = %lld", (long long)reg);
	fkt_outside(&env, sql);
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	fkt_act_as(ctx, "op1");
	json_t *doc = NULL;
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, reg, 0, &doc, NULL, &err), FK_ERR_TAMPER);
	ck_assert_ptr_null(doc);
	ck_assert_ptr_nonnull(strstr(err.msg, "register"));
}
END_TEST

/* A restore brings the data key row back as it was before the disposal: the next open
 * destroys it again from the key folder's ledger, and records that. */
START_TEST(a_restored_key_is_destroyed_again_from_the_ledger)
{
	if (fkt_skip_on_pg("a restore of an older copy", "the copy is taken with SQLite's VACUUM INTO and put "
			   "back through ATTACH; on PostgreSQL tests/pg_restore_drill.sh restores the server "
			   "from its base backup and checks the disposal is carried out again"))
		return;
	int64_t ids[1] = {reg};
	int64_t id = approved(ids, 1);
	int64_t k = key_of(reg);
	char dst[700], sql[1600];
	snprintf(dst, sizeof dst, "%s/before.db", env.dir);
	/* a backup taken before the disposal */
	backup_to(dst);
	ck_assert_ok(dispose(id, NULL), &err);
	int64_t n = 0;
	ck_assert_ok(fk_disposal_count(ctx, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	/* the old row put back with sqlite3, as a restore of that backup would */
	snprintf(sql, sizeof sql, "ATTACH '%s' AS old; INSERT OR REPLACE INTO data_key SELECT * FROM old.data_key "
		 "WHERE id = %lld; UPDATE register_version SET content = (SELECT content FROM old.register_version o "
		 "WHERE o.id = register_version.id) WHERE register_id = %lld", dst, (long long)k, (long long)reg);
	fk_ctx_close(ctx);
	ctx = NULL;
	fkt_outside(&env, sql);
	uint8_t buf[128];
	ctx = fkt_ctx_open(&env);
	/* gone again, on record, and the register stays unreadable */
	ck_assert_uint_eq(wrapped_of(k, buf, sizeof buf), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register_version WHERE register_id = %lld AND length(content) = 0",
		 (long long)reg);
	ck_assert_int_eq(fkt_scalar(ctx, sql), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.reapply", "success", NULL), 1);
	fkt_act_as(ctx, "op1");
	json_t *doc = NULL;
	ck_assert_int_eq(fk_store_read(ctx, reg, 1, &doc, NULL, &err), FK_ERR_NOTFOUND);
	/* opened again with nothing to do: nothing more recorded */
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.reapply", "success", NULL), 1);
}
END_TEST

/* The register's rows as an older backup holds them: undisposed (its row with the MAC it had
 * then, which holds), its key, its content, its tags and its places in the lists back. The
 * next open disposes of it again through the same steps, and the lists stay in step. */
START_TEST(a_restored_register_is_disposed_of_again)
{
	if (fkt_skip_on_pg("a restore of an older copy", "the copy is taken with SQLite's VACUUM INTO and put "
			   "back through ATTACH; on PostgreSQL tests/pg_restore_drill.sh restores the server "
			   "from its base backup and checks the disposal is carried out again"))
		return;
	int64_t ids[1] = {reg};
	int64_t id = approved(ids, 1);
	char dst[700], sql[1400];
	snprintf(dst, sizeof dst, "%s/before.db", env.dir);
	backup_to(dst);
	ck_assert_ok(dispose(id, NULL), &err);
	fk_ctx_close(ctx);
	ctx = NULL;
	snprintf(sql, sizeof sql, "ATTACH '%s' AS old; "
		 "DELETE FROM data_key; INSERT INTO data_key SELECT * FROM old.data_key; "
		 "DELETE FROM register_version; INSERT INTO register_version SELECT * FROM old.register_version; "
		 "DELETE FROM register_index; INSERT INTO register_index SELECT * FROM old.register_index; "
		 "DELETE FROM register_order; INSERT INTO register_order(rowid, municipality, kind, field, seq, n, ids) "
		 "SELECT rowid, municipality, kind, field, seq, n, ids FROM old.register_order; "
		 "UPDATE register SET disposed_at = NULL, mac = (SELECT mac FROM old.register o WHERE o.id = register.id); "
		 "DELETE FROM municipality_stats; INSERT INTO municipality_stats SELECT * FROM old.municipality_stats",
		 dst);
	fkt_outside(&env, sql);
	ctx = fkt_ctx_open(&env);
	uint8_t buf[128];
	ck_assert_uint_eq(wrapped_of(key_of(reg), buf, sizeof buf), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register WHERE id = %lld AND disposed_at IS NOT NULL", (long long)reg);
	ck_assert_int_eq(fkt_scalar(ctx, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM register_index WHERE register_id = %lld", (long long)reg);
	ck_assert_int_eq(fkt_scalar(ctx, sql), 0);
	for (int f = 1; f <= FK_ORDER_FIELDS; f++) {
		int64_t total = 0;
		ck_assert_ok(fk_order_check(ctx, M, FK_KIND_KOSEKI, (fk_order_field)f, &total, &err), &err);
		ck_assert_int_eq(total, 1);
	}
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.reapply", "success", NULL), 1);
	fkt_act_as(ctx, "op1");
	ck_assert(!found_by(FK_FIELD_NAME, "山田 太郎", reg));
}
END_TEST

START_TEST(a_ledger_changed_by_hand_is_refused)
{
	reg_disposed();
	char path[700];
	snprintf(path, sizeof path, "%s/keys/%s", env.dir, FK_DISPOSAL_FILE);
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, 8, SEEK_SET);
	fputc(0x7f, f); /* another register id */
	fclose(f);
	fk_disposal_entry *v = NULL;
	int64_t n = 0;
	ck_assert_int_eq(fk_disposal_read(ctx, &v, &n, &err), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, FK_DISPOSAL_FILE));
	ck_assert_ptr_null(v);
}
END_TEST

Suite *dispose_suite(void);
Suite *dispose_suite(void)
{
	Suite *s = suite_create("dispose");
	TCase *tc = tcase_create("dispose");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_disposal_is_carried_out_once_by_the_requester);
	tcase_add_test(tc, a_disposed_register_is_unreadable_through_every_path);
	tcase_add_test(tc, no_copy_of_the_wrapped_key_is_left_in_the_file_or_its_wal);
	tcase_add_test(tc, a_register_amended_after_the_request_is_not_disposed_of);
	tcase_add_test(tc, a_register_an_import_is_changing_is_not_disposed_of);
	tcase_add_test(tc, a_disposal_undone_with_sqlite3_is_refused_by_the_mac);
	tcase_add_test(tc, a_restored_key_is_destroyed_again_from_the_ledger);
	tcase_add_test(tc, a_restored_register_is_disposed_of_again);
	tcase_add_test(tc, a_ledger_changed_by_hand_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fkt_run(dispose_suite());
}
