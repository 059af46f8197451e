/* A line of JSON into a jansson tree through yajl (jsonline.h). jansson's own loader reads a
 * byte at a time through a stream, saves every byte of a token, then decodes strings in a
 * second pass: some 22 µs for a register's 1.6 kB line against 6 µs for yajl's lexer with
 * the same tree built from its callbacks (measured on this machine, issue 10). What jansson
 * refuses and yajl would take (lone surrogate escapes, \u0000, duplicate keys, numbers that
 * do not fit, nesting past 2,048, a bare scalar) is refused here before or while building. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "jsonline.h"

typedef struct builder {
	json_t **stack; /* the open containers, innermost last */
	size_t depth, cap;
	json_t *root;
	char *key; /* the pending member's name: yajl's buffer is reused for the next string */
	size_t keyn, keycap;
	int nomem;
	char why[96]; /* set when a callback stops the parse */
} builder;

static int stop(builder *b, const char *why)
{
	snprintf(b->why, sizeof b->why, "%s", why);
	return 0;
}

/* v (a new reference) into the innermost container, or as the root. */
static int add(builder *b, json_t *v)
{
	if (!v) {
		b->nomem = 1;
		return 0;
	}
	if (!b->depth) {
		if (!json_is_object(v) && !json_is_array(v)) {
			json_decref(v);
			return stop(b, "'[' or '{' expected");
		}
		b->root = v;
		return 1;
	}
	json_t *top = b->stack[b->depth - 1];
	if (json_is_array(top)) {
		if (json_array_append_new(top, v) != 0)
			return b->nomem = 1, 0;
		return 1;
	}
	/* JSON_REJECT_DUPLICATES: which of two would count? */
	if (json_object_getn(top, b->key, b->keyn)) {
		json_decref(v);
		return stop(b, "duplicate object key");
	}
	if (json_object_setn_new_nocheck(top, b->key, b->keyn, v) != 0)
		return b->nomem = 1, 0;
	return 1;
}

static int open_container(builder *b, json_t *c)
{
	if (!c)
		return b->nomem = 1, 0;
	if (b->depth >= FK_JSONLINE_DEPTH_MAX) {
		json_decref(c);
		return stop(b, "maximum parsing depth reached");
	}
	if (b->depth == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		json_t **s = realloc(b->stack, cap * sizeof *s);
		if (!s) {
			json_decref(c);
			return b->nomem = 1, 0;
		}
		b->stack = s;
		b->cap = cap;
	}
	/* The parent (or the root) holds it; the stack only borrows. */
	if (!add(b, c))
		return 0;
	b->stack[b->depth++] = c;
	return 1;
}

static int on_null(void *ctx)
{
	return add(ctx, json_null());
}

static int on_boolean(void *ctx, int v)
{
	return add(ctx, json_boolean(v));
}

/* As jansson reads numbers: an integer must fit json_int_t, a real must be finite. */
static int on_number(void *ctx, const char *s, size_t n)
{
	builder *b = ctx;
	char small[64], *z = n < sizeof small ? small : malloc(n + 1);
	if (!z)
		return b->nomem = 1, 0;
	memcpy(z, s, n);
	z[n] = '\0';
	json_t *v = NULL;
	int ok = 1;
	errno = 0;
	if (!strpbrk(z, ".eE")) {
		long long i = strtoll(z, NULL, 10);
		if (errno == ERANGE)
			ok = stop(b, i < 0 ? "too big negative integer" : "too big integer");
		else
			v = json_integer((json_int_t)i);
	} else {
		double d = strtod(z, NULL);
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
			ok = stop(b, "real number overflow");
		else
			v = json_real(d);
	}
	if (z != small)
		free(z);
	return ok && add(b, v);
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
	return add(ctx, json_stringn_nocheck((const char *)s, n));
}

static int on_key(void *ctx, const unsigned char *s, size_t n)
{
	builder *b = ctx;
	if (n >= b->keycap) {
		size_t cap = n + 64;
		char *k = realloc(b->key, cap);
		if (!k)
			return b->nomem = 1, 0;
		b->key = k;
		b->keycap = cap;
	}
	memcpy(b->key, s, n);
	b->key[n] = '\0';
	b->keyn = n;
	return 1;
}

static int on_start_map(void *ctx)
{
	return open_container(ctx, json_object());
}

static int on_start_array(void *ctx)
{
	return open_container(ctx, json_array());
}

static int on_end(void *ctx)
{
	builder *b = ctx;
	b->depth--;
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

int fk_jsonline_hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The escapes yajl would decode where jansson refuses: \u0000 (every C reader would see a
 * shorter string) and surrogates that make no pair (yajl writes '?' for a lone high one and
 * the unencodable code point for a low one). 0 and *at the offset of the first, or 1. A
 * malformed escape is left to yajl's lexer. */
static int escapes_ok(const unsigned char *s, size_t n, size_t *at)
{
	int in_str = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"') {
			in_str = !in_str;
		} else if (in_str && s[i] == '\\' && i + 1 < n) {
			int cp = s[i + 1] == 'u' && i + 6 <= n ? fk_jsonline_hex4(s + i + 2) : -1;
			if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
				return *at = i, 0;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo = i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u'
						 ? fk_jsonline_hex4(s + i + 8) : -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return *at = i, 0;
				i += 6; /* the pair's second half */
			}
			i++; /* the escaped character: an escaped quote does not end the string */
		}
	}
	return 1;
}

fk_status fk_jsonline_load(const char *s, size_t n, json_t **out, char *why, size_t wn)
{
	builder b = {0};
	size_t at = 0;
	*out = NULL;
	if (wn)
		why[0] = '\0';
	/* Most lines have no escape at all: memchr before the scan. */
	if (memchr(s, '\\', n) && !escapes_ok((const unsigned char *)s, n, &at)) {
		if (wn)
			snprintf(why, wn, "column %zu: invalid Unicode escape", at + 1);
		return FK_OK;
	}
	yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
	if (!h)
		return FK_ERR_NOMEM;
	yajl_status st = yajl_parse(h, (const unsigned char *)s, n);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_ok && b.root && b.depth == 0) {
		*out = b.root;
		b.root = NULL;
	} else if (!b.nomem && wn) {
		size_t col = yajl_get_bytes_consumed(h) + 1;
		if (b.why[0]) {
			snprintf(why, wn, "column %zu: %s", col, b.why);
		} else if (st == yajl_status_ok) {
			snprintf(why, wn, "column %zu: unexpected end of input", col);
		} else {
			unsigned char *e = yajl_get_error(h, 0, NULL, 0);
			/* yajl's words end with a line break: one line of a receipt. */
			size_t en = e ? strcspn((const char *)e, "\n") : 0;
			snprintf(why, wn, "column %zu: %.*s", col, (int)en, e ? (const char *)e : "?");
			if (e)
				yajl_free_error(h, e);
		}
	}
	yajl_free(h);
	json_decref(b.root); /* a partial tree; NULL once handed out */
	free(b.stack);
	free(b.key);
	return b.nomem ? FK_ERR_NOMEM : FK_OK;
}
