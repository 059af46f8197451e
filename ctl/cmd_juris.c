/* fukuhonctl jurisdiction assign | import | office add (R-JURIS): which office manages which
 * municipality, changed by administrators with a reason, each change recorded (jurisdiction
 * list is with the other lists of municipalities, cmd_ref.c). */
#include "config.h"

#include <libintl.h>
#include <stdio.h>

#include "ctl.h"

#define _(s) gettext(s)

int cmd_juris_assign(ctl *c, int argc, char **argv)
{
	const char *office = NULL, *reason = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"office", 1, &office}, {"reason", 1, &reason}};
	if (ctl_parse(argc, argv, opts, 2, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1 || !office || !reason)
		return ctl_usage("usage: jurisdiction assign CODE --office NAME --reason TEXT");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_juris_move mv;
	if (fk_jurisdiction_assign(ctx, pos[0], office, reason, &mv, &err) != FK_OK)
		return ctl_fail(&err);
	printf("%s: ", mv.code);
	ctl_put(stdout, mv.from, 0);
	fputs(" -> ", stdout);
	ctl_put(stdout, mv.to, 0);
	fputs(mv.changed ? _(" (assigned)\n") : _(" (unchanged: already that office's)\n"), stdout);
	if (mv.idle_grants)
		printf(_("%d grants in force name it for people of another office: they no longer apply "
			 "(revoke them with fukuhonctl revoke)\n"), mv.idle_grants);
	return CTL_OK;
}

static void print_problem(int line, const char *code, const char *office, fk_juris_problem p,
			  void *arg)
{
	(void)arg;
	fprintf(stderr, _("line %d: "), line);
	ctl_put(stderr, code, 0);
	if (office && *office) {
		fputc(' ', stderr);
		ctl_put(stderr, office, 0);
	}
	fprintf(stderr, ": %s [%s]\n", _(fk_juris_problem_text(p)), fk_juris_problem_id(p));
}

int cmd_juris_import(ctl *c, int argc, char **argv)
{
	const char *reason = NULL, *file;
	struct ctl_opt opts[] = {{"reason", 1, &reason}};
	fk_ctx *ctx;
	int rc = ctl_name_open(c, argc, argv, opts, 1, "jurisdiction import FILE --reason TEXT", &file, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_juris_report rep;
	if (fk_jurisdiction_import(ctx, file, reason, print_problem, NULL, &rep, &err) != FK_OK)
		return ctl_fail(&err);
	printf(_("%d lines: %d municipalities assigned to another office, %d unchanged\n"), rep.lines,
	       rep.changed, rep.unchanged);
	if (rep.idle_grants)
		printf(_("%d grants in force name a moved municipality for people of another office: "
			 "they no longer apply (revoke them with fukuhonctl revoke)\n"), rep.idle_grants);
	return CTL_OK;
}

int cmd_juris_office_add(ctl *c, int argc, char **argv)
{
	const char *parent = NULL, *kana = NULL, *reason = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"parent", 1, &parent}, {"kana", 1, &kana}, {"reason", 1, &reason}};
	if (ctl_parse(argc, argv, opts, 3, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1 || !parent || !reason)
		return ctl_usage("usage: jurisdiction office add NAME --parent NAME [--kana KANA] --reason TEXT");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t id;
	if (fk_jurisdiction_office_add(ctx, pos[0], kana, parent, reason, &id, &err) != FK_OK)
		return ctl_fail(&err);
	printf(_("office %lld added: "), (long long)id);
	ctl_put(stdout, pos[0], 0);
	fputs(_(" (支局 of "), stdout);
	ctl_put(stdout, parent, 0);
	fputs(_("); assign its municipalities with fukuhonctl jurisdiction assign\n"), stdout);
	return CTL_OK;
}
