/* The four-eyes workflow (R-APPROVE, R-PRINT; docs/approvals.md): an operator asks to print,
 * export, dispose of or return registers, saying why; a supervisor of the same bureau who is
 * not the requester approves or rejects it, saying why; the approval is valid for
 * approval_valid (fukuhon.conf(5)) and for exactly the registers and versions fixed when the
 * request was made; the requester carries it out once. Every step is an operation of the
 * operation table (ops.h) through the one gate, and every request a sealed row (core/trust).
 *
 * This part builds the requests of every kind and the carrying out of a print
 * (approve_print.c); exports, returns and disposals are requested and decided here and carried
 * out by the parts that come later (issue 12). */
#ifndef FK_APPROVE_H
#define FK_APPROVE_H

#include <stdint.h>

#include "ctx.h"
#include "gate.h"
#include "status.h"

typedef enum fk_req_kind {
	FK_REQ_PRINT = 1,
	FK_REQ_EXPORT,
	FK_REQ_DISPOSE,
	FK_REQ_RETURN, /* a municipality's data returned to it on its request (R-DISPOSE, 8(1)ク) */
	FK_REQ_DISPOSE_MUNI, /* every register, ledger entry and document of a municipality */
} fk_req_kind;

typedef enum fk_req_state {
	FK_REQ_WAITING = 1, /* for a supervisor's decision */
	FK_REQ_APPROVED,    /* until valid_until, for the requester to carry out once */
	FK_REQ_REJECTED,
	FK_REQ_EXPIRED,     /* approved, not carried out in time (recorded when noticed) */
	FK_REQ_EXECUTED,
	FK_REQ_RUNNING,     /* a municipality's disposal begun, in short transactions: carrying it
			     * out again continues it (it never expires half-done) */
	FK_REQ_CANCELLED,   /* a return given up while running (retcancel.h): never carried out,
			     * never followed by the municipality's disposal */
} fk_req_state;

/* Registers in one request. An export or a return is written as one package while the job
 * holds the terminal's write lock from the decision to the record (nothing may change under
 * it), so its bound is the lock's time: 10,000 registers take about 1 s (docs/approvals.md).
 * A print renders a PDF per register (up to 200 ms each) and a disposal erases each under the
 * same lock, so theirs stays at 1,000. FK_REQ_ITEMS_MAX is the largest of them. */
#define FK_REQ_ITEMS_MAX 10000
#define FK_REQ_ITEMS_MAX_PRINT 1000
int fk_req_items_max(fk_req_kind k); /* the bound of a request of kind k */
#define FK_REQ_REASON_MAX 400 /* bytes of a reason */

const char *fk_req_kind_id(fk_req_kind k);   /* "print" … ; "?" when unknown */
int fk_req_kind_parse(const char *s);        /* 0 when unknown */
const char *fk_req_state_id(fk_req_state s); /* "waiting" … */

/* How far a long job has come (the console shows it while an export or a return runs): fn
 * gets done of total, at most every 100 ms and once when done reaches total. It is called
 * inside the job's transaction (a return's: its read snapshot): it may draw, never use the
 * store. */
typedef struct fk_progress {
	void (*fn)(void *arg, int64_t done, int64_t total);
	void *arg;
	int64_t last_ms; /* fk_progress_tell's own */
} fk_progress;

/* Tell p (NULL: nobody) that done of total are done. */
void fk_progress_tell(fk_progress *p, int64_t done, int64_t total);

/* A register as a request fixes it. */
typedef struct fk_req_item {
	int64_t register_id;
	int version;
} fk_req_item;

typedef struct fk_request {
	int64_t id;
	fk_req_kind kind;
	fk_req_state state;
	int64_t bureau_id;
	int64_t requester_id;
	char requester[72];
	char reason[FK_REQ_REASON_MAX + 1];
	int64_t created_at;
	char decided_by[72]; /* "" while waiting */
	char decision_reason[FK_REQ_REASON_MAX + 1];
	int64_t decided_at, valid_until, executed_at; /* 0: none */
	int n_items;
	fk_req_item *items; /* n_items, owned by the row (fk_request_clear) */
	/* A request that names a municipality instead of registers (a return, a municipality's
	 * disposal; n_items 0): its code, and for a disposal after a return, the return's id. */
	char municipality[7];
	int64_t after_return;
} fk_request;

void fk_request_clear(fk_request *r);

/* Make a request of kind for the registers ids (1..fk_req_items_max(kind), no repeats) with reason
 * (one line, 1..FK_REQ_REASON_MAX bytes): decided register by register by the grant rule
 * (the right the kind needs, on each register's municipality and kind); their current versions
 * are fixed in it. FK_ERR_DENIED (recorded, err->reason) names the first register refused.
 * *id: the request's number. */
fk_status fk_request_make(fk_ctx *ctx, fk_req_kind kind, const int64_t *ids, int n,
			  const char *reason, int64_t *id, fk_error *err);

/* Make a request of kind FK_REQ_RETURN or FK_REQ_DISPOSE_MUNI for the whole municipality code
 * (6 digits), with reason. Decided by the grant rule on each of the municipality's four kinds
 * (a return: the export right; a disposal: the dispose right); a municipality outside the
 * bureau is refused like one that does not exist (R-JURIS). after_return (a disposal only; 0:
 * none) names the return it follows: it must be of the same municipality and carried out
 * (FK_WHY_NOT_RETURNED otherwise), and the disposal then covers exactly what the return held. */
fk_status fk_request_make_municipality(fk_ctx *ctx, fk_req_kind kind, const char *code,
				       int64_t after_return, const char *reason, int64_t *id,
				       fk_error *err);

/* Approve (approve 1) or reject request id, with reason: a supervisor of the request's bureau
 * who is not its requester (FK_WHY_OWN_REQUEST, FK_WHY_JURISDICTION), a request still waiting
 * (FK_WHY_NOT_WAITING). An approval is valid from now for the configured approval_valid. */
fk_status fk_request_decide(fk_ctx *ctx, int64_t id, int approve, const char *reason,
			    fk_error *err);

/* Which requests a list shows. */
typedef enum fk_req_filter {
	FK_REQ_LIST_DEFAULT, /* a supervisor: the bureau's; anyone else: their own */
	FK_REQ_LIST_MINE,    /* the person's own */
	FK_REQ_LIST_WAITING, /* waiting for a decision (a supervisor: the bureau's; else own) */
} fk_req_filter;

/* The requests the acting person may see, newest first, at most limit (1..1000), each
 * handed to cb (the row valid during the call; non-zero stops). Approvals found expired are
 * marked and recorded (request.expire) as they are met. Recorded as request.list. */
typedef int (*fk_request_fn)(const fk_request *r, void *arg);
fk_status fk_request_list(fk_ctx *ctx, fk_req_filter f, int limit, fk_request_fn cb, void *arg,
			  fk_error *err);
/* How many requests of the acting supervisor's bureau are waiting (0 for anyone else), for a
 * home screen's count. Decided and recorded as request.list (target "waiting-count"). */
fk_status fk_request_waiting_count(fk_ctx *ctx, int64_t *n, fk_error *err);

/* ---- for the steps that carry a request out (printjob.h), inside their gate ---- */

/* Request id as stored, checked against its MAC; FK_ERR_NOTFOUND when there is none. No
 * decision and no record: the caller's gate has both. */
fk_status fk_request_get(fk_ctx *ctx, int64_t id, fk_request *r, fk_error *err);
/* An approval past its time, noticed now (at, UTC ns): marked expired and recorded
 * (request.expire) in the caller's transaction. */
fk_status fk_request_note_expired(fk_ctx *ctx, fk_request *r, int64_t at, fk_error *err);
/* Mark an approved (or running) request carried out at at (in the caller's transaction;
 * sealed). */
fk_status fk_request_mark_executed(fk_ctx *ctx, fk_request *r, int64_t at, fk_error *err);
/* The right g's operation needs, decided on each of municipality code's four kinds of file
 * (outside the bureau: refused like one that does not exist). FK_OK: allowed; else refused
 * (recorded) or failed, the gate closed. */
fk_status fk_request_decide_municipality(fk_ctx *ctx, fk_gate *g, const char *code, fk_error *err);
/* Mark an approved request running (a municipality's disposal begun; caller's transaction). */
fk_status fk_request_mark_running(fk_ctx *ctx, fk_request *r, int64_t at, fk_error *err);
/* Mark a running request cancelled (a return given up; caller's transaction; sealed). */
fk_status fk_request_mark_cancelled(fk_ctx *ctx, fk_request *r, fk_error *err);
/* A return of municipality code that holds it (*id: its request; 0: none): one running, or —
 * running_only 0 — one carried out whose disposal after it has been asked for and is not carried
 * out yet (a dispose-municipality request naming it, waiting, approved or running): a register
 * of the municipality disposed of meanwhile would make what the return held wrong, and its
 * disposal. The return's row is checked against its MAC. */
fk_status fk_request_return_holding(fk_ctx *ctx, const char *code, int running_only, int64_t *id,
				    fk_error *err);
/* In gate g: refused FK_WHY_RETURN_RUNNING (recorded; the gate closed) when a return holds
 * municipality code (fk_request_return_holding), failed likewise; FK_OK otherwise. */
fk_status fk_request_refuse_held(fk_ctx *ctx, fk_gate *g, const char *code, int running_only, fk_error *err);
/* A reason as every step takes one: 1..FK_REQ_REASON_MAX bytes of UTF-8, one line. */
fk_status fk_request_check_reason(const char *reason, fk_error *err);
/* The acting person's bureau as their row says now (checked against its MAC). */
fk_status fk_request_actor_bureau(fk_ctx *ctx, int64_t *bureau, fk_error *err);

#endif
