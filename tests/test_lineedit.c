/* Unit tests: the prompt's line editing (tui/lineedit.c; issue 11, item 8): moves, edits,
 * history per prompt, and nothing unsafe ever entering the answer. */
#include "config.h"

#include <curses.h> /* KEY_* codes */
#include <locale.h>
#include <string.h>

#include "../tui/lineedit.h"
#include "fktest.h"

/* Type a string of characters (no function keys). */
static void type(tui_line *l, const wchar_t *s)
{
	for (; *s; s++)
		ck_assert_int_eq(tui_line_key(l, 0, (wint_t)*s), TUI_LINE_EDITED);
}

static const char *answer(tui_line *l)
{
	static char buf[600];
	ck_assert(tui_line_finish(l, buf, sizeof buf));
	return buf;
}

START_TEST(moves_and_edits)
{
	tui_line l;
	tui_line_init(&l, "test: moves");
	type(&l, L"あおや");
	tui_line_key(&l, 1, KEY_LEFT);
	tui_line_key(&l, 1, KEY_LEFT);
	type(&l, L"X");
	ck_assert(!wcscmp(l.w, L"あXおや"));
	ck_assert_int_eq(tui_line_cursor_cols(&l), 3); /* あ is two columns */
	tui_line_key(&l, 0, 0x01); /* C-a */
	ck_assert_int_eq(l.pos, 0);
	tui_line_key(&l, 0, 0x05); /* C-e */
	ck_assert_int_eq(l.pos, 4);
	tui_line_key(&l, 1, KEY_BACKSPACE);
	ck_assert(!wcscmp(l.w, L"あXお"));
	tui_line_key(&l, 1, KEY_HOME);
	tui_line_key(&l, 1, KEY_DC);
	ck_assert(!wcscmp(l.w, L"Xお"));
	tui_line_key(&l, 1, KEY_RIGHT);
	tui_line_key(&l, 0, 0x0b); /* C-k: to the end */
	ck_assert(!wcscmp(l.w, L"X"));
	type(&l, L"yz");
	tui_line_key(&l, 1, KEY_LEFT);
	tui_line_key(&l, 0, 0x15); /* C-u: to the start */
	ck_assert(!wcscmp(l.w, L"z"));
	ck_assert_int_eq(l.pos, 0);
	/* At the ends, moves stay put. */
	tui_line_key(&l, 1, KEY_LEFT);
	ck_assert_int_eq(l.pos, 0);
	tui_line_key(&l, 0, 127);
	ck_assert(!wcscmp(l.w, L"z"));
	ck_assert_int_eq(tui_line_key(&l, 0, '\n'), TUI_LINE_DONE);
	ck_assert_str_eq(answer(&l), "z");
	tui_line_init(&l, "test: moves");
	ck_assert_int_eq(tui_line_key(&l, 0, 27), TUI_LINE_CANCEL);
	ck_assert_int_eq(tui_line_key(&l, 1, KEY_RESIZE), TUI_LINE_IGNORED);
}
END_TEST

/* Control characters, escapes and bidi overrides never enter the answer (what is shown is
 * what is sent); the line stops at its length. */
START_TEST(unsafe_characters_are_refused)
{
	tui_line l;
	tui_line_init(&l, "test: unsafe");
	ck_assert_int_eq(tui_line_key(&l, 0, 0x1b5b), TUI_LINE_EDITED); /* a character, not ESC */
	ck_assert_int_eq(tui_line_key(&l, 0, 0x07), TUI_LINE_IGNORED);
	ck_assert_int_eq(tui_line_key(&l, 0, 0x202e), TUI_LINE_IGNORED); /* RLO */
	ck_assert_int_eq(l.n, 1);
	for (int i = 0; i < 200; i++)
		tui_line_key(&l, 0, 'a');
	ck_assert_int_eq(l.n, TUI_LINE_MAX);
}
END_TEST

/* ↑/↓ go through the answers given to the same prompt, newest first, and back to the line
 * being typed; another prompt has its own. */
START_TEST(history_per_prompt)
{
	tui_line l;
	const char *search = "test: search";
	tui_line_init(&l, search);
	type(&l, L"あおや");
	answer(&l);
	tui_line_init(&l, search);
	type(&l, L"緑町");
	answer(&l);
	tui_line_init(&l, search);
	type(&l, L"緑町"); /* a repeat is kept once */
	answer(&l);
	tui_line_init(&l, "test: reason");
	ck_assert_int_eq(tui_line_key(&l, 1, KEY_UP), TUI_LINE_EDITED);
	ck_assert_int_eq(l.n, 0);
	tui_line_init(&l, search);
	type(&l, L"ふ");
	tui_line_key(&l, 1, KEY_UP);
	ck_assert(!wcscmp(l.w, L"緑町"));
	tui_line_key(&l, 0, 0x10); /* C-p */
	ck_assert(!wcscmp(l.w, L"あおや"));
	tui_line_key(&l, 1, KEY_UP); /* the oldest: stays */
	ck_assert(!wcscmp(l.w, L"あおや"));
	tui_line_key(&l, 1, KEY_DOWN);
	tui_line_key(&l, 0, 0x0e); /* C-n: back to what was typed */
	ck_assert(!wcscmp(l.w, L"ふ"));
	ck_assert_str_eq(answer(&l), "ふ");
	/* Signed out: nothing of the session is offered to the next person. */
	tui_line_forget();
	tui_line_init(&l, search);
	tui_line_key(&l, 1, KEY_UP);
	ck_assert_int_eq(l.n, 0);
}
END_TEST

/* A reading's line (the search prompt): romaji converts as typed, a syllable only begun shown
 * as typed, C-t switches it off for the session (issue 15, item 2). */
START_TEST(romaji_converts_as_typed)
{
	tui_line l;
	tui_line_forget();
	tui_line_init(&l, "test: reading");
	tui_line_romaji(&l);
	ck_assert(l.kana);
	type(&l, L"aoyag");
	ck_assert(!wcscmp(l.w, L"あおやg")); /* pending: still Latin */
	ck_assert_int_eq(l.pos, 4);
	type(&l, L"i");
	ck_assert(!wcscmp(l.w, L"あおやぎ"));
	ck_assert_str_eq(answer(&l), "あおやぎ");

	tui_line_init(&l, "test: reading");
	tui_line_romaji(&l);
	type(&l, L"kan");
	ck_assert(!wcscmp(l.w, L"かn"));
	ck_assert_str_eq(answer(&l), "かん"); /* Enter settles the last n */

	tui_line_init(&l, "test: reading");
	tui_line_romaji(&l);
	type(&l, L"kan'nohattoriTk");
	tui_line_key(&l, 1, KEY_BACKSPACE); /* the pending k taken back */
	ck_assert(!wcscmp(l.w, L"かんのはっとりT"));
	type(&l, L"su 1-2 ra-men");
	ck_assert_str_eq(answer(&l), "かんのはっとりTす 1-2 らーめん");

	/* C-t: Latin letters as typed, and still so at the next prompt of the session. */
	tui_line_init(&l, "test: reading");
	tui_line_romaji(&l);
	type(&l, L"sat");
	ck_assert_int_eq(tui_line_key(&l, 0, 0x14), TUI_LINE_EDITED);
	ck_assert(!l.kana);
	type(&l, L"ou");
	ck_assert_str_eq(answer(&l), "さtou");
	tui_line_init(&l, "test: reading");
	tui_line_romaji(&l);
	ck_assert(!l.kana);
	type(&l, L"aoyagi");
	ck_assert_str_eq(answer(&l), "aoyagi");
	tui_line_forget(); /* the next operator starts in かな */
	tui_line_init(&l, "test: reading");
	tui_line_romaji(&l);
	ck_assert(l.kana);

	/* Any other prompt (names of operators, reasons) takes letters as typed; C-t does nothing. */
	tui_line_init(&l, "test: plain");
	type(&l, L"tanaka");
	ck_assert_int_eq(tui_line_key(&l, 0, 0x14), TUI_LINE_IGNORED);
	ck_assert_str_eq(answer(&l), "tanaka");
}
END_TEST

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return 77;
	Suite *s = suite_create("lineedit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, moves_and_edits);
	tcase_add_test(tc, unsafe_characters_are_refused);
	tcase_add_test(tc, history_per_prompt);
	tcase_add_test(tc, romaji_converts_as_typed);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
