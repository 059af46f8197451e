/* Key-folder file discipline shared by every key file: checked opens, atomic replacement (R-KEYS). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"

int fk_read_full(int fd, uint8_t *buf, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, buf + *got, n - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

int fk_write_full(int fd, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Some file systems cannot fsync a directory (EINVAL): nothing more to do there. */
fk_status fk_keydir_sync(int fd, const char *dir, fk_error *err)
{
	if (fsync(fd) != 0 && errno != EINVAL)
		return fk_fail(err, FK_ERR_IO, "cannot sync key folder %s: %s", dir, strerror(errno));
	return FK_OK;
}

/* Modes are compared explicitly because the service may run as root, for
 * whom EACCES never happens. */
fk_status fk_keydir_check(const struct stat *sb, const char *dir, fk_error *err)
{
	if (S_ISLNK(sb->st_mode))
		return fk_fail(err, FK_ERR_KEYPERM,
			       "key folder %s is a symbolic link; it must be a real folder", dir);
	if (!S_ISDIR(sb->st_mode))
		return fk_fail(err, FK_ERR_KEYPERM, "key folder %s is not a folder", dir);
	if (sb->st_uid != geteuid() || (sb->st_mode & 077))
		return fk_fail(err, FK_ERR_KEYPERM,
			       "key folder %s has mode %04o and owner uid %u; it must be 0700 and owned by uid %u",
			       dir, (unsigned)(sb->st_mode & 07777), (unsigned)sb->st_uid,
			       (unsigned)geteuid());
	return FK_OK;
}

fk_status fk_keyfile_check(const struct stat *sb, const char *dir, const char *name,
			   fk_error *err)
{
	if (S_ISLNK(sb->st_mode))
		return fk_fail(err, FK_ERR_KEYPERM,
			       "key file %s/%s is a symbolic link; it must be a regular file", dir, name);
	if (!S_ISREG(sb->st_mode))
		return fk_fail(err, FK_ERR_KEYPERM, "key file %s/%s is not a regular file", dir, name);
	/* Another name for the same key, maybe outside the folder, would keep it
	 * readable after the folder is locked down, and outlive its retirement. */
	if (sb->st_nlink != 1)
		return fk_fail(err, FK_ERR_KEYPERM,
			       "key file %s/%s has %lu hard links; it must have exactly one", dir, name,
			       (unsigned long)sb->st_nlink);
	if (sb->st_uid != geteuid() || (sb->st_mode & 077))
		return fk_fail(err, FK_ERR_KEYPERM,
			       "key file %s/%s has mode %04o and owner uid %u; it must be 0600 and owned by uid %u",
			       dir, name, (unsigned)(sb->st_mode & 07777), (unsigned)sb->st_uid,
			       (unsigned)geteuid());
	return FK_OK;
}

/* fstat what was opened, so that the folder cannot be swapped between check and use. */
fk_status fk_keydir_open(const char *dir, int *fd_out, fk_error *err)
{
	struct stat lsb, sb;
	if (lstat(dir, &lsb) != 0) {
		if (errno == ENOENT)
			return fk_fail(err, FK_ERR_NOKEY,
				       "key folder %s does not exist; run `fukuhonctl init` to create the keys",
				       dir);
		return fk_fail(err, FK_ERR_IO, "cannot examine key folder %s: %s", dir, strerror(errno));
	}
	fk_status st = fk_keydir_check(&lsb, dir, err);
	if (st != FK_OK)
		return st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fk_fail(err, FK_ERR_IO, "cannot open key folder %s: %s", dir, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		st = fk_fail(err, FK_ERR_IO, "cannot examine key folder %s: %s", dir, strerror(errno));
	} else if (sb.st_dev != lsb.st_dev || sb.st_ino != lsb.st_ino) {
		st = fk_fail(err, FK_ERR_KEYPERM, "key folder %s changed while being opened", dir);
	} else {
		st = fk_keydir_check(&sb, dir, err);
	}
	if (st != FK_OK) {
		close(fd);
		return st;
	}
	*fd_out = fd;
	return FK_OK;
}

fk_status fk_keydir_lock(const char *dir, int how, int *fd_out, fk_error *err)
{
	fk_status st = fk_keydir_open(dir, fd_out, err);
	if (st != FK_OK)
		return st;
	int rc;
	while ((rc = flock(*fd_out, how)) != 0 && errno == EINTR)
		;
	if (rc == 0)
		return FK_OK;
	st = fk_fail(err, FK_ERR_IO, "cannot lock key folder %s: %s", dir, strerror(errno));
	close(*fd_out);
	*fd_out = -1;
	return st;
}

fk_status fk_keydir_make(const char *dir, const char *sub, fk_error *err)
{
	int dfd = -1, fd = -1;
	fk_status st = fk_keydir_open(dir, &dfd, err);
	if (st != FK_OK)
		return st;
	if (mkdirat(dfd, sub, 0700) == 0) {
		/* The umask must not decide the mode of a key folder either. */
		fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fchmod(fd, 0700) != 0)
			st = fk_fail(err, FK_ERR_IO, "cannot create key folder %s/%s: %s", dir, sub, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (st == FK_OK)
			st = fk_keydir_sync(dfd, dir, err);
	} else if (errno != EEXIST) {
		st = fk_fail(err, FK_ERR_IO, "cannot create key folder %s/%s: %s", dir, sub, strerror(errno));
	}
	close(dfd);
	return st;
}

fk_status fk_keyfile_remove(const char *dir, const char *name, fk_error *err)
{
	int dfd = -1;
	fk_status st = fk_keydir_open(dir, &dfd, err);
	if (st != FK_OK)
		return st;
	if (unlinkat(dfd, name, 0) != 0)
		st = fk_fail(err, errno == ENOENT ? FK_ERR_NOKEY : FK_ERR_IO, "cannot remove key file %s/%s: %s",
			     dir, name, strerror(errno));
	else
		st = fk_keydir_sync(dfd, dir, err);
	close(dfd);
	return st;
}

static fk_status open_once(int dfd, const char *dir, const char *name, off_t size, int rw,
			   int *fd_out, int *replaced, fk_error *err)
{
	struct stat lsb, sb;
	if (fstatat(dfd, name, &lsb, AT_SYMLINK_NOFOLLOW) != 0)
		return fk_fail(err, errno == ENOENT ? FK_ERR_NOKEY : FK_ERR_IO,
			       "cannot examine key file %s/%s: %s", dir, name, strerror(errno));
	fk_status st = fk_keyfile_check(&lsb, dir, name, err);
	if (st != FK_OK)
		return st;
	/* O_NONBLOCK: a FIFO slipped in after the check must not hang us. */
	int fd = openat(dfd, name, (rw ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fk_fail(err, errno == ELOOP ? FK_ERR_KEYPERM : FK_ERR_IO,
			       "cannot open key file %s/%s: %s", dir, name, strerror(errno));
	if (fstat(fd, &sb) != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot examine key file %s/%s: %s", dir, name,
			     strerror(errno));
	else if (sb.st_nlink == 0 || sb.st_dev != lsb.st_dev || sb.st_ino != lsb.st_ino) {
		/* Another process renamed a new file over it between our steps (fk_keyfile_write:
		 * the history key moving to its next epoch): what was opened is gone, not linked
		 * twice. The caller tries again. */
		*replaced = 1;
		st = fk_fail(err, FK_ERR_KEYPERM, "key file %s/%s changed while being opened", dir, name);
	} else
		st = fk_keyfile_check(&sb, dir, name, err);
	if (st == FK_OK && sb.st_size != size)
		st = fk_fail(err, FK_ERR_CORRUPT,
			     "key file %s/%s is %lld bytes, not %lld (truncated or damaged); restore it from backup",
			     dir, name, (long long)sb.st_size, (long long)size);
	if (st != FK_OK) {
		close(fd);
		return st;
	}
	*fd_out = fd;
	return FK_OK;
}

static fk_status open_checked(int dfd, const char *dir, const char *name, off_t size, int rw,
			      int *fd_out, fk_error *err)
{
	fk_status st = FK_ERR_KEYPERM;
	/* A file replaced between the steps is opened again (a few times: a file replaced
	 * again and again is refused as changed). */
	for (int tries = 0, replaced = 1; replaced && tries < 3; tries++) {
		replaced = 0;
		st = open_once(dfd, dir, name, size, rw, fd_out, &replaced, err);
	}
	return st;
}

fk_status fk_keyfile_open(int dfd, const char *dir, const char *name, off_t size, int *fd_out,
			  fk_error *err)
{
	return open_checked(dfd, dir, name, size, 0, fd_out, err);
}

fk_status fk_keyfile_open_rw(int dfd, const char *dir, const char *name, off_t size, int *fd_out,
			     fk_error *err)
{
	return open_checked(dfd, dir, name, size, 1, fd_out, err);
}

fk_status fk_keyfile_read(const char *dir, const char *name, uint8_t *buf, size_t len,
			  fk_error *err)
{
	int dfd = -1, fd = -1;
	fk_status st = fk_keydir_open(dir, &dfd, err);
	if (st != FK_OK)
		return st;
	st = fk_keyfile_open(dfd, dir, name, (off_t)len, &fd, err);
	close(dfd);
	if (st != FK_OK)
		return st;
	size_t got = 0;
	if (fk_read_full(fd, buf, len, &got) != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot read key file %s/%s: %s", dir, name, strerror(errno));
	else if (got != len)
		st = fk_fail(err, FK_ERR_CORRUPT, "key file %s/%s changed size while being read", dir, name);
	close(fd);
	if (st != FK_OK)
		fk_wipe(buf, len);
	return st;
}

static fk_status write_temp(int dfd, const char *dir, const char *tmp, const uint8_t *buf,
			    size_t len, fk_error *err)
{
	(void)unlinkat(dfd, tmp, 0); /* left by a crash: never a live key */
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fk_fail(err, FK_ERR_IO, "cannot create key file %s/%s: %s", dir, tmp,
			       strerror(errno));
	fk_status st = FK_OK;
	/* fchmod: the umask must not decide the mode of a key file. */
	if (fchmod(fd, 0600) != 0 || fk_write_full(fd, buf, len) != 0 || fsync(fd) != 0)
		st = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
			     "cannot write key file %s/%s: %s", dir, tmp, strerror(errno));
	if (close(fd) != 0 && st == FK_OK)
		st = fk_fail(err, FK_ERR_IO, "cannot write key file %s/%s: %s", dir, tmp, strerror(errno));
	return st;
}

/* tmp becomes name, never replacing one. RENAME_NOREPLACE does it in one step;
 * file systems without it get link and unlink, where for a moment the key
 * has two names and a reader refuses it (fk_keyfile_check): it is new, so
 * nobody is reading it yet. */
static int rename_new(int dfd, const char *tmp, const char *name)
{
	if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return linkat(dfd, tmp, dfd, name, 0);
}

fk_status fk_keyfile_write(const char *dir, const char *name, const uint8_t *buf, size_t len,
			   int excl, fk_error *err)
{
	char tmp[256];
	if (snprintf(tmp, sizeof tmp, ".%s.tmp", name) >= (int)sizeof tmp)
		return fk_fail(err, FK_ERR_INTERNAL, "key file name too long");
	int dfd = -1;
	fk_status st = fk_keydir_open(dir, &dfd, err);
	if (st != FK_OK)
		return st;
	st = write_temp(dfd, dir, tmp, buf, len, err);
	if (st == FK_OK && excl && rename_new(dfd, tmp, name) != 0)
		st = fk_fail(err, errno == EEXIST ? FK_ERR_EXISTS : FK_ERR_IO,
			     "cannot create key file %s/%s: %s", dir, name, strerror(errno));
	if (st == FK_OK && !excl && renameat(dfd, tmp, dfd, name) != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot replace key file %s/%s: %s", dir, name,
			     strerror(errno));
	(void)unlinkat(dfd, tmp, 0);
	if (st == FK_OK)
		st = fk_keydir_sync(dfd, dir, err);
	close(dfd);
	return st;
}

static fk_status checksum(const uint8_t *p, size_t n, uint8_t out[FK_KEYFILE_SUM], fk_error *err)
{
	_Static_assert(FK_KEYFILE_SUM == FK_SHA256_LEN, "a key file's checksum is a SHA-256");
	return fk_sha256(p, n, out, err);
}

fk_status fk_keyfile_read_checked(const char *dir, const char *name, const uint8_t magic[8],
				  uint8_t *buf, size_t len, fk_error *err)
{
	uint8_t sum[FK_KEYFILE_SUM];
	fk_status st = fk_keyfile_read(dir, name, buf, len, err);
	if (st == FK_OK)
		st = checksum(buf, len - FK_KEYFILE_SUM, sum, err);
	if (st == FK_OK && (memcmp(buf, magic, 8) != 0 ||
			    fk_memeq_ct(sum, buf + len - FK_KEYFILE_SUM, FK_KEYFILE_SUM)))
		st = fk_fail(err, FK_ERR_CORRUPT,
			     "key file %s/%s is damaged (checksum mismatch); restore it from backup", dir, name);
	if (st != FK_OK)
		fk_wipe(buf, len);
	return st;
}

fk_status fk_keyfile_write_checked(const char *dir, const char *name, const uint8_t magic[8],
				   uint8_t *buf, size_t len, int excl, fk_error *err)
{
	memcpy(buf, magic, 8);
	fk_status st = checksum(buf, len - FK_KEYFILE_SUM, buf + len - FK_KEYFILE_SUM, err);
	return st == FK_OK ? fk_keyfile_write(dir, name, buf, len, excl, err) : st;
}
