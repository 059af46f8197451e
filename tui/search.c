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

/* Nothing found: say what was looked for, where, and how this kind of search matches, so
 * that an empty list is not taken for a failure (issue 11, item 8). */
static void explain_empty(view *v)
{
	search *q = v->data;
	if (q->field == FK_FIELD_READING)
		tui_message(v->app, 0, _("Nothing found: no 筆頭者 reading starts with \"%s\" in the municipalities you may view."),
			    q->query);
	else if (q->field == FK_FIELD_NAME)
		tui_message(v->app, 0, _("Nothing found: no 筆頭者 is named \"%s\" (whole name or surname) in the municipalities you may view."),
			    q->query);
	else
		tui_message(v->app, 0, _("Nothing found: no 本籍 in the municipalities you may view starts with \"%s\" (type it from the prefecture, or from the town after the municipality)."),
			    q->query);
}

static fk_status search_open(view *v, fk_error *err)
{
	v->header_rows = 2;
	fk_status s = load(v, 0, err);
	if (s == FK_OK && v->nrows == 0)
		explain_empty(v);
	return s;
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

/* text in width columns at x with its bytes from..to marked (bold, underlined): where the
 * query matched. Measured and cut by display width, piece by piece. */
static void put_marked(int y, int x, int width, const char *text, size_t from, size_t to)
{
	char piece[700];
	size_t len = strlen(text);
	from = from < len ? from : len; /* a text cut short marks what is left of the match */
	to = to < from ? from : to < len ? to : len;
	const size_t at[3] = {0, from, to};
	const size_t end[3] = {from, to, len};
	for (int i = 0; i < 3 && width > 0; i++) {
		size_t n = end[i] - at[i];
		if (n >= sizeof piece)
			n = sizeof piece - 1;
		memcpy(piece, text + at[i], n);
		piece[n] = '\0';
		int w = i == 2 ? width : fk_disp_width(piece);
		if (w > width)
			w = width;
		if (i == 1)
			attron(A_BOLD | A_UNDERLINE);
		tui_put(y, x, piece, w);
		if (i == 1)
			attroff(A_BOLD | A_UNDERLINE);
		x += w;
		width -= w;
	}
}

static void search_line(view *v, int i, int y, int cols, int selected)
{
	search *q = v->data;
	const fk_reg_row *r = &q->rows[i];
	char no[24], text[700];
	snprintf(no, sizeof no, "%lld", (long long)r->id);
	tui_put(y, 1, no, 9);
	if (r->unreadable) {
		tui_put(y, 10, _("⚠ cannot be decrypted: altered or damaged"), cols - 11);
		return;
	}
	const char *joseki = r->kind == FK_KIND_JOSEKI ? _("[除籍] ") : "";
	/* The field searched, and as many characters of it as the query has: they matched
	 * (after normalisation: kana of either kind, old kanji forms). */
	const char *field = q->field == FK_FIELD_READING ? r->reading
			    : q->field == FK_FIELD_NAME   ? r->head
							  : r->honseki;
	size_t mark = fk_utf8_prefix(field, fk_utf8_len(q->query));
	int n = snprintf(text, sizeof text, "%s%s / ", joseki, r->honseki);
	size_t from = q->field == FK_FIELD_HONSEKI ? strlen(joseki) : (size_t)n;
	if (q->field == FK_FIELD_READING)
		from += strlen(r->head) + strlen("（");
	snprintf(text + n, sizeof text - (size_t)n, "%s（%s）", r->head, r->reading);
	put_marked(y, 10, cols - 11, text, from, from + mark);
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
