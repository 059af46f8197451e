/* The terminal's state at a glance: counts, schema, keys, database integrity (R-DETECT, first part). */
#ifndef FK_HEALTH_H
#define FK_HEALTH_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef struct fk_health {
	char terminal_id[64];
	unsigned schema_version;
	uint32_t master_key_id;
	unsigned master_keys;     /* > 1 while a rotation is unfinished */
	int64_t pending_rewrap;   /* data keys still under an old master key */
	int64_t bureaus, municipalities, operators, registers, joseki, versions;
	int64_t ledger, documents, history;
	int clock_synced;
	int integrity_checked;    /* quick_check was run */
	char integrity[128];      /* "ok" or SQLite's first complaint */
} fk_health;

/* Gather the figures; with check, also run PRAGMA quick_check (slow on a
 * large database). */
fk_status fk_health_get(fk_ctx *ctx, int check, fk_health *h, fk_error *err);

#endif
