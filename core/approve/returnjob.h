/* A municipality's data returned to it (R-DISPOSE 8(1)ク, R-HANDOVER; docs/disposal.md,
 * docs/package-format.md §13): what a return package carries and to whom. The package itself
 * is written, numbered and recorded by the export's code (exportjob.h, fk_return_execute):
 * these are the parts that differ. */
#ifndef FK_RETURNJOB_H
#define FK_RETURNJOB_H

#include <openssl/x509.h>
#include <stdint.h>

#include "approve.h"
#include "pki.h"
#include "pkgwrite.h"

/* What a return held: kept (sealed meta 'return.<id>', and return_item) for the disposal that
 * may follow it (munidispose.h). */
typedef struct fk_return_held {
	int64_t registers, versions, ledger, documents;
	int64_t ledger_max, doc_max; /* the largest ids carried (0: none) */
	unsigned char sha256[32];    /* of "register:version\n" for every register, by id */
} fk_return_held;

/* Why to cannot receive municipality code's return ("" when it can): it must chain to a
 * municipal CA of the trust store (unrevoked by its CRL, valid at now_s) and carry the code
 * (its subject's serialNumber, as a municipality's signing certificate does). */
fk_status fk_return_recipient(const fk_pki *pki, X509 *to, const char *code, int64_t now_s,
			      char *why, size_t len, fk_error *err);

/* Every register of municipality code with every version (the first as a `register` record,
 * each later one as a `version` record), its ledger entries and its documents, added to w;
 * each register and the version carried written to return_item for request_id, and what was
 * held summed up in held (the caller's transaction); progress (NULL: none) told register by
 * register. */
fk_status fk_return_records(fk_ctx *ctx, int64_t request_id, const char *code, fk_pkgw *w,
			    fk_return_held *held, fk_progress *progress, fk_error *err);

/* What held says, sealed in meta as 'return.<request_id>' (the caller's transaction). */
fk_status fk_return_keep(fk_ctx *ctx, int64_t request_id, const char *code,
			 const fk_return_held *held, fk_error *err);

#endif
