/* The sign-in dialog: a box that shows PAM's messages and reads answers, masked or visible (R-AUTH, R-SECRET). */
#include "config.h"

#include <curses.h>
#include <libintl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <wchar.h>

#include "dialog.h"

#define _(s) gettext(s)

static volatile sig_atomic_t hangup;

static void on_signal(int sig)
{
	(void)sig;
	hangup = 1;
}

void fk_tui_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int fk_tui_hangup(void)
{
	return hangup != 0;
}

void fk_dialog_init(fk_dialog *d, const char *title, const char *context)
{
	memset(d, 0, sizeof *d);
	d->title = title;
	fk_copy_str(d->context, sizeof d->context, context ? context : "");
}

void fk_dialog_deadline(fk_dialog *d, int seconds)
{
	d->deadline = seconds > 0 ? fk_mono_ns() + (int64_t)seconds * 1000000000 : 0;
	d->timed_out = 0;
}

void fk_dialog_clear_msgs(fk_dialog *d)
{
	d->nmsgs = 0;
}

/* Text from PAM or the database is untrusted: sanitised and cut by width. */
static void put(int y, int x, const char *s, int width)
{
	char buf[1024];
	if (width <= 0)
		return;
	fk_disp_fit(s, width > 250 ? 250 : width, buf, sizeof buf);
	mvaddstr(y, x, buf);
}

static void draw(fk_dialog *d, const char *prompt, const char *field)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	erase();
	attron(A_REVERSE);
	mvhline(0, 0, ' ', cols);
	put(0, 1, _("fukuhon — bureau terminal for family-register duplicates"), cols - 2);
	attroff(A_REVERSE);
	int w = cols - 8, y = 2;
	attron(A_BOLD);
	put(y++, 4, d->title, w);
	attroff(A_BOLD);
	put(y++, 4, d->context, w);
	y++;
	for (int i = 0; i < 2 && y < rows - 4; i++) {
		if (!d->banner[i][0])
			continue;
		attron(A_BOLD | (i == 0 ? A_REVERSE : 0));
		put(y++, 4, d->banner[i], w);
		attroff(A_BOLD | A_REVERSE);
		if (i == 1)
			y++;
	}
	for (int i = 0; i < d->nmsgs && y < rows - 4; i++) {
		if (d->msg_err[i])
			attron(A_BOLD);
		put(y++, 4, d->msgs[i], w);
		attroff(A_BOLD);
	}
	if (d->note[0] && y < rows - 4) {
		attron(A_BOLD);
		put(y++, 4, d->note, w);
		attroff(A_BOLD);
	}
	if (d->note[0] && d->detail[0] && y < rows - 4)
		put(y++, 4, d->detail, w);
	y++;
	int cy = y, cx = 4;
	/* The footer under the prompt, as far as it fits above the key line. */
	for (int i = 0; d->footer && d->footer[i] && y + 2 + i < rows - 1; i++)
		put(y + 2 + i, 4, _(d->footer[i]), w);
	if (prompt && y < rows - 2) {
		put(y, 4, prompt, w);
		size_t pl = strlen(prompt);
		cx = 4 + fk_disp_width(prompt) + (pl && prompt[pl - 1] == ' ' ? 0 : 1);
		if (cx < w)
			put(y, cx, field, w - cx);
		cx += fk_disp_width(field);
	}
	attron(A_REVERSE);
	mvhline(rows - 1, 0, ' ', cols);
	put(rows - 1, 1, prompt ? _("Enter: next   Esc: cancel") : _("Please wait…"), cols - 2);
	attroff(A_REVERSE);
	if (prompt) {
		curs_set(1);
		move(cy, cx < cols ? cx : cols - 1);
	} else {
		curs_set(0);
	}
	refresh();
}

void fk_dialog_show(fk_dialog *d)
{
	draw(d, NULL, "");
}

/* Remove the last UTF-8 character of buf (n bytes). */
static size_t drop_last(char *buf, size_t n)
{
	while (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
		buf[--n] = '\0';
	if (n > 0)
		buf[--n] = '\0';
	return n;
}

int fk_dialog_read(fk_dialog *d, const char *prompt, int echo, char *buf, size_t len)
{
	char mask[64];
	size_t n = 0;
	int nchars = 0;
	memset(buf, 0, len);
	timeout(500);
	for (;;) {
		int m = nchars < (int)sizeof mask - 1 ? nchars : (int)sizeof mask - 1;
		memset(mask, '*', (size_t)m);
		mask[m] = '\0';
		draw(d, prompt, echo ? buf : mask);
		wint_t wc;
		int r = get_wch(&wc);
		if (hangup || (r == OK && wc == 27)) {
			fk_wipe(buf, len);
			curs_set(0);
			return FK_CONV_CANCEL;
		}
		/* Checked after the key: Enter pressed too late is no answer. */
		if (d->deadline && fk_mono_ns() >= d->deadline) {
			fk_wipe(buf, len);
			curs_set(0);
			d->timed_out = 1;
			return FK_CONV_TIMEOUT;
		}
		if (r == ERR) {
			if (d->tick)
				d->tick(d);
			continue;
		}
		if ((r == KEY_CODE_YES && wc == KEY_ENTER) || (r == OK && (wc == '\n' || wc == '\r'))) {
			curs_set(0);
			return 0;
		}
		if ((r == KEY_CODE_YES && wc == KEY_BACKSPACE) || (r == OK && (wc == 127 || wc == 8))) {
			if (n) {
				n = drop_last(buf, n);
				nchars--;
			}
		} else if (r == OK && wc == 21) { /* Ctrl-U: start again */
			fk_wipe(buf, len);
			n = 0;
			nchars = 0;
		} else if (r == OK && wc >= 0x20 && wc != 0x7f) {
			char mb[MB_LEN_MAX];
			mbstate_t ms;
			memset(&ms, 0, sizeof ms);
			size_t k = wcrtomb(mb, (wchar_t)wc, &ms);
			if (k != (size_t)-1 && n + k < len) {
				memcpy(buf + n, mb, k);
				n += k;
				nchars++;
			}
			fk_wipe(mb, sizeof mb);
		}
		wc = 0;
	}
}

static int conv_ask(void *arg, const char *prompt, int echo, char *buf, size_t len)
{
	return fk_dialog_read(arg, prompt, echo, buf, len);
}

static void conv_tell(void *arg, const char *msg, int error)
{
	fk_dialog *d = arg;
	if (d->nmsgs == FK_DIALOG_MSGS) {
		memmove(d->msgs, d->msgs + 1, sizeof d->msgs[0] * (FK_DIALOG_MSGS - 1));
		memmove(d->msg_err, d->msg_err + 1, sizeof d->msg_err[0] * (FK_DIALOG_MSGS - 1));
		d->nmsgs--;
	}
	fk_copy_str(d->msgs[d->nmsgs], sizeof d->msgs[0], msg);
	d->msg_err[d->nmsgs++] = error;
	fk_dialog_show(d);
}

void fk_dialog_conv(fk_dialog *d, fk_conv *conv)
{
	conv->ask = conv_ask;
	conv->tell = conv_tell;
	conv->arg = d;
}
