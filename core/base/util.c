/* Small helpers shared by the core: time, strings, files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int64_t fk_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t fk_mono_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The kernel's reading of the clock state; only tests replace it. */
static int (*clock_reading)(struct timex *) = ntp_adjtime;

void fk_clock_test_hook(int (*reading)(struct timex *tx))
{
	clock_reading = reading ? reading : ntp_adjtime;
}

int fk_clock_synced(void)
{
	struct timex tx;
	memset(&tx, 0, sizeof tx); /* modes 0: read only */
	int st = clock_reading(&tx);
	return st != -1 && st != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

void fk_fmt_utc(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (len)
			buf[0] = '\0';
	}
}

/* ---- calendar dates and times: the one parser ---------------------------- */

#define NS_PER_S INT64_C(1000000000)
#define FK_TIME_YEAR_MIN 1868 /* the Gregorian calendar's first year in Japan's registers */

int fk_is_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && fk_is_leap_year(y) ? 29 : d[m - 1];
}

/* H. Hinnant's days_from_civil. */
int fk_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The value of exactly n decimal digits at s, or -1 (also when s ends
 * first: a NUL is not a digit, so nothing beyond it is read). No sign, no
 * blanks, unlike sscanf's %d. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int fk_parse_date(const char *s, int *y, int *m, int *d)
{
	int yy = digits(s, 4), mm = yy < 0 || s[4] != '-' ? -1 : digits(s + 5, 2);
	int dd = mm < 0 || s[7] != '-' ? -1 : digits(s + 8, 2);
	if (dd < 1 || yy < 1 || mm < 1 || mm > 12 || dd > days_in_month(yy, mm))
		return -1;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

/* "THH:MM[:SS][Z]" (or with a blank for T) at p into seconds of the day;
 * p moves past it. -1 when it is anything else. */
static int parse_clock(const char **pp)
{
	const char *p = *pp;
	int h = 0, mi = 0, sec = 0;
	if (*p == 'T' || *p == ' ') {
		h = digits(p + 1, 2);
		mi = h < 0 || p[3] != ':' ? -1 : digits(p + 4, 2);
		if (mi < 0)
			return -1;
		p += 6;
		if (*p == ':') {
			if ((sec = digits(p + 1, 2)) < 0)
				return -1;
			p += 3;
		}
		if (*p == 'Z')
			p++;
	}
	/* :60 is a leap second; like timegm, it is the next day's first second */
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	*pp = p;
	return h * 3600 + mi * 60 + sec;
}

fk_status fk_parse_time(const char *s, int64_t *ns, fk_error *err)
{
	int y, mo, d;
	const char *p = s + 10;
	int secs = fk_parse_date(s, &y, &mo, &d) == 0 ? parse_clock(&p) : -1;
	if (secs < 0 || *p)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_NOT_A_DATE, s, 0);
	/* Years have four digits, so this cannot overflow; the product with
	 * NS_PER_S can, from 2262-04-11T23:47:17Z on (and before 1677). */
	int64_t t = (int64_t)fk_days_from_civil(y, mo, d) * 86400 + secs;
	if (y < FK_TIME_YEAR_MIN || t > INT64_MAX / NS_PER_S || t < INT64_MIN / NS_PER_S)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_DATE_OUT_OF_RANGE, s, FK_TIME_YEAR_MIN);
	*ns = t * NS_PER_S;
	return FK_OK;
}

char *fk_strdup(const char *s, fk_error *err)
{
	char *p = strdup(s ? s : "");
	if (!p)
		fk_fail(err, FK_ERR_NOMEM, "out of memory");
	return p;
}

char *fk_path_join(const char *dir, const char *name, fk_error *err)
{
	if (name[0] == '/' || !dir || !dir[0])
		return fk_strdup(name, err);
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (!p) {
		fk_fail(err, FK_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(p, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return p;
}

char *fk_dirname(const char *path, fk_error *err)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return fk_strdup(".", err);
	if (slash == path)
		return fk_strdup("/", err);
	char *p = strndup(path, (size_t)(slash - path));
	if (!p)
		fk_fail(err, FK_ERR_NOMEM, "out of memory");
	return p;
}

fk_status fk_mkdir_private(const char *dir, fk_error *err)
{
	char *tmp = fk_strdup(dir, err);
	if (!tmp)
		return FK_ERR_NOMEM;
	for (char *p = tmp + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
				fk_status st = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
						       "cannot create folder %s: %s", tmp, strerror(errno));
				free(tmp);
				return st;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	free(tmp);
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return fk_fail(err, FK_ERR_IO, "%s is not a folder", dir);
	return FK_OK;
}

fk_status fk_read_file(const char *path, size_t max, char **out, size_t *len, fk_error *err)
{
	return fk_read_file_checked(path, max, NULL, out, len, err);
}

fk_status fk_read_file_checked(const char *path, size_t max, fk_file_check check, char **out,
			       size_t *len, fk_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fk_fail(err, errno == ENOENT ? FK_ERR_NOTFOUND : FK_ERR_IO,
			       "cannot open %s: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > max) {
		close(fd);
		return fk_fail(err, FK_ERR_INVALID, "%s is not a regular file of at most %zu bytes",
			       path, max);
	}
	fk_status st = check ? check(path, &sb, err) : FK_OK;
	if (st != FK_OK) {
		close(fd);
		return st;
	}
	size_t n = (size_t)sb.st_size;
	char *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory reading %s", path);
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			close(fd);
			return fk_fail(err, FK_ERR_IO, "cannot read %s", path);
		}
		got += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return FK_OK;
}

fk_status fk_harden_process(fk_error *err)
{
	struct rlimit rl = {0, 0};
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return fk_fail(err, FK_ERR_INTERNAL, "cannot disable core dumps: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return fk_fail(err, FK_ERR_INTERNAL, "cannot mark the process undumpable: %s",
			       strerror(errno));
	return FK_OK;
}

void fk_heap_trim(void)
{
#ifdef __GLIBC__
	(void)malloc_trim(0); /* 1 if memory was released: either way nothing to do */
#endif
}

fk_status fk_scratch_file(const char *dir, int *fd, fk_error *err)
{
	*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (*fd < 0) {
		char path[4096 + 32];
		snprintf(path, sizeof path, "%s/.fk-sort.XXXXXX", dir);
		*fd = mkstemp(path);
		if (*fd >= 0)
			unlink(path);
	}
	if (*fd < 0)
		return fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
			       "cannot make a temporary file in %s: %s", dir, strerror(errno));
	return FK_OK;
}

fk_status fk_write_new_file(const char *path, const void *data, size_t len, fk_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fk_fail(err, errno == EEXIST ? FK_ERR_EXISTS : FK_ERR_IO, "cannot create %s: %s",
			       path, strerror(errno));
	fk_status st = FK_OK;
	const char *p = data;
	for (size_t done = 0; st == FK_OK && done < len;) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			st = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO, "cannot write %s: %s",
				     path, strerror(errno));
		else
			done += (size_t)w;
	}
	if (st == FK_OK && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
		st = fk_fail(err, FK_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (close(fd) != 0 && st == FK_OK)
		st = fk_fail(err, FK_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (st != FK_OK)
		unlink(path);
	return st;
}

fk_status fk_io_fail(fk_error *err, const char *what, const char *path)
{
	return fk_fail(err, errno == ENOSPC || errno == EDQUOT ? FK_ERR_FULL : FK_ERR_IO, "%s %s: %s",
		       what, path, strerror(errno));
}

fk_status fk_write_new(const char *path, const void *buf, size_t n, fk_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fk_io_fail(err, "cannot create", path);
	size_t done = 0;
	fk_status st = FK_OK;
	while (st == FK_OK && done < n) {
		ssize_t w = write(fd, (const unsigned char *)buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			st = fk_io_fail(err, "cannot write", path);
		else
			done += (size_t)w;
	}
	if (st == FK_OK && fsync(fd) != 0)
		st = fk_io_fail(err, "cannot sync", path);
	if (close(fd) != 0 && st == FK_OK)
		st = fk_io_fail(err, "cannot write", path);
	if (st != FK_OK)
		(void)unlink(path);
	return st;
}

fk_status fk_check_service_folder(const char *dir, const char *what, const char *key, fk_error *err)
{
	struct stat st;
	if (!dir || !*dir)
		return fk_fail(err, FK_ERR_CONFIG, "%s is not configured (%s)", what, key);
	if (lstat(dir, &st) != 0)
		return fk_fail(err, FK_ERR_IO, "%s %s cannot be used: %s", what, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fk_fail(err, FK_ERR_IO, "%s %s is not a folder", what, dir);
	if (st.st_uid != geteuid() || (st.st_mode & 077))
		return fk_fail(err, FK_ERR_KEYPERM, "%s %s must belong to the service account "
			       "and have mode 0700 (it has %04o)", what, dir, (unsigned)(st.st_mode & 07777));
	if (access(dir, W_OK | X_OK) != 0)
		return fk_fail(err, FK_ERR_IO, "%s %s is not writable: %s", what, dir, strerror(errno));
	return FK_OK;
}
