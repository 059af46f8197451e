/* A municipality re-opened for packages after its return or disposal (R-DISPOSE; docs/disposal.md). */
#ifndef FK_REOPEN_H
#define FK_REOPEN_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef struct fk_reopen_result {
	int64_t old_key, new_key; /* the municipality's destroyed data key, and its fresh one */
	int64_t refs;             /* references of disposed registers released */
} fk_reopen_result;

/* The references released per short transaction of a re-opening (reopen.c; tests set it). */
extern int fk_reopen_step_refs;

/* After a municipality's disposal its row names a destroyed key and packages for it are
 * refused (core/intake, "muni_disposed"). A supervisor of its bureau (or an administrator)
 * re-opens it, with a reason, in one transaction on record (municipality.reopen): a fresh data
 * key for its ledger, documents and lists, and the municipality's references of its disposed
 * registers released, so that a full re-send makes them anew instead of being rejected
 * "disposed". FK_ERR_INVALID when the municipality was not disposed of or its disposal is
 * still running; refused (FK_ERR_DENIED) for anyone else. */
fk_status fk_muni_reopen(fk_ctx *ctx, const char *code, const char *reason, fk_reopen_result *out,
			 fk_error *err);

#endif
