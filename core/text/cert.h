/* A register laid out like a 全部事項証明 (certificate of all recorded matters), as lines of text.
 * Pure layout: the console sanitises and fits each line when it draws it;
 * version comparison diffs these lines. */
#ifndef FK_CERT_H
#define FK_CERT_H

#include <jansson.h>

#include "status.h"

typedef struct fk_lines {
	char **v;
	int n, cap;
} fk_lines;

/* Lay out doc (a validated register) into lines (appended to out). */
fk_status fk_cert_lines(const json_t *doc, int kind, fk_lines *out, fk_error *err);
void fk_lines_free(fk_lines *l);
/* Append a printf-formatted line (at most 1023 bytes). */
fk_status fk_lines_add(fk_lines *l, fk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Where the certificate's 【items】 start: 14 columns. */
#define FK_CERT_ITEM_INDENT "　　　　　　　"

/* The lines of in wrapped to width display columns into out (appended): never inside a
 * character or a 外字 placeholder; continuations start with indent (NULL: none; left out too
 * when the width leaves little room after it); the first keep bytes of a line (a comparison's
 * "+ ") begin each of its pieces. */
fk_status fk_lines_wrap(const fk_lines *in, int width, int keep, const char *indent, fk_lines *out,
			fk_error *err);

/* Unified comparison of a and b: each output line starts with "  ", "- " or "+ ". */
fk_status fk_lines_diff(const fk_lines *a, const fk_lines *b, fk_lines *out, int *changes,
			fk_error *err);

#endif
