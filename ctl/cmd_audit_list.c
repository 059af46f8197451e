/* fukuhonctl audit list | export: the operation history for auditors (R-LOG). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"


static const char *const kind_ids[] = {"legacy", "record", "seal"};

static json_t *row_json(const fk_audit_row *r)
{
	char when[32];
	fk_fmt_utc(r->ts_ns, when, sizeof when);
	json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:b, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, "
			      "s:s, s:s, s:s, s:s, s:I}",
			      "seq", (json_int_t)r->seq, "time", when, "ts_ns", (json_int_t)r->ts_ns,
			      "mono_ns", (json_int_t)r->mono_ns, "clock_synced", r->clock_synced,
			      "terminal", r->terminal, "tty", r->tty, "pid", r->pid, "session", r->session,
			      "operator", r->operator_, "role", r->role, "action", r->action,
			      "object_type", r->object_type, "object_id", r->object_id,
			      "result", r->result, "reason", r->reason,
			      "kind", (unsigned)r->kind < 3 ? kind_ids[r->kind] : "?",
			      "epoch", (json_int_t)r->epoch);
	if (o)
		json_object_set_new(o, "detail", r->detail_bad ? json_string("(altered: does not open)")
					       : r->detail ? json_string(r->detail) : json_null());
	return o;
}

/* Visit every matching record through the gate (recorded first); fn returns a CTL_ code. */
static int each_row(fk_ctx *ctx, fk_op op, const fk_audit_filter *f, fk_audit_row_fn fn, void *arg)
{
	fk_error err;
	return fk_access_history_each(ctx, op, f, fn, arg, &err) == FK_OK ? CTL_OK : ctl_fail(&err);
}

static int put_text(const fk_audit_row *r, void *arg)
{
	(void)arg;
	char when[32];
	fk_fmt_utc(r->ts_ns, when, sizeof when);
	printf("%8lld  %s  ", (long long)r->seq, when);
	/* Padded columns with a space after each: a long value never runs into the next. */
	const char *col[] = {r->operator_, r->action, r->object_type, r->object_id, r->result};
	const int width[] = {15, 22, 12, 15, 7};
	for (int i = 0; i < 5; i++) {
		ctl_put(stdout, col[i], width[i]);
		putchar(' ');
	}
	ctl_put(stdout, r->reason, 0);
	if (!r->clock_synced)
		fputs("  [clock not synchronised]", stdout);
	putchar('\n');
	return CTL_OK;
}

static int add_json(const fk_audit_row *r, void *arg)
{
	return json_array_append_new(arg, row_json(r)) == 0 ? CTL_OK : CTL_FAIL;
}

static int parse_filter(fk_audit_filter *f, const char *since, const char *until)
{
	fk_error err;
	if (since && fk_parse_time(since, &f->since_ns, &err) != FK_OK)
		return ctl_usage("--since: %s", err.msg);
	if (until && fk_parse_time(until, &f->until_ns, &err) != FK_OK)
		return ctl_usage("--until: %s", err.msg);
	return CTL_OK;
}

int cmd_audit_list(ctl *c, int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *json = NULL, *pos[1];
	fk_audit_filter f;
	memset(&f, 0, sizeof f);
	int npos;
	struct ctl_opt opts[] = {{"since", 1, &since}, {"until", 1, &until}, {"operator", 1, &f.operator_},
				 {"action", 1, &f.action}, {"object", 1, &f.object_id},
				 {"result", 1, &f.result}, {"json", 0, &json}};
	if (ctl_parse(argc, argv, opts, 7, pos, 0, &npos) != 0 || parse_filter(&f, since, until) != CTL_OK)
		return CTL_USAGE;
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	if (json) {
		json_t *arr = json_array();
		rc = arr ? each_row(ctx, FK_OP_HISTORY_LIST, &f, add_json, arr) : CTL_FAIL;
		if (rc == CTL_OK)
			rc = ctl_print_json(arr);
		else
			json_decref(arr);
	} else {
		rc = each_row(ctx, FK_OP_HISTORY_LIST, &f, put_text, NULL);
	}
	return rc;
}

static int put_jsonl(const fk_audit_row *r, void *arg)
{
	(void)arg;
	json_t *o = row_json(r);
	int rc = o && json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 ? CTL_OK : CTL_FAIL;
	json_decref(o);
	putchar('\n');
	return rc;
}

/* RFC 4180 quoting; a cell a spreadsheet would run as a formula gets a leading '. */
static void csv_cell(const char *s, int last)
{
	putchar('"');
	if ((s[0] && strchr("=+@\t\r", s[0])) || (s[0] == '-' && s[1]))
		putchar('\'');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
	putchar(last ? '\n' : ',');
}

static int put_csv(const fk_audit_row *r, void *arg)
{
	(void)arg;
	char seq[24], when[32], ns[24], pid[16], epoch[24];
	snprintf(seq, sizeof seq, "%lld", (long long)r->seq);
	fk_fmt_utc(r->ts_ns, when, sizeof when);
	snprintf(ns, sizeof ns, "%lld", (long long)r->ts_ns);
	snprintf(pid, sizeof pid, "%d", r->pid);
	snprintf(epoch, sizeof epoch, "%lld", (long long)r->epoch);
	const char *cells[] = {seq, when, ns, r->clock_synced ? "1" : "0", r->terminal, r->tty, pid,
			       r->session, r->operator_, r->role, r->action, r->object_type,
			       r->object_id, r->result, r->reason,
			       (unsigned)r->kind < 3 ? kind_ids[r->kind] : "?", epoch,
			       r->detail_bad ? "(altered: does not open)" : r->detail ? r->detail : ""};
	for (size_t i = 0; i < FK_ARRAY_LEN(cells); i++)
		csv_cell(cells[i], i + 1 == FK_ARRAY_LEN(cells));
	return CTL_OK;
}

struct export_arg {
	int csv, started;
};

static int put_export(const fk_audit_row *r, void *arg)
{
	struct export_arg *a = arg;
	if (a->csv && !a->started)
		fputs("seq,time,ts_ns,clock_synced,terminal,tty,pid,session,operator,role,action,"
		      "object_type,object_id,result,reason,kind,epoch,detail\n", stdout);
	a->started = 1;
	return a->csv ? put_csv(r, NULL) : put_jsonl(r, NULL);
}

int cmd_audit_export(ctl *c, int argc, char **argv)
{
	const char *format = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"format", 1, &format}};
	if (ctl_parse(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CTL_USAGE;
	int csv = format && !strcmp(format, "csv");
	if (!format || (!csv && strcmp(format, "jsonl")))
		return ctl_usage("usage: audit export --format jsonl|csv");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_audit_filter f;
	memset(&f, 0, sizeof f);
	/* The export discloses every detail: the gate puts it on record before the first row. */
	struct export_arg a = {csv, 0};
	rc = each_row(ctx, FK_OP_HISTORY_EXPORT, &f, put_export, &a);
	if (rc == CTL_OK && fflush(stdout) != 0)
		rc = CTL_FAIL;
	return rc;
}
