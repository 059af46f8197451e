/* The last output number's serial, kept in the key folder (print.seq) beside the history's
 * anchor, where a restored older database cannot reach it (R-PRINT): a serial once recorded is
 * never handed out again, not even after a restore. MAC'd under a key from the trust key
 * (fk_trust_secret_hash) like intake.seq, written atomically (fk_keyfile_write: temporary
 * file, fsync, rename, fsync of the folder; 0600; a print ends with one write, not a package
 * with one, so it keeps the rename intake.seq's two slots replaced). */
#ifndef FK_OUTSEQ_H
#define FK_OUTSEQ_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

#define FK_OUTSEQ_FILE "print.seq"

/* The last serial on file (0 when there is no file yet). FK_ERR_TAMPER when the file does not
 * match its MAC. */
fk_status fk_outseq_get(fk_ctx *ctx, int64_t *last, fk_error *err);
/* Move it forward to serial (never back: a lower one leaves it as it is). */
fk_status fk_outseq_put(fk_ctx *ctx, int64_t serial, fk_error *err);

#endif
