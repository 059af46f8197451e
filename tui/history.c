/* The auditor's screens: the operation history, newest first, filtered; one record's details;
 * verification of the seals with a visible result (R-LOG, R-LOGSEAL). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h"
#include "tui.h"

#define PAGE_MAX 256

/* The filter in force, offered again the next time it is changed. */
typedef struct hist_filter {
	char oper[72], action[48], result[8];
	char from[32], to[32]; /* as typed: JST dates (or date and time) */
	int64_t since_ns, until_ns;
} hist_filter;

typedef struct history {
	fk_audit_row rows[PAGE_MAX];
	hist_filter f;
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
	fk_audit_filter f = {
		.since_ns = h->f.since_ns,
		.until_ns = h->f.until_ns,
		.operator_ = h->f.oper,
		.action = h->f.action,
		.result = h->f.result,
		.before_seq = before ? before : INT64_MAX,
	};
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

/* The filter in force, in words: "操作者 suzuki・操作 戸籍の閲覧・結果 拒否・期間 … から … まで". */
static void describe_filter(const hist_filter *h, char *buf, size_t len)
{
	char part[160];
	size_t used = 0;
	buf[0] = '\0';
#define FILTER_PART(cond, ...)                                                                 \
	do {                                                                                   \
		if (cond) {                                                                    \
			snprintf(part, sizeof part, __VA_ARGS__);                              \
			snprintf(buf + used, len - used, "%s%s", used ? _(", ") : "", part);   \
			used = strlen(buf);                                                    \
		}                                                                              \
	} while (0)
	FILTER_PART(h->oper[0], _("operator %s"), h->oper);
	FILTER_PART(h->action[0], _("action %s"), tui_op_label(h->action));
	FILTER_PART(h->result[0], _("result %s"), tui_result_text(h->result));
	FILTER_PART(h->from[0], _("from %s"), h->from);
	FILTER_PART(h->to[0], _("to %s"), h->to);
#undef FILTER_PART
	if (!used)
		snprintf(buf, len, "%s", _("none"));
}

static void history_header(view *v, int y, int cols)
{
	history *h = v->data;
	char line[600], words[400];
	describe_filter(&h->f, words, sizeof words);
	snprintf(line, sizeof line, _("Newest first, page %d.  Filter: %s  (f: filter, V: verify, Enter: details)"),
		 h->page + 1, words);
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
	snprintf(obj, sizeof obj, "%s %s", tui_object_text(r->object_type), r->object_id);
	int x = 1;
	tui_put(y, x, seq, 8);
	tui_put(y, x += 8, when, 22);
	tui_put(y, x += 22, r->operator_, 14);
	tui_put(y, x += 14, tui_op_label(r->action), 26);
	tui_put(y, x += 26, obj, 22);
	if (strcmp(r->result, "success") != 0)
		attron(A_BOLD);
	x += 22;
	tui_put(y, x, tui_result_text(r->result), cols - x - 1);
	attroff(A_BOLD);
}

/* One field of the filter form: the value in force offered in the label; Enter alone keeps
 * it, "-" clears it. 0 when the form was abandoned (Esc). */
static int ask_field(app *a, const char *name, const char *current, char *out, size_t len)
{
	char label[256], typed[128];
	/* TRANSLATORS: a field of the history's filter form: its name, the value in force. */
	snprintf(label, sizeof label, _("%s [%s] (Enter: keep, -: clear):"), name, current);
	typed[0] = '\0';
	if (!tui_prompt(a, label, typed, sizeof typed))
		return 0;
	if (!typed[0])
		fk_copy_str(out, len, current);
	else if (!strcmp(typed, "-"))
		out[0] = '\0';
	else
		fk_copy_str(out, len, typed);
	return 1;
}

/* A user name as operators are enrolled (core/auth/operator.c: letters, digits, . _ -). */
static int user_name_like(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < 72 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The filter form: operator, action (its name in the history or its code), result, and a
 * period in JST. Each field is checked; anything not understood is refused with what was
 * wrong, and the filter in force stays (it never falls back to everything). */
static int filter_form(view *v)
{
	const hist_filter *h = &((history *)v->data)->f;
	hist_filter f = {0};
	app *a = v->app;
	char action[96];
	fk_error err;
	fk_error_clear(&err);
	if (!ask_field(a, _("Operator (user name)"), h->oper, f.oper, sizeof f.oper))
		return 0;
	if (f.oper[0] && !user_name_like(f.oper)) {
		tui_message(a, 1, _("Not a user name: %s (letters, digits, . _ -)"), f.oper);
		return 0;
	}
	if (!ask_field(a, _("Action (name or code)"), h->action[0] ? tui_op_label(h->action) : "", action,
		       sizeof action))
		return 0;
	if (action[0] && !tui_op_match(action, f.action, sizeof f.action)) {
		tui_message(a, 1, _("No operation is called %s: type a name as the history shows it, or a code such as register.open."),
			    action);
		return 0;
	}
	if (!ask_field(a, _("Result (success, denied, failed)"), h->result[0] ? tui_result_text(h->result) : "",
		       action, sizeof action))
		return 0;
	const char *res = action[0] ? tui_result_parse(action) : "";
	if (!res) {
		tui_message(a, 1, _("Not a result: %s (success, denied or failed)"), action);
		return 0;
	}
	fk_copy_str(f.result, sizeof f.result, res);
	if (!ask_field(a, _("From (JST)"), h->from, f.from, sizeof f.from) ||
	    !ask_field(a, _("To (JST, inclusive)"), h->to, f.to, sizeof f.to))
		return 0;
	if ((f.from[0] && fk_parse_jst(f.from, 0, &f.since_ns, &err) != FK_OK) ||
	    (f.to[0] && fk_parse_jst(f.to, 1, &f.until_ns, &err) != FK_OK)) {
		tui_error_head(a, _("The period is not understood."), &err);
		return 0;
	}
	if (f.since_ns && f.until_ns && f.until_ns <= f.since_ns) {
		tui_message(a, 1, "%s", _("The period ends before it starts."));
		return 0;
	}
	((history *)v->data)->f = f;
	return 1;
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
	case ACT_FILTER:
		if (!filter_form(v))
			return 1;
		h->page = 0;
		if ((s = load(v, 0, &err)) == FK_OK && v->nrows == 0)
			tui_message(v->app, 0, "%s", _("No record matches the filter."));
		break;
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
	fk_lines shown; /* the same wrapped to the screen's width: a detail is never cut */
	int shown_cols;
	fk_audit_row row;
} lines_view;

/* A line that does not fit in memory is left out: the screen shows the rest. */
#define add_line(l, ...) ((void)fk_lines_add((l), NULL, __VA_ARGS__))

/* Wrapped again whenever the width changes (issue 11, item 5: history details wrap). */
static void lines_wrap(view *v)
{
	lines_view *l = v->data;
	int cols = COLS - 2 > 10 ? COLS - 2 : 10;
	if (cols == l->shown_cols && l->shown.n)
		return;
	fk_lines_free(&l->shown);
	fk_error err;
	fk_error_clear(&err);
	if (fk_lines_wrap(&l->lines, cols, 0, "  ", &l->shown, &err) != FK_OK)
		tui_error(v->app, &err, NULL);
	l->shown_cols = cols;
	v->nrows = l->shown.n;
}

static void lines_line(view *v, int i, int y, int cols, int selected)
{
	tui_put(y, 1, ((lines_view *)v->data)->shown.v[i], cols - 2);
}

static int lines_request(view *v, enum action act)
{
	if (act == ACT_RESIZED)
		lines_wrap(v);
	return 0;
}

static void lines_close(view *v)
{
	lines_view *l = v->data;
	fk_lines_free(&l->lines);
	fk_lines_free(&l->shown);
	free(l);
}

/* A recorded detail with its kinds and rights in the operator's words ("kinds=koseki,joseki"
 * → "kinds=戸籍・除籍"); the rest as recorded, and everything from "reason=" on untouched (a
 * reason is free text). */
static void detail_words(const char *in, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	while (*in && used + 1 < len) {
		size_t n = strcspn(in, " ");
		char word[160], shown[200];
		unsigned bits;
		if (!strncmp(in, "reason=", 7) || n >= sizeof word) {
			fk_copy_str(out + used, len - used, in);
			return;
		}
		memcpy(word, in, n);
		word[n] = '\0';
		if (!strncmp(word, "kinds=", 6) && fk_kinds_parse(word + 6, &bits, NULL) == FK_OK) {
			tui_kinds_text(bits, shown, sizeof shown);
			fk_copy_str(word + 6, sizeof word - 6, shown); /* cut at most, never overrun */
		} else if (!strncmp(word, "rights=", 7) && fk_rights_parse(word + 7, &bits, NULL) == FK_OK) {
			tui_rights_text(bits, shown, sizeof shown);
			fk_copy_str(word + 7, sizeof word - 7, shown);
		}
		snprintf(out + used, len - used, "%s%s", word, in[n] ? " " : "");
		used = strlen(out);
		in += n + (in[n] ? 1 : 0);
	}
}

static fk_status record_open(view *v, fk_error *err)
{
	lines_view *l = v->data;
	const fk_audit_row *r = &l->row;
	char utc[40], jst[64], wareki[64];
	/* Here, and only here, the time as recorded: UTC to the nanosecond (R-TIME). */
	fk_fmt_utc(r->ts_ns, utc, sizeof utc);
	fk_fmt_jst(r->ts_ns, FK_JST_MINUTE, jst, sizeof jst);
	fk_fmt_jst(r->ts_ns, FK_JST_WAREKI, wareki, sizeof wareki);
	add_line(&l->lines, "%s %lld", _("Sequence"), (long long)r->seq);
	add_line(&l->lines, "%s %s (%s)  %s", _("Time"), jst, wareki,
		 r->clock_synced ? _("clock synchronised") : _("clock NOT synchronised"));
	add_line(&l->lines, "%s %.19s.%09lldZ", _("Time (UTC)"), utc,
		 (long long)(r->ts_ns % 1000000000));
	add_line(&l->lines, "%s %s  tty %s  pid %d  %s %s", _("Terminal"), r->terminal, r->tty, r->pid,
		 _("session"), r->session);
	add_line(&l->lines, "%s %s (%s)", _("Operator"), r->operator_, r->role);
	add_line(&l->lines, "%s %s (%s)", _("Action"), tui_op_label(r->action), r->action);
	add_line(&l->lines, "%s %s %s (%s)", _("Object"), tui_object_text(r->object_type), r->object_id,
		 r->object_type);
	if (r->reason[0])
		add_line(&l->lines, "%s %s: %s", _("Result"), tui_result_text(r->result), tui_recorded_reason(r->reason));
	else
		add_line(&l->lines, "%s %s", _("Result"), tui_result_text(r->result));
	char detail[1024];
	detail_words(r->detail ? r->detail : "-", detail, sizeof detail);
	add_line(&l->lines, "%s %s", _("Detail"), detail);
	lines_wrap(v);
	v->selectable = 0;
	return FK_OK;
}

static void record_close(view *v);
static const view_ops record_ops = {"history-record", record_open, NULL, lines_line, NULL, lines_request,
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
	/* What kind of problem in the auditor's words; the verifier's own line after it names
	 * the rows and keys for the administrator. */
	const char *what = tui_problem_text(p->kind);
	if (p->seq)
		add_line(l, "%s %lld: %s — %s", p->info ? _("note at") : _("PROBLEM at"), (long long)p->seq,
			 what ? what : "", p->msg);
	else
		add_line(l, "%s: %s — %s", p->info ? _("note") : _("PROBLEM"), what ? what : "", p->msg);
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
	/* In plain words: what was checked, and on failure how much and where it starts. */
	if (!rep.problems)
		add_line(&l->lines, _("The history is intact: the seals and the chain of all %lld records were checked."),
			 (long long)rep.records);
	else if (rep.first_bad_seq)
		add_line(&l->lines, _("The history is NOT intact: %lld problems in %lld records, the first at record %lld."),
			 (long long)rep.problems, (long long)rep.records, (long long)rep.first_bad_seq);
	else
		add_line(&l->lines, _("The history is NOT intact: %lld problems in %lld records."),
			 (long long)rep.problems, (long long)rep.records);
	if (rep.problems)
		add_line(&l->lines, "%s", _("Call the administrator; the problems are listed below."));
	add_line(&l->lines, _("%lld sealed, %lld before sealing, %lld checkpoints; covered up to %lld of %lld"),
		 (long long)rep.sealed, (long long)rep.legacy, (long long)rep.checkpoints,
		 (long long)rep.covered_seq, (long long)rep.last_seq);
	add_line(&l->lines, "%s", "");
	for (int i = 0; i < found.n; i++)
		add_line(&l->lines, "%s", found.v[i]);
	fk_lines_free(&found);
	lines_wrap(v);
	v->selectable = 0;
	return FK_OK;
}

static const view_ops verify_ops = {"history-verify", verify_open, NULL, lines_line, NULL, lines_request,
				    lines_close, 0};

view *verify_view(app *a)
{
	lines_view *l = calloc(1, sizeof *l);
	view *v = l ? tui_view_new(a, &verify_ops, l, _("Verification of the operation history")) : NULL;
	if (!v)
		free(l);
	return v;
}
