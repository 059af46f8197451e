/* Reception ledger (受付帳情報) and notification documents (届書等情報) of a municipality, newest
 * first with their fields as columns; one entry's detail, from which its register opens. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h"
#include "tui.h"

#define PAGE_MAX 256
#define COL_MAX 24 /* a field's column at most; the last takes what is left */

typedef struct column {
	char key[48];
	int width;
} column;

typedef struct records {
	fk_muni m;
	int kind;
	fk_record_row rows[PAGE_MAX];
	fk_record_row anchors[64]; /* the last row of the page before each page shown, for PgUp */
	int page;
	column cols[FK_RECORD_FIELDS];
	int ncols;
} records;

static int page_size(view *v)
{
	int n = tui_body_rows(v);
	return n < 1 ? 1 : n > PAGE_MAX ? PAGE_MAX : n;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* The fields a reader looks for first, in the order of a paper 受付帳 (the stored entry
 * has its keys sorted, which is no order for people); any other after them. */
static int field_rank(const char *key)
{
	static const char *const first[] = {"受付番号", "届出事件", "事件", "届出人", "筆頭者", "戸籍"};
	for (size_t i = 0; i < sizeof first / sizeof *first; i++)
		if (!strcmp(key, first[i]))
			return (int)i;
	return (int)(sizeof first / sizeof *first);
}

static int column_cmp(const void *a, const void *b)
{
	const char *ka = ((const column *)a)->key, *kb = ((const column *)b)->key;
	int d = field_rank(ka) - field_rank(kb);
	return d ? d : strcmp(ka, kb);
}

/* The page's fields as columns, each as wide as its widest value (at most COL_MAX): what
 * the municipality sent decides what is shown. */
static void layout(records *r, int n)
{
	r->ncols = 0;
	for (int i = 0; i < n; i++) {
		for (int f = 0; f < r->rows[i].nfields; f++) {
			const fk_record_field *fd = &r->rows[i].fields[f];
			int c = 0;
			while (c < r->ncols && strcmp(r->cols[c].key, fd->key))
				c++;
			if (c == r->ncols) {
				if (r->ncols == FK_RECORD_FIELDS)
					continue;
				fk_copy_str(r->cols[c].key, sizeof r->cols[c].key, fd->key);
				r->cols[c].width = fk_disp_width(fd->key);
				r->ncols++;
			}
			r->cols[c].width = max_int(r->cols[c].width, fk_disp_width(fd->value));
			if (r->cols[c].width > COL_MAX)
				r->cols[c].width = COL_MAX;
		}
	}
	qsort(r->cols, (size_t)r->ncols, sizeof *r->cols, column_cmp);
}

static fk_status load(view *v, const fk_record_row *after, fk_error *err)
{
	records *r = v->data;
	fk_record_row *tmp = malloc(PAGE_MAX * sizeof *tmp);
	int n;
	if (!tmp)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status s = fk_access_records_page(v->app->ctx, r->m.code, r->kind, after, page_size(v), tmp,
					     &n, err);
	if (s == FK_OK && n > 0) {
		memcpy(r->rows, tmp, (size_t)n * sizeof *tmp);
		v->nrows = n;
		v->cursor = 0;
		layout(r, n);
	}
	free(tmp);
	return s;
}

static fk_status records_open(view *v, fk_error *err)
{
	v->header_rows = 2;
	return load(v, NULL, err);
}

/* Where the columns start: the date or type, the time received, then the fields. */
enum { X_FIRST = 1, W_FIRST = 12, W_WHEN = 21 };

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
	move(y + 1, 0);
	clrtoeol();
	int x = X_FIRST;
	tui_put(y + 1, x, r->kind == FK_FILE_LEDGER ? _("受付日") : _("Type"), W_FIRST);
	tui_put(y + 1, x += W_FIRST, _("Received (JST)"), W_WHEN);
	x += W_WHEN;
	for (int c = 0; c < r->ncols && x < cols - 1; c++) {
		int w = c == r->ncols - 1 ? cols - 1 - x : r->cols[c].width + 2;
		tui_put(y + 1, x, r->cols[c].key, w);
		x += w;
	}
	if (x < cols - 1)
		tui_put(y + 1, x, "", cols - 1 - x);
	attroff(A_BOLD | A_UNDERLINE);
}

/* A row's value for a column, "" when the entry lacks the field. */
static const char *value_of(const fk_record_row *row, const char *key)
{
	for (int f = 0; f < row->nfields; f++)
		if (!strcmp(row->fields[f].key, key))
			return row->fields[f].value;
	return "";
}

static void records_line(view *v, int i, int y, int cols, int selected)
{
	records *r = v->data;
	const fk_record_row *row = &r->rows[i];
	char when[40];
	tui_fmt_time(row->received_at, 1, when, sizeof when);
	int x = X_FIRST;
	tui_put(y, x, row->label, W_FIRST);
	tui_put(y, x += W_FIRST, when, W_WHEN);
	x += W_WHEN;
	if (row->unreadable) {
		tui_put(y, x, _("⚠ cannot be decrypted: altered or damaged"), cols - 1 - x);
		return;
	}
	for (int c = 0; c < r->ncols && x < cols - 1; c++) {
		int w = c == r->ncols - 1 ? cols - 1 - x : r->cols[c].width + 2;
		tui_put(y, x, value_of(row, r->cols[c].key), w);
		x += w;
	}
}

static int records_request(view *v, enum action act)
{
	records *r = v->data;
	fk_error err;
	fk_status s = FK_OK;
	fk_error_clear(&err);
	if (act == ACT_OPEN) {
		if (v->nrows && !r->rows[v->cursor].unreadable)
			tui_push(v->app, entry_view(v->app, r->kind, &r->rows[v->cursor]));
		else if (v->nrows)
			tui_message(v->app, 1, "%s", _("This entry cannot be decrypted: altered or damaged."));
		return 1;
	}
	if (act == ACT_PGDN && v->nrows == page_size(v) && r->page + 1 < 64) {
		fk_record_row last = r->rows[v->nrows - 1];
		s = load(v, &last, &err);
		if (s == FK_OK)
			r->anchors[++r->page] = last;
	} else if (act == ACT_PGUP && r->page > 0) {
		s = load(v, r->page > 1 ? &r->anchors[r->page - 1] : NULL, &err);
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
				     records_request, records_close, ACTS(OPEN) | ACTS(SEARCH)};

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

/* ---- one entry: every field, and the register it names ---- */

typedef struct entry {
	int kind;
	fk_record_row row;
	fk_lines lines;
	int link; /* the line that opens the register; -1: none */
} entry;

/* A line that does not fit in memory is left out: the screen shows the rest. */
#define add_line(l, ...) ((void)fk_lines_add((l), NULL, __VA_ARGS__))

/* One field as "name  value", the names padded by display width (they are Japanese) so
 * that the values line up; an object or a list as compact JSON (drawn sanitised). */
static void add_field(fk_lines *l, const char *key, const json_t *v)
{
	char *dump = NULL;
	const char *value = "-";
	char num[24];
	if (json_is_string(v)) {
		value = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		value = num;
	} else if ((dump = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY))) {
		value = dump;
	}
	int pad = 10 - fk_disp_width(key);
	add_line(l, "%s%*s  %s", key, pad > 0 ? pad : 0, "", value);
	free(dump);
}

static fk_status entry_open(view *v, fk_error *err)
{
	entry *e = v->data;
	json_t *payload = NULL;
	/* Decided and recorded like every view (ledger.open, doc.open: R-FILES, R-LOG). */
	fk_status s = e->kind == FK_FILE_LEDGER ? fk_access_ledger_open(v->app->ctx, e->row.id, &payload, err)
						: fk_access_doc_open(v->app->ctx, e->row.id, &payload, err);
	if (s != FK_OK) {
		tui_error_unseen(err);
		return s;
	}
	char when[40], era[64];
	tui_fmt_time(e->row.received_at, 1, when, sizeof when);
	if (e->kind == FK_FILE_LEDGER) {
		fk_wareki(e->row.label, era, sizeof era);
		add_line(&e->lines, "%s  %s (%s)", _("受付日"), e->row.label, era);
	} else {
		add_line(&e->lines, "%s  %s", _("Type"), e->row.label);
	}
	add_line(&e->lines, "%s  %s", _("Received (JST)"), when);
	add_line(&e->lines, "%s", "");
	const char *key;
	const json_t *val;
	/* In the list's order: the known fields by rank, then the others as stored. */
	for (int rank = 0; rank <= field_rank(""); rank++)
		json_object_foreach(payload, key, val) {
			/* The register line says what Enter does there. */
			if (field_rank(key) != rank || (!strcmp(key, "戸籍") && e->row.register_id))
				continue;
			add_field(&e->lines, key, val);
		}
	json_decref(payload);
	e->link = -1;
	if (e->row.register_id) {
		add_line(&e->lines, "%s", "");
		e->link = e->lines.n;
		add_line(&e->lines, _("戸籍: %lld  (Enter: open the register)"), (long long)e->row.register_id);
	}
	v->nrows = e->lines.n;
	/* Ready to open the register at once; the lines above only scroll. */
	v->cursor = e->link >= 0 ? e->link : 0;
	v->selectable = e->link >= 0;
	return FK_OK;
}

static void entry_line(view *v, int i, int y, int cols, int selected)
{
	entry *e = v->data;
	if (i == e->link)
		attron(A_BOLD);
	tui_put(y, 1, e->lines.v[i], cols - 2);
	if (i == e->link)
		attroff(A_BOLD);
}

static int entry_request(view *v, enum action act)
{
	entry *e = v->data;
	if (act != ACT_OPEN)
		return 0;
	if (e->link >= 0 && v->cursor == e->link)
		/* Opened through the gate (register.open) as from any list: refused if not granted. */
		tui_push(v->app, regview_view(v->app, e->row.register_id, 0));
	else
		tui_message(v->app, 1, "%s", _("Nothing to open on this line."));
	return 1;
}

static void entry_close(view *v)
{
	entry *e = v->data;
	fk_lines_free(&e->lines);
	free(e);
}

static const view_ops entry_ops = {"record-entry", entry_open, NULL, entry_line, NULL, entry_request,
				   entry_close, ACTS(OPEN)};

view *entry_view(app *a, int kind, const fk_record_row *row)
{
	entry *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->kind = kind;
	e->row = *row;
	e->link = -1;
	char title[120];
	snprintf(title, sizeof title, kind == FK_FILE_LEDGER ? _("受付帳情報 %lld") : _("届書等情報 %lld"),
		 (long long)row->id);
	view *v = tui_view_new(a, &entry_ops, e, title);
	if (!v)
		free(e);
	return v;
}
