/* Drawing helpers: every string from data is sanitised and fitted by display width here. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "tui.h"

/* Every string drawn passes here, so a 外字 reference's placeholder (fk_disp_fit_marks) is
 * marked on every screen alike: its video inverted against the line's (so it stands out on
 * the selected line too) and underlined; without any attribute its ‹〓…› still tells it
 * apart from text. */
void tui_put(int y, int x, const char *s, int width)
{
	char buf[4 * 512 + 8];
	fk_disp_mark marks[512 / FK_DISP_MARK_WIDTH + 1];
	int n = 0;
	if (width <= 0)
		return;
	if (width > 512)
		width = 512;
	fk_disp_fit_marks(s ? s : "", width, buf, sizeof buf, marks, (int)(sizeof marks / sizeof *marks), &n);
	if (!n) {
		mvaddstr(y, x, buf);
		return;
	}
	attr_t old = A_NORMAL;
	short pair = 0;
	attr_get(&old, &pair, NULL);
	move(y, x);
	size_t at = 0;
	for (int i = 0; i < n; i++) {
		addnstr(buf + at, (int)(marks[i].off - at));
		attr_set((old ^ A_REVERSE) | A_UNDERLINE, pair, NULL);
		addnstr(buf + marks[i].off, (int)marks[i].len);
		attr_set(old, pair, NULL);
		at = marks[i].off + marks[i].len;
	}
	addstr(buf + at);
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
