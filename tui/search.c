/* Search: by 筆頭者 name (kanji), reading (prefix) or 本籍, across the bureau's municipalities. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define RESULTS_PAGE 50

typedef struct search {
	fk_search_field field;
	char query[256];
	fk_reg_row rows[RESULTS_PAGE];
	int64_t anchors[128]; /* after-id of each page, for PgUp */
	int page, more;
} search;

static const char *field_name(fk_search_field f)
{
	return f == FK_FIELD_NAME ? _("筆頭者 name") : f == FK_FIELD_READING ? _("reading") : _("本籍");
}

static fk_status load(view *v, int64_t after, fk_error *err)
{
	search *q = v->data;
	/* Only what the operator may view is searched; the history records the
	 * kind of query and the count, never the searched name. */
	fk_search req = {q->field, q->query, NULL, 0, 0, after, RESULTS_PAGE};
	int n;
	fk_status s = fk_access_search_page(v->app->ctx, &req, q->rows, &n, &q->more, err);
	v->nrows = s == FK_OK ? n : 0;
	v->cursor = 0;
	return s;
}

static fk_status search_open(view *v, fk_error *err)
{
	v->header_rows = 2;
	return load(v, 0, err);
}

static void search_header(view *v, int y, int cols)
{
	search *q = v->data;
	char line[400];
	snprintf(line, sizeof line, _("%d results on page %d%s: matched on %s \"%s\""), v->nrows,
		 q->page + 1, q->more ? _(" (more: PgDn)") : "", field_name(q->field), q->query);
	tui_put(y, 1, line, cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, 1, _("No.      本籍 / 筆頭者 (reading)"), cols - 2);
	attroff(A_BOLD | A_UNDERLINE);
}

static void search_line(view *v, int i, int y, int cols, int selected)
{
	const fk_reg_row *r = &((search *)v->data)->rows[i];
	char no[24], text[700];
	snprintf(no, sizeof no, "%lld", (long long)r->id);
	if (r->unreadable)
		snprintf(text, sizeof text, "%s", _("⚠ cannot be decrypted: altered or damaged"));
	else
		snprintf(text, sizeof text, "%s%s / %s（%s）", r->kind == FK_KIND_JOSEKI ? _("[除籍] ") : "",
			 r->honseki, r->head, r->reading);
	tui_put(y, 1, no, 9);
	tui_put(y, 10, text, cols - 11);
}

static int search_request(view *v, enum action act)
{
	search *q = v->data;
	fk_error err;
	fk_status s = FK_OK;
	fk_error_clear(&err);
	switch (act) {
	case ACT_OPEN:
		if (v->nrows)
			tui_push(v->app, regview_view(v->app, q->rows[v->cursor].id, 0));
		return 1;
	case ACT_PGDN:
		if (!q->more || q->page + 1 >= 128)
			return 0;
		q->anchors[q->page + 1] = q->rows[v->nrows - 1].id;
		q->page++;
		s = load(v, q->anchors[q->page], &err);
		break;
	case ACT_PGUP:
		if (q->page == 0)
			return 0;
		q->page--;
		s = load(v, q->anchors[q->page], &err);
		break;
	default:
		return 0;
	}
	if (s != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

static void search_close(view *v)
{
	free(v->data);
}

static const view_ops search_ops = {"search", search_open, search_header, search_line, NULL,
				    search_request, search_close, ACTS(OPEN) | ACTS(SEARCH)};

/* Kana only: a reading; an address word (都道府県市区町村, 番地, 丁目): 本籍; else a name. */
fk_search_field tui_guess_field(const char *q)
{
	static const char *const place[] = {"都", "道", "府", "県", "市", "区", "町", "村", "番", "丁目"};
	int kanji = 0;
	for (const unsigned char *p = (const unsigned char *)q; *p; p++)
		if (*p >= 0xe4 && *p <= 0xe9) /* U+4E00..U+9FFF lead bytes */
			kanji = 1;
	if (!kanji)
		return FK_FIELD_READING;
	for (size_t i = 0; i < sizeof place / sizeof place[0]; i++)
		if (strstr(q, place[i]))
			return FK_FIELD_HONSEKI;
	return FK_FIELD_NAME;
}

view *search_view(app *a, fk_search_field field, const char *query)
{
	search *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->field = field;
	fk_copy_str(q->query, sizeof q->query, query);
	view *v = tui_view_new(a, &search_ops, q, _("Search"));
	if (!v)
		free(q);
	return v;
}
