/* Loader for the gimei name lists: a line scanner for the file's fixed YAML shape. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "names.h"

/* The real file is about 600 KB; a cap keeps a wrong path (a device, a
 * huge log) from being read into memory. */
#define NAMES_FILE_MAX (64u << 20)

typedef enum section { SEC_NONE, SEC_LAST, SEC_MALE, SEC_FEMALE } section;

/* A growable list of names under construction. */
typedef struct name_list {
	fk_name *v;
	size_t n, cap;
} name_list;

typedef struct parser {
	const char *path;
	char *arena;  /* strings are copied here, NUL-terminated */
	size_t used;  /* bytes of arena in use */
	int first;    /* inside first_name: (male/female headers are legal) */
	section sec;
	name_list list[4]; /* indexed by section */
	unsigned line;
} parser;

static fk_status read_all(const char *path, char **out, size_t *len, fk_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fk_fail(err, FK_ERR_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > NAMES_FILE_MAX) {
		fclose(f);
		return fk_fail(err, FK_ERR_IO, "%s: not a readable name list", path);
	}
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size + 1);
	if (!buf) {
		fclose(f);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory reading %s", path);
	}
	size_t got = fread(buf, 1, size, f);
	int bad = ferror(f) || got != size;
	fclose(f);
	if (bad) {
		free(buf);
		return fk_fail(err, FK_ERR_IO, "%s: read error", path);
	}
	buf[size] = '\0';
	*out = buf;
	*len = size;
	return FK_OK;
}

static fk_status corrupt(const parser *p, const char *what, fk_error *err)
{
	return fk_fail(err, FK_ERR_CORRUPT, "%s:%u: %s", p->path, p->line, what);
}

static fk_status push(parser *p, fk_name nm, fk_error *err)
{
	name_list *l = &p->list[p->sec];
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		fk_name *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory loading names");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = nm;
	return FK_OK;
}

/* Parse one YAML single-quoted scalar at *s into the arena ('' is a quote).
 * Leaves *s after the closing quote. NULL if malformed. */
static const char *scalar(parser *p, const char **s, const char *end)
{
	const char *q = *s;
	if (q >= end || *q != '\'')
		return NULL;
	char *dst = p->arena + p->used, *start = dst;
	for (q++; q < end; q++) {
		if (*q == '\'') {
			if (q + 1 < end && q[1] == '\'') {
				*dst++ = *q++;
				continue;
			}
			*dst++ = '\0';
			p->used += (size_t)(dst - start);
			*s = q + 1;
			return start;
		}
		*dst++ = *q;
	}
	return NULL;
}

/* "- ['漢字', 'ひらがな', 'カタカナ', 'Romaji']" (s is after the leading spaces).
 * Only kanji and hiragana are kept; the other two are checked and dropped. */
static fk_status item(parser *p, const char *s, const char *end, fk_error *err)
{
	if (p->sec == SEC_NONE)
		return corrupt(p, "name entry outside any list", err);
	if (end - s < 3 || memcmp(s, "- [", 3) != 0)
		return corrupt(p, "expected a list entry", err);
	s += 3;
	const char *field[4];
	size_t keep = p->used;
	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (end - s < 2 || s[0] != ',' || s[1] != ' ')
				return corrupt(p, "expected 4 quoted fields", err);
			s += 2;
		}
		if (!(field[i] = scalar(p, &s, end)))
			return corrupt(p, "malformed quoted field", err);
	}
	if (s + 1 != end || *s != ']')
		return corrupt(p, "expected ']' at end of entry", err);
	if (!field[0][0] || !field[1][0])
		return corrupt(p, "empty name or reading", err);
	/* Reclaim the katakana and romaji copies: they follow the reading. */
	p->used = keep + strlen(field[0]) + 1 + strlen(field[1]) + 1;
	fk_name nm = {field[0], field[1]};
	return push(p, nm, err);
}

/* Section headers: "last_name:", "first_name:", then "male:"/"female:" under it. */
static fk_status header(parser *p, const char *s, const char *end, size_t indent, fk_error *err)
{
	size_t n = (size_t)(end - s);
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(s, lit, n) == 0)
	if (indent == 0 && IS("last_name:")) {
		p->first = 0;
		p->sec = SEC_LAST;
	} else if (indent == 0 && IS("first_name:")) {
		p->first = 1;
		p->sec = SEC_NONE;
	} else if (indent > 0 && p->first && IS("male:")) {
		p->sec = SEC_MALE;
	} else if (indent > 0 && p->first && IS("female:")) {
		p->sec = SEC_FEMALE;
	} else {
		return corrupt(p, "unexpected line", err);
	}
#undef IS
	return FK_OK;
}

static fk_status parse_line(parser *p, const char *s, const char *end, fk_error *err)
{
	const char *t = s;
	while (t < end && *t == ' ')
		t++;
	while (end > t && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (t == end || *t == '#' || (end - t == 3 && !memcmp(t, "---", 3)))
		return FK_OK;
	if (*t == '-')
		return item(p, t, end, err);
	return header(p, t, end, (size_t)(t - s), err);
}

static fk_status parse(parser *p, const char *buf, size_t len, fk_error *err)
{
	const char *s = buf, *end = buf + len;
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;
		p->line++;
		fk_status st = parse_line(p, s, eol, err);
		if (st != FK_OK)
			return st;
		s = eol + 1;
	}
	static const char *const what[4] = {"", "last_name", "first_name male", "first_name female"};
	for (int i = SEC_LAST; i <= SEC_FEMALE; i++)
		if (p->list[i].n == 0)
			return fk_fail(err, FK_ERR_CORRUPT, "%s: no %s entries", p->path, what[i]);
	return FK_OK;
}

fk_status fk_names_load(const char *path, fk_names *out, fk_error *err)
{
	memset(out, 0, sizeof *out);
	char *buf = NULL;
	size_t len = 0;
	fk_status st = read_all(path, &buf, &len, err);
	if (st != FK_OK)
		return st;
	/* Every kept string is shorter than the line it came from, so one
	 * arena of the file's size always suffices. */
	parser p = {.path = path, .arena = malloc(len + 1)};
	if (!p.arena) {
		free(buf);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory loading names");
	}
	st = parse(&p, buf, len, err);
	free(buf);
	if (st != FK_OK) {
		for (int i = 0; i < 4; i++)
			free(p.list[i].v);
		free(p.arena);
		return st;
	}
	*out = (fk_names){
		.last = p.list[SEC_LAST].v,	.n_last = p.list[SEC_LAST].n,
		.male = p.list[SEC_MALE].v,	.n_male = p.list[SEC_MALE].n,
		.female = p.list[SEC_FEMALE].v, .n_female = p.list[SEC_FEMALE].n,
		.arena = p.arena,
	};
	return FK_OK;
}

void fk_names_free(fk_names *n)
{
	if (!n)
		return;
	free(n->last);
	free(n->male);
	free(n->female);
	free(n->arena);
	memset(n, 0, sizeof *n);
}
