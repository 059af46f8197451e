/* Drawing helpers: every string from data is sanitised and fitted by display width here. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "tui.h"

void tui_put(int y, int x, const char *s, int width)
{
	char buf[4 * 512 + 8];
	if (width <= 0)
		return;
	if (width > 512)
		width = 512;
	fk_disp_fit(s ? s : "", width, buf, sizeof buf);
	mvaddstr(y, x, buf);
}

void tui_put_right(int y, int x, const char *s, int width)
{
	char buf[600];
	int pad = width - 1 - fk_disp_width(s);
	snprintf(buf, sizeof buf, "%*s%s ", pad > 0 ? pad : 0, "", s);
	tui_put(y, x, buf, width);
}

void tui_putf(int y, int x, int width, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tui_put(y, x, buf, width);
}

void tui_fmt_time(int64_t ns, int jst, char *buf, size_t len)
{
	if (jst) {
		fk_fmt_jst(ns, FK_JST_MINUTE, buf, len); /* the one formatter (core/text/wareki.h) */
		return;
	}
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	if (!ns || !gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "-");
}
