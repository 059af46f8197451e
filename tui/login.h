/* The sign-in screen (R-AUTH, R-ENROL): the console's only way to an operator's session. */
#ifndef FK_TUI_LOGIN_H
#define FK_TUI_LOGIN_H

#include "fk.h"

/* Call after initscr(). Ask for a user name and sign in through PAM until an
 * enrolled operator is signed in: 1 and *out set (ctx->actor is the
 * operator). 0 when the person quits (Esc at the user name) or the terminal
 * hangs up. Every refusal shows the same message. */
int fk_tui_login(fk_ctx *ctx, fk_session **out);

/* Sign out (reason: "quit", "idle-lock", "hangup"); NULL is fine. */
void fk_tui_logout(fk_ctx *ctx, fk_session *s, const char *reason);

#endif
