/* Turning the lockdown on and off, and reading it, as recorded operations (R-INTRUSION). */
#ifndef FK_LOCKDOWN_ADMIN_H
#define FK_LOCKDOWN_ADMIN_H

#include "ctx.h"
#include "lockdown.h"
#include "status.h"

/* Administrators only, with a reason (one line, at most FK_LOCKDOWN_REASON_MAX bytes): the
 * state is written as a sealed row in the transaction of its record. While it is on, every
 * sign-in but an administrator's is refused (core/auth) and open consoles sign out at their
 * next tick (tui/lockscreen.c). Turning on what is on (or off what is off) is refused as
 * FK_ERR_EXISTS: nothing changes, and the attempt is on record. */
fk_status fk_lockdown_set(fk_ctx *ctx, int on, const char *reason, fk_error *err);

/* The state (supervisors, auditors, administrators; recorded). */
fk_status fk_lockdown_status(fk_ctx *ctx, fk_lockdown *out, fk_error *err);

#endif
