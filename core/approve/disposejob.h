/* Carrying out an approved disposal (R-DISPOSE, R-APPROVE; docs/disposal.md): each register the
 * request fixed crypto-erased (its data key destroyed, its versions' ciphertext emptied), taken
 * out of the search index and the sorted lists, and marked disposed of, in one transaction
 * recorded by the gate; the key folder's ledger (disposal.h) names it before that commit. */
#ifndef FK_DISPOSEJOB_H
#define FK_DISPOSEJOB_H

#include <stdint.h>

#include "approve.h"

typedef struct fk_dispose_result {
	int n;          /* registers disposed of */
	int64_t *ids;   /* n, freed by fk_dispose_result_free */
	int64_t ms;     /* how long it took */
	char warning[512]; /* "" or what the administrator should know (the WAL not emptied) */
} fk_dispose_result;

void fk_dispose_result_free(fk_dispose_result *r);

/* Carry out approved disposal request id: by its requester only (FK_WHY_NOT_REQUESTER), once
 * (FK_WHY_EXECUTED), within its approval (FK_WHY_NOT_APPROVED, FK_WHY_APPROVAL_EXPIRED), of
 * exactly the versions it fixed (FK_WHY_REGISTER_CHANGED; one already disposed of:
 * FK_WHY_REGISTER_GONE), with the dispose right still granted on each, and none being changed
 * by a package being imported (FK_WHY_REGISTER_STAGING). Every register: its data key's
 * wrapped bytes removed and destroyed_at set, its versions' content emptied, its search tags
 * and its places in the sorted lists deleted, its row marked disposed of (sealed), each one
 * recorded (dispose.register), with secure_delete on so that freed pages are zeroed. The
 * ledger in the key folder is appended and synced before the commit; after it, the WAL is
 * checkpointed and truncated so that it holds no copy of a wrapped key (a reader that keeps
 * it from being emptied: out->warning). */
fk_status fk_dispose_execute(fk_ctx *ctx, int64_t id, fk_dispose_result *out, fk_error *err);

/* Dispose again of every register the key folder's ledger names that the database holds
 * undisposed or with its data key back (a restored older backup, or a crash between the
 * ledger and the commit): each recorded (dispose.reapply). Cheap when nothing changed: the
 * ledger's size and the number of destroyed keys are compared with the counts the sealed
 * meta kept at the last disposal. *n: registers disposed of again. Run at every open
 * (core/admin/terminal.c); a restore calls it once the restored database is in place.
 * FK_ERR_TAMPER when the ledger or a register row does not match its MAC. */
fk_status fk_disposal_reapply(fk_ctx *ctx, int64_t *n, fk_error *err);

#endif
