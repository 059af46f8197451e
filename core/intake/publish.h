/* Publishing a staged package (import.h; R-BATCH-ATOMIC): one short transaction. */
#ifndef FK_INTAKE_PUBLISH_H
#define FK_INTAKE_PUBLISH_H

#include <jansson.h>

#include "pkgrow.h"

/* The refs of the municipality's registers a full re-send lacks (a new array). */
fk_status fk_publish_missing(fk_ctx *ctx, const fk_pkgrow *p, json_t **missing, fk_error *err);

/* Publish p (all its chunks staged): the watermarks removed, the changed registers' rows,
 * tags, figures and sorted lists brought up to date, the receipt built and stored, one
 * record with counts and digest. *receipt gets the receipt (malloc'd). */
fk_status fk_publish(fk_ctx *ctx, fk_pkgrow *p, json_t *missing, const char *oid, char **receipt,
		     size_t *len, fk_error *err);

/* Remove the watermark rows (with no package staging every row is visible), or set them to
 * the current highest ids (staging begins); inside the caller's transaction. */
fk_status fk_publish_watermarks(fk_ctx *ctx, int set, int64_t wm[], fk_error *err);

/* Staging begins: the package's id marks the search tags it adds and removes (visible.h);
 * inside the caller's transaction, after the package's row is made. Removed with the
 * watermarks. */
fk_status fk_publish_mark(fk_ctx *ctx, int64_t package_id, fk_error *err);

/* After package pkg is published: its staged rows removed and the search tags it removed
 * deleted, in short transactions each on record (op, oid: the history's names for it), so
 * that publishing itself does neither (issue 10). Readers see nothing of it: the rows are
 * the published package's leftovers. Until it is done, staging another package would find
 * them: fk_publish_settle_pending first. */
fk_status fk_publish_settle(fk_ctx *ctx, int64_t pkg, int op, const char *oid, fk_error *err);
/* Any published package's leftovers (an import killed after publishing) settled, and the
 * sorted lists its flip left stale removed (fk_publish_sweep). */
fk_status fk_publish_settle_pending(fk_ctx *ctx, int op, const char *oid, fk_error *err);
/* The sorted lists a flip left stale (order.h, fk_order_sweep) removed in short transactions,
 * each on record (reason `settled`); nothing, not even a transaction, when there are none. */
fk_status fk_publish_sweep(fk_ctx *ctx, int op, const char *oid, fk_error *err);
/* Test hook: called before each sweeping transaction with the steps taken so far; nonzero
 * stops there (FK_ERR_INTERNAL). */
extern int (*fk_publish_sweep_hook)(fk_ctx *ctx, int64_t steps);
/* Test hook: called before each settling transaction with the rows settled so far; nonzero
 * stops there (FK_ERR_INTERNAL). */
extern int (*fk_publish_settle_hook)(fk_ctx *ctx, int64_t settled);

#endif
