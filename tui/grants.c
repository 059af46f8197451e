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
/* Grants asked of the core at a time: a bureau holds 10,000 at the bureau's scale, and the
 * screen shows a page of them, so it reads (and the core checks) the next page only when the
 * cursor goes past what is loaded (issue 14). */
#define GRANTS_PAGE 256
#define EXPIRING_DAYS 30

/* The list's columns, in the order drawn. */
enum { C_NO, C_USER, C_MUNI, C_KINDS, C_RIGHTS, C_UNTIL, C_STATE, C_N };

typedef struct grants {
	fk_grant *rows;
	int cap; /* rows allocated */
	int expiring; /* 1: only grants ending within EXPIRING_DAYS */
	int incomplete; /* the core had more rows than memory for them: said, never hidden */
	int64_t total;  /* grants the list has in all: those loaded and those after them */
	int complete;   /* every grant of the list is loaded */
	/* Each column's widest value (its title included) and a gap, measured at open, in the
	 * full form and in the narrow one (the end's date alone, the state in its place). */
	int natural[C_N], narrow[C_N];
} grants;

static void grant_values(const fk_grant *g, int narrow, char cells[C_N][128]);

/* Room for one more page of rows; 0 when out of memory. */
static int room(view *v)
{
	grants *gs = v->data;
	while (gs->cap - v->nrows < GRANTS_PAGE) {
		fk_grant *more = gs->cap > INT_MAX / 2 ? NULL : realloc(gs->rows, (size_t)gs->cap * 2 * sizeof *more);
		if (!more)
			return 0;
		gs->rows = more;
		gs->cap *= 2;
	}
	return 1;
}

static const char *const col_titles[C_N] = {
	N_("No."), N_("Operator"), N_("Municipality"), N_("Kinds"), N_("Rights"), N_("Until (JST)"), N_("State"),
};

/* The widest value of each column over the rows loaded, so that the layout gives room to
 * what is there (issue 11, item 5: columns by priority, never glued). */
static void measure(view *v)
{
	grants *gs = v->data;
	for (int c = 0; c < C_N; c++)
		gs->natural[c] = gs->narrow[c] = fk_disp_width(_(col_titles[c]));
	for (int i = 0; i < v->nrows; i++) {
		char wide[C_N][128], narrow[C_N][128];
		grant_values(&gs->rows[i], 0, wide);
		grant_values(&gs->rows[i], 1, narrow);
		for (int c = 0; c < C_N; c++) {
			int w = fk_disp_width(wide[c]), n = fk_disp_width(narrow[c]);
			gs->natural[c] = w > gs->natural[c] ? w : gs->natural[c];
			gs->narrow[c] = n > gs->narrow[c] ? n : gs->narrow[c];
		}
	}
	for (int c = 0; c < C_N; c++) { /* the gap */
		gs->natural[c]++;
		gs->narrow[c]++;
	}
}

/* The next page of the list after the rows loaded. Each page is decided (grants-read) and
 * recorded by the core. */
static fk_status load_page(view *v, fk_error *err)
{
	grants *gs = v->data;
	app *a = v->app;
	int n;
	int64_t rest;
	fk_grant_filter f = {NULL, a->bureau_id, 0, 0};
	if (gs->expiring) {
		f.active_only = 1;
		f.expiring_before = fk_authz_now() + (int64_t)EXPIRING_DAYS * 86400 * 1000000000LL;
	}
	/* Every grant of the bureau can be reached: a list cut at a fixed size would hide the
	 * grants past it from the supervisor who reviews them (R-FILES). */
	if (!room(v)) {
		gs->incomplete = gs->complete = 1;
		tui_message(a, 1, _("Only the first %d grants are listed: not enough memory for more."), v->nrows);
		return FK_OK;
	}
	/* Counted with the first page only: the pages after it are the count's rows. */
	fk_status s = fk_grant_page(a->ctx, &f, v->nrows ? gs->rows[v->nrows - 1].id : 0, GRANTS_PAGE,
				    gs->rows + v->nrows, &n, v->nrows ? NULL : &rest, err);
	if (s != FK_OK)
		return s;
	if (!v->nrows)
		gs->total = rest;
	v->nrows += n;
	/* The end reached, the count is the rows; one made meanwhile is not left out of it. */
	gs->complete = n < GRANTS_PAGE;
	if (gs->complete || v->nrows > gs->total)
		gs->total = v->nrows;
	measure(v);
	return FK_OK;
}

static fk_status grants_open(view *v, fk_error *err)
{
	grants *gs = v->data;
	v->nrows = 0;
	v->header_rows = 2;
	gs->incomplete = gs->complete = 0;
	gs->total = 0;
	return load_page(v, err);
}

/* Pages loaded until row want is (or the list ends): the cursor is about to go there. */
static fk_status load_to(view *v, int want, fk_error *err)
{
	grants *gs = v->data;
	fk_status s = FK_OK;
	while (s == FK_OK && !gs->complete && v->nrows <= want)
		s = load_page(v, err);
	return s;
}

/* The columns' widths for cols: everything at its natural width when it fits; else, in this
 * order, the state goes into the until column (a grant not in force shows why in place of its
 * end), the end shows its date alone and lists drop the space after their commas, the number goes, and the operator and the municipality
 * give up room down to a minimum. Kinds and rights, the grant's substance, are cut last. */
typedef struct layout {
	int width[C_N]; /* 0: not shown */
	int narrow;     /* the until column's short form, with the state in it */
} layout;

static int total(const layout *l)
{
	int t = 0;
	for (int c = 0; c < C_N; c++)
		t += l->width[c];
	return t;
}

static void shrink(layout *l, int c, int min, int over)
{
	int give = l->width[c] - min;
	if (over > 0 && give > 0)
		l->width[c] -= give < over ? give : over;
}

static layout lay_out(const grants *gs, int cols)
{
	layout l = {{0}, 0};
	int avail = cols - 2;
	memcpy(l.width, gs->natural, sizeof l.width);
	if (total(&l) > avail) {
		l.narrow = 1;
		memcpy(l.width, gs->narrow, sizeof l.width);
		l.width[C_STATE] = 0;
	}
	if (total(&l) > avail)
		l.width[C_NO] = 0;
	/* Room to spare: two columns between values rather than one, easier to read across. */
	int shown = 0;
	for (int c = 0; c < C_N; c++)
		shown += l.width[c] != 0;
	if (total(&l) + shown <= avail)
		for (int c = 0; c < C_N; c++)
			l.width[c] += l.width[c] != 0;
	shrink(&l, C_USER, 8, total(&l) - avail);
	shrink(&l, C_MUNI, 11, total(&l) - avail); /* 全市区町村, 武蔵村山市 whole */
	shrink(&l, C_RIGHTS, 7, total(&l) - avail);
	shrink(&l, C_KINDS, 7, total(&l) - avail);
	shrink(&l, C_UNTIL, 7, total(&l) - avail);
	return l;
}

/* One row of the list: cells[c] in column c, each cut one column short of its width (the
 * gap), the last shown column taking what is left. */
static void grant_row(int y, int cols, const layout *l, char cells[C_N][128])
{
	int x = 1;
	for (int c = 0; c < C_N && x < cols - 1; c++) {
		if (!l->width[c])
			continue;
		int w = l->width[c];
		if (x + w > cols - 1)
			w = cols - 1 - x;
		if (c == C_NO)
			tui_put_right(y, x, cells[c], w);
		else
			tui_put(y, x, cells[c], w - 1);
		x += w;
	}
}

static void grants_header(view *v, int y, int cols)
{
	grants *gs = v->data;
	char line[512];
	/* The count is the whole list's: nothing past the screen or the 256th row is left out. */
	snprintf(line, sizeof line,
		 gs->expiring ? _("Grants ending within 30 days: %d.  a: grant  r: revoke  e: all grants  m: effective permissions")
			      : _("All grants of the bureau: %d.  a: grant  r: revoke  e: ending soon  m: effective permissions"),
		 (int)gs->total);
	tui_put(y, 1, line, cols - 2);
	char titles[C_N][128];
	for (int c = 0; c < C_N; c++)
		snprintf(titles[c], sizeof titles[c], "%s", _(col_titles[c]));
	layout l = lay_out(gs, cols);
	attron(A_BOLD | A_UNDERLINE);
	move(y + 1, 0);
	clrtoeol();
	grant_row(y + 1, cols, &l, titles);
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
static void until_words(int64_t until, int narrow, char *buf, size_t len)
{
	const int64_t day = INT64_C(86400000000000), jst = INT64_C(32400000000000);
	if ((until + jst) % day == 0) {
		char date[32];
		fk_fmt_jst(until - 1, FK_JST_DATE, date, sizeof date);
		/* TRANSLATORS: a grant that ends with the day given (in JST). */
		snprintf(buf, len, narrow ? "%s" : _("%s (all day)"), date);
	} else {
		/* The heading says JST: the short form drops the zone, never the time. */
		fk_fmt_jst(until, FK_JST_MINUTE, buf, len);
		char *z = narrow ? strstr(buf, " JST") : NULL;
		if (z)
			*z = '\0';
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

/* A list's ", " as "," (Japanese joins with "・" and has no spaces to give up). */
static void tight(char *s)
{
	char *out = s;
	for (const char *in = s; *in; in++)
		if (!(*in == ' ' && in > s && in[-1] == ','))
			*out++ = *in;
	*out = '\0';
}

/* A grant's cells; narrow: the end as a date alone, and a grant not in force says why there. */
static void grant_values(const fk_grant *g, int narrow, char cells[C_N][128])
{
	snprintf(cells[C_NO], 128, "%lld", (long long)g->id);
	snprintf(cells[C_USER], 128, "%s", g->user);
	snprintf(cells[C_MUNI], 128, "%s", g->municipality[0] ? g->muni_name : _("all municipalities"));
	kinds_words(g->kinds, cells[C_KINDS], 128);
	rights_words(g->rights, cells[C_RIGHTS], 128);
	if (narrow) { /* "view, export, print" → "view,export,print": the words kept, the spaces given up */
		tight(cells[C_KINDS]);
		tight(cells[C_RIGHTS]);
	}
	if (narrow && g->state != FK_GRANT_ACTIVE)
		snprintf(cells[C_UNTIL], 128, "%s", grant_state_text(g->state));
	else if (g->valid_until)
		until_words(g->valid_until, narrow, cells[C_UNTIL], 128);
	else
		snprintf(cells[C_UNTIL], 128, "%s", narrow ? _("no end") : _("until revoked"));
	snprintf(cells[C_STATE], 128, "%s", grant_state_text(g->state));
}

static void grants_line(view *v, int i, int y, int cols, int selected)
{
	grants *gs = v->data;
	const fk_grant *g = &gs->rows[i];
	layout l = lay_out(gs, cols);
	char cells[C_N][128];
	grant_values(g, l.narrow, cells);
	(void)selected;
	/* In the narrow form the state stands where the end would: bold, not to be read as a date. */
	if (l.narrow && g->state != FK_GRANT_ACTIVE)
		attron(A_BOLD);
	grant_row(y, cols, &l, cells);
	attroff(A_BOLD);
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
	case ACT_DOWN:
	case ACT_PGDN:
	case ACT_LAST: {
		/* The rows the move reaches are loaded first; then the common navigation moves. */
		int rows = tui_body_rows(v);
		int want = act == ACT_LAST ? INT_MAX - 1 : v->cursor + (act == ACT_DOWN ? 1 : rows) + rows;
		if (load_to(v, want, &err) != FK_OK)
			tui_error(v->app, &err, NULL);
		return 0;
	}
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
	v->header_rows = 2;
	fk_status s = fk_grant_matrix(v->app->ctx, mx->user, &mx->m, err);
	v->nrows = s == FK_OK ? mx->m.n : 0;
	return s;
}

/* A right in one character, for a matrix too wide for the screen in words. */
static const char *right_letter(int i, char *buf, size_t len)
{
	static const char *const letters[] = {
		/* TRANSLATORS: the right to view in one character (閲), for a narrow table; the
		 * English original is shown as its first letter. */
		N_("view: one letter"), N_("export: one letter"), N_("print: one letter"), N_("dispose: one letter"),
	};
	static const char *const first[] = {"V", "E", "P", "D"};
	const char *t = _(letters[i]);
	snprintf(buf, len, "%s", t == letters[i] || !strcmp(t, letters[i]) ? first[i] : t);
	return buf;
}

/* The rights of a cell: in words, or one character each (abbreviated). */
static void matrix_cell(unsigned rights, int abbreviated, char *buf, size_t len)
{
	if (!rights) {
		snprintf(buf, len, "-");
	} else if (!abbreviated) {
		rights_words(rights, buf, len);
	} else {
		size_t used = 0;
		buf[0] = '\0';
		for (int i = 0; i < 4 && used + 1 < len; i++) {
			char l[16];
			if (rights & (1u << i))
				snprintf(buf + used, len - used, "%s", right_letter(i, l, sizeof l));
			used = strlen(buf);
		}
	}
}

static const char *const matrix_kinds[FK_FILE_KINDS] = {N_("戸籍"), N_("除籍"), N_("Ledger"), N_("Docs")};

/* The matrix's columns for cols: code 8, the name, and the four kinds each as wide as its widest
 * cell in words; when that does not fit, the rights one character each (with a legend above),
 * so that no right is cut off (issue 11, item 5). */
typedef struct mlayout {
	int name, kind[FK_FILE_KINDS], abbreviated;
} mlayout;

static mlayout matrix_layout(const matrix *mx, int cols)
{
	mlayout l = {0};
	for (l.abbreviated = 0; l.abbreviated < 2; l.abbreviated++) {
		int sum = 8;
		for (int k = 0; k < FK_FILE_KINDS; k++) {
			l.kind[k] = fk_disp_width(_(matrix_kinds[k]));
			for (int i = 0; i < mx->m.n; i++) {
				char cell[128];
				matrix_cell(mx->m.rows[i].rights[k], l.abbreviated, cell, sizeof cell);
				int w = fk_disp_width(cell);
				l.kind[k] = w > l.kind[k] ? w : l.kind[k];
			}
			sum += ++l.kind[k];
		}
		l.name = cols - 2 - sum;
		if (l.name >= 11 || l.abbreviated)
			break;
	}
	l.name = l.name > 21 ? 21 : l.name < 4 ? 4 : l.name;
	return l;
}

static void matrix_header(view *v, int y, int cols)
{
	const matrix *mx = v->data;
	mlayout l = matrix_layout(mx, cols);
	char line[512];
	if (l.abbreviated) {
		char a[4][16];
		/* TRANSLATORS: the legend of the one-character rights: 閲 閲覧, 書 書出し … */
		snprintf(line, sizeof line, _("Rights in force now by kind of file: %s %s, %s %s, %s %s, %s %s"),
			 right_letter(0, a[0], sizeof a[0]), _("view"), right_letter(1, a[1], sizeof a[1]), _("export"),
			 right_letter(2, a[2], sizeof a[2]), _("print"), right_letter(3, a[3], sizeof a[3]), _("dispose"));
	} else {
		snprintf(line, sizeof line, "%s", _("Rights in force now by kind of file."));
	}
	tui_put(y, 1, line, cols - 2);
	attron(A_BOLD | A_UNDERLINE);
	move(y + 1, 0);
	clrtoeol();
	int x = 1;
	tui_put(y + 1, x, _("Code"), 7);
	tui_put(y + 1, x += 8, _("Municipality"), l.name - 1);
	x += l.name;
	for (int k = 0; k < FK_FILE_KINDS && x < cols - 1; x += l.kind[k], k++)
		tui_put(y + 1, x, _(matrix_kinds[k]), l.kind[k] - 1 < cols - 1 - x ? l.kind[k] - 1 : cols - 1 - x);
	attroff(A_BOLD | A_UNDERLINE);
}

static void matrix_line(view *v, int i, int y, int cols, int selected)
{
	const matrix *mx = v->data;
	const fk_perm_row *r = &mx->m.rows[i];
	mlayout l = matrix_layout(mx, cols);
	(void)selected;
	int x = 1;
	tui_put(y, x, r->municipality, 7);
	tui_put(y, x += 8, r->name, l.name - 1);
	x += l.name;
	for (int k = 0; k < FK_FILE_KINDS && x < cols - 1; x += l.kind[k], k++) {
		char cell[128];
		matrix_cell(r->rights[k], l.abbreviated, cell, sizeof cell);
		tui_put(y, x, cell, l.kind[k] - 1 < cols - 1 - x ? l.kind[k] - 1 : cols - 1 - x);
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
