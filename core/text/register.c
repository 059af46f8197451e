/* Register content: strict schema validation, canonical JSON dump and load. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register.h"
#include "util.h"

/* Bounds keep a hostile or broken document from costing unbounded memory
 * or time further on (display, indexing, sealing). Real registers are far
 * below them. */
#define REG_STR_MAX 1024      /* bytes in any string or detail key */
#define REG_PERSONS_MAX 64
#define REG_EVENTS_MAX 256    /* per person, and in 戸籍事項 */
#define REG_DETAIL_MAX 32     /* fields in one event's detail */
#define REG_DOC_MAX (16u << 20) /* bytes of serialised content accepted by load */

#define PATH_MAX_LEN 160

const char *fk_reg_kind_name(fk_reg_kind k)
{
	switch (k) {
	case FK_KIND_KOSEKI:
		return "戸籍";
	case FK_KIND_JOSEKI:
		return "除籍";
	}
	return "?";
}

const char *fk_reg_kind_id(fk_reg_kind k)
{
	switch (k) {
	case FK_KIND_KOSEKI:
		return "koseki";
	case FK_KIND_JOSEKI:
		return "joseki";
	}
	return "?";
}

int fk_reg_kind_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "koseki") || !strcmp(s, "戸籍"))
		return FK_KIND_KOSEKI;
	if (!strcmp(s, "joseki") || !strcmp(s, "除籍"))
		return FK_KIND_JOSEKI;
	return -1;
}

/* ---- validation ----
 *
 * Each object's members are visited once and checked against a small
 * table of its fields; the location of a problem ("persons[2].events[0]
 * .date") is a chain of stack frames, formatted only when there is one,
 * because validation runs on every store and on every load. */

/* Where a value sits: a key or an index below parent (NULL at the root). */
typedef struct vloc {
	const struct vloc *parent;
	const char *key; /* NULL: an array index */
	size_t index;
} vloc;

/* Length of at most max bytes of s, never ending inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	return n;
}

/* Append n bytes of text to s (holding *len bytes), cut to fit: the path
 * is only for a one-line message. */
static void path_append(char *s, size_t *len, const char *text, size_t n)
{
	size_t room = PATH_MAX_LEN - 1 - *len;
	if (n > room)
		n = room;
	memcpy(s + *len, text, n);
	*len += n;
	s[*len] = '\0';
}

static void path_format(const vloc *l, char *s, size_t *len)
{
	if (!l)
		return;
	path_format(l->parent, s, len);
	if (l->key) {
		if (*len)
			path_append(s, len, ".", 1);
		/* Keys from the document are cut short. */
		path_append(s, len, l->key, utf8_cut(l->key, 40));
		return;
	}
	char num[24], *e = num + sizeof num;
	size_t i = l->index;
	*--e = ']';
	do
		*--e = (char)('0' + i % 10);
	while (i /= 10);
	*--e = '[';
	path_append(s, len, e, (size_t)(num + sizeof num - e));
}

static fk_status bad(fk_error *err, const vloc *l, const char *what)
{
	char path[PATH_MAX_LEN] = "";
	size_t len = 0;
	path_format(l, path, &len);
	return fk_fail(err, FK_ERR_INVALID, "%s: %s", len ? path : "(document)", what);
}

/* Length of the well-formed UTF-8 sequence (Unicode table 3-7: no
 * overlongs, surrogates or code points past U+10FFFF) starting at a
 * non-ASCII byte p[0], or 0. */
static inline size_t utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;
	size_t len;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (avail < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((p[k] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* jansson checks UTF-8 on load and in json_string(), but the *_nocheck
 * constructors skip that, so a document built in memory may still carry
 * invalid bytes; the sealed content must never do so. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	const unsigned char *end = s + n;
	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		size_t k = utf8_seq(s, (size_t)(end - s));
		if (!k)
			return 0;
		s += k;
	}
	return 1;
}

/* Length, encoding and NUL checks shared by values and detail keys.
 * Control characters are kept: the store must hold exactly what a
 * municipality sent, and the display layer sanitises. An embedded NUL is
 * refused because every C consumer would silently see a shorter string. */
static fk_status check_text(const char *s, size_t n, const vloc *l, fk_error *err)
{
	if (n > REG_STR_MAX)
		return bad(err, l, "longer than 1024 bytes");
	if (memchr(s, '\0', n))
		return bad(err, l, "contains a NUL character");
	if (!utf8_valid((const unsigned char *)s, n))
		return bad(err, l, "not valid UTF-8");
	return FK_OK;
}

static fk_status check_string(const json_t *v, int nonempty, const vloc *l, fk_error *err)
{
	if (!json_is_string(v))
		return bad(err, l, "not a string");
	size_t n = json_string_length(v);
	if (nonempty && n == 0)
		return bad(err, l, "empty");
	return check_text(json_string_value(v), n, l, err);
}

/* Exactly YYYY-MM-DD naming a real calendar day (years 0001-9999); n is the
 * string's length, which may hide a NUL. */
static int date_valid(const char *s, size_t n)
{
	int y, m, d;
	return n == 10 && fk_parse_date(s, &y, &m, &d) == 0;
}

static fk_status check_date(const json_t *v, const vloc *l, fk_error *err)
{
	if (!json_is_string(v))
		return bad(err, l, "not a string");
	if (!date_valid(json_string_value(v), json_string_length(v)))
		return bad(err, l, "not a YYYY-MM-DD date");
	return FK_OK;
}

static fk_status check_spouse(const json_t *v, const vloc *l, fk_error *err)
{
	fk_status s = check_string(v, 0, l, err);
	const char *t = json_string_value(v);
	if (s == FK_OK && strcmp(t, "夫") && strcmp(t, "妻") && strcmp(t, ""))
		s = bad(err, l, "must be \"夫\", \"妻\" or \"\"");
	return s;
}

/* Field kinds, each with its own check. */
typedef enum vkind {
	V_TEXT,     /* non-empty string */
	V_OPTTEXT,  /* string, may be empty */
	V_DATE,
	V_BOOL,
	V_SPOUSE,
	V_EVENTS,
	V_DETAIL,
	V_HITTOSHA,
	V_PERSONS,
} vkind;

typedef struct vfield {
	const char *key;
	vkind kind;
	int required;
} vfield;

/* At most 32 fields per table: a bit each in the "seen" mask. */
static const vfield doc_fields[] = {
	{"honseki", V_TEXT, 1}, {"hittosha", V_HITTOSHA, 1},
	{"jiko", V_EVENTS, 0},	{"persons", V_PERSONS, 1},
	{NULL, V_TEXT, 0},
};
static const vfield hittosha_fields[] = {
	{"name", V_TEXT, 1}, {"reading", V_TEXT, 1}, {NULL, V_TEXT, 0},
};
static const vfield person_fields[] = {
	{"name", V_TEXT, 1},	     {"reading", V_TEXT, 1},	 {"surname", V_OPTTEXT, 0},
	{"birth", V_DATE, 1},	     {"father", V_OPTTEXT, 0},	 {"mother", V_OPTTEXT, 0},
	{"relation", V_TEXT, 1},     {"spouse", V_SPOUSE, 0},	 {"removed", V_BOOL, 0},
	{"events", V_EVENTS, 1},     {NULL, V_TEXT, 0},
};
static const vfield event_fields[] = {
	{"type", V_TEXT, 1}, {"date", V_DATE, 1}, {"detail", V_DETAIL, 0}, {NULL, V_TEXT, 0},
};

static fk_status check_object(const json_t *obj, const vfield *fields, const vloc *l,
			      fk_error *err);

static fk_status check_detail(const json_t *d, const vloc *l, fk_error *err)
{
	if (!json_is_object(d))
		return bad(err, l, "not an object");
	if (json_object_size(d) > REG_DETAIL_MAX)
		return bad(err, l, "more than 32 fields");
	for (void *it = json_object_iter((json_t *)d); it;
	     it = json_object_iter_next((json_t *)d, it)) {
		const char *key = json_object_iter_key(it);
		vloc kl = {l, key, 0};
		size_t n = strlen(key);
		fk_status s = check_text(key, n, &kl, err);
#if JANSSON_VERSION_HEX >= 0x020e00
		if (s == FK_OK && json_object_iter_key_len(it) != n)
			s = bad(err, &kl, "key contains a NUL character");
#endif
		if (s == FK_OK && n == 0)
			s = bad(err, &kl, "empty key");
		if (s == FK_OK)
			s = check_string(json_object_iter_value(it), 0, &kl, err);
		if (s != FK_OK)
			return s;
	}
	return FK_OK;
}

/* An array of up to max objects, each checked against fields. */
static fk_status check_list(const json_t *arr, size_t max, const char *too_many,
			    const vfield *fields, const vloc *l, fk_error *err)
{
	if (!json_is_array(arr))
		return bad(err, l, "not an array");
	size_t n = json_array_size(arr);
	if (n > max)
		return bad(err, l, too_many);
	for (size_t i = 0; i < n; i++) {
		vloc il = {l, NULL, i};
		fk_status s = check_object(json_array_get(arr, i), fields, &il, err);
		if (s != FK_OK)
			return s;
	}
	return FK_OK;
}

static fk_status check_field(const json_t *v, vkind kind, const vloc *l, fk_error *err)
{
	switch (kind) {
	case V_TEXT:
		return check_string(v, 1, l, err);
	case V_OPTTEXT:
		return check_string(v, 0, l, err);
	case V_DATE:
		return check_date(v, l, err);
	case V_BOOL:
		return json_is_boolean(v) ? FK_OK : bad(err, l, "not true or false");
	case V_SPOUSE:
		return check_spouse(v, l, err);
	case V_EVENTS:
		return check_list(v, REG_EVENTS_MAX, "more than 256 entries", event_fields, l, err);
	case V_DETAIL:
		return check_detail(v, l, err);
	case V_HITTOSHA:
		return check_object(v, hittosha_fields, l, err);
	case V_PERSONS:
		if (json_is_array(v) && json_array_size(v) == 0)
			return bad(err, l, "empty: a register lists at least its 筆頭者");
		return check_list(v, REG_PERSONS_MAX, "more than 64 entries", person_fields, l,
				  err);
	}
	return bad(err, l, "internal: unknown field kind");
}

static const vfield *find_field(const vfield *fields, const char *key, unsigned *bit)
{
	for (unsigned i = 0; fields[i].key; i++)
		if (fields[i].key[0] == key[0] && !strcmp(fields[i].key, key)) {
			*bit = 1u << i;
			return &fields[i];
		}
	return NULL;
}

/* Every member known and well-formed, every required field present. */
static fk_status check_object(const json_t *obj, const vfield *fields, const vloc *l,
			      fk_error *err)
{
	if (!json_is_object(obj))
		return bad(err, l, "not an object");
	unsigned seen = 0, bit = 0;
	for (void *it = json_object_iter((json_t *)obj); it;
	     it = json_object_iter_next((json_t *)obj, it)) {
		const char *key = json_object_iter_key(it);
		vloc kl = {l, key, 0};
		const vfield *f = find_field(fields, key, &bit);
#if JANSSON_VERSION_HEX >= 0x020e00
		if (f && json_object_iter_key_len(it) != strlen(key))
			f = NULL; /* "name\0x" is not "name" */
#endif
		if (!f)
			return bad(err, &kl, "unknown key");
		fk_status s = check_field(json_object_iter_value(it), f->kind, &kl, err);
		if (s != FK_OK)
			return s;
		seen |= bit;
	}
	for (unsigned i = 0; fields[i].key; i++)
		if (fields[i].required && !(seen & (1u << i))) {
			vloc kl = {l, fields[i].key, 0};
			return bad(err, &kl, "missing");
		}
	return FK_OK;
}

fk_status fk_register_validate(const json_t *doc, fk_error *err)
{
	if (!json_is_object(doc))
		return bad(err, NULL, "not a JSON object");
	return check_object(doc, doc_fields, NULL, err);
}

/* ---- serialisation ----
 *
 * The canonical form is exactly what json_dumps(doc, JSON_COMPACT |
 * JSON_SORT_KEYS) writes. jansson's dumper costs ~30 us for a typical
 * register (it formats a pointer with snprintf into a hash table for every
 * container, to detect cycles), too slow for bulk demo data, so the value
 * types a register uses are written here byte for byte the same way, and
 * anything else (reals, deep nesting, invalid UTF-8, NUL in keys) is left
 * to json_dumps itself. tests/test_register.c compares the two. */

#define DUMP_DEPTH_MAX 32
#define DUMP_STACK_KEYS 16

enum { DUMP_OK, DUMP_NOMEM, DUMP_FALLBACK };

typedef struct outbuf {
	char *p;
	size_t len, cap;
} outbuf;

static int ob_grow(outbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < need) {
		if (cap > SIZE_MAX / 2)
			return DUMP_NOMEM;
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p)
		return DUMP_NOMEM;
	b->p = p;
	b->cap = cap;
	return DUMP_OK;
}

static inline int ob_room(outbuf *b, size_t need)
{
	return b->cap - b->len >= need ? DUMP_OK : ob_grow(b, need);
}

static inline int ob_put(outbuf *b, const char *s, size_t n)
{
	int r = ob_room(b, n);
	if (r == DUMP_OK) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
	return r;
}

/* A JSON string with jansson's escapes: the two mandatory ones, the short
 * forms for \b \f \n \r \t, \u00XX (upper-case hex) for other control
 * characters; everything else, UTF-8 included, as is. UTF-8 is checked in
 * the same pass: json_dumps refuses invalid text, so the fallback will too. */
static int dump_string(outbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	if (n > (SIZE_MAX - 2) / 6 || ob_room(b, n * 6 + 2) != DUMP_OK)
		return DUMP_NOMEM;
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	char *o = b->p + b->len;
	*o++ = '"';
	while (s < end) {
		unsigned c = *s;
		/* Kana and kanji (U+1000-U+CFFF) first: most of a register. */
		if (c - 0xE1 <= 0xEC - 0xE1 && end - s >= 3 && (s[1] & 0xC0) == 0x80 &&
		    (s[2] & 0xC0) == 0x80) {
			o[0] = (char)s[0];
			o[1] = (char)s[1];
			o[2] = (char)s[2];
			o += 3;
			s += 3;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(s, (size_t)(end - s));
			if (!k)
				return DUMP_FALLBACK;
			/* Byte copies: a memcpy call per character costs more. */
			for (size_t i = 0; i < k; i++)
				o[i] = (char)s[i];
			o += k;
			s += k;
			continue;
		}
		s++;
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	return DUMP_OK;
}

typedef struct member {
	const char *key;
	size_t len;
	json_t *value;
} member;

/* jansson orders keys by their bytes (memcmp, then length); keys are
 * short, so an open-coded loop beats a library call. */
static int member_less(const member *a, const member *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	const unsigned char *x = (const unsigned char *)a->key, *y = (const unsigned char *)b->key;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i];
	return a->len < b->len;
}

/* Objects are small: insertion sort beats qsort's call overhead. */
static void sort_members(member *m, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		member t = m[i];
		size_t k = i;
		for (; k > 0 && member_less(&t, &m[k - 1]); k--)
			m[k] = m[k - 1];
		m[k] = t;
	}
}

static int dump_value(outbuf *b, const json_t *v, int depth);

static int dump_members(outbuf *b, member *m, size_t n, int depth)
{
	sort_members(m, n);
	int r = ob_put(b, "{", 1);
	for (size_t i = 0; r == DUMP_OK && i < n; i++) {
		if (i > 0)
			r = ob_put(b, ",", 1);
		if (r == DUMP_OK)
			r = dump_string(b, m[i].key, m[i].len);
		if (r == DUMP_OK)
			r = ob_put(b, ":", 1);
		if (r == DUMP_OK)
			r = dump_value(b, m[i].value, depth + 1);
	}
	return r == DUMP_OK ? ob_put(b, "}", 1) : r;
}

static int dump_object(outbuf *b, const json_t *obj, int depth)
{
	member stack[DUMP_STACK_KEYS], *m = stack;
	size_t n = json_object_size(obj), i = 0;
	if (n > DUMP_STACK_KEYS && !(m = malloc(n * sizeof *m)))
		return DUMP_NOMEM;
	int r = DUMP_OK;
	for (void *it = json_object_iter((json_t *)obj); it && i < n;
	     it = json_object_iter_next((json_t *)obj, it), i++) {
		const char *key = json_object_iter_key(it);
		m[i] = (member){key, strlen(key), json_object_iter_value(it)};
#if JANSSON_VERSION_HEX >= 0x020e00
		if (json_object_iter_key_len(it) != m[i].len)
			r = DUMP_FALLBACK; /* a NUL inside a key */
#endif
	}
	if (r == DUMP_OK)
		r = i == n ? dump_members(b, m, n, depth) : DUMP_FALLBACK;
	if (m != stack)
		free(m);
	return r;
}

static int dump_array(outbuf *b, const json_t *arr, int depth)
{
	int r = ob_put(b, "[", 1);
	size_t n = json_array_size(arr);
	for (size_t i = 0; r == DUMP_OK && i < n; i++) {
		if (i > 0)
			r = ob_put(b, ",", 1);
		if (r == DUMP_OK)
			r = dump_value(b, json_array_get(arr, i), depth + 1);
	}
	return r == DUMP_OK ? ob_put(b, "]", 1) : r;
}

static int dump_value(outbuf *b, const json_t *v, int depth)
{
	if (depth > DUMP_DEPTH_MAX)
		return DUMP_FALLBACK; /* let jansson detect cycles */
	char num[32];
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return dump_object(b, v, depth);
	case JSON_ARRAY:
		return dump_array(b, v, depth);
	case JSON_STRING:
		return dump_string(b, json_string_value(v), json_string_length(v));
	case JSON_TRUE:
		return ob_put(b, "true", 4);
	case JSON_FALSE:
		return ob_put(b, "false", 5);
	case JSON_NULL:
		return ob_put(b, "null", 4);
	case JSON_INTEGER:
		return ob_put(b, num,
			      (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
					       json_integer_value(v)));
	default:
		return DUMP_FALLBACK; /* reals: jansson's own formatting rules */
	}
}

static fk_status dump_with_jansson(const json_t *doc, char **out, size_t *len, fk_error *err)
{
	char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		return fk_fail(err, FK_ERR_INVALID,
			       "cannot serialise register content (invalid text or structure)");
	*out = s;
	*len = strlen(s);
	return FK_OK;
}

fk_status fk_register_dump(const json_t *doc, char **out, size_t *len, fk_error *err)
{
	*out = NULL;
	*len = 0;
	if (!doc)
		return fk_fail(err, FK_ERR_INTERNAL, "register content missing");
	/* Sorted, compact output makes equal content byte-identical, so the
	 * sealed form (and anything hashed over it) does not depend on the
	 * order in which fields were set. */
	if (!json_is_object(doc) && !json_is_array(doc))
		return dump_with_jansson(doc, out, len, err);
	outbuf b = {0};
	int r = dump_value(&b, doc, 0);
	if (r == DUMP_OK)
		r = ob_put(&b, "", 1); /* the terminating NUL */
	if (r != DUMP_OK) {
		free(b.p);
		if (r == DUMP_NOMEM)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory serialising register content");
		return dump_with_jansson(doc, out, len, err);
	}
	*out = b.p;
	*len = b.len - 1;
	return FK_OK;
}

fk_status fk_register_load(const char *buf, size_t len, json_t **out, fk_error *err)
{
	*out = NULL;
	if (!buf)
		return fk_fail(err, FK_ERR_INTERNAL, "register content missing");
	if (len > REG_DOC_MAX)
		return fk_fail(err, FK_ERR_INVALID, "register content: larger than %u bytes",
			       REG_DOC_MAX);
	json_error_t jerr;
	/* A duplicate key would let two readers see different values for one
	 * field; refuse rather than let jansson silently keep the last. */
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return fk_fail(err, FK_ERR_INVALID,
			       "register content: not valid JSON (line %d, column %d): %s",
			       jerr.line, jerr.column, jerr.text);
	fk_status s = fk_register_validate(doc, err);
	if (s != FK_OK) {
		json_decref(doc);
		return s;
	}
	*out = doc;
	return FK_OK;
}

/* ---- accessors ---- */

static const char *str_or_empty(const json_t *v)
{
	const char *s = json_string_value(v);
	return s ? s : "";
}

const char *fk_register_honseki(const json_t *doc)
{
	return str_or_empty(json_object_get(doc, "honseki"));
}

const char *fk_register_head_name(const json_t *doc)
{
	return str_or_empty(json_object_get(json_object_get(doc, "hittosha"), "name"));
}

const char *fk_register_head_reading(const json_t *doc)
{
	return str_or_empty(json_object_get(json_object_get(doc, "hittosha"), "reading"));
}
