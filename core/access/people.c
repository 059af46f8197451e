/* Enrolling, enabling, disabling and listing people, through the gate (R-ENROL, R-LOG). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "gate.h"
#include "lockout.h"
#include "norm.h"
#include "people.h"
#include "util.h"

fk_status fk_operator_add(fk_ctx *ctx, const char *user, fk_role role, const char *bureau,
			  const char *display, int64_t *id, fk_error *err)
{
	fk_gate g;
	char detail[160];
	fk_authz_req r = {.op = FK_OP_OPERATOR_ADD};
	fk_status s = fk_gate_begin(ctx, &g, &r, user, err);
	if (s != FK_OK)
		return s;
	s = fk_operator_insert(ctx, user, role, bureau, display, id, err);
	snprintf(detail, sizeof detail, "role=%s bureau=%s", fk_role_id(role), bureau ? bureau : "-");
	return fk_gate_end(ctx, &g, s, detail, err);
}

fk_status fk_operator_set_enabled(fk_ctx *ctx, const char *user, int enabled, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = enabled ? FK_OP_OPERATOR_ENABLE : FK_OP_OPERATOR_DISABLE};
	fk_status s = fk_gate_begin(ctx, &g, &r, user, err);
	if (s != FK_OK)
		return s;
	return fk_gate_end(ctx, &g, fk_operator_write_enabled(ctx, user, enabled, err), NULL, err);
}

fk_status fk_people_list(fk_ctx *ctx, fk_operator_cb cb, void *arg, fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_OPERATOR_LIST};
	/* Recorded before the rows go out: a callback cannot be taken back. */
	fk_status s = fk_gate_check(ctx, &r, "-", NULL, err);
	return s == FK_OK ? fk_operator_list(ctx, cb, arg, err) : s;
}

fk_status fk_lockout_unlock(fk_ctx *ctx, const char *user, const char *reason, fk_error *err)
{
	fk_gate g;
	int was_locked = 0;
	size_t rlen = reason ? strlen(reason) : 0;
	fk_authz_req r = {.op = FK_OP_LOCKOUT_UNLOCK, .target_name = user};
	fk_status s = fk_gate_begin(ctx, &g, &r, user, err);
	if (s != FK_OK)
		return s;
	if (rlen == 0 || rlen > 200 || !fk_utf8_valid(reason, rlen) || strspn(reason, " \t") == rlen)
		s = fk_fail_id(err, FK_ERR_INVALID, rlen > 200 ? FK_MSG_REASON_TOO_LONG : FK_MSG_REASON_REQUIRED, NULL, 200);
	if (s == FK_OK)
		s = fk_lockout_clear(ctx, user, &was_locked, err);
	char detail[240];
	snprintf(detail, sizeof detail, "%s: %s", was_locked ? "locked" : "failures", reason ? reason : "");
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) == FK_OK)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "fukuhon: account %s unlocked on %s by %s", user,
		       ctx->cfg.terminal_id, ctx->actor.user);
	return s;
}

fk_status fk_session_lock(fk_ctx *ctx, const char *reason, fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_SESSION_LOCK};
	return fk_gate_check(ctx, &r, ctx->actor.user, reason, err);
}
