/* A package's records (JSON Lines): one line parsed and checked strictly, and its canonical line. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp.h"
#include "jsonline.h"
#include "norm.h"
#include "package.h"
#include "util.h"

/* Marks a msgid for xgettext (po/Makevars: --keyword=N_); the edges translate it. */
#define N_(s) s

/* ---- reasons ---- */

#define REJECT_ONE(id, text) +1
enum { REJECT_COUNT = 0 FK_REJECT_LIST(REJECT_ONE) };
#undef REJECT_ONE

/* As receipts and the history spell them; a reason added to FK_REJECT_LIST without its id here
 * stops the build (the assertion below). */
static const char *const reject_ids[] = {
	"none",	     "malformed", "too_large", "type",	  "field",   "ref",	"kind", "schema",
	"date",	     "gaiji",	  "duplicate", "exists",  "unknown", "removed", "link", "busy",
	"disposed",
};
_Static_assert(FK_ARRAY_LEN(reject_ids) == REJECT_COUNT, "an id for every FK_REJECT reason");

/* For the municipality's staff and the bureau's operators reading a receipt or the history. */
static const char *const reject_texts[REJECT_COUNT] = {
	[FK_REJECT_NONE] = N_("The record was accepted."),
	[FK_REJECT_MALFORMED] = N_("The record is not one JSON object on one line."),
	[FK_REJECT_TOO_LARGE] = N_("A field or the record is larger than allowed."),
	[FK_REJECT_TYPE] = N_("The record's type is unknown."),
	[FK_REJECT_FIELD] = N_("A field is missing, unknown or of the wrong type."),
	[FK_REJECT_REF] = N_("The register id is missing or malformed."),
	[FK_REJECT_KIND] = N_("The kind of register is unknown."),
	[FK_REJECT_SCHEMA] = N_("The register content does not follow the register format."),
	[FK_REJECT_DATE] = N_("A date is malformed or impossible."),
	[FK_REJECT_GAIJI] = N_("A character reference (外字) is malformed."),
	[FK_REJECT_DUPLICATE] = N_("The same register id appears twice in the package."),
	[FK_REJECT_EXISTS] = N_("A register with this id already exists."),
	[FK_REJECT_UNKNOWN] = N_("There is no register with this id."),
	[FK_REJECT_REMOVED] = N_("The register is already removed (除籍)."),
	[FK_REJECT_LINK] = N_("The linked register is unknown."),
	[FK_REJECT_BUSY] = N_("The register is being changed by another package."),
	[FK_REJECT_DISPOSED] = N_("The register was disposed of: it is never created again."),
};

const char *fk_reject_text(fk_reject r)
{
	return (unsigned)r < REJECT_COUNT ? reject_texts[r] : "?";
}

const char *fk_reject_id(fk_reject r)
{
	return (unsigned)r < REJECT_COUNT ? reject_ids[r] : "?";
}

/* ---- the record types and their fields ---- */

typedef enum fkind {
	F_TYPE,	   /* "type": decided before the table is chosen */
	F_REF,	   /* the sender's register id */
	F_OPTREF,  /* the same, optional (a document's or a ledger entry's link) */
	F_KIND,	   /* "koseki" / "joseki" */
	F_CONTENT, /* register content (register.h) */
	F_WHO,	   /* changed_by */
	F_WHY,	   /* reason */
	F_DATE,	   /* removed_on, accepted_on */
	F_DOCTYPE, /* doc_type */
	F_ENTRY,   /* an object of strings */
} fkind;

typedef struct field {
	const char *key;
	fkind kind;
} field;

static const field register_fields[] = {
	{"type", F_TYPE}, {"ref", F_REF}, {"kind", F_KIND}, {"content", F_CONTENT}, {NULL, F_TYPE},
};
static const field version_fields[] = {
	{"type", F_TYPE}, {"ref", F_REF}, {"content", F_CONTENT},
	{"changed_by", F_WHO}, {"reason", F_WHY}, {NULL, F_TYPE},
};
static const field removal_fields[] = {
	{"type", F_TYPE}, {"ref", F_REF}, {"removed_on", F_DATE},
	{"changed_by", F_WHO}, {"reason", F_WHY}, {NULL, F_TYPE},
};
static const field ledger_fields[] = {
	{"type", F_TYPE}, {"accepted_on", F_DATE}, {"ref", F_OPTREF}, {"entry", F_ENTRY},
	{NULL, F_TYPE},
};
static const field document_fields[] = {
	{"type", F_TYPE}, {"doc_type", F_DOCTYPE}, {"ref", F_OPTREF}, {"entry", F_ENTRY},
	{NULL, F_TYPE},
};

/* Indexed by fk_rec_type. The ids are the contract's (docs/package-format.md); kept here
 * rather than through fk_rec_type_id so that this half of package.h stands on its own. */
static const struct rtype {
	const char *id;
	const field *fields;
} rtypes[FK_REC_TYPES + 1] = {
	[FK_REC_REGISTER] = {"register", register_fields},
	[FK_REC_VERSION] = {"version", version_fields},
	[FK_REC_REMOVAL] = {"removal", removal_fields},
	[FK_REC_LEDGER] = {"ledger", ledger_fields},
	[FK_REC_DOCUMENT] = {"document", document_fields},
};

/* ---- invalid UTF-8 kept as U+10FF00 + byte ----
 *
 * jansson refuses invalid UTF-8, but a municipality's text is stored as it was sent. So before
 * loading, each byte inside a string that does not begin a well-formed sequence becomes the
 * private-use code point U+10FF00 + byte (always ≥ U+10FF80: such bytes are ≥ 0x80), 4 bytes
 * F4 8F BE|BF xx; the canonical line turns them back. Sent as itself (raw or as a \u escape),
 * a code point of U+10FF00..U+10FFFF would be indistinguishable from a kept byte, so it is
 * refused. Bytes outside strings are left alone: jansson refuses them (malformed). */

#define KEPT_BASE 0x10FF00u

/* Length of the well-formed sequence at p (1 for ASCII), 0 when none starts there. */
static size_t seq_len(const unsigned char *p, size_t avail)
{
	size_t k = p[0] < 0x80 ? 1 : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
				    : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
				    : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
	return k && k <= avail && fk_utf8_valid((const char *)p, k) ? k : 0;
}

static int is_reserved_raw(const unsigned char *p)
{
	return p[0] == 0xF4 && p[1] == 0x8F && p[2] >= 0xBC;
}

/* \uDBFF\uDFxx: U+10FF00..U+10FFFF written as an escape (p at the backslash). */
static int is_reserved_escape(const unsigned char *p, size_t avail)
{
	return avail >= 12 && p[1] == 'u' && fk_jsonline_hex4(p + 2) == 0xDBFF && p[6] == '\\' &&
	       p[7] == 'u' && fk_jsonline_hex4(p + 8) >= 0xDF00 && fk_jsonline_hex4(p + 8) <= 0xDFFF;
}

/* One pass over the line: with out NULL it counts the bytes to keep, otherwise it writes the
 * line as jansson may load it. -1 at a reserved code point (*at: its offset). */
static long keep_invalid(const unsigned char *in, size_t n, unsigned char *out, size_t *at)
{
	size_t i = 0, o = 0;
	long kept = 0;
	int in_str = 0;
	while (i < n) {
		unsigned char c = in[i];
		size_t k = 1;
		if (c == '"') {
			in_str = !in_str;
		} else if (in_str && c == '\\') {
			if (is_reserved_escape(in + i, n - i))
				return *at = i, -1;
			/* The escaped character is taken with the backslash, so an escaped quote
			 * does not end the string. */
			k = i + 1 < n && in[i + 1] < 0x80 ? 2 : 1;
		} else if (in_str && c >= 0x80) {
			k = seq_len(in + i, n - i);
			if (k == 4 && is_reserved_raw(in + i))
				return *at = i, -1;
			if (!k) {
				unsigned long cp = KEPT_BASE + c;
				if (out) {
					out[o] = 0xF4, out[o + 1] = 0x8F;
					out[o + 2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
					out[o + 3] = (unsigned char)(0x80 | (cp & 0x3F));
				}
				o += 4, i++, kept++;
				continue;
			}
		}
		if (out)
			memcpy(out + o, in + i, k);
		o += k, i += k;
	}
	return kept;
}

/* The canonical line sends kept bytes back as they came (F4 8F BE|BF xx → the byte), in place. */
static size_t restore_invalid(char *s, size_t n)
{
	unsigned char *u = (unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (i + 3 < n && u[i] == 0xF4 && u[i + 1] == 0x8F && u[i + 2] >= 0xBE) {
			u[o++] = (unsigned char)((u[i + 2] & 0x03) << 6 | (u[i + 3] & 0x3F));
			i += 4;
		} else {
			u[o++] = u[i++];
		}
	}
	s[o] = '\0';
	return o;
}

/* ---- a problem, said once ---- */

typedef struct verdict {
	fk_reject *why;
	char *detail;
	size_t dn;
	int no_gaiji; /* the line holds no 〓[, raw or escaped: no string can (load_line) */
} verdict;

/* Reject with a detail made display-safe: it quotes the sender's keys and jansson's words,
 * which quote the line, and it is shown on consoles and returned in receipts. */
__attribute__((format(printf, 3, 4))) static fk_status reject(const verdict *v, fk_reject why,
							      const char *fmt, ...)
{
	char raw[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	*v->why = why;
	if (v->dn)
		fk_disp_clean(raw, v->detail, v->dn);
	return FK_OK;
}

/* ---- every string: size, 外字 references ---- */

#define PATH_LEN 96

/* 〓[ always starts a reference, which is exactly 〓[MJ:dddddd] or 〓[KT:dddddd]; a bare 〓
 * (the conventional mark for an unreadable character) is text. */
static int gaiji_ok(const char *s, size_t n)
{
	static const char open[] = "\xE3\x80\x93[";
	const char *p = s, *end = s + n;
	while ((p = memmem(p, (size_t)(end - p), open, 4)) != NULL) {
		p += 4;
		if (end - p < 10 || (memcmp(p, "MJ:", 3) && memcmp(p, "KT:", 3)) || p[9] != ']')
			return 0;
		for (int i = 3; i < 9; i++)
			if (p[i] < '0' || p[i] > '9')
				return 0;
		p += 10;
	}
	return 1;
}

static fk_status check_text(const verdict *v, const char *path, const char *s, size_t n)
{
	if (n > FK_PKG_FIELD_MAX)
		return reject(v, FK_REJECT_TOO_LARGE, "%s: %zu bytes (at most %u)", path, n,
			      FK_PKG_FIELD_MAX);
	if (!v->no_gaiji && !gaiji_ok(s, n))
		return reject(v, FK_REJECT_GAIJI, "%s: 〓[ must begin 〓[MJ:dddddd] or 〓[KT:dddddd]",
			      path);
	return FK_OK;
}

/* path + ".key" or "[i]", cut to fit (a key of the sender's at most 40 bytes of it). */
static void path_push(char *path, const char *key, size_t index)
{
	size_t len = strlen(path);
	char part[48];
	if (key) {
		part[0] = '.';
		fk_copy_str(part + 1, 41, key);
	} else {
		snprintf(part, sizeof part, "[%zu]", index);
	}
	fk_copy_str(path + len, PATH_LEN - len, len ? part : part + (key != NULL));
}

/* Walks keys and strings at every depth (jansson stops nesting at 2048), first problem wins. */
static fk_status walk(const verdict *v, const json_t *j, char *path)
{
	size_t len = strlen(path);
	fk_status st = FK_OK;
	if (json_is_string(j))
		return check_text(v, path, json_string_value(j), json_string_length(j));
	if (json_is_object(j)) {
		const char *key;
		json_t *m;
		json_object_foreach ((json_t *)j, key, m) {
			path_push(path, key, 0);
			st = check_text(v, path, key, strlen(key));
			if (st == FK_OK && *v->why == FK_REJECT_NONE)
				st = walk(v, m, path);
			path[len] = '\0';
			if (st != FK_OK || *v->why != FK_REJECT_NONE)
				return st;
		}
	} else if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++) {
			path_push(path, NULL, i);
			st = walk(v, json_array_get(j, i), path);
			path[len] = '\0';
			if (st != FK_OK || *v->why != FK_REJECT_NONE)
				return st;
		}
	}
	return st;
}

/* ---- each field ---- */

static int ref_ok(const char *s, size_t n)
{
	return n >= 1 && n <= FK_PKG_REF_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* A bounded string into dst (cap bytes with its NUL); empty refused where who or what is asked. */
static fk_status check_copy(const verdict *v, const char *key, const json_t *m, char *dst,
			    size_t cap)
{
	size_t n = json_string_length(m);
	if (n == 0)
		return reject(v, FK_REJECT_FIELD, "%s: empty", key);
	if (n >= cap)
		return reject(v, FK_REJECT_TOO_LARGE, "%s: %zu bytes (at most %zu)", key, n, cap - 1);
	fk_copy_str(dst, cap, json_string_value(m));
	return FK_OK;
}

static fk_status check_entry(const verdict *v, const char *key, json_t *m, fk_pkg_record *r)
{
	const char *k;
	json_t *val;
	if (!json_is_object(m))
		return reject(v, FK_REJECT_FIELD, "%s: not an object", key);
	if (json_object_size(m) == 0)
		return reject(v, FK_REJECT_FIELD, "%s: empty", key);
	json_object_foreach (m, k, val) {
		if (!*k)
			return reject(v, FK_REJECT_FIELD, "%s: an empty name", key);
		if (!json_is_string(val))
			return reject(v, FK_REJECT_FIELD, "%s.%.40s: not a string", key, k);
	}
	r->entry = json_incref(m);
	return FK_OK;
}

static fk_status check_content(const verdict *v, const char *key, json_t *m, fk_pkg_record *r)
{
	fk_error e;
	if (!json_is_object(m))
		return reject(v, FK_REJECT_FIELD, "%s: not an object", key);
	if (fk_register_validate(m, &e) != FK_OK)
		return reject(v, FK_REJECT_SCHEMA, "%s: %s", key, e.msg);
	r->content = json_incref(m);
	return FK_OK;
}

/* The member m of key, of kind k, checked and stored in r. */
static fk_status check_field(const verdict *v, const char *key, fkind k, json_t *m,
			     fk_pkg_record *r)
{
	const char *s = json_string_value(m);
	size_t n = json_string_length(m);
	if (k == F_CONTENT)
		return check_content(v, key, m, r);
	if (k == F_ENTRY)
		return check_entry(v, key, m, r);
	if (!s)
		return reject(v, k == F_REF || k == F_OPTREF ? FK_REJECT_REF : FK_REJECT_FIELD,
			      "%s: not a string", key);
	switch (k) {
	case F_REF:
	case F_OPTREF:
		if (!ref_ok(s, n))
			return reject(v, FK_REJECT_REF, "%s: 1 to %d of A-Z a-z 0-9 . _ -", key,
				      FK_PKG_REF_MAX);
		memcpy(r->ref, s, n + 1);
		return FK_OK;
	case F_KIND:
		if (strcmp(s, "koseki") && strcmp(s, "joseki"))
			return reject(v, FK_REJECT_KIND, "%s: \"koseki\" or \"joseki\"", key);
		r->kind = (fk_reg_kind)fk_reg_kind_parse(s);
		return FK_OK;
	case F_DATE: {
		int y, mo, d;
		if (n != 10 || fk_parse_date(s, &y, &mo, &d) != 0)
			return reject(v, FK_REJECT_DATE, "%s: not a real YYYY-MM-DD date", key);
		memcpy(r->date, s, n + 1);
		return FK_OK;
	}
	case F_WHO:
		return check_copy(v, key, m, r->changed_by, sizeof r->changed_by);
	case F_WHY:
		return check_copy(v, key, m, r->reason, sizeof r->reason);
	case F_DOCTYPE:
		return check_copy(v, key, m, r->doc_type, sizeof r->doc_type);
	default:
		return FK_OK; /* F_TYPE: decided by the caller */
	}
}

static const field *find_field(const field *fields, const char *key)
{
	for (; fields->key; fields++)
		if (!strcmp(fields->key, key))
			return fields;
	return NULL;
}

/* The members of obj against the type's table: no unknown one, each required one present
 * (in the table's order, so the first problem reported does not depend on the sender's). */
static fk_status check_members(const verdict *v, json_t *obj, const field *fields,
			       fk_pkg_record *r)
{
	const char *key;
	json_t *m;
	json_object_foreach (obj, key, m)
		if (!find_field(fields, key))
			return reject(v, FK_REJECT_FIELD, "%.40s: unknown field", key);
	for (const field *f = fields; f->key; f++) {
		fk_status st;
		m = json_object_get(obj, f->key);
		if (!m && f->kind == F_OPTREF)
			continue;
		if (!m)
			return reject(v, f->kind == F_REF ? FK_REJECT_REF : FK_REJECT_FIELD,
				      "%s: missing", f->key);
		st = check_field(v, f->key, f->kind, m, r);
		if (st != FK_OK || *v->why != FK_REJECT_NONE)
			return st;
	}
	return FK_OK;
}

static fk_status check_record(const verdict *v, json_t *obj, fk_pkg_record *r)
{
	char path[PATH_LEN] = "";
	fk_status st = walk(v, obj, path);
	if (st != FK_OK || *v->why != FK_REJECT_NONE)
		return st;
	const char *type = json_string_value(json_object_get(obj, "type"));
	if (!type)
		return reject(v, FK_REJECT_FIELD, "type: missing or not a string");
	for (int t = 1; t <= FK_REC_TYPES; t++)
		if (!strcmp(type, rtypes[t].id)) {
			r->type = (fk_rec_type)t;
			return check_members(v, obj, rtypes[t].fields, r);
		}
	return reject(v, FK_REJECT_TYPE, "type: \"%.40s\" is none of register, version, removal, "
			  "ledger, document", type);
}

/* ---- the line ---- */

/* Load the line (its kept bytes converted first); NULL with the reason when it is no JSON. */
/* Most lines are valid UTF-8 throughout, with no escape and no F4 8F: nothing in them to keep
 * or to refuse as reserved, found by one pass of the validator instead of keep_invalid's
 * call per character (issue 10). */
static int plain_line(const char *line, size_t n)
{
	return !memchr(line, '\\', n) && !memmem(line, n, "\xF4\x8F", 2) && fk_utf8_valid(line, n);
}

static json_t *load_line(const verdict *v, const char *line, size_t n, fk_status *st)
{
	size_t at = 0;
	long kept = plain_line(line, n) ? 0 : keep_invalid((const unsigned char *)line, n, NULL, &at);
	unsigned char *copy = NULL;
	*st = FK_OK;
	if (kept < 0) {
		reject(v, FK_REJECT_MALFORMED, "byte %zu: U+10FF00..U+10FFFF are reserved for "
		       "bytes of invalid UTF-8", at);
		return NULL;
	}
	if (kept > 0) {
		copy = malloc(n + 3 * (size_t)kept);
		if (!copy) {
			*st = FK_ERR_NOMEM;
			return NULL;
		}
		keep_invalid((const unsigned char *)line, n, copy, &at);
	}
	json_t *j = NULL;
	char why[128];
	*st = fk_jsonline_load(copy ? (const char *)copy : line, n + 3 * (size_t)kept, &j, why,
			       sizeof why);
	free(copy);
	if (*st != FK_OK)
		return NULL;
	if (!j)
		reject(v, FK_REJECT_MALFORMED, "%s", why);
	else if (!json_is_object(j))
		reject(v, FK_REJECT_MALFORMED, "not an object");
	return j;
}

fk_status fk_record_parse(const char *line, size_t n, fk_pkg_record *r, fk_reject *why,
			  char *detail, size_t dn, fk_error *err)
{
	verdict v = {.why = why, .detail = detail, .dn = dn};
	fk_status st;
	memset(r, 0, sizeof *r);
	*why = FK_REJECT_NONE;
	if (dn)
		detail[0] = '\0';
	/* Before anything is copied: a record of 10 MB costs nothing but this comparison. */
	if (n > FK_PKG_LINE_MAX)
		return reject(&v, FK_REJECT_TOO_LARGE, "the line is %zu bytes (at most %u)", n,
			      FK_PKG_LINE_MAX);
	if (n == 0)
		return reject(&v, FK_REJECT_MALFORMED, "an empty line");
	if (memchr(line, '\n', n))
		return reject(&v, FK_REJECT_MALFORMED, "a line break inside the record");
	/* Without an escape, a string holds 〓[ only where the line does (walk's memmem per
	 * string skipped for the rest). */
	v.no_gaiji = !memchr(line, '\\', n) && !memmem(line, n, "\xE3\x80\x93[", 4);
	json_t *obj = load_line(&v, line, n, &st);
	if (st != FK_OK) {
		json_decref(obj);
		return fk_fail(err, st, "parsing a record: out of memory");
	}
	if (*why == FK_REJECT_NONE)
		st = check_record(&v, obj, r);
	json_decref(obj);
	if (*why != FK_REJECT_NONE)
		fk_record_clear(r);
	return st;
}

void fk_record_clear(fk_pkg_record *r)
{
	if (!r)
		return;
	json_decref(r->content);
	json_decref(r->entry);
	memset(r, 0, sizeof *r);
}

/* ---- the canonical line ---- */

/* key: s as a new string member; 0, or -1 (out of memory or not UTF-8). */
static int put_str(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, json_string(s));
}

static int put_record(json_t *o, const fk_pkg_record *r)
{
	int bad = put_str(o, "type", rtypes[r->type].id);
	switch (r->type) {
	case FK_REC_REGISTER:
		bad |= put_str(o, "ref", r->ref) | put_str(o, "kind", fk_reg_kind_id(r->kind)) |
		       json_object_set(o, "content", r->content);
		break;
	case FK_REC_VERSION:
		bad |= put_str(o, "ref", r->ref) | json_object_set(o, "content", r->content) |
		       put_str(o, "changed_by", r->changed_by) | put_str(o, "reason", r->reason);
		break;
	case FK_REC_REMOVAL:
		bad |= put_str(o, "ref", r->ref) | put_str(o, "removed_on", r->date) |
		       put_str(o, "changed_by", r->changed_by) | put_str(o, "reason", r->reason);
		break;
	case FK_REC_LEDGER:
		bad |= put_str(o, "accepted_on", r->date) | json_object_set(o, "entry", r->entry);
		if (r->ref[0])
			bad |= put_str(o, "ref", r->ref);
		break;
	case FK_REC_DOCUMENT:
		bad |= put_str(o, "doc_type", r->doc_type) | json_object_set(o, "entry", r->entry);
		if (r->ref[0])
			bad |= put_str(o, "ref", r->ref);
		break;
	}
	return bad;
}

fk_status fk_record_dump(const fk_pkg_record *r, char **out, size_t *len, fk_error *err)
{
	*out = NULL;
	if (r->type < FK_REC_REGISTER || r->type > FK_REC_DOCUMENT)
		return fk_fail(err, FK_ERR_INVALID, "record dump: no type");
	json_t *o = json_object();
	if (!o)
		return fk_fail(err, FK_ERR_NOMEM, "record dump: out of memory");
	/* A missing content or entry, or text that is not UTF-8, fails here (set with NULL). */
	int bad = put_record(o, r);
	char *s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s)
		return fk_fail(err, bad ? FK_ERR_INVALID : FK_ERR_NOMEM,
			       "record dump: %s", bad ? "a field is missing or not UTF-8"
						      : "out of memory");
	*len = restore_invalid(s, strlen(s));
	*out = s;
	return FK_OK;
}
