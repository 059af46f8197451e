/* Display-safe text: sanitise untrusted strings and measure, pad and cut them by display width. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "disp.h"

int fk_disp_unsafe(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) ||  /* C0, DEL, C1 (CSI is 0x9b) */
	       (c >= 0x202a && c <= 0x202e) ||          /* bidi embeddings and overrides */
	       (c >= 0x2066 && c <= 0x2069) ||          /* bidi isolates */
	       c == 0x200e || c == 0x200f || c == 0x061c || /* direction marks */
	       (c >= 0xd800 && c <= 0xdfff) || c >= FK_DISP_KEPT_FIRST;
}

/* Decode one character of s; invalid or truncated sequences give c = U+FFFD
 * and consume one byte. Returns bytes consumed (0 at the end). */
static size_t decode(const char *s, unsigned long *c)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	unsigned long v;
	if (!u[0])
		return 0;
	if (u[0] < 0x80) {
		*c = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2, v = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		n = 3, v = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		n = 4, v = u[0] & 0x07;
	else
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		v = v << 6 | (u[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*c = v;
	return n;
bad:
	*c = 0xfffd;
	return 1;
}

/* One character as drawn: its bytes (possibly the replacement) and width. */
typedef struct cell {
	const char *bytes;
	size_t len;
	int width;
	char mark[FK_DISP_MARK_MAX + 1]; /* a placeholder, which bytes points to */
	int marked; /* a 外字 reference's placeholder: drawn marked (fk_disp_fit_marks) */
} cell;

/* A byte of invalid UTF-8 a municipality sent, kept in the store as U+10FF00 + byte
 * (docs/package-format.md), is shown as ‹\xNN›: visibly not a character, and the byte is
 * there for whoever has to ask the sender about it. The guillemets are width 1 each (glibc). */
static void kept_mark(unsigned long c, cell *out)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned b = (unsigned)(c - FK_DISP_KEPT_FIRST);
	memcpy(out->mark, "\xe2\x80\xb9\\x", 5);
	out->mark[5] = hex[b >> 4];
	out->mark[6] = hex[b & 15];
	memcpy(out->mark + 7, "\xe2\x80\xba", 4);
	out->bytes = out->mark;
	out->len = FK_DISP_KEPT_LEN;
	out->width = 6;
}

/* A reference to a character outside Unicode, 〓[MJ:dddddd] or 〓[KT:dddddd]
 * (docs/package-format.md §7), is one cell: the placeholder ‹〓MJdddddd› (width 12), so that
 * it is measured and cut as a whole and never drawn as ordinary text that merely looks like
 * the reference; the console draws it marked too (fk_disp_fit_marks). Anything short of an
 * exact reference is ordinary text, as the parser rejected it anyway. */
static size_t gaiji_mark(const char *s, cell *out)
{
	/* strncmp: stops at the end of a shorter string */
	if (strncmp(s, FK_DISP_GETA "[", 4) != 0 || (strncmp(s + 4, "MJ:", 3) && strncmp(s + 4, "KT:", 3)))
		return 0;
	for (int i = 7; i < 13; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[13] != ']')
		return 0;
	char *m = out->mark;
	memcpy(m, "\xe2\x80\xb9" FK_DISP_GETA, 6);
	memcpy(m + 6, s + 4, 2);     /* MJ or KT */
	memcpy(m + 8, s + 7, 6);     /* the number */
	memcpy(m + 14, "\xe2\x80\xba", 3);
	m[FK_DISP_MARK_LEN] = '\0';
	out->bytes = m;
	out->len = FK_DISP_MARK_LEN;
	out->width = FK_DISP_MARK_WIDTH;
	out->marked = 1;
	return 14;
}

static size_t next_cell(const char *s, cell *out)
{
	unsigned long c;
	out->marked = 0;
	size_t n = gaiji_mark(s, out);
	if (n)
		return n;
	n = decode(s, &c);
	if (!n)
		return 0;
	if (c >= FK_DISP_KEPT_FIRST && c <= 0x10ffff) {
		kept_mark(c, out);
		return n;
	}
	int w = fk_disp_unsafe(c) || c == 0xfffd ? -1 : wcwidth((wchar_t)c);
	if (w < 0) {
		out->bytes = FK_DISP_REPLACEMENT;
		out->len = 3;
		out->width = 1;
	} else {
		out->bytes = s;
		out->len = n;
		out->width = w;
	}
	return n;
}

int fk_disp_clean(const char *in, char *out, size_t outlen)
{
	size_t used = 0;
	int width = 0;
	cell c;
	size_t n;
	if (!outlen)
		return 0;
	while ((n = next_cell(in, &c)) != 0 && used + c.len < outlen) {
		memcpy(out + used, c.bytes, c.len);
		used += c.len;
		width += c.width;
		in += n;
	}
	out[used] = '\0';
	return width;
}

int fk_disp_width(const char *in)
{
	int width = 0;
	cell c;
	size_t n;
	while ((n = next_cell(in, &c)) != 0) {
		width += c.width;
		in += n;
	}
	return width;
}

static const char ELLIPSIS[] = "\xe2\x80\xa6"; /* …, width 1 */

/* Copy the cells of in that fit in limit columns into out, leaving room for what follows them:
 * the ellipsis when cut, the spaces up to width and the NUL. Zero-width characters (variation
 * selectors after a 外字's base, combining marks) take bytes but no column, so bytes can run
 * out first. 0 when they did, before the text or the columns ended. */
static int fill(const char *in, int limit, int width, int cut, char *out, size_t outlen,
		size_t *used, int *w, fk_disp_mark *marks, int max, int *nmarks)
{
	cell c;
	size_t n;
	*used = 0;
	*w = 0;
	*nmarks = 0;
	while ((n = next_cell(in, &c)) != 0 && *w + c.width <= limit) {
		size_t tail = (cut ? 3 : 0) + (size_t)(width - *w - c.width - cut) + 1;
		if (*used + c.len + tail > outlen)
			return 0;
		if (c.marked && *nmarks < max)
			marks[(*nmarks)++] = (fk_disp_mark){.off = *used, .len = c.len};
		memcpy(out + *used, c.bytes, c.len);
		*used += c.len;
		*w += c.width;
		in += n;
	}
	return 1;
}

int fk_disp_fit_marks(const char *in, int width, char *out, size_t outlen, fk_disp_mark *marks,
		      int max, int *nmarks)
{
	size_t used = 0;
	int w = 0, none;
	if (!nmarks)
		nmarks = &none;
	*nmarks = 0;
	if (!marks)
		max = 0;
	if (!outlen)
		return 0;
	/* Room for the ellipsis when the text will not fit, in columns or in out's bytes. */
	int cut = width > 0 && fk_disp_width(in) > width;
	if (width > 0 && !fill(in, width - cut, width, cut, out, outlen, &used, &w, marks, max, nmarks) &&
	    !cut) {
		cut = 1;
		fill(in, width - 1, width, 1, out, outlen, &used, &w, marks, max, nmarks);
	}
	if (cut && used + 4 <= outlen) {
		memcpy(out + used, ELLIPSIS, 3);
		used += 3;
		w += 1;
	}
	while (w < width && used + 1 < outlen) {
		out[used++] = ' ';
		w++;
	}
	out[used] = '\0';
	return cut;
}

int fk_disp_fit(const char *in, int width, char *out, size_t outlen)
{
	return fk_disp_fit_marks(in, width, out, outlen, NULL, 0, NULL);
}

char *fk_disp_dup(const char *in, int ascii, int *width)
{
	/* A byte of input becomes at most 3: the replacement (3 for 1), a kept byte's mark
	 * (10 for 4), a 外字 reference's (18 for 14). */
	size_t cap = 3 * strlen(in) + 1, used = 0;
	char *out = malloc(cap);
	cell c;
	size_t n;
	*width = 0;
	if (!out)
		return NULL;
	while ((n = next_cell(in, &c)) != 0) {
		if (ascii && c.marked) {
			/* the reference's placeholder in ASCII: <MJ012345> */
			out[used] = '<';
			memcpy(out + used + 1, c.bytes + 6, 8);
			out[used + 9] = '>';
			used += 10;
			*width += 10;
		} else if (ascii && (c.len != 1 || c.bytes[0] != *in)) {
			out[used++] = '?';
			*width += 1;
		} else {
			memcpy(out + used, c.bytes, c.len);
			used += c.len;
			*width += c.width;
		}
		in += n;
	}
	out[used] = '\0';
	return out;
}
