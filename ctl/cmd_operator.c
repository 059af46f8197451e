/* fukuhonctl operator add | list | enable | disable (R-ENROL). */
#include "config.h"

#include <string.h>

#include "ctl.h"

int cmd_operator_add(ctl *c, int argc, char **argv)
{
	const char *role = NULL, *bureau = NULL, *name = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"role", 1, &role}, {"bureau", 1, &bureau}, {"name", 1, &name}};
	if (ctl_parse(argc, argv, opts, 3, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1 || !role || !bureau)
		return ctl_usage("usage: operator add USER --role ROLE --bureau NAME [--name DISPLAY]");
	int r = fk_role_parse(role);
	if (r < 0)
		return ctl_usage("unknown role '%s': operator, supervisor, auditor or administrator", role);
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t id;
	if (fk_operator_add(ctx, pos[0], (fk_role)r, bureau, name, &id, &err) != FK_OK)
		rc = ctl_fail(&err);
	else
		printf("enrolled %s as %s of %s\n", pos[0], fk_role_id((fk_role)r), bureau);
	return rc;
}

static int print_op(const fk_operator *op, void *arg)
{
	json_t *arr = arg;
	if (arr) {
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b}", "user", op->username,
			"name", op->display, "role", fk_role_id(op->role), "bureau", op->bureau,
			"enabled", op->enabled));
		return 0;
	}
	ctl_put(stdout, op->username, 16);
	ctl_put(stdout, fk_role_id(op->role), 15);
	ctl_put(stdout, op->bureau, 18);
	ctl_put(stdout, op->enabled ? "enabled " : "disabled", 10);
	ctl_put(stdout, op->display, 0);
	putchar('\n');
	return 0;
}

int cmd_operator_list(ctl *c, int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	json_t *arr;
	int rc = ctl_list_open(c, argc, argv, NULL, &ctx, &arr);
	if (rc != CTL_OK)
		return rc;
	/* The listing through the gate: recorded first, refused for operators. */
	return ctl_list_done(fk_people_list(ctx, print_op, arr, &err), &err, arr);
}

static int set_enabled(ctl *c, int argc, char **argv, int enabled)
{
	const char *pos[1];
	int npos;
	if (ctl_parse(argc, argv, NULL, 0, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage("usage: operator %s USER", enabled ? "enable" : "disable");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	if (fk_operator_set_enabled(ctx, pos[0], enabled, &err) != FK_OK)
		rc = ctl_fail(&err);
	else
		printf("%s %s\n", enabled ? "enabled" : "disabled", pos[0]);
	return rc;
}

int cmd_operator_enable(ctl *c, int argc, char **argv)
{
	return set_enabled(c, argc, argv, 1);
}

int cmd_operator_disable(ctl *c, int argc, char **argv)
{
	return set_enabled(c, argc, argv, 0);
}
