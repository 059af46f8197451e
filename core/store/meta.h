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
/* Remove key (in a write transaction; its row checked against its MAC and taken out of the
 * table's digest). *removed (if not NULL): 1 when there was one. */
fk_status fk_meta_del(fk_ctx *ctx, const char *key, int *removed, fk_error *err);

/* The terminal's mode, fixed when it was created: "production" (also for a terminal from
 * before modes), "test" or "demo". Test and demo terminals alone accept synthetic data and
 * the test sign-in of the command line (R-TEST-ENV). The row is sealed: a database edit
 * cannot make a production terminal a test one. */
#define FK_MODE_PRODUCTION "production"
#define FK_MODE_TEST "test"
#define FK_MODE_DEMO "demo"
fk_status fk_terminal_mode(fk_ctx *ctx, char *buf, size_t len, fk_error *err);
/* 1 for a test or demo terminal; 0 otherwise, and whenever the mode cannot be read. */
int fk_terminal_is_test(fk_ctx *ctx);

#endif
