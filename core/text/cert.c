/* A register laid out like a 全部事項証明, and the comparison of two layouts. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "disp.h"
#include "register.h"
#include "util.h"
#include "wareki.h"

#define LINE_MAX_BYTES 1024
#define DIFF_MAX_LINES 4000


fk_status fk_lines_add(fk_lines *l, fk_error *err, const char *fmt, ...)
{
	char buf[LINE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, (size_t)cap * sizeof *v);
		if (!v)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(buf)))
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	l->n++;
	return FK_OK;
}

void fk_lines_free(fk_lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Detail values that look like dates are written in the era, as on paper. */
static void value_text(const char *v, char *out, size_t len)
{
	if (!fk_wareki(v, out, len))
		fk_copy_str(out, len, v);
}

/* One 事項 (event): its type and date, then each 【detail】 on its own line. */
static fk_status event_lines(fk_lines *l, const json_t *e, const char *indent, fk_error *err)
{
	char date[64], type[64];
	value_text(str(e, "date"), date, sizeof date);
	/* Padded by display width, not bytes: the types are kanji. */
	fk_disp_fit(str(e, "type"), 10, type, sizeof type);
	fk_status s = fk_lines_add(l, err, "%s%s【%s日】%s", indent, type, str(e, "type"), date);
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)json_object_get(e, "detail"), key, v) {
		char val[512];
		value_text(json_string_value(v) ? json_string_value(v) : "", val, sizeof val);
		if (s == FK_OK)
			s = fk_lines_add(l, err, "%s　　　　　　【%s】%s", indent, key, val);
	}
	return s;
}

static fk_status person_lines(fk_lines *l, const json_t *p, int number, fk_error *err)
{
	char birth[64];
	value_text(str(p, "birth"), birth, sizeof birth);
	const char *spouse = str(p, "spouse");
	int removed = json_is_true(json_object_get(p, "removed"));
	fk_status s = fk_lines_add(l, err, "%s", "");
	if (s == FK_OK)
		s = fk_lines_add(l, err, "戸籍に記録されている者 (%d)%s", number, removed ? "　　【除籍】" : "");
	if (s == FK_OK)
		s = fk_lines_add(l, err, "　　【名】%s（%s）", str(p, "name"), str(p, "reading"));
	if (s == FK_OK)
		s = fk_lines_add(l, err, "　　【生年月日】%s　%s%s", birth, *spouse ? "【配偶者区分】" : "", spouse);
	if (s == FK_OK && *str(p, "father"))
		s = fk_lines_add(l, err, "　　【父】%s", str(p, "father"));
	if (s == FK_OK && *str(p, "mother"))
		s = fk_lines_add(l, err, "　　【母】%s", str(p, "mother"));
	if (s == FK_OK)
		s = fk_lines_add(l, err, "　　【続柄】%s", str(p, "relation"));
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "身分事項");
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(p, "events"), i, e) {
		if (s == FK_OK)
			s = event_lines(l, e, "　", err);
	}
	return s;
}

fk_status fk_cert_lines(const json_t *doc, int kind, fk_lines *l, fk_error *err)
{
	const json_t *head = json_object_get(doc, "hittosha");
	fk_status s = fk_lines_add(l, err, "%s", kind == FK_KIND_JOSEKI ? "除籍　全部事項証明" : "戸籍　全部事項証明");
	if (s == FK_OK)
		s = fk_lines_add(l, err, "本籍　　　　%s", str(doc, "honseki"));
	if (s == FK_OK)
		s = fk_lines_add(l, err, "氏名　　　　%s（%s）", str(head, "name"), str(head, "reading"));
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "");
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "戸籍事項");
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(doc, "jiko"), i, x) {
		if (s == FK_OK)
			s = event_lines(l, x, "　", err);
	}
	json_array_foreach(json_object_get(doc, "persons"), i, x) {
		if (s == FK_OK)
			s = person_lines(l, x, (int)i + 1, err);
	}
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "");
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "以下余白");
	return s;
}

/* Classic LCS table, bounded: registers are tens of lines, never thousands. */
fk_status fk_lines_diff(const fk_lines *a, const fk_lines *b, fk_lines *out, int *changes,
			fk_error *err)
{
	int n = a->n, m = b->n;
	*changes = 0;
	if (n > DIFF_MAX_LINES || m > DIFF_MAX_LINES)
		return fk_fail(err, FK_ERR_INVALID, "too many lines to compare");
	unsigned short *t = calloc((size_t)(n + 1) * (size_t)(m + 1), sizeof *t);
	if (!t)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
#define T(i, j) t[(size_t)(i) * (size_t)(m + 1) + (size_t)(j)]
	for (int i = n - 1; i >= 0; i--)
		for (int j = m - 1; j >= 0; j--)
			T(i, j) = strcmp(a->v[i], b->v[j]) == 0 ? T(i + 1, j + 1) + 1
				  : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
	fk_status s = FK_OK;
	int i = 0, j = 0;
	while (s == FK_OK && (i < n || j < m)) {
		if (i < n && j < m && strcmp(a->v[i], b->v[j]) == 0) {
			s = fk_lines_add(out, err, "  %s", a->v[i]);
			i++, j++;
		} else if (j < m && (i == n || T(i, j + 1) >= T(i + 1, j))) {
			s = fk_lines_add(out, err, "+ %s", b->v[j++]);
			(*changes)++;
		} else {
			s = fk_lines_add(out, err, "- %s", a->v[i++]);
			(*changes)++;
		}
	}
#undef T
	free(t);
	return s;
}
