/* Home: the bureau's municipalities with their figures; the start of every path. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tui.h"

typedef struct home {
	fk_muni_stat *rows;
	int n;
	int64_t newest; /* newest reception of any municipality */
} home;

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
	v->header_rows = 2;
	return s;
}

/* Column widths: code, name, four counts, last reception, attention. */
enum { W_CODE = 8, W_COUNT = 10, W_TIME = 22, W_NOTE = 18 };

/* A municipality that has sent nothing for this long, while the bureau's
 * others kept sending, needs a look. Measured against the newest reception
 * rather than the clock, so a terminal reopened after a holiday is calm. */
#define QUIET_DAYS 30

static int name_width(int cols)
{
	int w = cols - W_CODE - 4 * W_COUNT - W_TIME - W_NOTE - 2;
	return w < 10 ? 10 : w;
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
	tui_put(y, 1, line, cols - 2);
	int nw = name_width(cols), x = 1;
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, x, _("Code"), W_CODE);
	tui_put(y + 1, x += W_CODE, _("Municipality"), nw);
	tui_put_right(y + 1, x += nw, _("戸籍"), W_COUNT);
	tui_put_right(y + 1, x += W_COUNT, _("除籍"), W_COUNT);
	tui_put_right(y + 1, x += W_COUNT, _("Ledger"), W_COUNT);
	tui_put_right(y + 1, x += W_COUNT, _("Documents"), W_COUNT);
	tui_put(y + 1, x += W_COUNT, _(" Last received"), W_TIME);
	tui_put(y + 1, x + W_TIME, _("Attention"), W_NOTE);
	attroff(A_BOLD | A_UNDERLINE);
}

/* A kind the operator may not view shows "-", not a count of 0. */
static void count(int y, int x, int64_t n, int permitted)
{
	char b[32];
	if (permitted)
		snprintf(b, sizeof b, "%9lld ", (long long)n);
	else
		snprintf(b, sizeof b, "%9s ", "-");
	tui_put(y, x, b, W_COUNT);
}

static void home_line(view *v, int i, int y, int cols, int selected)
{
	const fk_muni_stat *r = &((home *)v->data)->rows[i];
	char when[40];
	int nw = name_width(cols), x = 1;
	tui_put(y, x, r->m.code, W_CODE);
	tui_put(y, x += W_CODE, r->m.name, nw);
	count(y, x += nw, r->n[1], r->permitted & 1);
	count(y, x += W_COUNT, r->n[2], r->permitted & 2);
	count(y, x += W_COUNT, r->n[3], r->permitted & 4);
	count(y, x += W_COUNT, r->n[4], r->permitted & 8);
	tui_fmt_time(r->last_received, 1, when, sizeof when);
	char last[64];
	snprintf(last, sizeof last, " %s", r->last_received ? when : "-");
	tui_put(y, x += W_COUNT, last, W_TIME);
	tui_put(y, x + W_TIME, attention(r, ((home *)v->data)->newest), W_NOTE);
}

static int home_request(view *v, enum action act)
{
	home *h = v->data;
	if (act == ACT_HISTORY) {
		tui_push(v->app, history_view(v->app));
		return 1;
	}
	if (act == ACT_LOCKOUTS) {
		tui_push(v->app, lockouts_view(v->app));
		return 1;
	}
	if (act == ACT_PACKAGES) {
		tui_push(v->app, packages_view(v->app));
		return 1;
	}
	if (act == ACT_GRANTS) {
		tui_push(v->app, grants_view(v->app));
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
	case ACT_SEARCH: {
		char q[256];
		if (tui_prompt(v->app, _("Search (reading, 筆頭者 name or 本籍):"), q, sizeof q) && q[0])
			tui_push(v->app, search_view(v->app, tui_guess_field(q), q));
		return 1;
	}
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
				  home_close};

view *home_view(app *a)
{
	home *h = calloc(1, sizeof *h);
	view *v = h ? tui_view_new(a, &home_ops, h, _("Home")) : NULL;
	if (!v)
		free(h);
	return v;
}
