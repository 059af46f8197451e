/* fukuhonctl alert list | ack (R-INTRUSION): the alerts the detectors raised, seen and
 * acknowledged by supervisors and administrators (through the gate: each recorded). */
#include "config.h"

#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

#define _(s) gettext(s)

#define LIST_MAX 1000

static void print_alert(const fk_alert *a, json_t *arr)
{
	char raised[32], acked[32];
	fk_fmt_utc(a->raised_at, raised, sizeof raised);
	if (arr) {
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:s?, s:o, s:s?}",
			"id", (json_int_t)a->id, "detector", fk_alert_detector_id(a->detector),
			"subject", a->subject, "terminal", a->terminal, "count", (json_int_t)a->count,
			"threshold", (json_int_t)a->threshold, "window_s", (json_int_t)a->window_s,
			"raised_at", ctl_time_json(a->raised_at),
			"acked_by", a->acked_at ? a->acked_by_user : NULL,
			"acked_at", ctl_time_json(a->acked_at), "note", a->acked_at ? a->note : NULL));
		return;
	}
	if (a->acked_at)
		fk_fmt_utc(a->acked_at, acked, sizeof acked);
	printf("%-6lld ", (long long)a->id);
	ctl_put(stdout, raised, 22);
	ctl_put(stdout, fk_alert_detector_id(a->detector), 17);
	ctl_put(stdout, a->subject, 18);
	printf("%6lld/%-6lld %6llds  ", (long long)a->count, (long long)a->threshold,
	       (long long)a->window_s);
	if (a->acked_at) {
		ctl_put(stdout, a->acked_by_user, 0);
		fputs(" ", stdout);
		ctl_put(stdout, acked, 0);
		fputs(": ", stdout);
		ctl_put(stdout, a->note, 0);
	} else {
		fputs("OPEN", stdout);
	}
	fputs("\n", stdout);
}

int cmd_alert_list(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *all = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}, {"all", 0, &all}};
	if (ctl_parse(argc, argv, opts, 2, pos, 0, &npos) != 0)
		return CTL_USAGE;
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_alert *rows = calloc(LIST_MAX, sizeof *rows);
	json_t *arr = json ? json_array() : NULL;
	if (!rows || (json && !arr)) {
		free(rows);
		json_decref(arr);
		return ctl_fail(&(fk_error){.code = FK_ERR_NOMEM, .msg = "out of memory"});
	}
	int n = 0;
	fk_status s = fk_alert_list(ctx, all != NULL, rows, LIST_MAX, &n, &err);
	if (s == FK_OK && !json)
		fputs("ID     RAISED (UTC)          DETECTOR         SUBJECT            COUNT/THRESH  WINDOW  "
		      "STATE\n", stdout);
	for (int i = 0; s == FK_OK && i < n; i++)
		print_alert(&rows[i], arr);
	free(rows);
	return ctl_list_done(s, &err, arr);
}

int cmd_alert_ack(ctl *c, int argc, char **argv)
{
	const char *note = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"note", 1, &note}};
	int rc = ctl_id_open(c, argc, argv, opts, 1, "alert ack ID --note TEXT", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	if (fk_alert_ack(ctx, id, note, &err) != FK_OK)
		return ctl_fail(&err);
	printf(_("alert %lld acknowledged\n"), (long long)id);
	return CTL_OK;
}
