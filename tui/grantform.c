/* The form that makes a grant (issue 11, item 4; R-FILES): the operator picked from the
 * bureau's people, the municipality by name with an incremental filter (or all), kinds and
 * rights ticked, dates in JST written in 西暦 or 和暦, an end that lasts through the whole
 * day. Each field is checked as it is left; a grant that would duplicate one in force is
 * warned of; what the core would refuse is said before the reason is asked. A screen on the
 * view engine: one line per field, ↑↓ between them, Enter to change, Space to tick. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h"
#include "tui.h"

enum field {
	F_USER,
	F_MUNI,
	F_KIND, /* F_KIND + 0..3: 戸籍 除籍 受付帳 届書 */
	F_RIGHT = F_KIND + 4, /* F_RIGHT + 0..3: 閲覧 書出し 印刷 廃棄 */
	F_FROM = F_RIGHT + 4,
	F_UNTIL,
	F_GAP,
	F_SUBMIT,
	F_COUNT
};

typedef struct gform {
	int64_t bureau_id;
	fk_operator *people;
	int npeople, cap_people;
	tui_munis munis;
	char user[72];
	char muni[7]; /* "" with all set: every municipality */
	char muni_name[96];
	int muni_set, all;
	unsigned kinds, rights;
	char from[64], until[64]; /* as typed (JST) */
	int64_t from_ns, until_ns; /* 0: now / until revoked */
	char problem[F_COUNT][160]; /* what is wrong with each field ("" when nothing) */
	char duplicate[200];        /* a grant in force that already gives all of this */
} gform;

/* The words the lists use (reasons.c): 戸籍・除籍・受付帳・届書, 閲覧・書出し・印刷・廃棄 in Japanese. */
static const char *const kind_names[] = {N_("koseki"), N_("joseki"), N_("ledger"), N_("documents")};
static const char *const right_names[] = {N_("view"), N_("export"), N_("print"), N_("dispose")};

static int add_person(const fk_operator *o, void *arg)
{
	gform *f = arg;
	/* Only who could receive a grant here: enabled operators and supervisors of the bureau. */
	if (!o->enabled || o->bureau_id != f->bureau_id ||
	    (o->role != FK_ROLE_OPERATOR && o->role != FK_ROLE_SUPERVISOR))
		return 0;
	if (f->npeople == f->cap_people) {
		int cap = f->cap_people ? f->cap_people * 2 : 64;
		fk_operator *p = realloc(f->people, sizeof *p * (size_t)cap);
		if (!p)
			return 1;
		f->people = p;
		f->cap_people = cap;
	}
	f->people[f->npeople++] = *o;
	return 0;
}

static fk_status gform_open(view *v, fk_error *err)
{
	gform *f = v->data;
	app *a = v->app;
	v->header_rows = 2;
	v->nrows = F_COUNT;
	v->selectable = 1;
	if (f->people) /* opened again (a resize): the lists are kept */
		return FK_OK;
	/* Both reads are decided and recorded as the lists they are (operator.list, ref.list). */
	fk_status s = fk_people_list(a->ctx, add_person, f, err);
	if (s == FK_OK)
		s = tui_munis_load(a, &f->munis, err);
	return s;
}

/* The spec as the form has it now (reason NULL). */
static fk_grant_spec spec_of(const gform *f)
{
	fk_grant_spec g = {f->user, f->all ? NULL : f->muni, f->kinds, f->rights, f->from_ns,
			   f->until_ns, NULL};
	return g;
}

/* A grant in force for the same person and municipality that already gives every kind and
 * right ticked, for at least as long: the new one would add nothing (R-FILES: a supervisor
 * reviewing grants should not find two that say the same). */
static int find_duplicate(const fk_grant *g, void *arg)
{
	gform *f = arg;
	if (g->state != FK_GRANT_ACTIVE && g->state != FK_GRANT_PENDING)
		return 0;
	if (strcmp(g->municipality, f->all ? "" : f->muni) != 0)
		return 0;
	if ((g->kinds & f->kinds) != f->kinds || (g->rights & f->rights) != f->rights)
		return 0;
	if (g->valid_until && (!f->until_ns || g->valid_until < f->until_ns))
		return 0;
	/* TRANSLATORS: a warning on the grant form: the number of a grant already in force. */
	snprintf(f->duplicate, sizeof f->duplicate,
		 _("⚠ Grant %lld already gives this: a new one adds nothing (Enter on [Grant] asks first)."),
		 (long long)g->id);
	return 1;
}

static void check_duplicate(view *v)
{
	gform *f = v->data;
	f->duplicate[0] = '\0';
	if (!f->user[0] || !f->muni_set || !f->kinds || !f->rights)
		return;
	fk_grant_filter flt = {f->user, v->app->bureau_id, 0, 0};
	fk_error err;
	fk_error_clear(&err);
	if (fk_grant_list(v->app->ctx, &flt, find_duplicate, f, &err) != FK_OK)
		tui_error(v->app, &err, NULL);
}

/* What the core would refuse now, said at once: a field's problem, or the grant's. */
static void precheck(view *v)
{
	gform *f = v->data;
	if (!f->user[0] || !f->muni_set || !f->kinds || !f->rights)
		return;
	fk_grant_spec g = spec_of(f);
	fk_error err;
	fk_error_clear(&err);
	if (fk_grant_precheck(v->app->ctx, &g, 0, &err) != FK_OK)
		tui_error(v->app, &err, f->user);
}

static void pick_user(view *v)
{
	gform *f = v->data;
	app *a = v->app;
	if (!f->npeople) {
		tui_message(a, 1, "%s", _("The bureau has no operators who could be granted."));
		return;
	}
	tui_pick_item *items = calloc((size_t)f->npeople, sizeof *items);
	char (*text)[320] = calloc((size_t)f->npeople, sizeof *text);
	char (*match)[320] = calloc((size_t)f->npeople, sizeof *match);
	if (!items || !text || !match) {
		tui_message(a, 1, "%s", _("Out of memory."));
		goto done;
	}
	for (int i = 0; i < f->npeople; i++) {
		const fk_operator *o = &f->people[i];
		snprintf(text[i], sizeof text[i], "%-16s %s（%s）", o->username, *o->display ? o->display : "-",
			 tui_role_text(o->role));
		snprintf(match[i], sizeof match[i], "%s %s", o->username, o->display);
		items[i] = (tui_pick_item){text[i], match[i]};
	}
	int k = tui_pick(a, _("Grant to"), _("Operator (name or user name):"), items, f->npeople);
	if (k >= 0) {
		fk_copy_str(f->user, sizeof f->user, f->people[k].username);
		f->problem[F_USER][0] = '\0';
		/* Nobody grants their own: said now, not after the reason. */
		if (!strcmp(f->user, a->ctx->actor.user))
			snprintf(f->problem[F_USER], sizeof f->problem[F_USER], "%s",
				 tui_reason_text(FK_WHY_SELF));
	}
done:
	free(items);
	free(text);
	free(match);
}

static void pick_muni(view *v)
{
	gform *f = v->data;
	int k = tui_pick_muni(v->app, _("Municipality (name, reading or code):"),
			      _("(all municipalities of the bureau)"), _("all municipalities"), &f->munis);
	if (k == 0) {
		f->all = 1;
		f->muni[0] = '\0';
		f->muni_set = 1;
	} else if (k > 0) {
		f->all = 0;
		fk_copy_str(f->muni, sizeof f->muni, f->munis.m[k - 1].code);
		fk_copy_str(f->muni_name, sizeof f->muni_name, f->munis.m[k - 1].name);
		f->muni_set = 1;
	}
}

/* A date field: typed in JST, 西暦 or 和暦; the end through the whole of its day. Checked as
 * it is left: a date that is not one, or an end before the start, is said on its line. */
static void edit_date(view *v, int field)
{
	gform *f = v->data;
	int end = field == F_UNTIL;
	char *buf = end ? f->until : f->from;
	char typed[64];
	fk_copy_str(typed, sizeof typed, buf);
	if (!tui_prompt_edit(v->app, end ? _("Valid until (e.g. 2026-12-31 or 令和8年12月31日; empty: until revoked):")
					: _("Valid from (e.g. 2026-12-01 or R8.12.1; empty: now):"),
			     typed, sizeof typed))
		return;
	fk_copy_str(buf, 64, typed);
	int64_t *ns = end ? &f->until_ns : &f->from_ns;
	f->problem[field][0] = '\0';
	*ns = 0;
	if (!typed[0])
		return;
	fk_error err;
	fk_error_clear(&err);
	if (fk_parse_jst(typed, end, ns, &err) != FK_OK) {
		snprintf(f->problem[field], sizeof f->problem[field], "%s",
			 _("Not a date: write 2026-12-31, 2026/12/31, 令和8年12月31日 or R8.12.31."));
		*ns = 0;
	}
}

static void check_dates(gform *f)
{
	if (f->problem[F_UNTIL][0] || f->problem[F_FROM][0])
		return;
	if (f->until_ns && f->until_ns <= (f->from_ns ? f->from_ns : fk_authz_now()))
		snprintf(f->problem[F_UNTIL], sizeof f->problem[F_UNTIL], "%s",
			 f->from_ns ? _("The end is before the start.") : _("This end has already passed."));
}

/* The first thing in the way of making the grant, for the message line ("" when none). */
static const char *missing(const gform *f)
{
	if (!f->user[0])
		return _("Choose the operator (Enter on its line).");
	if (!f->muni_set)
		return _("Choose the municipality, or all of them (Enter on its line).");
	if (!f->kinds)
		return _("Tick at least one kind of file (Space).");
	if (!f->rights)
		return _("Tick at least one right (Space).");
	for (int i = 0; i < F_COUNT; i++)
		if (f->problem[i][0])
			return f->problem[i];
	return "";
}

static void submit(view *v)
{
	gform *f = v->data;
	app *a = v->app;
	const char *why = missing(f);
	fk_grant_spec g = spec_of(f);
	fk_error err;
	fk_error_clear(&err);
	/* Every refusal the core knows without the reason, before the reason is asked, and on
	 * record as the grant's would be (R-LOG): once the form says whom, where and what. */
	if (f->user[0] && f->muni_set && f->kinds && f->rights &&
	    fk_grant_precheck(a->ctx, &g, 1, &err) != FK_OK) {
		tui_error(a, &err, f->user);
		return;
	}
	if (*why) {
		tui_message(a, 1, "%s", why);
		return;
	}
	if (f->duplicate[0] && !tui_confirm(a, _("A grant in force already gives this. Grant again anyway? (y/n)")))
		return;
	char reason[FK_GRANT_REASON_MAX + 1] = "";
	if (!tui_prompt(a, _("Reason (required):"), reason, sizeof reason))
		return;
	g.reason = reason;
	int64_t id;
	fk_error_clear(&err);
	if (fk_grant_add(a->ctx, &g, &id, &err) != FK_OK) {
		tui_error(a, &err, f->user);
		return;
	}
	tui_pop(a); /* the grants screen refreshes as it comes back */
	tui_message(a, 0, _("Grant %lld made."), (long long)id);
}

static void gform_header(view *v, int y, int cols)
{
	gform *f = v->data;
	tui_put(y, 1, _("↑↓: field  Enter: change  Space: tick  Enter on [Grant]: make it  Esc: cancel"), cols - 2);
	if (f->duplicate[0]) {
		attron(A_BOLD);
		tui_put(y + 1, 1, f->duplicate, cols - 2);
		attroff(A_BOLD);
	}
}

static void tick_line(int y, int cols, const char *label, const char *name, int on, const char *problem)
{
	char line[256];
	snprintf(line, sizeof line, "[%s] %s", on ? "x" : " ", _(name));
	tui_put(y, 1, label, 16);
	tui_put(y, 17, line, cols - 18);
	if (problem && *problem)
		tui_put(y, 40, problem, cols - 41);
}

static void gform_line(view *v, int i, int y, int cols, int selected)
{
	gform *f = v->data;
	char value[320];
	const char *label = "";
	value[0] = '\0';
	if (selected)
		attron(A_REVERSE);
	switch (i) {
	case F_USER: {
		label = _("Operator");
		const char *display = "";
		for (int k = 0; k < f->npeople; k++)
			if (!strcmp(f->people[k].username, f->user))
				display = f->people[k].display;
		if (f->user[0] && *display)
			snprintf(value, sizeof value, "%s（%s）", f->user, display);
		else if (f->user[0])
			snprintf(value, sizeof value, "%s", f->user);
		else
			snprintf(value, sizeof value, "%s", _("(Enter: choose)"));
		break;
	}
	case F_MUNI:
		label = _("Municipality");
		if (!f->muni_set)
			snprintf(value, sizeof value, "%s", _("(Enter: choose by name)"));
		else if (f->all)
			snprintf(value, sizeof value, "%s", _("all municipalities of the bureau"));
		else
			snprintf(value, sizeof value, "%s %s", f->muni, f->muni_name);
		break;
	case F_FROM:
		label = _("From");
		snprintf(value, sizeof value, "%s", f->from[0] ? f->from : _("(now)"));
		break;
	case F_UNTIL:
		label = _("Until");
		if (!f->until[0]) {
			snprintf(value, sizeof value, "%s", _("(until revoked)"));
		} else if (!f->problem[F_UNTIL][0]) {
			char day[48];
			fk_fmt_jst(f->until_ns - 1, FK_JST_WAREKI, day, sizeof day);
			/* TRANSLATORS: an end date as typed, then the day it lasts through, in 和暦. */
			snprintf(value, sizeof value, _("%s (through %s, JST)"), f->until, day);
		} else {
			snprintf(value, sizeof value, "%s", f->until);
		}
		break;
	case F_SUBMIT:
		tui_put(y, 17, _("[Grant]"), cols - 18);
		if (selected)
			attroff(A_REVERSE);
		return;
	case F_GAP:
		if (selected)
			attroff(A_REVERSE);
		return;
	default:
		if (i >= F_KIND && i < F_KIND + 4)
			tick_line(y, cols, i == F_KIND ? _("Kinds") : "", kind_names[i - F_KIND],
				  (f->kinds >> (i - F_KIND)) & 1, NULL);
		else
			tick_line(y, cols, i == F_RIGHT ? _("Rights") : "", right_names[i - F_RIGHT],
				  (f->rights >> (i - F_RIGHT)) & 1, NULL);
		if (selected)
			attroff(A_REVERSE);
		return;
	}
	tui_put(y, 1, label, 16);
	tui_put(y, 17, value, cols - 18);
	if (selected)
		attroff(A_REVERSE);
	if (f->problem[i][0]) {
		/* The field's problem after its value, in bold: seen without moving to it. */
		int w = fk_disp_width(value) + 19;
		attron(A_BOLD);
		if (w < cols - 10)
			tui_put(y, w, f->problem[i], cols - 1 - w);
		attroff(A_BOLD);
	}
}

static void toggle(view *v, int i)
{
	gform *f = v->data;
	if (i >= F_KIND && i < F_KIND + 4)
		f->kinds ^= 1u << (i - F_KIND);
	else if (i >= F_RIGHT && i < F_RIGHT + 4)
		f->rights ^= 1u << (i - F_RIGHT);
}

static int gform_request(view *v, enum action act)
{
	gform *f = v->data;
	int i = v->cursor;
	if (act == ACT_KANA) {
		/* Listed in help here because the pickers take readings; on the form itself it says where. */
		tui_message(v->app, 0, "%s", _("C-t switches between かな and Latin letters while the operator or municipality picker is open (Enter on its line)."));
		return 1;
	}
	if (act == ACT_MARK || (act == ACT_OPEN && i >= F_KIND && i < F_RIGHT + 4)) {
		if (i < F_KIND || i >= F_RIGHT + 4)
			return 0;
		toggle(v, i);
	} else if (act == ACT_OPEN) {
		switch (i) {
		case F_USER: pick_user(v); break;
		case F_MUNI: pick_muni(v); break;
		case F_FROM:
		case F_UNTIL: edit_date(v, i); check_dates(f); break;
		case F_SUBMIT: submit(v); return 1; /* the form may be gone */
		default: return 1;
		}
	} else {
		return 0;
	}
	/* Each change checked as it is made: the duplicate, then what the core would refuse. */
	check_duplicate(v);
	if (!f->problem[F_USER][0])
		precheck(v);
	return 1;
}

static void gform_close(view *v)
{
	gform *f = v->data;
	free(f->people);
	tui_munis_free(&f->munis);
	free(f);
}

static const view_ops gform_ops = {"grant-form", gform_open, gform_header, gform_line, NULL, gform_request,
				   gform_close, ACTS(OPEN) | ACTS(MARK) | ACTS(KANA)};

view *grantform_view(app *a)
{
	gform *f = calloc(1, sizeof *f);
	view *v = f ? tui_view_new(a, &gform_ops, f, _("New grant")) : NULL;
	if (!v)
		free(f);
	else
		f->bureau_id = a->bureau_id;
	return v;
}
