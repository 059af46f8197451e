/* Sign-in lockout (R-LOCKOUT, R-INTRUSION): the pure policy and its state in the database. */
#ifndef FK_LOCKOUT_H
#define FK_LOCKOUT_H

#include <stdint.h>

#include "conf.h"
#include "ctx.h"
#include "ops.h"
#include "status.h"

#define FK_LOCK_MAX_FAILURES 100 /* the largest lock_failures (fukuhon.conf(5)) */
#define FK_LOCK_FOREVER (-1)     /* locked_until: until a supervisor unlocks */
#define FK_LOCK_UNKNOWN_MAX 1000 /* distinct unknown user names tracked; oldest dropped */
#define FK_LOCK_KEY_MAX 72

/* A reservation outlives the prompts it covers (prompt_timeout) by this
 * much, so that PAM still judging the last answer keeps its slot. */
#define FK_LOCK_PAM_GRACE_S 30
/* The longest a reservation can last on any terminal: a reservation that
 * seems to last longer (the clock went back) is cut to this from now. */
#define FK_LOCK_HOLD_MAX_NS ((int64_t)(FK_PROMPT_TIMEOUT_MAX + FK_LOCK_PAM_GRACE_S) * 1000000000)

typedef struct fk_lock_policy {
	int failures;        /* failures within the window that lock (lock_failures) */
	int64_t window_ns;   /* lock_window */
	int64_t duration_ns; /* lock_duration; 0: until a supervisor unlocks */
	int growth;          /* lock_growth: each successive lock twice as long */
	int64_t hold_ns;     /* a reservation's life: prompt_timeout + FK_LOCK_PAM_GRACE_S */
} fk_lock_policy;

/* An attempt in flight: counted before PAM is asked, settled after. */
typedef struct fk_lock_pending {
	uint64_t id;     /* random, never 0 */
	int64_t expires; /* UTC ns: dropped (not counted) from then on */
} fk_lock_pending;

typedef struct fk_lock_state {
	int nrecent;                          /* failures inside the window */
	int64_t recent[FK_LOCK_MAX_FAILURES]; /* their times, oldest first */
	int failures;                         /* shown: failures counted (at the lock, if locked) */
	int64_t last_failure;                 /* UTC ns, 0: none */
	int64_t locked_until;                 /* 0: not locked; FK_LOCK_FOREVER; else UTC ns */
	int lock_count;                       /* locks since the last successful sign-in */
	int npending;                         /* open reservations, oldest first */
	fk_lock_pending pending[FK_LOCK_MAX_FAILURES];
} fk_lock_state;

typedef enum fk_lock_verdict {
	FK_LOCK_OPEN,    /* may try */
	FK_LOCK_LOCKED,  /* refused without asking PAM */
	FK_LOCK_EXPIRED, /* the lock has run out: next is cleared (record it) and may try */
	FK_LOCK_COUNTED, /* after a failure: counted, not locked */
	FK_LOCK_NEWLY_LOCKED,
	FK_LOCK_RESERVED, /* an attempt was counted in advance: PAM may be asked */
	FK_LOCK_FULL,     /* failures and open reservations reach lock_failures: refused */
} fk_lock_verdict;

void fk_lock_policy_from(const fk_config *cfg, fk_lock_policy *p);

/* Length of the lock that follows lock_count earlier locks: 0 = until
 * unlocked; with growth doubled per earlier lock, at most 365 days. */
int64_t fk_lock_length(const fk_lock_policy *p, int lock_count);

/* Pure policy: given the state, the time and the policy, what happens to an
 * attempt now (fk_lock_check) or to a failure now (fk_lock_fail); *next gets
 * the state to store. A clock that went backwards never clears anything:
 * failures stamped in the future still count, a lock lasts longer. */
fk_lock_verdict fk_lock_check(const fk_lock_state *s, int64_t now, const fk_lock_policy *p,
			      fk_lock_state *next);
fk_lock_verdict fk_lock_fail(const fk_lock_state *s, int64_t now, const fk_lock_policy *p,
			     fk_lock_state *next);

/* Reservations (pure, like the above). fk_lock_reserve: FK_LOCK_LOCKED, or
 * FK_LOCK_FULL when the failures inside the window plus the open
 * reservations reach p->failures, else FK_LOCK_RESERVED with reservation id
 * added, expiring at now + p->hold_ns. It drops expired reservations first. */
fk_lock_verdict fk_lock_reserve(const fk_lock_state *s, int64_t now, const fk_lock_policy *p,
				uint64_t id, fk_lock_state *next);
/* Remove reservation id (on success, refusal or cancel); 1 if it was open. */
int fk_lock_release(const fk_lock_state *s, uint64_t id, fk_lock_state *next);
/* Drop the reservations expired at now (now >= expires) without counting
 * them; the number dropped. A clock that went back never frees one early: an
 * expiry more than FK_LOCK_HOLD_MAX_NS ahead is cut to now + that. */
int fk_lock_expire(const fk_lock_state *s, int64_t now, fk_lock_state *next);
/* Nothing left worth a row: no failures, lock, lock count or reservation. */
int fk_lock_empty(const fk_lock_state *s);

/* The lockout key of a typed user name: the name of an enrolled operator, or
 * "?" and a keyed hash for anything else, so typed text is never stored. */
fk_status fk_lockout_key(fk_ctx *ctx, const char *user, int enrolled, char key[FK_LOCK_KEY_MAX],
			 fk_error *err);

/* Whether key is locked now (*locked = 1), reading only; an expired lock is
 * cleared and recorded (history and syslog). */
fk_status fk_lockout_admit(fk_ctx *ctx, const char *key, int *locked, fk_error *err);

/* Whether key is locked now (*locked = 1), reading its row alone (MAC checked), writing
 * nothing: an expired lock reads as not locked and is cleared by the next sign-in. For a poll
 * (core/auth/standing.c); on error *locked is 0 and the caller decides. */
fk_status fk_lockout_peek(fk_ctx *ctx, const char *key, int *locked, fk_error *err);

/* Before asking PAM, in one write transaction: count the attempt in advance
 * (fk_lock_reserve). *v is FK_LOCK_RESERVED with *id the reservation to
 * settle, or FK_LOCK_LOCKED / FK_LOCK_FULL (refuse without asking PAM; *id
 * 0). An expired lock and expired reservations are cleared and recorded.
 * On any error *v is FK_LOCK_LOCKED (fail closed). */
fk_status fk_lockout_reserve(fk_ctx *ctx, const char *key, uint64_t *id, fk_lock_verdict *v,
			     fk_error *err);

/* After a failed attempt, in one write transaction: release reservation id
 * (0: none), count the failure (two terminals failing at once never lose a
 * count), record it with action ("signin", "session.unlock") and reason, and
 * the lock if it locks (*locked_now = 1; syslog too). When counted is 0 the
 * failure is recorded but not counted (a cancel, a timeout, a refusal without
 * PAM). A failure whose reservation has expired meanwhile still counts. */
fk_status fk_lockout_failure(fk_ctx *ctx, const char *key, uint64_t id, fk_op op,
			     const char *reason, int counted, int *locked_now, fk_error *err);

/* After a full success, inside the caller's transaction: FK_ERR_LOCKED when
 * another terminal locked the account meanwhile, else reservation id is
 * released and the count reset (other terminals' reservations stay). */
fk_status fk_lockout_success(fk_ctx *ctx, const char *key, uint64_t id, fk_error *err);

typedef struct fk_lockout_row {
	char user[FK_LOCK_KEY_MAX]; /* "?…" for a name that is not enrolled */
	int failures, lock_count, locked;
	int64_t last_failure, locked_until;
	char last_terminal[64];
} fk_lockout_row;

typedef int (*fk_lockout_cb)(const fk_lockout_row *row, void *arg);
/* Every account with failures or a lock, most recent failure first. */
fk_status fk_lockout_list(fk_ctx *ctx, fk_lockout_cb cb, void *arg, fk_error *err);

/* Clear an account's failures and lock, inside the caller's transaction (not recorded:
 * the operation is fk_lockout_unlock, people.h). *was_locked: it was locked, not only
 * counting failures. FK_ERR_NOTFOUND when there is nothing to clear. */
fk_status fk_lockout_clear(fk_ctx *ctx, const char *user, int *was_locked, fk_error *err);

#endif
