/* Whether a signed-in session still stands: enrolled and enabled, not locked, no lockdown (issue 14). */
#include "config.h"

#include "lockdown.h"
#include "lockout.h"
#include "operator.h"
#include "standing.h"

fk_status fk_auth_standing(fk_ctx *ctx, fk_standing *out, fk_error *err)
{
	fk_operator op;
	fk_lockdown ld;
	char key[FK_LOCK_KEY_MAX];
	int locked = 0;
	*out = FK_STANDING_OK;
	if (!ctx->actor.operator_id)
		return FK_OK;
	/* The person's row as it is now: disabled, removed, or the name given to someone else
	 * (another id) all end the session. */
	fk_status s = fk_operator_get(ctx, ctx->actor.user, &op, err);
	if (s == FK_ERR_NOTFOUND || (s == FK_OK && (!op.enabled || op.id != ctx->actor.operator_id))) {
		*out = FK_STANDING_DISABLED;
		return FK_OK;
	}
	/* Administrators stay through a lockdown: they are the ones who lift it. The role as the
	 * row says now, as the gate decides it. */
	if (s == FK_OK && op.role != FK_ROLE_ADMIN && (s = fk_lockdown_peek(ctx, &ld, err)) == FK_OK && ld.on) {
		*out = FK_STANDING_LOCKDOWN;
		return FK_OK;
	}
	if (s == FK_OK && (s = fk_lockout_key(ctx, op.username, 1, key, err)) == FK_OK &&
	    (s = fk_lockout_peek(ctx, key, &locked, err)) == FK_OK && locked)
		*out = FK_STANDING_LOCKED;
	return s;
}

const char *fk_standing_reason(fk_standing s)
{
	switch (s) {
	case FK_STANDING_DISABLED:
		return "disabled";
	case FK_STANDING_LOCKED:
		return "locked";
	case FK_STANDING_LOCKDOWN:
		return "lockdown";
	case FK_STANDING_OK:
		break;
	}
	return NULL;
}
