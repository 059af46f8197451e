/* Unit tests: the lockout policy (window edges, growing locks, clock going backwards), its state
 * in the database, unlock rules, the cap on unknown names, and exact counts under concurrency
 * (R-LOCKOUT, R-LOG). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fktest.h"

#define S INT64_C(1000000000)
#define T0 (INT64_C(1800000000) * S)

#define HOLD (150 * S)
static const fk_lock_policy pol = {.failures = 3, .window_ns = 900 * S, .duration_ns = 1800 * S, .hold_ns = HOLD};

/* Fail at each time in ts (ns after T0); the verdict of the last. */
static fk_lock_verdict fail_at(fk_lock_state *s, const fk_lock_policy *p, const int64_t *ts, int n)
{
	fk_lock_verdict v = FK_LOCK_OPEN;
	for (int i = 0; i < n; i++)
		v = fk_lock_fail(s, T0 + ts[i], p, s);
	return v;
}

START_TEST(window_edges)
{
	fk_lock_state s = {0};
	/* Three failures within 900 s lock, the last one 1 ns inside the window. */
	int64_t in[] = {0, 10 * S, 900 * S - 1};
	ck_assert_int_eq(fail_at(&s, &pol, in, 3), FK_LOCK_NEWLY_LOCKED);
	ck_assert_int_eq(s.locked_until, T0 + 900 * S - 1 + 1800 * S);
	/* At exactly 900 s the first failure has left the window: no lock. */
	memset(&s, 0, sizeof s);
	int64_t edge[] = {0, 10 * S, 900 * S};
	ck_assert_int_eq(fail_at(&s, &pol, edge, 3), FK_LOCK_COUNTED);
	ck_assert_int_eq(s.nrecent, 2);
	/* Sliding, not per fixed period: 2 at the end of one period and 1 just after still lock. */
	memset(&s, 0, sizeof s);
	int64_t slide[] = {0, 899 * S, 900 * S, 901 * S};
	ck_assert_int_eq(fail_at(&s, &pol, slide, 4), FK_LOCK_NEWLY_LOCKED);
}
END_TEST

START_TEST(locks_expire_and_grow)
{
	fk_lock_state s = {0}, next;
	int64_t burst[] = {0, 1, 2};
	ck_assert_int_eq(fail_at(&s, &pol, burst, 3), FK_LOCK_NEWLY_LOCKED);
	ck_assert_int_eq(fk_lock_check(&s, T0 + 1800 * S, &pol, &next), FK_LOCK_LOCKED);
	ck_assert_int_eq(fk_lock_check(&s, T0 + 2 + 1800 * S, &pol, &next), FK_LOCK_EXPIRED);
	ck_assert_int_eq(next.locked_until, 0);
	ck_assert_int_eq(next.nrecent, 0);
	ck_assert_int_eq(next.lock_count, 1);
	/* A failure while locked changes nothing. */
	ck_assert_int_eq(fk_lock_fail(&s, T0 + 100 * S, &pol, &next), FK_LOCK_LOCKED);
	ck_assert_int_eq(next.locked_until, s.locked_until);
	fk_lock_policy g = pol;
	g.growth = 1;
	ck_assert_int_eq(fk_lock_length(&g, 0), 1800 * S);
	ck_assert_int_eq(fk_lock_length(&g, 1), 3600 * S);
	ck_assert_int_eq(fk_lock_length(&g, 3), 4 * 3600 * S);
	ck_assert_int_eq(fk_lock_length(&g, 1000), INT64_C(365) * 86400 * S);
	ck_assert_int_eq(fk_lock_length(&pol, 5), 1800 * S);
	/* Second lock after the first expired: twice as long. */
	s = next;
	int64_t again[] = {4000 * S, 4001 * S, 4002 * S};
	ck_assert_int_eq(fail_at(&s, &g, again, 3), FK_LOCK_NEWLY_LOCKED);
	ck_assert_int_eq(s.locked_until, T0 + 4002 * S + 3600 * S);
	ck_assert_int_eq(s.lock_count, 2);
	/* lock_duration 0: until a supervisor unlocks, whatever the clock says. */
	fk_lock_policy f = pol;
	f.duration_ns = 0;
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(fail_at(&s, &f, burst, 3), FK_LOCK_NEWLY_LOCKED);
	ck_assert_int_eq(s.locked_until, FK_LOCK_FOREVER);
	ck_assert_int_eq(fk_lock_check(&s, T0 + INT64_C(10) * 365 * 86400 * S, &f, &next), FK_LOCK_LOCKED);
}
END_TEST

START_TEST(clock_going_backwards)
{
	fk_lock_state s = {0}, next;
	/* Two failures, then the clock goes back an hour: they still count. */
	int64_t ts[] = {3600 * S, 3601 * S, 5};
	ck_assert_int_eq(fail_at(&s, &pol, ts, 3), FK_LOCK_NEWLY_LOCKED);
	/* A lock never ends because the clock went back; it only lasts longer. */
	ck_assert_int_eq(fk_lock_check(&s, T0 - 86400 * S, &pol, &next), FK_LOCK_LOCKED);
	/* More failures than fit: the oldest drop, the count stays at the maximum. */
	fk_lock_policy big = {.failures = FK_LOCK_MAX_FAILURES, .window_ns = 900 * S};
	memset(&s, 0, sizeof s);
	for (int i = 0; i < 99; i++)
		ck_assert_int_eq(fk_lock_fail(&s, T0 + i, &big, &s), FK_LOCK_COUNTED);
	ck_assert_int_eq(fk_lock_fail(&s, T0 + 99, &big, &s), FK_LOCK_NEWLY_LOCKED);
}
END_TEST

START_TEST(reservations_count_before_pam)
{
	fk_lock_state s = {0}, next;
	/* Exactly lock_failures attempts in flight; the next is refused. */
	for (uint64_t id = 1; id <= 3; id++)
		ck_assert_int_eq(fk_lock_reserve(&s, T0, &pol, id, &s), FK_LOCK_RESERVED);
	ck_assert_int_eq(fk_lock_reserve(&s, T0, &pol, 4, &next), FK_LOCK_FULL);
	ck_assert_int_eq(s.npending, 3);
	ck_assert_int_eq(s.pending[0].expires, T0 + HOLD);
	/* Released (success or cancel): nothing counted, nothing left. */
	ck_assert_int_eq(fk_lock_release(&s, 2, &s), 1);
	ck_assert_int_eq(fk_lock_release(&s, 2, &s), 0);
	ck_assert_int_eq(fk_lock_release(&s, 0, &s), 0);
	ck_assert_int_eq(s.pending[0].id, 1);
	ck_assert_int_eq(s.pending[1].id, 3);
	ck_assert_int_eq(fk_lock_release(&s, 1, &s) + fk_lock_release(&s, 3, &s), 2);
	ck_assert(fk_lock_empty(&s));
	/* Failures inside the window and reservations together: two failures leave one slot. */
	int64_t two[] = {0, 1};
	ck_assert_int_eq(fail_at(&s, &pol, two, 2), FK_LOCK_COUNTED);
	ck_assert_int_eq(fk_lock_reserve(&s, T0 + 2, &pol, 5, &s), FK_LOCK_RESERVED);
	ck_assert_int_eq(fk_lock_reserve(&s, T0 + 2, &pol, 6, &next), FK_LOCK_FULL);
	/* At the window's edge the first failure no longer holds a slot (a window
	 * shorter than the reservation's life, so that only the failure moves). */
	fk_lock_policy w = pol;
	w.window_ns = 100 * S;
	ck_assert_int_eq(fk_lock_reserve(&s, T0 + 100 * S - 1, &w, 6, &next), FK_LOCK_FULL);
	ck_assert_int_eq(fk_lock_reserve(&s, T0 + 100 * S, &w, 6, &next), FK_LOCK_RESERVED);
	/* A refusal turns the reservation into the failure that locks; locked refuses reserving. */
	ck_assert_int_eq(fk_lock_release(&s, 5, &s), 1);
	ck_assert_int_eq(fk_lock_fail(&s, T0 + 3, &pol, &s), FK_LOCK_NEWLY_LOCKED);
	ck_assert_int_eq(s.npending, 0);
	ck_assert_int_eq(fk_lock_reserve(&s, T0 + 4, &pol, 7, &next), FK_LOCK_LOCKED);
	/* The most lock_failures allows. */
	fk_lock_policy big = {.failures = FK_LOCK_MAX_FAILURES, .window_ns = 900 * S, .hold_ns = HOLD};
	memset(&s, 0, sizeof s);
	for (int i = 0; i < FK_LOCK_MAX_FAILURES; i++)
		ck_assert_int_eq(fk_lock_reserve(&s, T0, &big, (uint64_t)i + 1, &s), FK_LOCK_RESERVED);
	ck_assert_int_eq(fk_lock_reserve(&s, T0, &big, 999, &s), FK_LOCK_FULL);
}
END_TEST

START_TEST(reservations_expire_never_early)
{
	fk_lock_state s = {0}, next;
	ck_assert_int_eq(fk_lock_reserve(&s, T0, &pol, 1, &s), FK_LOCK_RESERVED);
	/* 1 ns before its expiry it holds; at the expiry it is dropped and not counted. */
	ck_assert_int_eq(fk_lock_expire(&s, T0 + HOLD - 1, &next), 0);
	ck_assert_int_eq(next.npending, 1);
	ck_assert_int_eq(fk_lock_expire(&s, T0 + HOLD, &next), 1);
	ck_assert(fk_lock_empty(&next));
	/* A full set of dead reservations blocks until, and only until, it expires. */
	ck_assert_int_eq(fk_lock_reserve(&s, T0, &pol, 2, &s), FK_LOCK_RESERVED);
	ck_assert_int_eq(fk_lock_reserve(&s, T0, &pol, 3, &s), FK_LOCK_RESERVED);
	ck_assert_int_eq(fk_lock_reserve(&s, T0 + HOLD - 1, &pol, 4, &next), FK_LOCK_FULL);
	ck_assert_int_eq(fk_lock_reserve(&s, T0 + HOLD, &pol, 4, &next), FK_LOCK_RESERVED);
	ck_assert_int_eq(next.npending, 1);
	ck_assert_int_eq(next.nrecent, 0);
	ck_assert_int_eq(next.failures, 0);
	/* The clock goes back a day: nothing is freed, the slots still count … */
	int64_t back = T0 - 86400 * S;
	ck_assert_int_eq(fk_lock_expire(&s, back, &next), 0);
	ck_assert_int_eq(next.npending, 3);
	ck_assert_int_eq(fk_lock_reserve(&s, back, &pol, 4, &next), FK_LOCK_FULL);
	/* … but they last no longer than any terminal holds one, counted from then. */
	ck_assert_int_eq(next.pending[0].expires, back + FK_LOCK_HOLD_MAX_NS);
	ck_assert_int_eq(fk_lock_expire(&next, back + FK_LOCK_HOLD_MAX_NS - 1, &next), 0);
	ck_assert_int_eq(fk_lock_expire(&next, back + FK_LOCK_HOLD_MAX_NS, &next), 3);
	/* One a little ahead (within the longest hold) keeps its own expiry. */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(fk_lock_reserve(&s, T0, &pol, 1, &s), FK_LOCK_RESERVED);
	ck_assert_int_eq(fk_lock_expire(&s, T0 - 10 * S, &next), 0);
	ck_assert_int_eq(next.pending[0].expires, T0 + HOLD);
	/* A lock running out clears the failures, not the attempts in flight. */
	memset(&s, 0, sizeof s);
	int64_t burst[] = {0, 1, 2};
	ck_assert_int_eq(fail_at(&s, &pol, burst, 3), FK_LOCK_NEWLY_LOCKED);
	s.pending[s.npending++] = (fk_lock_pending){.id = 9, .expires = T0 + 1900 * S};
	ck_assert_int_eq(fk_lock_check(&s, T0 + 1802 * S, &pol, &next), FK_LOCK_EXPIRED);
	ck_assert_int_eq(next.npending, 1);
}
END_TEST

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;

static int64_t shift_ns;
static int64_t shifted_clock(void)
{
	return fk_now_ns() + shift_ns;
}

/* A sign-in's success: the reset is written in the sign-in's transaction, with its record. */
static void success(const char *key, uint64_t id)
{
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	ck_assert_ok(fk_lockout_success(ctx, key, id, &err), &err);
	ck_assert_ok(fk_audit(ctx, "signin", "operator", key, FK_RESULT_SUCCESS, "", NULL, &err), &err);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
}


static void setup(void)
{
	fkt_env_init(&env, "lock_failures = 3\nlock_duration = 1h\n");
	ctx = fkt_ctx_init(&env);
	int64_t id;
	ck_assert_ok(fk_operator_add(ctx, "tanaka", FK_ROLE_OPERATOR, "東京法務局", NULL, &id, &err), &err);
	ck_assert_ok(fk_operator_add(ctx, "suzuki", FK_ROLE_SUPERVISOR, "東京法務局", NULL, &id, &err), &err);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static void count_failure(const char *key, int expect_locked)
{
	int locked_now;
	ck_assert_ok(fk_lockout_failure(ctx, key, 0, FK_OP_SIGNIN, "auth", 1, &locked_now, &err), &err);
	ck_assert_int_eq(locked_now, expect_locked);
}

START_TEST(failures_lock_and_are_recorded)
{
	int locked;
	count_failure("tanaka", 0);
	count_failure("tanaka", 0);
	ck_assert_ok(fk_lockout_admit(ctx, "tanaka", &locked, &err), &err);
	ck_assert_int_eq(locked, 0);
	count_failure("tanaka", 1);
	ck_assert_ok(fk_lockout_admit(ctx, "tanaka", &locked, &err), &err);
	ck_assert_int_eq(locked, 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'signin' "
				       "AND result = 'failed' AND object_id = 'tanaka' AND reason = 'auth'"), 3);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'lockout.lock' "
				       "AND object_id = 'tanaka'"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM lockout WHERE username = 'tanaka' AND "
				       "last_terminal = 'test-terminal' AND locked_until > 0"), 1);
	/* A restart (a new context) keeps the lock. */
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ck_assert_ok(fk_lockout_admit(ctx, "tanaka", &locked, &err), &err);
	ck_assert_int_eq(locked, 1);
	/* A lock cleared outside fukuhon is not believed (core/trust). */
	fk_sql_exec(ctx->db, "UPDATE lockout SET locked_until = NULL WHERE username = 'tanaka'");
	ck_assert_int_eq(fk_lockout_admit(ctx, "tanaka", &locked, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(locked, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "lockout row username=tanaka"));
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
	fkt_env_init(&env, "lock_failures = 3\nlock_duration = 1h\n");
	ctx = fkt_ctx_init(&env);
	for (int i = 0; i < 3; i++)
		count_failure("tanaka", i == 2);
	/* An expired lock is cleared and its expiry recorded. */
	shift_ns = 2 * 3600 * INT64_C(1000000000);
	ctx->clock = shifted_clock;
	ck_assert_ok(fk_lockout_admit(ctx, "tanaka", &locked, &err), &err);
	ck_assert_int_eq(locked, 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'lockout.expire'"), 1);
	ctx->clock = NULL;
	/* A full success resets everything. */
	success("tanaka", 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM lockout"), 0);
}
END_TEST

static int count_rows(const fk_lockout_row *r, void *arg)
{
	(*(int *)arg)++;
	ck_assert_int_eq(r->locked, 1);
	return 0;
}

START_TEST(unlock_rules)
{
	count_failure("suzuki", 0);
	count_failure("suzuki", 0);
	count_failure("suzuki", 1);
	int n = 0;
	ck_assert_ok(fk_lockout_list(ctx, count_rows, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	fk_operator op;
	ck_assert_ok(fk_operator_get(ctx, "suzuki", &op, &err), &err);
	ctx->actor.role = FK_ROLE_SUPERVISOR;
	fk_copy_str(ctx->actor.user, sizeof ctx->actor.user, "suzuki");
	ck_assert_int_eq(fk_lockout_unlock(ctx, "suzuki", "myself", &err), FK_ERR_DENIED);
	ctx->actor.role = FK_ROLE_OPERATOR;
	fk_copy_str(ctx->actor.user, sizeof ctx->actor.user, "tanaka");
	ck_assert_int_eq(fk_lockout_unlock(ctx, "suzuki", "colleague", &err), FK_ERR_DENIED);
	fkt_act_as(ctx, NULL);
	ck_assert_int_eq(fk_lockout_unlock(ctx, "suzuki", "", &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_lockout_unlock(ctx, "tanaka", "not locked", &err), FK_ERR_NOTFOUND);
	ck_assert_ok(fk_lockout_unlock(ctx, "suzuki", "identity checked by phone", &err), &err);
	int locked;
	ck_assert_ok(fk_lockout_admit(ctx, "suzuki", &locked, &err), &err);
	ck_assert_int_eq(locked, 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'lockout.unlock' "
				       "AND result = 'success'"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'lockout.unlock' "
				       "AND result = 'denied'"), 2);
	/* The lock count stays, so a growing lock keeps growing after an unlock. */
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT lock_count FROM lockout WHERE username = 'suzuki'"), 1);
}
END_TEST

START_TEST(unknown_names_are_hashed_and_capped)
{
	char k1[FK_LOCK_KEY_MAX], k2[FK_LOCK_KEY_MAX];
	ck_assert_ok(fk_lockout_key(ctx, "MyS3cretPassw0rd", 0, k1, &err), &err);
	ck_assert_ok(fk_lockout_key(ctx, "MyS3cretPassw0rd", 0, k2, &err), &err);
	ck_assert_str_eq(k1, k2);
	ck_assert_int_eq(k1[0], '?');
	ck_assert_ptr_null(strstr(k1, "S3cret"));
	ck_assert_ok(fk_lockout_key(ctx, "tanaka", 1, k2, &err), &err);
	ck_assert_str_eq(k2, "tanaka");
	count_failure("tanaka", 0);
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	for (int i = 0; i < FK_LOCK_UNKNOWN_MAX + 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "nobody%d", i);
		ck_assert_ok(fk_lockout_key(ctx, name, 0, k1, &err), &err);
		count_failure(k1, 0);
	}
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM lockout WHERE username LIKE '?%'"),
			 FK_LOCK_UNKNOWN_MAX);
	/* Enrolled names are never dropped to make room. */
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT failures FROM lockout WHERE username = 'tanaka'"), 1);
}
END_TEST

static fk_lock_verdict reserve(const char *key, uint64_t *id)
{
	fk_lock_verdict v;
	ck_assert_ok(fk_lockout_reserve(ctx, key, id, &v, &err), &err);
	ck_assert_int_eq(*id != 0, v == FK_LOCK_RESERVED);
	return v;
}

START_TEST(reservations_in_the_database)
{
	uint64_t id[4];
	int locked_now;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(reserve("tanaka", &id[i]), FK_LOCK_RESERVED);
	ck_assert_int_eq(reserve("tanaka", &id[3]), FK_LOCK_FULL);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT length(pending) FROM lockout WHERE username = 'tanaka'"), 48);
	/* A restart keeps them. */
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ck_assert_int_eq(reserve("tanaka", &id[3]), FK_LOCK_FULL);
	/* A refusal turns one into a failure; a cancel releases one uncounted. */
	ck_assert_ok(fk_lockout_failure(ctx, "tanaka", id[0], FK_OP_SIGNIN, "auth", 1, &locked_now, &err), &err);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT failures FROM lockout WHERE username = 'tanaka'"), 1);
	ck_assert_ok(fk_lockout_failure(ctx, "tanaka", id[1], FK_OP_SIGNIN, "cancelled", 0, &locked_now, &err), &err);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT length(pending) FROM lockout WHERE username = 'tanaka'"), 16);
	/* A success resets the failures and releases its own, not another terminal's. */
	ck_assert_int_eq(reserve("tanaka", &id[3]), FK_LOCK_RESERVED);
	success("tanaka", id[3]);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT failures FROM lockout WHERE username = 'tanaka'"), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT length(pending) FROM lockout WHERE username = 'tanaka'"), 16);
	/* The last one released: the row goes. */
	ck_assert_ok(fk_lockout_failure(ctx, "tanaka", id[2], FK_OP_SIGNIN, "timeout", 0, &locked_now, &err), &err);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM lockout"), 0);
	/* A refusal for attempts in flight is a denial with its own reason. */
	ck_assert_ok(fk_lockout_failure(ctx, "tanaka", 0, FK_OP_SIGNIN, "reserved", 0, &locked_now, &err), &err);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'signin' AND "
				       "result = 'denied' AND reason = 'reserved'"), 1);
	/* Unknown names the same, under their hash. */
	char key[FK_LOCK_KEY_MAX];
	ck_assert_ok(fk_lockout_key(ctx, "nobody", 0, key, &err), &err);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(reserve(key, &id[i]), FK_LOCK_RESERVED);
	ck_assert_int_eq(reserve(key, &id[3]), FK_LOCK_FULL);
}
END_TEST

START_TEST(expired_reservations_are_dropped_and_recorded)
{
	uint64_t id;
	int locked_now;
	fk_lock_policy p;
	fk_lock_policy_from(&ctx->cfg, &p);
	ck_assert_int_eq(p.hold_ns, INT64_C(150) * S); /* prompt_timeout 120 s + 30 s */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(reserve("tanaka", &id), FK_LOCK_RESERVED);
	ctx->clock = shifted_clock;
	shift_ns = p.hold_ns - S;
	ck_assert_int_eq(reserve("tanaka", &id), FK_LOCK_FULL);
	shift_ns = p.hold_ns + S;
	ck_assert_int_eq(reserve("tanaka", &id), FK_LOCK_RESERVED);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'lockout.expire' "
				       "AND reason = 'reservation' AND object_id = 'tanaka'"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT failures FROM lockout WHERE username = 'tanaka'"), 0);
	/* A failure whose reservation expired meanwhile still counts. */
	shift_ns += 2 * p.hold_ns;
	ck_assert_ok(fk_lockout_failure(ctx, "tanaka", id, FK_OP_SIGNIN, "auth", 1, &locked_now, &err), &err);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT failures FROM lockout WHERE username = 'tanaka'"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM lockout WHERE pending IS NOT NULL"), 0);
	ctx->clock = NULL;
}
END_TEST

START_TEST(clock_set_back_holds_reservations_no_longer_than_any_prompt)
{
	uint64_t id;
	/* Taken while the clock was a day ahead … */
	ctx->clock = shifted_clock;
	shift_ns = 86400 * S;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(reserve("tanaka", &id), FK_LOCK_RESERVED);
	/* … then the clock is set right: not freed early, but cut to the longest
	 * any terminal holds one, from now, and that is stored. */
	shift_ns = 0;
	ck_assert_int_eq(reserve("tanaka", &id), FK_LOCK_FULL);
	shift_ns = FK_LOCK_HOLD_MAX_NS - S;
	ck_assert_int_eq(reserve("tanaka", &id), FK_LOCK_FULL);
	shift_ns = FK_LOCK_HOLD_MAX_NS + S;
	ck_assert_int_eq(reserve("tanaka", &id), FK_LOCK_RESERVED);
	ctx->clock = NULL;
}
END_TEST

/* Several processes failing at once never lose a count (BEGIN IMMEDIATE). */
START_TEST(concurrent_failures_count_exactly)
{
	enum { KIDS = 4, EACH = 12 };
	/* Another terminal's configuration on the same database, counting to 99. */
	char many[700];
	snprintf(many, sizeof many, "%s/many.conf", env.dir);
	FILE *f = fopen(many, "w");
	ck_assert_ptr_nonnull(f);
	/* the same terminal (its key folder, its id: on a shared store its chain is its own) */
	fprintf(f, "%s\nkey_dir = keys\ndata_dir = %s\nterminal_id = %s\nlock_failures = 99\n",
		fkt_database_line(&env), ctx->cfg.data_dir, ctx->cfg.terminal_id);
	ck_assert_int_eq(fclose(f), 0);
	for (int k = 0; k < KIDS; k++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			fk_ctx *c;
			fk_error e;
			int locked_now, bad = 0;
			if (fk_ctx_open(many, FK_CTX_OPEN, &c, &e) != FK_OK)
				_exit(2);
			for (int i = 0; i < EACH; i++)
				bad |= fk_lockout_failure(c, "tanaka", 0, FK_OP_SIGNIN, "auth", 1, &locked_now, &e) != FK_OK;
			fk_ctx_close(c);
			_exit(bad);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int status;
		ck_assert_int_gt(wait(&status), 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a child failed");
	}
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT failures FROM lockout WHERE username = 'tanaka'"), KIDS * EACH);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE action = 'signin'"), KIDS * EACH);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lockout");
	TCase *pure = tcase_create("policy");
	tcase_add_test(pure, window_edges);
	tcase_add_test(pure, locks_expire_and_grow);
	tcase_add_test(pure, clock_going_backwards);
	tcase_add_test(pure, reservations_count_before_pam);
	tcase_add_test(pure, reservations_expire_never_early);
	suite_add_tcase(s, pure);
	TCase *tc = tcase_create("state");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, failures_lock_and_are_recorded);
	tcase_add_test(tc, unlock_rules);
	tcase_add_test(tc, unknown_names_are_hashed_and_capped);
	tcase_add_test(tc, concurrent_failures_count_exactly);
	tcase_add_test(tc, reservations_in_the_database);
	tcase_add_test(tc, expired_reservations_are_dropped_and_recorded);
	tcase_add_test(tc, clock_set_back_holds_reservations_no_longer_than_any_prompt);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
