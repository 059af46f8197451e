/* The last package applied per municipality, kept in the key folder (intake.seq) beside the
 * trust anchor, where a restored older database cannot reach it (R-BATCH-RESUME, R-BATCH-PROTO;
 * import.h): a database whose packages are behind it refuses that municipality's imports
 * instead of taking a replay of packages it forgot. MAC'd under a key from the trust key
 * (fk_trust_secret_hash), 0600, in two slots written in place by turns with one fdatasync (a
 * write a crash cuts short leaves the table before it), read and written under the key
 * folder's lock (seqanchor.c). */
#ifndef FK_INTAKE_SEQANCHOR_H
#define FK_INTAKE_SEQANCHOR_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

#define FK_SEQ_FILE "intake.seq"

/* The municipality's last (sequence, digest) on file; *found 0 when none (or no file).
 * FK_ERR_TAMPER when the file does not match its MAC. */
fk_status fk_seqanchor_get(fk_ctx *ctx, const char *muni, int64_t *seq, uint8_t digest[32],
			   int *found, fk_error *err);
/* Record (sequence, digest) as the municipality's last (only forward). */
fk_status fk_seqanchor_put(fk_ctx *ctx, const char *muni, int64_t seq, const uint8_t digest[32],
			   fk_error *err);

#endif
