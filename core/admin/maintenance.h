/* Maintenance operations of the administrator: rebuilding the register lists' sort orders. */
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

#endif
