/* Backups of the database (R-BACKUP): an online, consistent copy with a signed manifest, its
 * verification, and the removal of old ones (docs/operations-backup.md).
 *
 * A backup is a folder (0700) holding fukuhon.db, the copy (0600; its data as encrypted as in
 * the store), and manifest: the history's end, every sealed table's count and digest, the
 * schema version, the copy's size and SHA-256, the terminal and the time, signed with the
 * terminal's Ed25519 checkpoint key (audit-sign.key; its public key in the manifest). It is
 * written under a temporary name and renamed into place last, so nothing that looks complete
 * is ever left by a failure. */
#ifndef FK_BACKUP_H
#define FK_BACKUP_H

#include <stdint.h>

#include "anchor.h"
#include "checkpoint.h"
#include "ctx.h"
#include "status.h"

#define FK_BACKUP_DB "fukuhon.db"
#define FK_BACKUP_MANIFEST "manifest"

typedef struct fk_backup_info {
	char terminal[64];
	unsigned schema;
	int64_t created_ns, bytes;
	fk_state state;                /* the history's end and every sealed table's digest */
	uint8_t db_sha[32];            /* of the copy */
	uint8_t manifest_sha[32];      /* of the manifest file, as recorded and named by restore */
	uint8_t pub[FK_PUB_LEN];       /* who signed it */
} fk_backup_info;

/* One check of a verification, as it is made: name ("manifest", "signature", "sha256",
 * "open", "history", "rows"), ok, and why not (or a note). */
typedef void (*fk_backup_fn)(void *arg, const char *check, int ok, const char *msg);

/* Administrators: copy the database into the new folder dest while others work (SQLite's backup
 * API in one step under a read snapshot; WAL lets writers go on), with its signed manifest.
 * Recorded as backup.create with dest and the manifest's SHA-256. dest must not exist. */
fk_status fk_backup_create(fk_ctx *ctx, const char *dest, fk_backup_info *info, fk_error *err);

/* The checks of a backup in dir against this terminal (the configuration at config_path, its
 * key folder): manifest, signature (this terminal's key), SHA-256, the copy opened read only, its
 * history chain (K0 from k0_path, NULL: the default file) and every sealed row and table digest
 * against the manifest. FK_OK only when all pass; otherwise the first failure's status, its
 * message naming why. No database of the terminal is needed (restore runs it without one). */
fk_status fk_backup_check(const char *config_path, const char *dir, const char *k0_path,
			  fk_backup_fn fn, void *arg, fk_backup_info *info, fk_error *err);

/* The same for an administrator of the running terminal, recorded as backup.verify. */
fk_status fk_backup_verify(fk_ctx *ctx, const char *dir, const char *k0_path, fk_backup_fn fn,
			   void *arg, fk_backup_info *info, fk_error *err);

/* Administrators: of the backups (folders with a manifest) directly in root, keep the keep
 * newest by their manifests' time and remove the others (their two files and the folder; a
 * folder holding anything else is left, and named). Recorded as backup.prune. */
fk_status fk_backup_prune(fk_ctx *ctx, const char *root, int keep, int *removed, fk_error *err);

/* Read and check a manifest's form and signature (not whose key): for restore and prune. */
fk_status fk_backup_manifest_read(const char *dir, fk_backup_info *info, fk_error *err);

/* 1 when path is inside a backup folder (a folder holding a manifest, or below one). */
int fk_backup_inside(const char *path);

#endif
