/* Key-folder file discipline shared by every key file: checked opens, atomic replacement (R-KEYS). */
#ifndef FK_KEYFILE_H
#define FK_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "status.h"

/* read()/write() the whole buffer, retrying on EINTR; 0 or -1 (errno set). */
int fk_read_full(int fd, uint8_t *buf, size_t n, size_t *got);
int fk_write_full(int fd, const uint8_t *buf, size_t n);

/* The folder must be a real folder (no symlink), owned by the effective user, 0700. */
fk_status fk_keydir_check(const struct stat *sb, const char *dir, fk_error *err);
/* A key file must be a regular file (no symlink) with one link (no other
 * name), owned by the effective user, 0600. */
fk_status fk_keyfile_check(const struct stat *sb, const char *dir, const char *name, fk_error *err);

/* Open the folder without following a symlink and check what was opened. */
fk_status fk_keydir_open(const char *dir, int *fd_out, fk_error *err);
/* The folder opened as fk_keydir_open does and locked with flock(how: LOCK_SH or LOCK_EX),
 * for its files' writers that read, change and write in more than one step (intake.seq,
 * print.seq, the disposal ledger) and for a reader that must not see such a step half-done
 * (key backup). Closing *fd_out lets the lock go. */
fk_status fk_keydir_lock(const char *dir, int how, int *fd_out, fk_error *err);
/* fsync the folder (EINVAL from file systems that cannot is fine). */
fk_status fk_keydir_sync(int fd, const char *dir, fk_error *err);

/* The folder sub inside the key folder dir, for files of one kind (credentials/): made 0700
 * when missing, then held to the key folder's rules like dir itself. */
fk_status fk_keydir_make(const char *dir, const char *sub, fk_error *err);

/* Remove dir/name (a retired secret) and sync the folder; FK_ERR_NOKEY when it is not there. */
fk_status fk_keyfile_remove(const char *dir, const char *name, fk_error *err);

/* Open name in the folder open on dfd for reading after the checks above;
 * refuses a file that is not exactly size bytes (FK_ERR_CORRUPT). */
fk_status fk_keyfile_open(int dfd, const char *dir, const char *name, off_t size, int *fd_out,
			  fk_error *err);
/* The same, for reading and writing in place (a file of fixed size whose own format makes a
 * torn write harmless: intake.seq's two slots). */
fk_status fk_keyfile_open_rw(int dfd, const char *dir, const char *name, off_t size, int *fd_out,
			     fk_error *err);

/* Read the whole file dir/name, which must be exactly len bytes. FK_ERR_NOKEY
 * when it does not exist. */
fk_status fk_keyfile_read(const char *dir, const char *name, uint8_t *buf, size_t len,
			  fk_error *err);

/* Write dir/name atomically: a 0600 temporary file, fsync, then rename over
 * name (or, with excl, rename refusing an existing name: FK_ERR_EXISTS), and
 * fsync the folder. A crash leaves the old or the new file, never a mix. */
fk_status fk_keyfile_write(const char *dir, const char *name, const uint8_t *buf, size_t len,
			   int excl, fk_error *err);

/* Key files of the form magic (8 bytes) | body | SHA-256 of magic and body:
 * read (len is the whole file) refusing a wrong magic or checksum as
 * FK_ERR_CORRUPT; write fills in magic and checksum around buf's body. */
#define FK_KEYFILE_SUM 32
fk_status fk_keyfile_read_checked(const char *dir, const char *name, const uint8_t magic[8],
				  uint8_t *buf, size_t len, fk_error *err);
fk_status fk_keyfile_write_checked(const char *dir, const char *name, const uint8_t magic[8],
				   uint8_t *buf, size_t len, int excl, fk_error *err);

#endif
