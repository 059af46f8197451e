/* A register laid out like a 全部事項証明, and the comparison of two layouts. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "disp.h"
#include "norm.h"
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

/* Digits written full-width, as the certificate writes them (平成６年１０月１日,
 * 一丁目１０番地); a 外字 reference (〓[MJ:012345], 〓[KT:…]) keeps its ASCII number, which the
 * display marks. */
static void full_width(const char *in, char *out, size_t len)
{
	static const char geta_ref[] = FK_DISP_GETA "[";
	size_t n = 0;
	if (!len)
		return;
	while (*in && n + 4 < len) {
		if (!strncmp(in, geta_ref, sizeof geta_ref - 1)) {
			const char *end = strchr(in, ']');
			size_t k = end ? (size_t)(end - in) + 1 : strlen(in);
			if (n + k >= len)
				break;
			memcpy(out + n, in, k);
			n += k;
			in += k;
		} else if (*in >= '0' && *in <= '9') {
			/* U+FF10..FF19: EF BC 90..99 */
			out[n++] = '\xef';
			out[n++] = '\xbc';
			out[n++] = (char)(0x90 + (*in - '0'));
			in++;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
}

/* Detail values that look like dates are written in the era, as on paper; digits full-width. */
static void value_text(const char *v, char *out, size_t len)
{
	char era[512];
	if (!fk_wareki(v, era, sizeof era))
		fk_copy_str(era, sizeof era, v);
	full_width(era, out, len);
}

/* The heading column of the certificate: four full-width characters, a two-character name
 * spread over them (出　　生, 本　　籍), a longer one as it is, then two full-width spaces. */
static void heading(const char *name, char *out, size_t len)
{
	size_t chars = fk_utf8_len(name);
	if (chars == 2) {
		size_t first = fk_utf8_prefix(name, 1);
		snprintf(out, len, "%.*s　　%s　　", (int)first, name, name + first);
	} else if (chars == 3) {
		snprintf(out, len, "%s　　　", name);
	} else {
		snprintf(out, len, "%s　　", name);
	}
}

#define ITEM_INDENT FK_CERT_ITEM_INDENT

/* The order items take under an event on the certificate: what happened and where, who and
 * which register it concerns, then the notification (届出日, 届出人) last, whatever order the
 * package listed them in. Items not in the table come between the two, in their order. */
static int item_rank(const char *key)
{
	static const char *const first[] = {"死亡時分", "出生地", "死亡地", "認知者氏名", "養親氏名",
					    "配偶者氏名", "従前戸籍", "入籍戸籍", "新本籍", "改製事由"};
	static const char *const last[] = {"届出日", "届出人", "送付を受けた日", "受理者"};
	for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
		if (!strcmp(key, first[i]))
			return (int)i;
	for (size_t i = 0; i < sizeof last / sizeof last[0]; i++)
		if (!strcmp(key, last[i]))
			return 100 + (int)i;
	return 50;
}

#define ITEMS_MAX 64

/* One 事項 (event): its heading and date, then each 【item】 on its own line, in the
 * certificate's order. */
static fk_status event_lines(fk_lines *l, const json_t *e, fk_error *err)
{
	char date[128], head[64];
	value_text(str(e, "date"), date, sizeof date);
	heading(str(e, "type"), head, sizeof head);
	fk_status s = fk_lines_add(l, err, "　%s【%s日】%s", head, str(e, "type"), date);
	const char *keys[ITEMS_MAX];
	const json_t *vals[ITEMS_MAX];
	int n = 0;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)json_object_get(e, "detail"), key, v) {
		if (n == ITEMS_MAX)
			break;
		/* Insertion by rank, stable: items of one rank keep the package's order. */
		int at = n++;
		while (at > 0 && item_rank(keys[at - 1]) > item_rank(key)) {
			keys[at] = keys[at - 1];
			vals[at] = vals[at - 1];
			at--;
		}
		keys[at] = key;
		vals[at] = v;
	}
	for (int i = 0; i < n && s == FK_OK; i++) {
		char val[1024];
		value_text(json_string_value(vals[i]) ? json_string_value(vals[i]) : "", val, sizeof val);
		s = fk_lines_add(l, err, ITEM_INDENT "【%s】%s", keys[i], val);
	}
	return s;
}

#define SEPARATOR "------------------------------------------------------------------------------"

static fk_status person_lines(fk_lines *l, const json_t *p, int number, fk_error *err)
{
	char birth[128], name[512], reading[512];
	value_text(str(p, "birth"), birth, sizeof birth);
	full_width(str(p, "name"), name, sizeof name);
	full_width(str(p, "reading"), reading, sizeof reading);
	const char *spouse = str(p, "spouse");
	int removed = json_is_true(json_object_get(p, "removed"));
	fk_status s = number > 1 ? fk_lines_add(l, err, "%s", SEPARATOR) : FK_OK;
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "戸籍に記録されている者");
	/* A member who has left carries the 除籍 mark beside the name. */
	if (s == FK_OK) {
		/* Padded to 24 columns by hand: the name keeps its 外字 references as they are,
		 * for the display to mark. */
		int pad = removed ? 24 - fk_disp_width(name) : 0;
		s = fk_lines_add(l, err, ITEM_INDENT "【名】%s%*s%s", name, pad > 0 ? pad : 0, "",
				 removed ? "　　除　籍" : "");
	}
	if (s == FK_OK && *reading)
		s = fk_lines_add(l, err, ITEM_INDENT "【名の振り仮名】%s", reading);
	if (s == FK_OK)
		s = fk_lines_add(l, err, ITEM_INDENT "【生年月日】%s%s%s", birth, *spouse ? "　　【配偶者区分】" : "",
				 spouse);
	if (s == FK_OK && *str(p, "father"))
		s = fk_lines_add(l, err, ITEM_INDENT "【父】%s", str(p, "father"));
	if (s == FK_OK && *str(p, "mother"))
		s = fk_lines_add(l, err, ITEM_INDENT "【母】%s", str(p, "mother"));
	if (s == FK_OK)
		s = fk_lines_add(l, err, ITEM_INDENT "【続柄】%s", str(p, "relation"));
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "身分事項");
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(p, "events"), i, e) {
		if (s == FK_OK)
			s = event_lines(l, e, err);
	}
	return s;
}

fk_status fk_cert_lines(const json_t *doc, int kind, fk_lines *l, fk_error *err)
{
	const json_t *head = json_object_get(doc, "hittosha");
	char honseki[1024], name[512], h1[64], h2[64];
	full_width(str(doc, "honseki"), honseki, sizeof honseki);
	full_width(str(head, "name"), name, sizeof name);
	heading("本籍", h1, sizeof h1);
	heading("氏名", h2, sizeof h2);
	/* The title centred over the 78 columns the form is laid out in; a 除籍 marked as one. */
	fk_status s = fk_lines_add(l, err, "%s%s", "　　　　　　　　　　　　　　　　 全部事項証明",
				   kind == FK_KIND_JOSEKI ? "　　　　除　籍" : "");
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s%s", h1, honseki);
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s%s", h2, name);
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "戸籍事項");
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(doc, "jiko"), i, x) {
		if (s == FK_OK)
			s = event_lines(l, x, err);
	}
	json_array_foreach(json_object_get(doc, "persons"), i, x) {
		if (s == FK_OK)
			s = person_lines(l, x, (int)i + 1, err);
	}
	if (s == FK_OK)
		s = fk_lines_add(l, err, "%s", "　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　以下余白");
	return s;
}

/* The byte length of the first unit of s: one character, or a whole 外字 placeholder
 * reference, which is never split. */
static size_t unit_len(const char *s)
{
	static const char geta_ref[] = FK_DISP_GETA "[";
	if (!strncmp(s, geta_ref, sizeof geta_ref - 1)) {
		const char *end = strchr(s, ']');
		if (end)
			return (size_t)(end - s) + 1;
	}
	unsigned char c = (unsigned char)*s;
	size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	for (size_t i = 1; i < k; i++)
		if (!s[i])
			return i;
	return k;
}

fk_status fk_lines_wrap(const fk_lines *in, int width, int keep, const char *indent, fk_lines *out,
			fk_error *err)
{
	fk_status s = FK_OK;
	/* Continuations start at the indent, when the width leaves room for text after it. */
	int indent_w = indent ? fk_disp_width(indent) : 0;
	if (!indent || width < indent_w + 26) {
		indent = "";
		indent_w = 0;
	}
	for (int i = 0; i < in->n && s == FK_OK; i++) {
		const char *rest = in->v[i];
		char prefix[8] = "";
		/* A comparison's "+ " "- " "  " starts every piece of its line. */
		if (keep > 0 && (int)strlen(rest) >= keep) {
			memcpy(prefix, rest, (size_t)keep);
			prefix[keep] = '\0';
			rest += keep;
		}
		int first = 1;
		do {
			int room = width - (int)strlen(prefix) - (first ? 0 : indent_w);
			char piece[LINE_MAX_BYTES];
			size_t used = 0;
			int w = 0;
			while (rest[used]) {
				size_t k = unit_len(rest + used);
				char unit[32];
				if (k >= sizeof unit)
					k = sizeof unit - 1;
				memcpy(unit, rest + used, k);
				unit[k] = '\0';
				int uw = fk_disp_width(unit);
				if ((w + uw > room && used > 0) || used + k >= sizeof piece)
					break;
				w += uw;
				used += k;
			}
			memcpy(piece, rest, used);
			piece[used] = '\0';
			s = fk_lines_add(out, err, "%s%s%s", prefix, first ? "" : indent, piece);
			rest += used;
			first = 0;
		} while (*rest && s == FK_OK);
	}
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
		} else if (i < n && (j == m || T(i + 1, j) >= T(i, j + 1))) {
			/* What went before what came: a change reads old line, then new. */
			s = fk_lines_add(out, err, "- %s", a->v[i++]);
			(*changes)++;
		} else {
			s = fk_lines_add(out, err, "+ %s", b->v[j++]);
			(*changes)++;
		}
	}
#undef T
	free(t);
	return s;
}
