/* The supervisor's permission screens: the bureau's grants; grant, revoke (a change is a revoke and
 * a new grant); grants ending soon; an operator's effective permissions (R-FILES, R-ACCESS). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h"
#include "tui.h"

#define GRANTS_FIRST 256 /* rows allocated at first; the list grows as the core hands more */
#define EXPIRING_DAYS 30

typedef struct grants {
	fk_grant *rows;
	int cap; /* rows allocated */
	int expiring; /* 1: only grants ending within EXPIRING_DAYS */
} grants;

static int collect(const fk_grant *g, void *arg)
{
	view *v = arg;
	grants *gs = v->data;
	/* Every grant of the bureau is listed: a list cut at a fixed size would hide the grants
	 * past it from the supervisor who reviews them (R-FILES). */
	if (v->nrows == gs->cap) {
		if (gs->cap > INT_MAX / 2)
			return 1;
		fk_grant *more = realloc(gs->rows, (size_t)gs->cap * 2 * sizeof *more);
		if (!more)
			return 1;
		gs->rows = more;
		gs->cap *= 2;
	}
	gs->rows[v->nrows++] = *g;
	return 0;
}

static fk_status grants_open(view *v, fk_error *err)
{
	grants *gs = v->data;
	app *a = v->app;
	v->nrows = 0;
	v->header_rows = 2;
	fk_grant_filter f = {NULL, a->bureau_id, 0, 0};
	/* Listing grants is itself decided (grants-read) and recorded by the core. */
	return gs->expiring ? fk_grant_expiring(a->ctx, a->bureau_id, EXPIRING_DAYS, collect, v, err)
			    : fk_grant_list(a->ctx, &f, collect, v, err);
}

/* The columns of the grants list: widths in display columns, one of them a gap, so that no
 * two values run together; kinds and rights wide enough for three in Japanese words. */
static const struct {
	const char *title;
	int width;
} grant_cols[] = {
	{N_("No."), 7}, {N_("Operator"), 12}, {N_("Municipality"), 15}, {N_("Kinds"), 24},
	{N_("Rights"), 20}, {N_("Until"), 22}, {N_("State"), 0 /* the rest */},
};

/* One row of the list: values[i] in column i, each cut one column short of its width. */
static void grant_row(int y, int cols, const char *const values[])
{
	int x = 1;
	for (size_t i = 0; i < sizeof grant_cols / sizeof *grant_cols && x < cols - 1; i++) {
		int w = grant_cols[i].width ? grant_cols[i].width : cols - 1 - x;
		if (x + w > cols - 1)
			w = cols - 1 - x;
		tui_put(y, x, values[i], w - (grant_cols[i].width ? 1 : 0));
		x += w;
	}
}

static void grants_header(view *v, int y, int cols)
{
	grants *gs = v->data;
	tui_put(y, 1, gs->expiring ? _("Grants ending within 30 days.  a: grant  r: revoke  e: all grants  m: effective permissions")
				   : _("All grants of the bureau.  a: grant  r: revoke  e: ending soon  m: effective permissions"),
		cols - 2);
	const char *titles[sizeof grant_cols / sizeof *grant_cols];
	for (size_t i = 0; i < sizeof grant_cols / sizeof *grant_cols; i++)
		titles[i] = _(grant_cols[i].title);
	attron(A_BOLD | A_UNDERLINE);
	move(y + 1, 0);
	clrtoeol();
	grant_row(y + 1, cols, titles);
	attroff(A_BOLD | A_UNDERLINE);
}

/* Kinds and rights as the lists show them: all four in two words (the four words in full
 * take 24 columns, a third of an 80-column screen), any other set word by word. */
static void kinds_words(unsigned bits, char *buf, size_t len)
{
	if ((bits & FK_KINDS_ALL) == FK_KINDS_ALL)
		snprintf(buf, len, "%s", _("all kinds"));
	else
		tui_kinds_text(bits, buf, len);
}

static void rights_words(unsigned bits, char *buf, size_t len)
{
	if ((bits & FK_RIGHTS_ALL) == FK_RIGHTS_ALL)
		snprintf(buf, len, "%s", _("all rights"));
	else
		tui_rights_text(bits, buf, len);
}

/* A grant's end: one given as a date lasts through that day in Japan and ends at the next
 * midnight JST, shown as the day it lasts through, not as the next day's 00:00. */
static void until_words(int64_t until, char *buf, size_t len)
{
	const int64_t day = INT64_C(86400000000000), jst = INT64_C(32400000000000);
	if ((until + jst) % day == 0) {
		char date[32];
		fk_fmt_jst(until - 1, FK_JST_DATE, date, sizeof date);
		/* TRANSLATORS: a grant that ends with the day given (in JST). */
		snprintf(buf, len, _("%s (all day)"), date);
	} else {
		tui_fmt_time(until, 1, buf, len);
	}
}

/* The grant's state in the operator's words. */
static const char *grant_state_text(fk_grant_state st)
{
	static const char *const states[] = {
		[FK_GRANT_ACTIVE] = N_("in force"),
		[FK_GRANT_PENDING] = N_("not yet in force"),
		[FK_GRANT_EXPIRED] = N_("expired"),
		[FK_GRANT_REVOKED] = N_("revoked"),
	};
	return (unsigned)st < sizeof states / sizeof *states && states[st] ? _(states[st])
									 : fk_grant_state_id(st);
}

static void grants_line(view *v, int i, int y, int cols, int selected)
{
	const fk_grant *g = &((grants *)v->data)->rows[i];
	char no[24], kinds[96], rights[64], until[40], muni[128];
	snprintf(no, sizeof no, "%6lld", (long long)g->id);
	kinds_words(g->kinds, kinds, sizeof kinds);
	rights_words(g->rights, rights, sizeof rights);
	if (g->valid_until)
		until_words(g->valid_until, until, sizeof until);
	else
		snprintf(until, sizeof until, "%s", _("until revoked"));
	snprintf(muni, sizeof muni, "%s", g->municipality[0] ? g->muni_name : _("all municipalities"));
	const char *values[] = {no, g->user, muni, kinds, rights, until, grant_state_text(g->state)};
	grant_row(y, cols, values);
}

/* Ask a line; Esc abandons. */
static int ask(app *a, const char *label, char *buf, size_t len)
{
	buf[0] = '\0';
	return tui_prompt(a, label, buf, len);
}

static void revoke_grant(view *v)
{
	grants *gs = v->data;
	char reason[FK_GRANT_REASON_MAX + 1];
	if (!v->nrows)
		return;
	fk_error err;
	fk_error_clear(&err);
	const fk_grant *g = &gs->rows[v->cursor];
	int64_t id = g->id;
	char what[64];
	snprintf(what, sizeof what, _("grant %lld"), (long long)id);
	/* What the core would refuse, said before the reason is asked (issue 11, item 4). */
	if (g->state == FK_GRANT_REVOKED) {
		fk_fail_id(&err, FK_ERR_INVALID, FK_MSG_GRANT_ALREADY_REVOKED, NULL, (long long)id);
		tui_error(v->app, &err, what);
		return;
	}
	if (!strcmp(g->user, v->app->ctx->actor.user)) {
		fk_fail(&err, FK_ERR_DENIED, "nobody grants or revokes their own permissions");
		err.reason = FK_WHY_SELF;
		tui_error(v->app, &err, what);
		return;
	}
	if (!ask(v->app, _("Reason for revoking:"), reason, sizeof reason))
		return;
	if (fk_grant_revoke(v->app->ctx, id, reason, &err) != FK_OK) {
		tui_error(v->app, &err, what);
		return;
	}
	tui_message(v->app, 0, _("Grant %lld revoked."), (long long)id);
	if (grants_open(v, &err) != FK_OK)
		tui_error(v->app, &err, NULL);
}

static int grants_request(view *v, enum action act)
{
	grants *gs = v->data;
	fk_error err;
	fk_error_clear(&err);
	switch (act) {
	case ACT_ADD:
		tui_push(v->app, grantform_view(v->app));
		return 1;
	case ACT_RESUMED:
		/* Back from the form: a grant made there is in the list. */
		if (v->app->closed && !strcmp(v->app->closed, "grant-form") && grants_open(v, &err) != FK_OK)
			tui_error(v->app, &err, NULL);
		return 1;
	case ACT_REVOKE:
		revoke_grant(v);
		return 1;
	case ACT_EXPIRING:
		gs->expiring = !gs->expiring;
		if (grants_open(v, &err) != FK_OK)
			tui_error(v->app, &err, NULL);
		return 1;
	case ACT_MATRIX:
	case ACT_OPEN:
		if (v->nrows)
			tui_push(v->app, matrix_view(v->app, gs->rows[v->cursor].user));
		return 1;
	default:
		return 0;
	}
}

static void grants_close(view *v)
{
	grants *gs = v->data;
	free(gs->rows);
	free(gs);
}

static const view_ops grants_ops = {"grants", grants_open, grants_header, grants_line, NULL,
				    grants_request, grants_close,
				    ACTS(OPEN) | ACTS(ADD) | ACTS(REVOKE) | ACTS(EXPIRING) | ACTS(MATRIX)};

view *grants_view(app *a)
{
	grants *gs = calloc(1, sizeof *gs);
	if (gs)
		gs->cap = GRANTS_FIRST;
	if (gs && !(gs->rows = calloc(GRANTS_FIRST, sizeof *gs->rows))) {
		free(gs);
		gs = NULL;
	}
	view *v = gs ? tui_view_new(a, &grants_ops, gs, _("File permissions")) : NULL;
	if (!v && gs) {
		free(gs->rows);
		free(gs);
	}
	return v;
}

/* ---- one operator's effective permissions: municipality × kind ---- */

typedef struct matrix {
	char user[72];
	fk_perm_matrix m;
} matrix;

static fk_status matrix_open(view *v, fk_error *err)
{
	matrix *mx = v->data;
	v->header_rows = 1;
	fk_status s = fk_grant_matrix(v->app->ctx, mx->user, &mx->m, err);
	v->nrows = s == FK_OK ? mx->m.n : 0;
	return s;
}

static void matrix_header(view *v, int y, int cols)
{
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y, 1, _("Code    Municipality        戸籍          除籍          受付帳情報    届書等情報"), cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void matrix_line(view *v, int i, int y, int cols, int selected)
{
	const fk_perm_row *r = &((matrix *)v->data)->m.rows[i];
	tui_put(y, 1, r->municipality, 8);
	tui_put(y, 9, r->name, 20);
	for (int k = 0; k < FK_FILE_KINDS; k++) {
		char rights[64];
		if (r->rights[k])
			rights_words(r->rights[k], rights, sizeof rights);
		else
			snprintf(rights, sizeof rights, "-");
		tui_put(y, 29 + 14 * k, rights, 14);
	}
}

static void matrix_close(view *v)
{
	matrix *mx = v->data;
	fk_perm_matrix_free(&mx->m);
	free(mx);
}

static const view_ops matrix_ops = {"permission-matrix", matrix_open, matrix_header, matrix_line,
				    NULL, NULL, matrix_close, 0};

view *matrix_view(app *a, const char *user)
{
	matrix *mx = calloc(1, sizeof *mx);
	if (!mx)
		return NULL;
	fk_copy_str(mx->user, sizeof mx->user, user);
	char title[128];
	snprintf(title, sizeof title, _("Effective permissions of %s"), user);
	view *v = tui_view_new(a, &matrix_ops, mx, title);
	if (!v)
		free(mx);
	return v;
}
