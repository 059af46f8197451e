/* The pinned schema: the database's main schema must be exactly what the embedded migrations create (R-LOGSEAL, R-DETECT). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dberr.h"
#include "migrations.h"
#include "schema.h"

/* Why pin it. Anyone who can write the file with sqlite3 can add a trigger
 * that then runs inside our own transactions: one that deletes each history
 * record as it is written, or undoes every revoke. PRAGMA trusted_schema=OFF
 * (db.c) only keeps schema objects from calling our functions and virtual
 * tables; plain SQL in a trigger still runs. So every object is compared,
 * with its SQL text, against what the embedded migrations create:
 * - automatic indexes (sqlite_autoindex_*, NULL sql) come from UNIQUE and
 *   PRIMARY KEY constraints; the expected schema has them too, so they
 *   compare like any other row;
 * - sqlite_sequence exists only with an AUTOINCREMENT table, which the
 *   migrations do not create; one appearing is a planted table;
 * - sqlite_stat1 and sqlite_stat4 (ANALYZE) are refused too: fukuhon never
 *   runs ANALYZE, their rows steer the query planner, and their presence
 *   says the file was opened by something other than fukuhon. After
 *   investigating, DROP TABLE sqlite_stat1 (and sqlite_stat4) restores it;
 * - only main.sqlite_schema is read. The temp schema lives in this
 *   connection alone and holds only what this process creates (authz.c,
 *   store.c): someone writing the file cannot reach it.
 * rootpage is not compared: it differs between any two databases. */

enum { F_TYPE, F_NAME, F_TABLE, F_SQL, NFIELDS };

struct text {
	const char *s; /* NULL: SQL NULL */
	int n;         /* bytes, so that nothing after a NUL hides */
};

struct obj {
	struct text f[NFIELDS];
	char *mem; /* the four texts, one after the other */
};

struct objs {
	struct obj *v;
	size_t n, cap;
};

static const char SQL_SCHEMA[] = "SELECT type, name, tbl_name, sql FROM main.sqlite_schema";

static void objs_free(struct objs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].mem);
	free(o->v);
	memset(o, 0, sizeof *o);
}

/* The current row as an object; 0: out of memory. */
static int add(struct objs *o, sqlite3_stmt *st)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		struct obj *v = realloc(o->v, cap * sizeof *v);
		if (!v)
			return 0;
		o->v = v;
		o->cap = cap;
	}
	struct obj *w = &o->v[o->n];
	size_t total = 1;
	for (int i = 0; i < NFIELDS; i++) {
		w->f[i].s = (const char *)sqlite3_column_text(st, i);
		w->f[i].n = w->f[i].s ? sqlite3_column_bytes(st, i) : 0;
		total += (size_t)w->f[i].n + 1;
	}
	char *p = w->mem = malloc(total);
	if (!p)
		return 0;
	for (int i = 0; i < NFIELDS; i++) {
		if (!w->f[i].s)
			continue;
		memcpy(p, w->f[i].s, (size_t)w->f[i].n);
		p[w->f[i].n] = '\0';
		w->f[i].s = p;
		p += w->f[i].n + 1;
	}
	o->n++;
	return 1;
}

static int text_cmp(const struct text *a, const struct text *b)
{
	if (!a->s || !b->s)
		return (a->s != NULL) - (b->s != NULL);
	int c = memcmp(a->s, b->s, (size_t)(a->n < b->n ? a->n : b->n));
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* Tables, indexes and views share one namespace, triggers have their own:
 * an object is its type and name. */
static int key_cmp(const void *pa, const void *pb)
{
	const struct obj *a = pa, *b = pb;
	int c = text_cmp(&a->f[F_TYPE], &b->f[F_TYPE]);
	return c ? c : text_cmp(&a->f[F_NAME], &b->f[F_NAME]);
}

/* Every row of db's main schema, sorted by key. */
static fk_status read_schema(sqlite3 *db, struct objs *o, fk_error *err)
{
	sqlite3_stmt *st;
	memset(o, 0, sizeof *o);
	int rc = sqlite3_prepare_v2(db, SQL_SCHEMA, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fk_db_fail(db, sqlite3_extended_errcode(db), err, "reading the database schema");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!add(o, st)) {
			rc = SQLITE_NOMEM;
			break;
		}
	fk_status s = FK_OK;
	if (rc == SQLITE_NOMEM)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	else if (rc != SQLITE_DONE)
		s = fk_db_fail(db, sqlite3_extended_errcode(db), err, "reading the database schema");
	sqlite3_finalize(st);
	if (s != FK_OK) {
		objs_free(o);
		return s;
	}
	if (o->n)
		qsort(o->v, o->n, sizeof *o->v, key_cmp);
	return FK_OK;
}

/* ---- the expected schema: the migrations in memory, once per process ---------- */

static struct {
	pthread_once_t once;
	fk_status st;
	char msg[FK_ERRMSG_MAX];
	struct objs objs;
} expected = {.once = PTHREAD_ONCE_INIT};

static fk_status exec(sqlite3 *db, const char *sql, fk_error *err, const char *what)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? FK_OK : fk_db_fail(db, sqlite3_extended_errcode(db), err, what);
}

/* The same SQL text through the same SQLite, so the stored text is what
 * db.c's migrate() stores, whether a database was created at the last
 * version or migrated up to it (tests/test_schema.c checks both). Foreign
 * keys are on as there, for a DROP or RENAME that would care. */
static void build_expected(void)
{
	fk_error err;
	fk_error_clear(&err);
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(":memory:", &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE, NULL);
	fk_status st = rc == SQLITE_OK ? exec(db, "PRAGMA foreign_keys = ON", &err, "building the expected schema")
				       : fk_db_fail(db, rc, &err, "building the expected schema");
	for (unsigned i = 0; st == FK_OK && i < fk_migration_count; i++)
		st = exec(db, fk_migrations[i].sql, &err, fk_migrations[i].name);
	if (st == FK_OK)
		st = read_schema(db, &expected.objs, &err);
	sqlite3_close(db);
	expected.st = st;
	memcpy(expected.msg, err.msg, sizeof expected.msg);
}

fk_status fk_schema_expected(size_t *nobjects, fk_error *err)
{
	if (pthread_once(&expected.once, build_expected) != 0)
		return fk_fail(err, FK_ERR_INTERNAL, "building the expected schema failed");
	if (expected.st != FK_OK)
		return fk_fail(err, expected.st, "%s", expected.msg);
	*nobjects = expected.objs.n;
	return FK_OK;
}

/* ---- comparing ------------------------------------------------------------------ */

#define SHOWN 80 /* bytes of a planted name or table a message quotes */

static int shown(const struct text *t)
{
	return t->n < SHOWN ? t->n : SHOWN;
}

static void describe(fk_schema_diff *d, fk_schema_change ch, const struct obj *o)
{
	const struct text *type = &o->f[F_TYPE], *name = &o->f[F_NAME], *table = &o->f[F_TABLE];
	/* A table's or view's tbl_name is its own name: say what anything else is on. */
	int on = table->s && !(type->s && (!strcmp(type->s, "table") || !strcmp(type->s, "view")));
	char what[4 * SHOWN];
	d->change = ch;
	d->type = type->s ? type->s : "?";
	d->name = name->s ? name->s : "?";
	d->table = table->s ? table->s : "";
	snprintf(what, sizeof what, "%.*s '%.*s'%s%.*s", shown(type), d->type, shown(name), d->name,
		 on ? " on " : "", on ? shown(table) : 0, d->table);
	if (ch == FK_SCHEMA_MISSING)
		snprintf(d->msg, sizeof d->msg, "missing %s", what);
	else if (ch == FK_SCHEMA_UNEXPECTED)
		snprintf(d->msg, sizeof d->msg, "unexpected %s", what);
	else
		snprintf(d->msg, sizeof d->msg, "%s differs from the one fukuhon creates", what);
}

/* Walk both sorted lists; the number of differences reported. */
static unsigned diff(const struct objs *want, const struct objs *have, fk_schema_diff_fn fn, void *arg)
{
	unsigned n = 0;
	size_t i = 0, j = 0;
	fk_schema_diff d;
	while (i < want->n || j < have->n) {
		int c = i == want->n ? 1 : j == have->n ? -1 : key_cmp(&want->v[i], &have->v[j]);
		if (c < 0) {
			describe(&d, FK_SCHEMA_MISSING, &want->v[i++]);
		} else if (c > 0) {
			describe(&d, FK_SCHEMA_UNEXPECTED, &have->v[j++]);
		} else {
			const struct obj *w = &want->v[i++], *h = &have->v[j++];
			if (!text_cmp(&w->f[F_TABLE], &h->f[F_TABLE]) && !text_cmp(&w->f[F_SQL], &h->f[F_SQL]))
				continue;
			describe(&d, FK_SCHEMA_CHANGED, h);
		}
		n++;
		if (fn && fn(&d, arg))
			break;
	}
	return n;
}

fk_status fk_schema_diff_each_lite(sqlite3 *db, fk_schema_diff_fn fn, void *arg, unsigned *ndiff,
				   fk_error *err)
{
	size_t nexp;
	struct objs have;
	fk_status st = fk_schema_expected(&nexp, err);
	if (st == FK_OK)
		st = read_schema(db, &have, err);
	if (st != FK_OK)
		return st;
	unsigned n = diff(&expected.objs, &have, fn, arg);
	objs_free(&have);
	if (ndiff)
		*ndiff = n;
	return FK_OK;
}

static int first(const fk_schema_diff *d, void *arg)
{
	memcpy(arg, d->msg, sizeof d->msg);
	return 1;
}

fk_status fk_schema_check_lite(sqlite3 *db, fk_error *err)
{
	char msg[FK_SCHEMA_MSG_MAX];
	unsigned n = 0;
	fk_status st = fk_schema_diff_each_lite(db, first, msg, &n, err);
	if (st != FK_OK || n == 0)
		return st;
	return fk_fail(err, FK_ERR_TAMPER,
		       "the database schema was altered: %s ('fukuhonctl audit verify' lists every difference)",
		       msg);
}

/* A PostgreSQL store has no SQLite handle (fk_sql_lite gives NULL): its schema is to be read
 * from the catalogue (issue 14); until then it is never taken as pinned. */
static fk_status lite_of(fk_sql *db, sqlite3 **lite, fk_error *err)
{
	*lite = fk_sql_lite(db);
	return *lite ? FK_OK : fk_fail(err, FK_ERR_DB, "the schema of a PostgreSQL store cannot be checked yet");
}

fk_status fk_schema_diff_each_sql(fk_sql *db, fk_schema_diff_fn fn, void *arg, unsigned *ndiff,
				  fk_error *err)
{
	sqlite3 *lite;
	fk_status st = lite_of(db, &lite, err);
	return st == FK_OK ? fk_schema_diff_each_lite(lite, fn, arg, ndiff, err) : st;
}

fk_status fk_schema_check_sql(fk_sql *db, fk_error *err)
{
	sqlite3 *lite;
	fk_status st = lite_of(db, &lite, err);
	return st == FK_OK ? fk_schema_check_lite(lite, err) : st;
}
