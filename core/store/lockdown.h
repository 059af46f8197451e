/* The lockdown (R-INTRUSION): whether sign-ins other than administrators' are suspended, and why. */
#ifndef FK_LOCKDOWN_H
#define FK_LOCKDOWN_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

#define FK_LOCKDOWN_REASON_MAX 200

typedef struct fk_lockdown {
	int on;
	int64_t since;       /* UTC seconds it was turned on or off; 0: never */
	char by[72];         /* who turned it on or off */
	char reason[FK_LOCKDOWN_REASON_MAX + 1];
} fk_lockdown;

/* The state as the sealed meta row "lockdown" holds it (core/trust: a row changed with sqlite3
 * fails its MAC, a row removed or put back fails the table's anchored digest). No row: never
 * turned on. Any failure to read it is a failure (callers fail closed: treat it as in force). */
fk_status fk_lockdown_get(fk_ctx *ctx, fk_lockdown *out, fk_error *err);

/* The same row, its MAC checked, without first bringing the tables' digests up to date: for a
 * poll that runs every second (the console's, core/auth/standing.c), where that check would
 * cost a write transaction whenever another process wrote (always, on PostgreSQL). It cannot
 * see the row removed or an older one put back; every sign-in and decision still does. */
fk_status fk_lockdown_peek(fk_ctx *ctx, fk_lockdown *out, fk_error *err);

/* 1 unless the state reads "off": a lockdown in force, and one that cannot be read. */
int fk_lockdown_in_force(fk_ctx *ctx);

/* Write the state (inside the caller's write transaction, which records it). */
fk_status fk_lockdown_put(fk_ctx *ctx, const fk_lockdown *ld, fk_error *err);

#endif
