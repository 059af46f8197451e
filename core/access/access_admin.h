/* The authorised way to what fukuhonctl reads: the history for auditors, a checkpoint to keep
 * off the terminal, the reference lists. Each is decided by its row of the operation table and
 * recorded before anything is handed out (R-ACCESS, R-LOG), so that a front end cannot read
 * them without the gate. */
#ifndef FK_ACCESS_ADMIN_H
#define FK_ACCESS_ADMIN_H

#include "audit.h"
#include "checkpoint.h"
#include "ctx.h"
#include "refdata.h"
#include "status.h"

/* Every history record matching f, oldest first, a page at a time: op is FK_OP_HISTORY_LIST
 * or FK_OP_HISTORY_EXPORT (the export discloses every detail). The reading is recorded first
 * (with the filter); fn returns non-zero to stop (FK_ERR_INTERNAL then, with its message). */
typedef int (*fk_audit_row_fn)(const fk_audit_row *r, void *arg);
fk_status fk_access_history_each(fk_ctx *ctx, fk_op op, const fk_audit_filter *f,
				 fk_audit_row_fn fn, void *arg, fk_error *err);

/* A fresh checkpoint of the history's end (made if the latest is older), written to path for
 * keeping off the terminal; recorded with the record it covers. */
fk_status fk_access_checkpoint_export(fk_ctx *ctx, const char *path, fk_checkpoint *cp,
				      fk_error *err);

/* The bureaus (public reference data, recorded). */
fk_status fk_access_bureaus(fk_ctx *ctx, fk_bureau *out, int max, int *n, fk_error *err);
/* The municipalities of a bureau named exactly (NULL: all of them). */
fk_status fk_access_municipalities(fk_ctx *ctx, const char *bureau, fk_muni_cb cb, void *arg,
				   fk_error *err);

#endif
