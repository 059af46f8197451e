/* fukuhonctl: who runs a command — a person signed in through the core's PAM path (R-AUTH,
 * R-LOG), asked on the terminal as sudo asks, never taken from the environment. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"

struct conv_arg {
	const ctl *c;
	FILE *in, *out; /* the controlling terminal, or standard input and error */
};

/* One line into buf without its newline; -1 at the end of input. */
static int read_line(FILE *in, char *buf, size_t len)
{
	if (!fgets(buf, (int)len, in))
		return -1;
	size_t n = strcspn(buf, "\n");
	int whole = buf[n] == '\n' || feof(in);
	buf[n] = '\0';
	/* An answer longer than the buffer is refused rather than cut. */
	if (!whole) {
		int ch;
		while ((ch = fgetc(in)) != EOF && ch != '\n')
			;
		fk_wipe(buf, len);
		return -1;
	}
	return 0;
}

static int ask(void *arg, const char *prompt, int echo, char *buf, size_t len)
{
	struct conv_arg *a = arg;
	struct termios old, quiet;
	int fd = fileno(a->in), hide = !echo && isatty(fd) && tcgetattr(fd, &old) == 0;
	ctl_put(a->out, prompt, 0);
	fflush(a->out);
	if (hide) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		hide = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	int rc = read_line(a->in, buf, len);
	if (hide) {
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		fputc('\n', a->out);
	}
	return rc == 0 ? 0 : FK_CONV_CANCEL;
}

static void tell(void *arg, const char *msg, int error)
{
	struct conv_arg *a = arg;
	(void)error;
	ctl_put(a->out, msg, 0);
	fputc('\n', a->out);
}

/* The name to sign in: --user, else the login name (a default to confirm with the
 * password, never proof of anything). */
static const char *who(const ctl *c, char *buf, size_t len)
{
	if (c->user)
		return c->user;
	struct passwd *pw = getpwuid(getuid());
	fk_copy_str(buf, len, pw ? pw->pw_name : "");
	return buf;
}

/* The conversation's ends: the controlling terminal, as sudo uses; standard input and
 * error with --password-stdin (scripts under a test PAM, or a pipe from a password manager). */
static int open_conv(const ctl *c, struct conv_arg *a)
{
	a->c = c;
	if (c->password_stdin) {
		a->in = stdin;
		a->out = stderr;
		return 0;
	}
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || !(a->in = fdopen(fd, "r+"))) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "fukuhonctl: this command signs you in, and there is no terminal to ask "
				"on (give --password-stdin to answer on standard input)\n");
		return -1;
	}
	a->out = a->in;
	return 0;
}

int ctl_signin(ctl *c, fk_ctx *ctx)
{
	fk_error err;
	char name[72];
	fk_error_clear(&err);
	/* A script: the core checks the credential's file in the key folder against its sealed
	 * row and that it allows this command. Asked for on the command line, it goes first. */
	if (c->credential) {
		if (fk_auth_credential_signin(ctx, c->credential, c->command, "fukuhonctl", &c->session,
					      &err) != FK_OK)
			return ctl_fail(&err);
		return CTL_OK;
	}
	/* A test or demo terminal alone accepts a name from the environment (R-TEST-ENV): a
	 * production one refuses it, whatever it says. */
	const char *test = getenv("FUKUHON_TEST_ACTOR");
	if (test && *test) {
		if (fk_auth_test_signin(ctx, test, "fukuhonctl", &err) != FK_OK)
			return ctl_fail(&err);
		return CTL_OK;
	}
	struct conv_arg a;
	if (open_conv(c, &a) != 0)
		return CTL_FAIL;
	fk_conv conv = {ask, tell, &a};
	const char *user = who(c, name, sizeof name);
	fk_status s = fk_auth_signin(ctx, user, &conv, &c->session, &err);
	if (a.in != stdin)
		fclose(a.in);
	return s == FK_OK ? CTL_OK : ctl_fail(&err);
}

int ctl_check_password(ctl *c, const char *service, const char *helper, const char *user)
{
	fk_error err;
	struct conv_arg a;
	if (open_conv(c, &a) != 0)
		return CTL_FAIL;
	fk_conv conv = {ask, tell, &a};
	fk_status s = fk_auth_check_password(service, helper, user, &conv, &err);
	if (a.in != stdin)
		fclose(a.in);
	return s == FK_OK ? CTL_OK : ctl_fail(&err);
}
