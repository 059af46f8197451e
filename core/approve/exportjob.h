/* Carrying out an approved export (R-PRINT 8(3), R-APPROVE; docs/approvals.md,
 * docs/package-format.md §13): the registers the request fixed, at their versions, as one
 * fukuhon package signed with the terminal's receiving key and encrypted to the recipient's
 * certificate, under a new output number from the counter prints use. */
#ifndef FK_EXPORTJOB_H
#define FK_EXPORTJOB_H

#include <stdint.h>

#include "approve.h"

typedef struct fk_export_result {
	char number[48];     /* bureau id / year / serial */
	char path[1024];     /* the package written */
	char sha256[65];     /* of the file */
	int registers, chunks;
	int64_t bytes;       /* of the file */
	int64_t ms;          /* how long it took */
	char warning[512];   /* "" or what the operator should pass on */
} fk_export_result;

/* Carry out approved export request id to the recipient certificate in to_pem (PEM; valid
 * now, an RSA key usable for encryption, else refused and recorded: FK_WHY_INVALID), writing
 * the package as out_path (its folder must exist; an existing file is never replaced:
 * FK_ERR_EXISTS). The same conditions as a print (execute.h). The package is written to a
 * temporary name beside out_path (0600), fsynced, recorded (export_output, export.package)
 * with the execution in one transaction, and linked into place after the commit. A write that
 * fails (a full disk: FK_ERR_FULL) leaves no file and consumes no number. */
fk_status fk_export_execute(fk_ctx *ctx, int64_t id, const char *to_pem, const char *out_path,
			    fk_export_result *out, fk_error *err);

/* Carry out approved return request id (a whole municipality, R-DISPOSE 8(1)ク) as an export
 * is carried out, to the municipality's own certificate in to_pem: it must chain to a municipal
 * CA of the trust store and carry the municipality's code (else refused: FK_WHY_INVALID). The
 * package holds every register of the municipality with every version, its ledger entries and
 * documents (returnjob.h); numbered and recorded like an export (export_output, return.package),
 * and what it held kept for the disposal that may follow. out->registers: registers carried. */
fk_status fk_return_execute(fk_ctx *ctx, int64_t id, const char *to_pem, const char *out_path,
			    fk_export_result *out, fk_error *err);

/* fk_export_execute (kind FK_REQ_EXPORT) or fk_return_execute (FK_REQ_RETURN), telling
 * progress (NULL: nobody) register by register as the package is written. */
fk_status fk_export_carry_out(fk_ctx *ctx, int64_t id, fk_req_kind kind, const char *to_pem,
			      const char *out_path, fk_progress *progress, fk_export_result *out,
			      fk_error *err);

/* Where a package named name goes in export_folder (fukuhon.conf(5)), as path: the console
 * writes exports and returns there only, never where an operator names. name is a file name
 * alone (letters, digits, '.', '-', '_'; not starting with '.'; 1..100 bytes: else
 * FK_ERR_INVALID), the folder the service account's with mode 0700 (fk_check_service_folder). */
fk_status fk_export_folder_path(const fk_ctx *ctx, const char *name, char *path, size_t len,
				fk_error *err);

/* Records a chunk holds in an export (tests make it small to have many chunks). */
extern int64_t fk_export_chunk_records;
/* A return keeps what its package held in steps of this many registers, each a short
 * transaction (exportjob.c); the test hook is called inside each step's transaction (its
 * 1-based number), so that a test can kill the process there. */
extern int fk_return_step_registers;
extern void (*fk_return_test_hook)(int step);

#endif
