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
typedef struct fk_return_item {
	int64_t register_id;
	int version;
} fk_return_item;

typedef struct fk_return_held {
	int64_t registers, versions, ledger, documents;
	int64_t ledger_max, doc_max; /* the largest ids carried (0: none) */
	unsigned char sha256[32];    /* of "register:version\n" for every register, by id */
	fk_return_item *items;       /* the registers carried, by id (registers of them; owned: free) */
} fk_return_held;

/* Why to cannot receive municipality code's return ("" when it can): it must chain to a
 * municipal CA of the trust store (unrevoked by its CRL, valid at now_s) and carry the code
 * (its subject's serialNumber, as a municipality's signing certificate does). */
fk_status fk_return_recipient(const fk_pki *pki, X509 *to, const char *code, int64_t now_s,
			      char *why, size_t len, fk_error *err);

/* Every register of municipality code with every version (the first as a `register` record,
 * each later one as a `version` record), its ledger entries and its documents, added to w;
 * what was held summed up in held, each register and the version carried listed in
 * held->items (kept by fk_return_keep_items). Only reads: the caller's read snapshot, so that
 * the write lock is free meanwhile; progress (NULL: none) told register by register. */
fk_status fk_return_records(fk_ctx *ctx, const char *code, fk_pkgw *w, fk_return_held *held,
			    fk_progress *progress, fk_error *err);

/* Items [from, from + n) of held written to return_item for request_id (the caller's
 * transaction); written already (a return carried on after an interruption): left as is. */
fk_status fk_return_keep_items(fk_ctx *ctx, int64_t request_id, const fk_return_held *held, int64_t from,
			       int64_t n, fk_error *err);

/* The output number kept for a return while it runs ('return.run.<request_id>' in sealed meta:
 * "serial year recipient-sha256", then each temporary file a run of it opened, one a line), so
 * that a print or export meanwhile takes the next one, a return carried on after an
 * interruption keeps its own, and a return given up (retcancel.h) removes the files its
 * interrupted runs left. tmps: "" or "\nPATH…" (at most FK_RETURN_TMPS_MAX bytes).
 * fk_return_run_get: *found 0 when none is kept; tmps may be NULL. */
#define FK_RETURN_TMPS_MAX 8192
fk_status fk_return_run_set(fk_ctx *ctx, int64_t request_id, int64_t serial, int year,
			    const char *to_sha, const char *tmps, fk_error *err);
fk_status fk_return_run_get(fk_ctx *ctx, int64_t request_id, int64_t *serial, int *year, char to_sha[65],
			    char *tmps, size_t tmps_len, int *found, fk_error *err);
/* The temporary files tmps names removed (after a commit: the return carried out or given up),
 * only names of the form a run makes (".export." in a folder), whatever else a line might read
 * as; tmps is cut into its lines. The number removed; warning (len bytes) gets the first that
 * could not be, if it is "". */
int fk_return_tmps_remove(char *tmps, char *warning, size_t len);
/* Whether municipality code has a register here to return (*any). */
fk_status fk_return_has_registers(fk_ctx *ctx, const char *code, int *any, fk_error *err);

/* The largest serial kept for a return still running (0: none), for fk_output_first_serial. */
fk_status fk_return_run_max(fk_ctx *ctx, int64_t *serial, fk_error *err);

/* Output numbers kept by returns given up (retcancel.h) are void, never handed out again: the
 * largest of them in sealed meta ('output.void.last'), moved only forward (caller's
 * transaction), and read (0: none) by fk_output_first_serial. */
fk_status fk_return_void_note(fk_ctx *ctx, int64_t serial, fk_error *err);
fk_status fk_return_void_max(fk_ctx *ctx, int64_t *serial, fk_error *err);

/* What held says, sealed in meta as 'return.<request_id>' (the caller's transaction). */
fk_status fk_return_keep(fk_ctx *ctx, int64_t request_id, const char *code,
			 const fk_return_held *held, fk_error *err);

#endif
