/* Reception ledger (受付帳情報) and notification documents (届書等情報) of a municipality, newest first. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define PAGE_MAX 256

typedef struct records {
	fk_muni m;
	int kind;
	fk_record_row rows[PAGE_MAX];
	int64_t anchors[64]; /* "before" id of each page shown so far, for PgUp */
	int page;
} records;

static int page_size(view *v)
{
	int n = tui_body_rows(v);
	return n < 1 ? 1 : n > PAGE_MAX ? PAGE_MAX : n;
}

static fk_status load(view *v, int64_t before, fk_error *err)
{
	records *r = v->data;
	fk_record_row tmp[PAGE_MAX];
	int n;
	fk_status s = fk_access_records_page(v->app->ctx, r->m.code, r->kind, before, page_size(v), tmp,
					     &n, err);
	if (s != FK_OK || n == 0)
		return s;
	memcpy(r->rows, tmp, (size_t)n * sizeof *tmp);
	v->nrows = n;
	v->cursor = 0;
	return FK_OK;
}

static fk_status records_open(view *v, fk_error *err)
{
	v->header_rows = 2;
	return load(v, 0, err);
}

static void records_header(view *v, int y, int cols)
{
	records *r = v->data;
	char line[256];
	snprintf(line, sizeof line, _("%s %s: %s, newest first (page %d)"), r->m.code, r->m.name,
		 r->kind == FK_FILE_LEDGER ? _("reception ledger (受付帳情報)")
					   : _("notification documents (届書等情報)"),
		 r->page + 1);
	tui_put(y, 1, line, cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, 1, r->kind == FK_FILE_LEDGER ? _("No.      Received (JST)       受付日      Contents")
						    : _("No.      Received (JST)       Type        Contents"),
		cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void records_line(view *v, int i, int y, int cols, int selected)
{
	const fk_record_row *row = &((records *)v->data)->rows[i];
	char no[24], when[40];
	snprintf(no, sizeof no, "%lld", (long long)row->id);
	tui_fmt_time(row->received_at, 1, when, sizeof when);
	tui_put(y, 1, no, 9);
	tui_put(y, 10, when, 21);
	tui_put(y, 31, row->label, 12);
	tui_put(y, 43, row->unreadable ? _("⚠ cannot be decrypted: altered or damaged") : row->summary,
		cols - 44);
}

static int records_request(view *v, enum action act)
{
	records *r = v->data;
	fk_error err;
	fk_status s = FK_OK;
	fk_error_clear(&err);
	if (act == ACT_PGDN && v->nrows == page_size(v) && r->page + 1 < 64) {
		int64_t before = r->rows[v->nrows - 1].id;
		s = load(v, before, &err);
		if (s == FK_OK)
			r->anchors[++r->page] = before;
	} else if (act == ACT_PGUP && r->page > 0) {
		s = load(v, r->anchors[r->page - 1], &err);
		if (s == FK_OK)
			r->page--;
	} else {
		return 0;
	}
	if (s != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

static void records_close(view *v)
{
	free(v->data);
}

static const view_ops records_ops = {"records", records_open, records_header, records_line, NULL,
				     records_request, records_close, ACTS(SEARCH)};

view *records_view(app *a, const fk_muni *m, int kind)
{
	records *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->m = *m;
	r->kind = kind;
	char title[200];
	snprintf(title, sizeof title, "%s %s", m->name,
		 kind == FK_FILE_LEDGER ? _("受付帳情報") : _("届書等情報"));
	view *v = tui_view_new(a, &records_ops, r, title);
	if (!v)
		free(r);
	else
		v->muni = &r->m; /* 1–4: this municipality's other files */
	return v;
}
