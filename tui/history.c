/* The auditor's screens: the operation history, newest first, filtered; one record's details;
 * verification of the seals with a visible result (R-LOG, R-LOGSEAL). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define PAGE_MAX 256

typedef struct history {
	fk_audit_row rows[PAGE_MAX];
	char oper[72], action[48], result[8];
	int64_t anchors[128]; /* before_seq of each page shown, for PgUp */
	int page;
} history;

static int page_size(view *v)
{
	int n = tui_body_rows(v);
	return n < 1 ? 1 : n > PAGE_MAX ? PAGE_MAX : n;
}

static fk_status load(view *v, int64_t before, fk_error *err)
{
	history *h = v->data;
	fk_audit_row tmp[PAGE_MAX];
	int n;
	fk_audit_filter f = {0, 0, h->oper, h->action, NULL, NULL, h->result, 0, before ? before : INT64_MAX};
	fk_status s = fk_access_history(v->app->ctx, &f, tmp, page_size(v), &n, err);
	if (s != FK_OK)
		return s;
	fk_audit_rows_free(h->rows, v->nrows);
	memcpy(h->rows, tmp, (size_t)n * sizeof *tmp);
	v->nrows = n;
	v->cursor = 0;
	return FK_OK;
}

static fk_status history_open(view *v, fk_error *err)
{
	v->header_rows = 2;
	return load(v, 0, err);
}

static void history_header(view *v, int y, int cols)
{
	history *h = v->data;
	char line[300];
	snprintf(line, sizeof line, _("Newest first, page %d.  Filter: operator %s, action %s, result %s  (f: filter, V: verify, Enter: details)"),
		 h->page + 1, h->oper[0] ? h->oper : "*", h->action[0] ? h->action : "*",
		 h->result[0] ? h->result : "*");
	tui_put(y, 1, line, cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, 1, _("   Seq.  Time (JST)            Operator      Action                    Object                Result"),
		cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void history_line(view *v, int i, int y, int cols, int selected)
{
	const fk_audit_row *r = &((history *)v->data)->rows[i];
	char seq[24], when[40], obj[140];
	snprintf(seq, sizeof seq, "%7lld", (long long)r->seq);
	tui_fmt_time(r->ts_ns, 1, when, sizeof when);
	snprintf(obj, sizeof obj, "%s %s", r->object_type, r->object_id);
	int x = 1;
	tui_put(y, x, seq, 8);
	tui_put(y, x += 8, when, 22);
	tui_put(y, x += 22, r->operator_, 14);
	tui_put(y, x += 14, r->action, 26);
	tui_put(y, x += 26, obj, 22);
	if (strcmp(r->result, "success") != 0)
		attron(A_BOLD);
	x += 22;
	tui_put(y, x, r->result, cols - x - 1);
	attroff(A_BOLD);
}

/* "operator=tanaka action=view result=denied": the keys given replace the filter. */
static void parse_filter(history *h, const char *q)
{
	char buf[256];
	fk_copy_str(buf, sizeof buf, q);
	h->oper[0] = h->action[0] = h->result[0] = '\0';
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(w, "operator"))
			fk_copy_str(h->oper, sizeof h->oper, eq);
		else if (!strcmp(w, "action"))
			fk_copy_str(h->action, sizeof h->action, eq);
		else if (!strcmp(w, "result"))
			fk_copy_str(h->result, sizeof h->result, eq);
	}
}

static int history_request(view *v, enum action act)
{
	history *h = v->data;
	fk_error err;
	fk_status s = FK_OK;
	fk_error_clear(&err);
	switch (act) {
	case ACT_PGDN:
		if (v->nrows < page_size(v) || h->page + 1 >= 128)
			return 0;
		h->anchors[h->page + 1] = h->rows[v->nrows - 1].seq;
		if ((s = load(v, h->anchors[h->page + 1], &err)) == FK_OK)
			h->page++;
		break;
	case ACT_PGUP:
		if (h->page == 0)
			return 0;
		if ((s = load(v, h->anchors[h->page - 1], &err)) == FK_OK)
			h->page--;
		break;
	case ACT_FILTER: {
		char q[256];
		if (!tui_prompt(v->app, _("Filter (operator=NAME action=PREFIX result=success|denied|failed):"),
				q, sizeof q))
			return 1;
		parse_filter(h, q);
		h->page = 0;
		s = load(v, 0, &err);
		break;
	}
	case ACT_OPEN:
		if (v->nrows)
			tui_push(v->app, record_view(v->app, &h->rows[v->cursor]));
		return 1;
	case ACT_VERIFY:
		tui_push(v->app, verify_view(v->app));
		return 1;
	default:
		return 0;
	}
	if (s != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

static void history_close(view *v)
{
	history *h = v->data;
	fk_audit_rows_free(h->rows, v->nrows);
	free(h);
}

static const view_ops history_ops = {"history", history_open, history_header, history_line, NULL,
				     history_request, history_close,
				     ACTS(OPEN) | ACTS(FILTER) | ACTS(VERIFY)};

view *history_view(app *a)
{
	history *h = calloc(1, sizeof *h);
	view *v = h ? tui_view_new(a, &history_ops, h, _("Operation history")) : NULL;
	if (!v)
		free(h);
	return v;
}

/* ---- one record, every field; and the verification's report: both lists of lines ---- */

typedef struct lines_view {
	fk_lines lines;
	fk_audit_row row;
} lines_view;

/* A line that does not fit in memory is left out: the screen shows the rest. */
#define add_line(l, ...) ((void)fk_lines_add((l), NULL, __VA_ARGS__))

static void lines_line(view *v, int i, int y, int cols, int selected)
{
	tui_put(y, 1, ((lines_view *)v->data)->lines.v[i], cols - 2);
}

static void lines_close(view *v)
{
	lines_view *l = v->data;
	fk_lines_free(&l->lines);
	free(l);
}

static fk_status record_open(view *v, fk_error *err)
{
	lines_view *l = v->data;
	const fk_audit_row *r = &l->row;
	char utc[40];
	fk_fmt_utc(r->ts_ns, utc, sizeof utc);
	add_line(&l->lines, "%s %lld", _("Sequence"), (long long)r->seq);
	add_line(&l->lines, "%s %s (%lld ns)  %s", _("Time"), utc, (long long)(r->ts_ns % 1000000000),
		 r->clock_synced ? _("clock synchronised") : _("clock NOT synchronised"));
	add_line(&l->lines, "%s %s  tty %s  pid %d  %s %s", _("Terminal"), r->terminal, r->tty, r->pid,
		 _("session"), r->session);
	add_line(&l->lines, "%s %s (%s)", _("Operator"), r->operator_, r->role);
	add_line(&l->lines, "%s %s", _("Action"), r->action);
	add_line(&l->lines, "%s %s %s", _("Object"), r->object_type, r->object_id);
	add_line(&l->lines, "%s %s  %s", _("Result"), r->result, r->reason);
	add_line(&l->lines, "%s %s", _("Detail"), r->detail ? r->detail : "-");
	v->nrows = l->lines.n;
	v->selectable = 0;
	return FK_OK;
}

static void record_close(view *v);
static const view_ops record_ops = {"history-record", record_open, NULL, lines_line, NULL, NULL,
				    record_close, 0};

view *record_view(app *a, const fk_audit_row *row)
{
	lines_view *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->row = *row;
	l->row.detail = NULL; /* borrowed below, only while the list lives */
	if (row->detail && !(l->row.detail = strdup(row->detail))) {
		free(l);
		return NULL;
	}
	char title[64];
	snprintf(title, sizeof title, _("History record %lld"), (long long)row->seq);
	view *v = tui_view_new(a, &record_ops, l, title);
	if (!v) {
		free(l->row.detail);
		free(l);
	}
	return v;
}

static void record_close(view *v)
{
	lines_view *l = v->data;
	free(l->row.detail);
	lines_close(v);
}

static void note_problem(const fk_verify_problem *p, void *arg)
{
	fk_lines *l = arg;
	if (p->seq)
		add_line(l, "%s %lld: %s", p->info ? _("note at") : _("PROBLEM at"), (long long)p->seq, p->msg);
	else
		add_line(l, "%s: %s", p->info ? _("note") : _("PROBLEM"), p->msg);
}

static fk_status verify_open(view *v, fk_error *err)
{
	lines_view *l = v->data;
	fk_verify_report rep;
	fk_lines found = {0};
	fk_status s = fk_access_history_verify(v->app->ctx, note_problem, &found, &rep, err);
	if (s != FK_OK) {
		fk_lines_free(&found);
		return s;
	}
	add_line(&l->lines, rep.problems ? _("NOT INTACT: %lld problems in %lld records (first at %lld)")
					 : _("Intact: %lld problems in %lld records (first at %lld)"),
		 (long long)rep.problems, (long long)rep.records, (long long)rep.first_bad_seq);
	add_line(&l->lines, _("%lld sealed, %lld before sealing, %lld checkpoints; covered up to %lld of %lld"),
		 (long long)rep.sealed, (long long)rep.legacy, (long long)rep.checkpoints,
		 (long long)rep.covered_seq, (long long)rep.last_seq);
	add_line(&l->lines, "%s", "");
	for (int i = 0; i < found.n; i++)
		add_line(&l->lines, "%s", found.v[i]);
	fk_lines_free(&found);
	v->nrows = l->lines.n;
	v->selectable = 0;
	return FK_OK;
}

static const view_ops verify_ops = {"history-verify", verify_open, NULL, lines_line, NULL, NULL,
				    lines_close, 0};

view *verify_view(app *a)
{
	lines_view *l = calloc(1, sizeof *l);
	view *v = l ? tui_view_new(a, &verify_ops, l, _("Verification of the operation history")) : NULL;
	if (!v)
		free(l);
	return v;
}
