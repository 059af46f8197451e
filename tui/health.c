/* The supervisor's and administrator's health screen: one line per check, worst first in the heading (R-DETECT). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

static fk_status health_open(view *v, fk_error *err)
{
	fk_hc_report *r = v->data;
	fk_status s = fk_health_report(v->app->ctx, 0, r, NULL, NULL, err);
	v->nrows = s == FK_OK ? FK_HC_COUNT : 0;
	v->header_rows = 3;
	return s;
}

static const char *level_word(fk_hc_level l)
{
	switch (l) {
	case FK_HC_OK:
		return _("OK");
	case FK_HC_WARNING:
		return _("WARNING");
	case FK_HC_CRITICAL:
		return _("CRITICAL");
	default:
		return _("UNKNOWN");
	}
}

/* Column widths: the level, the check's name; the finding takes the rest. */
enum { W_LEVEL = 10, W_TITLE = 34 };

static void health_header(view *v, int y, int cols)
{
	fk_hc_report *r = v->data;
	char line[256];
	if (r->level != FK_HC_OK)
		attron(A_BOLD);
	snprintf(line, sizeof line, _("Terminal health: %s"), level_word(r->level));
	tui_put(y, 1, line, cols - 2);
	attroff(A_BOLD);
	tui_put(y + 1, 1, _("Full check and backups: fukuhonctl health --check, audit verify, backup (administrators)"),
		cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 2, 1, _("State"), W_LEVEL);
	tui_put(y + 2, 1 + W_LEVEL, _("Check"), W_TITLE);
	tui_put(y + 2, 1 + W_LEVEL + W_TITLE, _("Finding (JST)"), cols - 2 - W_LEVEL - W_TITLE);
	attroff(A_BOLD | A_UNDERLINE);
}

static void health_line(view *v, int i, int y, int cols, int selected)
{
	const fk_hc_item *it = &((fk_hc_report *)v->data)->item[i];
	char what[480], when[48], line[560];
	(void)selected;
	/* The finding in the console's language, its stored text ({a}) put in as data. */
	fk_msg_expand(_(it->what), it->arg, it->n, what, sizeof what);
	if (it->when) {
		tui_fmt_time(it->when, 1, when, sizeof when);
		snprintf(line, sizeof line, "%s (%s)", what, when);
	} else {
		fk_copy_str(line, sizeof line, what);
	}
	/* Not colour alone: the word says the level, and anything not OK is bold. */
	if (it->level != FK_HC_OK)
		attron(A_BOLD);
	tui_put(y, 1, level_word(it->level), W_LEVEL);
	attroff(A_BOLD);
	tui_put(y, 1 + W_LEVEL, _(fk_hc_title(it->id)), W_TITLE);
	tui_put(y, 1 + W_LEVEL + W_TITLE, line, cols - 2 - W_LEVEL - W_TITLE);
}

static int health_request(view *v, enum action act)
{
	fk_error err;
	if (act != ACT_RESUMED)
		return 0;
	/* Back on top: read again (a screen above may have taken minutes). */
	fk_error_clear(&err);
	if (health_open(v, &err) != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

static void health_close(view *v)
{
	free(v->data);
}

static const view_ops health_ops = {"health", health_open, health_header, health_line, NULL,
				    health_request, health_close, 0};

view *health_view(app *a)
{
	fk_hc_report *r = calloc(1, sizeof *r);
	view *v = r ? tui_view_new(a, &health_ops, r, _("Terminal health")) : NULL;
	if (!v)
		free(r);
	return v;
}
