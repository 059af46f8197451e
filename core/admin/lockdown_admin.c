/* The lockdown as recorded operations: on and off by administrators, read by staff (R-INTRUSION). */
#include "config.h"

#include <string.h>

#include "gate.h"
#include "norm.h"
#include "lockdown_admin.h"
#include "util.h"

/* One line of text: it is shown on every sign-in screen. */
static fk_status reason_ok(const char *reason, fk_error *err)
{
	size_t n = reason ? strlen(reason) : 0;
	if (n == 0)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_REASON_REQUIRED, NULL, 0);
	if (n > FK_LOCKDOWN_REASON_MAX || !fk_utf8_valid(reason, n))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_REASON_TOO_LONG, NULL, FK_LOCKDOWN_REASON_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_REASON_ONE_LINE, NULL, 0);
	return FK_OK;
}

fk_status fk_lockdown_set(fk_ctx *ctx, int on, const char *reason, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = on ? FK_OP_LOCKDOWN_ON : FK_OP_LOCKDOWN_OFF};
	fk_status s = fk_gate_begin(ctx, &g, &r, ctx->cfg.terminal_id, err);
	if (s != FK_OK)
		return s;
	fk_lockdown ld;
	/* Read under the gate's write lock: nobody turns it on or off in between. */
	if ((s = reason_ok(reason, err)) == FK_OK)
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
