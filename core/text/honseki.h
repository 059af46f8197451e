/* The parts of a 本籍 (normalised, core/text/norm.h): the prefecture, the municipality, and the
 * town (町名・大字) that follows, so that 本籍 can be found by the part after the municipality
 * (issue 11, item 8: 緑町 finds 東京都千代田区緑町一丁目…). Pure text rules, no reference data:
 * the 47 prefectures by name, a municipality by its suffix (市, a designated city's 区, a
 * Tokyo ward's 区, 郡 and its 町 or 村). */
#ifndef FK_HONSEKI_H
#define FK_HONSEKI_H

#include <stddef.h>

/* Where the part after the prefecture and the municipality starts in norm, or NULL when norm
 * does not start with a prefecture and a municipality. */
const char *fk_honseki_after(const char *norm);

/* The town of after (the part after the municipality): up to the block number (丁目, 番地,
 * 番, a digit). 1 with it in out, 0 when there is none or it does not fit. */
int fk_honseki_town(const char *after, char *out, size_t len);

/* 1 when norm starts with a prefecture's name. */
int fk_honseki_has_prefecture(const char *norm);

#endif
