/* Carrying out an approved print (R-PRINT, R-APPROVE; docs/approvals.md): the 全部事項証明 of
 * each register the request fixed, as a PDF in the print spool under a new output number. */
#ifndef FK_PRINTJOB_H
#define FK_PRINTJOB_H

#include <stdint.h>

#include "approve.h"

/* One copy written. */
typedef struct fk_print_copy {
	int64_t register_id;
	int version, pages;
	char number[48];   /* bureau id / year / serial */
	char path[1024];   /* in the print spool; "" once the printer took it (print_queue) */
	char sha256[65];   /* of the file */
	int printer_job;   /* the printer's job id (print_queue); 0: not sent */
} fk_print_copy;

typedef struct fk_print_result {
	int n;
	fk_print_copy *copies; /* n, freed by fk_print_result_free */
	int64_t ms;            /* how long it took */
	char warning[512];     /* "" or what the operator should pass on (the counter's file) */
	/* With print_queue: copies the printer took, and those it did not (the last unsent ones,
	 * recorded and left in the spool), with its words (or libcups's) for why. */
	int sent, unsent;
	char printer_said[96];
} fk_print_result;

void fk_print_result_free(fk_print_result *r);

/* Carry out approved print request id: by its requester only (FK_WHY_NOT_REQUESTER), once
 * (FK_WHY_EXECUTED), within its approval (FK_WHY_NOT_APPROVED, FK_WHY_APPROVAL_EXPIRED: the
 * expiry recorded too), of exactly the versions it fixed (FK_WHY_REGISTER_CHANGED,
 * FK_WHY_REGISTER_GONE), with the print right still granted on each. One PDF per register
 * (fk_cert_lines' layout, core/print/pdf.h) is written to the print spool under a new output
 * number; each copy recorded (print.copy) in the transaction that records the execution, and
 * renamed into place only once that is committed. A spool that cannot be written, or a disk
 * that fills, fails the whole job: no file left, no number consumed, the failure recorded.
 * With print_queue (fukuhon.conf(5)) the printer is asked first whether it takes jobs (a
 * printer not there or refusing fails the job the same way: FK_MSG_PRINTER_REFUSED); after the
 * commit each copy is sent to it (print.send recorded with the printer's job id) and leaves
 * the spool; one the printer does not take stays in the spool, recorded (out->unsent). */
fk_status fk_print_execute(fk_ctx *ctx, int64_t id, fk_print_result *out, fk_error *err);

/* What the printer did with the copy numbered number (of print request_id; resend: sent again
 * from the spool, resend.h), on record as print.send in a transaction of its own: its job id
 * and sha256 (sent FK_OK), or why it did not take it (why). When that cannot be recorded, the
 * returned status says so and warning (len bytes) what to pass on. */
fk_status fk_print_record_send(fk_ctx *ctx, const char *number, int64_t request_id, int resend,
			       int printer_job, const char *sha256, fk_status sent, const fk_error *why,
			       char *warning, size_t len);

/* Tests only: the PDF writer fails with ENOSPC after this many bytes (0: never). */
extern long fk_print_test_fail_after;


#endif
