/* Document views: a register as a 全部事項証明, and the comparison of two versions (R-CURRENT, R-VERSION). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h"
#include "tui.h"

typedef struct doc {
	int64_t id;
	int version, v2; /* v2 > 0: a comparison of version and v2 */
	int current;     /* the register's current version */
	int kind;        /* FK_KIND_KOSEKI or FK_KIND_JOSEKI */
	fk_lines lines;  /* as laid out (fk_cert_lines), or the comparison */
	fk_lines shown;  /* the same wrapped to the screen's width (issue 11, item 5) */
	int shown_cols;  /* the width shown was wrapped for */
	int changes;
	int jumped; /* the change n/N went to last (a line of shown), -1: none yet */
} doc;

/* Open (decided and recorded as FK_OP_REGISTER_OPEN) and lay out one version. */
static fk_status render(fk_ctx *ctx, int64_t id, int version, fk_lines *out, fk_reg_info *info,
			fk_error *err)
{
	json_t *d;
	fk_status s = fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, id, version, &d, info, err);
	if (s != FK_OK) {
		tui_error_unseen(err);
		return s;
	}
	s = fk_cert_lines(d, info->kind, out, err);
	json_decref(d);
	return s;
}

/* The lines wrapped to the body's width, again whenever it changes: legal text is never cut. */
static void rewrap(view *v)
{
	doc *d = v->data;
	int cols = COLS - 2;
	if (cols == d->shown_cols && d->shown.n)
		return;
	fk_lines_free(&d->shown);
	fk_error err;
	fk_error_clear(&err);
	if (fk_lines_wrap(&d->lines, cols > 10 ? cols : 10, d->v2 ? 2 : 0, FK_CERT_ITEM_INDENT, &d->shown,
			  &err) != FK_OK)
		tui_error(v->app, &err, NULL);
	d->shown_cols = cols;
	d->jumped = -1; /* the lines moved */
	v->nrows = d->shown.n;
	if (v->offset > v->nrows - 1)
		v->offset = v->nrows > 0 ? v->nrows - 1 : 0;
}

static fk_status regview_open(view *v, fk_error *err)
{
	doc *d = v->data;
	app *a = v->app;
	fk_reg_info info;
	fk_lines_free(&d->lines);
	fk_status s = render(a->ctx, d->id, d->version, &d->lines, &info, err);
	if (s != FK_OK)
		return s;
	v->selectable = 0;
	v->header_rows = 1;
	d->shown_cols = 0;
	rewrap(v);
	if (!d->version)
		d->version = info.version;
	d->current = info.version;
	d->kind = info.kind;
	/* The breadcrumb names the file: a 除籍 is not a 戸籍 (issue 11, item 7). */
	if (info.kind == FK_KIND_JOSEKI)
		snprintf(v->title, sizeof v->title, _("Removed register %lld, version %d of %d%s"),
			 (long long)d->id, d->version, info.version, d->version == info.version ? _(" (current)") : "");
	else
		snprintf(v->title, sizeof v->title, _("Register %lld, version %d of %d%s"), (long long)d->id,
			 d->version, info.version, d->version == info.version ? _(" (current)") : "");
	return FK_OK;
}

static void doc_header(view *v, int y, int cols)
{
	doc *d = v->data;
	char line[300];
	if (d->v2)
		snprintf(line, sizeof line, _("Version %d → %d: %d changed lines (- before, + after; n/N: next/previous change)"),
			 d->version, d->v2, d->changes);
	else if (d->version < d->current)
		/* An older version is never mistaken for the register as it stands. */
		snprintf(line, sizeof line, _("過去の版: version %d of %d, not the register as it stands now.  v: versions"),
			 d->version, d->current);
	else
		snprintf(line, sizeof line, _("v: versions  p: ask for a print  x: disposal  ↑↓ PgUp PgDn: scroll  Esc: back"));
	int banner = d->v2 || d->version < d->current;
	attron(banner ? A_BOLD | A_REVERSE : A_BOLD);
	if (banner) {
		move(y, 0);
		hline(' ', cols);
	}
	tui_put(y, 1, line, cols - 2);
	attroff(A_BOLD | A_REVERSE);
}

/* The colour of a comparison's line: removed red, added green, each also bold and marked by
 * its "-" or "+" so that a terminal without colour shows the same (issue 11, item 7). */
static attr_t change_attr(const app *a, const char *s)
{
	if (s[0] != '+' && s[0] != '-')
		return 0;
	attr_t at = A_BOLD;
	if (a->color)
		at |= COLOR_PAIR(s[0] == '-' ? TUI_PAIR_REMOVED : TUI_PAIR_ADDED);
	return at;
}

static void doc_line(view *v, int i, int y, int cols, int selected)
{
	doc *d = v->data;
	const char *s = d->shown.v[i];
	attr_t at = d->v2 ? change_attr(v->app, s) : 0;
	if (at)
		attron(at);
	tui_put(y, 1, s, cols - 2);
	if (at)
		attroff(at);
}

/* To the first line of the next (dir 1) or previous (-1) change after the one jumped to last
 * (or from the top of the screen): a run of changed lines counts once; shown with two lines
 * of context above it. */
static void jump_change(view *v, int dir)
{
	doc *d = v->data;
#define CHANGED(k) (d->shown.v[k][0] == '+' || d->shown.v[k][0] == '-')
	int i;
	if (dir > 0) {
		i = d->jumped >= 0 ? d->jumped : v->offset;
		while (i < v->nrows && CHANGED(i) && d->jumped >= 0)
			i++; /* past the change shown */
		while (i < v->nrows && !CHANGED(i))
			i++;
	} else {
		i = (d->jumped >= 0 ? d->jumped : v->offset) - 1;
		while (i >= 0 && !CHANGED(i))
			i--;
		while (i > 0 && CHANGED(i - 1))
			i--;
	}
#undef CHANGED
	if (i < 0 || i >= v->nrows) {
		tui_message(v->app, 0, "%s", dir > 0 ? _("No more changes below.") : _("No more changes above."));
		return;
	}
	d->jumped = i;
	v->offset = i > 2 ? i - 2 : 0;
	int max = v->nrows - tui_body_rows(v);
	if (v->offset > max)
		v->offset = max > 0 ? max : 0;
}

static int doc_request(view *v, enum action act)
{
	doc *d = v->data;
	if (act == ACT_RESIZED) {
		rewrap(v);
		return 0;
	}
	if (act == ACT_VERSIONS && !d->v2) {
		tui_push(v->app, versions_view(v->app, d->id));
		return 1;
	}
	if (act == ACT_PRINT && !d->v2) {
		/* A print request fixes the current version: from an older one it would print
		 * something other than what is on the screen. */
		if (d->version < d->current)
			tui_message(v->app, 1, "%s", _("This is an older version: a print is of the current one. Open it first (v)."));
		else
			tui_request_print(v->app, d->id);
		return 1;
	}
	if ((act == ACT_NEXT_CHANGE || act == ACT_PREV_CHANGE) && d->v2) {
		jump_change(v, act == ACT_NEXT_CHANGE ? 1 : -1);
		return 1;
	}
	if (act == ACT_DISPOSE && !d->v2) {
		tui_request_dispose(v->app, d->id);
		return 1;
	}
	return 0;
}

static void doc_close(view *v)
{
	doc *d = v->data;
	fk_lines_free(&d->lines);
	fk_lines_free(&d->shown);
	free(d);
}

static const view_ops regview_ops = {"register", regview_open, doc_header, doc_line, NULL,
				     doc_request, doc_close, ACTS(VERSIONS) | ACTS(SEARCH) | ACTS(PRINT) | ACTS(DISPOSE)};

static view *doc_new(app *a, const view_ops *ops, int64_t id, int v1, int v2)
{
	doc *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->id = id;
	d->version = v1;
	d->v2 = v2;
	d->jumped = -1;
	char title[64]; /* until it opens: what a refusal names */
	snprintf(title, sizeof title, _("Register %lld"), (long long)id);
	view *v = tui_view_new(a, ops, d, title);
	if (!v)
		free(d);
	return v;
}

view *regview_view(app *a, int64_t id, int version)
{
	return doc_new(a, &regview_ops, id, version, 0);
}

static fk_status diff_open(view *v, fk_error *err)
{
	doc *d = v->data;
	app *a = v->app;
	fk_lines_free(&d->lines);
	fk_status s = fk_access_compare_lines(a->ctx, d->id, d->version, d->v2, &d->lines, &d->changes,
					      err);
	if (s != FK_OK)
		tui_error_unseen(err);
	v->selectable = 0;
	v->header_rows = 1;
	d->shown_cols = 0;
	rewrap(v);
	snprintf(v->title, sizeof v->title, _("Register %lld: version %d compared with %d"),
		 (long long)d->id, d->version, d->v2);
	return s;
}

static const view_ops diff_ops = {"register-compare", diff_open, doc_header, doc_line, NULL, doc_request,
				  doc_close, ACTS(NEXT_CHANGE) | ACTS(PREV_CHANGE)};

view *diff_view(app *a, int64_t id, int v1, int v2)
{
	return doc_new(a, &diff_ops, id, v1, v2);
}

/* ---- version history ---- */

#define VERSIONS_MAX 512

typedef struct versions {
	int64_t id;
	fk_reg_version v[VERSIONS_MAX];
	int marked; /* version number marked for comparison, 0: none */
} versions;

static fk_status versions_open(view *v, fk_error *err)
{
	versions *h = v->data;
	fk_status s = fk_access_register_versions(v->app->ctx, h->id, h->v, VERSIONS_MAX, &v->nrows, err);
	if (s != FK_OK)
		tui_error_unseen(err);
	v->header_rows = 2;
	v->cursor = v->nrows - 1; /* the current version */
	return s;
}

static void versions_header(view *v, int y, int cols)
{
	tui_put(y, 1, _("Enter: open   Space: mark   c: compare the marked version with the selected one"),
		cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, 1, _("  Ver.  Received (JST)          Changed by"), cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void versions_line(view *v, int i, int y, int cols, int selected)
{
	versions *h = v->data;
	char when[40], line[300];
	tui_fmt_time(h->v[i].received_at, 1, when, sizeof when);
	snprintf(line, sizeof line, "%s %4d  %-22s  %s%s", h->v[i].version == h->marked ? "*" : " ",
		 h->v[i].version, when, h->v[i].changed_by, i == v->nrows - 1 ? _("  (current)") : "");
	tui_put(y, 1, line, cols - 2);
}

static int versions_request(view *v, enum action act)
{
	versions *h = v->data;
	if (!v->nrows)
		return 0;
	int sel = h->v[v->cursor].version;
	switch (act) {
	case ACT_OPEN:
		tui_push(v->app, regview_view(v->app, h->id, sel));
		return 1;
	case ACT_MARK:
		h->marked = h->marked == sel ? 0 : sel;
		return 1;
	case ACT_COMPARE:
		if (!h->marked || h->marked == sel)
			tui_message(v->app, 1, "%s", _("Mark a version with Space, then select another."));
		else
			tui_push(v->app, diff_view(v->app, h->id, h->marked < sel ? h->marked : sel,
						   h->marked < sel ? sel : h->marked));
		return 1;
	default:
		return 0;
	}
}

static void versions_close(view *v)
{
	free(v->data);
}

static const view_ops versions_ops = {"register-versions", versions_open, versions_header,
				      versions_line, NULL, versions_request, versions_close,
				      ACTS(OPEN) | ACTS(MARK) | ACTS(COMPARE)};

view *versions_view(app *a, int64_t id)
{
	versions *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->id = id;
	char title[80];
	snprintf(title, sizeof title, _("Register %lld: versions"), (long long)id);
	view *v = tui_view_new(a, &versions_ops, h, title);
	if (!v)
		free(h);
	return v;
}
