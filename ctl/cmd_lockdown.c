/* fukuhonctl lockdown on | off | status: suspend every sign-in but administrators' at once (R-INTRUSION). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int change(ctl *c, int argc, char **argv, int on)
{
	const char *reason = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"reason", 1, &reason}};
	if (ctl_parse(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (!reason)
		return ctl_usage("usage: lockdown %s --reason TEXT", on ? "on" : "off");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	if (fk_lockdown_set(ctx, on, reason, &err) != FK_OK)
		return ctl_fail(&err);
	if (on)
		printf("lockdown ON: every sign-in but administrators' is refused, and open consoles "
		       "sign out within seconds\n");
	else
		printf("lockdown OFF: sign-ins are allowed again\n");
	return CTL_OK;
}

int cmd_lockdown_on(ctl *c, int argc, char **argv)
{
	return change(c, argc, argv, 1);
}

int cmd_lockdown_off(ctl *c, int argc, char **argv)
{
	return change(c, argc, argv, 0);
}

int cmd_lockdown_status(ctl *c, int argc, char **argv)
{
	fk_ctx *ctx;
	json_t *arr; /* non-NULL: --json (the state is one object, not a list) */
	int rc = ctl_list_open(c, argc, argv, NULL, &ctx, &arr);
	if (rc != CTL_OK)
		return rc;
	int json = arr != NULL;
	json_decref(arr);
	fk_error err;
	fk_lockdown ld;
	if (fk_lockdown_status(ctx, &ld, &err) != FK_OK)
		return ctl_fail(&err);
	if (json) {
		int w;
		char *reason = fk_disp_dup(ld.reason, 0, &w);
		rc = ctl_print_json(json_pack("{s:b, s:o, s:s, s:s}", "on", ld.on,
					      "since", ctl_time_json(ld.since * 1000000000), "by", ld.by,
					      "reason", reason ? reason : "?"));
		free(reason);
		return rc;
	}
	if (!ld.since) {
		printf("lockdown off (never turned on)\n");
		return CTL_OK;
	}
	char when[40];
	fk_fmt_utc(ld.since * 1000000000, when, sizeof when);
	printf("lockdown %s since %s by ", ld.on ? "ON" : "off", when);
	ctl_put(stdout, ld.by, 0);
	fputs(": ", stdout);
	ctl_put(stdout, ld.reason, 0);
	putchar('\n');
	return CTL_OK;
}
