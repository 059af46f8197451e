/* Strings that cannot fail: bounded UTF-8-safe copies and hex (below status.h, which uses them). */
#ifndef FK_STR_H
#define FK_STR_H

#include <stddef.h>
#include <stdint.h>

/* Copy at most dstlen-1 bytes, always NUL-terminate, never split a UTF-8
 * sequence. Returns 1 when s was cut. */
int fk_copy_str(char *dst, size_t dstlen, const char *src);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void fk_hex(const uint8_t *in, size_t n, char *out);
/* Exactly 2n hex digits into n bytes; -1 when s is anything else. */
int fk_unhex(const char *s, uint8_t *out, size_t n);

#endif
