/* Maintenance operations of the administrator: rebuilding the register lists' sort orders and
 * the search index's tags. */
#ifndef FK_MAINTENANCE_H
#define FK_MAINTENANCE_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

/* fukuhonctl reindex (administrators): the sort orders of muni (NULL: of every municipality
 * whose lists are out of step, or of all with all = 1) rebuilt, each list recorded as
 * maintenance.reindex. */
fk_status fk_reindex(fk_ctx *ctx, const char *muni, int all, int64_t *lists, int64_t *registers,
		     fk_error *err);

/* fukuhonctl reindex --tags (administrators): every register's search tags recomputed from
 * its content and those the index lacks added (core/store/retag.h), in steps of at most batch
 * registers, each recorded as maintenance.reindex-tags; run again after an interruption, it
 * goes on where it stopped. *registers read and *added tags, this run's. */
fk_status fk_reindex_tags(fk_ctx *ctx, int batch, int64_t *registers, int64_t *added, fk_error *err);

#endif
