/* Home: the bureau's municipalities with their figures; the start of every path. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

typedef struct home {
	fk_muni_stat *rows;
	int n;
	int64_t newest; /* newest reception of any municipality */
	int attention;  /* the attention line is shown (supervisors, administrators) */
	int locked;     /* accounts locked now; -1: could not be read */
	int decides;    /* the operator decides requests (supervisors): the waiting line is shown */
	long long waiting; /* requests waiting for the bureau's decision; -1: could not be read */
	long long alerts;  /* open intrusion alerts (R-INTRUSION); -1: could not be read */
	fk_hc_level health; /* the terminal's health, for the attention line (issue 13) */
	long long ending;  /* in-force grants of the bureau ending within 30 days; -1: could not be read */
	int rotation_due;  /* a disposal made the master key's rotation due (docs/disposal.md) */
} home;

/* The municipality rows start below the heading and the attention lines shown. */
static int header_rows(const home *h)
{
	return 2 + 2 * (h->attention != 0) + (h->decides != 0) + (h->alerts != 0) + (h->ending != 0) +
	       (h->rotation_due != 0);
}

static int count_grant(const fk_grant *g, void *arg)
{
	(void)g;
	++*(long long *)arg;
	return 0;
}

static int count_locked(const fk_lockout_row *row, void *arg)
{
	if (row->locked)
		++*(int *)arg;
	return 0;
}

/* The attention lines (issue 11, item 9; issue 12): what needs a supervisor now: locked
 * accounts, and the requests waiting for the bureau's decision. Both reads are decided and
 * recorded like opening their lists, and only the roles that may are asked. */
static void load_attention(view *v)
{
	home *h = v->data;
	fk_error err;
	fk_error_clear(&err);
	unsigned role = 1u << v->app->ctx->actor.role;
	h->attention = (fk_op_get(FK_OP_LOCKOUT_VIEW)->mask & role) != 0;
	/* Only whoever may approve is shown the queue: the count is theirs to act on. */
	h->decides = (fk_op_get(FK_OP_REQUEST_APPROVE)->mask & role) != 0;
	if (h->attention) {
		h->locked = 0;
		if (fk_access_lockouts(v->app->ctx, count_locked, &h->locked, &err) != FK_OK) {
			h->locked = -1;
			tui_error(v->app, &err, NULL);
		}
	}
	/* Open alerts: a line only while there are some (whoever may see the alerts). */
	h->alerts = 0;
	if (fk_op_get(FK_OP_ALERT_LIST)->mask & role) {
		int64_t n = 0;
		fk_error_clear(&err);
		h->alerts = fk_alert_count_open(v->app->ctx, &n, &err) == FK_OK ? (long long)n : -1;
	}
	/* The same people see whether the terminal needs a look (R-DETECT): the level alone, read
	 * as part of this recorded screen; D opens the recorded health screen. */
	if (h->attention)
		h->health = fk_health_level(v->app->ctx);
	/* Its own line too, while due (R-DISPOSE): until the rotation, every backup from before
	 * the disposal still opens what it destroyed. */
	h->rotation_due = 0;
	if (h->attention) {
		int64_t since;
		uint32_t kek;
		fk_error_clear(&err);
		if (fk_disposal_rotation_due(v->app->ctx, &h->rotation_due, &since, &kek, &err) != FK_OK)
			h->rotation_due = 0; /* the health line says the terminal could not be read */
	}
	/* Grants ending soon (R-FILES): counted over every row the core hands, never a page of
	 * them, so that the number is exact however many there are; a line only while some are. */
	h->ending = 0;
	if (h->attention) { /* supervisors and administrators, who manage grants */
		fk_error_clear(&err);
		if (fk_grant_expiring(v->app->ctx, v->app->bureau_id, 30, count_grant, &h->ending, &err) != FK_OK)
			h->ending = -1;
	}
	if (h->decides) {
		int64_t n = 0;
		fk_error_clear(&err);
		if (fk_request_waiting_count(v->app->ctx, &n, &err) == FK_OK) {
			h->waiting = (long long)n;
		} else {
			h->waiting = -1;
			tui_error(v->app, &err, NULL);
		}
	}
}

static fk_status home_open(view *v, fk_error *err)
{
	home *h = v->data;
	app *a = v->app;
	free(h->rows);
	h->rows = NULL;
	fk_status s = fk_access_home(a->ctx, &h->rows, &h->n, err);
	h->newest = 0;
	for (int i = 0; i < h->n; i++)
		if (h->rows[i].last_received > h->newest)
			h->newest = h->rows[i].last_received;
	v->nrows = h->n;
	if (s == FK_OK)
		load_attention(v);
	v->header_rows = header_rows(h);
	return s;
}

/* Column widths: code, counts, last reception (JST, in the heading), attention. */
enum { W_CODE = 8, W_COUNT = 8, W_TIME = 17, W_NOTE = 20, W_NAME_MIN = 14, W_NAME_MAX = 40 };

/* A municipality that has sent nothing for this long, while the bureau's
 * others kept sending, needs a look. Measured against the newest reception
 * rather than the clock, so a terminal reopened after a holiday is calm. */
#define QUIET_DAYS 30

/* The columns that fit cols, by priority: code, name, 戸籍, 除籍 and attention always; then the
 * last reception, the ledger, the documents, as the width allows (issue 11, item 5: at 80
 * columns the attention column stays). */
typedef struct layout {
	int name, time, ledger, docs;
} layout;

static layout lay_out(int cols)
{
	layout l = {0};
	int left = cols - 2 - W_CODE - 2 * W_COUNT - W_NOTE - W_NAME_MIN;
	if (left >= W_TIME) {
		l.time = W_TIME;
		left -= W_TIME;
	}
	if (left >= W_COUNT) {
		l.ledger = W_COUNT;
		left -= W_COUNT;
	}
	if (left >= W_COUNT) {
		l.docs = W_COUNT;
		left -= W_COUNT;
	}
	l.name = W_NAME_MIN + (left > 0 ? left : 0);
	if (l.name > W_NAME_MAX)
		l.name = W_NAME_MAX;
	return l;
}

/* What needs the operator's attention on this row ("" when nothing). */
static const char *attention(const fk_muni_stat *r, int64_t newest)
{
	if (!r->permitted)
		return _("no permission");
	if (!r->last_received)
		return _("⚠ nothing received");
	if (newest - r->last_received > (int64_t)QUIET_DAYS * 86400 * 1000000000)
		return _("⚠ quiet for 30+ days");
	return "";
}

/* One attention line: some (the count already in it) when n > 0, unread when n < 0; both in
 * bold, so that a failure to read never looks like "nothing to do". */
static void attention_line(int y, int cols, long long n, const char *some, const char *unread,
			   const char *none)
{
	if (n != 0)
		attron(A_BOLD);
	tui_put(y, 1, n > 0 ? some : n < 0 ? unread : none, cols - 2);
	attroff(A_BOLD);
}

static void home_header(view *v, int y, int cols)
{
	home *h = v->data;
	char line[256];
	int64_t total[5] = {0};
	for (int i = 0; i < h->n; i++)
		for (int k = 1; k <= 4; k++)
			total[k] += h->rows[i].n[k];
	snprintf(line, sizeof line, _("%s: %d municipalities, %lld registers, %lld removed registers"),
		 v->app->bureau_name, h->n, (long long)total[1], (long long)total[2]);
	tui_put(y++, 1, line, cols - 2);
	if (h->attention) {
		snprintf(line, sizeof line, _("Attention: %lld locked account(s) (L shows them)"),
			 (long long)h->locked);
		attention_line(y++, cols, h->locked, line, _("Attention: locked accounts could not be read"),
			       _("Attention: no locked accounts"));
	}
	if (h->alerts) {
		snprintf(line, sizeof line, _("Attention: %lld open alert(s) (! shows them)"), h->alerts);
		attention_line(y++, cols, h->alerts, line, _("Attention: alerts could not be read"), "");
	}
	if (h->attention) {
		static const char *const words[] = {N_("Attention: the terminal's health is OK"),
						    N_("Attention: the terminal's health has WARNINGS (D shows them)"),
						    N_("Attention: the terminal's health is CRITICAL (D shows it)"),
						    N_("Attention: the terminal's health could not be read (D)")};
		if (h->health != FK_HC_OK)
			attron(A_BOLD);
		tui_put(y++, 1, _(words[h->health <= FK_HC_UNKNOWN ? h->health : FK_HC_UNKNOWN]), cols - 2);
		attroff(A_BOLD);
	}
	if (h->rotation_due) {
		attron(A_BOLD);
		tui_put(y++, 1, _("Attention: the master key's rotation is due after a disposal (an administrator: "
				  "fukuhonctl key rotate)"), cols - 2);
		attroff(A_BOLD);
	}
	if (h->ending) {
		snprintf(line, sizeof line, _("Attention: %lld grant(s) end within 30 days (P, then e, shows them)"), h->ending);
		attention_line(y++, cols, h->ending, line, _("Attention: grants ending soon could not be read"), "");
	}
	if (h->decides) {
		snprintf(line, sizeof line, _("Attention: %lld request(s) waiting for approval (O shows them)"), h->waiting);
		attention_line(y++, cols, h->waiting, line, _("Attention: waiting requests could not be read"),
			       _("Attention: no requests waiting for approval"));
	}
	layout l = lay_out(cols);
	int x = 1;
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y, x, _("Code"), W_CODE);
	tui_put(y, x += W_CODE, _("Municipality"), l.name);
	tui_put_right(y, x += l.name, _("戸籍"), W_COUNT);
	tui_put_right(y, x += W_COUNT, _("除籍"), W_COUNT);
	x += W_COUNT;
	if (l.ledger)
		tui_put_right(y, x, _("Ledger"), W_COUNT);
	x += l.ledger;
	if (l.docs)
		tui_put_right(y, x, _("Docs"), W_COUNT);
	x += l.docs;
	if (l.time)
		tui_put(y, x, _(" Received (JST)"), l.time);
	tui_put(y, x + l.time, _("Attention"), W_NOTE);
	attroff(A_BOLD | A_UNDERLINE);
}

/* A kind the operator may not view shows "-", not a count of 0. */
static void count(int y, int x, int64_t n, int permitted)
{
	char b[32];
	if (permitted)
		snprintf(b, sizeof b, "%*lld ", W_COUNT - 1, (long long)n);
	else
		snprintf(b, sizeof b, "%*s ", W_COUNT - 1, "-");
	tui_put(y, x, b, W_COUNT);
}

static void home_line(view *v, int i, int y, int cols, int selected)
{
	const fk_muni_stat *r = &((home *)v->data)->rows[i];
	layout l = lay_out(cols);
	int x = 1;
	tui_put(y, x, r->m.code, W_CODE);
	tui_put(y, x += W_CODE, r->m.name, l.name);
	count(y, x += l.name, r->n[1], r->permitted & 1);
	count(y, x += W_COUNT, r->n[2], r->permitted & 2);
	x += W_COUNT;
	if (l.ledger)
		count(y, x, r->n[3], r->permitted & 4);
	x += l.ledger;
	if (l.docs)
		count(y, x, r->n[4], r->permitted & 8);
	x += l.docs;
	if (l.time) {
		char when[40], last[64];
		tui_fmt_time(r->last_received, 1, when, sizeof when);
		char *zone = strstr(when, " JST"); /* the heading says JST once */
		if (zone)
			*zone = '\0';
		snprintf(last, sizeof last, " %s", r->last_received ? when : "-");
		tui_put(y, x, last, l.time);
	}
	tui_put(y, x + l.time, attention(r, ((home *)v->data)->newest), W_NOTE);
}

static int home_request(view *v, enum action act)
{
	home *h = v->data;
	if (act == ACT_RESUMED) {
		/* Back from the lockouts: an unlock there changes the count here. */
		if ((h->attention || h->decides) && v->app->closed &&
		    (!strcmp(v->app->closed, "lockouts") || !strcmp(v->app->closed, "requests") ||
		     !strcmp(v->app->closed, "alerts") || !strcmp(v->app->closed, "health") ||
		     !strcmp(v->app->closed, "grants"))) {
			load_attention(v);
			v->header_rows = header_rows(h);
		}
		return 1;
	}
	if (!h->n)
		return 0;
	const fk_muni *m = &h->rows[v->cursor].m;
	switch (act) {
	case ACT_OPEN:
	case ACT_KOSEKI:
		tui_push(v->app, reglist_view(v->app, m, FK_FILE_KOSEKI));
		return 1;
	case ACT_JOSEKI:
		tui_push(v->app, reglist_view(v->app, m, FK_FILE_JOSEKI));
		return 1;
	case ACT_LEDGER:
	case ACT_DOCS:
		tui_push(v->app, records_view(v->app, m, act == ACT_LEDGER ? FK_FILE_LEDGER : FK_FILE_DOCS));
		return 1;
	case ACT_EXPORT:
		tui_request_return(v->app, m->code);
		return 1;
	default:
		return 0;
	}
}

static void home_close(view *v)
{
	home *h = v->data;
	free(h->rows);
	free(h);
}

static const view_ops home_ops = {"home", home_open, home_header, home_line, NULL, home_request,
				  home_close, ACTS(OPEN) | ACTS(SEARCH) | TUI_ACTS_MUNI | ACTS(EXPORT)};

view *home_view(app *a)
{
	home *h = calloc(1, sizeof *h);
	view *v = h ? tui_view_new(a, &home_ops, h, _("Home")) : NULL;
	if (!v)
		free(h);
	return v;
}
