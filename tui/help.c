/* Help: generated from the action table, so it always says what the keys do. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tui.h"

static fk_status help_open(view *v, fk_error *err)
{
	v->nrows = ACT_COUNT - 1;
	v->header_rows = 1;
	return FK_OK;
}

static void help_header(view *v, int y, int cols)
{
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y, 1, _("Keys (function keys, vi-style and arrow keys all work)"), cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void help_line(view *v, int i, int y, int cols, int selected)
{
	const struct action_info *a = &tui_actions[i];
	tui_put(y, 2, a->label, 14);
	tui_put(y, 17, _(a->help), cols - 18);
}

static const view_ops help_ops = {"help", help_open, help_header, help_line, NULL, NULL, NULL};

view *help_view(app *a)
{
	return tui_view_new(a, &help_ops, NULL, _("Help"));
}
