/* Enrolling, enabling, disabling and listing the people of the terminal (R-ENROL): each an
 * operation through the gate, decided on the acting person's row and recorded. */
#ifndef FK_PEOPLE_H
#define FK_PEOPLE_H

#include <stdint.h>

#include "ctx.h"
#include "operator.h"
#include "status.h"

/* Enrol user (administrators). FK_ERR_EXISTS for a name already enrolled in any case,
 * FK_ERR_NOTFOUND for an unknown bureau, FK_ERR_DENIED for anyone but an administrator. */
fk_status fk_operator_add(fk_ctx *ctx, const char *user, fk_role role, const char *bureau,
			  const char *display, int64_t *id, fk_error *err);
fk_status fk_operator_set_enabled(fk_ctx *ctx, const char *user, int enabled, fk_error *err);

/* Every operator, for supervisors, auditors and administrators (the listing recorded first). */
fk_status fk_people_list(fk_ctx *ctx, fk_operator_cb cb, void *arg, fk_error *err);

/* Unlock an account (clear its failures and lock) with a mandatory reason: supervisors and
 * administrators; nobody unlocks their own account (R-LOCKOUT). Recorded, and to syslog. */
fk_status fk_lockout_unlock(fk_ctx *ctx, const char *user, const char *reason, fk_error *err);

/* The console locked itself (idle): recorded for the signed-in person. */
fk_status fk_session_lock(fk_ctx *ctx, const char *reason, fk_error *err);

#endif
