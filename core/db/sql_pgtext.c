/* The PostgreSQL driver's text work (sql_pgtext.h): placeholders and SQLSTATEs. */
#include "config.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_pgtext.h"

/* SQLSTATEs onto SQLite's codes: the first entry whose prefix matches wins, so exact codes
 * come before their class. */
static const struct {
	const char *state;
	int code;
} sqlstate_map[] = {
	{"23505", SQLITE_CONSTRAINT_UNIQUE},
	{"23503", SQLITE_CONSTRAINT_FOREIGNKEY},
	{"23502", SQLITE_CONSTRAINT_NOTNULL},
	{"23514", SQLITE_CONSTRAINT_CHECK},
	{"23", SQLITE_CONSTRAINT},
	{"P0001", SQLITE_CONSTRAINT_TRIGGER}, /* RAISE in a trigger: SQLite's RAISE(ABORT) */
	{"40001", SQLITE_BUSY},               /* serialization failure */
	{"40P01", SQLITE_BUSY},               /* deadlock detected */
	{"55P03", SQLITE_BUSY},               /* lock_timeout */
	{"53100", SQLITE_FULL},               /* disk full */
	{"57014", SQLITE_INTERRUPT},          /* statement_timeout, cancel */
	{"57P", SQLITE_IOERR},                /* the server shut the session down */
	{"08", SQLITE_IOERR},                 /* connection exceptions */
};

int fk_pg_sqlstate_code(const char *sqlstate)
{
	if (!sqlstate)
		return SQLITE_ERROR;
	for (size_t i = 0; i < sizeof sqlstate_map / sizeof sqlstate_map[0]; i++)
		if (strncmp(sqlstate, sqlstate_map[i].state, strlen(sqlstate_map[i].state)) == 0)
			return sqlstate_map[i].code;
	return SQLITE_ERROR;
}


static int ident_char(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Length of a dollar-quote tag at p ("$$" or "$tag$"), 0 when p starts none. */
static size_t dollar_tag(const char *p)
{
	if (p[0] != '$')
		return 0;
	size_t i = 1;
	if (p[1] >= '0' && p[1] <= '9')
		return 0; /* $1 is a parameter, not a tag */
	while (ident_char((unsigned char)p[i]) && p[i] != '$')
		i++;
	return p[i] == '$' ? i + 1 : 0;
}

/* SQLite's placeholders to PostgreSQL's: `?NNN` is parameter NNN, a bare `?` is one more than
 * the largest so far (SQLite's rule). String literals ('…', E'…' with backslash escapes),
 * quoted identifiers ("…"), dollar-quoted strings, -- and (nested) block comments are copied
 * as they are. Named parameters (:name, @name, $name) are not supported: core uses none. */
int fk_pg_rewrite(const char *sql, char **out, int *nparams)
{
	*out = NULL;
	*nparams = 0;
	size_t len = strlen(sql), marks = 0;
	for (size_t i = 0; i < len; i++)
		marks += sql[i] == '?';
	char *o = malloc(len + marks * 6 + 1);
	if (!o)
		return SQLITE_NOMEM;
	size_t w = 0;
	int max = 0;
	const char *p = sql;
	while (*p) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			/* E'…' (or e'…'): backslash escapes; the E must start a token */
			int esc = q == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
				  (p - 1 == sql || !ident_char((unsigned char)p[-2]));
			o[w++] = *p++;
			while (*p) {
				if (esc && *p == '\\' && p[1]) {
					o[w++] = *p++;
					o[w++] = *p++;
					continue;
				}
				if (*p == q && p[1] == q) { /* doubled quote */
					o[w++] = *p++;
					o[w++] = *p++;
					continue;
				}
				if (*p == q)
					break;
				o[w++] = *p++;
			}
			if (*p)
				o[w++] = *p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				o[w++] = *p++;
		} else if (p[0] == '/' && p[1] == '*') {
			int depth = 0;
			do {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					o[w++] = *p++;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					o[w++] = *p++;
				}
				o[w++] = *p++;
			} while (*p && depth > 0);
		} else if (*p == '$' && (p == sql || !ident_char((unsigned char)p[-1])) && dollar_tag(p)) {
			size_t t = dollar_tag(p);
			const char *end = NULL;
			for (const char *s = p + t; *s; s++)
				if (strncmp(s, p, t) == 0) {
					end = s;
					break;
				}
			size_t n = end ? (size_t)(end - p) + t : strlen(p);
			memcpy(o + w, p, n);
			w += n;
			p += n;
		} else if (*p == '?') {
			p++;
			long n;
			if (*p >= '0' && *p <= '9') {
				char *e;
				errno = 0;
				n = strtol(p, &e, 10);
				if (errno || n < 1 || n > 32766) {
					free(o);
					return SQLITE_RANGE;
				}
				p = e;
			} else {
				n = max + 1;
				if (n > 32766) {
					free(o);
					return SQLITE_RANGE;
				}
			}
			if (n > max)
				max = (int)n;
			w += (size_t)sprintf(o + w, "$%ld", n);
		} else {
			o[w++] = *p++;
		}
	}
	o[w] = '\0';
	*out = o;
	*nparams = max;
	return SQLITE_OK;
}

