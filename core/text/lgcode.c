/* 全国地方公共団体コード: check-digit computation and validation of 6-digit codes. */
#include "config.h"

#include <string.h>

#include "lgcode.h"

#define LGCODE_LEN 6

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int fk_lgcode_check_digit(const char *body5)
{
	static const int weight[5] = {6, 5, 4, 3, 2};
	if (!body5)
		return -1;
	int sum = 0;
	for (int i = 0; i < 5; i++) {
		if (!is_digit(body5[i]))
			return -1; /* also stops at a NUL before the fifth digit */
		sum += (body5[i] - '0') * weight[i];
	}
	return (11 - sum % 11) % 10;
}

/* A short quotable prefix of untrusted input, never ending inside a UTF-8 sequence. */
static void quote_prefix(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	if (src[n] != '\0')
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

fk_status fk_lgcode_validate(const char *code, fk_error *err)
{
	if (!code)
		return fk_fail(err, FK_ERR_INVALID, "municipality code missing");
	size_t len = strnlen(code, LGCODE_LEN + 1);
	int digits = len == LGCODE_LEN;
	for (size_t i = 0; digits && i < len; i++)
		digits = is_digit(code[i]);
	if (!digits) {
		char shown[24]; /* the code may be any text from an untrusted file */
		quote_prefix(shown, sizeof shown, code);
		return fk_fail(err, FK_ERR_INVALID, "municipality code '%s': must be 6 digits",
			       shown);
	}
	int expected = fk_lgcode_check_digit(code);
	int got = code[5] - '0';
	if (got != expected)
		return fk_fail(err, FK_ERR_INVALID,
			       "municipality code %s: check digit is %d, expected %d", code, got,
			       expected);
	return FK_OK;
}
