/* Normalisation of names, readings and addresses for blind-index search.
 *
 * The rules (documented in docs/normalisation.md) make equal what an operator
 * would consider the same search: full-width ASCII to ASCII, half-width
 * katakana to full-width (with voiced marks composed), katakana to hiragana,
 * historical kana (ゐ ゑ ヰ ヱ) to modern (い え), ASCII lower case, common
 * old/variant kanji of names to their standard form (髙→高, 﨑→崎, 邊/邉→辺,
 * 齋→斎, 澤→沢, 濱/濵→浜, 櫻→桜, 國→国, …), and every kind of space removed.
 * Anything else passes through unchanged. */
#ifndef FK_NORM_H
#define FK_NORM_H

#include <stddef.h>

#include "status.h"

/* Normalise UTF-8 in (NUL-terminated) into a new malloc'd string in *out.
 * FK_ERR_INVALID for invalid UTF-8 (overlong forms, surrogates, > U+10FFFF). */
fk_status fk_norm(const char *in, char **out, fk_error *err);

/* Number of code points in valid UTF-8 s. */
size_t fk_utf8_len(const char *s);

/* Byte length of the first n code points of valid UTF-8 s (all of s if shorter). */
size_t fk_utf8_prefix(const char *s, size_t n);

/* 1 when s (len bytes) is valid UTF-8, else 0. */
int fk_utf8_valid(const char *s, size_t len);

#endif
