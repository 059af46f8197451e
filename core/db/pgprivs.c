/* PostgreSQL: the terminal's role may do exactly what sql/terminal_grants.pg.sql grants, nothing more (R-MINIMAL, R-DETECT). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dberr.h"
#include "migrations.h"
#include "pgprivs.h"
#include "str.h"

/* Why: the privileges are not part of the pinned schema (core/db/schema.c). A deployment
 * mistake, or a server administrator who grants the terminals' role more (UPDATE on the
 * history, TRIGGER, TRUNCATE, UPDATE of operator.role, membership of the owner's role, a role
 * attribute), widens what a stolen terminal credential can do without anything changing in
 * the catalogue the terminal compares. So at open the role's effective privileges are read
 * and every one that sql/terminal_grants.pg.sql does not give is refused. The expected list is
 * parsed from the same embedded text the owner runs: one source, no second list to drift. */

#define GRANTEE "fukuhon_terminal"

struct plist {
	fk_pg_priv *v;
	size_t n, cap;
};

static int push(struct plist *l, const char *kind, const char *object, size_t olen, const char *column,
		size_t clen, const char *priv, size_t plen)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		fk_pg_priv *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return 0;
		l->v = v;
		l->cap = cap;
	}
	fk_pg_priv *p = &l->v[l->n];
	memset(p, 0, sizeof *p);
	if (olen >= sizeof p->object || clen >= sizeof p->column || plen >= sizeof p->priv)
		return -1;
	fk_copy_str(p->kind, sizeof p->kind, kind);
	memcpy(p->object, object, olen);
	memcpy(p->column, column, clen);
	memcpy(p->priv, priv, plen);
	/* names compare without spaces: "f(text, bigint)" is the server's "f(text,bigint)" too */
	size_t o = 0;
	for (size_t i = 0; p->object[i]; i++)
		if (p->object[i] != ' ')
			p->object[o++] = p->object[i];
	p->object[o] = '\0';
	l->n++;
	return 1;
}

/* The file without comments and with every run of white space one blank (malloc'ed). */
static char *squeeze(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	for (const char *p = s; *p; p++) {
		if (p[0] == '-' && p[1] == '-') {
			while (p[1] && p[1] != '\n')
				p++;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			if (o && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

/* The next item of a comma-separated list at parenthesis depth 0, trimmed: [*s, end). */
static int next_item(const char **s, const char *end, const char **item, size_t *len)
{
	const char *p = *s;
	while (p < end && (*p == ' ' || *p == ','))
		p++;
	if (p >= end)
		return 0;
	const char *q = p;
	int depth = 0;
	while (q < end && (depth > 0 || *q != ',')) {
		depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
		q++;
	}
	*item = p;
	*len = (size_t)(q - p);
	while (*len && p[*len - 1] == ' ')
		(*len)--;
	*s = q;
	return 1;
}

/* Where word (" ON ", " TO ") first stands at depth 0 in [s, end); NULL if nowhere. */
static const char *find0(const char *s, const char *end, const char *word)
{
	size_t wl = strlen(word);
	int depth = 0;
	for (const char *p = s; p + wl <= end; p++) {
		depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
		if (depth == 0 && strncmp(p, word, wl) == 0)
			return p;
	}
	return NULL;
}

static int starts(const char *s, const char *end, const char *word)
{
	size_t wl = strlen(word);
	return (size_t)(end - s) >= wl && strncmp(s, word, wl) == 0;
}

/* One privilege (p, plen: "UPDATE" or "UPDATE (a, b)") on one object of kind. */
static int add_priv(struct plist *l, const char *kind, const char *obj, size_t olen, const char *p, size_t plen)
{
	/* ALL [PRIVILEGES] names no privilege the server reports: read as unreadable */
	if (starts(p, p + plen, "ALL") && (plen == 3 || p[3] == ' ' || p[3] == '('))
		return -1;
	const char *paren = memchr(p, '(', plen);
	if (!paren)
		return push(l, kind, obj, olen, "", 0, p, plen);
	size_t wl = (size_t)(paren - p);
	while (wl && p[wl - 1] == ' ')
		wl--;
	const char *close = memchr(paren, ')', plen - (size_t)(paren - p));
	if (!close || strcmp(kind, "table") != 0)
		return -1;
	const char *c = paren + 1, *col;
	size_t cl;
	while (next_item(&c, close, &col, &cl)) {
		int r = push(l, "column", obj, olen, col, cl, p, wl);
		if (r != 1)
			return r;
	}
	return 1;
}

/* One GRANT statement, "GRANT privs ON objects TO grantee" (s..end). 1, -1 not understood, 0
 * out of memory. */
static int grant(struct plist *l, const char *s, const char *end)
{
	const char *on = find0(s, end, " ON "), *to = NULL;
	for (const char *p = on; p && (p = find0(p + 1, end, " TO ")) != NULL;)
		to = p;
	if (!on || !to || to < on)
		return -1;
	const char *who = to + 4;
	if ((size_t)(end - who) != strlen(GRANTEE) || strncmp(who, GRANTEE, strlen(GRANTEE)) != 0)
		return -1;
	const char *objs = on + 4, *kind = "table";
	if (starts(objs, to, "ALL TABLES IN SCHEMA public") && objs + 27 == to)
		objs = "*";
	else if (starts(objs, to, "ALL "))
		return -1; /* ALL SEQUENCES / FUNCTIONS: not read yet */
	else if (starts(objs, to, "SCHEMA "))
		kind = "schema", objs += 7;
	else if (starts(objs, to, "SEQUENCE "))
		kind = "sequence", objs += 9;
	else if (starts(objs, to, "FUNCTION "))
		kind = "function", objs += 9;
	else if (starts(objs, to, "TABLE "))
		objs += 6;
	else if (starts(objs, to, "DATABASE ") || starts(objs, to, "LARGE ") || starts(objs, to, "TYPE ") ||
		 starts(objs, to, "DOMAIN ") || starts(objs, to, "FOREIGN ") || starts(objs, to, "LANGUAGE ") ||
		 starts(objs, to, "TABLESPACE ") || starts(objs, to, "PROCEDURE ") || starts(objs, to, "ROUTINE "))
		return -1;
	const char *oend = objs[0] == '*' && objs[1] == '\0' ? objs + 1 : to;
	const char *o = objs, *obj;
	size_t olen;
	int any = 0;
	while (next_item(&o, oend, &obj, &olen)) {
		const char *p = s + 6, *pr;
		size_t pl;
		while (next_item(&p, on, &pr, &pl)) {
			int r = add_priv(l, kind, obj, olen, pr, pl);
			if (r != 1)
				return r;
			any = 1;
		}
	}
	return any ? 1 : -1;
}

fk_status fk_pg_privs_expected(const char *grants, fk_pg_priv **out, size_t *n, fk_error *err)
{
	*out = NULL;
	*n = 0;
	char *text = squeeze(grants);
	if (!text)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	struct plist l = {0};
	int granted = 0, r = 1;
	char *p = text;
	while (r == 1 && *p) {
		/* a statement ends at ';' outside a dollar-quoted body (the DO block) */
		char *q = p;
		int dollar = 0;
		while (*q && (dollar || *q != ';')) {
			if (q[0] == '$' && q[1] == '$') {
				dollar = !dollar;
				q++;
			}
			q++;
		}
		char *end = q;
		while (*p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
		if (starts(p, end, "GRANT ")) {
			r = grant(&l, p, end);
			granted = 1;
		} else if (starts(p, end, "REVOKE ") && granted && find0(p, end, " " GRANTEE)) {
			/* taken from the group after a GRANT: the GRANTs' union is no longer what it
			 * holds (one taken from PUBLIC only narrows what is held, never the list) */
			r = -1;
		}
		p = *q ? q + 1 : q;
	}
	free(text);
	if (r != 1 || !granted) {
		free(l.v);
		return r == 0 ? fk_fail(err, FK_ERR_NOMEM, "out of memory")
			      : fk_fail(err, FK_ERR_INTERNAL, "sql/terminal_grants.pg.sql holds a statement the "
							      "privilege check cannot read: the terminal's role "
							      "cannot be checked");
	}
	*out = l.v;
	*n = l.n;
	return FK_OK;
}

/* What the connected role may do in the store, as (kind, object, column, privilege) rows, or
 * one row of kind 'owner' when it owns every relation and function of the schema (the
 * schema's owner: exempt). Effective privileges: through PUBLIC, through every role it
 * inherits, and through the predefined roles (pg_write_all_data, …), as the server decides
 * them. A column row only where the table-wide privilege is not held. Ordered, so that the
 * privilege a refusal names is always the same one. */
static const char SQL_PRIVS[] =
	"WITH n AS (SELECT to_regnamespace(current_schema()) AS oid), "
	"t AS (SELECT c.oid, c.relname FROM pg_class c, n WHERE c.relnamespace = n.oid "
	"AND c.relkind IN ('r', 'p', 'v', 'm', 'f')), "
	"q AS (SELECT c.oid, c.relname FROM pg_class c, n WHERE c.relnamespace = n.oid AND c.relkind = 'S'), "
	"me AS (SELECT oid FROM pg_roles WHERE rolname = current_user) "
	"SELECT 'owner', '', '', '' WHERE NOT EXISTS (SELECT FROM pg_class c, n, me "
	"WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relowner <> me.oid) "
	"AND NOT EXISTS (SELECT FROM pg_proc f, n, me WHERE f.pronamespace = n.oid AND f.proowner <> me.oid) "
	"AND EXISTS (SELECT FROM t) "
	"UNION ALL SELECT 'table', t.relname, '', p FROM t, "
	"unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p "
	"WHERE has_table_privilege(t.oid, p) "
	"UNION ALL SELECT 'column', t.relname, a.attname, p FROM t "
	"JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped, "
	"unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p "
	"WHERE NOT has_table_privilege(t.oid, p) AND has_column_privilege(t.oid, a.attnum, p) "
	"UNION ALL SELECT 'sequence', q.relname, '', p FROM q, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p "
	"WHERE has_sequence_privilege(q.oid, p) "
	"UNION ALL SELECT 'function', f.proname || '(' || oidvectortypes(f.proargtypes) || ')', '', "
	"'EXECUTE' FROM pg_proc f, n WHERE f.pronamespace = n.oid AND has_function_privilege(f.oid, 'EXECUTE') "
	"UNION ALL SELECT 'schema', s.nspname, '', p FROM pg_namespace s, unnest(ARRAY['USAGE', 'CREATE']) p "
	"WHERE s.nspname IN (current_schema(), 'fk_expected') AND has_schema_privilege(s.oid, p) "
	"UNION ALL SELECT 'database', current_database(), '', 'CREATE' "
	"WHERE has_database_privilege(current_database(), 'CREATE') "
	"UNION ALL SELECT 'role', r.rolname, '', v.a FROM pg_roles r CROSS JOIN LATERAL (VALUES "
	"('SUPERUSER', r.rolsuper), ('CREATEROLE', r.rolcreaterole), ('CREATEDB', r.rolcreatedb), "
	"('REPLICATION', r.rolreplication), ('BYPASSRLS', r.rolbypassrls)) AS v(a, has) "
	"WHERE r.rolname = current_user AND v.has ORDER BY 1, 2, 3, 4";

static int held_expected(const fk_pg_priv *want, size_t n, const char *kind, const char *object,
			 const char *column, const char *priv)
{
	char obj[sizeof want->object];
	size_t o = 0;
	for (size_t i = 0; object[i] && o + 1 < sizeof obj; i++)
		if (object[i] != ' ')
			obj[o++] = object[i];
	obj[o] = '\0';
	for (size_t i = 0; i < n; i++) {
		const fk_pg_priv *w = &want[i];
		if (strcmp(w->kind, kind) == 0 && strcmp(w->priv, priv) == 0 && strcmp(w->column, column) == 0 &&
		    (strcmp(w->object, obj) == 0 || (w->object[0] == '*' && !w->object[1] && strcmp(kind, "table") == 0)))
			return 1;
	}
	return 0;
}

/* "UPDATE on audit_log", "UPDATE (role) on operator", "SUPERUSER" */
static void name_priv(char *out, size_t len, const char *kind, const char *object, const char *column,
		      const char *priv)
{
	if (strcmp(kind, "role") == 0)
		snprintf(out, len, "%s", priv);
	else if (column[0])
		snprintf(out, len, "%s (%s) on %s", priv, column, object);
	else
		snprintf(out, len, "%s on %s %s", priv, kind, object);
}

fk_status fk_pg_privs_check(fk_sql *db, fk_error *err)
{
	if (!fk_sql_is_pg(db))
		return FK_OK;
	fk_pg_priv *want;
	size_t nwant;
	fk_status st = fk_pg_privs_expected(fk_pg_terminal_grants, &want, &nwant, err);
	if (st != FK_OK)
		return st;
	fk_stmt *q;
	int rc = fk_sql_prepare(db, SQL_PRIVS, 0, &q);
	if (rc != SQLITE_OK) {
		free(want);
		return fk_db_fail(db, rc, err, "reading the terminal role's privileges");
	}
	long long surplus = 0;
	int owner = 0;
	char first[96] = "";
	while ((rc = fk_sql_step(q)) == SQLITE_ROW) {
		const char *f[4];
		for (int i = 0; i < 4; i++) {
			f[i] = (const char *)fk_sql_column_text(q, i);
			f[i] = f[i] ? f[i] : "";
		}
		if (strcmp(f[0], "owner") == 0)
			owner = 1;
		else if (!held_expected(want, nwant, f[0], f[1], f[2], f[3]) && surplus++ == 0)
			name_priv(first, sizeof first, f[0], f[1], f[2], f[3]);
	}
	free(want);
	if (rc != SQLITE_DONE)
		st = fk_db_fail(db, fk_sql_extended_errcode(db), err, "reading the terminal role's privileges");
	fk_sql_finalize(q);
	if (st != FK_OK || owner || surplus == 0)
		return st;
	return fk_fail_id(err, FK_ERR_TAMPER, FK_MSG_STORE_ROLE_SURPLUS, first, surplus);
}
