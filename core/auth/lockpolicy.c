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
	int prompt = cfg->prompt_timeout < 1 ? 1 :
		     cfg->prompt_timeout > FK_PROMPT_TIMEOUT_MAX ? FK_PROMPT_TIMEOUT_MAX : cfg->prompt_timeout;
	p->hold_ns = ((int64_t)prompt + FK_LOCK_PAM_GRACE_S) * NS_PER_S;
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

/* Sliding window: keep the failures less than window_ns old. One stamped
 * after now (the clock went back) still counts. */
static void keep_window(fk_lock_state *s, int64_t now, const fk_lock_policy *p)
{
	int k = 0;
	for (int i = 0; i < s->nrecent && i < FK_LOCK_MAX_FAILURES; i++) {
		int64_t t = s->recent[i];
		if (t > now || now - t < p->window_ns)
			s->recent[k++] = t;
	}
	s->nrecent = k;
}

fk_lock_verdict fk_lock_fail(const fk_lock_state *s, int64_t now, const fk_lock_policy *p,
			     fk_lock_state *next)
{
	if (fk_lock_check(s, now, p, next) == FK_LOCK_LOCKED)
		return FK_LOCK_LOCKED;
	keep_window(next, now, p);
	int k = next->nrecent;
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

int fk_lock_expire(const fk_lock_state *s, int64_t now, fk_lock_state *next)
{
	if (next != s)
		*next = *s;
	int n = next->npending < 0 ? 0 : next->npending > FK_LOCK_MAX_FAILURES ? FK_LOCK_MAX_FAILURES : next->npending;
	int k = 0;
	for (int i = 0; i < n; i++) {
		fk_lock_pending r = next->pending[i];
		if (now >= r.expires)
			continue;
		/* No terminal holds one this long: the clock went back. Cut, never
		 * drop, so that a live prompt keeps its slot. */
		if (now <= INT64_MAX - FK_LOCK_HOLD_MAX_NS && r.expires > now + FK_LOCK_HOLD_MAX_NS)
			r.expires = now + FK_LOCK_HOLD_MAX_NS;
		next->pending[k++] = r;
	}
	next->npending = k;
	return n - k;
}

fk_lock_verdict fk_lock_reserve(const fk_lock_state *s, int64_t now, const fk_lock_policy *p,
				uint64_t id, fk_lock_state *next)
{
	if (fk_lock_check(s, now, p, next) == FK_LOCK_LOCKED)
		return FK_LOCK_LOCKED;
	fk_lock_expire(next, now, next);
	keep_window(next, now, p);
	/* Every attempt in flight may still fail: counted as if it had. */
	if (next->nrecent + next->npending >= p->failures || next->npending >= FK_LOCK_MAX_FAILURES)
		return FK_LOCK_FULL;
	next->pending[next->npending++] = (fk_lock_pending){.id = id, .expires = now + p->hold_ns};
	return FK_LOCK_RESERVED;
}

int fk_lock_release(const fk_lock_state *s, uint64_t id, fk_lock_state *next)
{
	if (next != s)
		*next = *s;
	int n = next->npending > FK_LOCK_MAX_FAILURES ? FK_LOCK_MAX_FAILURES : next->npending;
	for (int i = 0; id && i < n; i++) {
		if (next->pending[i].id != id)
			continue;
		memmove(next->pending + i, next->pending + i + 1, sizeof next->pending[0] * (size_t)(n - i - 1));
		next->npending = n - 1;
		return 1;
	}
	return 0;
}

int fk_lock_empty(const fk_lock_state *s)
{
	return !s->nrecent && !s->failures && !s->locked_until && !s->lock_count && !s->npending;
}
