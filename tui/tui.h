/* The console's view engine: a stack of views, each a table of operations over one drawing model. */
#ifndef TUI_H
#define TUI_H

#include <curses.h>
#include <libintl.h>
#include <wchar.h>

#include "actions.h"
#include "fk.h"

#define _(s) gettext(s)
#define N_(s) (s)

#define TUI_MIN_ROWS 10
#define TUI_MIN_COLS 60
#define TUI_MAX_VIEWS 16

/* Colour pairs, used only when the terminal has colour (app.color); every use is also
 * marked another way (bold, a sign), so that nothing depends on colour alone. */
enum { TUI_PAIR_REMOVED = 1, TUI_PAIR_ADDED = 2 };

typedef struct app app;
typedef struct view view;

/* What every screen implements (tig's view_ops). Lines are drawn one by one
 * from a model of nrows lines: the engine scrolls, the view fills. */
typedef struct view_ops {
	const char *id;      /* recorded in the history: "home", "register" … */
	/* Load the view's data; may fail with a message shown on the status line. */
	fk_status (*open)(view *v, fk_error *err);
	/* Header line(s) drawn above the lines (may be NULL). */
	void (*header)(view *v, int y, int cols);
	/* Draw line i of the model at screen row y. */
	void (*line)(view *v, int i, int y, int cols, int selected);
	/* Called when the cursor nears the end of what is loaded (paged views);
	 * may be NULL. */
	fk_status (*more)(view *v, int dir, fk_error *err);
	/* Handle an action first; return 1 when handled. */
	int (*request)(view *v, enum action a);
	void (*close)(view *v);
	/* The actions this screen adds to TUI_ACTS_COMMON (actions.h): help, the key bar and the
	 * "does nothing here" message all follow it. */
	action_set actions;
} view_ops;

struct view {
	const view_ops *ops;
	app *app;
	void *data;
	char title[256];
	int nrows;    /* lines in the model */
	int cursor;   /* selected line */
	int offset;   /* first line shown */
	int selectable; /* 0: a document that only scrolls */
	int header_rows;
	/* The municipality this screen belongs to (a register list, a ledger): 1–4 open its other
	 * files in place of this screen; NULL elsewhere. */
	const fk_muni *muni;
	const char *empty; /* shown in place of lines when there are none (translated); NULL: blank */
};

struct app {
	fk_ctx *ctx;
	fk_session **sess; /* the signed-in session: the idle lock may end it */
	const char *bureau_name;
	int64_t bureau_id;
	view *stack[TUI_MAX_VIEWS];
	int depth;
	char message[512];
	char detail[512]; /* an error's second line: the core's message (tui_error) */
	int message_is_error;
	int quit;
	int color;
	int list_order; /* the register lists' last sort order (fk_order_field), kept for the session */
	const char *closed; /* the ops id of the screen closed last (the home refreshes its attention) */
};

/* ---- engine (ui.c) ---- */
int tui_run(app *a, view *home);
/* Push a new view (opened now); on failure it is freed and the message shown. */
void tui_push(app *a, view *v);
void tui_pop(app *a);
view *tui_view_new(app *a, const view_ops *ops, void *data, const char *title);
void tui_message(app *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Show a core error (the one way the console does): a refusal as its reason, translated, and
 * on a second line object (what was refused, from data or not: sanitised here; may be NULL);
 * a failure as its status's headline with the core's message on the second line, for the
 * administrator. */
void tui_error(app *a, const fk_error *err, const char *object);
/* The same with the caller's (translated) headline in place of the status's. */
void tui_error_head(app *a, const char *head, const fk_error *err);
/* Body rows available to lines. */
int tui_body_rows(const view *v);
/* Ask for a line of text at the bottom; returns 1 with buf filled, 0 when cancelled. The idle
 * lock runs meanwhile: it covers the prompt, which comes back as it was after the operator
 * unlocks; a session signed out there cancels it (and the console signs out). */
int tui_prompt(app *a, const char *label, char *buf, size_t len);
/* The same, starting from the text in buf (a form's field edited again). */
int tui_prompt_edit(app *a, const char *label, char *buf, size_t len);
/* The same for a prompt that takes a reading (よみ): romaji typed converts to hiragana as typed,
 * C-t switches between かな and Latin letters (tui/lineedit.h). */
int tui_prompt_reading(app *a, const char *label, char *buf, size_t len);
/* Ask a yes/no question on the message line (y: 1; n, Esc or anything else: 0), under the
 * idle lock like tui_prompt. */
int tui_confirm(app *a, const char *question);
/* For dialogs of their own (pick.c): the whole screen drawn; a key through the idle lock as
 * the prompts read them (OK or KEY_CODE_YES with *wc; ERR; FK_TUI_REDRAW; FK_TUI_SIGNEDOUT);
 * the prompt's line drawn with its label and the line being edited (NULL: none). */
void tui_draw(app *a);
struct tui_line;
int tui_prompt_key(app *a, wint_t *wc);
void tui_draw_prompt(const char *label, const struct tui_line *le);
/* The same, a reading's key bar naming what Enter does there (the search's: "Search"). */
void tui_draw_prompt_as(const char *label, const struct tui_line *le, const char *enter);
/* One of n items picked by typing part of it (an incremental filter over match, normalised
 * like the search: kana, width, case; romaji typed becomes hiragana, C-t switches), ↑↓ PgUp
 * PgDn to choose, Enter to take, Esc to cancel: the item's index, or -1. Under the idle lock
 * like the prompts. */
typedef struct tui_pick_item {
	const char *text;  /* the line shown */
	const char *match; /* what typing is matched against */
} tui_pick_item;
int tui_pick(app *a, const char *title, const char *label, const tui_pick_item *items, int n);
/* The bureau's municipalities (tui_munis_load: decided and recorded), and one of them picked
 * with tui_pick: 0 for the first entry (all_text: all of them), i + 1 for ms->m[i], -1 when
 * cancelled. */
typedef struct tui_munis {
	fk_muni *m;
	int n, cap;
} tui_munis;
fk_status tui_munis_load(app *a, tui_munis *ms, fk_error *err);
void tui_munis_free(tui_munis *ms);
int tui_pick_muni(app *a, const char *label, const char *all_text, const char *all_match,
		  const tui_munis *ms);
/* Everything that works on v now: the common keys, v's own, 1–4 where it belongs to a
 * municipality, and the screens the signed-in role may open from anywhere. */
action_set tui_view_actions(const view *v);

/* ---- drawing (draw.c): everything from data goes through these ---- */
/* Draw s at (y, x) as exactly width columns, sanitised, cut with "…". */
void tui_put(int y, int x, const char *s, int width);
/* The same, right-aligned in width columns with one space after. */
void tui_put_right(int y, int x, const char *s, int width);
/* Draw printf-formatted text the same way. */
void tui_putf(int y, int x, int width, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void tui_fmt_time(int64_t ns, int jst, char *buf, size_t len);
/* Draw s from (y, x) wrapped to width columns (at spaces where it can), at most rows lines;
 * returns the lines used. For the console's own messages, which must never be cut. */
int tui_wrap(int y, int x, const char *s, int width, int rows);

/* ---- screens ---- */
view *home_view(app *a);
view *reglist_view(app *a, const fk_muni *m, int kind);
view *regview_view(app *a, int64_t id, int version);
view *versions_view(app *a, int64_t id);
view *diff_view(app *a, int64_t id, int v1, int v2);
view *records_view(app *a, const fk_muni *m, int kind);
view *entry_view(app *a, int kind, const fk_record_row *row);
view *search_view(app *a, fk_search_field field, const char *query);
/* The keys of a screen whose actions are set. */
view *help_view(app *a, action_set set);
view *history_view(app *a);
view *record_view(app *a, const fk_audit_row *row);
view *verify_view(app *a);
view *lockouts_view(app *a);
view *alerts_view(app *a);
view *health_view(app *a);
view *packages_view(app *a);
view *package_view(app *a, int64_t id);
view *grants_view(app *a);
view *matrix_view(app *a, const char *user);
/* The form that makes a grant (grantform.c), over the grants screen. */
view *grantform_view(app *a);
/* A role in the operator's words. */
const char *tui_role_text(fk_role r);
view *requests_view(app *a);
view *request_view(app *a, int64_t id);
/* Ask for a print of a register's current version, with a reason (requests.c). */
void tui_request_print(app *a, int64_t register_id);
/* Ask for the disposal of a register, with a reason (requests.c). */
void tui_request_dispose(app *a, int64_t register_id);
/* A whole municipality (code): its return (from the home screen), and its disposal after the
 * return after_return was carried out (from the requests). */
void tui_request_return(app *a, const char *code);
void tui_request_dispose_muni(app *a, const char *code, int64_t after_return);
const char *tui_req_kind_text(int kind);
const char *tui_req_state_text(int state);
/* Which field a typed query is for: kana → reading, an address → 本籍, else name. */
fk_search_field tui_guess_field(const char *q);

#endif
