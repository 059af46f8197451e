/* fukuhonctl lockout list | unlock (R-LOCKOUT): see and clear sign-in lockouts (supervisors and
 * administrators, through the gate: the listing and each unlock recorded). */
#include "config.h"

#include <stdio.h>

#include "ctl.h"

static void until_text(const fk_lockout_row *r, char *buf, size_t len)
{
	if (!r->locked)
		snprintf(buf, len, "-");
	else if (r->locked_until == FK_LOCK_FOREVER)
		snprintf(buf, len, "until-unlocked");
	else
		fk_fmt_utc(r->locked_until, buf, len);
}

static int print_row(const fk_lockout_row *r, void *arg)
{
	json_t *arr = arg;
	char last[32], until[32];
	fk_fmt_utc(r->last_failure, last, sizeof last);
	until_text(r, until, sizeof until);
	if (arr) {
		json_array_append_new(arr, json_pack("{s:s, s:b, s:i, s:s, s:s, s:s, s:i}", "user", r->user,
			"known", r->user[0] != '?', "failures", r->failures, "last_failure", last,
			"last_terminal", r->last_terminal, "locked_until", until, "locks", r->lock_count));
		return 0;
	}
	ctl_put(stdout, r->user, 26);
	printf("%-9d", r->failures);
	ctl_put(stdout, last, 22);
	ctl_put(stdout, r->last_terminal, 18);
	ctl_put(stdout, until, 22);
	printf("%d\n", r->lock_count);
	return 0;
}

int cmd_lockout_list(ctl *c, int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	json_t *arr;
	int rc = ctl_list_open(c, argc, argv, "USER                      FAILURES LAST FAILURE (UTC)    "
			       "TERMINAL          LOCKED UNTIL (UTC)    LOCKS\n", &ctx, &arr);
	return rc != CTL_OK ? rc : ctl_list_done(fk_access_lockouts(ctx, print_row, arr, &err), &err, arr);
}

int cmd_lockout_unlock(ctl *c, int argc, char **argv)
{
	const char *reason = NULL, *user;
	struct ctl_opt opts[] = {{"reason", 1, &reason}};
	fk_ctx *ctx;
	int rc = ctl_name_open(c, argc, argv, opts, 1, "lockout unlock USER --reason TEXT", &user, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	if (fk_lockout_unlock(ctx, user, reason, &err) != FK_OK)
		rc = ctl_fail(&err);
	else
		printf("unlocked %s\n", user);
	return rc;
}
