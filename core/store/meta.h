/* Terminal-wide facts in the meta table (terminal id, keys in use, mode), each row sealed. */
#ifndef FK_META_H
#define FK_META_H

#include <stddef.h>

#include "ctx.h"
#include "status.h"

/* The value of key, its row checked against its MAC. FK_ERR_NOTFOUND when absent. */
fk_status fk_meta_get(fk_ctx *ctx, const char *key, char *buf, size_t len, fk_error *err);
/* Set key (in a write transaction; the row is sealed). */
fk_status fk_meta_set(fk_ctx *ctx, const char *key, const char *value, fk_error *err);

#endif
