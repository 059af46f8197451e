/* The idle lock (R-AUTH): after idle_timeout the screen is blanked until the operator signs in again. */
#ifndef FK_TUI_LOCKSCREEN_H
#define FK_TUI_LOCKSCREEN_H

#include <curses.h>

#include "fk.h"

/* What fk_tui_getch returns besides keys. */
#define FK_TUI_REDRAW (KEY_MAX + 1)    /* back from the lock screen: draw everything again */
#define FK_TUI_SIGNEDOUT (KEY_MAX + 2) /* the session ended (signed out at the lock, or hang-up) */

/* Blank and lock the screen (recorded). Only the signed-in operator gets back
 * in, through PAM (failures count toward the lockout); anyone may instead end
 * the session. 1: the operator is back; 0: the session must be signed out. */
int fk_tui_lockscreen(fk_ctx *ctx, fk_session *s);

/* getch for the operator's screens: a key; or, after idle_timeout without
 * one, the lock screen (FK_TUI_REDRAW when the operator is back); or
 * FK_TUI_SIGNEDOUT when the session was signed out there or the terminal hung
 * up (*s is then signed out and NULL). */
int fk_tui_getch(fk_ctx *ctx, fk_session **s);

/* The same for the prompts and dialogs, which read wide characters: OK or KEY_CODE_YES with
 * *wc filled, ERR for a quiet half second, or FK_TUI_REDRAW / FK_TUI_SIGNEDOUT as above. The
 * idle time runs on across both: a prompt left open locks like a screen (issue 11, item 1). */
int fk_tui_get_wch(fk_ctx *ctx, fk_session **s, wint_t *wc);

/* Why the last session was ended by what another process did (fk_auth_standing: disabled,
 * locked, lockdown), once: the sign-in screen says it; FK_STANDING_OK otherwise. */
fk_standing fk_tui_ended_by(void);

#endif
