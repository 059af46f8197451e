/* The idle lock (R-AUTH, R-LOCKOUT): blank screen; the operator re-authenticates, anyone may sign out. */
#include "config.h"

#include <libintl.h>
#include <stdio.h>
#include <string.h>

#include "dialog.h"
#include "lockscreen.h"
#include "reasons.h"

#define _(s) gettext(s)

static void draw_locked(const char *user, const char *note, const char *detail)
{
	char line[256], cut[1024];
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	erase();
	curs_set(0);
	int y = rows / 2 - 2, w = cols - 8 > 200 ? 200 : cols - 8;
	attron(A_BOLD);
	fk_disp_fit(_("This screen is locked."), w, cut, sizeof cut);
	mvaddstr(y, 4, cut);
	attroff(A_BOLD);
	snprintf(line, sizeof line, _("Session of %s"), user);
	fk_disp_fit(line, w, cut, sizeof cut);
	mvaddstr(y + 1, 4, cut);
	fk_disp_fit(note, w, cut, sizeof cut);
	mvaddstr(y + 3, 4, cut);
	fk_disp_fit(detail, w, cut, sizeof cut);
	mvaddstr(y + 4, 4, cut);
	attron(A_REVERSE);
	mvhline(rows - 1, 0, ' ', cols);
	snprintf(line, sizeof line, _("Enter: unlock (%s only)   o: sign this session out"), user);
	fk_disp_fit(line, cols - 2 > 200 ? 200 : cols - 2, cut, sizeof cut);
	mvaddstr(rows - 1, 1, cut);
	attroff(A_REVERSE);
	refresh();
}

/* Ask for the password again; on failure, note says why (and detail, for a failure of the
 * terminal rather than of the person, the core's message). */
static int unlock(fk_ctx *ctx, fk_session *s, char *note, size_t notelen, char *detail,
		  size_t detaillen)
{
	fk_dialog d;
	char context[160];
	fk_conv conv;
	fk_error err;
	snprintf(context, sizeof context, _("Session of %s"), fk_session_user(s));
	fk_dialog_init(&d, _("Unlock the screen"), context);
	fk_dialog_show(&d);
	fk_dialog_conv(&d, &conv);
	fk_error_clear(&err);
	fk_dialog_deadline(&d, ctx->cfg.prompt_timeout);
	fk_status st = fk_auth_reauth(ctx, s, &conv, &err);
	detail[0] = '\0';
	if (st == FK_OK)
		return 1;
	if (st == FK_ERR_AUTH && d.timed_out)
		fk_copy_str(note, notelen, _("Unlock timed out."));
	else if (st == FK_ERR_AUTH)
		fk_copy_str(note, notelen, _("Unlock failed."));
	else
		tui_error_text(&err, NULL, note, notelen, detail, detaillen);
	return 0;
}

/* What another process or terminal did ends an open session within about a second, even
 * while nobody types, locked screens included (issue 14; R-ENROL, R-LOCKOUT, R-INTRUSION): the
 * person disabled (or no longer enrolled), the account locked, a lockdown put in force
 * (administrators excepted). Polled at most once a second from the input loop, which wakes
 * every half second anyway: three rows read by key, their MACs checked, nothing written
 * (core/auth/standing.c). A state that cannot be read does not sign out here: the session's
 * next operation goes through the gate, which refuses and names the row (tests/tamper.sh). */
static int64_t last_poll;
static fk_standing ended_by; /* why the session was ended here; read once by the sign-in screen */

static fk_standing ends_session(fk_ctx *ctx)
{
	int64_t now = fk_mono_ns();
	if (now - last_poll < 1000000000)
		return FK_STANDING_OK;
	last_poll = now;
	fk_standing why;
	fk_error err;
	return fk_auth_standing(ctx, &why, &err) == FK_OK ? why : FK_STANDING_OK;
}

fk_standing fk_tui_ended_by(void)
{
	fk_standing why = ended_by;
	ended_by = FK_STANDING_OK;
	return why;
}

int fk_tui_lockscreen(fk_ctx *ctx, fk_session *s)
{
	char note[256] = "", detail[512] = "";
	fk_error err;
	/* Fail closed: a lock that cannot be recorded still locks. */
	(void)fk_session_lock(ctx, "idle", &err);
	timeout(500);
	for (;;) {
		draw_locked(fk_session_user(s), note, detail);
		int ch = getch();
		if (fk_tui_hangup() || (ended_by = ends_session(ctx)) != FK_STANDING_OK)
			return 0;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			if (unlock(ctx, s, note, sizeof note, detail, sizeof detail))
				return 1;
			if (fk_tui_hangup())
				return 0;
		} else if (ch == 'o' || ch == 'O') {
			return 0;
		}
	}
}

/* The last key's time: idleness spans calls, since the caller redraws (the
 * clock) on every ERR tick, and spans the prompts, which read through here too. */
static int64_t last_key;

/* After a tick without a key (got == ERR) or a key: the idle lock's decision. Returns got, or
 * ERR for a quiet tick, FK_TUI_REDRAW back from the lock, FK_TUI_SIGNEDOUT. */
static int idle_step(fk_ctx *ctx, fk_session **s, int got)
{
	int64_t idle = (int64_t)ctx->cfg.idle_timeout * 1000000000;
	int hangup = fk_tui_hangup();
	if (hangup || (ended_by = ends_session(ctx)) != FK_STANDING_OK) {
		fk_auth_signout(ctx, *s, hangup ? "hangup" : fk_standing_reason(ended_by));
		*s = NULL;
		last_key = 0;
		return FK_TUI_SIGNEDOUT;
	}
	if (got != ERR) {
		last_key = fk_mono_ns();
		return got;
	}
	if (fk_mono_ns() - last_key < idle) {
		fk_error err;
		/* Hourly history seals are written even when nobody types (R-LOGSEAL). */
		fk_audit_tick(ctx, &err);
		return ERR;
	}
	last_key = 0;
	if (fk_tui_lockscreen(ctx, *s))
		return FK_TUI_REDRAW;
	hangup = fk_tui_hangup();
	fk_auth_signout(ctx, *s, hangup ? "hangup" : ended_by ? fk_standing_reason(ended_by) : "idle-lock");
	*s = NULL;
	return FK_TUI_SIGNEDOUT;
}

int fk_tui_getch(fk_ctx *ctx, fk_session **s)
{
	if (!last_key)
		last_key = fk_mono_ns();
	timeout(500);
	return idle_step(ctx, s, getch());
}

int fk_tui_get_wch(fk_ctx *ctx, fk_session **s, wint_t *wc)
{
	if (!last_key)
		last_key = fk_mono_ns();
	timeout(500);
	*wc = 0;
	int r = get_wch(wc);
	return idle_step(ctx, s, r);
}
