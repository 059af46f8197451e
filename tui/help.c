/* Help: generated from the action table and the screen's action set, so it says what the keys do here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tui.h"

typedef struct help {
	int n;
	const struct action_info *rows[ACT_COUNT];
} help;

static fk_status help_open(view *v, fk_error *err)
{
	(void)err;
	v->nrows = ((help *)v->data)->n;
	v->header_rows = 1;
	return FK_OK;
}

static void help_header(view *v, int y, int cols)
{
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y, 1, _("Keys of this screen (function keys, vi-style and arrow keys all work)"), cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void help_line(view *v, int i, int y, int cols, int selected)
{
	const struct action_info *a = ((help *)v->data)->rows[i];
	tui_put(y, 2, a->label, 14);
	tui_put(y, 17, _(a->help), cols - 18);
}

static void help_close(view *v)
{
	free(v->data);
}

static const view_ops help_ops = {"help", help_open, help_header, help_line, NULL, NULL, help_close, 0};

view *help_view(app *a, action_set set)
{
	help *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	/* C-t works in the search prompt, not on the screen: listed wherever / opens it. */
	if (set & ACTS(SEARCH))
		set |= ACTS(KANA);
	for (const struct action_info *i = tui_actions; i->label; i++)
		if (set & ACTS_OF(i->act))
			h->rows[h->n++] = i;
	view *v = tui_view_new(a, &help_ops, h, _("Help"));
	if (!v)
		free(h);
	return v;
}
