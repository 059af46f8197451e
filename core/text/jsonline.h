/* One line of JSON loaded into a jansson tree through yajl's streaming parser: three times
 * faster than json_loadb on a package's records (issue 10), with json_loadb's refusals. */
#ifndef FK_TEXT_JSONLINE_H
#define FK_TEXT_JSONLINE_H

#include <jansson.h>
#include <stddef.h>

#include "status.h"

/* Nesting refused past this depth, as jansson does (JSON_PARSER_MAX_DEPTH). */
#define FK_JSONLINE_DEPTH_MAX 2048

/* Load the n bytes at s, one JSON value (an object or an array, whitespace around it) whose
 * strings are valid UTF-8. FK_OK with *out the value; or FK_OK with *out NULL and why (≤ wn
 * bytes, quoting nothing of the line but its column) the reason it is no JSON as jansson
 * would load it (JSON_REJECT_DUPLICATES; without JSON_ALLOW_NUL: no \u0000 and no lone
 * surrogate escape; integers within json_int_t, reals finite); FK_ERR_NOMEM. */
fk_status fk_jsonline_load(const char *s, size_t n, json_t **out, char *why, size_t wn);

/* The value of the 4 hex digits at p (an escape's \uXXXX), -1 when one is not a hex digit. */
int fk_jsonline_hex4(const unsigned char *p);

#endif
