/* The supervisor's lockout screen: accounts with failures or a lock; unlock with a reason (R-LOCKOUT). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define ROWS_MAX 1024

typedef struct lockouts {
	fk_lockout_row rows[ROWS_MAX];
} lockouts;

static int collect(const fk_lockout_row *row, void *arg)
{
	view *v = arg;
	lockouts *l = v->data;
	if (v->nrows == ROWS_MAX)
		return 1;
	l->rows[v->nrows++] = *row;
	return 0;
}

static fk_status lockouts_open(view *v, fk_error *err)
{
	v->nrows = 0;
	v->header_rows = 2;
	v->empty = _("None: no account has failures or a lock."); /* not a blank after the last unlock */
	return fk_access_lockouts(v->app->ctx, collect, v, err);
}

static void lockouts_header(view *v, int y, int cols)
{
	tui_put(y, 1, _("u: unlock the selected account (a reason is required; nobody unlocks their own)"),
		cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, 1, _("User              Failures  Last failure (JST)    Terminal        Locked until"),
		cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void lockouts_line(view *v, int i, int y, int cols, int selected)
{
	const fk_lockout_row *r = &((lockouts *)v->data)->rows[i];
	char fails[16], last[40], until[48];
	snprintf(fails, sizeof fails, "%8d ", r->failures);
	tui_fmt_time(r->last_failure, 1, last, sizeof last);
	if (!r->locked)
		snprintf(until, sizeof until, "%s", _("not locked"));
	else if (r->locked_until < 0)
		snprintf(until, sizeof until, "%s", _("until unlocked"));
	else
		tui_fmt_time(r->locked_until, 1, until, sizeof until);
	tui_put(y, 1, r->user, 18);
	tui_put(y, 19, fails, 10);
	tui_put(y, 29, last, 22);
	tui_put(y, 51, r->last_terminal, 16);
	tui_put(y, 67, until, cols - 68);
}

static int lockouts_request(view *v, enum action act)
{
	lockouts *l = v->data;
	if (act != ACT_UNLOCK || !v->nrows)
		return 0;
	char reason[256];
	if (!tui_prompt(v->app, _("Reason for unlocking:"), reason, sizeof reason))
		return 1;
	fk_error err;
	fk_error_clear(&err);
	char user[FK_LOCK_KEY_MAX];
	fk_copy_str(user, sizeof user, l->rows[v->cursor].user);
	if (fk_lockout_unlock(v->app->ctx, user, reason, &err) != FK_OK) {
		tui_error(v->app, &err, user);
		return 1;
	}
	tui_message(v->app, 0, _("%s unlocked."), user);
	if (lockouts_open(v, &err) != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

static void lockouts_close(view *v)
{
	free(v->data);
}

static const view_ops lockouts_ops = {"lockouts", lockouts_open, lockouts_header, lockouts_line, NULL,
				      lockouts_request, lockouts_close, ACTS(UNLOCK)};

view *lockouts_view(app *a)
{
	lockouts *l = calloc(1, sizeof *l);
	view *v = l ? tui_view_new(a, &lockouts_ops, l, _("Sign-in failures and locks")) : NULL;
	if (!v)
		free(l);
	return v;
}
