/* fukuhon: the bureau terminal's console (ncursesw): sign-in through PAM, then the operator's screens. */
#include "config.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockscreen.h"
#include "login.h"
#include "reasons.h"
#include "tui.h"

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

/* --kiosk: kmscon starts the console again the moment it ends (docs/deployment.md), so a start
 * that fails would flash its message and be retried in a tight loop. There it stays on the
 * screen this long before the console ends. */
#define KIOSK_ERROR_PAUSE 10
static int kiosk;

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: fukuhon [--config FILE] [--kiosk] [--version] [--help]\n");
	return code;
}

/* A start that failed: under the kiosk, the message stays readable before the restart. */
static int start_failed(void)
{
	if (kiosk) {
		fflush(stderr);
		sleep(KIOSK_ERROR_PAUSE);
	}
	return 1;
}

/* Before or after the screen: the headline in the console's language (the locale's until the
 * configuration is read), then the core's message, which names the file, line or row. */
static void print_error(const fk_error *err)
{
	char head[512], detail[FK_ERRMSG_MAX * 2];
	tui_error_text(err, NULL, head, sizeof head, detail, sizeof detail);
	fprintf(stderr, "fukuhon: %s\n", head);
	if (detail[0])
		fprintf(stderr, "fukuhon: %s\n", detail);
}

static int fail(fk_ctx *ctx, const fk_error *err)
{
	print_error(err);
	fk_ctx_close(ctx);
	return start_failed();
}

static int tui_colors; /* the terminal draws colour (start_curses) */

static void start_curses(int mouse)
{
	/* Esc goes back: do not wait a second for an escape sequence. */
	setenv("ESCDELAY", "25", 0);
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Colour where the terminal has it and the user has not asked for none (NO_COLOR, as
	 * no-color.org asks); the terminal's own colours stay the background. */
	const char *no_color = getenv("NO_COLOR");
	if (has_colors() && !(no_color && *no_color) && start_color() == OK) {
		use_default_colors();
		init_pair(TUI_PAIR_REMOVED, COLOR_RED, -1);
		init_pair(TUI_PAIR_ADDED, COLOR_GREEN, -1);
		tui_colors = 1;
	}
	if (mouse) { /* click selects, double-click opens, the wheel scrolls (tui_mouse) */
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
		mouseinterval(200);
	}
}

/* One signed-in session: the operator's screens until q on the home screen,
 * the idle lock's sign-out or a hang-up. */
static int run_session(fk_ctx *ctx, fk_session **sess)
{
	fk_bureau b;
	fk_error err;
	app a = {.ctx = ctx, .sess = sess, .bureau_name = "-", .color = tui_colors};
	if (ctx->actor.bureau_id && fk_bureau_get(ctx, ctx->actor.bureau_id, &b, &err) == FK_OK) {
		a.bureau_name = b.name;
		a.bureau_id = b.id;
	}
	/* Auditors read the history and nothing of the fukuhon: it is their home. */
	int rc = tui_run(&a, ctx->actor.role == FK_ROLE_AUDITOR ? history_view(&a) : home_view(&a));
	if (rc && a.message[0]) {
		endwin();
		fprintf(stderr, "fukuhon: %s\n", a.message);
		if (a.detail[0])
			fprintf(stderr, "fukuhon: %s\n", a.detail);
	}
	return rc;
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
		else if (!strcmp(argv[i], "--kiosk"))
			kiosk = 1;
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
		return start_failed();
	}
	fk_error err;
	fk_error_clear(&err);
	fk_ctx *ctx = NULL;
	choose_language(""); /* the locale's, until the configuration says */
	if (fk_harden_process(&err) != FK_OK || fk_ctx_open(config, FK_CTX_OPEN, &ctx, &err) != FK_OK)
		return fail(ctx, &err);
	choose_language(ctx->cfg.language);
	/* R-LOG: the console does not run unless its start is on record. */
	if (fk_audit_start(ctx, "fukuhon", &err) != FK_OK)
		return fail(ctx, &err);
	start_curses(ctx->cfg.mouse);
	fk_session *sess = NULL;
	int rc = 0;
	while (!rc && fk_tui_login(ctx, &sess)) {
		rc = run_session(ctx, &sess);
		if (sess)
			fk_tui_logout(ctx, sess, "quit");
		sess = NULL;
	}
	endwin();
	if (fk_audit_stop(ctx, "fukuhon", &err) != FK_OK) {
		print_error(&err);
		rc = 1;
	}
	fk_ctx_close(ctx);
	return rc;
}
