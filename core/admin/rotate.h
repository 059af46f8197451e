/* Master-key rotation (R-KEYS): re-wrap every data key under a new master key, without downtime. */
#ifndef FK_ROTATE_H
#define FK_ROTATE_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

/* 1. write a new master key and announce it (meta kek_current), so every
 *    process wraps new data keys under it from its next transaction;
 * 2. re-wrap the data keys in short transactions of batch rows (readers
 *    and writers carry on between them; a process holding only the old key
 *    reloads the folder when it meets the new id);
 * 3. in one last transaction, re-wrap any stragglers and record the rotation;
 * 4. overwrite and remove the old master keys.
 * Interrupted, it can simply be run again. */
fk_status fk_key_rotate(fk_ctx *ctx, int batch, int64_t *rewrapped, uint32_t *new_id,
			fk_error *err);

/* The same; with keep_old the old master keys stay in the key folder (a backup from before
 * the rotation can still be restored and read) until fk_key_destroy_old, on the schedule of
 * docs/disposal.md (the backups' retention). */
fk_status fk_key_rotate_keep(fk_ctx *ctx, int batch, int keep_old, int64_t *rewrapped,
			     uint32_t *new_id, fk_error *err);

/* Administrators, on schedule: overwrite and remove every master key but the current one,
 * recorded (key.destroy-old) with the reason. Every backup whose data keys are wrapped under
 * them becomes unreadable: a disposal before the rotation is then complete for backups too.
 * FK_ERR_INVALID while a data key is still wrapped under an old master key. *destroyed gets
 * how many went. */
fk_status fk_key_destroy_old(fk_ctx *ctx, const char *reason, unsigned *destroyed, fk_error *err);

/* How many data keys are wrapped under a master key other than the current one. */
fk_status fk_key_pending(fk_ctx *ctx, int64_t *n, fk_error *err);

#endif
