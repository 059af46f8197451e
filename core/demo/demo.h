/* demo-data: fills a terminal with synthetic registers, ledger entries and documents. */
#ifndef FK_DEMO_H
#define FK_DEMO_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef struct fk_demo_opts {
	int64_t registers;  /* how many registers */
	uint64_t seed;      /* same seed, same content */
	const char *bureau; /* whose municipalities; NULL or "": the configured bureau */
	/* Called now and then (may be NULL). */
	void (*progress)(int64_t done, int64_t total, void *arg);
	void *arg;
} fk_demo_opts;

typedef struct fk_demo_stats {
	int64_t registers, joseki, ledger, docs, persons, events;
	int municipalities;
} fk_demo_stats;

/* Generate and store everything in one transaction: an interruption or a
 * full disk leaves the database as it was. Recorded as one operation. */
fk_status fk_demo_generate(fk_ctx *ctx, const fk_demo_opts *o, fk_demo_stats *stats, fk_error *err);

#endif
