/* The disposal ledger in the key folder (R-DISPOSE; docs/disposal.md): every register disposed
 * of, with its data key, its request and the time, appended and synced before the disposal's
 * commit is reported done. A restored older database brings the wrapped keys back; the key
 * folder is not restored with it, so the ledger says what must be destroyed again
 * (disposejob.h, fk_disposal_reapply). No personal data: ids and times only.
 *
 * disposal.log is a sequence of fixed records: magic | register | key | request | time (each
 * 8 bytes, big-endian) | MAC, each MAC under a key from the trust key over the previous
 * record's MAC and this record, so that a record cannot be made, changed, moved or removed
 * from the middle without the key folder's trust key.
 *
 * A whole municipality's disposal (munidispose.h) writes one record of its own (another magic,
 * bound by the MAC): register is the largest register id of the municipality it covers, key
 * the municipality's key (its ledger, documents and sorted lists), so that a restore disposes
 * again of every register of that municipality up to that id, and of what its key sealed. */
#ifndef FK_DISPOSAL_H
#define FK_DISPOSAL_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

#define FK_DISPOSAL_FILE "disposal.log"

typedef struct fk_disposal_entry {
	int64_t register_id, key_id, request_id, at;
	int municipality; /* 1: a whole municipality's record (register: the largest id covered) */
} fk_disposal_entry;

/* Append n entries and sync the file and the folder, under a lock on the key folder. */
fk_status fk_disposal_append(fk_ctx *ctx, const fk_disposal_entry *v, int n, fk_error *err);

/* How many entries the ledger holds, from its size alone (cheap: one stat). */
fk_status fk_disposal_count(fk_ctx *ctx, int64_t *n, fk_error *err);

/* Every entry, the chain of MACs checked (FK_ERR_TAMPER naming the file and the record);
 * *v malloc'd (NULL when there are none), *n their number. */
fk_status fk_disposal_read(fk_ctx *ctx, fk_disposal_entry **v, int64_t *n, fk_error *err);

/* ---- shared by the disposals (disposejob.c, munidispose.c) ---- */

/* Data key key_id destroyed (its wrapped bytes gone, destroyed_at set) in the caller's
 * transaction; *changed (if not NULL) 1 when anything of it was left. */
fk_status fk_disposal_destroy_key(fk_ctx *ctx, int64_t key_id, int64_t now, int *changed, fk_error *err);
/* Register id crypto-erased in the caller's transaction: with mark, its row marked disposed of
 * (checked against its MAC, sealed again); its data key key_id destroyed; its versions'
 * content emptied. *keys, *contents (if not NULL): rows changed. */
fk_status fk_disposal_erase_rows(fk_ctx *ctx, int64_t id, int64_t key_id, int mark, int64_t now,
				 int *keys, int *contents, fk_error *err);

/* secure_delete set again and read back: the erasure rests on it (freed space zeroed). */
fk_status fk_disposal_secure_on(fk_ctx *ctx, fk_error *err);
/* The counts the next open compares with the ledger (the ledger's records, the destroyed
 * keys), kept in the sealed meta, in the caller's transaction. */
fk_status fk_disposal_note_state(fk_ctx *ctx, int64_t ledger, fk_error *err);
/* The master key's rotation after a disposal (R-DISPOSE, R-KEYS; docs/disposal.md): a backup
 * from before a disposal holds the destroyed keys wrapped under the master key of its time, so
 * the disposal is complete for backups only once that master key is rotated out and, after the
 * backups' retention, destroyed. fk_disposal_note_state marks the rotation due (sealed meta
 * "key.rotation_due": the master key in use and the time, kept from the first disposal
 * after the last rotation); *due 1 while it is, with since (ns) and the master key id then. */
fk_status fk_disposal_rotation_due(fk_ctx *ctx, int *due, int64_t *since, uint32_t *kek,
				   fk_error *err);
/* A rotation to master key new_kek has re-wrapped every data key: the mark cleared (in the
 * caller's transaction, which records it) when it named an older master key; *cleared 1 then. */
fk_status fk_disposal_rotation_done(fk_ctx *ctx, uint32_t new_kek, int *cleared, fk_error *err);
/* 1 when the meta's counts are the ledger's (ledger records) and the destroyed keys'. */
fk_status fk_disposal_in_step(fk_ctx *ctx, int64_t ledger, int *same, fk_error *err);
/* After a commit: the WAL checkpointed and cut to nothing (warning: "" or why it was not). */
void fk_disposal_empty_wal(fk_ctx *ctx, char *warning, size_t len);

#endif
