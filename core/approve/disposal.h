/* The disposal ledger in the key folder (R-DISPOSE; docs/disposal.md): every register disposed
 * of, with its data key, its request and the time, appended and synced before the disposal's
 * commit is reported done. A restored older database brings the wrapped keys back; the key
 * folder is not restored with it, so the ledger says what must be destroyed again
 * (disposejob.h, fk_disposal_reapply). No personal data: ids and times only.
 *
 * disposal.log is a sequence of fixed records: magic | register | key | request | time (each
 * 8 bytes, big-endian) | MAC, each MAC under a key from the trust key over the previous
 * record's MAC and this record, so that a record cannot be made, changed, moved or removed
 * from the middle without the key folder's trust key. */
#ifndef FK_DISPOSAL_H
#define FK_DISPOSAL_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

#define FK_DISPOSAL_FILE "disposal.log"

typedef struct fk_disposal_entry {
	int64_t register_id, key_id, request_id, at;
} fk_disposal_entry;

/* Append n entries and sync the file and the folder, under a lock on the key folder. */
fk_status fk_disposal_append(fk_ctx *ctx, const fk_disposal_entry *v, int n, fk_error *err);

/* How many entries the ledger holds, from its size alone (cheap: one stat). */
fk_status fk_disposal_count(fk_ctx *ctx, int64_t *n, fk_error *err);

/* Every entry, the chain of MACs checked (FK_ERR_TAMPER naming the file and the record);
 * *v malloc'd (NULL when there are none), *n their number. */
fk_status fk_disposal_read(fk_ctx *ctx, fk_disposal_entry **v, int64_t *n, fk_error *err);

#endif
