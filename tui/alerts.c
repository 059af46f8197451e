/* The alerts screen of supervisors and administrators: what the detectors raised; acknowledge
 * one with a note (R-INTRUSION). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define ROWS_MAX 200

typedef struct alerts {
	fk_alert rows[ROWS_MAX];
} alerts;

static fk_status alerts_open(view *v, fk_error *err)
{
	alerts *l = v->data;
	v->nrows = 0;
	v->header_rows = 2;
	v->empty = _("None: no alert has been raised.");
	return fk_alert_list(v->app->ctx, 1, l->rows, ROWS_MAX, &v->nrows, err);
}

/* What the detector saw, in words; counts only, as in syslog. */
static void what(const fk_alert *r, char *buf, size_t len)
{
	long long c = (long long)r->count, w = (long long)r->window_s / 60;
	switch (r->detector) {
	case FK_ALERT_SIGNIN_BURST:
		snprintf(buf, len, _("%lld failed sign-ins in %lld min, all terminals"), c, w);
		break;
	case FK_ALERT_SIGNIN_TERMINAL:
		snprintf(buf, len, _("At %s: %lld failed sign-ins in %lld min"), r->subject, c, w);
		break;
	case FK_ALERT_REFUSALS:
		snprintf(buf, len, _("%s refused %lld times in %lld min"), r->subject, c, w);
		break;
	case FK_ALERT_BULK_VIEW:
		snprintf(buf, len, _("%s opened %lld registers in %lld min"), r->subject, c, w);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

static void alerts_header(view *v, int y, int cols)
{
	(void)v;
	tui_put(y, 1, _("o: acknowledge the selected alert (a note is required)"), cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, 1, _("No.  Raised (JST)     State       What"), cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void alerts_line(view *v, int i, int y, int cols, int selected)
{
	(void)selected;
	const fk_alert *r = &((alerts *)v->data)->rows[i];
	char no[24], when[40], state[96], text[320];
	snprintf(no, sizeof no, "%lld", (long long)r->id);
	tui_fmt_time(r->raised_at, 1, when, sizeof when);
	char *zone = strstr(when, " JST"); /* the heading says JST once */
	if (zone)
		*zone = '\0';
	if (r->acked_at)
		snprintf(state, sizeof state, _("ack: %s"), r->acked_by_user);
	else
		snprintf(state, sizeof state, "%s", _("OPEN"));
	what(r, text, sizeof text);
	if (!r->acked_at)
		attron(A_BOLD); /* open ones stand out without colour */
	/* widths for 80 columns: what was seen keeps 44 of them */
	tui_put(y, 1, no, 5);
	tui_put(y, 6, when, 17);
	tui_put(y, 23, state, 12);
	tui_put(y, 35, text, cols - 36);
	attroff(A_BOLD);
}

static int alerts_request(view *v, enum action act)
{
	alerts *l = v->data;
	if (act != ACT_ACK || !v->nrows)
		return 0;
	const fk_alert *r = &l->rows[v->cursor];
	if (r->acked_at) {
		tui_message(v->app, 1, _("Alert %lld is acknowledged already."), (long long)r->id);
		return 1;
	}
	char note[FK_ALERT_NOTE_MAX * 4 + 1];
	if (!tui_prompt(v->app, _("Note (what was found, what was done):"), note, sizeof note))
		return 1;
	fk_error err;
	fk_error_clear(&err);
	long long id = (long long)r->id;
	if (fk_alert_ack(v->app->ctx, r->id, note, &err) != FK_OK) {
		tui_error(v->app, &err, NULL);
		return 1;
	}
	tui_message(v->app, 0, _("Alert %lld acknowledged."), id);
	if (alerts_open(v, &err) != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

static void alerts_close(view *v)
{
	free(v->data);
}

static const view_ops alerts_ops = {"alerts", alerts_open, alerts_header, alerts_line, NULL,
				    alerts_request, alerts_close, ACTS(ACK)};

view *alerts_view(app *a)
{
	alerts *l = calloc(1, sizeof *l);
	view *v = l ? tui_view_new(a, &alerts_ops, l, _("Alerts")) : NULL;
	if (!v)
		free(l);
	return v;
}
