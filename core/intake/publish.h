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

#endif
