/* fukuhonctl request | requests | approve | reject | print | dispose: the four-eyes workflow
 * (R-APPROVE, R-PRINT, R-DISPOSE; docs/approvals.md, docs/disposal.md). */
#include "config.h"

#include <libintl.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define _(s) gettext(s)

/* "12", "12,13" in any number of words. */
static int add_ids(const char *word, int64_t *ids, int *n)
{
	char *buf = strdup(word);
	int rc = buf ? 0 : -1;
	for (char *save = NULL, *t = buf ? strtok_r(buf, ",", &save) : NULL; t && !rc;
	     t = strtok_r(NULL, ",", &save)) {
		if (*n == FK_REQ_ITEMS_MAX || ctl_parse_id(t, &ids[*n]) != 0)
			rc = -1;
		else
			(*n)++;
	}
	free(buf);
	return rc;
}

static int request_kind(ctl *c, int argc, char **argv, fk_req_kind kind)
{
	const char *reg = NULL, *reason = NULL, **pos = calloc(FK_REQ_ITEMS_MAX, sizeof *pos);
	int64_t *ids = calloc(FK_REQ_ITEMS_MAX, sizeof *ids);
	int npos = 0, n = 0, rc = CTL_OK;
	struct ctl_opt opts[] = {{"register", 1, &reg}, {"reason", 1, &reason}};
	if (!pos || !ids)
		rc = ctl_fail(&(fk_error){.code = FK_ERR_NOMEM, .msg = "out of memory"});
	else if (ctl_parse(argc, argv, opts, 2, pos, FK_REQ_ITEMS_MAX, &npos) != 0)
		rc = CTL_USAGE;
	/* --register takes the first id; the ids after it follow as words of their own. */
	else if (!reg || !reason || add_ids(reg, ids, &n) != 0)
		rc = ctl_usage("usage: request %s --register ID... --reason TEXT", fk_req_kind_id(kind));
	for (int i = 0; rc == CTL_OK && i < npos; i++)
		if (add_ids(pos[i], ids, &n) != 0)
			rc = ctl_usage("'%s' is not a register id", pos[i]);
	fk_ctx *ctx;
	if (rc == CTL_OK && (rc = ctl_open(c, &ctx)) == CTL_OK) {
		fk_error err;
		int64_t id;
		if (fk_request_make(ctx, kind, ids, n, reason, &id, &err) != FK_OK)
			rc = ctl_fail(&err);
		else
			printf(_("request %lld: %s of %d register(s), waiting for a supervisor's approval\n"),
			       (long long)id, fk_req_kind_id(kind), n);
	}
	free(pos);
	free(ids);
	return rc;
}

int cmd_request_print(ctl *c, int argc, char **argv) { return request_kind(c, argc, argv, FK_REQ_PRINT); }
int cmd_request_export(ctl *c, int argc, char **argv) { return request_kind(c, argc, argv, FK_REQ_EXPORT); }
int cmd_request_dispose(ctl *c, int argc, char **argv) { return request_kind(c, argc, argv, FK_REQ_DISPOSE); }

/* A print's copies left in the spool, each with how it stands (resend.h): one a re-send left
 * when it died is "interrupted", for the operator to send it again. Read after the list's own
 * decision and record, as the console's detail reads them; only the requester's own. */
static json_t *spooled_json(fk_ctx *ctx, const fk_request *r)
{
	int n = 0;
	fk_error err;
	json_t *a = json_array();
	fk_spooled *v = calloc(FK_REQ_ITEMS_MAX_PRINT, sizeof *v);
	if (v && a && fk_print_spooled(ctx, r->id, v, FK_REQ_ITEMS_MAX_PRINT, &n, &err) == FK_OK)
		for (int i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "number", v[i].number, "state",
							   fk_spool_state_id(v[i].state), "interrupted",
							   v[i].state == FK_SPOOL_INTERRUPTED));
	free(v);
	return a;
}

typedef struct list_arg {
	fk_ctx *ctx;
	json_t *arr;
} list_arg;

static int print_request(const fk_request *r, void *arg)
{
	list_arg *la = arg;
	json_t *arr = la->arr;
	if (arr) {
		json_t *items = json_array();
		for (int i = 0; i < r->n_items; i++)
			json_array_append_new(items, json_pack("{s:I, s:i}", "register", (json_int_t)r->items[i].register_id,
							       "version", r->items[i].version));
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)r->id,
			"kind", fk_req_kind_id(r->kind), "state", fk_req_state_id(r->state),
			"requester", r->requester, "reason", r->reason, "created", ctl_time_json(r->created_at),
			"registers", items);
		if (o && r->municipality[0])
			json_object_set_new(o, "municipality", json_string(r->municipality));
		if (o && r->after_return)
			json_object_set_new(o, "after_return", json_integer((json_int_t)r->after_return));
		if (o && r->decided_at)
			json_object_set_new(o, "decision", json_pack("{s:s, s:o, s:s, s:o}", "by", r->decided_by,
				"at", ctl_time_json(r->decided_at), "reason", r->decision_reason,
				"valid_until", ctl_time_json(r->valid_until)));
		if (o && r->executed_at)
			json_object_set_new(o, "executed", ctl_time_json(r->executed_at));
		if (o && r->kind == FK_REQ_PRINT && r->state == FK_REQ_EXECUTED)
			json_object_set_new(o, "spooled", spooled_json(la->ctx, r));
		json_array_append_new(arr, o);
		return 0;
	}
	char when[32], regs[64];
	fk_fmt_utc(r->created_at, when, sizeof when);
	if (r->n_items > 0)
		snprintf(regs, sizeof regs, "%lld%s", (long long)r->items[0].register_id, r->n_items > 1 ? ",…" : "");
	else /* a whole municipality */
		snprintf(regs, sizeof regs, "%s", r->municipality);
	printf("%-6lld", (long long)r->id);
	ctl_put(stdout, fk_req_kind_id(r->kind), 9);
	ctl_put(stdout, fk_req_state_id(r->state), 10);
	ctl_put(stdout, r->requester, 12);
	ctl_put(stdout, r->decided_by[0] ? r->decided_by : "-", 12);
	printf("%-5d", r->n_items);
	ctl_put(stdout, regs, 14);
	ctl_put(stdout, when, 22);
	ctl_put(stdout, r->reason, 0);
	putchar('\n');
	return 0;
}

int cmd_requests(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *mine = NULL, *waiting = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}, {"mine", 0, &mine}, {"waiting", 0, &waiting}};
	if (ctl_parse(argc, argv, opts, 3, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (mine && waiting)
		return ctl_usage("usage: requests [--mine | --waiting] [--json]");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	list_arg la = {.ctx = ctx, .arr = json ? json_array() : NULL};
	if (!json)
		printf("%-6s%-9s%-10s%-12s%-12s%-5s%-14s%-22s%s\n", "ID", "KIND", "STATE", "REQUESTER",
		       "DECIDED-BY", "N", "REGISTERS", "MADE", "REASON");
	fk_error err;
	fk_status s = fk_request_list(ctx, mine ? FK_REQ_LIST_MINE : waiting ? FK_REQ_LIST_WAITING
				      : FK_REQ_LIST_DEFAULT, 1000, print_request, &la, &err);
	return ctl_list_done(s, &err, la.arr);
}

static int decide(ctl *c, int argc, char **argv, int approve)
{
	const char *reason = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"reason", 1, &reason}};
	int rc = ctl_id_open(c, argc, argv, opts, 1, approve ? "approve REQUEST-ID --reason TEXT"
			     : "reject REQUEST-ID --reason TEXT", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	if (fk_request_decide(ctx, id, approve, reason, &err) != FK_OK)
		return ctl_fail(&err);
	printf(approve ? _("request %lld approved\n") : _("request %lld rejected\n"), (long long)id);
	return CTL_OK;
}

int cmd_approve(ctl *c, int argc, char **argv) { return decide(c, argc, argv, 1); }
int cmd_reject(ctl *c, int argc, char **argv) { return decide(c, argc, argv, 0); }

int cmd_print(ctl *c, int argc, char **argv)
{
	const char *json = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	int rc = ctl_id_open(c, argc, argv, opts, 1, "print REQUEST-ID [--json]", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_print_result r;
	if (fk_print_execute(ctx, id, &r, &err) != FK_OK)
		return ctl_fail(&err);
	if (json) {
		json_t *a = json_array();
		for (int i = 0; i < r.n; i++)
			json_array_append_new(a, json_pack("{s:s, s:I, s:i, s:i, s:s, s:s, s:i}", "number",
				r.copies[i].number, "register", (json_int_t)r.copies[i].register_id,
				"version", r.copies[i].version, "pages", r.copies[i].pages, "file",
				r.copies[i].path, "sha256", r.copies[i].sha256, "printer_job",
				r.copies[i].printer_job));
		rc = ctl_print_json(json_pack("{s:I, s:o, s:I, s:s, s:i, s:i, s:s}", "request", (json_int_t)id,
					      "copies", a, "ms", (json_int_t)r.ms, "warning", r.warning,
					      "sent", r.sent, "unsent", r.unsent, "printer_said", r.printer_said));
	} else {
		for (int i = 0; i < r.n; i++) {
			printf(_("%s: register %lld version %d, %d page(s): "), r.copies[i].number,
			       (long long)r.copies[i].register_id, r.copies[i].version, r.copies[i].pages);
			if (r.copies[i].printer_job > 0)
				printf(_("printer job %d"), r.copies[i].printer_job);
			else
				ctl_put(stdout, r.copies[i].path, 0);
			putchar('\n');
		}
	}
	if (r.unsent > 0) {
		/* the printer's words are data from the network: cleaned before they are shown */
		char said[4 * sizeof r.printer_said];
		fk_disp_clean(r.printer_said, said, sizeof said);
		fputs("fukuhonctl: ", stderr);
		fprintf(stderr, _("The printer did not take %d of %d copies (%s): they are recorded and stay in the print spool."),
			r.unsent, r.n, said);
		fputc('\n', stderr);
		rc = CTL_FAIL;
	}
	if (r.warning[0]) {
		fputs("fukuhonctl: ", stderr);
		ctl_put(stderr, r.warning, 0);
		fputc('\n', stderr);
	}
	fk_print_result_free(&r);
	return rc;
}

/* A copy the printer did not take, sent again from the spool (core/approve/resend.h). */
int cmd_print_resend(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *pos[1];
	int npos = 0;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	if (ctl_parse(argc, argv, opts, 1, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage("usage: print resend OUTPUT-NUMBER [--json]");
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_resend_result r;
	if (fk_print_resend(ctx, pos[0], &r, &err) != FK_OK)
		return ctl_fail(&err);
	if (json)
		rc = ctl_print_json(json_pack("{s:s, s:I, s:i, s:s}", "number", r.number, "request",
					      (json_int_t)r.request_id, "printer_job", r.printer_job, "warning",
					      r.warning));
	else
		printf(_("%s (request %lld): sent again, printer job %d\n"), r.number, (long long)r.request_id,
		       r.printer_job);
	if (r.warning[0]) {
		fputs("fukuhonctl: ", stderr);
		ctl_put(stderr, r.warning, 0);
		fputc('\n', stderr);
	}
	return rc;
}

int cmd_dispose(ctl *c, int argc, char **argv)
{
	const char *json = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	int rc = ctl_id_open(c, argc, argv, opts, 1, "dispose REQUEST-ID [--json]", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_dispose_result r;
	if (fk_dispose_execute(ctx, id, &r, &err) != FK_OK)
		return ctl_fail(&err);
	if (json) {
		json_t *a = json_array();
		for (int i = 0; i < r.n; i++)
			json_array_append_new(a, json_integer((json_int_t)r.ids[i]));
		rc = ctl_print_json(json_pack("{s:I, s:o, s:I, s:s}", "request", (json_int_t)id, "disposed", a,
					      "ms", (json_int_t)r.ms, "warning", r.warning));
	} else {
		for (int i = 0; i < r.n; i++)
			printf(_("register %lld disposed of: its key destroyed, its content erased\n"),
			       (long long)r.ids[i]);
		printf(_("request %lld carried out: %d register(s) disposed of\n"), (long long)id, r.n);
	}
	if (r.warning[0]) {
		fputs("fukuhonctl: ", stderr);
		ctl_put(stderr, r.warning, 0);
		fputc('\n', stderr);
	}
	fk_dispose_result_free(&r);
	return rc;
}

/* A return left running by an interruption, given up (core/approve/retcancel.h). */
int cmd_return_cancel(ctl *c, int argc, char **argv)
{
	const char *reason = NULL, *json = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"reason", 1, &reason}, {"json", 0, &json}};
	int rc = ctl_id_open(c, argc, argv, opts, 2, "return cancel REQUEST-ID --reason TEXT [--json]", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_return_cancel_result r;
	if (fk_return_cancel(ctx, id, reason, &r, &err) != FK_OK)
		return ctl_fail(&err);
	if (json)
		rc = ctl_print_json(json_pack("{s:I, s:s, s:s, s:I, s:i, s:s}", "request", (json_int_t)id,
					      "municipality", r.municipality, "void_number", r.number, "items_released",
					      (json_int_t)r.items, "files_removed", r.files, "warning", r.warning));
	else
		printf(_("return %lld given up: output number %s void, %d temporary file(s) removed; it is never carried out\n"),
		       (long long)id, r.number[0] ? r.number : "-", r.files);
	if (r.warning[0]) {
		fputs("fukuhonctl: ", stderr);
		ctl_put(stderr, r.warning, 0);
		fputc('\n', stderr);
	}
	return rc;
}
