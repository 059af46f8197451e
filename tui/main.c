/* fukuhon: the bureau terminal's console (ncursesw). Sign-in, then for now a status screen; the
 * operator's screens come with their issues. */
#include "config.h"

#include <curses.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wchar.h>

#include "fk.h"
#include "lockscreen.h"
#include "login.h"

#define _(s) gettext(s)

/* Japanese by default on a Japanese locale or with language = ja. */
static void choose_language(const char *lang)
{
	if (!strcmp(lang, "ja"))
		setenv("LANGUAGE", "ja", 1);
	else if (!strcmp(lang, "en"))
		setenv("LANGUAGE", "en", 1);
	bindtextdomain(PACKAGE, getenv("FK_LOCALEDIR") ? getenv("FK_LOCALEDIR") : FK_LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
}

/* Draw s at (y, x) within width columns; characters that could act on the
 * terminal (controls, escapes, bidi overrides, invalid bytes) are shown as U+FFFD. */
static void put_text(int y, int x, const char *s, int width)
{
	mbstate_t ms;
	memset(&ms, 0, sizeof ms);
	move(y, x);
	int used = 0;
	while (*s && used < width) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &ms);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&ms, 0, sizeof ms);
			wc = 0xFFFD;
			n = 1;
		}
		if (wc < 0x20 || (wc >= 0x7f && wc < 0xa0) || (wc >= 0x202a && wc <= 0x202e) ||
		    (wc >= 0x2066 && wc <= 0x2069) || wc == 0x200e || wc == 0x200f)
			wc = 0xFFFD;
		int w = wcwidth(wc);
		if (w < 0)
			wc = 0xFFFD, w = 1;
		if (used + w > width)
			break;
		cchar_t cc;
		wchar_t str[2] = {wc, 0};
		setcchar(&cc, str, 0, 0, NULL);
		add_wch(&cc);
		used += w;
		s += n;
	}
}

static void draw(fk_ctx *ctx, const fk_health *h, const char *problem)
{
	erase();
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (rows < 12 || cols < 40) {
		put_text(0, 0, _("The terminal is too small."), cols);
		refresh();
		return;
	}
	char line[256];
	attron(A_REVERSE);
	mvhline(0, 0, ' ', cols);
	put_text(0, 1, _("fukuhon — bureau terminal for family-register duplicates"), cols - 2);
	attroff(A_REVERSE);
	if (problem) {
		put_text(2, 2, problem, cols - 4);
	} else {
		snprintf(line, sizeof line, _("Terminal: %s"), h->terminal_id);
		put_text(2, 2, line, cols - 4);
		snprintf(line, sizeof line, _("Bureau: %s"), ctx->cfg.bureau);
		put_text(3, 2, line, cols - 4);
		snprintf(line, sizeof line, _("Registers: %lld (removed: %lld)"), (long long)h->registers,
			 (long long)h->joseki);
		put_text(5, 2, line, cols - 4);
		snprintf(line, sizeof line, _("Reception ledger entries: %lld"), (long long)h->ledger);
		put_text(6, 2, line, cols - 4);
		snprintf(line, sizeof line, _("Notification documents: %lld"), (long long)h->documents);
		put_text(7, 2, line, cols - 4);
		snprintf(line, sizeof line, _("Operators enrolled: %lld"), (long long)h->operators);
		put_text(8, 2, line, cols - 4);
		snprintf(line, sizeof line, _("Signed in: %s (%s)"), ctx->actor.user, fk_role_id(ctx->actor.role));
		put_text(10, 2, line, cols - 4);
	}
	attron(A_REVERSE);
	mvhline(rows - 1, 0, ' ', cols);
	put_text(rows - 1, 1, _("q: sign out"), cols - 2);
	attroff(A_REVERSE);
	refresh();
}

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: fukuhon [--config FILE] [--version] [--help]\n");
	return code;
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	umask(077);
	setlocale(LC_ALL, "");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
		else if (!strcmp(argv[i], "--version")) {
			printf("fukuhon %s\n", PACKAGE_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, 0);
		else
			return usage(stderr, 2);
	}
	/* Japanese needs a UTF-8 locale; without one every character would be a
	 * replacement mark, so say so instead of drawing garbage. */
	if (MB_CUR_MAX < 2) {
		fprintf(stderr, "fukuhon: the locale is not UTF-8 (set LANG=C.UTF-8 or ja_JP.UTF-8)\n");
		return 1;
	}
	fk_error err;
	fk_error_clear(&err);
	if (fk_harden_process(&err) != FK_OK) {
		fprintf(stderr, "fukuhon: %s\n", err.msg);
		return 1;
	}
	fk_ctx *ctx = NULL;
	fk_health h;
	fk_status s = fk_ctx_open(config, FK_CTX_OPEN, &ctx, &err);
	choose_language(s == FK_OK ? ctx->cfg.language : "auto");
	if (s == FK_OK)
		s = fk_health_get(ctx, 0, &h, &err);
	if (s != FK_OK) {
		fprintf(stderr, "fukuhon: %s\n", err.msg);
		fk_ctx_close(ctx);
		return 1;
	}
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	fk_session *sess = NULL;
	while (fk_tui_login(ctx, &sess)) {
		int ch;
		do {
			draw(ctx, &h, NULL);
			ch = fk_tui_getch(ctx, &sess);
		} while (ch != 'q' && ch != 'Q' && ch != FK_TUI_SIGNEDOUT);
		fk_tui_logout(ctx, sess, "quit");
		sess = NULL;
	}
	endwin();
	fk_ctx_close(ctx);
	return 0;
}
