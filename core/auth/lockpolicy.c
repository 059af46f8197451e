/* The lockout policy as pure functions: state + time + configuration -> decision (R-LOCKOUT). */
#include "config.h"

#include <string.h>

#include "lockout.h"

#define NS_PER_S INT64_C(1000000000)
#define LOCK_CAP (INT64_C(365) * 86400 * NS_PER_S)

void fk_lock_policy_from(const fk_config *cfg, fk_lock_policy *p)
{
	p->failures = cfg->lock_failures < 1 ? 1 :
		      cfg->lock_failures > FK_LOCK_MAX_FAILURES ? FK_LOCK_MAX_FAILURES : cfg->lock_failures;
	p->window_ns = (int64_t)cfg->lock_window * NS_PER_S;
	p->duration_ns = (int64_t)cfg->lock_duration * NS_PER_S;
	p->growth = cfg->lock_growth;
}

int64_t fk_lock_length(const fk_lock_policy *p, int lock_count)
{
	if (p->duration_ns <= 0)
		return 0;
	int64_t len = p->duration_ns > LOCK_CAP ? LOCK_CAP : p->duration_ns;
	for (int i = 0; p->growth && i < lock_count && len < LOCK_CAP; i++)
		len *= 2;
	return len > LOCK_CAP ? LOCK_CAP : len;
}

fk_lock_verdict fk_lock_check(const fk_lock_state *s, int64_t now, const fk_lock_policy *p,
			      fk_lock_state *next)
{
	(void)p;
	if (next != s)
		*next = *s;
	if (s->locked_until == FK_LOCK_FOREVER)
		return FK_LOCK_LOCKED;
	if (s->locked_until == 0)
		return FK_LOCK_OPEN;
	/* Wall-clock time, so that a restart never clears a lock; if the clock
	 * goes back the lock simply lasts longer (fail closed). */
	if (now < s->locked_until)
		return FK_LOCK_LOCKED;
	next->locked_until = 0;
	next->nrecent = 0;
	next->failures = 0;
	return FK_LOCK_EXPIRED;
}

fk_lock_verdict fk_lock_fail(const fk_lock_state *s, int64_t now, const fk_lock_policy *p,
			     fk_lock_state *next)
{
	if (fk_lock_check(s, now, p, next) == FK_LOCK_LOCKED)
		return FK_LOCK_LOCKED;
	/* Sliding window: keep the failures less than window_ns old. One stamped
	 * after now (the clock went back) still counts. */
	int k = 0;
	for (int i = 0; i < next->nrecent && i < FK_LOCK_MAX_FAILURES; i++) {
		int64_t t = next->recent[i];
		if (t > now || now - t < p->window_ns)
			next->recent[k++] = t;
	}
	if (k == FK_LOCK_MAX_FAILURES) {
		memmove(next->recent, next->recent + 1, sizeof next->recent[0] * (size_t)(k - 1));
		k--;
	}
	next->recent[k++] = now;
	next->nrecent = k;
	next->failures = k;
	next->last_failure = now;
	if (k < p->failures)
		return FK_LOCK_COUNTED;
	int64_t len = fk_lock_length(p, next->lock_count);
	next->locked_until = len ? now + len : FK_LOCK_FOREVER;
	next->lock_count++;
	next->nrecent = 0;
	return FK_LOCK_NEWLY_LOCKED;
}
