/* Strings that cannot fail: bounded UTF-8-safe copies and hex. Below the status messages,
 * which use them, so nothing here returns a status. */
#include "config.h"

#include <string.h>

#include "str.h"

int fk_copy_str(char *dst, size_t dstlen, const char *src)
{
	if (!dstlen)
		return 1;
	size_t n = strlen(src);
	if (n < dstlen) {
		memcpy(dst, src, n + 1);
		return 0;
	}
	n = dstlen - 1;
	/* Back up over continuation bytes so a multibyte character is never split. */
	while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 1;
}

void fk_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fk_unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
