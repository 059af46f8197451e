/* Drawing helpers: every string from data is sanitised and fitted by display width here. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

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
	time_t t = (time_t)(ns / 1000000000) + (jst ? 9 * 3600 : 0);
	struct tm tm;
	if (!ns || !gmtime_r(&t, &tm) ||
	    strftime(buf, len, jst ? "%Y-%m-%d %H:%M JST" : "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "-");
}

/* One line of s from *p that fits width columns, broken after the last space when there is
 * one (English) and anywhere otherwise (Japanese has no spaces). Returns its length in bytes. */
static size_t wrap_line(const char *s, int width)
{
	mbstate_t ms;
	memset(&ms, 0, sizeof ms);
	size_t at = 0, space = 0;
	int used = 0;
	while (s[at]) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + at, strlen(s + at), &ms);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) /* not UTF-8: our own text never is */
			return at ? at : strlen(s);
		int w = wcwidth(wc);
		w = w < 0 ? 1 : w;
		if (used + w > width)
			return space && s[at] != ' ' ? space : at ? at : k;
		if (wc == ' ')
			space = at + 1;
		used += w;
		at += k;
	}
	return at;
}

int tui_wrap(int y, int x, const char *s, int width, int rows)
{
	char line[1024];
	int n = 0;
	while (*s && n < rows && width > 0) {
		size_t len = wrap_line(s, width);
		if (len >= sizeof line)
			len = sizeof line - 1;
		memcpy(line, s, len);
		line[len] = '\0';
		tui_put(y + n++, x, line, width);
		s += len;
		while (*s == ' ')
			s++;
	}
	return n;
}
