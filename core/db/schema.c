/* The pinned schema: the database's main schema must be exactly what the embedded migrations create (R-LOGSEAL, R-DETECT). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "dberr.h"
#include "keyfile.h"
#include "migrations.h"
#include "schema.h"
#include "util.h"

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

/* One object from its four texts (NULL: SQL NULL) and their lengths; 0: out of memory. */
static int add_texts(struct objs *o, const char *const s[NFIELDS], const int n[NFIELDS])
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
		w->f[i].s = s[i];
		w->f[i].n = s[i] ? n[i] : 0;
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

/* The current row as an object; 0: out of memory. */
static int add(struct objs *o, sqlite3_stmt *st)
{
	const char *s[NFIELDS];
	int n[NFIELDS];
	for (int i = 0; i < NFIELDS; i++) {
		s[i] = (const char *)sqlite3_column_text(st, i);
		n[i] = s[i] ? sqlite3_column_bytes(st, i) : 0;
	}
	return add_texts(o, s, n);
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

/* The comparison's outcome as the check's: FK_ERR_TAMPER naming the first difference. */
static fk_status altered(fk_status st, unsigned n, const char *msg, const char *hint, fk_error *err)
{
	if (st != FK_OK || n == 0)
		return st;
	return fk_fail(err, FK_ERR_TAMPER, "the database schema was altered: %s%s", msg, hint);
}

fk_status fk_schema_check_lite(sqlite3 *db, fk_error *err)
{
	char msg[FK_SCHEMA_MSG_MAX];
	unsigned n = 0;
	fk_status st = fk_schema_diff_each_lite(db, first, msg, &n, err);
	return altered(st, n, msg, " ('fukuhonctl audit verify' lists every difference)", err);
}

/* ---- PostgreSQL: the catalogue ----------------------------------------------------- */

/* The same threat on PostgreSQL: whoever can write the store (its server's administrator, or
 * anyone holding a terminal's role) can plant a trigger, a rule or a row policy, or change the
 * body of a function that a protecting trigger runs, and it then runs inside our transactions.
 * So the catalogue of the store's schema (current_schema(): public, which the driver puts
 * first in search_path) is read as (type, name, table, definition) rows and compared with what
 * the twins create, with the same walk as SQLite's rows: relations (a table with its columns'
 * names, types, NOT NULLs, defaults, identity, collation, persistence and row-security flags;
 * an index with its definition; views; sequences), constraints, triggers (with whether they are
 * enabled; PostgreSQL's internal foreign-key triggers only when disabled), rules, row policies,
 * functions (language, result, volatility, SECURITY DEFINER, settings and body), types and
 * operators. Definitions are the server's rendering, the schema's own name taken out.
 * Outside the schema, what would reach into it: any other schema (it could shadow ours in a
 * search path) but fk_expected, the empty one the expected catalogue is built in (anything
 * left in it counts), an extension other than plpgsql, an event trigger, and a session whose
 * session_replication_role is not origin (replica disables every trigger; a superuser can set
 * it for our role). Not compared: privileges, ownership, casts, collations and text-search
 * objects, statistics, and anything in another database of the server. */
static const char SQL_PG_OBJECTS[] =
	"SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' "
	"WHEN 'm' THEN 'view' WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' "
	"ELSE 'relation ' || c.relkind::text END, c.relname, "
	"coalesce((SELECT t.relname FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
	"WHERE x.indexrelid = c.oid), c.relname), "
	"CASE WHEN c.relkind IN ('i', 'I') THEN replace(pg_get_indexdef(c.oid), "
	"' ON ' || quote_ident(current_schema()) || '.', ' ON ') "
	"WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) "
	"ELSE concat_ws(' | ', c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, "
	"coalesce(c.reloptions::text, '-'), c.relispartition, "
	"(SELECT string_agg(concat_ws(' ', quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), "
	"a.attnotnull, a.attidentity, a.attgenerated, a.attcollation, "
	"coalesce(pg_get_expr(d.adbin, d.adrelid), '-')), ', ' ORDER BY a.attnum) "
	"FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
	"WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)) END "
	"FROM pg_class c WHERE c.relnamespace = to_regnamespace(current_schema()) "
	"UNION ALL "
	"SELECT 'constraint', t.relname || '.' || o.conname, t.relname, o.contype::text || ' ' || pg_get_constraintdef(o.oid) "
	"FROM pg_constraint o JOIN pg_class t ON t.oid = o.conrelid "
	"WHERE o.connamespace = to_regnamespace(current_schema()) "
	"UNION ALL "
	"SELECT 'trigger', t.relname || '.' || g.tgname, t.relname, g.tgenabled::text || ' ' || "
	"replace(pg_get_triggerdef(g.oid), ' ON ' || quote_ident(current_schema()) || '.', ' ON ') "
	"FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid "
	"WHERE t.relnamespace = to_regnamespace(current_schema()) AND (NOT g.tgisinternal OR g.tgenabled <> 'O') "
	"UNION ALL "
	"SELECT 'rule', t.relname || '.' || r.rulename, t.relname, "
	"replace(pg_get_ruledef(r.oid), ' TO ' || quote_ident(current_schema()) || '.', ' TO ') "
	"FROM pg_rewrite r JOIN pg_class t ON t.oid = r.ev_class "
	"WHERE t.relnamespace = to_regnamespace(current_schema()) AND r.rulename <> '_RETURN' "
	"UNION ALL "
	"SELECT 'policy', t.relname || '.' || y.polname, t.relname, concat_ws(' | ', y.polcmd, y.polpermissive, "
	"y.polroles::text, coalesce(pg_get_expr(y.polqual, y.polrelid), '-'), "
	"coalesce(pg_get_expr(y.polwithcheck, y.polrelid), '-')) "
	"FROM pg_policy y JOIN pg_class t ON t.oid = y.polrelid "
	"WHERE t.relnamespace = to_regnamespace(current_schema()) "
	"UNION ALL "
	"SELECT 'function', f.proname || '(' || pg_get_function_identity_arguments(f.oid) || ')', NULL, "
	"concat_ws(' | ', f.prokind, l.lanname, pg_get_function_result(f.oid), f.provolatile, f.prosecdef, "
	"f.proleakproof, f.proisstrict, coalesce(f.proconfig::text, '-'), f.prosrc) "
	"FROM pg_proc f JOIN pg_language l ON l.oid = f.prolang "
	"WHERE f.pronamespace = to_regnamespace(current_schema()) "
	"UNION ALL "
	"SELECT 'type', y.typname, NULL, y.typtype::text || ' ' || format_type(y.typbasetype, y.typtypmod) "
	"FROM pg_type y WHERE y.typnamespace = to_regnamespace(current_schema()) AND y.typrelid = 0 AND y.typelem = 0 "
	"UNION ALL "
	"SELECT 'operator', o.oprname || '(' || format_type(o.oprleft, NULL) || ', ' || format_type(o.oprright, NULL) || ')', "
	"NULL, o.oprcode::text "
	"FROM pg_operator o WHERE o.oprnamespace = to_regnamespace(current_schema())";
static const char SQL_PG_OUTSIDE[] =
	"SELECT 'schema', nspname, NULL, NULL FROM pg_namespace WHERE nspname <> current_schema() "
	"AND nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'fk_expected') "
	"AND nspname !~ '^pg_(toast_)?temp_' "
	"UNION ALL SELECT 'left in fk_expected', relname, NULL, NULL FROM pg_class "
	"WHERE relnamespace = to_regnamespace('fk_expected') "
	"UNION ALL SELECT 'left in fk_expected', proname, NULL, NULL FROM pg_proc "
	"WHERE pronamespace = to_regnamespace('fk_expected') "
	"UNION ALL SELECT 'left in fk_expected', typname, NULL, NULL FROM pg_type "
	"WHERE typnamespace = to_regnamespace('fk_expected') "
	"UNION ALL SELECT 'left in fk_expected', oprname, NULL, NULL FROM pg_operator "
	"WHERE oprnamespace = to_regnamespace('fk_expected') "
	"UNION ALL SELECT 'extension', extname, NULL, extversion FROM pg_extension WHERE extname <> 'plpgsql' "
	"UNION ALL SELECT 'event trigger', evtname, NULL, evtevent FROM pg_event_trigger "
	"UNION ALL SELECT 'setting', 'session_replication_role', NULL, current_setting('session_replication_role') "
	"WHERE current_setting('session_replication_role') <> 'origin'";

/* Read rows of (type, name, table, definition) into o (appended). */
static fk_status pg_read(fk_sql *db, const char *sql, struct objs *o, fk_error *err)
{
	fk_stmt *st;
	int rc = fk_sql_prepare(db, sql, 0, &st);
	if (rc != SQLITE_OK)
		return fk_db_fail(db, rc, err, "reading the store's catalogue");
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		const char *s[NFIELDS];
		int n[NFIELDS];
		for (int i = 0; i < NFIELDS; i++) {
			s[i] = (const char *)fk_sql_column_text(st, i);
			n[i] = s[i] ? fk_sql_column_bytes(st, i) : 0;
		}
		if (!add_texts(o, s, n)) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	fk_status r = rc == SQLITE_DONE ? FK_OK
		    : rc == SQLITE_NOMEM ? fk_fail(err, FK_ERR_NOMEM, "out of memory")
					 : fk_db_fail(db, fk_sql_extended_errcode(db), err, "reading the store's catalogue");
	fk_sql_finalize(st);
	return r;
}

static fk_status pg_exec(fk_sql *db, const char *sql, fk_error *err, const char *what)
{
	int rc = fk_sql_exec(db, sql);
	return rc == SQLITE_OK ? FK_OK : fk_db_fail(db, fk_sql_extended_errcode(db), err, what);
}

/* The expected rows: every twin applied to a schema of its own, read with the same query,
 * then rolled back (PostgreSQL's DDL is transactional: nothing stays). Built by the server
 * the store is on, so its rendering of definitions is the one compared with; an embedded
 * digest would break at the next PostgreSQL release and would need a server at build time.
 * Once per process (measured in tests/store_pg.sh's log). Inside the caller's transaction
 * under a savepoint; outside one in its own. Another terminal building at the same moment
 * waits on the schema's name (bounded by lock_timeout), then builds its own. */
static struct {
	pthread_mutex_t mu;
	int built;
	struct objs objs;
} expected_pg = {.mu = PTHREAD_MUTEX_INITIALIZER};

static fk_status pg_build_expected(fk_sql *db, struct objs *o, fk_error *err)
{
	int own = fk_sql_get_autocommit(db);
	fk_status st = own ? pg_exec(db, "BEGIN", err, "building the expected schema") : FK_OK;
	if (st != FK_OK)
		return st;
	/* A store with terminal roles has the schema already, made by its owner
	 * (sql/terminal_grants.pg.sql): a terminal's role may not create one. */
	st = pg_exec(db, "SAVEPOINT fk_expected; DO $$ BEGIN IF to_regnamespace('fk_expected') IS NULL THEN "
		     "CREATE SCHEMA fk_expected; END IF; END $$; SET LOCAL search_path = fk_expected",
		     err, "building the expected schema");
	for (unsigned i = 0; st == FK_OK && i < fk_migration_count; i++)
		st = pg_exec(db, fk_migrations[i].sql_pg, err, fk_migrations[i].name);
	if (st == FK_OK)
		st = pg_exec(db, FK_PG_VERSION_TABLE, err, "building the expected schema");
	if (st == FK_OK)
		st = pg_read(db, SQL_PG_OBJECTS, o, err);
	/* Whatever happened: nothing of it stays, and the caller's transaction goes on. */
	if (pg_exec(db, "ROLLBACK TO SAVEPOINT fk_expected; RELEASE SAVEPOINT fk_expected", err,
		    "building the expected schema") != FK_OK && st == FK_OK)
		st = FK_ERR_DB;
	if (own && fk_sql_exec(db, "ROLLBACK") != SQLITE_OK && st == FK_OK)
		st = fk_db_fail(db, fk_sql_extended_errcode(db), err, "building the expected schema");
	if (st != FK_OK)
		objs_free(o);
	else if (o->n)
		qsort(o->v, o->n, sizeof *o->v, key_cmp);
	return st;
}

static fk_status pg_expected(fk_sql *db, fk_error *err)
{
	if (pthread_mutex_lock(&expected_pg.mu) != 0)
		return fk_fail(err, FK_ERR_INTERNAL, "building the expected schema failed");
	fk_status st = FK_OK;
	if (!expected_pg.built && (st = pg_build_expected(db, &expected_pg.objs, err)) == FK_OK)
		expected_pg.built = 1;
	pthread_mutex_unlock(&expected_pg.mu);
	return st;
}

/* ---- PostgreSQL: the expected catalogue remembered in the key folder ----------------- */

/* Building the expected catalogue costs the server 0.3-0.9 s (every twin applied, then rolled
 * back) at each process's first open: most of what one fukuhonctl command took on PostgreSQL.
 * What it yields depends only on this program's twins and on the server's rendering of
 * definitions, that is its version. So after a build the SHA-256 of the sorted expected rows
 * is written to the key folder (EXPECTED_FILE: the key it was built under, a digest of this
 * program's twins, the catalogue query and the server's version, then the rows' digest), and
 * a later process that reads the store's catalogue in full and finds exactly that digest
 * under the same key knows the schema exact without building. The store's side is still read
 * and compared whole at every open (a row edited in place, keeping its row version, is seen);
 * only the expected side is remembered, and in the key folder, which whoever holds the store
 * cannot write. Anything else (no file, another key, another digest, an unreadable file)
 * builds and compares as before; only a build writes the file. */
#define EXPECTED_FILE "pg-catalogue.expected"
#define EXPECTED_BODY (2 * FK_SHA256_LEN)
static const uint8_t EXPECTED_MAGIC[8] = {'F', 'K', 'P', 'G', 'C', 'A', 'T', '1'};

/* The key folder the digest is kept in; empty: none (guarded by expected_pg.mu). */
static char expected_dir[4096];

void fk_schema_pg_remember_in(const char *key_dir)
{
	if (pthread_mutex_lock(&expected_pg.mu) != 0)
		return;
	if (!key_dir || strlen(key_dir) >= sizeof expected_dir)
		expected_dir[0] = '\0';
	else
		memcpy(expected_dir, key_dir, strlen(key_dir) + 1);
	pthread_mutex_unlock(&expected_pg.mu);
}

/* Each piece as a 4-byte length (all ones for NULL) and its bytes, so that no two lists of
 * pieces serialise alike. */
struct pieces {
	uint8_t *p;
	size_t n, cap;
};

static int piece(struct pieces *b, const char *s, size_t n)
{
	if (b->cap - b->n < n + 4) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->n < n + 4)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	uint32_t len = s ? (uint32_t)n : UINT32_MAX;
	for (int i = 0; i < 4; i++)
		b->p[b->n++] = (uint8_t)(len >> (24 - 8 * i));
	if (s && n)
		memcpy(b->p + b->n, s, n);
	b->n += s ? n : 0;
	return 1;
}

static fk_status pieces_digest(struct pieces *b, int ok, uint8_t out[FK_SHA256_LEN], fk_error *err)
{
	fk_status st = ok ? fk_sha256(b->p, b->n, out, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	free(b->p);
	return st;
}

static fk_status objs_digest(const struct objs *o, uint8_t out[FK_SHA256_LEN], fk_error *err)
{
	struct pieces b = {0};
	int ok = 1;
	for (size_t i = 0; ok && i < o->n; i++)
		for (int f = 0; ok && f < NFIELDS; f++)
			ok = piece(&b, o->v[i].f[f].s, (size_t)o->v[i].f[f].n);
	return pieces_digest(&b, ok, out, err);
}

/* What the expected rows are a function of: the twins, the query that reads them and the
 * server's version (its rendering of definitions). */
static fk_status expected_key(fk_sql *db, uint8_t out[FK_SHA256_LEN], fk_error *err)
{
	fk_stmt *st;
	int rc = fk_sql_prepare(db, "SELECT current_setting('server_version_num')", 0, &st);
	if (rc != SQLITE_OK)
		return fk_db_fail(db, rc, err, "reading the server's version");
	struct pieces b = {0};
	int ok = piece(&b, "fukuhon expected catalogue 1", strlen("fukuhon expected catalogue 1"));
	if ((rc = fk_sql_step(st)) == SQLITE_ROW)
		ok = ok && piece(&b, (const char *)fk_sql_column_text(st, 0), (size_t)fk_sql_column_bytes(st, 0));
	fk_sql_finalize(st);
	if (rc != SQLITE_ROW) {
		free(b.p);
		return fk_db_fail(db, fk_sql_extended_errcode(db), err, "reading the server's version");
	}
	ok = ok && piece(&b, SQL_PG_OBJECTS, strlen(SQL_PG_OBJECTS)) &&
	     piece(&b, FK_PG_VERSION_TABLE, strlen(FK_PG_VERSION_TABLE));
	for (unsigned i = 0; ok && i < fk_migration_count; i++)
		ok = piece(&b, fk_migrations[i].name, strlen(fk_migrations[i].name)) &&
		     piece(&b, fk_migrations[i].sql_pg, strlen(fk_migrations[i].sql_pg));
	return pieces_digest(&b, ok, out, err);
}

/* 1 when the key folder says this program's build under key yielded rows digesting to d. */
static int expected_remembered(const char *dir, const uint8_t key[FK_SHA256_LEN], const uint8_t d[FK_SHA256_LEN])
{
	uint8_t buf[8 + EXPECTED_BODY + FK_KEYFILE_SUM];
	fk_error e;
	fk_error_clear(&e);
	if (fk_keyfile_read_checked(dir, EXPECTED_FILE, EXPECTED_MAGIC, buf, sizeof buf, &e) != FK_OK)
		return 0;
	return !fk_memeq_ct(buf + 8, key, FK_SHA256_LEN) && !fk_memeq_ct(buf + 8 + FK_SHA256_LEN, d, FK_SHA256_LEN);
}

/* After a build: its digest under key, for the next process. Only a time saver: a file that
 * cannot be written (a new terminal's folder not made yet, a full disk) costs the next
 * process a build, nothing else. */
static void expected_remember(const char *dir, const uint8_t key[FK_SHA256_LEN], const struct objs *o)
{
	uint8_t buf[8 + EXPECTED_BODY + FK_KEYFILE_SUM];
	fk_error e;
	fk_error_clear(&e);
	memcpy(buf + 8, key, FK_SHA256_LEN);
	if (objs_digest(o, buf + 8 + FK_SHA256_LEN, &e) != FK_OK)
		return;
	if (expected_remembered(dir, key, buf + 8 + FK_SHA256_LEN))
		return;
	(void)fk_keyfile_write_checked(dir, EXPECTED_FILE, EXPECTED_MAGIC, buf, sizeof buf, 0, &e);
}

/* Before a build in this process: 1 when have (sorted) is exactly what the remembered build
 * yielded, so nothing differs. */
static int have_is_remembered(fk_sql *db, const struct objs *have, uint8_t key[FK_SHA256_LEN], int *keyed)
{
	char dir[sizeof expected_dir];
	if (pthread_mutex_lock(&expected_pg.mu) != 0)
		return 0;
	int built = expected_pg.built;
	memcpy(dir, expected_dir, sizeof dir);
	pthread_mutex_unlock(&expected_pg.mu);
	if (built || !dir[0])
		return 0;
	fk_error e;
	fk_error_clear(&e);
	uint8_t d[FK_SHA256_LEN];
	if (expected_key(db, key, &e) != FK_OK)
		return 0;
	*keyed = 1;
	return objs_digest(have, d, &e) == FK_OK && expected_remembered(dir, key, d);
}

static fk_status pg_diff_each(fk_sql *db, fk_schema_diff_fn fn, void *arg, unsigned *ndiff, fk_error *err)
{
	struct objs have = {0};
	fk_status st = pg_read(db, SQL_PG_OBJECTS, &have, err);
	if (st == FK_OK)
		st = pg_read(db, SQL_PG_OUTSIDE, &have, err);
	if (st != FK_OK) {
		objs_free(&have);
		return st;
	}
	if (have.n)
		qsort(have.v, have.n, sizeof *have.v, key_cmp);
	uint8_t key[FK_SHA256_LEN];
	int keyed = 0;
	if (have_is_remembered(db, &have, key, &keyed)) {
		objs_free(&have);
		if (ndiff)
			*ndiff = 0;
		return FK_OK;
	}
	if ((st = pg_expected(db, err)) != FK_OK) {
		objs_free(&have);
		return st;
	}
	/* keyed: this process had not built before this comparison */
	if (keyed && pthread_mutex_lock(&expected_pg.mu) == 0) {
		if (expected_dir[0])
			expected_remember(expected_dir, key, &expected_pg.objs);
		pthread_mutex_unlock(&expected_pg.mu);
	}
	unsigned n = diff(&expected_pg.objs, &have, fn, arg);
	objs_free(&have);
	if (ndiff)
		*ndiff = n;
	return FK_OK;
}

/* ---- PostgreSQL: has the catalogue changed since the last full comparison? ---------- */

/* The full comparison costs 11-16 ms, more than a console screen may take in all (issue 14).
 * So each write transaction first asks one cheap question: the SHA-256 of the identity (oid)
 * and row version (xmin) of every catalogue row the comparison reads or depends on, plus the
 * session settings it checks. PostgreSQL writes a new row version, with the writing
 * transaction's id as its xmin, for every change made through SQL to a catalogue row: CREATE
 * OR REPLACE FUNCTION (pg_proc), ALTER TABLE ... DISABLE TRIGGER (pg_trigger.tgenabled),
 * ALTER COLUMN ... DROP NOT NULL or SET DEFAULT (pg_attribute, pg_attrdef), a planted
 * object (a new row), a dropped one (a row gone); a row version once replaced never comes
 * back, so a change undone still moves the digest. Only updates made in place (VACUUM's and
 * ANALYZE's statistics in pg_class: relpages, reltuples, relfrozenxid, and the has-index,
 * has-rules and has-triggers hints cleared when nothing is left) keep xmin: none of them is
 * compared. When the digest equals the one taken just before the last full comparison
 * that found the schema exact, nothing compared can have changed since: skip it. Any
 * other value (a change, a vacuum that froze nothing relevant, another store) costs one
 * full comparison, which records the new digest only when it finds nothing. The digest is
 * read BEFORE the comparison: a change between the two either is seen by the comparison or
 * leaves the catalogue with row versions the recorded digest does not have.
 * Outside public: every schema, extension, event trigger and procedural language (a
 * language's handler runs every plpgsql body), and the settings current_schema() and
 * session_replication_role, which are this session's and so not in any catalogue row. */
const char fk_schema_pg_digest_sql[] =
	"WITH s AS (SELECT to_regnamespace(current_schema()) AS n), "
	"r AS (SELECT c.oid FROM pg_class c, s WHERE c.relnamespace = s.n) "
	"SELECT encode(sha256(convert_to(concat_ws(' ', current_schema(), "
	"current_setting('session_replication_role'), string_agg(x, ',' ORDER BY x)), 'UTF8')), 'hex') FROM ("
	"SELECT 'n' || oid || ':' || xmin AS x FROM pg_namespace "
	"UNION ALL SELECT 'e' || oid || ':' || xmin FROM pg_extension "
	"UNION ALL SELECT 'E' || oid || ':' || xmin FROM pg_event_trigger "
	"UNION ALL SELECT 'l' || oid || ':' || xmin FROM pg_language "
	"UNION ALL SELECT 'c' || c.oid || ':' || c.xmin FROM pg_class c, s WHERE c.relnamespace = s.n "
	"UNION ALL SELECT 'a' || a.attrelid || '.' || a.attnum || ':' || a.xmin FROM pg_attribute a "
	"WHERE a.attrelid IN (SELECT oid FROM r) AND a.attnum > 0 "
	"UNION ALL SELECT 'd' || d.oid || ':' || d.xmin FROM pg_attrdef d WHERE d.adrelid IN (SELECT oid FROM r) "
	"UNION ALL SELECT 'i' || x.indexrelid || ':' || x.xmin FROM pg_index x WHERE x.indrelid IN (SELECT oid FROM r) "
	"UNION ALL SELECT 'k' || o.oid || ':' || o.xmin FROM pg_constraint o, s WHERE o.connamespace = s.n "
	"UNION ALL SELECT 't' || g.oid || ':' || g.xmin FROM pg_trigger g WHERE g.tgrelid IN (SELECT oid FROM r) "
	"UNION ALL SELECT 'w' || w.oid || ':' || w.xmin FROM pg_rewrite w WHERE w.ev_class IN (SELECT oid FROM r) "
	"UNION ALL SELECT 'y' || y.oid || ':' || y.xmin FROM pg_policy y WHERE y.polrelid IN (SELECT oid FROM r) "
	"UNION ALL SELECT 'p' || f.oid || ':' || f.xmin FROM pg_proc f, s WHERE f.pronamespace = s.n "
	"UNION ALL SELECT 'T' || y.oid || ':' || y.xmin FROM pg_type y, s WHERE y.typnamespace = s.n "
	"UNION ALL SELECT 'o' || o.oid || ':' || o.xmin FROM pg_operator o, s WHERE o.oprnamespace = s.n"
	") AS rows";

#define DIGEST_HEX 64

/* The digest taken before the last full comparison that found nothing; empty: none yet.
 * Guarded by expected_pg.mu. */
static char pinned_digest[DIGEST_HEX + 1];

/* The digest through st (the caller's cached statement, reset here) or, when st is NULL, a
 * statement of its own. */
static fk_status pg_digest(fk_sql *db, fk_stmt *st, char out[DIGEST_HEX + 1], fk_error *err)
{
	fk_stmt *own = NULL;
	int rc;
	if (!st && (rc = fk_sql_prepare(db, fk_schema_pg_digest_sql, 0, &own)) != SQLITE_OK)
		return fk_db_fail(db, rc, err, "reading the store's catalogue");
	if (!st)
		st = own;
	fk_status r = FK_OK;
	if ((rc = fk_sql_step(st)) == SQLITE_ROW && fk_sql_column_bytes(st, 0) == DIGEST_HEX)
		memcpy(out, fk_sql_column_text(st, 0), DIGEST_HEX + 1);
	else if (rc == SQLITE_ROW)
		r = fk_fail(err, FK_ERR_DB, "reading the store's catalogue: no digest");
	else
		r = fk_db_fail(db, fk_sql_extended_errcode(db), err, "reading the store's catalogue");
	if (own)
		fk_sql_finalize(own);
	else
		fk_sql_reset(st);
	return r;
}

static int digest_is_pinned(const char *d)
{
	int same = 0;
	if (pthread_mutex_lock(&expected_pg.mu) == 0) {
		same = pinned_digest[0] && memcmp(pinned_digest, d, DIGEST_HEX) == 0;
		pthread_mutex_unlock(&expected_pg.mu);
	}
	return same;
}

static void pin_digest(const char *d)
{
	if (pthread_mutex_lock(&expected_pg.mu) == 0) {
		memcpy(pinned_digest, d, d[0] ? DIGEST_HEX + 1 : 1);
		pthread_mutex_unlock(&expected_pg.mu);
	}
}

/* The full comparison (always when full, else only when the digest moved); the digest is
 * recorded when the comparison finds the schema exact, forgotten when it does not. */
static fk_status pg_check(fk_sql *db, fk_stmt *digest, int full, fk_error *err)
{
	char d[DIGEST_HEX + 1];
	fk_status st = pg_digest(db, digest, d, err);
	if (st != FK_OK)
		return st;
	if (!full && digest_is_pinned(d))
		return FK_OK;
	char msg[FK_SCHEMA_MSG_MAX];
	unsigned n = 0;
	st = pg_diff_each(db, first, msg, &n, err);
	pin_digest(st == FK_OK && n == 0 ? d : "");
	/* audit verify does not run on PostgreSQL yet: no hint to it. */
	return altered(st, n, msg, "", err);
}

/* A handle without its connection is never taken as pinned. */
static fk_status connected(fk_sql *db, fk_error *err)
{
	return db && (fk_sql_is_pg(db) ? db->pg != NULL : fk_sql_lite(db) != NULL)
		       ? FK_OK
		       : fk_fail(err, FK_ERR_DB, "the store's schema cannot be checked: no connection to it");
}

fk_status fk_schema_diff_each_sql(fk_sql *db, fk_schema_diff_fn fn, void *arg, unsigned *ndiff,
				  fk_error *err)
{
	if (connected(db, err) != FK_OK)
		return FK_ERR_DB;
	if (fk_sql_is_pg(db))
		return pg_diff_each(db, fn, arg, ndiff, err);
	return fk_schema_diff_each_lite(fk_sql_lite(db), fn, arg, ndiff, err);
}

/* The check on either backend: SQLite's file whole; PostgreSQL's catalogue when its digest
 * (read through digest, or a statement of its own when NULL) moved, or always when full. */
static fk_status check(fk_sql *db, fk_stmt *digest, int full, fk_error *err)
{
	if (connected(db, err) != FK_OK)
		return FK_ERR_DB;
	if (!fk_sql_is_pg(db))
		return fk_schema_check_lite(fk_sql_lite(db), err);
	return pg_check(db, digest, full, err);
}

fk_status fk_schema_check_sql(fk_sql *db, fk_error *err)
{
	return check(db, NULL, 0, err);
}

fk_status fk_schema_check_full(fk_sql *db, fk_error *err)
{
	return check(db, NULL, 1, err);
}

fk_status fk_schema_check_pg(fk_sql *db, fk_stmt *digest, fk_error *err)
{
	return check(db, digest, 0, err);
}
