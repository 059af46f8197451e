/* The sign-in dialog: a box that shows PAM's messages and reads answers, masked or visible (R-AUTH, R-SECRET). */
#ifndef FK_TUI_DIALOG_H
#define FK_TUI_DIALOG_H

#include <stddef.h>

#include "fk.h"

#define FK_DIALOG_MSGS 5

typedef struct fk_dialog {
	const char *title;  /* the box's heading */
	char context[160];  /* a line under it (terminal, or whose session) */
	char note[256];     /* the last outcome, shown in bold; "" for none */
	char detail[512];   /* under it: the core's message of a failure (tui_error_text) */
	int nmsgs;          /* PAM's TEXT_INFO / ERROR_MSG of this attempt, newest last */
	char msgs[FK_DIALOG_MSGS][256];
	int msg_err[FK_DIALOG_MSGS];
	int64_t deadline;   /* CLOCK_MONOTONIC ns after which a prompt gives up; 0: never */
	const char *const *footer; /* lines shown at the foot of the box (the demo's accounts); NULL */
	int timed_out;      /* a prompt gave up at the deadline */
	/* Shown in bold under the context, in reverse video (the lockdown's, R-INTRUSION): two
	 * lines, "" for none. */
	char banner[2][320];
	/* Called about twice a second while a prompt waits for a key (NULL: nothing), so that
	 * the banner follows a lockdown turned on or off meanwhile. */
	void (*tick)(struct fk_dialog *d);
	void *tick_arg;
} fk_dialog;

void fk_dialog_init(fk_dialog *d, const char *title, const char *context);
void fk_dialog_clear_msgs(fk_dialog *d);

/* Give the prompts of one sign-in attempt seconds from now (prompt_timeout),
 * so that none outlives the core's lockout reservation; 0: no limit. */
void fk_dialog_deadline(fk_dialog *d, int seconds);

/* Draw the box with prompt and read an answer into buf (len bytes). echo 0:
 * each character shows as '*'. Enter ends, Esc cancels (FK_CONV_CANCEL, buf
 * wiped), as does a hang-up; past the deadline it gives up (FK_CONV_TIMEOUT,
 * buf wiped, timed_out set). The answer exists only in buf. */
int fk_dialog_read(fk_dialog *d, const char *prompt, int echo, char *buf, size_t len);

/* Draw the box without a prompt (while PAM works). */
void fk_dialog_show(fk_dialog *d);

/* A core conversation (core/auth/auth.h) that talks through d. */
void fk_dialog_conv(fk_dialog *d, fk_conv *conv);

/* SIGHUP and SIGTERM set a flag instead of killing the console, so the
 * session is closed and the sign-out recorded. */
void fk_tui_signals(void);
int fk_tui_hangup(void);

#endif
