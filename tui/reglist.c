/* Register list: a municipality's 戸籍 or 除籍, read a screenful at a time (never the whole list). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define PAGE_MAX 256

typedef struct reglist {
	fk_muni m;
	int kind;
	fk_order_field order; /* 受付 (id), 本籍 or 筆頭者 reading: s cycles */
	fk_reg_row rows[PAGE_MAX];
	int64_t first_index, total; /* position of rows[0] in the whole list */
} reglist;

static int page_size(view *v)
{
	int n = tui_body_rows(v);
	return n < 1 ? 1 : n > PAGE_MAX ? PAGE_MAX : n;
}

/* Load the page described by (anchor, dir) and record what is shown. The
 * position of the new first row is worked out from the old one (how the page
 * moved), never by counting a million index entries. */
enum move { MOVE_FIRST, MOVE_LAST, MOVE_DOWN1, MOVE_UP1, MOVE_PGDN, MOVE_PGUP };

/* A sorted list pages by position; keep_id > 0 places that register at keep_row. */
static fk_status load_at(view *v, fk_order_field order, int64_t offset, int64_t keep_id, int keep_row,
			 fk_error *err)
{
	reglist *r = v->data;
	fk_reg_row tmp[PAGE_MAX];
	int n;
	fk_status s = fk_access_register_page_at(v->app->ctx, r->m.code, r->kind, order, &offset, keep_id,
						 keep_row, page_size(v), tmp, &n, &r->total, err);
	if (s != FK_OK || (n == 0 && r->total > 0))
		return s;
	memcpy(r->rows, tmp, (size_t)n * sizeof *tmp);
	v->nrows = n;
	v->offset = 0;
	r->first_index = offset;
	r->order = order;
	for (int i = 0; i < n; i++)
		if (r->rows[i].id == keep_id)
			v->cursor = i;
	return FK_OK;
}

static fk_status load(view *v, enum move how, fk_error *err)
{
	reglist *r = v->data;
	app *a = v->app;
	fk_reg_row tmp[PAGE_MAX];
	int n, old = v->nrows;
	if (r->order != FK_ORDER_ID) {
		int64_t at[] = {0, -1, r->first_index + 1, r->first_index - 1, r->first_index + old,
				r->first_index - page_size(v)};
		return load_at(v, r->order, at[how] < 0 && how != MOVE_LAST ? 0 : at[how], 0, 0, err);
	}
	int64_t anchor = 0;
	int dir = 1;
	switch (how) {
	case MOVE_FIRST: break;
	case MOVE_LAST: dir = -1; break;
	case MOVE_DOWN1: anchor = r->rows[0].id; break;
	case MOVE_UP1: anchor = r->rows[old - 1].id; dir = -1; break;
	case MOVE_PGDN: anchor = r->rows[old - 1].id; break;
	case MOVE_PGUP: anchor = r->rows[0].id; dir = -1; break;
	}
	fk_status s = fk_access_register_page(a->ctx, r->m.code, r->kind, anchor, dir, page_size(v), tmp,
					      &n, &r->total, err);
	if (s != FK_OK || n == 0)
		return s;
	switch (how) {
	case MOVE_FIRST: r->first_index = 0; break;
	case MOVE_LAST: r->first_index = r->total - n; break;
	case MOVE_DOWN1: r->first_index += 1; break;
	case MOVE_UP1: r->first_index -= n - (old - 1); break;
	case MOVE_PGDN: r->first_index += old; break;
	case MOVE_PGUP: r->first_index -= n; break;
	}
	if (r->first_index < 0)
		r->first_index = 0;
	memcpy(r->rows, tmp, (size_t)n * sizeof *tmp);
	v->nrows = n;
	v->offset = 0;
	return FK_OK;
}

/* Opens in the session's last order; an order that cannot be used (out of
 * step) falls back to 受付 order, saying why. */
static fk_status reglist_open(view *v, fk_error *err)
{
	reglist *r = v->data;
	v->header_rows = 2;
	r->order = (fk_order_field)v->app->list_order;
	fk_status s = load(v, MOVE_FIRST, err);
	if (s == FK_ERR_CORRUPT && r->order != FK_ORDER_ID) {
		fk_error why = *err;
		r->order = FK_ORDER_ID;
		s = load(v, MOVE_FIRST, err);
		/* Said after the page is read: it was read for the screen without this message. */
		if (s == FK_OK)
			tui_error_head(v->app, _("This order is out of step, so the list is in order of receipt."),
				       &why);
	}
	return s;
}

enum { W_POS = 8, W_VER = 5, W_TIME = 21 };

static void widths(int cols, int *wh, int *wn, int *wr)
{
	/* 本籍 shows only what follows the municipality: the name and reading get more room. */
	int rest = cols - W_POS - W_VER - W_TIME - 2;
	*wn = (rest * 3 + 9) / 10;
	*wr = rest * 3 / 10;
	*wh = rest - *wn - *wr;
}

static const char *order_name(fk_order_field o)
{
	return o == FK_ORDER_HONSEKI ? _("sorted by 本籍")
	       : o == FK_ORDER_READING ? _("sorted by 筆頭者 reading")
				       : _("in order of receipt");
}

static void reglist_header(view *v, int y, int cols)
{
	reglist *r = v->data;
	char line[300];
	snprintf(line, sizeof line, _("%s %s: %s  (%lld of %lld)  %s"), r->m.code, r->m.name,
		 r->kind == FK_FILE_JOSEKI ? _("removed registers (除籍)") : _("registers (戸籍)"),
		 v->nrows ? (long long)(r->first_index + v->cursor + 1) : 0LL, (long long)r->total,
		 order_name(r->order));
	tui_put(y, 1, line, cols - 2);
	int wh, wn, wr, x = 1;
	widths(cols, &wh, &wn, &wr);
	attron(A_BOLD | A_UNDERLINE);
	tui_put_right(y + 1, x, _("No."), W_POS);
	char place[160];
	/* TRANSLATORS: the 本籍 column of one municipality's list, which leaves out the place
	 * (prefecture and municipality) every row starts with. */
	snprintf(place, sizeof place, _("本籍 (after %s)"), r->m.name);
	tui_put(y + 1, x += W_POS, place, wh - 1);
	tui_put(y + 1, x += wh, _("筆頭者"), wn);
	tui_put(y + 1, x += wn, _("Reading"), wr);
	tui_put_right(y + 1, x += wr, _("Ver."), W_VER);
	tui_put(y + 1, x + W_VER, _("Received"), W_TIME);
	attroff(A_BOLD | A_UNDERLINE);
}

/* 本籍 without the prefecture and municipality every row of one municipality's list starts
 * with (issue 11, item 5): the part that tells the rows apart, which a narrow column would
 * otherwise cut away. A 本籍 elsewhere (a register moved in) is shown whole. */
static const char *after_place(const char *honseki, const fk_muni *m)
{
	char place[256];
	size_t n = 0;
	for (const char *p = m->pref; *p && n + 1 < sizeof place; p++)
		place[n++] = *p;
	for (const char *p = m->name; *p && n + 1 < sizeof place; p++)
		if (*p != ' ') /* "札幌市 中央区" is written 札幌市中央区 */
			place[n++] = *p;
	place[n] = '\0';
	if (n && !strncmp(honseki, place, n) && honseki[n])
		return honseki + n;
	return honseki;
}

static void reglist_line(view *v, int i, int y, int cols, int selected)
{
	reglist *r = v->data;
	const fk_reg_row *row = &r->rows[i];
	char pos[32], ver[16], when[40];
	int wh, wn, wr, x = 1;
	widths(cols, &wh, &wn, &wr);
	snprintf(pos, sizeof pos, "%7lld ", (long long)(r->first_index + i + 1));
	snprintf(ver, sizeof ver, "%4d ", row->version);
	tui_fmt_time(row->received_at, 1, when, sizeof when);
	tui_put(y, x, pos, W_POS);
	if (row->unreadable) {
		tui_put(y, x += W_POS, _("⚠ cannot be decrypted: altered or damaged"), wh + wn + wr);
		x += wh + wn + wr;
	} else {
		/* Each value one column short of its column: two never run together. */
		tui_put(y, x += W_POS, after_place(row->honseki, &r->m), wh - 1);
		tui_put(y, x += wh, row->head, wn - 1);
		tui_put(y, x += wn, row->reading, wr - 1);
		x += wr;
	}
	tui_put(y, x, ver, W_VER);
	tui_put(y, x + W_VER, when, W_TIME);
}

/* Scroll or jump; pages come from the database, a screenful at a time. */
static int reglist_request(view *v, enum action act)
{
	reglist *r = v->data;
	fk_error err;
	fk_status s = FK_OK;
	int n = v->nrows;
	fk_error_clear(&err);
	switch (act) {
	case ACT_DOWN:
		if (v->cursor < n - 1)
			v->cursor++;
		else if (n && r->first_index + n < r->total)
			s = load(v, MOVE_DOWN1, &err); /* shift by one */
		break;
	case ACT_UP:
		if (v->cursor > 0)
			v->cursor--;
		else if (n && r->first_index > 0)
			s = load(v, MOVE_UP1, &err);
		break;
	case ACT_PGDN:
		if (n && r->first_index + n < r->total)
			s = load(v, MOVE_PGDN, &err);
		else
			v->cursor = n - 1;
		break;
	case ACT_PGUP:
		if (n && r->first_index > 0)
			s = load(v, MOVE_PGUP, &err);
		else
			v->cursor = 0;
		/* Near the top a page back is short: show a full first page instead. */
		if (s == FK_OK && v->nrows < page_size(v) && r->first_index == 0)
			s = load(v, MOVE_FIRST, &err);
		break;
	case ACT_FIRST:
		s = load(v, MOVE_FIRST, &err);
		v->cursor = 0;
		break;
	case ACT_LAST:
		s = load(v, MOVE_LAST, &err);
		v->cursor = v->nrows - 1;
		break;
	case ACT_OPEN:
		if (n)
			tui_push(v->app, regview_view(v->app, r->rows[v->cursor].id, 0));
		return 1;
	case ACT_VERSIONS:
		if (n)
			tui_push(v->app, versions_view(v->app, r->rows[v->cursor].id));
		return 1;
	case ACT_RESIZED:
		/* A page read for the old size: read one that fills the new size, same selection. */
		if (n && (n > page_size(v) || (n < page_size(v) && n < r->total)))
			s = load_at(v, r->order, r->first_index, r->rows[v->cursor].id,
				    v->cursor < page_size(v) ? v->cursor : page_size(v) - 1, &err);
		break;
	case ACT_SORT:
		/* The next order, keeping the selected register where the cursor is. */
		if (n) {
			fk_order_field next = (fk_order_field)((r->order + 1) % (FK_ORDER_FIELDS + 1));
			if ((s = load_at(v, next, 0, r->rows[v->cursor].id, v->cursor, &err)) == FK_OK) {
				v->app->list_order = (int)r->order;
				tui_message(v->app, 0, "%s", order_name(r->order));
			}
		}
		break;
	default:
		return 0;
	}
	if (v->cursor >= v->nrows)
		v->cursor = v->nrows ? v->nrows - 1 : 0;
	if (s != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

static void reglist_close(view *v)
{
	free(v->data);
}

static const view_ops reglist_ops = {"register-list", reglist_open, reglist_header, reglist_line,
				     NULL, reglist_request, reglist_close,
				     ACTS(OPEN) | ACTS(VERSIONS) | ACTS(SORT) | ACTS(SEARCH)};

view *reglist_view(app *a, const fk_muni *m, int kind)
{
	reglist *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->m = *m;
	r->kind = kind;
	char title[200];
	snprintf(title, sizeof title, "%s %s", m->name, kind == FK_FILE_JOSEKI ? _("除籍") : _("戸籍"));
	view *v = tui_view_new(a, &reglist_ops, r, title);
	if (!v)
		free(r);
	else
		v->muni = &r->m; /* 1–4: this municipality's other files */
	return v;
}
