/* Display-safe text: sanitise untrusted strings and measure, pad and cut them by display width.
 *
 * Data from municipalities is untrusted: control characters, escape
 * sequences, bidi overrides and invalid UTF-8 must never reach the terminal.
 * Every string the console draws goes through fk_disp_fit (or fk_disp_clean),
 * which replaces each such character with U+FFFD (width 1). Characters whose
 * width the C library cannot tell (wcwidth −1: unassigned or newer than
 * glibc) are replaced too, so alignment never breaks. A byte of invalid UTF-8 that a
 * municipality sent is kept in the store as U+10FF00 + byte (docs/package-format.md) and
 * shown as the marked placeholder ‹\xNN› (width 6), never as a character. Needs a UTF-8
 * LC_CTYPE. */
#ifndef FK_DISP_H
#define FK_DISP_H

#include <stddef.h>

#define FK_DISP_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
/* Kept bytes: U+10FF00 + byte, drawn as ‹\xNN› (FK_DISP_KEPT_LEN bytes). */
#define FK_DISP_KEPT_FIRST 0x10ff00ul
#define FK_DISP_KEPT_LEN 10
/* A reference to a character outside Unicode, 〓[MJ:012345] or 〓[KT:123456]
 * (docs/package-format.md §7), is drawn as the placeholder ‹〓MJ012345› (FK_DISP_MARK_LEN
 * bytes, FK_DISP_MARK_WIDTH columns): one unit, measured whole and never cut inside, and
 * marked on the console (fk_disp_fit_marks) so that it cannot pass for ordinary text. */
#define FK_DISP_GETA "\xe3\x80\x93" /* 〓 U+3013 */
#define FK_DISP_MARK_LEN 17
#define FK_DISP_MARK_WIDTH 12
#define FK_DISP_MARK_MAX FK_DISP_MARK_LEN

/* 1 when code point c must not be sent to a terminal as it is. */
int fk_disp_unsafe(unsigned long c);

/* Copy in to out (outlen bytes, always terminated, never split inside a
 * character) with unsafe characters replaced. Returns the display width of
 * what was written. */
int fk_disp_clean(const char *in, char *out, size_t outlen);

/* Display width of in as fk_disp_clean would draw it. */
int fk_disp_width(const char *in);

/* Make in exactly width columns: sanitised, cut with "…" when too wide (a
 * wide character that does not fit is replaced by spaces, never split), and
 * padded with spaces. out needs about 4 * width + 4 bytes; text that needs more (zero-width
 * characters take bytes but no column) is cut where they run out, still exactly width
 * columns. Returns 1 when cut. */
int fk_disp_fit(const char *in, int width, char *out, size_t outlen);

/* A placeholder in fk_disp_fit_marks's output: its bytes out[off .. off + len). */
typedef struct fk_disp_mark {
	size_t off, len;
} fk_disp_mark;

/* fk_disp_fit, also telling where the 外字 placeholders it wrote are (up to max of them into
 * marks, *nmarks how many), for the console to draw them marked. */
int fk_disp_fit_marks(const char *in, int width, char *out, size_t outlen, fk_disp_mark *marks,
		      int max, int *nmarks);

/* The sanitised copy of in as a new string (NULL: out of memory), for output
 * that is not drawn through curses (the command line). ascii 1 replaces every
 * character outside ASCII with '?', for a terminal that is not UTF-8. *width
 * gets the display width of the copy. */
char *fk_disp_dup(const char *in, int ascii, int *width);

#endif
