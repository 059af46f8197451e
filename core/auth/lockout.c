/* Lockout state in the database: counted atomically, recorded, listed and cleared (R-LOCKOUT, R-LOG). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "lockout.h"
#include "trust.h"
#include "norm.h"
#include "util.h"

/* The covered columns and the MAC first (core/trust): a lock cleared or a count lowered
 * outside fukuhon is refused, not believed. */
static const char SQL_GET[] = "SELECT " FK_COLS_LOCKOUT ", mac FROM lockout WHERE username = ?1";
enum { C_USER, C_FAILURES, C_FIRST, C_LAST, C_TERMINAL, C_UNTIL, C_COUNT, C_RECENT, C_PENDING };
static const char SQL_EXISTS[] = "SELECT 1 FROM lockout WHERE username = ?1";
static const char SQL_PUT[] =
	"INSERT INTO lockout(username, failures, first_failure, last_failure, last_terminal, "
	"locked_until, lock_count, recent, pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	"ON CONFLICT(username) DO UPDATE SET failures = ?2, first_failure = ?3, "
	"last_failure = ?4, last_terminal = coalesce(?5, lockout.last_terminal), locked_until = ?6, "
	"lock_count = ?7, recent = ?8, pending = ?9";
static const char SQL_DELETE[] = "DELETE FROM lockout WHERE username = ?1";
/* Keys of names that are not enrolled start with '?', which sorts just before '@'. */
static const char SQL_UNKNOWN_COUNT[] =
	"SELECT count(*) FROM lockout WHERE username >= '?' AND username < '@'";
static const char SQL_UNKNOWN_OLDEST[] =
	"SELECT username FROM lockout WHERE username >= '?' AND username < '@' "
	"ORDER BY pending IS NOT NULL, last_failure LIMIT ?1";
static const char SQL_LIST[] =
	"SELECT " FK_COLS_LOCKOUT ", mac FROM lockout WHERE failures > 0 OR locked_until IS NOT NULL "
	"ORDER BY last_failure DESC";

fk_status fk_lockout_key(fk_ctx *ctx, const char *user, int enrolled, char key[FK_LOCK_KEY_MAX],
			 fk_error *err)
{
	if (enrolled && strlen(user) < FK_LOCK_KEY_MAX) {
		fk_copy_str(key, FK_LOCK_KEY_MAX, user);
		return FK_OK;
	}
	uint8_t mac[FK_MAC_LEN];
	char msg[600];
	int n = snprintf(msg, sizeof msg, "fk:lockout:%s", user);
	fk_status s = fk_hmac(ctx->terminal_key, msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1,
			      mac, err);
	fk_wipe(msg, sizeof msg);
	if (s != FK_OK)
		return s;
	key[0] = '?';
	for (int i = 0; i < 12; i++)
		snprintf(key + 1 + 2 * i, 3, "%02x", mac[i]);
	return FK_OK;
}

/* The blobs hold little-endian 64-bit integers (sql/003, sql/007). */
static uint64_t get_le64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int j = 7; j >= 0; j--)
		v = v << 8 | b[j];
	return v;
}

static void put_le64(uint8_t *b, uint64_t v)
{
	for (int j = 0; j < 8; j++)
		b[j] = (uint8_t)(v >> (8 * j));
}

static void load_blobs(fk_stmt *st, fk_lock_state *s)
{
	const uint8_t *b = fk_sql_column_blob(st, C_RECENT);
	int n = fk_sql_column_bytes(st, C_RECENT) / 8;
	for (int i = 0; b && i < n && i < FK_LOCK_MAX_FAILURES; i++)
		s->recent[s->nrecent++] = (int64_t)get_le64(b + 8 * i);
	b = fk_sql_column_blob(st, C_PENDING);
	n = fk_sql_column_bytes(st, C_PENDING) / 16;
	for (int i = 0; b && i < n && i < FK_LOCK_MAX_FAILURES; i++)
		s->pending[s->npending++] = (fk_lock_pending){
			.id = get_le64(b + 16 * i), .expires = (int64_t)get_le64(b + 16 * i + 8)};
}

static fk_status load(fk_ctx *ctx, const char *key, fk_lock_state *s, int *exists, fk_error *err)
{
	fk_stmt *st;
	memset(s, 0, sizeof *s);
	*exists = 0;
	fk_status rc = fk_ctx_stmt(ctx, SQL_GET, &st, err);
	if (rc != FK_OK)
		return rc;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int r = fk_sql_step(st);
	if (r == SQLITE_ROW && (rc = fk_trust_check(ctx, FK_T_LOCKOUT, st, 0, err)) == FK_OK) {
		*exists = 1;
		s->failures = fk_sql_column_int(st, C_FAILURES);
		s->last_failure = fk_sql_column_int64(st, C_LAST);
		s->locked_until = fk_sql_column_type(st, C_UNTIL) == SQLITE_NULL ? 0 : fk_sql_column_int64(st, C_UNTIL);
		s->lock_count = fk_sql_column_int(st, C_COUNT);
		load_blobs(st, s);
	}
	fk_sql_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return fk_db_fail(ctx->db, r, err, "reading the lockout state");
	return rc;
}

static fk_status row_exists(fk_ctx *ctx, const char *key, int *exists, fk_error *err)
{
	fk_stmt *st;
	fk_status rc = fk_ctx_stmt(ctx, SQL_EXISTS, &st, err);
	if (rc != FK_OK)
		return rc;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int r = fk_sql_step(st);
	fk_sql_reset(st);
	*exists = r == SQLITE_ROW;
	return r == SQLITE_ROW || r == SQLITE_DONE ? FK_OK
						  : fk_db_fail(ctx->db, r, err, "reading the lockout state");
}

static fk_status store(fk_ctx *ctx, const char *key, const fk_lock_state *s, int touch_terminal,
		       fk_error *err)
{
	uint8_t recent[8 * FK_LOCK_MAX_FAILURES], pending[16 * FK_LOCK_MAX_FAILURES];
	for (int i = 0; i < s->nrecent; i++)
		put_le64(recent + 8 * i, (uint64_t)s->recent[i]);
	for (int i = 0; i < s->npending; i++) {
		put_le64(pending + 16 * i, s->pending[i].id);
		put_le64(pending + 16 * i + 8, (uint64_t)s->pending[i].expires);
	}
	fk_stmt *st;
	int exists;
	fk_status rc = row_exists(ctx, key, &exists, err);
	/* The row as it was leaves its table's digest (checked first); as written, it enters. */
	if (rc == FK_OK && exists)
		rc = fk_trust_unseal(ctx, FK_T_LOCKOUT, FK_VAL_TEXT(key), 0, err);
	if (rc == FK_OK)
		rc = fk_ctx_stmt(ctx, SQL_PUT, &st, err);
	if (rc != FK_OK)
		return rc;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, s->failures);
	if (s->nrecent)
		fk_sql_bind_int64(st, 3, s->recent[0]);
	if (s->last_failure)
		fk_sql_bind_int64(st, 4, s->last_failure);
	if (touch_terminal)
		fk_sql_bind_text(st, 5, ctx->cfg.terminal_id, -1, SQLITE_STATIC);
	if (s->locked_until)
		fk_sql_bind_int64(st, 6, s->locked_until);
	fk_sql_bind_int(st, 7, s->lock_count);
	if (s->nrecent)
		fk_sql_bind_blob(st, 8, recent, 8 * s->nrecent, SQLITE_TRANSIENT);
	if (s->npending)
		fk_sql_bind_blob(st, 9, pending, 16 * s->npending, SQLITE_TRANSIENT);
	if ((rc = fk_ctx_exec(ctx, st, err, "writing the lockout state")) != FK_OK)
		return rc;
	return fk_trust_seal(ctx, FK_T_LOCKOUT, FK_VAL_TEXT(key), err);
}

/* Remove key's row if there is one, taking it out of its table's digest first. */
static fk_status delete_row(fk_ctx *ctx, const char *key, fk_error *err)
{
	fk_stmt *st;
	int exists;
	fk_status rc = row_exists(ctx, key, &exists, err);
	if (rc != FK_OK || !exists)
		return rc;
	if ((rc = fk_trust_unseal(ctx, FK_T_LOCKOUT, FK_VAL_TEXT(key), 1, err)) != FK_OK ||
	    (rc = fk_ctx_stmt(ctx, SQL_DELETE, &st, err)) != FK_OK)
		return rc;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return fk_ctx_exec(ctx, st, err, "resetting the lockout state");
}

/* A row with nothing left in it is removed, so released reservations of
 * names tried once leave no trace. */
static fk_status save(fk_ctx *ctx, const char *key, const fk_lock_state *s, fk_error *err)
{
	return fk_lock_empty(s) ? delete_row(ctx, key, err) : store(ctx, key, s, 0, err);
}

/* Unknown names are tracked too, but at most FK_LOCK_UNKNOWN_MAX of them;
 * rows holding a reservation are dropped last. */
static fk_status trim_unknown(fk_ctx *ctx, fk_error *err)
{
	fk_stmt *st;
	fk_status rc = fk_ctx_stmt(ctx, SQL_UNKNOWN_COUNT, &st, err);
	if (rc != FK_OK)
		return rc;
	int64_t n = fk_sql_step(st) == SQLITE_ROW ? fk_sql_column_int64(st, 0) : -1;
	fk_sql_reset(st);
	if (n < 0)
		return fk_db_fail(ctx->db, fk_sql_extended_errcode(ctx->db), err, "counting names");
	if (n <= FK_LOCK_UNKNOWN_MAX)
		return FK_OK;
	/* One past the cap at a time (each new name), so the list is short. */
	char keys[8][FK_LOCK_KEY_MAX];
	int k = 0, r = SQLITE_DONE;
	if ((rc = fk_ctx_stmt(ctx, SQL_UNKNOWN_OLDEST, &st, err)) != FK_OK)
		return rc;
	fk_sql_bind_int64(st, 1, n - FK_LOCK_UNKNOWN_MAX < 8 ? n - FK_LOCK_UNKNOWN_MAX : 8);
	while (k < 8 && (r = fk_sql_step(st)) == SQLITE_ROW)
		fk_copy_str(keys[k++], FK_LOCK_KEY_MAX, (const char *)fk_sql_column_text(st, 0));
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		rc = fk_db_fail(ctx->db, fk_sql_extended_errcode(ctx->db), err, "reading the oldest unknown names");
		fk_sql_reset(st);
		return rc;
	}
	fk_sql_reset(st);
	for (int i = 0; rc == FK_OK && i < k; i++)
		rc = delete_row(ctx, keys[i], err);
	return rc;
}

static void lock_until_text(int64_t until, char *buf, size_t len)
{
	if (until == FK_LOCK_FOREVER)
		fk_copy_str(buf, len, "until unlocked");
	else
		fk_fmt_utc(until, buf, len);
}

static fk_status record_expiry(fk_ctx *ctx, const char *key, fk_error *err)
{
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "fukuhon: lock of %s on %s expired", key, ctx->cfg.terminal_id);
	return fk_audit_op(ctx, FK_OP_LOCKOUT_EXPIRE, key, FK_RESULT_SUCCESS, "expired", NULL, err);
}

/* Reservations left to expire: a console that died or a PAM that never
 * answered, worth an auditor's look (R-LOG, R-INTRUSION). */
static fk_status record_dropped(fk_ctx *ctx, const char *key, int n, fk_error *err)
{
	char detail[32];
	snprintf(detail, sizeof detail, "reservations=%d", n);
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "fukuhon: %d sign-in reservation(s) of %s expired unsettled (seen on %s)",
	       n, key, ctx->cfg.terminal_id);
	return fk_audit_op(ctx, FK_OP_LOCKOUT_EXPIRE, key, FK_RESULT_SUCCESS, "reservation", detail, err);
}

/* What a change of the state starts from: the policy, the time, the state. */
struct current {
	fk_lock_policy p;
	int64_t now;
	fk_lock_state s;
	int exists; /* the row existed */
};

/* The state of key now, inside a write transaction: an expired lock and
 * expired reservations cleared, recorded and stored. */
static fk_status load_current(fk_ctx *ctx, const char *key, struct current *c, fk_error *err)
{
	fk_lock_state next;
	fk_lock_policy_from(&ctx->cfg, &c->p);
	c->now = fk_ctx_now(ctx);
	fk_status rc = load(ctx, key, &c->s, &c->exists, err);
	if (rc != FK_OK)
		return rc;
	int expired = fk_lock_check(&c->s, c->now, &c->p, &next) == FK_LOCK_EXPIRED;
	int dropped = fk_lock_expire(&next, c->now, &next);
	int changed = expired || next.npending != c->s.npending ||
		      memcmp(next.pending, c->s.pending, sizeof next.pending[0] * (size_t)next.npending) != 0;
	c->s = next;
	/* The state first, then the records that name it (core/trust). */
	if (changed && (rc = save(ctx, key, &c->s, err)) != FK_OK)
		return rc;
	if (expired && (rc = record_expiry(ctx, key, err)) != FK_OK)
		return rc;
	if (dropped)
		return record_dropped(ctx, key, dropped, err);
	/* The clock went back: reservations were cut to what a prompt can hold. */
	return changed && !expired ? fk_audit_op(ctx, FK_OP_LOCKOUT_EXPIRE, key, FK_RESULT_SUCCESS,
					      "clock", "reservations cut to the longest prompt", err)
				   : FK_OK;
}

/* The state of key and the verdict for an attempt now. */
static fk_status verdict(fk_ctx *ctx, const char *key, fk_lock_state *next, fk_lock_verdict *v,
			 fk_error *err)
{
	fk_lock_policy p;
	fk_lock_state s;
	int exists;
	fk_lock_policy_from(&ctx->cfg, &p);
	/* Read outside a transaction: a lock removed or put back to an older copy by another
	 * process is found by the table's anchored digest, checked first (core/trust). */
	fk_status rc = fk_trust_current(ctx, err);
	if (rc == FK_OK)
		rc = load(ctx, key, &s, &exists, err);
	if (rc == FK_OK)
		*v = fk_lock_check(&s, fk_ctx_now(ctx), &p, next);
	return rc;
}

fk_status fk_lockout_admit(fk_ctx *ctx, const char *key, int *locked, fk_error *err)
{
	struct current c;
	fk_lock_verdict v;
	*locked = 1; /* fail closed */
	/* The common case is a read: a write transaction only to clear an expired lock. */
	fk_status rc = verdict(ctx, key, &c.s, &v, err);
	if (rc != FK_OK || v != FK_LOCK_EXPIRED) {
		*locked = rc != FK_OK || v == FK_LOCK_LOCKED;
		return rc;
	}
	if ((rc = fk_ctx_begin(ctx, err)) != FK_OK)
		return rc;
	if ((rc = load_current(ctx, key, &c, err)) == FK_OK)
		*locked = c.s.locked_until != 0;
	return fk_ctx_end(ctx, rc, err);
}

fk_status fk_lockout_peek(fk_ctx *ctx, const char *key, int *locked, fk_error *err)
{
	fk_lock_state s;
	int exists;
	*locked = 0;
	fk_status rc = load(ctx, key, &s, &exists, err);
	int64_t now = fk_ctx_now(ctx);
	if (rc == FK_OK && exists)
		*locked = s.locked_until == FK_LOCK_FOREVER || (s.locked_until && now < s.locked_until);
	return rc;
}

static fk_status reserve_locked(fk_ctx *ctx, const char *key, uint64_t id, fk_lock_verdict *v,
				fk_error *err)
{
	struct current c;
	fk_lock_state next;
	fk_status rc = load_current(ctx, key, &c, err);
	if (rc != FK_OK)
		return rc;
	if ((*v = fk_lock_reserve(&c.s, c.now, &c.p, id, &next)) != FK_LOCK_RESERVED)
		return FK_OK;
	if ((rc = store(ctx, key, &next, 0, err)) != FK_OK)
		return rc;
	if (!c.exists && key[0] == '?' && (rc = trim_unknown(ctx, err)) != FK_OK)
		return rc;
	/* The attempt is on record before PAM is asked: an attempt whose console dies
	 * leaves this behind. */
	return fk_audit_op(ctx, FK_OP_LOCKOUT_RESERVE, key, FK_RESULT_SUCCESS, "attempt", NULL, err);
}

fk_status fk_lockout_reserve(fk_ctx *ctx, const char *key, uint64_t *id, fk_lock_verdict *v,
			     fk_error *err)
{
	uint64_t rid = 0;
	fk_lock_verdict got = FK_LOCK_LOCKED;
	*id = 0;
	*v = FK_LOCK_LOCKED; /* fail closed */
	fk_status rc = fk_random(&rid, sizeof rid, err);
	if (rc != FK_OK)
		return rc;
	if (!rid)
		rid = 1; /* 0 means "no reservation" */
	if ((rc = fk_ctx_begin(ctx, err)) != FK_OK)
		return rc;
	rc = reserve_locked(ctx, key, rid, &got, err);
	if ((rc = fk_ctx_end(ctx, rc, err)) != FK_OK)
		return rc;
	*v = got;
	*id = got == FK_LOCK_RESERVED ? rid : 0;
	return FK_OK;
}

/* Refusals decided without asking PAM are denials; the rest failures. */
static fk_result failure_result(const char *reason)
{
	return !strcmp(reason, "locked") || !strcmp(reason, "reserved") ? FK_RESULT_DENIED : FK_RESULT_FAILED;
}

static fk_status failure_locked(fk_ctx *ctx, const char *key, uint64_t id, fk_op op,
				const char *reason, int counted, int *locked_now, fk_error *err)
{
	struct current c;
	fk_lock_state next;
	fk_status rc = load_current(ctx, key, &c, err);
	if (rc != FK_OK)
		return rc;
	/* Settle the reservation: it becomes the failure (or nothing). One that
	 * expired meanwhile is gone already; the failure still counts. */
	int released = fk_lock_release(&c.s, id, &c.s);
	fk_lock_verdict v = counted ? fk_lock_fail(&c.s, c.now, &c.p, &next) : FK_LOCK_OPEN;
	int counts = v == FK_LOCK_COUNTED || v == FK_LOCK_NEWLY_LOCKED;
	/* The state first, so that the failure's record names the row it wrote. */
	if (!counts && released)
		rc = save(ctx, key, &c.s, err);
	if (counts && (rc = store(ctx, key, &next, 1, err)) == FK_OK && !c.exists && key[0] == '?')
		rc = trim_unknown(ctx, err);
	if (rc == FK_OK)
		rc = fk_audit_op(ctx, op, key, failure_result(reason), reason, NULL, err);
	if (rc != FK_OK || v != FK_LOCK_NEWLY_LOCKED)
		return rc;
	char until[40], detail[96];
	lock_until_text(next.locked_until, until, sizeof until);
	snprintf(detail, sizeof detail, "failures=%d lock=%d until=%s", next.failures, next.lock_count, until);
	*locked_now = 1;
	return fk_audit_op(ctx, FK_OP_LOCKOUT_LOCK, key, FK_RESULT_SUCCESS, "failures", detail, err);
}

fk_status fk_lockout_failure(fk_ctx *ctx, const char *key, uint64_t id, fk_op op,
			     const char *reason, int counted, int *locked_now, fk_error *err)
{
	*locked_now = 0;
	fk_status rc = fk_ctx_begin(ctx, err);
	if (rc != FK_OK)
		return rc;
	rc = failure_locked(ctx, key, id, op, reason, counted, locked_now, err);
	rc = fk_ctx_end(ctx, rc, err);
	/* Syslog after the commit, so it never reports a lock that was rolled back. */
	if (rc == FK_OK && *locked_now)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "fukuhon: account %s locked on %s after %d failed sign-ins",
		       key, ctx->cfg.terminal_id, ctx->cfg.lock_failures);
	return rc;
}

fk_status fk_lockout_success(fk_ctx *ctx, const char *key, uint64_t id, fk_error *err)
{
	struct current c;
	fk_status rc = load_current(ctx, key, &c, err);
	if (rc != FK_OK)
		return rc;
	if (c.s.locked_until)
		return fk_fail_id(err, FK_ERR_LOCKED, FK_MSG_LOCKED_IN_SIGNIN, NULL, 0);
	/* Failures, locks and their count are reset; other terminals' attempts
	 * in flight keep their reservations. */
	fk_lock_release(&c.s, id, &c.s);
	fk_lock_state reset = {.npending = c.s.npending};
	memcpy(reset.pending, c.s.pending, sizeof c.s.pending[0] * (size_t)c.s.npending);
	return save(ctx, key, &reset, err);
}

static void copy_col(fk_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = fk_sql_column_text(st, col);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

fk_status fk_lockout_list(fk_ctx *ctx, fk_lockout_cb cb, void *arg, fk_error *err)
{
	fk_stmt *st;
	fk_status rc = fk_ctx_stmt(ctx, SQL_LIST, &st, err);
	if (rc != FK_OK)
		return rc;
	int64_t now = fk_ctx_now(ctx);
	int r;
	while ((r = fk_sql_step(st)) == SQLITE_ROW) {
		fk_lockout_row row;
		memset(&row, 0, sizeof row);
		if ((rc = fk_trust_check(ctx, FK_T_LOCKOUT, st, 0, err)) != FK_OK)
			break;
		copy_col(st, C_USER, row.user, sizeof row.user);
		row.failures = fk_sql_column_int(st, C_FAILURES);
		row.last_failure = fk_sql_column_int64(st, C_LAST);
		copy_col(st, C_TERMINAL, row.last_terminal, sizeof row.last_terminal);
		row.locked_until = fk_sql_column_type(st, C_UNTIL) == SQLITE_NULL ? 0 : fk_sql_column_int64(st, C_UNTIL);
		row.lock_count = fk_sql_column_int(st, C_COUNT);
		row.locked = row.locked_until == FK_LOCK_FOREVER || (row.locked_until && now < row.locked_until);
		if (cb(&row, arg))
			break;
	}
	fk_sql_reset(st);
	if (rc != FK_OK)
		return rc;
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return fk_db_fail(ctx->db, r, err, "listing lockouts");
	return FK_OK;
}

fk_status fk_lockout_clear(fk_ctx *ctx, const char *user, int *was_locked, fk_error *err)
{
	fk_lock_state s;
	int exists;
	fk_status rc = load(ctx, user, &s, &exists, err);
	if (rc != FK_OK)
		return rc;
	if (!exists || (s.failures == 0 && s.locked_until == 0))
		return fk_fail_id(err, FK_ERR_NOTFOUND, FK_MSG_NO_LOCKOUT, user, 0);
	*was_locked = s.locked_until != 0;
	s.failures = s.nrecent = 0;
	s.locked_until = 0; /* lock_count stays: the next lock still grows */
	return store(ctx, user, &s, 0, err);
}
