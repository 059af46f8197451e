/* Sign-in through PAM (R-AUTH, R-ENROL, R-SECRET): the transaction in the core, the conversation in the caller. */
#ifndef FK_AUTH_H
#define FK_AUTH_H

#include <stddef.h>

#include "ctx.h"
#include "status.h"

#define FK_ANSWER_MAX 512 /* longest answer to one prompt, bytes */
#define FK_CONV_CANCEL (-1)  /* ask: the person cancelled */
#define FK_CONV_TIMEOUT (-2) /* ask: prompt_timeout ran out */

/* How the core asks the person at the terminal (the TUI implements it; tests
 * fake it). ask shows prompt and reads an answer into buf (len bytes, NUL
 * terminated): echo 0 means masked. It returns 0, FK_CONV_CANCEL when the
 * person cancelled, or FK_CONV_TIMEOUT when the attempt's prompt_timeout
 * (counted from before the sign-in call) ran out: a front-end must give up
 * by then. The core also refuses any answer given after its own deadline.
 * tell shows a message (error 1: PAM_ERROR_MSG). Neither may keep a copy of
 * an answer; the core wipes buf after use. */
typedef struct fk_conv {
	int (*ask)(void *arg, const char *prompt, int echo, char *buf, size_t len);
	void (*tell)(void *arg, const char *msg, int error);
	void *arg;
} fk_conv;

typedef struct fk_session fk_session;

/* Sign user in: a lockout reservation (the attempt counted before PAM is
 * asked), PAM (authenticate, account, expired-password change, credentials,
 * session) with PAM_TTY and PAM_RHOST set, then enrolment (R-ENROL). On
 * success ctx->actor is the operator and *out the open session. Every
 * refusal (wrong answer, unknown, disabled or locked account, too many
 * attempts in flight) gives FK_ERR_AUTH with the same message and takes at
 * least fail_delay seconds of the terminal's own time; the reason is only in
 * the history. The prompts must be answered within prompt_timeout. Other
 * codes: the sign-in could not be performed or recorded. */
fk_status fk_auth_signin(fk_ctx *ctx, const char *user, const fk_conv *conv, fk_session **out,
			 fk_error *err);

/* The same operator proves identity again (idle lock), under the same
 * reservation rule. Failures count toward the lockout; a locked account is
 * refused. */
fk_status fk_auth_reauth(fk_ctx *ctx, fk_session *s, const fk_conv *conv, fk_error *err);

/* Close the PAM session, record the sign-out with reason ("quit",
 * "idle-lock", "hangup"), free s and act as nobody. Safe with NULL. */
void fk_auth_signout(fk_ctx *ctx, fk_session *s, const char *reason);

const char *fk_session_user(const fk_session *s);


/* The command line on a test or demo terminal (meta.h): act as enrolled user without PAM,
 * the sign-in recorded as such (reason "test-mode"). A production terminal refuses
 * (FK_ERR_DENIED), whatever the environment says. */
fk_status fk_auth_test_signin(fk_ctx *ctx, const char *user, const char *program, fk_error *err);

/* A script's sign-in with credential name (credential.h) to run command (a command's name,
 * "audit verify"), without PAM: the credential's sealed row and its file in the key folder
 * must match (in constant time), it must not be revoked, command must be in its list, and the
 * person it acts for must be enrolled, enabled and not locked. Then ctx acts as that person
 * and *out is a session without PAM, which fk_auth_signout ends. Recorded as a sign-in with
 * the reason "credential" and the detail "credential NAME for USER", so that the history
 * tells it from a PAM sign-in. A refusal is FK_ERR_AUTH saying why, recorded with its reason
 * (credential-bad-name, -unknown, -revoked, -no-file, -file, -mismatch, -command,
 * not-enrolled, disabled, locked) and not counted toward the lockout: nobody guesses a
 * secret that only the key folder holds. */
fk_status fk_auth_credential_signin(fk_ctx *ctx, const char *name, const char *command,
				    const char *program, fk_session **out, fk_error *err);

/* PAM alone (authenticate and account) for the person who creates a terminal: nobody is
 * enrolled yet, so there is no lockout to count against. Through fukuhon-authd when helper
 * (auth_helper) names its socket, else in this process. */
fk_status fk_auth_check_password(const char *service, const char *helper, const char *user,
				 const fk_conv *conv, fk_error *err);

#endif
