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
#define ACTION_INFO(name, k1, k2, label, bkey, bname, prio, help)                                  \
	{ACT_##name, k1, k2, label, bkey, bname, prio, help},
	ACTION_LIST(ACTION_INFO)
#undef ACTION_INFO
	{ACT_NONE, 0, 0, NULL, NULL, NULL, 0, NULL},
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

/* The lines under the body: the message, its detail when there is one, the key bar, the status
 * line (last, so that tests can leave out the clock with it). */
static int bottom_rows(const app *a)
{
	return a->message[0] && a->detail[0] ? 4 : 3;
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
	if (a->depth > 1) {
		a->closed = a->stack[a->depth - 1]->ops->id;
		view_free(a->stack[--a->depth]);
		view *top = a->stack[a->depth - 1];
		if (top->ops->request)
			top->ops->request(top, ACT_RESUMED);
	} else {
		a->quit = 1;
	}
}

/* ---- what works where (per-screen action sets) ---- */

/* The screens a role may open from anywhere, with the operation that decides them: offered
 * only to the roles the operation table lets in, so the bar never shows a key that is refused
 * (the core still decides and records when it is pressed). */
static const struct {
	enum action act;
	const char *screen; /* its ops id: not offered on itself */
	fk_op op;
	view *(*open)(app *a);
} role_screens[] = {
	{ACT_HISTORY, "history", FK_OP_HISTORY_VIEW, history_view},
	{ACT_LOCKOUTS, "lockouts", FK_OP_LOCKOUT_VIEW, lockouts_view},
	{ACT_HEALTH, "health", FK_OP_HEALTH_VIEW, health_view},
	{ACT_GRANTS, "grants", FK_OP_GRANT_OPERATORS, grants_view},
	{ACT_PACKAGES, "packages", FK_OP_PACKAGE_LIST, packages_view},
	{ACT_REQUESTS, "requests", FK_OP_REQUEST_LIST, requests_view},
	{ACT_ALERTS, "alerts", FK_OP_ALERT_LIST, alerts_view},
};

/* The grants' rule (FK_RULE_MANAGE) lets supervisors, auditors and administrators read a
 * bureau's grants (core/access/authz.c decide_manage); the others are by their role mask. */
static int role_may(const app *a, fk_op op)
{
	const fk_op_info *info = fk_op_get(op);
	unsigned role = 1u << a->ctx->actor.role;
	if (info->rule == FK_RULE_MANAGE)
		return (FK_R_STAFF & role) != 0;
	if (info->rule == FK_RULE_ANYONE)
		return 1;
	return info->rule == FK_RULE_ROLES && (info->mask & role) != 0;
}

action_set tui_view_actions(const view *v)
{
	action_set set = TUI_ACTS_COMMON | v->ops->actions;
	if (v->muni)
		set |= TUI_ACTS_MUNI;
	for (size_t i = 0; i < sizeof role_screens / sizeof role_screens[0]; i++)
		if (strcmp(v->ops->id, role_screens[i].screen) && role_may(v->app, role_screens[i].op))
			set |= ACTS_OF(role_screens[i].act);
	return set;
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

const char *tui_role_text(fk_role r)
{
	switch (r) {
	case FK_ROLE_OPERATOR: return _("operator");
	case FK_ROLE_SUPERVISOR: return _("supervisor");
	case FK_ROLE_AUDITOR: return _("auditor");
	case FK_ROLE_ADMIN: return _("administrator");
	default: return "-";
	}
}

/* The key bar (htop's F-key bar): the screen's actions that have a bar name, most important
 * first; when they do not fit, the highest priority numbers go first. */
static void draw_keybar(view *v, int y)
{
	action_set set = tui_view_actions(v);
	/* q on the home screen signs out rather than closes: the bar says which. */
	const char *quit = v->app->depth > 1 ? _("Close") : _("Sign out");
	const struct action_info *shown[ACT_COUNT];
	const char *names[ACT_COUNT];
	int n = 0, width = -2; /* each item is followed by two spaces but the last */
	for (int prio = 1; prio < 9; prio++)
		for (const struct action_info *i = tui_actions; i->label; i++)
			if (i->priority == prio && i->bar_key[0] && (set & ACTS_OF(i->act))) {
				names[n] = i->act == ACT_QUIT ? quit : _(i->bar_name);
				shown[n] = i;
				width += fk_disp_width(i->bar_key) + 1 + fk_disp_width(names[n++]) + 2;
			}
	while (n > 0 && width > COLS) {
		n--;
		width -= fk_disp_width(shown[n]->bar_key) + 1 + fk_disp_width(names[n]) + 2;
	}
	move(y, 0);
	clrtoeol();
	int x = 0;
	for (int k = 0; k < n; k++) {
		int kw = fk_disp_width(shown[k]->bar_key), nw = fk_disp_width(names[k]) + 1;
		attron(A_BOLD);
		tui_put(y, x, shown[k]->bar_key, kw);
		attroff(A_BOLD);
		attron(A_REVERSE);
		char cell[128];
		snprintf(cell, sizeof cell, " %s", names[k]);
		tui_put(y, x + kw, cell, nw);
		attroff(A_REVERSE);
		x += kw + nw + 2;
	}
}

static void draw_status(app *a)
{
	char utc[40], jst[40], line[512];
	int64_t now = fk_now_ns();
	tui_fmt_time(now, 0, utc, sizeof utc);
	tui_fmt_time(now, 1, jst, sizeof jst);
	const fk_actor *who = &a->ctx->actor;
	/* Most wanted first, since a narrow terminal cuts the end: the time in Japan and the clock's
	 * warning, then who and where, and UTC last. */
	snprintf(line, sizeof line, "%s%s  %s (%s)  %s  %s %s  %s", jst,
		 fk_clock_synced() ? "" : _("  ⚠ clock not synchronised"), who->user,
		 tui_role_text(who->role), a->bureau_name, _("terminal"), a->ctx->cfg.terminal_id, utc);
	draw_keybar(a->stack[a->depth - 1], LINES - 2);
	if (a->message[0]) {
		int y = LINES - bottom_rows(a);
		if (a->message_is_error)
			attron(A_BOLD);
		tui_put(y, 0, a->message, COLS);
		attroff(A_BOLD);
		if (a->detail[0])
			tui_put(y + 1, 0, a->detail, COLS);
	} else {
		move(LINES - 3, 0);
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
		if (y == 0 && v->nrows == 0 && v->empty)
			tui_put(top, 2, v->empty, COLS - 3);
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

void tui_draw(app *a)
{
	erase();
	if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
		char msg[128];
		snprintf(msg, sizeof msg, _("The terminal is too small (%dx%d): at least %dx%d is needed."),
			 COLS, LINES, TUI_MIN_COLS, TUI_MIN_ROWS);
		tui_wrap(0, 0, msg, COLS, LINES); /* wrapped, never cut: it is all there is to read */
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

static void say_unavailable(app *a)
{
	tui_message(a, 1, "%s", _("That key does nothing on this screen. ? lists the keys."));
}

/* 1–4 on a municipality's screen: its other file in place of this screen, so that moving
 * between a municipality's files does not pile screens up. */
static void open_sibling(app *a, view *nv)
{
	int d = a->depth;
	tui_push(a, nv);
	if (a->depth == d + 1 && d >= 2) {
		view_free(a->stack[d - 1]);
		a->stack[d - 1] = a->stack[d];
		a->depth--;
	}
}

static void search_prompt(app *a)
{
	char q[256];
	/* The search takes readings: romaji typed becomes hiragana (the kiosk may have no IME). */
	if (tui_prompt_reading(a, _("Search (reading, 筆頭者 name or 本籍):"), q, sizeof q) && q[0])
		tui_push(a, search_view(a, tui_guess_field(q), q));
}

/* What the engine does itself, on any screen whose set has the action. */
static void handle_common(app *a, view *v, enum action act)
{
	switch (act) {
	case ACT_QUIT:
		/* On the home screen q signs out, so it asks first; elsewhere it closes the screen. */
		if (a->depth > 1 || tui_confirm(a, _("Sign out? (y/n)")))
			tui_pop(a);
		break;
	case ACT_BACK: /* never quits: only q does, on the home screen */
		if (a->depth > 1)
			tui_pop(a);
		break;
	case ACT_HELP:
		tui_push(a, help_view(a, tui_view_actions(v)));
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case ACT_SEARCH:
		search_prompt(a);
		break;
	case ACT_KOSEKI:
	case ACT_JOSEKI:
		if (v->muni)
			open_sibling(a, reglist_view(a, v->muni, act == ACT_KOSEKI ? FK_FILE_KOSEKI : FK_FILE_JOSEKI));
		break;
	case ACT_LEDGER:
	case ACT_DOCS:
		if (v->muni)
			open_sibling(a, records_view(a, v->muni, act == ACT_LEDGER ? FK_FILE_LEDGER : FK_FILE_DOCS));
		break;
	default:
		for (size_t i = 0; i < sizeof role_screens / sizeof role_screens[0]; i++)
			if (role_screens[i].act == act)
				tui_push(a, role_screens[i].open(a));
		break;
	}
}

static void handle(app *a, enum action act)
{
	view *v = a->stack[a->depth - 1];
	/* One set decides what works here: the bar, help and this refusal cannot disagree. */
	if (act == ACT_NONE || !(tui_view_actions(v) & ACTS_OF(act))) {
		say_unavailable(a);
		return;
	}
	if (v->ops->request && v->ops->request(v, act))
		return;
	if (navigate(v, act))
		return;
	handle_common(a, v, act);
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

/* A key for a prompt, through the idle lock when a session is signed in. Returns OK or
 * KEY_CODE_YES with *wc, ERR for nothing yet, FK_TUI_REDRAW after the lock screen (draw
 * everything again), FK_TUI_SIGNEDOUT when the session ended there (the console quits). */
int tui_prompt_key(app *a, wint_t *wc)
{
	if (!a->sess) {
		timeout(500);
		return get_wch(wc);
	}
	int r = fk_tui_get_wch(a->ctx, a->sess, wc);
	if (r == FK_TUI_SIGNEDOUT)
		a->quit = 1;
	return r;
}

/* The key bar while a reading's prompt is open: the prompt's own keys, C-t among them. */
static void draw_prompt_bar(int y, const char *enter)
{
	const char *keys[3] = {"Enter", "Esc", "C-t"};
	const char *names[3] = {enter, _("Cancel"), _("Kana/Latin")};
	move(y, 0);
	clrtoeol();
	for (int k = 0, x = 0; k < 3 && x < COLS; k++) {
		int kw = fk_disp_width(keys[k]), nw = fk_disp_width(names[k]) + 1;
		char cell[128];
		attron(A_BOLD);
		tui_put(y, x, keys[k], kw);
		attroff(A_BOLD);
		attron(A_REVERSE);
		snprintf(cell, sizeof cell, " %s", names[k]);
		tui_put(y, x + kw, cell, x + kw + nw <= COLS ? nw : COLS - x - kw);
		attroff(A_REVERSE);
		x += kw + nw + 2;
	}
}

/* The prompt's line: the message line, with the key bar and status line kept under it; the
 * cursor where lineedit.c has it (le NULL: a question, nothing typed). A reading's prompt says
 * whether romaji converts, and its key bar how to switch. */
void tui_draw_prompt(const char *label, const tui_line *le)
{
	tui_draw_prompt_as(label, le, _("Search"));
}

void tui_draw_prompt_as(const char *label, const tui_line *le, const char *enter)
{
	char shown[600];
	size_t used = 0;
	for (int i = 0; le && i < le->n && used + MB_CUR_MAX < sizeof shown; i++) {
		int k = wctomb(shown + used, le->w[i]);
		if (k > 0)
			used += (size_t)k;
	}
	shown[used] = '\0';
	char head[400];
	if (le && le->romaji)
		snprintf(head, sizeof head, "%s %s", label, le->kana ? _("[kana]") : _("[Latin]"));
	else
		snprintf(head, sizeof head, "%s", label);
	char line[1000];
	snprintf(line, sizeof line, "%s %s", head, shown);
	int y = LINES - 3;
	if (le && le->romaji)
		draw_prompt_bar(y + 1, enter);
	move(y, 0);
	clrtoeol();
	attron(A_BOLD);
	tui_put(y, 0, line, COLS - 1);
	attroff(A_BOLD);
	int at = fk_disp_width(head) + 1 + (le ? tui_line_cursor_cols(le) : 0);
	move(y, at < COLS - 1 ? at : COLS - 1);
	refresh();
}

static int prompt(app *a, const char *label, char *buf, size_t len, int edit, int reading)
{
	tui_line le; /* the editing keys and history: lineedit.c */
	tui_line_init(&le, label);
	if (edit)
		tui_line_set(&le, buf);
	if (reading)
		tui_line_romaji(&le);
	clear_message(a);
	tui_draw(a);
	curs_set(1);
	for (;;) {
		tui_draw_prompt(label, &le);
		wint_t ch;
		int r = tui_prompt_key(a, &ch);
		if (r == ERR)
			continue;
		if (r == FK_TUI_SIGNEDOUT)
			break;
		if (r == FK_TUI_REDRAW || (r == KEY_CODE_YES && ch == KEY_RESIZE)) {
			/* Back from the lock screen (or a new size): the screen, then the prompt as it was. */
			clearok(curscr, TRUE);
			tui_draw(a);
			curs_set(1);
			continue;
		}
		enum tui_line_result k = tui_line_key(&le, r == KEY_CODE_YES, ch);
		if (k == TUI_LINE_DONE)
			break;
		if (k == TUI_LINE_CANCEL) {
			curs_set(0);
			return 0;
		}
	}
	curs_set(0);
	if (a->quit)
		return 0;
	return tui_line_finish(&le, buf, len);
}

int tui_prompt(app *a, const char *label, char *buf, size_t len)
{
	return prompt(a, label, buf, len, 0, 0);
}

int tui_prompt_edit(app *a, const char *label, char *buf, size_t len)
{
	return prompt(a, label, buf, len, 1, 0);
}

int tui_prompt_reading(app *a, const char *label, char *buf, size_t len)
{
	return prompt(a, label, buf, len, 0, 1);
}

int tui_confirm(app *a, const char *question)
{
	clear_message(a);
	tui_draw(a);
	for (;;) {
		tui_draw_prompt(question, NULL);
		wint_t ch;
		int r = tui_prompt_key(a, &ch);
		if (r == ERR)
			continue;
		if (r == FK_TUI_SIGNEDOUT)
			return 0;
		if (r == FK_TUI_REDRAW || (r == KEY_CODE_YES && ch == KEY_RESIZE)) {
			clearok(curscr, TRUE);
			tui_draw(a);
			continue;
		}
		return r == OK && (ch == 'y' || ch == 'Y');
	}
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
		tui_draw(a);
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
		if (act != ACT_REDRAW)
			clear_message(a);
		handle(a, act);
	}
	while (a->depth > 0)
		view_free(a->stack[--a->depth]);
	tui_line_forget(); /* the session's answers go with it */
	if (timing)
		fclose(timing);
	return 0;
}
