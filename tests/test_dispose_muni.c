/* A whole municipality disposed of (R-DISPOSE 8(1)カ, ク; docs/disposal.md): nothing of its
 * registers, ledger or documents decrypts from the database file or its WAL afterwards (no 16
 * bytes of any wrapped key left), search and lists find nothing of it, the history verifies;
 * a run killed in the middle (SIGKILL before a batch commits) leaves the request running, and
 * carrying it out again finishes it. Each with a municipality next door left untouched.
 * And its return (R-DISPOSE 8(1)ク, R-BATCH-ATOMIC): written from a read snapshot while the
 * write lock stays free for the consoles, the municipality frozen meanwhile; killed half-way,
 * carried on by its requester under the number it kept. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "execute.h"
#include "exportjob.h"
#include "fkt_pki.h"
#include "fktest.h"
#include "import.h"
#include "munidispose.h"
#include "returnjob.h"
#include "retcancel.h"
#include "order.h"

#define M "131016"     /* 千代田区, 東京法務局 */
#define OTHER "131024" /* 中央区 */
#define NREG 6

static fkt_env env;
static fk_ctx *ctx;
static uint8_t k0[FK_KEY_LEN];
static fk_error err;
static int64_t regs[NREG], other;
static char pki[600];

static int64_t add_register(const char *muni, const char *name, const char *reading, const char *honseki)
{
	int64_t id;
	json_t *d = fkt_register(name, reading, honseki);
	ck_assert_ok(fkt_store_add(ctx, muni, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &id, &err), &err);
	json_decref(d);
	return id;
}

static void setup(void)
{
	static const char *const names[NREG][2] = {
		{"山田 太郎", "やまだ たろう"}, {"鈴木 花子", "すずき はなこ"}, {"佐藤 一郎", "さとう いちろう"},
		{"高橋 次郎", "たかはし じろう"}, {"田中 三郎", "たなか さぶろう"}, {"伊藤 四郎", "いとう しろう"}};
	char honseki[64];
	int64_t id;
	int v;
	fkt_env_init(&env, "approval_valid = 2h");
	ctx = fkt_ctx_init_k0(&env, k0);
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	for (int i = 0; i < NREG; i++) {
		snprintf(honseki, sizeof honseki, "東京都千代田区%d番地", i + 1);
		regs[i] = add_register(M, names[i][0], names[i][1], honseki);
	}
	json_t *d = fkt_register(names[0][0], names[0][1], "東京都千代田区百番地");
	ck_assert_ok(fkt_store_update(ctx, regs[0], FK_KIND_KOSEKI, d, "test", fk_now_ns(), &v, &err), &err);
	json_decref(d);
	json_t *p = json_pack("{s:s}", "受付番号", "第1号");
	ck_assert_ok(fkt_ledger_add(ctx, M, "2026-10-02", p, fk_now_ns(), &id, &err), &err);
	ck_assert_ok(fkt_doc_add(ctx, M, "出生届", regs[1], p, fk_now_ns(), &id, &err), &err);
	json_decref(p);
	other = add_register(OTHER, "山田 花子", "やまだ はなこ", "東京都中央区一番地");
	fkt_grant(ctx, "op1", M, FK_RIGHT_VIEW | FK_RIGHT_DISPOSE);
	fkt_grant(ctx, "op1", OTHER, FK_RIGHT_VIEW);
	fk_muni_batch_registers = 2; /* many short transactions even here, always of 2 */
	fk_muni_batch_ms = 0;
}

static void teardown(void)
{
	fk_return_step_registers = 2000;
	fk_return_test_hook = NULL;
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static int64_t approved(void)
{
	int64_t id;
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_DISPOSE_MUNI, M, 0, "市町村からの廃棄請求", &id, &err), &err);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	fkt_act_as(ctx, "op1");
	return id;
}

/* The wrapped bytes of every data key of M (its registers' and its own), end to end. */
static size_t wrapped_of_muni(uint8_t *buf, size_t len)
{
	fk_stmt *st;
	size_t n = 0;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT wrapped FROM data_key WHERE wrapped IS NOT NULL AND "
					    "(id IN (SELECT key_id FROM register WHERE municipality = ?1) OR "
					    "id = (SELECT key_id FROM municipality WHERE code = ?1))", 0, &st),
			 SQLITE_OK);
	fk_sql_bind_text(st, 1, M, -1, SQLITE_STATIC);
	while (fk_sql_step(st) == SQLITE_ROW) {
		size_t k = (size_t)fk_sql_column_bytes(st, 0);
		ck_assert_uint_le(n + k, len);
		memcpy(buf + n, fk_sql_column_blob(st, 0), k);
		n += k;
	}
	fk_sql_finalize(st);
	return n;
}

static int found(const char *q, int64_t id)
{
	int64_t ids[16];
	int n = 0;
	fk_search s = {.field = FK_FIELD_NAME, .query = q, .limit = 16};
	ck_assert_ok(fk_access_search(ctx, &s, ids, &n, &err), &err);
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static int64_t count(const char *sql)
{
	return fkt_scalar(ctx, sql);
}

/* Everything of M gone, OTHER untouched. */
static void all_gone(const uint8_t *keys, size_t nkeys)
{
	ck_assert_int_eq(count("SELECT count(*) FROM register WHERE municipality = '" M "' AND disposed_at IS NULL"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM register_version v JOIN register r ON r.id = v.register_id "
			       "WHERE r.municipality = '" M "' AND length(v.content) > 0"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM register_index i JOIN register r ON r.id = i.register_id "
			       "WHERE r.municipality = '" M "'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM register_order WHERE municipality = '" M "'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM ledger_entry WHERE municipality = '" M "'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM notification_doc WHERE municipality = '" M "'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM data_key WHERE wrapped IS NULL AND id = "
			       "(SELECT key_id FROM municipality WHERE code = '" M "')"), 1);
	/* nothing of any key in the file or its WAL: nothing decrypts, even with the master key */
	if (fkt_skip_on_pg("the database file and its WAL", "a PostgreSQL store has no file of ours: no live "
			   "row may hold 16 bytes of a wrapped key instead (its server's dead tuples and WAL: "
			   "tests/pg_restore_drill.sh)"))
		ck_assert_msg(fkt_pg_rows_hold(&env, keys, nkeys, 16) == 0, "a wrapped key is left in a row");
	else {
		ck_assert_msg(!fkt_file_holds(&env, "fukuhon.db", keys, nkeys), "a wrapped key is left in the database file");
		ck_assert_msg(!fkt_file_holds(&env, "fukuhon.db-wal", keys, nkeys), "a wrapped key is left in the WAL");
	}
	json_t *doc = NULL;
	ck_assert_int_eq(fk_store_read(ctx, regs[2], 1, &doc, NULL, &err), FK_ERR_NOTFOUND);
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, regs[0], 0, &doc, NULL, &err), FK_ERR_DENIED);
	ck_assert(!found("山田 太郎", regs[0]));
	ck_assert(!found("伊藤 四郎", regs[5]));
	ck_assert(found("山田 花子", other));
	ck_assert_ok(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, other, 0, &doc, NULL, &err), &err);
	json_decref(doc);
	int64_t lists = 0, n = 0;
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_reindex(ctx, NULL, 0, &lists, &n, &err), &err);
	ck_assert_int_eq(lists, 0); /* nothing out of step */
	fk_verify_report rep = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(rep.problems, 0);
}

START_TEST(a_municipality_is_disposed_of_whole_and_nothing_of_it_decrypts)
{
	uint8_t keys[4096];
	int64_t id = approved();
	ck_assert(found("山田 太郎", regs[0]));
	size_t nkeys = wrapped_of_muni(keys, sizeof keys);
	ck_assert_uint_ge(nkeys, (NREG + 1) * 16);
	fk_muni_dispose_result r;
	ck_assert_ok(fk_muni_dispose_execute(ctx, id, &r, &err), &err);
	ck_assert_int_eq(r.registers, NREG);
	ck_assert_int_eq(r.versions, NREG + 1);
	ck_assert_int_eq(r.ledger, 1);
	ck_assert_int_eq(r.documents, 1);
	ck_assert_int_eq(r.resumed, 0);
	ck_assert_str_eq(r.warning, "");
	ck_assert_int_ge(r.batches, NREG / 2 + 1024);
	/* recorded: once as a whole, once per short transaction */
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose-municipality.execute", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose-municipality.batch", "success", NULL), r.batches);
	all_gone(keys, nkeys);
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_muni_dispose_execute(ctx, id, &r, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_EXECUTED);
}
END_TEST

static void die_at_batch(int batch)
{
	if (batch == 4)
		raise(SIGKILL); /* inside the batch's transaction, after its ledger and work */
}

START_TEST(a_disposal_killed_in_the_middle_is_finished_by_carrying_it_out_again)
{
	uint8_t keys[4096];
	int64_t id = approved();
	size_t nkeys = wrapped_of_muni(keys, sizeof keys);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fk_ctx *c = fkt_ctx_open(&env);
		fkt_act_as(c, "op1");
		fk_muni_test_batch_hook = die_at_batch;
		fk_muni_dispose_result r;
		fk_muni_dispose_execute(c, id, &r, &err);
		_exit(0); /* not reached when the hook kills it */
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* half done: running, some registers disposed of (batches 2 and 3), not all */
	fk_request q;
	ck_assert_ok(fk_request_get(ctx, id, &q, &err), &err);
	ck_assert_int_eq(q.state, FK_REQ_RUNNING);
	fk_request_clear(&q);
	int64_t done = count("SELECT count(*) FROM register WHERE municipality = '" M "' AND disposed_at IS NOT NULL");
	ck_assert_int_eq(done, 4);
	/* an approval's time does not stop it, nor does anyone else carry it on */
	fkt_act_as(ctx, "sup");
	fk_muni_dispose_result r;
	ck_assert_int_eq(fk_muni_dispose_execute(ctx, id, &r, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_NOT_REQUESTER);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_muni_dispose_execute(ctx, id, &r, &err), &err);
	ck_assert_int_eq(r.resumed, 1);
	ck_assert_int_eq(r.registers, NREG - 4);
	ck_assert_ok(fk_request_get(ctx, id, &q, &err), &err);
	ck_assert_int_eq(q.state, FK_REQ_EXECUTED);
	fk_request_clear(&q);
	all_gone(keys, nkeys);
}
END_TEST

/* ---- the return ---- */

/* The trust store holding the test CA (the municipality's encryption certificate chains to
 * it), this terminal's receiving certificate to sign with, op1 with the export right, and a
 * return of M approved. */
static int64_t return_approved(void)
{
	size_t n;
	char *csr, *crt;
	int64_t id;
	fkt_act_as(ctx, NULL);
	uint8_t *b = fkt_pki_read(pki, "ca.crt", &n);
	ck_assert_ok(fk_pki_ca_add(ctx, b, n, NULL, &err), &err);
	free(b);
	b = fkt_pki_read(pki, "ca.crl", &n);
	ck_assert_ok(fk_pki_crl_add(ctx, b, n, NULL, &err), &err);
	free(b);
	ck_assert_ok(fk_pki_cert_request(ctx, NULL, &csr, &n, &err), &err);
	crt = fkt_pki_sign_csr(pki, csr, 400, &n);
	free(csr);
	ck_assert_ok(fk_pki_cert_install(ctx, (const uint8_t *)crt, n, &err), &err);
	free(crt);
	fkt_grant(ctx, "op1", M, FK_RIGHT_VIEW | FK_RIGHT_EXPORT | FK_RIGHT_DISPOSE);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_RETURN, M, 0, "市町村からの返還請求", &id, &err), &err);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	fkt_act_as(ctx, "op1");
	return id;
}

static void return_paths(char to[700], char out[700])
{
	snprintf(to, 700, "%s/muni-enc-" M ".crt", pki);
	snprintf(out, 700, "%s/returned.fkpkg", env.dir);
}

typedef struct meanwhile {
	int64_t request;
	int seen;
	fk_status lock;    /* another connection's write transaction, while the package is written */
	fk_req_state state; /* the request, as another connection reads it then */
	int running;       /* what intake asks before it takes a package of M (2: returning) */
} meanwhile;

/* Called while the package is being written: another connection (a console) takes the write
 * lock at once, sees the request running and M's packages refused. */
static void while_writing(void *arg, int64_t done, int64_t total)
{
	meanwhile *w = arg;
	(void)done;
	(void)total;
	if (w->seen++)
		return;
	fk_ctx *c = fkt_ctx_open(&env);
	fk_error e;
	fk_request q;
	int64_t key = 0;
	int gone = 0;
	w->lock = fk_ctx_begin(c, &e);
	if (w->lock == FK_OK) {
		ck_assert_ok(fk_datakey_municipality_id(c, M, &key, &e), &e);
		ck_assert_ok(fk_intake_muni_disposal(c, M, key, &w->running, &gone, &e), &e);
		fk_ctx_end(c, FK_ERR_INTERNAL, NULL); /* nothing to keep */
	}
	ck_assert_ok(fk_request_get(c, w->request, &q, &e), &e);
	w->state = q.state;
	fk_request_clear(&q);
	fk_ctx_close(c);
}

START_TEST(a_return_leaves_the_write_lock_free_while_it_writes)
{
	char to[700], out[700];
	int64_t ret = return_approved();
	return_paths(to, out);
	meanwhile w = {.request = ret, .lock = FK_ERR_INTERNAL};
	fk_progress p = {.fn = while_writing, .arg = &w};
	fk_export_result r;
	int64_t t0 = fk_mono_ns();
	ck_assert_ok(fk_export_carry_out(ctx, ret, FK_REQ_RETURN, to, out, &p, &r, &err), &err);
	ck_assert_int_ge(w.seen, 1);
	/* one transaction from decision to record kept the console out for 5 s and failed it */
	ck_assert_msg(w.lock == FK_OK, "a console could not write while the return was written");
	ck_assert_int_lt(fk_mono_ns() - t0, 4000000000LL);
	ck_assert_int_eq(w.state, FK_REQ_RUNNING);
	ck_assert_int_eq(w.running, 2);
	/* what it held is kept, the package recorded, the request carried out, the lock gone */
	ck_assert_int_eq(r.registers, NREG);
	ck_assert_int_eq(count("SELECT count(*) FROM return_item"), NREG);
	ck_assert_int_eq(fkt_audit_count(ctx, "return.execute", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "return.package", "success", NULL), 1);
	ck_assert_int_ge(fkt_audit_count(ctx, "return.step", "success", NULL), 2);
	fk_request q;
	ck_assert_ok(fk_request_get(ctx, ret, &q, &err), &err);
	ck_assert_int_eq(q.state, FK_REQ_EXECUTED);
	fk_request_clear(&q);
	int running = 0, gone = 0;
	ck_assert_ok(fk_intake_muni_disposal(ctx, M, 0, &running, &gone, &err), &err);
	ck_assert_int_eq(running, 0);
	ck_assert_int_eq(access(out, F_OK), 0);
}
END_TEST

static void die_at_step(int step)
{
	if (step == 2)
		raise(SIGKILL); /* inside the second step's transaction: the first kept, this one not */
}

/* Return ret carried out by op1 in a process killed inside its second step. */
static void kill_half_way(int64_t ret, const char *to, const char *out)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fk_ctx *c = fkt_ctx_open(&env);
		fkt_act_as(c, "op1");
		fk_return_step_registers = 2;
		fk_return_test_hook = die_at_step;
		fk_export_result r;
		fk_return_execute(c, ret, to, out, &r, &err);
		_exit(0); /* not reached when the hook kills it */
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

START_TEST(a_return_killed_half_way_is_carried_on_under_its_number)
{
	char to[700], out[700], sha[65];
	int64_t ret = return_approved(), kept = 0, next = 0;
	int year = 0, found = 0;
	return_paths(to, out);
	/* asked for before the return began: a disposal is not asked for while it runs */
	int64_t disp = approved();
	kill_half_way(ret, to, out);
	/* running, its number kept on record, no package where it goes (only a hidden temporary
	 * file), M frozen, the next print or export past the kept number */
	fk_request q;
	ck_assert_ok(fk_request_get(ctx, ret, &q, &err), &err);
	ck_assert_int_eq(q.state, FK_REQ_RUNNING);
	fk_request_clear(&q);
	ck_assert_int_ne(access(out, F_OK), 0);
	char tmps[FK_RETURN_TMPS_MAX];
	ck_assert_ok(fk_return_run_get(ctx, ret, &kept, &year, sha, tmps, sizeof tmps, &found, &err), &err);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(access(tmps + 1, F_OK), 0); /* the interrupted run's file, on record */
	ck_assert_ok(fk_output_first_serial(ctx, &next, &err), &err);
	ck_assert_int_eq(next, kept + 1);
	ck_assert_int_eq(count("SELECT count(*) FROM return_item"), 2);
	int running = 0, gone = 0;
	ck_assert_ok(fk_intake_muni_disposal(ctx, M, 0, &running, &gone, &err), &err);
	ck_assert_int_eq(running, 2);
	/* nor does the municipality's disposal run meanwhile, nor anyone else carry it on */
	fk_muni_dispose_result d;
	ck_assert_int_eq(fk_muni_dispose_execute(ctx, disp, &d, &err), FK_ERR_DENIED);
	ck_assert_int_eq(count("SELECT count(*) FROM register WHERE municipality = '" M "' AND disposed_at IS NOT NULL"), 0);
	fkt_act_as(ctx, "sup");
	fk_export_result r;
	ck_assert_int_eq(fk_return_execute(ctx, ret, to, out, &r, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_NOT_REQUESTER);
	/* carried on: the same number, everything held, the package in place */
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_return_execute(ctx, ret, to, out, &r, &err), &err);
	char number[40];
	snprintf(number, sizeof number, "%lld/%d/%06lld", (long long)fkt_scalar(ctx, "SELECT bureau_id FROM approval_request "
		 "WHERE kind = 'return'"), year, (long long)kept);
	ck_assert_str_eq(r.number, number);
	ck_assert_int_eq(r.registers, NREG);
	ck_assert_int_eq(count("SELECT count(*) FROM return_item"), NREG);
	ck_assert_int_eq(access(out, F_OK), 0);
	ck_assert_int_ne(access(tmps + 1, F_OK), 0); /* what the interrupted run left is gone */
	ck_assert_ok(fk_request_get(ctx, ret, &q, &err), &err);
	ck_assert_int_eq(q.state, FK_REQ_EXECUTED);
	fk_request_clear(&q);
	/* then the disposal after it, as approved */
	ck_assert_ok(fk_muni_dispose_execute(ctx, disp, &d, &err), &err);
	fk_verify_report rep = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(rep.problems, 0);
}
END_TEST

/* ---- a return given up (core/approve/retcancel.h) ---- */

static fk_status cancel_as(const char *who, int64_t id, fk_return_cancel_result *r)
{
	fkt_act_as(ctx, who);
	return fk_return_cancel(ctx, id, "市町村が返還請求を取り下げた", r, &err);
}

START_TEST(a_return_killed_half_way_is_given_up_for_good)
{
	char to[700], out[700], sha[65], tmps[FK_RETURN_TMPS_MAX], number[48], seq[700];
	int64_t ret = return_approved(), kept = 0, next = 0, id = 0;
	int year = 0, found = 0;
	fk_return_cancel_result r;
	fk_request q;
	fkt_enrol(ctx, "osaka", FK_ROLE_SUPERVISOR, "大阪法務局");
	fkt_enrol(ctx, "op2", FK_ROLE_OPERATOR, "東京法務局");
	return_paths(to, out);
	int64_t disp = approved(); /* not a return, and not running */
	kill_half_way(ret, to, out);
	ck_assert_ok(fk_return_run_get(ctx, ret, &kept, &year, sha, tmps, sizeof tmps, &found, &err), &err);
	ck_assert_int_eq(found, 1);
	ck_assert_msg(strstr(tmps, "/.export.") != NULL, "the run's temporary file is not on record: '%s'", tmps);
	const char *tmp = tmps + 1; /* one run: "\nPATH" */
	ck_assert_int_eq(access(tmp, F_OK), 0);
	snprintf(number, sizeof number, "%lld/%d/%06lld", (long long)fkt_scalar(ctx, "SELECT bureau_id FROM "
		 "approval_request WHERE kind = 'return'"), year, (long long)kept);
	/* refused, each with its reason and on record: another bureau, someone who is neither the
	 * requester nor a supervisor, a request that is not a return running */
	ck_assert_int_eq(cancel_as("osaka", ret, &r), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_JURISDICTION);
	ck_assert_int_eq(cancel_as("op2", ret, &r), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_NOT_REQUESTER_NOR_SUPERVISOR);
	ck_assert_int_eq(cancel_as("op1", disp, &r), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_NOT_RUNNING);
	ck_assert_int_eq(fkt_audit_count(ctx, "return.cancel", "denied", "jurisdiction"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "return.cancel", "denied", "not-requester-nor-supervisor"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "return.cancel", "denied", "not-running"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM meta WHERE key LIKE 'return.run.%'"), 1);
	/* given up by a supervisor of the bureau: cancelled, what it kept released in the same
	 * recorded transaction, its number void, its temporary file gone, M no longer frozen */
	ck_assert_ok(cancel_as("sup", ret, &r), &err);
	ck_assert_str_eq(r.number, number);
	ck_assert_str_eq(r.municipality, M);
	ck_assert_int_eq(r.items, 2);
	ck_assert_int_eq(r.files, 1);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_ne(access(out, F_OK), 0);
	ck_assert_ok(fk_request_get(ctx, ret, &q, &err), &err);
	ck_assert_int_eq(q.state, FK_REQ_CANCELLED);
	ck_assert_str_eq(fk_req_state_id(q.state), "cancelled");
	fk_request_clear(&q);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM meta WHERE key LIKE 'return.run.%' OR key LIKE 'return.%'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM return_item"), 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "return.cancel", "success", NULL), 1);
	int running = 0, gone = 0;
	ck_assert_ok(fk_intake_muni_disposal(ctx, M, 0, &running, &gone, &err), &err);
	ck_assert_int_eq(running, 0);
	/* the number is never handed out again, not even with the key folder's counter lost */
	snprintf(seq, sizeof seq, "%s/print.seq", ctx->cfg.key_dir);
	ck_assert_int_eq(unlink(seq), 0);
	ck_assert_ok(fk_output_first_serial(ctx, &next, &err), &err);
	ck_assert_int_eq(next, kept + 1);
	/* never carried out, never given up twice, never followed by the municipality's disposal */
	fk_export_result x;
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_return_execute(ctx, ret, to, out, &x, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_NOT_APPROVED);
	ck_assert_int_eq(cancel_as("op1", ret, &r), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_NOT_RUNNING);
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_request_make_municipality(ctx, FK_REQ_DISPOSE_MUNI, M, ret, "返還後の廃棄", &id, &err),
			 FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_CANCELLED);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.dispose-municipality", "denied", "return-cancelled"), 1);
	fk_verify_report rep = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(rep.problems, 0);
}
END_TEST

/* A return given up while its run is still writing (a supervisor taking it for an interrupted
 * one): the run then keeps nothing more and is never carried out. */
static void cancel_meanwhile(void *arg, int64_t done, int64_t total)
{
	int *seen = arg;
	fk_return_cancel_result r;
	fk_error e;
	(void)done;
	(void)total;
	if ((*seen)++)
		return;
	fk_ctx *c = fkt_ctx_open(&env);
	fkt_act_as(c, "sup");
	ck_assert_ok(fk_return_cancel(c, 1, "取り下げ", &r, &e), &e);
	fk_ctx_close(c);
}

START_TEST(a_return_given_up_while_it_writes_is_not_carried_out)
{
	char to[700], out[700];
	int seen = 0;
	int64_t ret = return_approved();
	ck_assert_int_eq(ret, 1);
	return_paths(to, out);
	fk_progress p = {.fn = cancel_meanwhile, .arg = &seen};
	fk_export_result r;
	ck_assert_int_ne(fk_export_carry_out(ctx, ret, FK_REQ_RETURN, to, out, &p, &r, &err), FK_OK);
	ck_assert_msg(strstr(err.msg, "given up") != NULL, "%s", err.msg);
	ck_assert_int_ge(seen, 1);
	fk_request q;
	ck_assert_ok(fk_request_get(ctx, ret, &q, &err), &err);
	ck_assert_int_eq(q.state, FK_REQ_CANCELLED);
	fk_request_clear(&q);
	ck_assert_int_eq(count("SELECT count(*) FROM return_item"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM export_output"), 0);
	ck_assert_int_ne(access(out, F_OK), 0);
}
END_TEST

/* ---- what a return holds (approve.h, fk_request_return_holding) ---- */

static int64_t approve_as_sup(int64_t id)
{
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	fkt_act_as(ctx, "op1");
	return id;
}

START_TEST(a_return_holds_its_registers_against_their_disposal)
{
	char to[700], out[700], out2[700];
	int64_t ret = return_approved(), reg_disp = 0, ret2 = 0, id = 0, muni_disp = 0;
	fk_dispose_result d;
	fk_export_result x;
	return_paths(to, out);
	snprintf(out2, sizeof out2, "%s/returned-2.fkpkg", env.dir);
	/* asked for and approved before the return began */
	ck_assert_ok(fk_request_make(ctx, FK_REQ_DISPOSE, &regs[3], 1, "保存期間満了", &reg_disp, &err), &err);
	approve_as_sup(reg_disp);
	ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_RETURN, M, 0, "二重の返還請求", &ret2, &err), &err);
	approve_as_sup(ret2);
	kill_half_way(ret, to, out);
	/* while it runs: no register of M disposed of, asked for or carried out; no second return
	 * of M asked for or carried out; no disposal of M asked for — each refused on record */
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_DISPOSE, &regs[4], 1, "保存期間満了", &id, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_RUNNING);
	ck_assert_int_eq(fk_dispose_execute(ctx, reg_disp, &d, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_RUNNING);
	ck_assert_int_eq(fk_request_make_municipality(ctx, FK_REQ_RETURN, M, 0, "三度目", &id, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_RUNNING);
	ck_assert_int_eq(fk_request_make_municipality(ctx, FK_REQ_DISPOSE_MUNI, M, 0, "廃棄", &id, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_RUNNING);
	ck_assert_int_eq(fk_return_execute(ctx, ret2, to, out2, &x, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_RUNNING);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.dispose", "denied", "return-running"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "dispose.execute", "denied", "return-running"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "return.execute", "denied", "return-running"), 1);
	/* the other municipality is not held */
	fkt_grant(ctx, "op1", OTHER, FK_RIGHT_VIEW | FK_RIGHT_DISPOSE);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_make(ctx, FK_REQ_DISPOSE, &other, 1, "保存期間満了", &id, &err), &err);
	/* carried out, then its disposal asked for: M held until that disposal is carried out */
	ck_assert_ok(fk_return_execute(ctx, ret, to, out, &x, &err), &err);
	ck_assert_ok(fk_request_make(ctx, FK_REQ_DISPOSE, &regs[4], 1, "返還の後、廃棄の申請前", &id, &err), &err);
	ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_DISPOSE_MUNI, M, ret, "返還後の廃棄", &muni_disp, &err),
		     &err);
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_DISPOSE, &regs[4], 1, "保存期間満了", &id, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_RUNNING);
	ck_assert_int_eq(fk_dispose_execute(ctx, reg_disp, &d, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_RETURN_RUNNING);
	ck_assert_int_eq(count("SELECT count(*) FROM register WHERE municipality = '" M "' AND disposed_at IS NOT NULL"), 0);
	/* the municipality's disposal then covers exactly what the return held */
	approve_as_sup(muni_disp);
	fk_muni_dispose_result md;
	ck_assert_ok(fk_muni_dispose_execute(ctx, muni_disp, &md, &err), &err);
	ck_assert_int_eq(md.registers, NREG);
}
END_TEST

Suite *dispose_muni_suite(void);
Suite *dispose_muni_suite(void)
{
	Suite *s = suite_create("dispose_muni");
	TCase *t = tcase_create("whole");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, a_municipality_is_disposed_of_whole_and_nothing_of_it_decrypts);
	tcase_add_test(t, a_disposal_killed_in_the_middle_is_finished_by_carrying_it_out_again);
	tcase_add_test(t, a_return_leaves_the_write_lock_free_while_it_writes);
	tcase_add_test(t, a_return_killed_half_way_is_carried_on_under_its_number);
	tcase_add_test(t, a_return_killed_half_way_is_given_up_for_good);
	tcase_add_test(t, a_return_given_up_while_it_writes_is_not_carried_out);
	tcase_add_test(t, a_return_holds_its_registers_against_their_disposal);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	static const char *const specs[] = {M ":enc", NULL};
	char top[500];
	fkt_pki_tmpdir(top, sizeof top);
	snprintf(pki, sizeof pki, "%s/a", top);
	fkt_pki_make(pki, specs);
	int rc = fkt_run(dispose_muni_suite());
	fkt_pki_remove(top);
	return rc;
}
