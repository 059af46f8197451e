/* fukuhon-authd: the privileged half of the sign-in (issue 15; R-AUTH, R-MINIMAL). One PAM
 * transaction of the service "fukuhon" per connection, for the service account alone; nothing
 * else: no database, no keys, no curses, no OpenSSL. docs/authd-protocol.md says what it speaks,
 * fukuhon-authd(8) how it runs. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "authd_proto.h"

/* Rate limits (docs/authd-protocol.md, "Limits"). */
#define FAIL_DELAY_S 1        /* after each refused authentication, before the RESULT */
#define FAILS_PER_CONN 5      /* refused authentications, then the connection closes */
#define WINDOW_S 60           /* listen mode: refused authentications of all children … */
#define FAILS_PER_WINDOW 20   /* … in WINDOW_S seconds, then new connections are refused */
#define START_TIMEOUT_MS 10000
/* A prompt waits as long as the longest prompt_timeout a console may have (conf.h's
 * FK_PROMPT_TIMEOUT_MAX, 900 s), and a minute more. */
#define PROMPT_TIMEOUT_MS ((900 + 60) * 1000)

struct tx {
	int fd;
	enum fk_authd_state st;
	int op, failures, gone;
	int authed, acct_ok, expired, cred, open;
	pam_handle_t *pamh;
};

static int send_frame(struct tx *t, uint8_t type, uint8_t code, int32_t num, const char *text)
{
	fk_authd_frame f;
	if (fk_authd_frame_set(&f, type, code, num, text) != 0 || fk_authd_next(&t->st, &f) == FK_AUTHD_BROKEN ||
	    fk_authd_send(t->fd, &f) != 0)
		t->gone = 1;
	fk_authd_frame_wipe(&f);
	return t->gone ? -1 : 0;
}

/* A frame from the client, in its place; -1 (and gone) otherwise: the connection ends. */
static int recv_frame(struct tx *t, fk_authd_frame *f, int timeout_ms)
{
	if (t->gone || fk_authd_recv(t->fd, f, timeout_ms) != 0 || fk_authd_next(&t->st, f) == FK_AUTHD_BROKEN) {
		if (!t->gone)
			syslog(LOG_NOTICE, "connection closed: end of input, time-out, or a malformed, oversized "
					   "or misplaced frame");
		t->gone = 1;
		fk_authd_frame_wipe(f);
		return -1;
	}
	return 0;
}

static void drop(struct pam_response *r, int n)
{
	for (int i = 0; i < n; i++)
		if (r[i].resp) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
}

/* PAM's questions go to the client one CONV frame each; a prompt waits for its ANSWER. */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct tx *t = data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG || t->gone)
		return PAM_CONV_ERR;
	struct pam_response *r = calloc((size_t)n, sizeof *r);
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		const char *text = msg[i]->msg ? msg[i]->msg : "";
		char cut[FK_AUTHD_TEXT_MAX + 1];
		snprintf(cut, sizeof cut, "%s", text); /* a longer module message is cut, not refused */
		if (style < PAM_PROMPT_ECHO_OFF || style > PAM_TEXT_INFO ||
		    send_frame(t, FK_AUTHD_CONV, (uint8_t)style, 0, cut) != 0)
			goto fail;
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		fk_authd_frame a;
		if (recv_frame(t, &a, PROMPT_TIMEOUT_MS) != 0)
			goto fail;
		int answered = a.type == FK_AUTHD_ANSWER && (r[i].resp = strdup(a.text)) != NULL;
		fk_authd_frame_wipe(&a);
		if (!answered)
			goto fail;
	}
	if (resp)
		*resp = r;
	else
		drop(r, n);
	return PAM_SUCCESS;
fail:
	drop(r, n);
	return PAM_CONV_ERR;
}

/* What the client may ask next: the order of a sign-in, and nothing a console needs not. */
static int allowed(const struct tx *t, int step, int flags)
{
	int signin = t->op == FK_AUTHD_OP_SIGNIN, quiet = flags & ~PAM_SILENT;
	switch (step) {
	case FK_AUTHD_S_AUTHENTICATE:
		return 1;
	case FK_AUTHD_S_ACCT_MGMT:
		return t->authed;
	case FK_AUTHD_S_CHAUTHTOK: /* the expired password only, never a change at will */
		return signin && t->authed && t->expired && quiet == PAM_CHANGE_EXPIRED_AUTHTOK;
	case FK_AUTHD_S_SETCRED:
		return signin && (quiet == PAM_DELETE_CRED ? t->cred : t->acct_ok && quiet == PAM_ESTABLISH_CRED);
	case FK_AUTHD_S_OPEN_SESSION:
		return signin && t->cred && !t->open && quiet == 0;
	case FK_AUTHD_S_CLOSE_SESSION:
		return t->open && quiet == 0;
	default:
		return 0;
	}
}

static int run_step(struct tx *t, int step, int flags)
{
	int rc;
	switch (step) {
	case FK_AUTHD_S_AUTHENTICATE:
		t->authed = t->acct_ok = 0; /* a re-authentication starts over */
		rc = pam_authenticate(t->pamh, flags);
		if (rc == PAM_SUCCESS)
			t->authed = 1;
		else if (!t->gone) {
			t->failures++;
			syslog(LOG_NOTICE, "authentication refused (%d of %d on this connection)", t->failures,
			       FAILS_PER_CONN);
			sleep(FAIL_DELAY_S);
		}
		return rc;
	case FK_AUTHD_S_ACCT_MGMT:
		rc = pam_acct_mgmt(t->pamh, flags);
		t->acct_ok = rc == PAM_SUCCESS;
		t->expired = rc == PAM_NEW_AUTHTOK_REQD;
		return rc;
	case FK_AUTHD_S_CHAUTHTOK:
		rc = pam_chauthtok(t->pamh, flags);
		if (rc == PAM_SUCCESS)
			t->acct_ok = 1, t->expired = 0;
		return rc;
	case FK_AUTHD_S_SETCRED:
		rc = pam_setcred(t->pamh, flags);
		if (rc == PAM_SUCCESS)
			t->cred = !(flags & PAM_DELETE_CRED);
		return rc;
	case FK_AUTHD_S_OPEN_SESSION:
		rc = pam_open_session(t->pamh, flags);
		t->open = rc == PAM_SUCCESS;
		return rc;
	default:
		rc = pam_close_session(t->pamh, flags);
		t->open = 0;
		return rc;
	}
}

static const char *pam_user(struct tx *t)
{
	const void *u = NULL;
	if (pam_get_item(t->pamh, PAM_USER, &u) != PAM_SUCCESS || !u || strlen(u) > FK_AUTHD_USER_MAX)
		return "";
	return u;
}

/* One request after START: an item, a step, or the end (1: the transaction is over). */
static int serve_one(struct tx *t, const fk_authd_frame *f)
{
	if (f->type == FK_AUTHD_END)
		return 1;
	int rc, step = f->type == FK_AUTHD_ITEM ? FK_AUTHD_S_ITEM : f->code;
	if (f->type == FK_AUTHD_ITEM) {
		rc = pam_set_item(t->pamh, f->code == 1 ? PAM_TTY : PAM_RHOST, f->text);
	} else if (!allowed(t, step, f->num)) {
		syslog(LOG_WARNING, "step %d (flags %#x) refused out of order", step, (unsigned)f->num);
		rc = PAM_PERM_DENIED;
	} else {
		rc = run_step(t, step, f->num);
	}
	if (t->gone)
		return 1;
	const char *user = step == FK_AUTHD_S_AUTHENTICATE && rc == PAM_SUCCESS ? pam_user(t) : "";
	if (send_frame(t, FK_AUTHD_RESULT, (uint8_t)step, rc, user) != 0)
		return 1;
	if (t->failures >= FAILS_PER_CONN) {
		syslog(LOG_WARNING, "%d refused authentications: connection closed", t->failures);
		return 1;
	}
	return 0;
}

/* The end, whichever way it comes: the session closed, credentials deleted, pam_end. */
static void finish(struct tx *t, int status)
{
	if (t->open)
		(void)pam_close_session(t->pamh, 0);
	if (t->cred)
		(void)pam_setcred(t->pamh, PAM_DELETE_CRED);
	char user[FK_AUTHD_USER_MAX + 1];
	snprintf(user, sizeof user, "%s", pam_user(t));
	(void)pam_end(t->pamh, status);
	if (!t->gone && t->st == FK_AUTHD_ENDING)
		(void)send_frame(t, FK_AUTHD_DONE, 0, status, user);
}

static int peer_allowed(int fd, uid_t allow)
{
	struct ucred c;
	socklen_t len = sizeof c;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) != 0 || len != sizeof c) {
		syslog(LOG_ERR, "SO_PEERCRED: %m");
		return 0;
	}
	if (c.uid != allow) {
		syslog(LOG_WARNING, "refused a caller: uid %u pid %d is not the service account (uid %u)",
		       (unsigned)c.uid, (int)c.pid, (unsigned)allow);
		return 0;
	}
	return 1;
}

/* One connection, one transaction; the number of refused authentications. */
static int serve(int fd, uid_t allow)
{
	struct tx t = {.fd = fd, .st = FK_AUTHD_IDLE};
	struct pam_conv pc = {conv, &t};
	fk_authd_frame f;
	if (!peer_allowed(fd, allow) || recv_frame(&t, &f, START_TIMEOUT_MS) != 0 || f.type != FK_AUTHD_START)
		return 0;
	t.op = f.code;
	int rc = pam_start(FK_AUTHD_SERVICE, f.text, &pc, &t.pamh);
	if (send_frame(&t, FK_AUTHD_RESULT, FK_AUTHD_S_START, rc, "") != 0 || rc != PAM_SUCCESS) {
		if (rc == PAM_SUCCESS)
			finish(&t, PAM_ABORT);
		return 0;
	}
	int status = PAM_ABORT;
	while (recv_frame(&t, &f, -1) == 0) {
		int over = serve_one(&t, &f);
		if (f.type == FK_AUTHD_END)
			status = f.num;
		fk_authd_frame_wipe(&f);
		if (over)
			break;
	}
	/* The client gone mid-conversation (or refused too often) ends the transaction here. */
	finish(&t, status);
	return t.failures;
}

/* ---- listen mode: a child per connection, and a window over all children's refusals ---- */

static time_t fails_at[FAILS_PER_WINDOW];
static unsigned fails_next;

static void reap(void)
{
	int ws;
	while (waitpid(-1, &ws, WNOHANG) > 0)
		for (int n = WIFEXITED(ws) ? WEXITSTATUS(ws) : 0; n > 0; n--)
			fails_at[fails_next++ % FAILS_PER_WINDOW] = time(NULL);
}

static int window_full(void)
{
	time_t now = time(NULL);
	for (int i = 0; i < FAILS_PER_WINDOW; i++)
		if (!fails_at[i] || now - fails_at[i] >= WINDOW_S)
			return 0;
	return 1;
}

static int listen_on(const char *path, uid_t allow)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct stat sb;
	if (strlen(path) >= sizeof a.sun_path) {
		fprintf(stderr, "fukuhon-authd: socket path too long\n");
		return 1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	/* A socket left by an earlier run goes; any other file is not ours to remove. */
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) && unlink(path) != 0)
		return perror("fukuhon-authd: unlink"), 1;
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* Anyone may connect, so that a stranger is seen and logged; SO_PEERCRED decides. */
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || chmod(path, 0666) != 0 || listen(ls, 16) != 0)
		return perror("fukuhon-authd: listen"), 1;
	for (;;) {
		struct pollfd p = {.fd = ls, .events = POLLIN};
		reap();
		if (poll(&p, 1, 1000) <= 0)
			continue;
		int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		reap(); /* refusals of children that ended while poll waited count before this one */
		if (window_full()) {
			syslog(LOG_WARNING, "%d refused authentications in %d s: connection refused", FAILS_PER_WINDOW,
			       WINDOW_S);
			close(c);
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(ls);
			int n = serve(c, allow);
			_exit(n > 100 ? 100 : n);
		}
		if (pid < 0)
			syslog(LOG_ERR, "fork: %m");
		close(c);
	}
}

/* systemd's Accept=yes hands the connection as fd 3 (LISTEN_FDS=1 for this process);
 * inetd-style, it is standard input. */
static int activated_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (pid && fds && strtol(pid, NULL, 10) == (long)getpid() && !strcmp(fds, "1"))
		return 3;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fukuhon-authd --allow-user NAME [--listen PATH]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *user = NULL, *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--allow-user") && i + 1 < argc)
			user = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			path = argv[++i];
		else
			return usage();
	}
	if (!user)
		return usage();
	/* In listen mode (tests, sites without systemd) the log goes to standard error too. */
	openlog("fukuhon-authd", LOG_PID | (path ? LOG_PERROR : 0), LOG_AUTHPRIV);
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		fprintf(stderr, "fukuhon-authd: no account named %s\n", user);
		syslog(LOG_ERR, "no account named %s", user);
		return 1;
	}
	uid_t allow = pw->pw_uid;
	/* A peer that vanishes makes send fail (MSG_NOSIGNAL), and the transaction ends. */
	signal(SIGPIPE, SIG_IGN);
	if (path)
		return listen_on(path, allow);
	int fd = activated_fd();
	unsetenv("LISTEN_PID"), unsetenv("LISTEN_FDS"), unsetenv("LISTEN_FDNAMES");
	(void)serve(fd, allow);
	return 0;
}
