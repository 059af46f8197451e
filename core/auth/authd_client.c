/* The console's half of the privilege separation (issue 15; R-AUTH): libpam's calls as
 * requests to fukuhon-authd, which alone may read /etc/shadow; the person answers here. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "authd_client.h"
#include "authd_proto.h"
#include "crypto.h"
#include "util.h"

/* A step may wait for the person (up to prompt_timeout, 900 s at most) and for PAM behind it. */
#define STEP_TIMEOUT_MS ((900 + 120) * 1000)
#define END_TIMEOUT_MS 5000

/* What libpam's pam_handle_t is to the callers: one connection. */
struct conn {
	int fd;
	enum fk_authd_state st;
	fk_authd_trouble trouble;
	struct pam_conv conv;
	char user[FK_AUTHD_USER_MAX + 1];
};

/* Longer than any socket path, so that a path too long for sun_path is refused whole by
 * connect_to rather than cut here into another path. */
static char sock_path[4096];
static fk_authd_trouble start_trouble;

void fk_authd_use(const char *path)
{
	fk_copy_str(sock_path, sizeof sock_path, path ? path : "");
}

fk_authd_trouble fk_authd_trouble_of(pam_handle_t *pamh)
{
	return pamh ? ((struct conn *)(void *)pamh)->trouble : start_trouble;
}

static struct conn *conn_of(pam_handle_t *pamh)
{
	return (struct conn *)(void *)pamh;
}

static int broken(struct conn *c)
{
	c->trouble = FK_AUTHD_CRASHED;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return PAM_SYSTEM_ERR;
}

static int send_frame(struct conn *c, uint8_t type, uint8_t code, int32_t num, const char *text)
{
	fk_authd_frame f;
	int rc = c->fd < 0 || fk_authd_frame_set(&f, type, code, num, text) != 0 ||
			 fk_authd_next(&c->st, &f) == FK_AUTHD_BROKEN || fk_authd_send(c->fd, &f) != 0
		     ? -1
		     : 0;
	fk_authd_frame_wipe(&f);
	return rc;
}

/* One prompt or message of the helper's, through the caller's conversation; the answer goes
 * back as ANSWER, or CANCEL when there is none. */
static int relay(struct conn *c, const fk_authd_frame *f)
{
	struct pam_message m = {.msg_style = f->code, .msg = f->text};
	const struct pam_message *mp = &m;
	struct pam_response *r = NULL;
	int rc = c->conv.conv(1, &mp, &r, c->conv.appdata_ptr);
	if (f->code != PAM_PROMPT_ECHO_OFF && f->code != PAM_PROMPT_ECHO_ON) {
		if (r && r->resp) {
			fk_wipe(r->resp, strlen(r->resp));
			free(r->resp);
		}
		free(r);
		return 0;
	}
	int ok = rc == PAM_SUCCESS && r && r->resp && strlen(r->resp) <= FK_AUTHD_ANSWER_MAX;
	int sent = send_frame(c, ok ? FK_AUTHD_ANSWER : FK_AUTHD_CANCEL, 0, 0, ok ? r->resp : NULL);
	if (r && r->resp) {
		fk_wipe(r->resp, strlen(r->resp));
		free(r->resp);
	}
	free(r);
	return sent;
}

/* Send a request and wait for its RESULT, relaying the conversation meanwhile. */
static int request(struct conn *c, uint8_t type, uint8_t code, int32_t num, const char *text, int step)
{
	fk_authd_frame f;
	if (send_frame(c, type, code, num, text) != 0)
		return broken(c);
	for (;;) {
		if (fk_authd_recv(c->fd, &f, STEP_TIMEOUT_MS) != 0 || fk_authd_next(&c->st, &f) == FK_AUTHD_BROKEN)
			break;
		if (f.type == FK_AUTHD_CONV) {
			if (relay(c, &f) != 0)
				break;
			continue;
		}
		if (f.type != FK_AUTHD_RESULT || f.code != step)
			break;
		int rc = f.num;
		/* The name PAM signed in must be the one asked for: the core records that one. */
		if (step == FK_AUTHD_S_AUTHENTICATE && rc == PAM_SUCCESS && strcmp(f.text, c->user) != 0)
			rc = PAM_AUTH_ERR;
		fk_authd_frame_wipe(&f);
		return rc;
	}
	fk_authd_frame_wipe(&f);
	return broken(c);
}

static int connect_to(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof a.sun_path)
		return -1;
	memcpy(a.sun_path, path, n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int start_op(int op, const char *user, const struct pam_conv *conv, pam_handle_t **pamh)
{
	*pamh = NULL;
	start_trouble = FK_AUTHD_FINE;
	if (!user || strlen(user) > FK_AUTHD_USER_MAX || !*user)
		return PAM_USER_UNKNOWN;
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return PAM_BUF_ERR;
	c->st = FK_AUTHD_IDLE;
	c->conv = *conv;
	fk_copy_str(c->user, sizeof c->user, user);
	if ((c->fd = connect_to(sock_path)) < 0) {
		start_trouble = FK_AUTHD_DOWN;
		free(c);
		return PAM_SYSTEM_ERR;
	}
	int rc = request(c, FK_AUTHD_START, (uint8_t)op, 0, user, FK_AUTHD_S_START);
	if (rc != PAM_SUCCESS) {
		start_trouble = c->trouble;
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return rc;
	}
	*pamh = (pam_handle_t *)(void *)c;
	return PAM_SUCCESS;
}

static int a_start(const char *service, const char *user, const struct pam_conv *conv, pam_handle_t **pamh)
{
	(void)service;
	return start_op(FK_AUTHD_OP_SIGNIN, user, conv, pamh);
}

static int a_check_start(const char *service, const char *user, const struct pam_conv *conv,
			 pam_handle_t **pamh)
{
	(void)service;
	return start_op(FK_AUTHD_OP_CHECK, user, conv, pamh);
}

static int a_end(pam_handle_t *pamh, int status)
{
	struct conn *c = conn_of(pamh);
	if (!c)
		return PAM_SYSTEM_ERR;
	int rc = PAM_SUCCESS;
	fk_authd_frame f;
	if (c->fd >= 0 && send_frame(c, FK_AUTHD_END, 0, status, NULL) == 0 &&
	    fk_authd_recv(c->fd, &f, END_TIMEOUT_MS) == 0 && fk_authd_next(&c->st, &f) == FK_AUTHD_CLOSED)
		rc = PAM_SUCCESS;
	else
		rc = PAM_SYSTEM_ERR; /* the helper ends the transaction itself when the socket closes */
	if (c->fd >= 0)
		close(c->fd);
	fk_wipe(c, sizeof *c);
	free(c);
	return rc;
}

static int a_set_item(pam_handle_t *pamh, int type, const void *item)
{
	struct conn *c = conn_of(pamh);
	if (type != PAM_TTY && type != PAM_RHOST)
		return PAM_BAD_ITEM;
	const char *v = item ? item : "";
	if (strlen(v) > FK_AUTHD_ITEM_MAX)
		return PAM_BAD_ITEM;
	return request(c, FK_AUTHD_ITEM, type == PAM_TTY ? 1 : 2, 0, v, FK_AUTHD_S_ITEM);
}

static int step(pam_handle_t *pamh, int which, int flags)
{
	return request(conn_of(pamh), FK_AUTHD_STEP, (uint8_t)which, flags, NULL, which);
}

static int a_authenticate(pam_handle_t *h, int fl) { return step(h, FK_AUTHD_S_AUTHENTICATE, fl); }
static int a_acct_mgmt(pam_handle_t *h, int fl) { return step(h, FK_AUTHD_S_ACCT_MGMT, fl); }
static int a_chauthtok(pam_handle_t *h, int fl) { return step(h, FK_AUTHD_S_CHAUTHTOK, fl); }
static int a_setcred(pam_handle_t *h, int fl) { return step(h, FK_AUTHD_S_SETCRED, fl); }
static int a_open_session(pam_handle_t *h, int fl) { return step(h, FK_AUTHD_S_OPEN_SESSION, fl); }
static int a_close_session(pam_handle_t *h, int fl) { return step(h, FK_AUTHD_S_CLOSE_SESSION, fl); }

const fk_pam_api fk_authd_api = {
	a_start, a_end, a_set_item, a_authenticate, a_acct_mgmt,
	a_chauthtok, a_setcred, a_open_session, a_close_session,
};

const fk_pam_api fk_authd_check_api = {
	a_check_start, a_end, a_set_item, a_authenticate, a_acct_mgmt,
	a_chauthtok, a_setcred, a_open_session, a_close_session,
};
