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
	fk_lines lines;
	int changes;
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

static fk_status regview_open(view *v, fk_error *err)
{
	doc *d = v->data;
	app *a = v->app;
	fk_reg_info info;
	fk_status s = render(a->ctx, d->id, d->version, &d->lines, &info, err);
	if (s != FK_OK)
		return s;
	v->nrows = d->lines.n;
	v->selectable = 0;
	v->header_rows = 1;
	if (!d->version)
		d->version = info.version;
	snprintf(v->title, sizeof v->title, _("Register %lld, version %d of %d%s"), (long long)d->id,
		 d->version, info.version, d->version == info.version ? _(" (current)") : "");
	return FK_OK;
}

static void doc_header(view *v, int y, int cols)
{
	doc *d = v->data;
	char line[200];
	if (d->v2)
		snprintf(line, sizeof line, _("Version %d → %d: %d changed lines (- removed, + added)"),
			 d->version, d->v2, d->changes);
	else
		snprintf(line, sizeof line, _("v: versions  p: ask for a print  D: disposal  ↑↓ PgUp PgDn: scroll  Esc: back"));
	attron(A_BOLD);
	tui_put(y, 1, line, cols - 2);
	attroff(A_BOLD);
}

static void doc_line(view *v, int i, int y, int cols, int selected)
{
	doc *d = v->data;
	const char *s = d->lines.v[i];
	int mark = d->v2 && (s[0] == '+' || s[0] == '-');
	if (mark)
		attron(A_BOLD);
	tui_put(y, 1, s, cols - 2);
	if (mark)
		attroff(A_BOLD);
}

static int doc_request(view *v, enum action act)
{
	doc *d = v->data;
	if (act == ACT_VERSIONS && !d->v2) {
		tui_push(v->app, versions_view(v->app, d->id));
		return 1;
	}
	if (act == ACT_PRINT && !d->v2) {
		tui_request_print(v->app, d->id);
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
	fk_status s = fk_access_compare_lines(a->ctx, d->id, d->version, d->v2, &d->lines, &d->changes,
					      err);
	if (s != FK_OK)
		tui_error_unseen(err);
	v->nrows = d->lines.n;
	v->selectable = 0;
	v->header_rows = 1;
	snprintf(v->title, sizeof v->title, _("Register %lld: version %d compared with %d"),
		 (long long)d->id, d->version, d->v2);
	return s;
}

static const view_ops diff_ops = {"register-compare", diff_open, doc_header, doc_line, NULL, NULL,
				  doc_close, 0};

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
