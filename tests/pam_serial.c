/* Test only: pam_wrapper's set-up serialised across processes; preloaded with pam_wrapper.
 *
 * pam_wrapper (1.1.4) sets itself up in each process (its constructor, and again at the first
 * pam_start after a fork): it picks a folder /tmp/pam.X with lstat(), creates it with a mkdir()
 * whose failure it ignores, writes its pid there and copies the test's service files in, then
 * sets PAM_WRAPPER_RUNTIME_DIR. Two processes of two tests that set up at once can pick the
 * same X; the later copies its own service files over the earlier's, whose pam_matrix then
 * reads the other test's password file and refuses the right password (tests/ctl_pam.sh failed
 * so in CI). This library takes one lock at that first lstat() of a /tmp/pam.X name and lets
 * it go at that setenv(), so the choice and the copy are one process's at a time; a process
 * that dies holding it (pam_wrapper exits on a failed set-up) lets it go with its descriptor.
 * Built with plain flags: it is preloaded like pam_wrapper, also into the ASan build. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Beside pam_wrapper's own folders: the race is over names under /tmp, whatever $TMPDIR. */
#define LOCK_PATH "/tmp/.fukuhon-pam_wrapper.lock"
#define PWRAP_PREFIX "/tmp/pam."

static int lock_fd = -1;

static void take(void)
{
	/* Unlocked if the lock cannot be had (another user's file): as without this library. */
	int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0)
		return;
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			close(fd);
			return;
		}
	lock_fd = fd;
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	static int (*next)(const char *restrict, struct stat *restrict);
	if (!next)
		next = (int (*)(const char *restrict, struct stat *restrict))dlsym(RTLD_NEXT, "lstat");
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	/* pam_wrapper's candidates are exactly "/tmp/pam." and one character */
	if (lock_fd < 0 && !strncmp(path, PWRAP_PREFIX, strlen(PWRAP_PREFIX)) &&
	    strlen(path) == strlen(PWRAP_PREFIX) + 1)
		take();
	return next(path, st);
}

int setenv(const char *name, const char *value, int overwrite)
{
	static int (*next)(const char *, const char *, int);
	if (!next)
		next = (int (*)(const char *, const char *, int))dlsym(RTLD_NEXT, "setenv");
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	int rc = next(name, value, overwrite);
	if (lock_fd >= 0 && !strcmp(name, "PAM_WRAPPER_RUNTIME_DIR")) {
		close(lock_fd);
		lock_fd = -1;
	}
	return rc;
}
