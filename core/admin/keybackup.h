/* The key folder's backup (R-BACKUP, R-KEYS): every file of it in one file encrypted under a
 * passphrase (scrypt, then AES-256-GCM), kept apart from the data's backups; and its restore.
 * A passphrase rather than an offline public key: restoring needs nothing but the file and
 * what the administrators hold in their heads or their safe, on a terminal whose key folder
 * (and any private key kept with it) is gone (docs/operations-backup.md). */
#ifndef FK_KEYBACKUP_H
#define FK_KEYBACKUP_H

#include <stddef.h>

#include "ctx.h"
#include "status.h"

#define FK_PASSPHRASE_MIN 12 /* bytes */

/* Administrators: write the key folder encrypted under pass's answer into the new file dest (0600),
 * refusing a dest inside a data backup's folder. Recorded as backup.keys (dest, files). */
/* The passphrase into buf (NUL-terminated); non-zero when none could be had. Asked for only
 * once the operation is decided, so that a refused person is never asked. */
typedef int (*fk_pass_fn)(void *arg, char *buf, size_t len);
fk_status fk_key_backup(fk_ctx *ctx, const char *dest, fk_pass_fn pass, void *arg, int *files,
			fk_error *err);

/* Decrypt src with pass into the new folder dir (0700, files 0600). A wrong passphrase or an
 * altered file: FK_ERR_TAMPER, and nothing is written. Needs no terminal (the keys are lost). */
fk_status fk_key_restore(const char *src, const char *dir, const char *pass, size_t passlen, int *files,
			 fk_error *err);

#endif
