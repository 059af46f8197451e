/* The search index's tags recomputed from every register's decrypted content (issue 11's
 * leftover: registers stored before a tag existed, such as the town of 本籍, lack it). */
#ifndef FK_RETAG_H
#define FK_RETAG_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

/* Where an unfinished pass stands: a sealed meta row holding the id of the last register
 * done ("0" once a pass is complete), so that a pass stopped anywhere goes on after it. */
#define FK_RETAG_META "reindex.tags.after"

/* Called in each step's transaction, after its registers: the step's record (first and last
 * register id, registers read, tags added). */
typedef fk_status (*fk_retag_step_fn)(fk_ctx *ctx, int64_t first, int64_t last, int64_t registers,
				      int64_t added, void *arg, fk_error *err);

/* Every register not disposed of, by id from where an unfinished pass stopped: its current
 * version decrypted, its tags computed (fk_store_tags) and those the index lacks added. In
 * steps of at most batch registers and about 40 ms, each a write transaction of its own that
 * moves the meta row and calls step (consoles wait for the lock between steps). Tags the
 * content no longer gives are not looked for: the index has no order by register to find
 * them in, and publishing swaps a changed register's tags already. FK_ERR_BUSY while a
 * package stages. *registers and *added: this run's. */
fk_status fk_retag(fk_ctx *ctx, int batch, fk_retag_step_fn step, void *arg, int64_t *registers,
		   int64_t *added, fk_error *err);

/* Tests: stop with FK_ERR_INTERNAL after this many steps (0: never). */
extern int fk_retag_stop_after;

#endif
