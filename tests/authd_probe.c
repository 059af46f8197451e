/* A raw client of fukuhon-authd for tests/authd.sh: the frames a console would never send, and
 * a console that dies mid-conversation (issue 15). */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "authd_proto.h"

static int dial(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("authd_probe: connect");
		exit(99);
	}
	return fd;
}

/* What the helper did within 5 s: 0 closed the connection, 1 sent a frame, 2 neither (it
 * waits: a limit that did not close at once). */
static int reaction(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t b;
	if (poll(&p, 1, 5000) <= 0)
		return 2;
	return recv(fd, &b, 1, MSG_PEEK) > 0 ? 1 : 0;
}

static const char *said(int fd)
{
	static const char *const words[] = {"closed", "answered", "waiting"};
	return words[reaction(fd)];
}

static void put(int fd, uint8_t type, uint8_t code, int32_t num, const char *text)
{
	fk_authd_frame f;
	if (fk_authd_frame_set(&f, type, code, num, text) != 0 || fk_authd_send(fd, &f) != 0)
		exit(99);
}

/* A helper gone wrong: on PATH it takes one connection's START and answers with a frame
 * longer than the limit; prints "closed" when the client then hung up. */
static int bad_helper(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1) != 0)
		return 99;
	puts("listening");
	fflush(stdout);
	int c = accept(ls, NULL, NULL);
	fk_authd_frame f;
	if (c < 0 || fk_authd_recv(c, &f, 30000) != 0 || f.type != FK_AUTHD_START)
		return 1;
	uint8_t big[3 + 2048] = {FK_AUTHD_RESULT, 0xff, 0xff};
	(void)send(c, big, sizeof big, MSG_NOSIGNAL);
	puts(reaction(c) == 0 ? "closed" : "kept");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (!strcmp(argv[2], "bad-helper"))
		return bad_helper(argv[1]);
	int fd = dial(argv[1]);
	const char *mode = argv[2];
	if (!strcmp(mode, "start")) { /* a START: "answered" or "closed" */
		fk_authd_frame f;
		/* The helper may close before the START is even written: closed too. */
		if (fk_authd_frame_set(&f, FK_AUTHD_START, FK_AUTHD_OP_SIGNIN, 0, argc > 3 ? argv[3] : "x") != 0)
			return 99;
		puts(fk_authd_send(fd, &f) == 0 ? said(fd) : "closed");
		return 0;
	}
	if (!strcmp(mode, "oversize")) { /* a length over the limit, then bytes */
		uint8_t big[3 + 2048] = {FK_AUTHD_START, 0xff, 0xff};
		memset(big + 3, 'a', sizeof big - 3);
		(void)send(fd, big, sizeof big, MSG_NOSIGNAL);
		puts(said(fd));
		return 0;
	}
	if (!strcmp(mode, "nul")) { /* a user name with a NUL in it */
		uint8_t bad[] = {FK_AUTHD_START, 0, 4, FK_AUTHD_OP_SIGNIN, 'a', 0, 'b'};
		(void)send(fd, bad, sizeof bad, MSG_NOSIGNAL);
		puts(said(fd));
		return 0;
	}
	if (!strcmp(mode, "order") && argc > 3) { /* steps out of a sign-in's order: their codes */
		static const int steps[][2] = {
			{FK_AUTHD_S_ACCT_MGMT, 0},
			{FK_AUTHD_S_CHAUTHTOK, PAM_CHANGE_EXPIRED_AUTHTOK},
			{FK_AUTHD_S_SETCRED, PAM_ESTABLISH_CRED},
			{FK_AUTHD_S_OPEN_SESSION, 0},
		};
		fk_authd_frame f;
		put(fd, FK_AUTHD_START, FK_AUTHD_OP_SIGNIN, 0, argv[3]);
		if (fk_authd_recv(fd, &f, 5000) != 0 || f.type != FK_AUTHD_RESULT || f.num != 0)
			return 1;
		for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
			put(fd, FK_AUTHD_STEP, (uint8_t)steps[i][0], steps[i][1], NULL);
			if (fk_authd_recv(fd, &f, 5000) != 0 || f.type != FK_AUTHD_RESULT)
				return 1;
			printf("%s%d", i ? " " : "", (int)f.num);
		}
		putchar('\n');
		return 0;
	}
	if (!strcmp(mode, "guess") && argc > 3) { /* wrong passwords until closed: "COUNT SECONDS" */
		fk_authd_frame f;
		int n = 0;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		put(fd, FK_AUTHD_START, FK_AUTHD_OP_SIGNIN, 0, argv[3]);
		if (fk_authd_recv(fd, &f, 5000) != 0 || f.type != FK_AUTHD_RESULT || f.num != 0)
			return 1;
		for (int closed = 0; !closed && n < 10;) {
			fk_authd_frame_set(&f, FK_AUTHD_STEP, FK_AUTHD_S_AUTHENTICATE, 0, NULL);
			if (fk_authd_send(fd, &f) != 0)
				break;
			while (!(closed = fk_authd_recv(fd, &f, 5000) != 0) && f.type == FK_AUTHD_CONV)
				if (f.code == PAM_PROMPT_ECHO_OFF || f.code == PAM_PROMPT_ECHO_ON)
					put(fd, FK_AUTHD_ANSWER, 0, 0, "wrong-guess");
			if (!closed && f.type == FK_AUTHD_RESULT && f.num != 0)
				n++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%d %ld\n", n, (long)(t1.tv_sec - t0.tv_sec));
		return 0;
	}
	if (!strcmp(mode, "hang") && argc > 3) { /* START, AUTHENTICATE, then silence at the prompt */
		fk_authd_frame f;
		put(fd, FK_AUTHD_START, FK_AUTHD_OP_SIGNIN, 0, argv[3]);
		if (fk_authd_recv(fd, &f, 5000) != 0 || f.type != FK_AUTHD_RESULT || f.num != 0)
			return 1;
		put(fd, FK_AUTHD_STEP, FK_AUTHD_S_AUTHENTICATE, 0, NULL);
		if (fk_authd_recv(fd, &f, 5000) != 0 || f.type != FK_AUTHD_CONV)
			return 1;
		puts("prompted");
		fflush(stdout);
		pause();
	}
	return 2;
}
