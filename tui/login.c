/* The sign-in screen (R-AUTH, R-ENROL): user name, then the PAM conversation in a dialog. */
#include "config.h"

#include <curses.h>
#include <libintl.h>
#include <stdio.h>
#include <string.h>

#include "dialog.h"
#include "lockscreen.h"
#include "login.h"
#include "reasons.h"

#define _(s) gettext(s)
#define N_(s) (s)

/* The demo's accounts (tests/demo.sh makes them, README lists them), shown at the sign-in only
 * on a terminal initialised as a demo: the mode is a sealed fact of the database, not a setting
 * a real terminal could be given by mistake (issue 11, item 11). */
static const char *const demo_accounts[] = {
	N_("Demo terminal: accounts (user / password / role)"),
	N_("  tanaka / tanaka-demo / operator: every municipality of 東京法務局"),
	N_("  suzuki / suzuki-demo / supervisor: 千代田区 and 中央区 only"),
	N_("  sato   / sato-demo   / auditor: the operation history"),
	N_("  admin  / admin-demo  / administrator: manages the terminal"),
	NULL,
};

static int is_demo(fk_ctx *ctx)
{
	char mode[16];
	return fk_terminal_mode(ctx, mode, sizeof mode, NULL) == FK_OK && !strcmp(mode, FK_MODE_DEMO);
}

/* The lockdown's banner (R-INTRUSION): shown on the sign-in screen while one is in force, or
 * while its state cannot be read (then every sign-in but an administrator's is refused too).
 * The idle screen's ticks read the row alone (peek): the full check first brings the tables'
 * digests up to date, a write transaction whenever another process wrote, and on PostgreSQL
 * every time, which would take the store's write lock twice a second for every idle console.
 * The sign-in itself decides with the full check (core/auth/auth.c). */
static void lockdown_banner(fk_dialog *d, int peek)
{
	fk_lockdown ld;
	fk_error err;
	fk_status s = peek ? fk_lockdown_peek(d->tick_arg, &ld, &err) : fk_lockdown_get(d->tick_arg, &ld, &err);
	d->banner[0][0] = d->banner[1][0] = '\0';
	if (s == FK_OK && !ld.on)
		return;
	fk_copy_str(d->banner[0], sizeof d->banner[0],
		    _("LOCKDOWN IN FORCE: only administrators may sign in."));
	if (s == FK_OK)
		snprintf(d->banner[1], sizeof d->banner[1], _("Reason: %s"), ld.reason);
	else
		fk_copy_str(d->banner[1], sizeof d->banner[1], _("The lockdown's state cannot be read."));
}

/* Only while the user name is asked: during PAM's prompts the core is signing in. */
static void login_tick(fk_dialog *d)
{
	if (!d->deadline)
		lockdown_banner(d, 1);
}

/* Why the session before was ended by what another process did (lockscreen.c): said on the
 * sign-in screen to whoever sits at the console, since the session was on its screen. */
static const char *ended_note(fk_standing why)
{
	switch (why) {
	case FK_STANDING_DISABLED:
		return _("Signed out: this account was disabled.");
	case FK_STANDING_LOCKED:
		return _("Signed out: this account was locked.");
	case FK_STANDING_LOCKDOWN:
		return _("Signed out: a lockdown was put in force.");
	case FK_STANDING_OK:
		break;
	}
	return "";
}

int fk_tui_login(fk_ctx *ctx, fk_session **out)
{
	fk_dialog d;
	char context[160], user[80];
	*out = NULL;
	fk_tui_signals();
	raw(); /* Ctrl-C, Ctrl-Z and Ctrl-\ must not leave the console */
	noecho();
	set_escdelay(25);
	snprintf(context, sizeof context, _("Terminal: %s"), ctx->cfg.terminal_id);
	fk_dialog_init(&d, _("Sign in"), context);
	if (is_demo(ctx))
		d.footer = demo_accounts;
	d.tick = login_tick;
	d.tick_arg = ctx;
	lockdown_banner(&d, 0);
	fk_copy_str(d.note, sizeof d.note, ended_note(fk_tui_ended_by()));
	for (;;) {
		if (fk_dialog_read(&d, _("User name:"), 1, user, sizeof user) != 0)
			return 0;
		if (!user[0])
			continue;
		fk_dialog_clear_msgs(&d);
		d.note[0] = '\0';
		d.detail[0] = '\0';
		fk_dialog_show(&d);
		fk_conv conv;
		fk_dialog_conv(&d, &conv);
		fk_error err;
		fk_error_clear(&err);
		/* Started before the core's reservation, so the prompt gives up first. */
		fk_dialog_deadline(&d, ctx->cfg.prompt_timeout);
		fk_status st = fk_auth_signin(ctx, user, &conv, out, &err);
		d.deadline = 0; /* the user name waits as long as it likes */
		fk_wipe(user, sizeof user);
		lockdown_banner(&d, 0); /* turned on or off while PAM was asking */
		if (st == FK_OK)
			return 1;
		if (fk_tui_hangup())
			return 0;
		/* One message for wrong answers and for unknown, disabled and locked
		 * accounts: the screen never tells which names exist. */
		if (st == FK_ERR_AUTH && d.timed_out) /* the person's own delay: says nothing of the account */
			fk_copy_str(d.note, sizeof d.note, _("Sign-in timed out."));
		else if (st == FK_ERR_AUTH && err.msg_id == FK_MSG_LOCKDOWN_SIGNIN) /* said to everyone */
			fk_copy_str(d.note, sizeof d.note, _(fk_msg_template(FK_MSG_LOCKDOWN_SIGNIN)));
		else if (st == FK_ERR_AUTH)
			fk_copy_str(d.note, sizeof d.note, _("Sign-in failed. Check the user name and password."));
		else /* the terminal's failure, not the person's: what, and the core's detail */
			tui_error_text(&err, NULL, d.note, sizeof d.note, d.detail, sizeof d.detail);
	}
}

void fk_tui_logout(fk_ctx *ctx, fk_session *s, const char *reason)
{
	fk_auth_signout(ctx, s, reason);
}
