/* A raw client of fukuhon-authd for tests/authd.sh: the frames a console would never send, and
 * a console that dies mid-conversation (issue 15). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

/* 0 when the helper closed the connection (within 5 s), 1 when it sent a frame. */
static int closed(int fd)
{
	fk_authd_frame f;
	return fk_authd_recv(fd, &f, 5000) != 0 ? 0 : 1;
}

static void put(int fd, uint8_t type, uint8_t code, int32_t num, const char *text)
{
	fk_authd_frame f;
	if (fk_authd_frame_set(&f, type, code, num, text) != 0 || fk_authd_send(fd, &f) != 0)
		exit(99);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int fd = dial(argv[1]);
	const char *mode = argv[2];
	if (!strcmp(mode, "start")) { /* a START: "answered" or "closed" */
		put(fd, FK_AUTHD_START, FK_AUTHD_OP_SIGNIN, 0, argc > 3 ? argv[3] : "x");
		puts(closed(fd) ? "answered" : "closed");
		return 0;
	}
	if (!strcmp(mode, "oversize")) { /* a length over the limit, then bytes */
		uint8_t big[3 + 2048] = {FK_AUTHD_START, 0xff, 0xff};
		memset(big + 3, 'a', sizeof big - 3);
		(void)send(fd, big, sizeof big, MSG_NOSIGNAL);
		puts(closed(fd) ? "answered" : "closed");
		return 0;
	}
	if (!strcmp(mode, "nul")) { /* a user name with a NUL in it */
		uint8_t bad[] = {FK_AUTHD_START, 0, 4, FK_AUTHD_OP_SIGNIN, 'a', 0, 'b'};
		(void)send(fd, bad, sizeof bad, MSG_NOSIGNAL);
		puts(closed(fd) ? "answered" : "closed");
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
