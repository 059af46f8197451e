/* Before publishing a large package (import.h; R-BATCH-ATOMIC, R-BATCH-RESUME): the sorted
 * lists it fills written as shadows (core/store/order.h) and the staged rows that kept their
 * sort keys removed, in short transactions, so that publishing (publish.h) holds the write
 * lock for a short flip instead of writing every list (issue 10: no console waits more than
 * 200 ms). Nothing written here is visible to any reader before publishing. */
#ifndef FK_INTAKE_PREPUBLISH_H
#define FK_INTAKE_PREPUBLISH_H

#include "pkgrow.h"

/* For each list (municipality, kind) of p that was empty before it and that only p's new
 * registers fill (no other staged change in p): its shadow written from the sort keys the
 * staging kept, unless a run before wrote it whole; then, once every such shadow is whole,
 * the new registers' staged rows removed. Any other list the package changes in at least
 * fk_prepublish_whole_min places (amendments that move registers, removals, new registers into a
 * kept list): its whole shadow, every register it will hold sorted by the keys of the version
 * the package gives it (decrypted here, outside any write transaction), so that publishing
 * puts it in place instead of moving each register under the write lock. *max_ns gets the
 * longest of its transactions (a benchmark's figure). Each step a transaction of its own, bounded in
 * time, on record (reason "listing", oid names the package). Resumable: a step undone by a
 * crash is done again; a shadow found short is written again from its start. A list that
 * does not qualify is left to publishing, as before. */
fk_status fk_prepublish(fk_ctx *ctx, const fk_pkgrow *p, const char *oid, int64_t *max_ns,
			fk_error *err);

/* The folder a bounded sort's temporary file goes to: the database's (SQLite), else the
 * working directory. */
void fk_prepublish_sort_dir(fk_ctx *ctx, char *dir, size_t size);

/* Test hook: when > 0, fk_prepublish fails (FK_ERR_INTERNAL) after this many of its
 * transactions have committed, as a crash between them would leave the store. */
extern int fk_prepublish_stop_after;
/* A kept list is written whole ahead once the package changes this many of its places
 * (default 16); a test sets it to 1 or to a large number to turn the whole shadows off. */
extern int fk_prepublish_whole_min;
/* Staged rows removed per step at most (also at most 40 ms of work): a test sets it small. */
extern int fk_prepublish_batch;
/* A step's time budget (40 ms; at least one batch a step whatever it says): tests that count
 * steps set it out of reach, and 0 to stand for a server whose steps' start takes it all. */
extern int64_t fk_prepublish_step_ns;

#endif
