/* The lockdown as recorded operations: on and off by administrators, read by staff (R-INTRUSION). */
#include "config.h"

#include <string.h>

#include "gate.h"
#include "grant.h"
#include "lockdown_admin.h"
#include "util.h"

fk_status fk_lockdown_set(fk_ctx *ctx, int on, const char *reason, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = on ? FK_OP_LOCKDOWN_ON : FK_OP_LOCKDOWN_OFF};
	fk_status s = fk_gate_begin(ctx, &g, &r, ctx->cfg.terminal_id, err);
	if (s != FK_OK)
		return s;
	fk_lockdown ld;
	/* Read under the gate's write lock: nobody turns it on or off in between. */
	/* One line: it is shown on every sign-in screen. */
	if ((s = fk_reason_check(reason, FK_LOCKDOWN_REASON_MAX, err)) == FK_OK)
		s = fk_lockdown_get(ctx, &ld, err);
	if (s == FK_OK && ld.on == on)
		s = fk_fail(err, FK_ERR_EXISTS, "the lockdown is already %s", on ? "on" : "off");
	if (s == FK_OK) {
		ld.on = on;
		ld.since = fk_ctx_now(ctx) / 1000000000;
		fk_copy_str(ld.by, sizeof ld.by, ctx->actor.user);
		fk_copy_str(ld.reason, sizeof ld.reason, reason);
		s = fk_lockdown_put(ctx, &ld, err);
	}
	/* The reason is in the sealed detail: it is the administrator's account of an incident. */
	return fk_gate_end(ctx, &g, s, s == FK_OK ? reason : NULL, err);
}

fk_status fk_lockdown_status(fk_ctx *ctx, fk_lockdown *out, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_LOCKDOWN_VIEW};
	fk_status s = fk_gate_begin(ctx, &g, &r, ctx->cfg.terminal_id, err);
	if (s != FK_OK)
		return s;
	s = fk_lockdown_get(ctx, out, err);
	return fk_gate_end(ctx, &g, s, out->on ? "on" : "off", err);
}
