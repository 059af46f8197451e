/* Deciding whether an approved request may be carried out now (R-APPROVE; docs/approvals.md):
 * the one decision a print (printjob.c) and an export (exportjob.c) share, so that neither can
 * forget a condition. */
#ifndef FK_EXECUTE_H
#define FK_EXECUTE_H

#include <stdint.h>

#include "approve.h"
#include "gate.h"
#include "regver.h"

/* Open op's gate on request id (its object) and read the request into r: FK_OK with the gate
 * open, or refused (no such request: FK_WHY_NOT_FOUND, recorded) or failed, the gate closed. */
fk_status fk_request_open_execution(fk_ctx *ctx, fk_gate *g, fk_op op, int64_t id, fk_request *r,
				    fk_error *err);

/* The request r as it stands must be of kind, this person's, approved, in time (an expiry
 * noticed is recorded), not carried out, and every register at the version it fixed and
 * still allowed to them by g's rule (info[i] gets each register's row). FK_OK: allowed (the
 * gate told so); else refused (recorded) or failed, the gate closed either way. */
fk_status fk_request_decide_execution(fk_ctx *ctx, fk_gate *g, fk_request *r, fk_req_kind kind,
				      fk_reg_info *info, int64_t now, fk_error *err);

/* The first output serial a new job may use (prints and exports share the counter): one past
 * the larger of the key folder's counter and every serial on record, the record's largest
 * checked against its MAC (FK_ERR_TAMPER, naming the row). */
fk_status fk_output_first_serial(fk_ctx *ctx, int64_t *serial, fk_error *err);

#endif
