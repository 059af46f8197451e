/* A large package's new registers' search tags, put into the index after its last chunk
 * (import.h; issue 10, R-BATCH-ATOMIC, R-BATCH-RESUME). Staged part by part, each part's tags
 * landed on leaves all over the index's B-tree (ordered by HMAC tag), so that at 1,000,000
 * registers every part rewrote some 5,000 leaf pages through the WAL: about 70 % of what the
 * import wrote. Kept instead with each new register's staged row (sealed, tags_new), they are
 * sorted over the whole package in bounded memory (core/store/tagsort.h) and inserted in the
 * index's order, so each leaf is written about once per package. */
#ifndef FK_INTAKE_TAGMERGE_H
#define FK_INTAKE_TAGMERGE_H

#include "pkgrow.h"

/* The tags of p's new registers (staged rows of change 3; each row checked against its MAC
 * as it is read, outside any write transaction) sorted and inserted, each step a
 * transaction of its own bounded in time, on record (reason "indexing", oid names the
 * package). The package's row keeps the position reached (lines_staged, unused once every
 * chunk is staged; -1 when every tag is in), so a resume after a crash sorts again and goes
 * on after the last committed step. Nothing it writes is visible before publishing: the
 * registers lie above the package's watermark (visible.h). *max_ns gets the longest step. */
fk_status fk_tagmerge(fk_ctx *ctx, fk_pkgrow *p, const char *oid, int64_t *max_ns, fk_error *err);

/* Test hook: when > 0, fk_tagmerge fails (FK_ERR_INTERNAL) after this many of its steps have
 * committed, as a crash between them would leave the store. */
extern int fk_tagmerge_stop_after;
/* Test hook: when > 0, each step inserts at most this many tags (else only its time bounds it). */
extern int fk_tagmerge_step_tags;
/* A step's time budget (40 ms; at least one batch of 256 a step whatever it says): 0 stands
 * for a machine so busy that a step's start takes it all (a test). */
extern int64_t fk_tagmerge_step_ns;

#endif
