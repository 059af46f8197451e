/* A whole municipality disposed of (R-DISPOSE 8(1)カ, ク; R-APPROVE; docs/disposal.md): every
 * register crypto-erased (its data key destroyed, its versions' content emptied, marked
 * disposed of), its search tags, sorted lists, ledger entries and documents removed, and the
 * municipality's own key destroyed, on an approved request of kind dispose-municipality.
 *
 * 100,000 registers cannot be one transaction without stopping every console for a minute:
 * the work runs in short transactions (a batch of registers, a range of search tags, a batch
 * of ledger rows), each recorded (dispose-municipality.batch). The request is 'running' from
 * the first to the last; a run that dies (kill -9, a power cut) leaves it so, and carrying it
 * out again continues where the database stands. The key folder's ledger gets one record for
 * the municipality before the first batch commits, so that a restored older backup is disposed
 * of again at open (disposejob.h, fk_disposal_reapply). */
#ifndef FK_MUNIDISPOSE_H
#define FK_MUNIDISPOSE_H

#include <stdint.h>

#include "approve.h"
#include "disposal.h"

typedef struct fk_muni_dispose_result {
	char municipality[7];
	int resumed;        /* 1: an earlier run had begun it */
	int64_t registers;  /* disposed of by this run */
	int64_t versions;   /* whose content was emptied */
	int64_t tags, ledger, documents, lists; /* rows removed */
	int batches;        /* transactions (each recorded) */
	int64_t ms, worst_batch_ms;
	char worst_step[12]; /* the step of the longest: "begin", "registers", "tags", "rows" */
	int64_t ms_registers, ms_tags; /* the two long parts */
	char warning[512];  /* "" or what the administrator should know (the WAL not emptied) */
} fk_muni_dispose_result;

/* Carry out (or continue) approved request id of kind dispose-municipality: by its requester,
 * within its approval when it begins (a running one continues whatever the time), with the
 * dispose right on each of the municipality's kinds, no package being imported; after a return
 * (the request names one), only if the municipality holds exactly what the return held
 * (FK_WHY_NOT_AS_RETURNED, naming the counts added or amended since). */
fk_status fk_muni_dispose_execute(fk_ctx *ctx, int64_t id, fk_muni_dispose_result *out, fk_error *err);

/* Registers the first batch disposes of; later batches take more or fewer so that each
 * transaction lasts about fk_muni_batch_ms (0: always fk_muni_batch_registers; tests). */
extern int fk_muni_batch_registers;
extern int fk_muni_batch_ms;
/* Tests only: called after each batch's work, before its commit (a test kills the process
 * there to leave a half-done disposal). */
extern void (*fk_muni_test_batch_hook)(int batch);

/* For fk_disposal_reapply, in its transaction: the municipality record e applied again to
 * a database that came back from before it: the municipality's key destroyed, its lists,
 * ledger and documents removed, and every register of it up to e->register_id disposed of.
 * *n: registers disposed of again (each is recorded by the caller's summary). */
fk_status fk_muni_reapply(fk_ctx *ctx, const fk_disposal_entry *e, int64_t now, int64_t *n,
			  fk_error *err);

#endif
