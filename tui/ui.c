/* The console's view engine: key table, view stack, layout, resize, status line. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lockscreen.h"
#include "lineedit.h"
#include "reasons.h"
#include "tui.h"

const struct action_info tui_actions[] = {
#define ACTION_INFO(name, k1, k2, label, help) {ACT_##name, k1, k2, label, help},
	ACTION_LIST(ACTION_INFO)
#undef ACTION_INFO
	{ACT_NONE, 0, 0, NULL, NULL},
};

enum action tui_action_for_key(int key)
{
	if (key == '\r' || key == KEY_ENTER)
		key = '\n';
	for (const struct action_info *i = tui_actions; i->label; i++)
		if ((i->key1 && i->key1 == key) || (i->key2 && i->key2 == key))
			return i->act;
	return ACT_NONE;
}

view *tui_view_new(app *a, const view_ops *ops, void *data, const char *title)
{
	view *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->ops = ops;
	v->app = a;
	v->data = data;
	v->selectable = 1;
	fk_copy_str(v->title, sizeof v->title, title ? title : "");
	return v;
}

static void view_free(view *v)
{
	if (!v)
		return;
	if (v->ops->close)
		v->ops->close(v);
	free(v);
}

void tui_message(app *a, int error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof a->message, fmt, ap);
	va_end(ap);
	a->detail[0] = '\0';
	a->message_is_error = error;
}

void tui_error(app *a, const fk_error *err, const char *object)
{
	tui_error_text(err, object, a->message, sizeof a->message, a->detail, sizeof a->detail);
	a->message_is_error = 1;
}

void tui_error_head(app *a, const char *head, const fk_error *err)
{
	fk_copy_str(a->message, sizeof a->message, head);
	tui_msg_text(err, a->detail, sizeof a->detail);
	a->message_is_error = 1;
}

static void clear_message(app *a)
{
	a->message[0] = '\0';
	a->detail[0] = '\0';
}

/* The lines under the body: the message, its detail when there is one, the status line. */
static int bottom_rows(const app *a)
{
	return a->message[0] && a->detail[0] ? 3 : 2;
}

void tui_push(app *a, view *v)
{
	fk_error err;
	fk_error_clear(&err);
	if (!v) {
		tui_message(a, 1, "%s", _("Out of memory."));
		return;
	}
	if (a->depth == TUI_MAX_VIEWS) {
		tui_message(a, 1, "%s", _("Too many screens open: close one first."));
		view_free(v);
		return;
	}
	/* Cleared first: what the view says while opening (a fallback, a warning) stays. */
	clear_message(a);
	if (v->ops->open && v->ops->open(v, &err) != FK_OK) {
		tui_error(a, &err, v->title);
		view_free(v);
		return;
	}
	a->stack[a->depth++] = v;
}

void tui_pop(app *a)
{
	if (a->depth > 1)
		view_free(a->stack[--a->depth]);
	else
		a->quit = 1;
}

static int body_top(const view *v)
{
	return 1 + v->header_rows;
}

int tui_body_rows(const view *v)
{
	int n = LINES - body_top(v) - bottom_rows(v->app);
	return n > 0 ? n : 0;
}

/* ---- the frame: title bar, message line, status line ---- */

static void draw_title(view *v)
{
	attron(A_REVERSE | A_BOLD);
	mvhline(0, 0, ' ', COLS);
	char t[512];
	snprintf(t, sizeof t, "%s  ›  %s", _("fukuhon"), v->title);
	tui_put(0, 1, t, COLS - 2);
	attroff(A_REVERSE | A_BOLD);
}

static const char *role_label(fk_role r)
{
	switch (r) {
	case FK_ROLE_OPERATOR: return _("operator");
	case FK_ROLE_SUPERVISOR: return _("supervisor");
	case FK_ROLE_AUDITOR: return _("auditor");
	case FK_ROLE_ADMIN: return _("administrator");
	default: return "-";
	}
}

static void draw_status(app *a)
{
	char utc[40], jst[40], line[512];
	int64_t now = fk_now_ns();
	tui_fmt_time(now, 0, utc, sizeof utc);
	tui_fmt_time(now, 1, jst, sizeof jst);
	const fk_actor *who = &a->ctx->actor;
	snprintf(line, sizeof line, "%s (%s)  %s  %s %s  %s  %s%s", who->user, role_label(who->role),
		 a->bureau_name, _("terminal"), a->ctx->cfg.terminal_id, utc, jst,
		 fk_clock_synced() ? "" : _("  ⚠ clock not synchronised"));
	if (a->message[0]) {
		int y = LINES - bottom_rows(a);
		if (a->message_is_error)
			attron(A_BOLD);
		tui_put(y, 0, a->message, COLS);
		attroff(A_BOLD);
		if (a->detail[0])
			tui_put(y + 1, 0, a->detail, COLS);
	} else {
		move(LINES - 2, 0);
		clrtoeol();
	}
	attron(A_REVERSE);
	tui_put(LINES - 1, 0, line, COLS);
	attroff(A_REVERSE);
}

static void draw_view(view *v)
{
	int rows = tui_body_rows(v), top = body_top(v);
	if (v->ops->header)
		v->ops->header(v, 1, COLS);
	/* Keep the cursor visible after a resize or a jump. */
	if (v->cursor >= v->nrows)
		v->cursor = v->nrows > 0 ? v->nrows - 1 : 0;
	if (v->selectable) {
		if (v->cursor < v->offset)
			v->offset = v->cursor;
		if (v->cursor >= v->offset + rows)
			v->offset = v->cursor - rows + 1;
	}
	if (v->offset > v->nrows - rows)
		v->offset = v->nrows - rows > 0 ? v->nrows - rows : 0;
	for (int y = 0; y < rows; y++) {
		int i = v->offset + y;
		move(top + y, 0);
		clrtoeol();
		if (i >= v->nrows)
			continue;
		int sel = v->selectable && i == v->cursor;
		if (sel)
			attron(A_REVERSE);
		v->ops->line(v, i, top + y, COLS, sel);
		if (sel)
			attroff(A_REVERSE);
	}
}

static void draw(app *a)
{
	erase();
	if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
		char msg[128];
		snprintf(msg, sizeof msg, _("The terminal is too small (%dx%d): at least %dx%d is needed."),
			 COLS, LINES, TUI_MIN_COLS, TUI_MIN_ROWS);
		tui_put(0, 0, msg, COLS);
		refresh();
		return;
	}
	view *v = a->stack[a->depth - 1];
	draw_title(v);
	draw_view(v);
	draw_status(a);
	refresh();
}

/* ---- generic navigation over a model of nrows lines ---- */

static int navigate(view *v, enum action act)
{
	int rows = tui_body_rows(v), last = v->nrows - 1;
	int *pos = v->selectable ? &v->cursor : &v->offset;
	int max = v->selectable ? last : v->nrows - rows;
	if (max < 0)
		max = 0;
	switch (act) {
	case ACT_UP: *pos -= 1; break;
	case ACT_DOWN: *pos += 1; break;
	case ACT_PGUP: *pos -= rows > 1 ? rows - 1 : 1; break;
	case ACT_PGDN: *pos += rows > 1 ? rows - 1 : 1; break;
	case ACT_FIRST: *pos = 0; break;
	case ACT_LAST: *pos = max; break;
	default: return 0;
	}
	if (*pos > max)
		*pos = max;
	if (*pos < 0)
		*pos = 0;
	return 1;
}

static void handle(app *a, enum action act)
{
	view *v = a->stack[a->depth - 1];
	if (v->ops->request && v->ops->request(v, act))
		return;
	if (navigate(v, act))
		return;
	switch (act) {
	case ACT_QUIT:
		tui_pop(a);
		break;
	case ACT_BACK: /* never quits: only q does, on the home screen */
		if (a->depth > 1)
			tui_pop(a);
		break;
	case ACT_HELP:
		tui_push(a, help_view(a));
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

/* A mouse event (mouse = yes): a click selects the line under it, a double
 * click opens it, the wheel moves three lines. Clicks outside the lines do
 * nothing. */
static void tui_mouse(app *a)
{
	MEVENT ev;
	view *v = a->stack[a->depth - 1];
	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		for (int i = 0; i < 3; i++)
			handle(a, ev.bstate & BUTTON4_PRESSED ? ACT_UP : ACT_DOWN);
		return;
	}
	int row = ev.y - body_top(v);
	if (!v->selectable || row < 0 || row >= tui_body_rows(v) || v->offset + row >= v->nrows)
		return;
	v->cursor = v->offset + row;
	if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
		handle(a, ACT_OPEN);
}

int tui_prompt(app *a, const char *label, char *buf, size_t len)
{
	tui_line le; /* the editing keys and history: lineedit.c */
	tui_line_init(&le, label);
	curs_set(1);
	for (;;) {
		char shown[600];
		size_t used = 0;
		for (int i = 0; i < le.n && used + MB_CUR_MAX < sizeof shown; i++) {
			int k = wctomb(shown + used, le.w[i]);
			if (k > 0)
				used += (size_t)k;
		}
		shown[used] = '\0';
		char line[800];
		snprintf(line, sizeof line, "%s %s", label, shown);
		move(LINES - 2, 0);
		clrtoeol();
		attron(A_BOLD);
		tui_put(LINES - 2, 0, line, COLS - 1);
		attroff(A_BOLD);
		int at = fk_disp_width(label) + 1 + tui_line_cursor_cols(&le);
		move(LINES - 2, at < COLS - 1 ? at : COLS - 1);
		refresh();
		wint_t ch;
		int r = get_wch(&ch);
		if (r == ERR)
			continue;
		enum tui_line_result k = tui_line_key(&le, r == KEY_CODE_YES, ch);
		if (k == TUI_LINE_DONE)
			break;
		if (k == TUI_LINE_CANCEL) {
			curs_set(0);
			return 0;
		}
		if (r == KEY_CODE_YES && ch == KEY_RESIZE)
			draw(a);
	}
	curs_set(0);
	return tui_line_finish(&le, buf, len);
}

/* FK_TUI_TIMING=FILE appends, per key, the nanoseconds from the key's arrival
 * to the end of the redraw (for tests/bench/bench_tui.sh; off by default). */
static FILE *timing_open(void)
{
	const char *path = getenv("FK_TUI_TIMING");
	return path && *path ? fopen(path, "a") : NULL;
}

int tui_run(app *a, view *home)
{
	FILE *timing = timing_open();
	int64_t key_at = 0;
	tui_push(a, home);
	if (a->depth == 0) {
		if (timing)
			fclose(timing);
		return 1;
	}
	timeout(1000); /* without a session: redraw every second for the clock */
	while (!a->quit) {
		draw(a);
		if (timing && key_at) {
			fprintf(timing, "%lld\n", (long long)(fk_mono_ns() - key_at));
			fflush(timing);
			key_at = 0;
		}
		/* Keys come through the idle lock: it may lock the screen, sign the
		 * session out, or return ERR every half second (the clock). */
		int ch = a->sess ? fk_tui_getch(a->ctx, a->sess) : getch();
		if (ch == FK_TUI_SIGNEDOUT) {
			a->quit = 1;
			break;
		}
		if (ch == FK_TUI_REDRAW)
			clearok(curscr, TRUE);
		if (ch == KEY_RESIZE)
			for (int i = 0; i < a->depth; i++)
				if (a->stack[i]->ops->request)
					a->stack[i]->ops->request(a->stack[i], ACT_RESIZED);
		if (ch == ERR || ch == KEY_RESIZE || ch == FK_TUI_REDRAW)
			continue; /* the next draw lays everything out again */
		if (ch == KEY_MOUSE) {
			clear_message(a);
			tui_mouse(a);
			continue;
		}
		enum action act = tui_action_for_key(ch);
		key_at = fk_mono_ns();
		if (act != ACT_NONE) {
			if (act != ACT_REDRAW)
				clear_message(a);
			handle(a, act);
		}
	}
	while (a->depth > 0)
		view_free(a->stack[--a->depth]);
	tui_line_forget(); /* the session's answers go with it */
	if (timing)
		fclose(timing);
	return 0;
}
