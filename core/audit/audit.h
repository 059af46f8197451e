/* The operation history (R-LOG): the one function every operation is recorded through, and the auditor's query. */
#ifndef FK_AUDIT_H
#define FK_AUDIT_H

#include <stdint.h>

#include "ctx.h"
#include "ops.h"
#include "status.h"

typedef enum fk_result { FK_RESULT_SUCCESS, FK_RESULT_DENIED, FK_RESULT_FAILED } fk_result;

const char *fk_result_id(fk_result r); /* "success" / "denied" / "failed" */

/* Append one record: who (ctx->actor), where (terminal, tty, pid, session),
 * when (UTC ns, monotonic, clock sync state), what (action, object), result,
 * reason (a status name or short code) and detail (sealed: it may name
 * people). Runs inside the caller's transaction when there is one, so the
 * operation and its record commit together or not at all (fail closed).
 * Every record is MAC'd into the chain (audit_chain.h); outside a
 * transaction, an epoch older than an hour is sealed first. */
fk_status fk_audit(fk_ctx *ctx, const char *action, const char *object_type,
		   const char *object_id, fk_result result, const char *reason,
		   const char *detail, fk_error *err);

/* fk_audit under op's name and object type (ops.h): how every step is recorded. */
fk_status fk_audit_op(fk_ctx *ctx, fk_op op, const char *object_id, fk_result result,
		      const char *reason, const char *detail, fk_error *err);

/* Record that an operation failed or was denied with status st (after its
 * own transaction rolled back), in a transaction of its own. err keeps the
 * operation's message; a failure to record is appended to it. Returns st. */
fk_status fk_audit_outcome(fk_ctx *ctx, const char *action, const char *object_type,
			   const char *object_id, fk_status st, fk_error *err);

/* Program start and stop (each program calls them once, after opening and
 * before closing the context). Start seals the epoch left open by whoever
 * wrote last and records "program.start"; stop records "program.stop", seals
 * the epoch with a checkpoint and evolves the key, so the key at rest cannot
 * write into anything already recorded. A refused start means: do not run. */
fk_status fk_audit_start(fk_ctx *ctx, const char *program, fk_error *err);
/* The same with extra facts for the start's detail (the command line's user ids). */
fk_status fk_audit_start_with(fk_ctx *ctx, const char *program, const char *extra, fk_error *err);
fk_status fk_audit_stop(fk_ctx *ctx, const char *program, fk_error *err);

/* For long-running programs' idle loops: seal the epoch once it is older than
 * an hour, even when nothing happens. */
fk_status fk_audit_tick(fk_ctx *ctx, fk_error *err);

/* Right after FK_CTX_INIT: write the initial history key K0 to path (NULL:
 * <key_dir>/../audit-initial-key) for the administrator, and forget it. */
fk_status fk_audit_k0_write(fk_ctx *ctx, const char *path, fk_error *err);

typedef struct fk_audit_row {
	int64_t seq, ts_ns, mono_ns, epoch;
	int clock_synced, kind; /* kind: 0 legacy (unsealed), 1 record, 2 epoch seal */
	char terminal[64], tty[64], session[33], operator_[72], role[16];
	int pid;
	char action[48], object_type[32], object_id[64], result[8], reason[64];
	char *detail;   /* decrypted; NULL when none. Freed by the caller. */
	int detail_bad; /* 1: a detail is stored but does not open (altered) */
} fk_audit_row;

/* The auditor's view: records matching every given criterion. */
typedef struct fk_audit_filter {
	int64_t since_ns, until_ns; /* UTC ns, 0: unbounded; until is exclusive */
	const char *operator_;      /* NULL or "": any; exact user name */
	const char *action;         /* exact, or a dotted prefix: "operator" matches "operator.add" */
	const char *object_type, *object_id, *result;
	int64_t after_seq;  /* page forward: seq > after_seq, oldest first */
	int64_t before_seq; /* > 0: page backward instead: seq < before_seq, newest first */
} fk_audit_filter;

/* At most max rows into out (*n of them). Next page: after_seq = last seq
 * returned (or before_seq, going backward). */
fk_status fk_audit_query(fk_ctx *ctx, const fk_audit_filter *f, fk_audit_row *out, int max,
			 int *n, fk_error *err);

/* Records with seq > after, oldest first, at most max. */
fk_status fk_audit_list(fk_ctx *ctx, int64_t after, fk_audit_row *out, int max, int *n,
			fk_error *err);
void fk_audit_rows_free(fk_audit_row *rows, int n);

#endif
