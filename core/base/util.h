/* Small helpers shared by the core: time, strings, files. */
#ifndef FK_UTIL_H
#define FK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "str.h" /* the string helpers every user of these takes too */

#define FK_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Arithmetic on numbers read from the database, which whoever holds a copy
 * may have set to anything (INT64_MAX, INT64_MIN): signed overflow is
 * undefined behaviour, so such sums and differences go through these. */
/* *r = a + b; -1 (and *r unspecified) when that does not fit. */
static inline int fk_add_i64(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_add_overflow(a, b, r) ? -1 : 0;
}
/* a - b, saturated to INT64_MIN..INT64_MAX: distances and ages, compared. */
static inline int64_t fk_sub_sat_i64(int64_t a, int64_t b)
{
	int64_t r;
	if (!__builtin_sub_overflow(a, b, &r))
		return r;
	return b < 0 ? INT64_MAX : INT64_MIN;
}

int64_t fk_now_ns(void);  /* CLOCK_REALTIME, ns since the epoch (UTC) */
int64_t fk_mono_ns(void); /* CLOCK_MONOTONIC, ns */
/* 1 when the kernel reports the clock synchronised (ntp_adjtime), else 0 (R-TIME). */
int fk_clock_synced(void);
/* Tests only: read the clock state with reading instead of ntp_adjtime (NULL:
 * ntp_adjtime again). No setting or environment variable leads here. */
struct timex;
void fk_clock_test_hook(int (*reading)(struct timex *tx));

/* Format UTC ns as "2026-11-27T06:52:51Z" (buf >= 24) or JST "2026-11-27 15:52 JST". */
void fk_fmt_utc(int64_t ns, char *buf, size_t len);

/* The one date parser: exactly "YYYY-MM-DD" (4, 2 and 2 digits) at the start
 * of s naming a real day of the Gregorian calendar in years 0001-9999; what
 * follows is not looked at. 0, or -1 (nothing stored). */
int fk_parse_date(const char *s, int *y, int *m, int *d);
/* Parse "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS][Z]" as UTC into ns since the
 * epoch. FK_ERR_INVALID for anything else, and for what int64 ns cannot hold
 * or is no register's: before 1868 or after 2262-04-11T23:47:16Z. */
fk_status fk_parse_time(const char *s, int64_t *ns, fk_error *err);
int fk_is_leap_year(int y);
/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
int fk_days_from_civil(int y, int m, int d);

/* strdup that reports failure through err. */
char *fk_strdup(const char *s, fk_error *err);

/* Join dir and name into a new string (name absolute: a copy of name). */
char *fk_path_join(const char *dir, const char *name, fk_error *err);

/* Directory part of path, new string ("." when none). */
char *fk_dirname(const char *path, fk_error *err);

/* Create dir (and missing parents) with mode 0700. Existing is fine. */
fk_status fk_mkdir_private(const char *dir, fk_error *err);

/* A folder of the service account alone (personal data goes there): the folder named by
 * setting key in fukuhon.conf(5) ("" or NULL: FK_ERR_CONFIG), what it is for in messages ("the
 * print spool"). Not a folder, another owner or any group/other bit: refused (FK_ERR_KEYPERM
 * naming the mode); not writable: FK_ERR_IO. */
fk_status fk_check_service_folder(const char *dir, const char *what, const char *key, fk_error *err);

/* A failed system call on path as a status: FK_ERR_FULL for a full disk or quota, else
 * FK_ERR_IO; the message "what path: why". */
fk_status fk_io_fail(fk_error *err, const char *what, const char *path);
/* Write n bytes into the new file path (0600, never replacing one) and sync it; nothing is
 * left at path when it fails. */
fk_status fk_write_new(const char *path, const void *buf, size_t n, fk_error *err);

/* An unnamed file for scratch data in dir (O_TMPFILE, else a 0600 file unlinked at once):
 * nothing of it outlives the process, whatever stops it. *fd -1 on failure. */
fk_status fk_scratch_file(const char *dir, int *fd, fk_error *err);

/* Free memory the allocator keeps given back to the system (glibc's malloc_trim; nothing
 * elsewhere): after a phase that freed much in small blocks, so that the next phase's
 * allocations do not come on top of it in the process's resident size. */
void fk_heap_trim(void);

/* Read a whole file (at most max bytes) into a new NUL-terminated buffer. */
fk_status fk_read_file(const char *path, size_t max, char **out, size_t *len, fk_error *err);
/* The same, after check approved the file opened (its fstat: what is checked
 * is what is read). */
struct stat;
typedef fk_status (*fk_file_check)(const char *path, const struct stat *sb, fk_error *err);
fk_status fk_read_file_checked(const char *path, size_t max, fk_file_check check, char **out,
			       size_t *len, fk_error *err);

/* No core dumps and no ptrace by other processes of the same user: a dump
 * would put keys, passwords and decrypted registers on disk (R-SECRET). */
fk_status fk_harden_process(fk_error *err);

/* Create path (never replacing anything, no symlink followed) with mode 0600
 * holding data, fsync'd. FK_ERR_EXISTS when it exists. */
fk_status fk_write_new_file(const char *path, const void *data, size_t len, fk_error *err);

#endif
