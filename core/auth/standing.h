/* Whether a signed-in session still stands, as the store says now (issue 14; R-ENROL, R-LOCKOUT, R-INTRUSION). */
#ifndef FK_STANDING_H
#define FK_STANDING_H

#include "ctx.h"
#include "status.h"

/* Why a session may not go on. The console asks every second, even while nobody types, so
 * that what another process or terminal did (fukuhonctl operator disable, lockdown on, the
 * account locked by failures elsewhere) ends an open session within seconds. */
typedef enum fk_standing {
	FK_STANDING_OK = 0,
	FK_STANDING_DISABLED, /* the person was disabled, or is no longer enrolled under that name */
	FK_STANDING_LOCKED,   /* the account was locked by failed sign-ins */
	FK_STANDING_LOCKDOWN, /* a lockdown is in force (administrators are not affected) */
} fk_standing;

/* The standing of ctx->actor now. Cheap enough for a timer: three rows read by their keys
 * (the person, the lockdown, the person's lockout state), each checked against its MAC, and
 * nothing written; the tables' anchored digests are not brought up to date here (that needs
 * the write lock), so a row removed or put back by someone who writes the database is seen by
 * the next decision of the gate or sign-in, not by this. Nobody signed in: FK_STANDING_OK. An
 * error (the store unreachable, a row that fails its MAC) leaves *out FK_STANDING_OK: the
 * session's next operation through the gate fails closed and says why. */
fk_status fk_auth_standing(fk_ctx *ctx, fk_standing *out, fk_error *err);

/* The reason recorded with the sign-out that a standing ends ("disabled", "locked",
 * "lockdown"); NULL for FK_STANDING_OK. */
const char *fk_standing_reason(fk_standing s);

#endif
