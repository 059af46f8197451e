/* Readline-like editing of a prompt's line: the text, a cursor and the keys that move and
 * edit, with a history per prompt. No drawing: the prompt (ui.c) draws what this holds. */
#ifndef TUI_LINEEDIT_H
#define TUI_LINEEDIT_H

#include <stddef.h>
#include <wchar.h>

#define TUI_LINE_MAX 127 /* characters of a prompt's answer */
#define TUI_HISTORY_MAX 16 /* answers kept per prompt, newest last */

typedef struct tui_history {
	wchar_t items[TUI_HISTORY_MAX][TUI_LINE_MAX + 1];
	int n;
} tui_history;

typedef struct tui_line {
	wchar_t w[TUI_LINE_MAX + 1]; /* always terminated */
	int n, pos;                  /* length and cursor, in characters */
	tui_history *hist;           /* NULL: no history */
	int browse;                  /* ↑/↓: the history entry shown; hist->n: the line typed */
	wchar_t typed[TUI_LINE_MAX + 1]; /* the line typed, kept while browsing */
	int romaji;                  /* the prompt takes a reading: romaji may convert (C-t) */
	int kana;                    /* romaji typed converts to hiragana now */
	int pend;                    /* where the romaji still pending starts; -1: none */
} tui_line;

/* What a key did to the line. */
enum tui_line_result {
	TUI_LINE_EDITED,  /* moved or changed: draw again */
	TUI_LINE_DONE,    /* Enter */
	TUI_LINE_CANCEL,  /* Esc */
	TUI_LINE_IGNORED, /* not an editing key (the prompt may handle it: a resize) */
};

/* Start empty, with the history of the prompt called label (kept for the session, for the
 * few prompts used most recently). */
void tui_line_init(tui_line *l, const char *label);

/* Start from the text mb (a field's value being edited again), the cursor at its end. */
void tui_line_set(tui_line *l, const char *mb);
/* Make the line a reading's (the search prompt): Latin letters typed convert to hiragana as
 * typed (core/text/romaji.h), a syllable only begun staying shown as typed until it resolves,
 * unless the operator switched conversion off with C-t earlier in the session. */
void tui_line_romaji(tui_line *l);

/* One key as get_wch gave it: code 1 for a function key (KEY_CODE_YES), 0 for a character.
 * ← → Home End C-a C-e move; Backspace, Delete, C-d, C-u (to the start), C-k (to the end)
 * delete; ↑ ↓ C-p C-n go through the history; printable characters are inserted at the
 * cursor (never control, bidi or other characters the display refuses). On a reading's line
 * (tui_line_romaji) C-t switches between かな and Latin letters, and any key but a letter or
 * Backspace settles what is pending (a last n becomes ん). */
enum tui_line_result tui_line_key(tui_line *l, int code, wint_t ch);

/* Forget every prompt's history: a session's searches (names, addresses) are never offered
 * to whoever signs in next on this console. */
void tui_line_forget(void);

/* The columns before the cursor (to place it on the screen). */
int tui_line_cursor_cols(const tui_line *l);

/* The answer as a multibyte string in buf (romaji pending settled first); 0 when it does not
 * convert or fit. The answer, when not empty, becomes the newest of the prompt's history (a repeat only once). */
int tui_line_finish(tui_line *l, char *buf, size_t len);

#endif
