/* PostgreSQL's stand-in for SQLite's PRAGMA data_version, from transaction snapshots (issue 14). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dberr.h"
#include "pgwatch.h"

/* Why snapshots. The trust base checks every small sealed table against its anchor whenever
 * someone else may have written since its last check (core/trust/trust.c); on SQLite, PRAGMA
 * data_version says so, and with it a console screen's gate costs a few statements. PostgreSQL
 * has no such counter, and a counter row kept by fukuhon would not move for a write made by
 * the server's administrator. What does move for every write by anyone: a write needs a
 * transaction id, and its commit (or abort) completes that id, which a later snapshot shows
 * (below its xmax and not in progress). So the completed ids between the mark and now are
 * compared with the ids of this terminal's own transactions, each given its id at begin: any
 * other one (another terminal, the administrator, another database of the same server,
 * autovacuum's ANALYZE, one of our own savepoints) and the tables are checked again. A
 * transaction in progress at the mark and completed since is counted too (it is in the
 * mark's xip and no longer in now's). What it cannot see: changes not made through
 * transactions (the server's files edited under it), as PRAGMA data_version cannot see a file
 * edited with its change counter kept; a process checks everything when it opens the store. */
static const char SQL_SNAP[] = "SELECT pg_current_snapshot()::text, '0'";
static const char SQL_SNAP_XID[] = "SELECT pg_current_snapshot()::text, pg_current_xact_id()::text";

/* "xmin:xmax:xip,xip,..." into s; 0 when it does not read as one. */
static int parse(const char *t, fk_pg_snap *s)
{
	char *end;
	(void)strtoull(t, &end, 10);
	if (*end != ':')
		return 0;
	s->xmax = strtoull(end + 1, &end, 10);
	if (*end != ':')
		return 0;
	s->nxip = 0;
	for (const char *p = end + 1; *p;) {
		uint64_t x = strtoull(p, &end, 10);
		if (end == p)
			return 0;
		if (s->nxip >= 0 && s->nxip < FK_PG_WATCH_XIP)
			s->xip[s->nxip++] = x;
		else
			s->nxip = -1;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return 0;
	}
	return 1;
}

fk_status fk_pg_watch_read(fk_ctx *ctx, int in_tx, fk_pg_snap *now, fk_error *err)
{
	fk_stmt *st;
	memset(now, 0, sizeof *now);
	fk_status s = fk_ctx_stmt(ctx, in_tx ? SQL_SNAP_XID : SQL_SNAP, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)fk_sql_column_text(st, 0), *x = (const char *)fk_sql_column_text(st, 1);
		if (!t || !x || !parse(t, now))
			s = fk_fail(err, FK_ERR_DB, "reading the store's snapshot: not understood");
		else
			now->xid = strtoull(x, NULL, 10);
	} else {
		s = fk_db_fail(ctx->db, fk_sql_extended_errcode(ctx->db), err, "reading the store's snapshot");
	}
	fk_sql_reset(st);
	return s;
}

static int in(const uint64_t *v, int n, uint64_t x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Completed in now and not at the mark, and not ours. */
static int other(const fk_pg_watch *w, const fk_pg_snap *now, uint64_t y)
{
	return y < now->xmax && !in(now->xip, now->nxip, y) && !in(w->own, w->nown, y);
}

int fk_pg_watch_others(const fk_pg_watch *w, const fk_pg_snap *now)
{
	const fk_pg_snap *m = &w->mark;
	if (!w->valid || w->nown < 0 || m->nxip < 0 || now->nxip < 0 || now->xmax < m->xmax)
		return 1;
	/* Ids given out since the mark: bounded, so that a busy server costs a check, not a loop. */
	if (now->xmax - m->xmax > 4 * FK_PG_WATCH_OWN)
		return 1;
	for (uint64_t y = m->xmax; y < now->xmax; y++)
		if (other(w, now, y))
			return 1;
	for (int i = 0; i < m->nxip; i++)
		if (other(w, now, m->xip[i]))
			return 1;
	return 0;
}

void fk_pg_watch_own(fk_pg_watch *w, const fk_pg_snap *now)
{
	if (!now->xid || w->nown < 0)
		return;
	if (w->nown == FK_PG_WATCH_OWN)
		w->nown = -1;
	else
		w->own[w->nown++] = now->xid;
}

void fk_pg_watch_mark(fk_pg_watch *w, const fk_pg_snap *now)
{
	w->valid = now->nxip >= 0;
	w->mark = *now;
	w->nown = 0;
	fk_pg_watch_own(w, now);
}
