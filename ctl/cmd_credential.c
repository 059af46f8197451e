/* fukuhonctl credential add | revoke | list: the credentials scripts sign in with (R-AUTH, R-ACCESS). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"

/* The command named by the words [b, e) (spaces around them ignored); NULL when none is. */
static const ctl_cmd *find_command(const char *b, const char *e)
{
	while (b < e && *b == ' ')
		b++;
	while (e > b && e[-1] == ' ')
		e--;
	for (const ctl_cmd *c = ctl_commands; c->name; c++)
		if (strlen(c->name) == (size_t)(e - b) && !strncmp(c->name, b, (size_t)(e - b)))
			return c;
	return NULL;
}

/* Every entry of list must be a command that signs a person in (a public one needs no
 * credential) and not a credential command; the core checks the list's form again. */
static int check_commands(const char *list)
{
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		const ctl_cmd *c = find_command(p, p + n);
		if (!c)
			return ctl_usage("unknown command '%.*s' in --commands (see fukuhonctl --help)",
					 (int)(n > 60 ? 60 : n), p);
		if (c->access != CTL_PERSON)
			return ctl_usage("'%s' needs no credential: anyone may run it", c->name);
		if (!strncmp(c->name, "credential ", 11))
			return ctl_usage("a credential may not run '%s'", c->name);
		if (!p[n])
			return CTL_OK;
		p += n + 1;
	}
}

int cmd_credential_add(ctl *c, int argc, char **argv)
{
	const char *as = NULL, *list = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"as", 1, &as}, {"commands", 1, &list}};
	if (ctl_parse(argc, argv, opts, 2, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1 || !as || !list)
		return ctl_usage("usage: credential add NAME --as USER --commands COMMAND[,COMMAND]");
	int rc = check_commands(list);
	if (rc != CTL_OK)
		return rc;
	fk_ctx *ctx;
	if ((rc = ctl_open(c, &ctx)) != CTL_OK)
		return rc;
	fk_error err;
	if (fk_credential_add(ctx, pos[0], as, list, &err) != FK_OK)
		return ctl_fail(&err);
	printf("made credential %s for %s\n  file: %s/%s/%s\n", pos[0], as, ctx->cfg.key_dir,
	       FK_CRED_FOLDER, pos[0]);
	printf("A script runs: fukuhonctl --credential %s COMMAND (only the listed commands)\n", pos[0]);
	return CTL_OK;
}

int cmd_credential_revoke(ctl *c, int argc, char **argv)
{
	const char *pos[1];
	int npos;
	if (ctl_parse(argc, argv, NULL, 0, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage("usage: credential revoke NAME");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	if (fk_credential_revoke(ctx, pos[0], &err) != FK_OK)
		return ctl_fail(&err);
	printf("revoked credential %s\n", pos[0]);
	return CTL_OK;
}

static int print_cred(const fk_credential *cr, void *arg)
{
	json_t *arr = arg;
	char made[32], revoked[32] = "-";
	fk_fmt_utc(cr->created_at, made, sizeof made);
	if (cr->revoked)
		fk_fmt_utc(cr->revoked_at, revoked, sizeof revoked);
	if (arr) {
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "name", cr->name,
			"user", cr->user, "commands", cr->commands, "created_by", cr->created_by, "created_at", made,
			"revoked", cr->revoked, "revoked_at", revoked, "revoked_by", cr->revoked_by));
		return 0;
	}
	ctl_put(stdout, cr->name, 18);
	ctl_put(stdout, cr->user, 16);
	ctl_put(stdout, cr->created_by, 16);
	ctl_put(stdout, made, 22);
	ctl_put(stdout, cr->revoked ? revoked : "-", 22);
	ctl_put(stdout, cr->commands, 0);
	putchar('\n');
	return 0;
}

int cmd_credential_list(ctl *c, int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	json_t *arr;
	int rc = ctl_list_open(c, argc, argv, "NAME              FOR             MADE BY         "
			       "MADE (UTC)            REVOKED (UTC)         COMMANDS\n", &ctx, &arr);
	return rc != CTL_OK ? rc : ctl_list_done(fk_credential_list(ctx, print_cred, arr, &err), &err, arr);
}
