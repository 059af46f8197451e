/* Receipts (docs/package-format.md; R-BATCH-PROTO): the JSON the core builds for each package,
 * applied or refused, which the receiving key signs (CMS SignedData) at the edge. */
#ifndef FK_INTAKE_RECEIPT_H
#define FK_INTAKE_RECEIPT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "pkgrow.h"
#include "status.h"

/* An X-macro's id in lower case, made once into cache (n bytes, zeroed to begin with). */
const char *fk_receipt_lower_id(const char *id, char *cache, size_t n);

/* An applied package's receipt: counts, rejections (read from its rows, checked), missing
 * (refs, may be NULL). *out malloc'd. */
fk_status fk_receipt_applied(fk_ctx *ctx, const fk_pkgrow *p, json_t *missing, char **out,
			     size_t *len, fk_error *err);
/* A refused package's: digest and m's fields where known (NULL/0 otherwise). */
fk_status fk_receipt_refused(const uint8_t *digest, const char *muni, int64_t sequence,
			     const char *reason, int64_t expected, int64_t received_at, char **out,
			     size_t *len, fk_error *err);

#endif
