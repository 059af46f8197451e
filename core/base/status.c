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
		err->msg_id = FK_MSG_NONE;
		err->msg_arg[0] = '\0';
		err->msg_n = 0;
	}
	return fk_failed(code);
}

static const char *const msg_templates[] = {
#define FK_MSG_TEXT(id, text) text,
	FK_MSG_LIST(FK_MSG_TEXT)
#undef FK_MSG_TEXT
};

const char *fk_msg_template(fk_msg id)
{
	return (unsigned)id < FK_MSG_COUNT ? msg_templates[id] : NULL;
}

void fk_msg_expand(const char *tmpl, const char *arg, long long n, char *out, size_t len)
{
	size_t used = 0;
	if (!len)
		return;
	out[0] = '\0';
	/* Placeholders, not printf conversions: a translation can never make the
	 * formatter read an argument of the wrong type. */
	for (const char *p = tmpl ? tmpl : ""; *p && used + 1 < len; p++) {
		char num[24];
		const char *put = NULL;
		if (!strncmp(p, "{a}", 3))
			put = arg ? arg : "";
		else if (!strncmp(p, "{n}", 3)) {
			snprintf(num, sizeof num, "%lld", n);
			put = num;
		}
		if (put) {
			fk_copy_str(out + used, len - used, put);
			used = strlen(out);
			p += 2;
			continue;
		}
		out[used++] = *p;
		out[used] = '\0';
	}
}

fk_status fk_fail_id_msg(fk_error *err, fk_status code, fk_msg id, const char *arg, long long n)
{
	if (err) {
		char text[FK_ERRMSG_MAX];
		fk_msg_expand(fk_msg_template(id), arg, n, text, sizeof text);
		fk_fail_msg(err, code, "%s", text);
		err->msg_id = (unsigned)id < FK_MSG_COUNT ? id : FK_MSG_NONE;
		fk_copy_str(err->msg_arg, sizeof err->msg_arg, arg ? arg : "");
		flatten(err->msg_arg);
		err->msg_n = n;
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
		err->msg_id = FK_MSG_NONE;
		err->msg_arg[0] = '\0';
		err->msg_n = 0;
		err->msg[0] = '\0';
	}
}
