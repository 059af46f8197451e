/* Picking one of many by typing part of it (issue 11, item 4: a municipality by name): the
 * candidates that match what is typed so far are listed as it is typed, romaji converting to
 * hiragana as in the search prompt. A dialog of its own over the screen, reading keys through
 * the idle lock as the prompts do. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineedit.h"
#include "lockscreen.h"
#include "tui.h"

typedef struct picker {
	const tui_pick_item *items;
	int n;
	char **norm;  /* items' match, normalised once */
	int *shown;   /* indexes of the items matching the filter */
	int nshown, cursor, offset;
} picker;

/* Normalised like the search (kana, width, case, spaces), so that 「ハコダテ」 finds はこだて. */
static char *normalised(const char *s)
{
	fk_error err;
	char *out = NULL;
	fk_error_clear(&err);
	if (fk_norm(s ? s : "", &out, &err) != FK_OK)
		return strdup("");
	return out;
}

/* What is typed, as the filter reads it: romaji still pending (a syllable only begun, the k
 * of ちよk) is left out until it resolves, so that the list narrows by whole kana and never
 * empties on half a syllable (issue 15, item 2). */
static void typed_text(const tui_line *le, char *buf, size_t len)
{
	wchar_t w[TUI_LINE_MAX + 1];
	int n = 0;
	for (int i = 0; i < le->n; i++)
		if (le->pend < 0 || i < le->pend || i >= le->pos)
			w[n++] = le->w[i];
	w[n] = 0;
	size_t k = wcstombs(buf, w, len - 1);
	buf[k == (size_t)-1 ? 0 : k] = '\0';
}

/* raw: the same keys without romaji conversion, so that what is typed matches as typed too
 * (a user name, "all", a code): an item is shown when either form is part of it. */
static void refilter(picker *p, const tui_line *le, const tui_line *raw)
{
	char typed[4 * TUI_LINE_MAX + 1], latin[4 * TUI_LINE_MAX + 1];
	typed_text(le, typed, sizeof typed);
	typed_text(raw, latin, sizeof latin);
	char *q = normalised(typed), *r = normalised(latin);
	p->nshown = 0;
	for (int i = 0; i < p->n; i++)
		if (!q || !*q || (p->norm[i] && (strstr(p->norm[i], q) || (r && *r && strstr(p->norm[i], r)))))
			p->shown[p->nshown++] = i;
	free(q);
	free(r);
	p->cursor = p->offset = 0;
}

static void draw_picker(app *a, const picker *p, const char *title, const char *label,
			const tui_line *le)
{
	tui_draw(a); /* the screen under it, then the list over its body */
	int top = 1, rows = LINES - 4 - top;
	if (rows < 1)
		return;
	for (int y = top; y < top + rows + 1; y++) {
		move(y, 0);
		clrtoeol();
	}
	char head[256];
	/* TRANSLATORS: a picker's heading: what is picked, how many match of how many. */
	snprintf(head, sizeof head, _("%s: %d of %d match.  Type to narrow, ↑↓ choose, Enter take, Esc cancel"),
		 title, p->nshown, p->n);
	attron(A_BOLD);
	tui_put(top, 1, head, COLS - 2);
	attroff(A_BOLD);
	for (int r = 0; r < rows - 1 && p->offset + r < p->nshown; r++) {
		int i = p->offset + r;
		if (i == p->cursor)
			attron(A_REVERSE);
		tui_put(top + 1 + r, 1, p->items[p->shown[i]].text, COLS - 2);
		if (i == p->cursor)
			attroff(A_REVERSE);
	}
	if (!p->nshown)
		tui_put(top + 1, 1, _("Nothing matches what is typed."), COLS - 2);
	tui_draw_prompt_as(label, le, _("Choose"));
}

/* ↑↓ PgUp PgDn Home End move the choice (not the line's history); 1 when taken. */
static int move_choice(picker *p, int key)
{
	int page = LINES - 6 > 1 ? LINES - 6 : 1;
	switch (key) {
	case KEY_UP: p->cursor--; break;
	case KEY_DOWN: p->cursor++; break;
	case KEY_PPAGE: p->cursor -= page; break;
	case KEY_NPAGE: p->cursor += page; break;
	default: return 0;
	}
	if (p->cursor >= p->nshown)
		p->cursor = p->nshown - 1;
	if (p->cursor < 0)
		p->cursor = 0;
	if (p->cursor < p->offset)
		p->offset = p->cursor;
	if (p->cursor >= p->offset + page)
		p->offset = p->cursor - page + 1;
	return 1;
}

int tui_pick(app *a, const char *title, const char *label, const tui_pick_item *items, int n)
{
	picker p = {items, n, calloc((size_t)n + 1, sizeof(char *)), calloc((size_t)n + 1, sizeof(int)), 0, 0, 0};
	int chosen = -1;
	if (!p.norm || !p.shown) {
		tui_message(a, 1, "%s", _("Out of memory."));
		goto done;
	}
	for (int i = 0; i < n; i++)
		p.norm[i] = normalised(items[i].match);
	tui_line le;
	tui_line_init(&le, NULL); /* no history: the list is the memory */
	/* Names are found by their reading too, and a kiosk may have no IME: romaji typed becomes
	 * hiragana as in the search prompt (C-t: Latin letters, for codes and user names). */
	tui_line_romaji(&le);
	tui_line raw;
	tui_line_init(&raw, NULL);
	refilter(&p, &le, &raw);
	curs_set(1);
	for (;;) {
		draw_picker(a, &p, title, label, &le);
		wint_t ch;
		int r = tui_prompt_key(a, &ch);
		if (r == ERR || r == FK_TUI_REDRAW || (r == KEY_CODE_YES && ch == KEY_RESIZE)) {
			if (r != ERR)
				clearok(curscr, TRUE);
			continue;
		}
		if (r == FK_TUI_SIGNEDOUT)
			break;
		if (r == KEY_CODE_YES && move_choice(&p, (int)ch))
			continue;
		enum tui_line_result k = tui_line_key(&le, r == KEY_CODE_YES, ch);
		(void)tui_line_key(&raw, r == KEY_CODE_YES, ch);
		if (k == TUI_LINE_CANCEL)
			break;
		if (k == TUI_LINE_DONE) {
			if (p.nshown) {
				chosen = p.shown[p.cursor];
				break;
			}
			continue; /* nothing to take: keep typing */
		}
		if (k == TUI_LINE_EDITED)
			refilter(&p, &le, &raw);
	}
	curs_set(0);
done:
	for (int i = 0; p.norm && i < n; i++)
		free(p.norm[i]);
	free(p.norm);
	free(p.shown);
	return a->quit ? -1 : chosen;
}

/* ---- municipalities: loaded once per dialog, picked by name, reading or code ---- */

static int add_muni(const fk_muni *m, void *arg)
{
	tui_munis *ms = arg;
	if (ms->n == ms->cap) {
		int cap = ms->cap ? ms->cap * 2 : 256;
		fk_muni *more = realloc(ms->m, sizeof *more * (size_t)cap);
		if (!more)
			return 1;
		ms->m = more;
		ms->cap = cap;
	}
	ms->m[ms->n++] = *m;
	return 0;
}

fk_status tui_munis_load(app *a, tui_munis *ms, fk_error *err)
{
	/* Decided and recorded as the list it is (municipality.list). */
	return fk_access_municipalities(a->ctx, a->bureau_name, add_muni, ms, err);
}

void tui_munis_free(tui_munis *ms)
{
	free(ms->m);
	*ms = (tui_munis){0};
}

int tui_pick_muni(app *a, const char *label, const char *all_text, const char *all_match,
		  const tui_munis *ms)
{
	int n = ms->n + 1, k = -1;
	tui_pick_item *items = calloc((size_t)n, sizeof *items);
	char (*text)[320] = calloc((size_t)n, sizeof *text);
	char (*match)[320] = calloc((size_t)n, sizeof *match);
	if (!items || !text || !match) {
		tui_message(a, 1, "%s", _("Out of memory."));
		goto done;
	}
	/* First: all of them (the bureau's, present and future, for a grant; no filter, for a list). */
	snprintf(text[0], sizeof text[0], "%s", all_text);
	snprintf(match[0], sizeof match[0], "%s all *", all_match);
	items[0] = (tui_pick_item){text[0], match[0]};
	for (int i = 0; i < ms->n; i++) {
		const fk_muni *m = &ms->m[i];
		snprintf(text[i + 1], sizeof text[i + 1], "%s  %s（%s）", m->code, m->name, m->kana);
		snprintf(match[i + 1], sizeof match[i + 1], "%s %s %s", m->code, m->name, m->kana);
		items[i + 1] = (tui_pick_item){text[i + 1], match[i + 1]};
	}
	k = tui_pick(a, _("Municipality"), label, items, n);
done:
	free(items);
	free(text);
	free(match);
	return k;
}
