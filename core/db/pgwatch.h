/* PostgreSQL's stand-in for SQLite's PRAGMA data_version: has any transaction but ours completed since a point? */
#ifndef FK_PGWATCH_H
#define FK_PGWATCH_H

#include <stdint.h>

#include "ctx.h"

#define FK_PG_WATCH_XIP 64 /* transactions in progress kept; more: the snapshot is not kept */
#define FK_PG_WATCH_OWN 16 /* our own transactions since the mark */

/* A snapshot (pg_current_snapshot()): every transaction id below xmax and not in xip has
 * completed, committed or aborted. */
typedef struct fk_pg_snap {
	uint64_t xmax;
	uint64_t xip[FK_PG_WATCH_XIP];
	int nxip;   /* -1: too many to keep */
	uint64_t xid; /* the reading transaction's id, 0: none */
} fk_pg_snap;

typedef struct fk_pg_watch {
	int valid;          /* 0: never marked, or forgotten */
	fk_pg_snap mark;    /* the state last checked */
	uint64_t own[FK_PG_WATCH_OWN]; /* ids of this terminal's transactions since */
	int nown;           /* -1: too many to keep */
} fk_pg_watch;

/* The current snapshot. Inside a transaction, also gives it an id now (pg_current_xact_id:
 * its commit then completes a known id); outside one, none is assigned. */
fk_status fk_pg_watch_read(fk_ctx *ctx, int in_tx, fk_pg_snap *now, fk_error *err);

/* 1 when a transaction other than the ones noted as ours completed between the mark and now
 * (or nothing is marked): someone else may have written. */
int fk_pg_watch_others(const fk_pg_watch *w, const fk_pg_snap *now);

/* The state was checked as of now: the mark moves there; now's own transaction, if any, is
 * ours. */
void fk_pg_watch_mark(fk_pg_watch *w, const fk_pg_snap *now);

/* now's own transaction is ours, the mark stays (the state was not checked). */
void fk_pg_watch_own(fk_pg_watch *w, const fk_pg_snap *now);

#endif
