/* Sorting a list's (id, sort key) pairs as the list orders them (order.h: the key's bytes,
 * then the id) in bounded memory, for lists of any length (issue 10: 1,000,000 registers in
 * 64 MB). Up to mem bytes are sorted in memory; beyond that, sorted runs are spilled to an
 * unnamed temporary file (O_TMPFILE, 0600, in the folder given: gone when closed or at a
 * crash) in blocks sealed under a key made for this sort alone and never stored (sort keys
 * are names in sort form), then merged. Memory wiped as it is freed. */
#ifndef FK_ORDERSORT_H
#define FK_ORDERSORT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct fk_ordersort fk_ordersort;

fk_status fk_ordersort_new(const char *dir, size_t mem, fk_ordersort **out, fk_error *err);
/* One pair (key of len bytes, no NUL inside). */
fk_status fk_ordersort_add(fk_ordersort *o, int64_t id, const char *key, size_t len, fk_error *err);
/* After the last add: the next ids in order, up to max (*n < max only at the end). */
fk_status fk_ordersort_next(fk_ordersort *o, int64_t *ids, size_t max, size_t *n, fk_error *err);
/* How many pairs were added, and how many runs went to the file (0: all in memory). */
size_t fk_ordersort_count(const fk_ordersort *o);
int fk_ordersort_runs(const fk_ordersort *o);
void fk_ordersort_free(fk_ordersort *o);

#endif
