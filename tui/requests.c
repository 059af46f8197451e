/* Requests of the four-eyes workflow in the console (R-APPROVE, R-PRINT; issue 12): an
 * operator's own requests and their state, a supervisor's bureau's requests with those waiting
 * first to decide, a request's detail, and carrying out an approved print. The core decides and
 * records every step (core/approve); this screen only asks and shows. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define REQ_ROWS_MAX 1000 /* the core's own limit of one list (fk_request_list) */

/* What the screen keeps of a request: the row without its items (the detail opens them). */
typedef struct req_row {
	fk_request r;
} req_row;

typedef struct requests {
	req_row *rows;
	int n, cap;
	int waiting_only; /* w: only those waiting for a decision */
} requests;

const char *tui_req_kind_text(int kind)
{
	switch (kind) {
	case FK_REQ_PRINT:
		return _("Print");
	case FK_REQ_EXPORT:
		return _("Export");
	case FK_REQ_DISPOSE:
		return _("Disposal");
	case FK_REQ_RETURN:
		return _("Return");
	case FK_REQ_DISPOSE_MUNI:
		return _("Disposal of a municipality");
	default:
		return "?";
	}
}

const char *tui_req_state_text(int state)
{
	switch (state) {
	case FK_REQ_WAITING:
		return _("waiting");
	case FK_REQ_APPROVED:
		return _("approved");
	case FK_REQ_REJECTED:
		return _("rejected");
	case FK_REQ_EXPIRED:
		return _("expired");
	case FK_REQ_EXECUTED:
		return _("carried out");
	case FK_REQ_RUNNING:
		return _("in progress");
	case FK_REQ_CANCELLED:
		return _("given up");
	default:
		return "?";
	}
}

static int collect(const fk_request *r, void *arg)
{
	requests *q = arg;
	if (q->n == q->cap) {
		int cap = q->cap ? q->cap * 2 : 64;
		req_row *rows = realloc(q->rows, sizeof *rows * (size_t)cap);
		if (!rows)
			return 1;
		q->rows = rows;
		q->cap = cap;
	}
	req_row *row = &q->rows[q->n++];
	row->r = *r;
	row->r.items = NULL; /* owned by the core's row: the detail reads them again */
	return 0;
}

static fk_status requests_open(view *v, fk_error *err)
{
	requests *q = v->data;
	q->n = 0;
	v->header_rows = 2;
	v->empty = q->waiting_only ? _("No request is waiting for a decision.")
				   : _("No requests. Ask for a print from a register's screen (p).");
	fk_status s = fk_request_list(v->app->ctx, q->waiting_only ? FK_REQ_LIST_WAITING : FK_REQ_LIST_DEFAULT,
				      REQ_ROWS_MAX, collect, q, err);
	v->nrows = q->n;
	if (v->cursor >= v->nrows)
		v->cursor = v->nrows ? v->nrows - 1 : 0;
	return s;
}

static void requests_header(view *v, int y, int cols)
{
	requests *q = v->data;
	tui_put(y, 1,
		q->waiting_only ? _("Waiting for a decision.  Enter: detail  A: approve  X: reject  w: all")
				: _("Enter: detail  p: print an approved one  A: approve  X: reject  w: waiting only"),
		cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, 1, _("   No. Kind    State        Requester   Asked (JST)       Regs Reason"), cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void requests_line(view *v, int i, int y, int cols, int selected)
{
	const fk_request *r = &((requests *)v->data)->rows[i].r;
	char num[16], when[40], regs[12];
	snprintf(num, sizeof num, "%6lld ", (long long)r->id);
	tui_fmt_time(r->created_at, 1, when, sizeof when);
	char *zone = strstr(when, " JST"); /* the heading says JST once */
	if (zone)
		*zone = '\0';
	if (r->municipality[0]) /* a whole municipality: its code stands for the registers */
		snprintf(regs, sizeof regs, "%s", r->municipality);
	else
		snprintf(regs, sizeof regs, "%4d ", r->n_items);
	int waiting = r->state == FK_REQ_WAITING;
	if (waiting)
		attron(A_BOLD);
	tui_put(y, 1, num, 7);
	tui_put(y, 8, tui_req_kind_text(r->kind), 8);
	tui_put(y, 16, tui_req_state_text(r->state), 13);
	tui_put(y, 29, r->requester, 12);
	tui_put(y, 41, when, 18);
	if (r->municipality[0]) /* six digits: one column into the time's spare space */
		tui_put(y, 58, regs, 6);
	else
		tui_put(y, 59, regs, 5);
	tui_put(y, 64, r->reason, cols - 65);
	if (waiting)
		attroff(A_BOLD);
}

/* Approve or reject the selected request: the refusals the core knows before a reason (own
 * request, not waiting) are said first, so that nobody types a reason for nothing. */
static void decide(view *v, const fk_request *r, int approve)
{
	app *a = v->app;
	if (r->requester_id == a->ctx->actor.operator_id) {
		tui_message(a, 1, "%s", _("Nobody decides their own request: another supervisor must."));
		return;
	}
	if (r->state != FK_REQ_WAITING) {
		tui_message(a, 1, _("Request %lld is not waiting for a decision (%s)."), (long long)r->id,
			    tui_req_state_text(r->state));
		return;
	}
	char reason[FK_REQ_REASON_MAX + 1];
	if (!tui_prompt(a, approve ? _("Reason for approving:") : _("Reason for rejecting:"), reason,
			sizeof reason))
		return;
	fk_error err;
	fk_error_clear(&err);
	int64_t id = r->id;
	if (fk_request_decide(a->ctx, id, approve, reason, &err) != FK_OK) {
		tui_error(a, &err, NULL);
		return;
	}
	tui_message(a, 0, approve ? _("Request %lld approved.") : _("Request %lld rejected."), (long long)id);
	fk_error_clear(&err);
	if (requests_open(v, &err) != FK_OK)
		tui_error(a, &err, NULL);
}

/* Carry out the selected approved print: the core checks it is the requester's, once, within
 * its approval and of the versions it fixed. */
static void print_it(view *v, const fk_request *r)
{
	app *a = v->app;
	if (r->kind != FK_REQ_PRINT) {
		tui_message(a, 1, "%s", _("Only print requests are carried out with p; exports and returns with E."));
		return;
	}
	/* Asked only when it can be carried out; otherwise the core refuses (and records) at once. */
	char q[160];
	snprintf(q, sizeof q, _("Print request %lld now (%d register(s))? (y/n)"), (long long)r->id,
		 r->n_items);
	if (r->state == FK_REQ_APPROVED && !tui_confirm(a, q))
		return;
	fk_print_result res = {0};
	fk_error err;
	fk_error_clear(&err);
	int64_t id = r->id;
	if (fk_print_execute(a->ctx, id, &res, &err) != FK_OK) {
		tui_error(a, &err, NULL);
	} else if (res.unsent > 0) {
		/* The printer's words are data from the network: cleaned before they are drawn. */
		char said[4 * sizeof res.printer_said];
		fk_disp_clean(res.printer_said, said, sizeof said);
		tui_message(a, 1, _("The printer did not take %d of %d copies (%s): they are recorded and stay in the print spool."),
			    res.unsent, res.n, said);
	} else if (res.sent > 0) {
		tui_message(a, 0, _("Printed: %d copy(ies) sent to the printer, output numbers %s to %s."), res.sent,
			    res.copies[0].number, res.copies[res.n - 1].number);
	} else {
		if (res.n == 1)
			tui_message(a, 0, _("Printed: output number %s (%d page(s)) in the print spool."),
				    res.copies[0].number, res.copies[0].pages);
		else
			tui_message(a, 0, _("Printed %d registers: output numbers %s to %s in the print spool."),
				    res.n, res.n ? res.copies[0].number : "", res.n ? res.copies[res.n - 1].number : "");
	}
	fk_print_result_free(&res);
	fk_error_clear(&err);
	if (requests_open(v, &err) != FK_OK)
		tui_error(a, &err, NULL);
}

/* A whole municipality (core/approve/munidispose.h): asked once more unless it is continuing
 * an interrupted run; the screen waits while the short transactions run (other consoles do not). */
static void dispose_municipality(view *v, const fk_request *r)
{
	app *a = v->app;
	char q[240];
	snprintf(q, sizeof q, _("Dispose of everything of municipality %s (request %lld) now? It cannot be recovered. (y/n)"),
		 r->municipality, (long long)r->id);
	if (r->state == FK_REQ_APPROVED && !tui_confirm(a, q))
		return;
	fk_muni_dispose_result res;
	fk_error err;
	fk_error_clear(&err);
	if (fk_muni_dispose_execute(a->ctx, r->id, &res, &err) != FK_OK)
		tui_error(a, &err, NULL);
	else
		tui_message(a, res.warning[0] != '\0', _("Municipality %s disposed of: %lld register(s), their keys destroyed.%s%s"),
			    res.municipality, (long long)res.registers, res.warning[0] ? " " : "", res.warning);
	fk_error_clear(&err);
	if (requests_open(v, &err) != FK_OK)
		tui_error(a, &err, NULL);
}

/* Carry out the selected approved disposal: asked once more, naming how many registers go for
 * good; the core checks the rest (the requester's, once, in time, the versions fixed). */
static void dispose_it(view *v, const fk_request *r)
{
	app *a = v->app;
	char q[240];
	if (r->kind == FK_REQ_DISPOSE_MUNI) {
		dispose_municipality(v, r);
		return;
	}
	if (r->kind == FK_REQ_RETURN && r->state == FK_REQ_EXECUTED) {
		tui_request_dispose_muni(a, r->municipality, r->id);
		fk_error err;
		fk_error_clear(&err);
		if (requests_open(v, &err) != FK_OK)
			tui_error(a, &err, NULL);
		return;
	}
	if (r->kind != FK_REQ_DISPOSE) {
		tui_message(a, 1, "%s", _("Only disposal requests are carried out with x."));
		return;
	}
	snprintf(q, sizeof q, _("Dispose of %d register(s) of request %lld now? They cannot be recovered. (y/n)"),
		 r->n_items, (long long)r->id);
	if (r->state == FK_REQ_APPROVED && !tui_confirm(a, q))
		return;
	fk_dispose_result res = {0};
	fk_error err;
	fk_error_clear(&err);
	if (fk_dispose_execute(a->ctx, r->id, &res, &err) != FK_OK)
		tui_error(a, &err, NULL);
	else
		tui_message(a, res.warning[0] != '\0', _("Disposed of %d register(s): their keys are destroyed.%s%s"),
			    res.n, res.warning[0] ? " " : "", res.warning);
	fk_dispose_result_free(&res);
	fk_error_clear(&err);
	if (requests_open(v, &err) != FK_OK)
		tui_error(a, &err, NULL);
}

/* Drawn while an export or a return writes its package: the job holds the store, so the screen
 * shows how far it is rather than waiting blank (core/approve/approve.h, fk_progress). */
static void show_progress(void *arg, int64_t done, int64_t total)
{
	app *a = arg;
	int pct = total > 0 ? (int)(done * 100 / total) : 100;
	tui_message(a, 0, _("Writing the package: %lld of %lld register(s) (%d%%)…"), (long long)done,
		    (long long)total, pct);
	tui_draw(a);
	doupdate();
}

/* Carry out the selected approved export or return: the recipient's certificate (a path typed:
 * the terminal keeps no list of recipients' certificates, only the municipal CAs a return's
 * must chain to) and a file name in the export folder (never a place the operator names). A
 * request that cannot be carried out goes to the core all the same, which refuses and records. */
static void export_it(view *v, const fk_request *r)
{
	app *a = v->app;
	if (r->kind != FK_REQ_EXPORT && r->kind != FK_REQ_RETURN) {
		tui_message(a, 1, "%s", _("Only export and return requests are carried out with E."));
		return;
	}
	char cert[1024] = "", name[128], path[1200];
	snprintf(name, sizeof name, "%s-%lld.fkpkg", r->kind == FK_REQ_RETURN ? "return" : "export", (long long)r->id);
	if (r->state == FK_REQ_APPROVED) {
		if (!tui_prompt(a, r->kind == FK_REQ_RETURN ? _("The municipality's certificate (PEM file):")
							     : _("The recipient's certificate (PEM file):"), cert, sizeof cert))
			return;
		if (!tui_prompt_edit(a, _("File name in the export folder:"), name, sizeof name))
			return;
	}
	fk_error err;
	fk_error_clear(&err);
	if (fk_export_folder_path(a->ctx, name, path, sizeof path, &err) != FK_OK) {
		tui_error(a, &err, NULL);
		return;
	}
	fk_export_result res;
	fk_progress p = {.fn = show_progress, .arg = a};
	int64_t id = r->id;
	if (fk_export_carry_out(a->ctx, id, r->kind, cert, path, &p, &res, &err) != FK_OK)
		tui_error(a, &err, NULL);
	else if (r->kind == FK_REQ_RETURN)
		tui_message(a, res.warning[0] != '\0', _("Returned: output number %s, %d register(s), %s in the export folder.%s%s"),
			    res.number, res.registers, name, res.warning[0] ? " " : "", res.warning);
	else
		tui_message(a, res.warning[0] != '\0', _("Exported: output number %s, %d register(s), %s in the export folder.%s%s"),
			    res.number, res.registers, name, res.warning[0] ? " " : "", res.warning);
	fk_error_clear(&err);
	if (requests_open(v, &err) != FK_OK)
		tui_error(a, &err, NULL);
}

/* Send again the copies of the selected print that the printer did not take (they stayed in
 * the spool): the core decides each (the requester, within the approval) and records it. */
static void resend_it(view *v, const fk_request *r)
{
	app *a = v->app;
	static fk_spooled copies[FK_REQ_ITEMS_MAX_PRINT];
	static char numbers[FK_REQ_ITEMS_MAX_PRINT][48];
	int n = 0, sent = 0, found = 0, interrupted = 0, sending = 0;
	fk_error err;
	fk_error_clear(&err);
	if (r->kind != FK_REQ_PRINT) {
		tui_message(a, 1, "%s", _("Only the copies of a print are sent again."));
		return;
	}
	if (fk_print_spooled(a->ctx, r->id, copies, FK_REQ_ITEMS_MAX_PRINT, &found, &err) != FK_OK) {
		tui_error(a, &err, NULL);
		return;
	}
	/* A copy another terminal or command is sending now is left to it. */
	for (int i = 0; i < found; i++) {
		sending += copies[i].state == FK_SPOOL_SENDING;
		interrupted += copies[i].state == FK_SPOOL_INTERRUPTED;
		if (copies[i].state != FK_SPOOL_SENDING)
			memcpy(numbers[n++], copies[i].number, sizeof numbers[0]);
	}
	if (n == 0 && sending > 0) {
		tui_message(a, 1, _("%d copy(ies) of request %lld are being sent by another terminal or command: try again when it is done."),
			    sending, (long long)r->id);
		return;
	}
	if (n == 0) {
		tui_message(a, 1, _("No copy of request %lld of yours is waiting in the print spool."), (long long)r->id);
		return;
	}
	char q[320];
	if (interrupted > 0)
		snprintf(q, sizeof q, _("Send again %d copy(ies) left in the print spool (output numbers %s to %s; %d interrupted while sending)? (y/n)"),
			 n, numbers[0], numbers[n - 1], interrupted);
	else
		snprintf(q, sizeof q, _("Send again %d copy(ies) left in the print spool (output numbers %s to %s)? (y/n)"), n,
			 numbers[0], numbers[n - 1]);
	if (!tui_confirm(a, q))
		return;
	for (int i = 0; i < n; i++) {
		fk_resend_result res;
		if (fk_print_resend(a->ctx, numbers[i], &res, &err) != FK_OK) {
			tui_error(a, &err, numbers[i]);
			return;
		}
		sent++;
	}
	tui_message(a, 0, _("Sent again to the printer: %d copy(ies), output numbers %s to %s."), sent, numbers[0],
		    numbers[n - 1]);
}

/* Give up the selected return left in progress by an interruption (core/approve/retcancel.h):
 * asked once more, then a reason; the core decides who may (its requester, a supervisor of the
 * bureau) and records it, releasing what it kept and voiding its number. */
static void cancel_it(view *v, const fk_request *r)
{
	app *a = v->app;
	char reason[FK_REQ_REASON_MAX + 1], q[240];
	if (r->kind != FK_REQ_RETURN || r->state != FK_REQ_RUNNING) {
		tui_message(a, 1, "%s", _("Only a return in progress is given up with C."));
		return;
	}
	snprintf(q, sizeof q, _("Give up return %lld (%s)? Its number becomes void; it is never carried out. (y/n)"),
		 (long long)r->id, r->municipality);
	if (!tui_confirm(a, q) || !tui_prompt(a, _("Reason for giving up the return:"), reason, sizeof reason))
		return;
	fk_return_cancel_result res;
	fk_error err;
	fk_error_clear(&err);
	if (fk_return_cancel(a->ctx, r->id, reason, &res, &err) != FK_OK)
		tui_error(a, &err, NULL);
	else
		tui_message(a, res.warning[0] != '\0', _("Return %lld given up: output number %s void, %d temporary file(s) removed.%s%s"),
			    (long long)r->id, res.number[0] ? res.number : "-", res.files, res.warning[0] ? " " : "", res.warning);
	fk_error_clear(&err);
	if (requests_open(v, &err) != FK_OK)
		tui_error(a, &err, NULL);
}

static int requests_request(view *v, enum action act)
{
	requests *q = v->data;
	fk_error err;
	if (act == ACT_WAITING) {
		q->waiting_only = !q->waiting_only;
		v->cursor = v->offset = 0;
		fk_error_clear(&err);
		if (requests_open(v, &err) != FK_OK)
			tui_error(v->app, &err, NULL);
		return 1;
	}
	if (act == ACT_RESUMED) {
		fk_error_clear(&err);
		if (requests_open(v, &err) != FK_OK)
			tui_error(v->app, &err, NULL);
		return 1;
	}
	if (!q->n)
		return 0;
	const fk_request *r = &q->rows[v->cursor].r;
	switch (act) {
	case ACT_OPEN:
		tui_push(v->app, request_view(v->app, r->id));
		return 1;
	case ACT_APPROVE:
	case ACT_REJECT:
		decide(v, r, act == ACT_APPROVE);
		return 1;
	case ACT_PRINT:
		print_it(v, r);
		return 1;
	case ACT_DISPOSE:
		dispose_it(v, r);
		return 1;
	case ACT_EXPORT:
		export_it(v, r);
		return 1;
	case ACT_RESEND:
		resend_it(v, r);
		return 1;
	case ACT_CANCEL:
		cancel_it(v, r);
		return 1;
	default:
		return 0;
	}
}

static void requests_close(view *v)
{
	requests *q = v->data;
	free(q->rows);
	free(q);
}

static const view_ops requests_ops = {"requests", requests_open, requests_header, requests_line, NULL,
				      requests_request, requests_close,
				      ACTS(OPEN) | ACTS(APPROVE) | ACTS(REJECT) | ACTS(PRINT) | ACTS(WAITING) | ACTS(DISPOSE) |
				      ACTS(EXPORT) | ACTS(RESEND) | ACTS(CANCEL)};

view *requests_view(app *a)
{
	requests *q = calloc(1, sizeof *q);
	view *v = q ? tui_view_new(a, &requests_ops, q, _("Requests (print, export, disposal)")) : NULL;
	if (!v)
		free(q);
	return v;
}

/* ---- one request in detail ---- */

typedef struct reqdoc {
	int64_t id;
	fk_request r;
	char **lines;
	int n, cap;
} reqdoc;

static void add_line(reqdoc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(reqdoc *d, const char *fmt, ...)
{
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 32;
		char **l = realloc(d->lines, sizeof *l * (size_t)cap);
		if (!l)
			return;
		d->lines = l;
		d->cap = cap;
	}
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char *s = strdup(buf);
	if (s)
		d->lines[d->n++] = s;
}

static void reqdoc_free_lines(reqdoc *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->lines[i]);
	d->n = 0;
}

/* Find request id among those the person may see (the list decides and records it; a request
 * outside that list is "not found", whoever asks). */
static int find_one(const fk_request *r, void *arg)
{
	reqdoc *d = arg;
	if (r->id != d->id)
		return 0;
	fk_request_clear(&d->r);
	d->r = *r;
	d->r.items = NULL;
	if (r->n_items > 0 && (d->r.items = malloc(sizeof *r->items * (size_t)r->n_items)))
		memcpy(d->r.items, r->items, sizeof *r->items * (size_t)r->n_items);
	else
		d->r.n_items = 0;
	return 1;
}

static void time_line(reqdoc *d, const char *label, int64_t ns)
{
	char when[48];
	if (!ns)
		return;
	tui_fmt_time(ns, 1, when, sizeof when);
	add_line(d, "%-14s %s", label, when);
}

/* The print's copies the printer did not take, as they stand in the spool: one a re-send left
 * half-way (it died while sending) is shown so, for the operator to send it again with S. */
static fk_status spool_lines(app *a, reqdoc *d, fk_error *err)
{
	int n = 0;
	fk_spooled *c = calloc(FK_REQ_ITEMS_MAX_PRINT, sizeof *c);
	fk_status s = c ? fk_print_spooled(a->ctx, d->r.id, c, FK_REQ_ITEMS_MAX_PRINT, &n, err)
			: fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK && n > 0) {
		add_line(d, "%s", "");
		add_line(d, _("Copies left in the print spool (%d):"), n);
	}
	for (int i = 0; s == FK_OK && i < n; i++)
		add_line(d, "  %s  %s", c[i].number,
			 c[i].state == FK_SPOOL_INTERRUPTED ? _("interrupted while sending: send it again (S)")
			 : c[i].state == FK_SPOOL_SENDING ? _("being sent by another terminal or command")
							 : _("waiting to be sent again (S)"));
	free(c);
	return s;
}

static fk_status reqdoc_open(view *v, fk_error *err)
{
	reqdoc *d = v->data;
	reqdoc_free_lines(d);
	d->r.id = 0;
	fk_status s = fk_request_list(v->app->ctx, FK_REQ_LIST_DEFAULT, REQ_ROWS_MAX, find_one, d, err);
	if (s != FK_OK)
		return s;
	if (d->r.id != d->id)
		return fk_fail(err, FK_ERR_NOTFOUND, "request %lld is not among yours", (long long)d->id);
	const fk_request *r = &d->r;
	add_line(d, "%-14s %lld", _("Request"), (long long)r->id);
	add_line(d, "%-14s %s", _("Kind"), tui_req_kind_text(r->kind));
	add_line(d, "%-14s %s", _("State"), tui_req_state_text(r->state));
	add_line(d, "%-14s %s", _("Requester"), r->requester);
	time_line(d, _("Asked"), r->created_at);
	add_line(d, "%-14s %s", _("Reason"), r->reason);
	if (r->decided_by[0]) {
		add_line(d, "%-14s %s", _("Decided by"), r->decided_by);
		time_line(d, _("Decided"), r->decided_at);
		add_line(d, "%-14s %s", _("Their reason"), r->decision_reason);
	}
	time_line(d, _("Valid until"), r->valid_until);
	time_line(d, _("Carried out"), r->executed_at);
	add_line(d, "%s", "");
	if (r->municipality[0])
		add_line(d, "%-14s %s", _("Municipality"), r->municipality);
	if (r->after_return)
		add_line(d, _("After return %lld: exactly what it held"), (long long)r->after_return);
	if (r->municipality[0])
		add_line(d, "%s", _("Every register of the municipality with every version, its ledger and documents."));
	else
		add_line(d, _("Registers fixed by the request (%d):"), r->n_items);
	for (int i = 0; i < r->n_items; i++)
		add_line(d, _("  register %lld, version %d"), (long long)r->items[i].register_id,
			 r->items[i].version);
	if (r->kind == FK_REQ_PRINT && r->state == FK_REQ_EXECUTED && (s = spool_lines(v->app, d, err)) != FK_OK)
		return s;
	v->nrows = d->n;
	v->selectable = 0;
	snprintf(v->title, sizeof v->title, _("Request %lld"), (long long)r->id);
	return FK_OK;
}

static void reqdoc_line(view *v, int i, int y, int cols, int selected)
{
	tui_put(y, 1, ((reqdoc *)v->data)->lines[i], cols - 2);
}

static void reqdoc_close(view *v)
{
	reqdoc *d = v->data;
	reqdoc_free_lines(d);
	free(d->lines);
	fk_request_clear(&d->r);
	free(d);
}

static const view_ops reqdoc_ops = {"request", reqdoc_open, NULL, reqdoc_line, NULL, NULL, reqdoc_close, 0};

view *request_view(app *a, int64_t id)
{
	reqdoc *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->id = id;
	char title[64];
	snprintf(title, sizeof title, _("Request %lld"), (long long)id);
	view *v = tui_view_new(a, &reqdoc_ops, d, title);
	if (!v)
		free(d);
	return v;
}

/* Ask for kind of a register's current version from its screen (the core fixes the version
 * and decides by the right kind needs), prompt asking the reason: the request's number, 0 when
 * none was made (cancelled, or refused and said). */
static int64_t request_make(app *a, fk_req_kind kind, int64_t register_id, const char *prompt)
{
	char reason[FK_REQ_REASON_MAX + 1];
	if (!tui_prompt(a, prompt, reason, sizeof reason))
		return 0;
	fk_error err;
	fk_error_clear(&err);
	int64_t id = 0;
	if (fk_request_make(a->ctx, kind, &register_id, 1, reason, &id, &err) != FK_OK) {
		tui_error(a, &err, NULL);
		return 0;
	}
	return id;
}

void tui_request_print(app *a, int64_t register_id)
{
	int64_t id = request_make(a, FK_REQ_PRINT, register_id, _("Reason for the print (who asked, what for):"));
	if (id)
		tui_message(a, 0, _("Print request %lld made: a supervisor approves it; then print it from O (requests)."),
			    (long long)id);
}

void tui_request_dispose(app *a, int64_t register_id)
{
	int64_t id = request_make(a, FK_REQ_DISPOSE, register_id, _("Reason for the disposal (which rule, whose request):"));
	if (id)
		tui_message(a, 0, _("Disposal request %lld made: a supervisor approves it; then carry it out from O with x."),
			    (long long)id);
}

/* A whole municipality's return, asked for from the home screen (R-DISPOSE 8(1)ク): the core
 * decides by the export right on all four of its kinds and records it. */
void tui_request_return(app *a, const char *code)
{
	char reason[FK_REQ_REASON_MAX + 1], label[160];
	snprintf(label, sizeof label, _("Reason for returning municipality %s's data (its request):"), code);
	if (!tui_prompt(a, label, reason, sizeof reason))
		return;
	fk_error err;
	fk_error_clear(&err);
	int64_t id = 0;
	if (fk_request_make_municipality(a->ctx, FK_REQ_RETURN, code, 0, reason, &id, &err) != FK_OK)
		tui_error(a, &err, code);
	else
		tui_message(a, 0, _("Return request %lld made: a supervisor approves it; then carry it out from O with E."),
			    (long long)id);
}

/* The second step after a return: the municipality's disposal, naming the return it follows
 * (the core then disposes of exactly what the return held, and refuses if anything came after). */
void tui_request_dispose_muni(app *a, const char *code, int64_t after_return)
{
	char reason[FK_REQ_REASON_MAX + 1], q[240];
	fk_error err;
	fk_error_clear(&err);
	snprintf(q, sizeof q, _("Reason for disposing of municipality %s's data after return %lld:"), code,
		 (long long)after_return);
	if (!tui_prompt(a, q, reason, sizeof reason))
		return;
	int64_t id = 0;
	if (fk_request_make_municipality(a->ctx, FK_REQ_DISPOSE_MUNI, code, after_return, reason, &id, &err) != FK_OK)
		tui_error(a, &err, code);
	else
		tui_message(a, 0, _("Disposal request %lld made: a supervisor approves it; then carry it out from O with x."),
			    (long long)id);
}
