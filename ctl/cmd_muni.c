/* fukuhonctl request return | request dispose-municipality | dispose-municipality: a whole
 * municipality's data returned to it and disposed of (R-DISPOSE 8(1)ク; docs/disposal.md). */
#include "config.h"

#include <libintl.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define _(s) gettext(s)

static int request_muni(ctl *c, int argc, char **argv, fk_req_kind kind)
{
	const char *muni = NULL, *after = NULL, *reason = NULL, *pos[1];
	int npos;
	int64_t ret = 0;
	struct ctl_opt opts[] = {{"municipality", 1, &muni}, {"reason", 1, &reason}, {"after-return", 1, &after}};
	const char *usage = kind == FK_REQ_RETURN ? "usage: request return --municipality CODE --reason TEXT"
		: "usage: request dispose-municipality --municipality CODE [--after-return ID] --reason TEXT";
	if (ctl_parse(argc, argv, opts, kind == FK_REQ_RETURN ? 2 : 3, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (!muni || !reason || (after && ctl_parse_id(after, &ret) != 0))
		return ctl_usage("%s", usage);
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t id;
	if (fk_request_make_municipality(ctx, kind, muni, ret, reason, &id, &err) != FK_OK)
		return ctl_fail(&err);
	printf(_("request %lld: %s of municipality %s, waiting for a supervisor's approval\n"), (long long)id,
	       fk_req_kind_id(kind), muni);
	return CTL_OK;
}

int cmd_request_return(ctl *c, int argc, char **argv) { return request_muni(c, argc, argv, FK_REQ_RETURN); }
int cmd_request_dispose_muni(ctl *c, int argc, char **argv) { return request_muni(c, argc, argv, FK_REQ_DISPOSE_MUNI); }

int cmd_dispose_muni(ctl *c, int argc, char **argv)
{
	const char *json = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	int rc = ctl_id_open(c, argc, argv, opts, 1, "dispose-municipality REQUEST-ID [--json]", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_muni_dispose_result r;
	if (fk_muni_dispose_execute(ctx, id, &r, &err) != FK_OK)
		return ctl_fail(&err);
	if (json)
		rc = ctl_print_json(json_pack("{s:I, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:I, s:s}",
			"request", (json_int_t)id, "municipality", r.municipality, "continued", r.resumed,
			"registers", (json_int_t)r.registers, "versions", (json_int_t)r.versions,
			"search_tags", (json_int_t)r.tags, "list_chunks", (json_int_t)r.lists,
			"ledger_entries", (json_int_t)r.ledger, "documents", (json_int_t)r.documents,
			"batches", r.batches, "ms", (json_int_t)r.ms, "worst_batch_ms", (json_int_t)r.worst_batch_ms,
			"warning", r.warning));
	else
		printf(_("request %lld carried out: municipality %s disposed of: %lld register(s) (their keys "
			 "destroyed, %lld version(s) emptied), %lld ledger entr(ies) and %lld document(s) "
			 "deleted, in %d short transaction(s)\n"), (long long)id, r.municipality,
		       (long long)r.registers, (long long)r.versions, (long long)r.ledger,
		       (long long)r.documents, r.batches);
	if (r.warning[0]) {
		fputs("fukuhonctl: ", stderr);
		ctl_put(stderr, r.warning, 0);
		fputc('\n', stderr);
	}
	return rc;
}

int cmd_muni_reopen(ctl *c, int argc, char **argv)
{
	const char *reason = NULL, *json = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"reason", 1, &reason}, {"json", 0, &json}};
	if (ctl_parse(argc, argv, opts, 2, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1 || !reason)
		return ctl_usage("%s", "usage: municipality reopen CODE --reason TEXT [--json]");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_reopen_result r;
	if (fk_muni_reopen(ctx, pos[0], reason, &r, &err) != FK_OK)
		return ctl_fail(&err);
	if (json)
		return ctl_print_json(json_pack("{s:s, s:I, s:I, s:I}", "municipality", pos[0],
			"old_key", (json_int_t)r.old_key, "new_key", (json_int_t)r.new_key,
			"references_released", (json_int_t)r.refs));
	printf(_("municipality %s re-opened: a new data key, %lld reference(s) of disposed registers "
		 "released; it receives packages again\n"), pos[0], (long long)r.refs);
	return CTL_OK;
}
