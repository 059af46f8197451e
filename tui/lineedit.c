/* Readline-like editing of a prompt's line (lineedit.h): keys to moves and edits, histories. */
#include "config.h"

#include <curses.h> /* the KEY_* codes only: nothing is drawn here */
#include <stdlib.h>
#include <string.h>

#include "fk.h"
#include "lineedit.h"

#define CTRL_KEY(x) ((x) & 0x1f)
#define HISTORIES 8 /* prompts with a history of their own: search, filter fields, reasons … */

/* A history per prompt, found by its label; for the session only (never written anywhere).
 * When all are taken, the one used longest ago makes room (labels that carry a value, such
 * as the history filter's, would otherwise use them up). */
static struct {
	char label[160];
	unsigned long used;
	tui_history h;
} histories[HISTORIES];
static unsigned long uses;
/* C-t switched romaji conversion off: kept for the session, so that the next search prompt
 * does not switch it back on under the operator's fingers. */
static int romaji_off;

static tui_history *history_for(const char *label)
{
	int oldest = 0;
	if (!label)
		return NULL;
	for (int i = 0; i < HISTORIES; i++) {
		if (histories[i].label[0] && !strcmp(histories[i].label, label)) {
			histories[i].used = ++uses;
			return &histories[i].h;
		}
		if (histories[i].used < histories[oldest].used)
			oldest = i;
	}
	memset(&histories[oldest], 0, sizeof histories[oldest]);
	fk_copy_str(histories[oldest].label, sizeof histories[oldest].label, label);
	histories[oldest].used = ++uses;
	return &histories[oldest].h;
}

void tui_line_forget(void)
{
	fk_wipe(histories, sizeof histories);
	uses = 0;
	romaji_off = 0;
}

void tui_line_init(tui_line *l, const char *label)
{
	memset(l, 0, sizeof *l);
	l->hist = history_for(label);
	l->browse = l->hist ? l->hist->n : 0;
	l->pend = -1;
}

void tui_line_romaji(tui_line *l)
{
	l->romaji = 1;
	l->kana = !romaji_off;
}

void tui_line_set(tui_line *l, const char *mb)
{
	size_t n = mbstowcs(l->w, mb, TUI_LINE_MAX);
	if (n == (size_t)-1)
		n = 0; /* text that does not convert is not offered for editing */
	l->w[n] = 0;
	l->n = l->pos = (int)n;
}

static void set_text(tui_line *l, const wchar_t *w)
{
	wcsncpy(l->w, w, TUI_LINE_MAX);
	l->w[TUI_LINE_MAX] = 0;
	l->n = l->pos = (int)wcslen(l->w);
	l->pend = -1;
}

/* ↑ (dir -1) or ↓ (+1) through the history; past the newest, the line typed comes back. */
static enum tui_line_result browse(tui_line *l, int dir)
{
	if (!l->hist)
		return TUI_LINE_IGNORED;
	int to = l->browse + dir;
	if (to < 0 || to > l->hist->n)
		return TUI_LINE_EDITED;
	if (l->browse == l->hist->n)
		wcscpy(l->typed, l->w);
	l->browse = to;
	set_text(l, to == l->hist->n ? l->typed : l->hist->items[to]);
	return TUI_LINE_EDITED;
}

/* Remove the characters from..to-1. */
static void cut(tui_line *l, int from, int to)
{
	if (from >= to)
		return;
	memmove(l->w + from, l->w + to, (size_t)(l->n - to + 1) * sizeof *l->w);
	l->n -= to - from;
	l->pos = from;
}

static enum tui_line_result function_key(tui_line *l, wint_t ch)
{
	switch (ch) {
	case KEY_LEFT:
		l->pos -= l->pos > 0;
		return TUI_LINE_EDITED;
	case KEY_RIGHT:
		l->pos += l->pos < l->n;
		return TUI_LINE_EDITED;
	case KEY_HOME:
		l->pos = 0;
		return TUI_LINE_EDITED;
	case KEY_END:
		l->pos = l->n;
		return TUI_LINE_EDITED;
	case KEY_BACKSPACE:
		cut(l, l->pos - (l->pos > 0), l->pos);
		return TUI_LINE_EDITED;
	case KEY_DC:
		cut(l, l->pos, l->pos + (l->pos < l->n));
		return TUI_LINE_EDITED;
	case KEY_UP:
		return browse(l, -1);
	case KEY_DOWN:
		return browse(l, 1);
	case KEY_ENTER:
		return TUI_LINE_DONE;
	default:
		return TUI_LINE_IGNORED;
	}
}

static enum tui_line_result edit_key(tui_line *l, int code, wint_t ch)
{
	if (code)
		return function_key(l, ch);
	switch (ch) {
	case 27:
		return TUI_LINE_CANCEL;
	case '\n':
	case '\r':
		return TUI_LINE_DONE;
	case CTRL_KEY('a'):
		return function_key(l, KEY_HOME);
	case CTRL_KEY('e'):
		return function_key(l, KEY_END);
	case CTRL_KEY('b'):
		return function_key(l, KEY_LEFT);
	case CTRL_KEY('f'):
		return function_key(l, KEY_RIGHT);
	case CTRL_KEY('d'):
		return function_key(l, KEY_DC);
	case CTRL_KEY('p'):
		return browse(l, -1);
	case CTRL_KEY('n'):
		return browse(l, 1);
	case CTRL_KEY('u'):
		cut(l, 0, l->pos);
		return TUI_LINE_EDITED;
	case CTRL_KEY('k'):
		cut(l, l->pos, l->n);
		return TUI_LINE_EDITED;
	case 127:
	case 8:
		return function_key(l, KEY_BACKSPACE);
	default:
		break;
	}
	/* What the display refuses is refused here, so the answer is what was shown. */
	if (ch < 0x20 || fk_disp_unsafe(ch) || l->n >= TUI_LINE_MAX)
		return TUI_LINE_IGNORED;
	memmove(l->w + l->pos + 1, l->w + l->pos, (size_t)(l->n - l->pos + 1) * sizeof *l->w);
	l->w[l->pos++] = (wchar_t)ch;
	l->n++;
	return TUI_LINE_EDITED;
}

/* Convert the romaji pending before the cursor (core/text/romaji.h): what resolves becomes
 * hiragana, the syllable only begun stays as typed and pending. final: the run ends (a key
 * that is not a letter, Enter): a last n becomes ん, other letters stay as typed. */
static void convert(tui_line *l, int final)
{
	char in[16], out[64];
	wchar_t kana[32];
	size_t n = (size_t)(l->pos - l->pend), rest;
	if (l->pend < 0 || n == 0 || n >= sizeof in) {
		l->pend = -1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		in[i] = (char)l->w[l->pend + (int)i]; /* ASCII: only fk_romaji_char's enter a run */
	size_t nk;
	if (!fk_romaji_kana(in, n, final, out, sizeof out, &rest) ||
	    (nk = mbstowcs(kana, out, sizeof kana / sizeof kana[0])) == (size_t)-1 ||
	    l->n - (int)n + (int)(nk + rest) > TUI_LINE_MAX) {
		l->pend = -1; /* not a UTF-8 locale, or no room: left as typed */
		return;
	}
	int at = l->pend, len = (int)(nk + rest);
	memmove(l->w + at + len, l->w + l->pos, (size_t)(l->n - l->pos + 1) * sizeof *l->w);
	wmemcpy(l->w + at, kana, nk);
	for (size_t i = 0; i < rest; i++)
		l->w[at + (int)nk + (int)i] = (wchar_t)(unsigned char)in[n - rest + i];
	l->n += len - (int)n;
	l->pos = at + len;
	l->pend = rest ? l->pos - (int)rest : -1;
}

static int is_kana(wchar_t c)
{
	return c >= 0x3041 && c <= 0x30ff; /* hiragana, katakana, ー */
}

/* Whether ch enters the romaji run: a letter always; ' only after a pending n (kan'no); -
 * after kana or pending romaji (ra-men → らーめん) but not between digits (1-2). */
static int romaji_takes(const tui_line *l, int code, wint_t ch)
{
	if (!l->kana || code || !fk_romaji_char(ch))
		return 0;
	if (ch == '\'')
		return l->pend >= 0;
	if (ch == '-')
		return l->pend >= 0 || (l->pos > 0 && is_kana(l->w[l->pos - 1]));
	return 1;
}

static int is_backspace(int code, wint_t ch)
{
	return code ? ch == KEY_BACKSPACE : ch == 127 || ch == 8;
}

enum tui_line_result tui_line_key(tui_line *l, int code, wint_t ch)
{
	if (!code && ch == CTRL_KEY('t')) {
		if (!l->romaji)
			return TUI_LINE_IGNORED;
		convert(l, 1);
		l->kana = !l->kana;
		romaji_off = !l->kana;
		return TUI_LINE_EDITED;
	}
	if (romaji_takes(l, code, ch)) {
		if (l->pend < 0)
			l->pend = l->pos;
		enum tui_line_result r = edit_key(l, code, ch);
		if (r == TUI_LINE_EDITED)
			convert(l, 0);
		return r;
	}
	if (is_backspace(code, ch)) {
		/* A pending letter typed wrong is taken back, the rest still pending. */
		enum tui_line_result r = edit_key(l, code, ch);
		if (l->pend >= l->pos)
			l->pend = -1;
		return r;
	}
	convert(l, 1);
	return edit_key(l, code, ch);
}

int tui_line_cursor_cols(const tui_line *l)
{
	/* Measured as it is drawn (fk_disp_fit): the text before the cursor, converted. */
	wchar_t head[TUI_LINE_MAX + 1];
	char mb[4 * (TUI_LINE_MAX + 1) + 1];
	wmemcpy(head, l->w, (size_t)l->pos);
	head[l->pos] = 0;
	if (wcstombs(mb, head, sizeof mb) == (size_t)-1)
		return l->pos;
	return fk_disp_width(mb);
}

static void remember(tui_history *h, const wchar_t *w)
{
	if (!h || !*w || (h->n && !wcscmp(h->items[h->n - 1], w)))
		return;
	if (h->n == TUI_HISTORY_MAX) {
		memmove(h->items, h->items + 1, sizeof h->items[0] * (TUI_HISTORY_MAX - 1));
		h->n--;
	}
	wcscpy(h->items[h->n++], w);
}

int tui_line_finish(tui_line *l, char *buf, size_t len)
{
	convert(l, 1);
	l->w[l->n] = 0;
	remember(l->hist, l->w);
	if (len == 0 || wcstombs(buf, l->w, len) == (size_t)-1)
		return 0;
	buf[len - 1] = '\0';
	return 1;
}
