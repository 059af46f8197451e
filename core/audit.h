/* The operation history (R-LOG): the one function every operation is recorded through. */
#ifndef FK_AUDIT_H
#define FK_AUDIT_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef enum fk_result { FK_RESULT_SUCCESS, FK_RESULT_DENIED, FK_RESULT_FAILED } fk_result;

const char *fk_result_id(fk_result r); /* "success" / "denied" / "failed" */

/* Append one record: who (ctx->actor), where (terminal, tty, pid, session),
 * when (UTC ns, monotonic, clock sync state), what (action, object), result,
 * reason (a status name or short code) and detail (sealed: it may name
 * people). Runs inside the caller's transaction when there is one, so the
 * operation and its record commit together or not at all (fail closed). */
fk_status fk_audit(fk_ctx *ctx, const char *action, const char *object_type,
		   const char *object_id, fk_result result, const char *reason,
		   const char *detail, fk_error *err);

/* Record that an operation failed or was denied with status st (after its
 * own transaction rolled back), in a transaction of its own. err keeps the
 * operation's message; a failure to record is appended to it. Returns st. */
fk_status fk_audit_outcome(fk_ctx *ctx, const char *action, const char *object_type,
			   const char *object_id, fk_status st, fk_error *err);

typedef struct fk_audit_row {
	int64_t seq, ts_ns, mono_ns;
	int clock_synced;
	char terminal[64], tty[64], session[33], operator_[72], role[16];
	int pid;
	char action[48], object_type[32], object_id[64], result[8], reason[64];
	char *detail; /* decrypted; NULL when none. Freed by the caller. */
} fk_audit_row;

/* Records with seq > after, oldest first, at most max. */
fk_status fk_audit_list(fk_ctx *ctx, int64_t after, fk_audit_row *out, int max, int *n,
			fk_error *err);
void fk_audit_rows_free(fk_audit_row *rows, int n);

#endif
