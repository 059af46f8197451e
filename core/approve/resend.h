/* Sending again a printed copy the printer did not take (R-PRINT 8(3), R-APPROVE;
 * docs/approvals.md): the PDF left in the spool under its output number goes to print_queue
 * as that same copy — same number, same bytes (its SHA-256 checked against the record) —
 * counted as a re-send of it (print.resend), never as a new print. */
#ifndef FK_RESEND_H
#define FK_RESEND_H

#include <stdint.h>

#include "approve.h"

typedef struct fk_resend_result {
	char number[48];    /* the copy's output number */
	int64_t request_id; /* the print it belongs to */
	int printer_job;    /* the printer's job id */
	char warning[256];  /* "" or what the operator should pass on */
} fk_resend_result;

/* Send again the copy with output number (bureau/year/serial) to print_queue. Decided and
 * recorded as print.resend: only by the requester of the print it belongs to (who carried
 * it out: FK_WHY_NOT_REQUESTER), within that approval's validity (FK_WHY_APPROVAL_EXPIRED),
 * with the print right still granted on its register (the grant rule; a register disposed
 * of: FK_WHY_REGISTER_GONE), of a copy still in the spool exactly as recorded (an unknown
 * number or one the printer took: FK_WHY_NOT_FOUND; other bytes: FK_WHY_TAMPERED). The
 * printer is asked first (FK_MSG_PRINTER_REFUSED); the copy is sent after the commit, the
 * send recorded as print.send, and the copy leaves the spool once the printer took it. */
fk_status fk_print_resend(fk_ctx *ctx, const char *number, fk_resend_result *out, fk_error *err);

/* A copy left in the spool, as fk_print_spooled finds it. */
typedef enum fk_spool_state {
	FK_SPOOL_WAITING = 1, /* under its own name: the printer did not take it */
	FK_SPOOL_INTERRUPTED, /* claimed by a re-send that died while sending (its lock free):
			       * the operator sends it again */
	FK_SPOOL_SENDING,     /* being sent now by another terminal or command */
} fk_spool_state;

typedef struct fk_spooled {
	char number[48];
	fk_spool_state state;
} fk_spooled;

const char *fk_spool_state_id(fk_spool_state s); /* "waiting", "interrupted", "sending" */

/* The copies (at most max) of print request id still in the spool exactly as recorded, by
 * serial: *n of them. Only the requester's own (others: *n = 0); nothing is recorded (the
 * request's own list is). */
fk_status fk_print_spooled(fk_ctx *ctx, int64_t id, fk_spooled *copies, int max, int *n,
			   fk_error *err);

/* Tests only: non-zero, the printer is not asked and takes every copy as job 1 (the gate's
 * walk of every operation, tests/test_gate.c, has no printer; tests/print_ipp.sh uses a real one). */
extern int fk_print_resend_test_printer;

#endif
