/* Sorting search tags with their register ids, (tag, id) as the index orders them, in bounded
 * memory, for packages of any size (issue 10: 1,000,000 registers, some 14,000,000 tags, in
 * 64 MB). Up to mem bytes are sorted in memory; beyond that, sorted runs go to an unnamed
 * temporary file (O_TMPFILE, 0600, in the folder given: gone when closed or at a crash) and
 * are merged. The runs are not sealed, unlike ordersort.h's sort keys: a tag is an HMAC and
 * says nothing without the index key, and the pairs are what the search index itself holds
 * in the database. */
#ifndef FK_TAGSORT_H
#define FK_TAGSORT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "status.h"

typedef struct fk_tagsort fk_tagsort;

fk_status fk_tagsort_new(const char *dir, size_t mem, fk_tagsort **out, fk_error *err);
fk_status fk_tagsort_add(fk_tagsort *o, const uint8_t tag[FK_BLIND_LEN], int64_t id, fk_error *err);
/* After the last add: the next pair in order; *got 0 at the end. */
fk_status fk_tagsort_next(fk_tagsort *o, uint8_t tag[FK_BLIND_LEN], int64_t *id, int *got,
			  fk_error *err);
/* How many pairs were added, and how many runs went to the file (0: all in memory). */
size_t fk_tagsort_count(const fk_tagsort *o);
int fk_tagsort_runs(const fk_tagsort *o);
void fk_tagsort_free(fk_tagsort *o);

#endif
