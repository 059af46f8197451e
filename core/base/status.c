/* Status names and error-message helpers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "str.h"

static const char *const status_names[] = {
#define FK_STATUS_TEXT(name, text) text,
	FK_STATUS_LIST(FK_STATUS_TEXT)
#undef FK_STATUS_TEXT
};

const char *fk_status_name(fk_status st)
{
	if ((unsigned)st >= FK_STATUS_COUNT)
		return "unknown status";
	return status_names[st];
}

/* Messages are shown on one line: control characters would let a message
 * derived from data move the cursor or inject escape sequences. */
static void flatten(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

fk_status fk_fail_msg(fk_error *err, fk_status code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		flatten(err->msg);
		err->code = fk_failed(code);
		err->reason = 0;
	}
	return fk_failed(code);
}

fk_status fk_fail_wrap_msg(fk_error *err, const char *fmt, ...)
{
	if (!err)
		return FK_ERR_INTERNAL;
	char prefix[FK_ERRMSG_MAX], old[FK_ERRMSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* Truncation is fine: the message stays one bounded line. */
	size_t n = strlen(prefix);
	if (n > sizeof err->msg - 3)
		n = sizeof err->msg - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 3);
	fk_copy_str(err->msg + n + 2, sizeof err->msg - n - 2, old);
	flatten(err->msg);
	return err->code;
}

void fk_error_clear(fk_error *err)
{
	if (err) {
		err->code = FK_OK;
		err->reason = 0;
		err->msg[0] = '\0';
	}
}
