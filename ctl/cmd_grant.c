/* fukuhonctl grant | revoke | grants | permissions (R-FILES, R-JURIS, R-ACCESS, R-LOG). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* A date alone is a day of Japan, read by the core's one parser as the console's grant dialog
 * reads it (tui/grants.c): --from from that day's start, --until through the whole of that day
 * (an exclusive end at the next day's start, JST), so that "until the 31st" never ends at 09:00
 * on the 31st. A time (YYYY-MM-DDTHH:MM[:SS][Z]) stays UTC, as before. */
static int parse_date(const char *what, const char *s, int end_of_day, int64_t *ns)
{
	fk_error err;
	if (!s)
		return 0;
	/* A date in any of the forms people in Japan write (2026-12-31, 2026/12/31, 令和8年12月31日,
	 * R8.12.31) is a day of Japan; only an ISO time with its T is UTC. */
	int utc_time = s[0] >= '0' && s[0] <= '9' && strchr(s, 'T');
	fk_status st = utc_time ? fk_parse_time(s, ns, &err) : fk_parse_jst(s, end_of_day, ns, &err);
	if (st != FK_OK)
		return ctl_usage("--%s: %s", what, err.msg), -1;
	return 0;
}

int cmd_grant(ctl *c, int argc, char **argv)
{
	const char *muni = NULL, *all = NULL, *kind = NULL, *rights = NULL, *from = NULL,
		   *until = NULL, *reason = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"municipality", 1, &muni}, {"all", 0, &all}, {"kind", 1, &kind},
				 {"rights", 1, &rights}, {"from", 1, &from}, {"until", 1, &until},
				 {"reason", 1, &reason}};
	if (ctl_parse(argc, argv, opts, 7, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1 || !kind || !rights || !reason || !muni == !all)
		return ctl_usage("usage: grant USER --municipality CODE|--all --kind KIND[,KIND] "
				 "--rights RIGHT[,RIGHT] [--from DATE] [--until DATE] --reason TEXT");
	fk_grant_spec g = {pos[0], muni, 0, 0, 0, 0, reason};
	fk_error err;
	if (fk_kinds_parse(kind, &g.kinds, &err) != FK_OK ||
	    fk_rights_parse(rights, &g.rights, &err) != FK_OK)
		return ctl_usage("%s", err.msg);
	if (parse_date("from", from, 0, &g.valid_from) || parse_date("until", until, 1, &g.valid_until))
		return CTL_USAGE;
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	int64_t id;
	if (fk_grant_add(ctx, &g, &id, &err) != FK_OK) {
		rc = ctl_fail(&err);
	} else {
		char k[64], r[64];
		fk_kinds_format(g.kinds, k, sizeof k);
		fk_rights_format(g.rights, r, sizeof r);
		printf("grant %lld: %s may %s %s in %s\n", (long long)id, pos[0], r, k,
		       muni ? muni : "every municipality of its bureau");
	}
	return rc;
}

int cmd_revoke(ctl *c, int argc, char **argv)
{
	const char *reason = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"reason", 1, &reason}};
	int rc = ctl_id_open(c, argc, argv, opts, 1, "revoke GRANT-ID --reason TEXT", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	if (fk_grant_revoke(ctx, id, reason, &err) != FK_OK)
		rc = ctl_fail(&err);
	else
		printf("revoked grant %lld\n", (long long)id);
	return rc;
}

static json_t *list_json(unsigned bits, int kinds)
{
	json_t *a = json_array();
	for (int i = 0; i < 4; i++)
		if (bits & (1u << i)) {
			char buf[16];
			if (kinds)
				json_array_append_new(a, json_string(fk_file_kind_id(i + 1)));
			else {
				fk_rights_format(1u << i, buf, sizeof buf);
				json_array_append_new(a, json_string(buf));
			}
		}
	return a;
}

static int print_grant(const fk_grant *g, void *arg)
{
	json_t *arr = arg;
	if (arr) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:s}",
			"id", (json_int_t)g->id, "user", g->user, "bureau", g->bureau,
			"municipality", g->municipality[0] ? json_string(g->municipality) : json_null(),
			"municipality_name", g->muni_name, "kinds", list_json(g->kinds, 1),
			"rights", list_json(g->rights, 0), "from", ctl_time_json(g->valid_from),
			"until", ctl_time_json(g->valid_until), "granted_by", g->granted_by,
			"granted_at", ctl_time_json(g->granted_at), "reason", g->reason,
			"state", fk_grant_state_id(g->state));
		if (o && g->revoked_at)
			json_object_set_new(o, "revoked", json_pack("{s:o, s:s, s:s}", "at",
				ctl_time_json(g->revoked_at), "by", g->revoked_by, "reason", g->revoke_reason));
		json_array_append_new(arr, o);
		return 0;
	}
	char k[64], r[64], u[32] = "-";
	fk_kinds_format(g->kinds, k, sizeof k);
	fk_rights_format(g->rights, r, sizeof r);
	if (g->valid_until)
		fk_fmt_utc(g->valid_until, u, sizeof u);
	printf("%-6lld", (long long)g->id);
	ctl_put(stdout, g->user, 14);
	ctl_put(stdout, g->municipality[0] ? g->muni_name : "(all)", 14);
	ctl_put(stdout, k, 30);
	ctl_put(stdout, r, 26);
	ctl_put(stdout, u, 22);
	ctl_put(stdout, fk_grant_state_id(g->state), 9);
	ctl_put(stdout, g->reason, 0);
	putchar('\n');
	return 0;
}

int cmd_grants(ctl *c, int argc, char **argv)
{
	const char *user = NULL, *bureau = NULL, *json = NULL, *active = NULL, *expiring = NULL,
		   *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"user", 1, &user}, {"bureau", 1, &bureau}, {"json", 0, &json},
				 {"active", 0, &active}, {"expiring", 1, &expiring}};
	if (ctl_parse(argc, argv, opts, 5, pos, 0, &npos) != 0)
		return CTL_USAGE;
	char *end = NULL;
	long days = expiring ? strtol(expiring, &end, 10) : 0;
	if (expiring && (!*expiring || *end || days < 0 || days > 3660))
		return ctl_usage("--expiring takes a number of days (0-3660)");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_bureau b = {0};
	int swept;
	fk_status s = fk_grant_sweep_expired(ctx, &swept, &err);
	if (s == FK_OK && bureau)
		s = fk_bureau_find(ctx, bureau, &b, &err);
	json_t *arr = json ? json_array() : NULL;
	fk_grant_filter f = {user, b.id, active != NULL, 0};
	if (s == FK_OK)
		s = expiring ? fk_grant_expiring(ctx, b.id, (int)days, print_grant, arr, &err)
			     : fk_grant_list(ctx, &f, print_grant, arr, &err);
	rc = ctl_list_done(s, &err, arr);
	return rc;
}

int cmd_permissions(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	if (ctl_parse(argc, argv, opts, 1, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage("usage: permissions USER [--json]");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_perm_matrix m;
	if (fk_grant_matrix(ctx, pos[0], &m, &err) != FK_OK)
		return ctl_fail(&err);
	json_t *arr = json ? json_array() : NULL;
	for (int i = 0; i < m.n; i++) {
		const fk_perm_row *row = &m.rows[i];
		unsigned any = row->rights[0] | row->rights[1] | row->rights[2] | row->rights[3];
		if (!any)
			continue; /* only what the operator may do */
		json_t *kinds = arr ? json_object() : NULL;
		if (!arr) {
			fputs(row->municipality, stdout);
			putchar(' ');
			ctl_put(stdout, row->name, 14);
		}
		for (int k = 0; k < FK_FILE_KINDS; k++) {
			char r[64];
			fk_rights_format(row->rights[k], r, sizeof r);
			if (arr)
				json_object_set_new(kinds, fk_file_kind_id(k + 1), list_json(row->rights[k], 0));
			else if (row->rights[k])
				printf(" %s=%s", fk_file_kind_id(k + 1), r);
		}
		if (arr)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "municipality",
				row->municipality, "name", row->name, "rights", kinds));
		else
			putchar('\n');
	}
	fk_perm_matrix_free(&m);
	return arr ? ctl_print_json(arr) : CTL_OK;
}
