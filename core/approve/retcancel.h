/* A municipality's return given up (R-APPROVE, R-DISPOSE 8(1)ク, R-PRINT 8(3);
 * docs/disposal.md): a return interrupted part-way (kill -9, a power cut) stays running and
 * could only be carried on; its requester or a supervisor of its bureau may instead give it up,
 * with a reason. The request then ends cancelled — never carried out, never followed by the
 * municipality's disposal (FK_WHY_RETURN_CANCELLED) —, the output number it kept is void
 * (recorded, never handed out again), what it kept (sealed meta 'return.run.<id>' and
 * 'return.<id>', its return_item rows) is released in the same recorded transaction, and the
 * temporary files its runs left are removed after the commit. */
#ifndef FK_RETCANCEL_H
#define FK_RETCANCEL_H

#include <stdint.h>

#include "approve.h"

typedef struct fk_return_cancel_result {
	char number[48];     /* the output number made void ("" when none was kept) */
	char municipality[7];
	int64_t items;       /* return_item rows released */
	int files;           /* temporary files removed */
	char warning[320];   /* "" or what the administrator should know */
} fk_return_cancel_result;

/* Give up return request id with reason (one line). Decided and recorded as return.cancel:
 * refused for a request of another bureau (FK_WHY_JURISDICTION), by someone who is neither its
 * requester nor a supervisor (FK_WHY_NOT_REQUESTER_NOR_SUPERVISOR), for a request that is not
 * a return running (FK_WHY_NOT_RUNNING), for no such request (FK_WHY_NOT_FOUND). */
fk_status fk_return_cancel(fk_ctx *ctx, int64_t id, const char *reason, fk_return_cancel_result *out,
			   fk_error *err);

#endif
