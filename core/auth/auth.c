/* Sign-in through PAM (R-AUTH, R-ENROL, R-SECRET, R-LOCKOUT): one PAM transaction per session. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "auth_pam.h"
#include "authd_client.h"
#include "credential.h"
#include "crypto.h"
#include "lockdown.h"
#include "lockout.h"
#include "meta.h"
#include "trust.h"
#include "operator.h"
#include "util.h"

static const fk_pam_api libpam = {
	pam_start, pam_end, pam_set_item, pam_authenticate, pam_acct_mgmt,
	pam_chauthtok, pam_setcred, pam_open_session, pam_close_session,
};
static const fk_pam_api *hooked; /* a test's fake, else NULL */
static int test_fail_ms = -1, test_prompt_ms = -1;

#define CONV_FAILED (-3) /* out of memory, or a prompt style we do not support */

void fk_auth_test_hooks(const fk_pam_api *api, int fail_ms, int prompt_ms)
{
	hooked = api;
	test_fail_ms = fail_ms;
	test_prompt_ms = prompt_ms;
}

/* The conversation's state: the caller's callbacks, how long the person
 * took to answer (not the terminal's time, so not padded), and the attempt's
 * deadline (CLOCK_MONOTONIC ns, from prompt_timeout). */
struct conv_state {
	const fk_conv *conv;
	int64_t wait_ns, deadline;
	int prompts, cancelled, timedout;
};

struct fk_session {
	const fk_pam_api *pam; /* libpam, or fukuhon-authd's client (auth_helper) */
	pam_handle_t *pamh;
	struct pam_conv pc; /* libpam keeps appdata_ptr (&cs): both live as long as pamh */
	struct conv_state cs;
	char user[72];
	char key[FK_LOCK_KEY_MAX];
	uint64_t resv; /* the lockout reservation of the attempt in progress; 0: none */
	int cred, open, changed;
	fk_authd_trouble trouble; /* the helper down or broken: the refusal says so */
};

/* R-AUTH: PAM in this process, or through fukuhon-authd when auth_helper names its socket
 * (issue 15: an unprivileged console cannot check another person's password itself). */
static const fk_pam_api *pam_for(const char *helper, const fk_pam_api *through_helper)
{
	if (hooked)
		return hooked;
	if (!helper || !*helper)
		return &libpam;
	fk_authd_use(helper);
	return through_helper;
}

/* Before the handle goes: whether the helper, not the person, made the call fail. */
static void note_trouble(fk_session *s)
{
	if (s->pam == &fk_authd_api && !s->trouble)
		s->trouble = fk_authd_trouble_of(s->pamh);
}

static void drop_responses(struct pam_response *r, int n)
{
	for (int i = 0; i < n; i++)
		if (r[i].resp) {
			fk_wipe(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
}

/* Past the attempt's deadline no prompt is shown and no answer reaches PAM:
 * the lockout reservation taken before PAM must outlive every live prompt. */
static int timed_out(struct conv_state *cs)
{
	if (cs->deadline && fk_mono_ns() >= cs->deadline)
		cs->timedout = 1;
	return cs->timedout;
}

/* One prompt through the caller's conversation: 0 with the answer in buf,
 * else FK_CONV_CANCEL, FK_CONV_TIMEOUT or another failure (buf wiped). */
static int ask_one(struct conv_state *cs, const char *prompt, int echo, char *buf, size_t len)
{
	int64_t t0 = fk_mono_ns();
	buf[0] = '\0';
	cs->prompts++;
	int rc = timed_out(cs) ? FK_CONV_TIMEOUT : cs->conv->ask(cs->conv->arg, prompt, echo, buf, len);
	buf[len - 1] = '\0';
	if (rc == 0 && timed_out(cs))
		rc = FK_CONV_TIMEOUT; /* answered too late */
	cs->wait_ns += fk_mono_ns() - t0;
	cs->timedout |= rc == FK_CONV_TIMEOUT;
	cs->cancelled |= rc == FK_CONV_CANCEL || rc == FK_CONV_TIMEOUT;
	if (rc != 0)
		fk_wipe(buf, len);
	return rc;
}

/* Answers are copied into memory PAM takes over and frees (modules wipe their
 * copies, e.g. Linux-PAM's _pam_drop_reply); our own buffer is wiped here. */
static int conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct conv_state *cs = data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG || !cs || !cs->conv)
		return PAM_CONV_ERR;
	for (int i = 0; i < n && !resp; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			return PAM_CONV_ERR;
	struct pam_response *r = calloc((size_t)n, sizeof *r);
	if (!r)
		return PAM_BUF_ERR;
	char buf[FK_ANSWER_MAX];
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style, rc = 0;
		const char *text = msg[i]->msg ? msg[i]->msg : "";
		if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
			rc = ask_one(cs, text, style == PAM_PROMPT_ECHO_ON, buf, sizeof buf);
			if (rc == 0 && !(r[i].resp = strdup(buf)))
				rc = CONV_FAILED;
			fk_wipe(buf, sizeof buf);
		} else if (style == PAM_TEXT_INFO || style == PAM_ERROR_MSG) {
			int64_t t0 = fk_mono_ns();
			cs->conv->tell(cs->conv->arg, text, style == PAM_ERROR_MSG);
			cs->wait_ns += fk_mono_ns() - t0;
		} else {
			rc = CONV_FAILED; /* binary prompts: not supported */
		}
		if (rc != 0) {
			drop_responses(r, n);
			return rc == FK_CONV_CANCEL || rc == FK_CONV_TIMEOUT ? PAM_CONV_ERR : PAM_BUF_ERR;
		}
	}
	if (resp)
		*resp = r;
	else
		drop_responses(r, n); /* messages only: some modules pass no reply pointer */
	return PAM_SUCCESS;
}

static void act_as_nobody(fk_ctx *ctx)
{
	fk_ctx_act_as_nobody(ctx);
}

/* The remote host for PAM_RHOST: the SSH client's address, else localhost. */
static void remote_host(char *buf, size_t len)
{
	const char *ssh = getenv("SSH_CONNECTION");
	size_t n = ssh ? strspn(ssh, "0123456789abcdefABCDEF.:") : 0;
	if (n == 0 || n >= len || (ssh[n] && ssh[n] != ' ')) {
		fk_copy_str(buf, len, "localhost");
		return;
	}
	memcpy(buf, ssh, n);
	buf[n] = '\0';
}

/* Ask one masked prompt that leads nowhere, so a locked account or a name PAM
 * rejects without asking looks like any other attempt on screen (and times
 * out alike). */
static void decoy_prompt(struct conv_state *cs)
{
	char buf[FK_ANSWER_MAX];
	if (ask_one(cs, "Password: ", 0, buf, sizeof buf) != 0)
		cs->cancelled = 1;
	fk_wipe(buf, sizeof buf);
}

static const char *cancel_reason(const struct conv_state *cs)
{
	return cs->timedout ? "timeout" : "cancelled";
}

/* Why an attempt is refused before PAM is asked; NULL: PAM may be asked. */
static const char *refused_unasked(fk_lock_verdict v)
{
	return v == FK_LOCK_RESERVED ? NULL : v == FK_LOCK_FULL ? "reserved" : "locked";
}

/* The conversation of one attempt, its deadline from now. */
static void conv_start(struct conv_state *cs, const fk_conv *conv, const fk_ctx *ctx)
{
	memset(cs, 0, sizeof *cs);
	cs->conv = conv;
	cs->deadline = fk_mono_ns() + (test_prompt_ms >= 0 ? (int64_t)test_prompt_ms * 1000000
							  : (int64_t)ctx->cfg.prompt_timeout * 1000000000);
}

static void pam_close(fk_session *s, int status)
{
	if (!s->pamh)
		return;
	note_trouble(s);
	const fk_pam_api *pam = s->pam;
	if (s->open)
		pam->close_session(s->pamh, 0);
	if (s->cred)
		pam->setcred(s->pamh, PAM_DELETE_CRED);
	pam->end(s->pamh, status);
	s->pamh = NULL;
	s->open = s->cred = 0;
}

/* The PAM steps; NULL on success, else the reason for the history. */
static const char *run_pam(fk_ctx *ctx, fk_session *s, const fk_operator *op, int *counted)
{
	char rhost[64];
	const fk_pam_api *pam = s->pam;
	if (pam->start(ctx->cfg.pam_service, s->user, &s->pc, &s->pamh) != PAM_SUCCESS) {
		s->pamh = NULL;
		note_trouble(s);
		*counted = 0;
		return "pam-start";
	}
	remote_host(rhost, sizeof rhost);
	if (pam->set_item(s->pamh, PAM_TTY, ctx->tty) != PAM_SUCCESS ||
	    pam->set_item(s->pamh, PAM_RHOST, rhost) != PAM_SUCCESS) {
		*counted = 0;
		return "pam-items";
	}
	int rc = pam->authenticate(s->pamh, PAM_DISALLOW_NULL_AUTHTOK);
	if (s->cs.cancelled)
		return *counted = 0, cancel_reason(&s->cs);
	if (rc != PAM_SUCCESS)
		return "auth";
	/* R-ENROL: a PAM success is still a refusal for anyone not enrolled and
	 * enabled here; checked before any password change. */
	if (!op)
		return "not-enrolled";
	if (!op->enabled)
		return "disabled";
	rc = pam->acct_mgmt(s->pamh, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_NEW_AUTHTOK_REQD) {
		rc = pam->chauthtok(s->pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
		if (s->cs.cancelled)
			return *counted = 0, cancel_reason(&s->cs);
		if (rc != PAM_SUCCESS)
			return "password-change";
		s->changed = 1;
	} else if (rc != PAM_SUCCESS) {
		return "account";
	}
	if (pam->setcred(s->pamh, PAM_ESTABLISH_CRED) != PAM_SUCCESS)
		return "credentials";
	s->cred = 1;
	if (pam->open_session(s->pamh, 0) != PAM_SUCCESS)
		return "session";
	s->open = 1;
	return NULL;
}

/* While a lockdown is in force only administrators sign in (R-INTRUSION); a state that
 * cannot be read refuses too (fail closed), *st saying why. */
static int lockdown_refuses(fk_ctx *ctx, fk_role role, fk_status *st, fk_error *err)
{
	fk_lockdown ld;
	if (role == FK_ROLE_ADMIN)
		return 0;
	*st = fk_lockdown_get(ctx, &ld, err);
	return *st != FK_OK || ld.on;
}

/* Inside one transaction: still enrolled and enabled, not locked meanwhile;
 * reset the count, act as the operator, record the sign-in. */
static const char *commit_success(fk_ctx *ctx, fk_session *s, fk_status *st, fk_error *err)
{
	fk_operator op;
	const char *why = NULL;
	if ((*st = fk_ctx_begin(ctx, err)) != FK_OK)
		return "error";
	*st = fk_operator_get(ctx, s->user, &op, err);
	if (*st == FK_ERR_NOTFOUND || (*st == FK_OK && !op.enabled))
		why = "disabled";
	/* R-INTRUSION: decided under the same lock as the sign-in's record, so that a lockdown
	 * committed while PAM was asking stops it. */
	if (*st == FK_OK && !why && lockdown_refuses(ctx, op.role, st, err))
		why = "lockdown";
	if (*st == FK_OK && !why && (*st = fk_lockout_success(ctx, s->key, s->resv, err)) == FK_ERR_LOCKED)
		why = "locked";
	if (*st == FK_OK && !why) {
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
		if (s->changed)
			*st = fk_audit_op(ctx, FK_OP_PASSWORD_CHANGE, s->user, FK_RESULT_SUCCESS,
				       "expired", NULL, err);
		if (*st == FK_OK)
			*st = fk_audit_op(ctx, FK_OP_SIGNIN, s->user, FK_RESULT_SUCCESS, "", NULL, err);
	}
	if (why && (*st == FK_OK || *st == FK_ERR_NOTFOUND || *st == FK_ERR_LOCKED))
		*st = FK_ERR_AUTH;
	*st = fk_ctx_end(ctx, *st, err);
	if (*st != FK_OK)
		act_as_nobody(ctx);
	else
		s->resv = 0; /* released in the transaction just committed */
	return *st == FK_OK ? NULL : why ? why : "error";
}

/* A refusal takes at least fail_delay of the terminal's own time (the
 * person's typing excluded), and no less than the slowest PAM refusal seen,
 * so that wrong, unknown, disabled and locked cannot be told apart by time. */
static void pad(fk_ctx *ctx, int64_t t0, const struct conv_state *cs, int pam_refusal)
{
	static int64_t slowest;
	int64_t own = fk_mono_ns() - t0 - cs->wait_ns;
	if (pam_refusal && own > slowest)
		slowest = own < INT64_C(10000000000) ? own : INT64_C(10000000000);
	int64_t floor = test_fail_ms >= 0 ? (int64_t)test_fail_ms * 1000000
					  : (int64_t)ctx->cfg.fail_delay * 1000000000;
	if (slowest > floor)
		floor = slowest;
	if (own >= floor)
		return;
	int64_t left = floor - own;
	struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static fk_status refuse(fk_ctx *ctx, fk_session *s, fk_op op, const char *why, int counted,
			int64_t t0, fk_status st, fk_error *err)
{
	int locked_now;
	fk_error rec;
	/* The helper's failure is the terminal's, not the account's: said as such, not counted,
	 * and no decoy (it tells nothing of the name). */
	if (s->trouble) {
		why = s->trouble == FK_AUTHD_DOWN ? "auth-helper-down" : "auth-helper-failed";
		counted = 0;
	} else if (!s->cs.prompts && !s->cs.cancelled) {
		decoy_prompt(&s->cs);
	}
	if (s->cs.cancelled && counted) {
		counted = 0;
		why = cancel_reason(&s->cs);
	}
	uint64_t resv = s->resv;
	s->resv = 0;
	fk_status rs = fk_lockout_failure(ctx, s->key, resv, op, why, counted, &locked_now, &rec);
	pad(ctx, t0, &s->cs, !strcmp(why, "auth"));
	if (rs != FK_OK) /* fail closed: the refusal stands, the message says why it is not recorded */
		return fk_fail(err, rs, "%s", rec.msg);
	if (st != FK_OK && st != FK_ERR_AUTH)
		return st;
	/* Said to everyone refused while it is in force, whatever else was wrong: the sign-in
	 * screen shows the lockdown anyway, and this tells nothing of the account. */
	if (fk_lockdown_in_force(ctx))
		return fk_fail_id(err, FK_ERR_AUTH, FK_MSG_LOCKDOWN_SIGNIN, NULL, 0);
	if (s->trouble)
		return fk_fail_id(err, FK_ERR_IO,
				  s->trouble == FK_AUTHD_DOWN ? FK_MSG_AUTH_HELPER_DOWN : FK_MSG_AUTH_HELPER_FAILED,
				  NULL, 0);
	return fk_fail(err, FK_ERR_AUTH, "sign-in refused");
}

fk_status fk_auth_signin(fk_ctx *ctx, const char *user, const fk_conv *conv, fk_session **out,
			 fk_error *err)
{
	int64_t t0 = fk_mono_ns();
	*out = NULL;
	act_as_nobody(ctx);
	fk_session *s = calloc(1, sizeof *s);
	if (!s)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	conv_start(&s->cs, conv, ctx);
	s->pam = pam_for(ctx->cfg.auth_helper, &fk_authd_api);
	s->pc.conv = conv_fn;
	s->pc.appdata_ptr = &s->cs;
	fk_copy_str(s->user, sizeof s->user, user);
	fk_operator op;
	int valid = strlen(user) < sizeof s->user && fk_operator_name_valid(user, NULL) == FK_OK;
	int enrolled = 0, counted = 1;
	fk_lock_verdict v;
	fk_status st = valid ? fk_operator_get(ctx, user, &op, err) : FK_ERR_NOTFOUND;
	if (st == FK_OK)
		enrolled = 1;
	else if (st != FK_ERR_NOTFOUND)
		goto fail_closed;
	/* A database that failed its checks, opened for diagnosis only: nothing can be written,
	 * so PAM decides without the database's lockout and nothing is recorded (the diagnosis
	 * that follows reads only; docs/threat-model.md). */
	if (fk_trust_broken(ctx)) {
		const char *why = !valid ? "bad-name" : run_pam(ctx, s, enrolled ? &op : NULL, &counted);
		if (!why) {
			fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
			*out = s;
			return FK_OK;
		}
		pam_close(s, PAM_AUTH_ERR);
		pad(ctx, t0, &s->cs, !strcmp(why, "auth"));
		st = fk_fail(err, FK_ERR_AUTH, "sign-in refused");
		goto fail_closed;
	}
	/* R-LOCKOUT: the attempt is counted before PAM is asked (a reservation),
	 * so parallel prompts cannot get more PAM evaluations than the policy. */
	/* A name typed in another case ("TANAKA") counts toward the enrolled person's lock: with a
	 * directory behind PAM that ignores case it is the same account, and every spelling must
	 * not get its own allowance of tries. */
	const char *counted_as = enrolled ? op.username : user;
	int counted_enrolled = enrolled;
	fk_operator same;
	char lower[sizeof s->user];
	if (!enrolled && valid) {
		size_t i = 0;
		for (; user[i] && i + 1 < sizeof lower; i++)
			lower[i] = (char)((user[i] >= 'A' && user[i] <= 'Z') ? user[i] - 'A' + 'a' : user[i]);
		lower[i] = '\0';
		st = strcmp(lower, user) ? fk_operator_get(ctx, lower, &same, err) : FK_ERR_NOTFOUND;
		if (st == FK_OK) {
			counted_as = same.username;
			counted_enrolled = 1;
		} else if (st != FK_ERR_NOTFOUND) {
			goto fail_closed;
		}
	}
	if ((st = fk_lockout_key(ctx, counted_as, counted_enrolled, s->key, err)) != FK_OK ||
	    (st = fk_lockout_reserve(ctx, s->key, &s->resv, &v, err)) != FK_OK)
		goto fail_closed;
	const char *why = refused_unasked(v);
	if (why)
		counted = 0; /* refused without asking PAM: nothing was tried */
	else
		why = !valid ? "bad-name" : run_pam(ctx, s, enrolled ? &op : NULL, &counted);
	st = FK_OK;
	if (!why)
		why = commit_success(ctx, s, &st, err);
	if (why && !strcmp(why, "lockdown"))
		counted = 0; /* the password was right: no step towards a lock */
	if (why) {
		pam_close(s, PAM_AUTH_ERR);
		st = refuse(ctx, s, FK_OP_SIGNIN, why, counted, t0, st, err);
		fk_wipe(s, sizeof *s);
		free(s);
		return st;
	}
	*out = s;
	return FK_OK;
fail_closed:
	fk_wipe(s, sizeof *s);
	free(s);
	return st;
}

/* The screen unlock, in one transaction: the reservation released, the
 * count reset, the unlock recorded. */
static fk_status commit_unlock(fk_ctx *ctx, fk_session *s, fk_error *err)
{
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	st = fk_lockout_success(ctx, s->key, s->resv, err);
	if (st == FK_OK)
		st = fk_audit_op(ctx, FK_OP_SESSION_UNLOCK, s->user, FK_RESULT_SUCCESS, "", NULL, err);
	if ((st = fk_ctx_end(ctx, st, err)) == FK_OK)
		s->resv = 0;
	return st;
}

fk_status fk_auth_reauth(fk_ctx *ctx, fk_session *s, const fk_conv *conv, fk_error *err)
{
	int64_t t0 = fk_mono_ns();
	conv_start(&s->cs, conv, ctx);
	int counted = 1;
	fk_lock_verdict v;
	fk_status st = fk_lockout_reserve(ctx, s->key, &s->resv, &v, err);
	if (st != FK_OK)
		return st;
	const char *why = refused_unasked(v);
	if (!why && lockdown_refuses(ctx, ctx->actor.role, &st, err))
		why = "lockdown";
	if (why) {
		counted = 0;
	} else {
		int rc = s->pam->authenticate(s->pamh, PAM_DISALLOW_NULL_AUTHTOK);
		if (rc == PAM_SUCCESS)
			rc = s->pam->acct_mgmt(s->pamh, PAM_DISALLOW_NULL_AUTHTOK);
		note_trouble(s);
		if (s->cs.cancelled)
			why = cancel_reason(&s->cs), counted = 0;
		else if (rc != PAM_SUCCESS)
			why = "auth";
	}
	if (!why) {
		st = commit_unlock(ctx, s, err);
		if (st == FK_ERR_LOCKED)
			why = "locked", counted = 0;
		else if (st != FK_OK) /* fail closed: the screen stays locked */
			return refuse(ctx, s, FK_OP_SESSION_UNLOCK, "error", 0, t0, st, err);
	}
	return why ? refuse(ctx, s, FK_OP_SESSION_UNLOCK, why, counted, t0, FK_ERR_AUTH, err) : FK_OK;
}

void fk_auth_signout(fk_ctx *ctx, fk_session *s, const char *reason)
{
	if (!s)
		return;
	pam_close(s, PAM_SUCCESS);
	fk_error err;
	/* The session ends even if it cannot be recorded: nothing stays signed in. */
	(void)fk_audit_op(ctx, FK_OP_SIGNOUT, s->user, FK_RESULT_SUCCESS, reason, NULL, &err);
	fk_wipe(s, sizeof *s);
	free(s);
	act_as_nobody(ctx);
}

const char *fk_session_user(const fk_session *s)
{
	return s ? s->user : "";
}

fk_status fk_auth_test_signin(fk_ctx *ctx, const char *user, const char *program, fk_error *err)
{
	fk_operator op;
	char detail[96];
	act_as_nobody(ctx);
	/* Only a terminal created for tests or a demo: a production one refuses, whatever the
	 * environment says (the mode is a sealed row, R-TEST-ENV). */
	if (!fk_terminal_is_test(ctx))
		return fk_fail(err, FK_ERR_DENIED, "the test sign-in works only on a test or demo terminal");
	/* Diagnosis of a database that failed its checks: nothing can be recorded. */
	int record = !fk_trust_broken(ctx);
	fk_status st = record ? fk_ctx_begin(ctx, err) : FK_OK;
	if (st != FK_OK)
		return st;
	st = fk_operator_get(ctx, user, &op, err);
	if (st == FK_OK && !op.enabled)
		st = fk_fail(err, FK_ERR_AUTH, "operator %.64s is disabled", user);
	if (st == FK_OK && record && lockdown_refuses(ctx, op.role, &st, err) && st == FK_OK)
		st = fk_fail_id(err, FK_ERR_AUTH, FK_MSG_LOCKDOWN_SIGNIN, NULL, 0);
	if (!record) {
		if (st == FK_OK)
			fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
		return st;
	}
	snprintf(detail, sizeof detail, "program=%s", program);
	if (st == FK_OK) {
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
		st = fk_audit_op(ctx, FK_OP_SIGNIN, user, FK_RESULT_SUCCESS, "test-mode", detail, err);
	}
	if ((st = fk_ctx_end(ctx, st, err)) != FK_OK)
		act_as_nobody(ctx);
	return st;
}

/* Why credential c may not sign in now to run command (NULL: it may), with the words for the
 * script in msg; *st is not FK_OK when the answer could not be found (fail closed). */
static const char *cred_refusal(fk_ctx *ctx, const fk_credential *c, const char *command, int record,
				fk_operator *op, char *msg, size_t len, fk_status *st, fk_error *err)
{
	fk_error e;
	int locked = 1;
	if (c->revoked) {
		snprintf(msg, len, "credential %s was revoked", c->name);
		return "credential-revoked";
	}
	/* The file first: without the secret nothing else is told. */
	fk_status fs = fk_cred_secret_check(ctx, c, &e);
	if (fs != FK_OK) {
		fk_copy_str(msg, len, e.msg);
		return fs == FK_ERR_AUTH ? "credential-mismatch" : fs == FK_ERR_NOKEY ? "credential-no-file"
										 : "credential-file";
	}
	if (!fk_cred_allows(c, command)) {
		snprintf(msg, len, "credential %s may not run '%.40s' (it may run: %.200s)", c->name, command,
			 c->commands);
		return "credential-command";
	}
	*st = fk_operator_get(ctx, c->user, op, err);
	if (*st == FK_ERR_NOTFOUND || (*st == FK_OK && op->id != c->operator_id)) {
		*st = FK_OK;
		snprintf(msg, len, "credential %s acts for %s, who is not enrolled", c->name, c->user);
		return "not-enrolled";
	}
	if (*st == FK_OK && !op->enabled) {
		snprintf(msg, len, "credential %s acts for %s, who is disabled", c->name, c->user);
		return "disabled";
	}
	if (*st == FK_OK && record && lockdown_refuses(ctx, op->role, st, err)) {
		fk_msg_expand(fk_msg_template(FK_MSG_LOCKDOWN_SIGNIN), NULL, 0, msg, len);
		return *st == FK_OK ? "lockdown" : "error";
	}
	/* A database opened for diagnosis has no lockout to trust (as for PAM, above). */
	if (*st == FK_OK && record && (*st = fk_lockout_admit(ctx, op->username, &locked, err)) == FK_OK &&
	    locked) {
		snprintf(msg, len, "credential %s acts for %s, whose account is locked", c->name, c->user);
		return "locked";
	}
	return *st == FK_OK ? NULL : "error";
}

static fk_session *plain_session(const char *user, fk_error *err)
{
	fk_session *s = calloc(1, sizeof *s);
	if (!s) {
		fk_fail(err, FK_ERR_NOMEM, "out of memory");
		return NULL;
	}
	fk_copy_str(s->user, sizeof s->user, user);
	return s;
}

fk_status fk_auth_credential_signin(fk_ctx *ctx, const char *name, const char *command,
				    const char *program, fk_session **out, fk_error *err)
{
	fk_credential c;
	fk_operator op;
	char detail[FK_CRED_COMMANDS_MAX + 256], msg[FK_ERRMSG_MAX] = "";
	const char *why = NULL;
	*out = NULL;
	act_as_nobody(ctx);
	memset(&c, 0, sizeof c);
	/* Diagnosis of a database that failed its checks: nothing can be recorded (as above). */
	int record = !fk_trust_broken(ctx);
	fk_status st = record ? fk_ctx_begin(ctx, err) : FK_OK;
	if (st != FK_OK)
		return st;
	if (fk_cred_name_valid(name, NULL) != FK_OK) {
		why = "credential-bad-name";
		fk_copy_str(msg, sizeof msg, "a credential name is 1-64 of A-Z a-z 0-9 . _ -");
	} else if ((st = fk_cred_get(ctx, name, &c, err)) == FK_ERR_NOTFOUND) {
		st = FK_OK;
		why = "credential-unknown";
		snprintf(msg, sizeof msg, "no credential named %s", name);
	} else if (st == FK_OK) {
		why = cred_refusal(ctx, &c, command, record, &op, msg, sizeof msg, &st, err);
	}
	if (st != FK_OK) { /* fail closed: not signed in, nothing recorded */
		act_as_nobody(ctx);
		return record ? fk_ctx_end(ctx, st, err) : st;
	}
	/* The name only once it is known to be a name (it is shown from the history). */
	snprintf(detail, sizeof detail, "credential %s for %s: command=%s program=%s",
		 why && !strcmp(why, "credential-bad-name") ? "?" : name, c.user[0] ? c.user : "?", command,
		 program);
	if (!why)
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
	if (record) {
		st = fk_audit_op(ctx, FK_OP_SIGNIN, c.user[0] ? c.user : "-", why ? FK_RESULT_FAILED : FK_RESULT_SUCCESS,
				 why ? why : "credential", detail, err);
		st = fk_ctx_end(ctx, st, err);
	}
	if (st == FK_OK && !why && !(*out = plain_session(op.username, err)))
		st = FK_ERR_NOMEM;
	if (st != FK_OK || why)
		act_as_nobody(ctx);
	if (st != FK_OK)
		return st;
	return why ? fk_fail(err, FK_ERR_AUTH, "%s", msg) : FK_OK;
}

/* The bootstrap's conversation state: only the answers, no time accounting. */
fk_status fk_auth_check_password(const char *service, const char *helper, const char *user,
				 const fk_conv *conv, fk_error *err)
{
	const fk_pam_api *pam = pam_for(helper, &fk_authd_check_api);
	struct conv_state cs = {.conv = conv};
	struct pam_conv pc = {conv_fn, &cs};
	pam_handle_t *pamh = NULL;
	if (pam->start(service, user, &pc, &pamh) != PAM_SUCCESS) {
		if (pam == &fk_authd_check_api && fk_authd_trouble_of(NULL))
			return fk_fail_id(err, FK_ERR_IO, FK_MSG_AUTH_HELPER_DOWN, NULL, 0);
		return fk_fail(err, FK_ERR_AUTH, "PAM service %.60s cannot be started", service);
	}
	int rc = pam->authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam->acct_mgmt(pamh, PAM_DISALLOW_NULL_AUTHTOK);
	pam->end(pamh, rc);
	return rc == PAM_SUCCESS ? FK_OK : fk_fail(err, FK_ERR_AUTH, "authentication refused");
}
