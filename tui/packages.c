/* The packages received (受信パッケージ): newest first, a page at a time; one package's counts,
 * receipt and rejected records with their reasons (R-BATCH-PROTO, R-LOG, R-ACCESS). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define PAGE_MAX 256
#define PAGES_MAX 512 /* pages one can go back through; beyond, PgUp stops */

static const char *kind_name(fk_pkg_kind k)
{
	switch (k) {
	case FK_PKG_FULL:
		return _("full");
	case FK_PKG_DELTA:
		return _("changes");
	case FK_PKG_IMMEDIATE:
		return _("immediate");
	default:
		return "?";
	}
}

static const char *state_name(fk_pkg_state s)
{
	switch (s) {
	case FK_PKG_STAGING:
		return _("staging");
	case FK_PKG_PUBLISHED:
		return _("published");
	case FK_PKG_REFUSED:
		return _("refused");
	default:
		return "?";
	}
}

static int page_size(view *v)
{
	int n = tui_body_rows(v);
	return n < 1 ? 1 : n > PAGE_MAX ? PAGE_MAX : n;
}

/* Both screens page by keyset: page p is read from the anchor kept when p was reached. */
typedef struct pager {
	int *page;
	fk_status (*load)(view *v, int page, fk_error *err); /* read page */
	void (*mark)(view *v, int page);                      /* keep page's anchor: the last row shown */
} pager;

/* 1: handled, 0: nothing to do, -1: not a paging action. */
static int pager_request(view *v, const pager *pg, enum action act)
{
	fk_error err;
	fk_error_clear(&err);
	int at = *pg->page;
	switch (act) {
	case ACT_PGDN:
		if (v->nrows < page_size(v) || at + 1 >= PAGES_MAX)
			return 0;
		pg->mark(v, at + 1);
		at++;
		break;
	case ACT_PGUP:
		if (at == 0)
			return 0;
		at--;
		break;
	case ACT_RESIZED:
		/* the page read for the old size, read again for the new one */
		break;
	default:
		return -1;
	}
	if (act != ACT_RESIZED)
		v->cursor = 0;
	if (pg->load(v, at, &err) == FK_OK)
		*pg->page = at;
	else
		tui_error(v->app, &err, NULL);
	return 1;
}

/* ---- the list ---- */

typedef struct pkglist {
	fk_pkg_info rows[PAGE_MAX];
	int64_t anchors[PAGES_MAX]; /* before_id of each page shown, for PgUp */
	int page;
	fk_pkg_state state; /* the filters (t, M): FK_PKG_ANY, "" for none */
	char code[7];
	char name[64];
	char shown[96]; /* the municipality of code, by name */
} pkglist;

/* Columns at 80: time 17, code 7, name (the rest), sequence 7, kind and state as wide as their
 * longest word in the reader's language (差分 4, "immediate" 9) and a space, counts 9 + 9. */
enum { W_TIME = 17, W_CODE = 7, W_SEQ = 7, W_COUNT = 9 };

static int words_width(const char *(*name)(int), int from, int to)
{
	int w = 0;
	for (int i = from; i <= to; i++) {
		int n = fk_disp_width(name(i));
		w = n > w ? n : w;
	}
	return w + 1;
}

static const char *kind_word(int k)
{
	return kind_name((fk_pkg_kind)k);
}

static const char *state_word(int s)
{
	return state_name((fk_pkg_state)s);
}

static int kind_width(void)
{
	return words_width(kind_word, FK_PKG_FULL, FK_PKG_IMMEDIATE);
}

static int state_width(void)
{
	return words_width(state_word, FK_PKG_STAGING, FK_PKG_REFUSED);
}

static int name_width(int cols)
{
	int w = cols - 2 - (W_TIME + W_CODE + W_SEQ + kind_width() + state_width() + 2 * W_COUNT);
	return w < 4 ? 4 : w;
}

static fk_status list_load(view *v, int64_t before, fk_error *err)
{
	pkglist *l = v->data;
	fk_pkg_info tmp[PAGE_MAX];
	int n;
	fk_pkg_filter f = {.before_id = before, .state = l->state, .municipality = l->code,
			   .name = l->name};
	fk_status s = fk_intake_packages(v->app->ctx, &f, tmp, page_size(v), &n, err);
	if (s != FK_OK)
		return s;
	memcpy(l->rows, tmp, (size_t)n * sizeof *tmp);
	v->nrows = n;
	if (v->cursor >= n)
		v->cursor = n ? n - 1 : 0;
	return FK_OK;
}

static fk_status list_page(view *v, int page, fk_error *err)
{
	return list_load(v, ((pkglist *)v->data)->anchors[page], err);
}

static void list_mark(view *v, int page)
{
	pkglist *l = v->data;
	l->anchors[page] = l->rows[v->nrows - 1].id;
}

static fk_status list_open(view *v, fk_error *err)
{
	v->header_rows = 2;
	v->cursor = 0;
	return list_load(v, 0, err);
}

/* The filters in words: "all", or the state and the municipality shown. */
static void filter_words(const pkglist *l, char *buf, size_t len)
{
	const char *st = l->state == FK_PKG_ANY ? _("every state") : state_name(l->state);
	if (l->code[0])
		snprintf(buf, len, "%s, %s %s", st, l->code, l->shown);
	else if (l->name[0])
		snprintf(buf, len, "%s, “%s”", st, l->name);
	else
		snprintf(buf, len, "%s, %s", st, _("every municipality"));
}

static void list_header(view *v, int y, int cols)
{
	pkglist *l = v->data;
	char line[512], shown[128];
	filter_words(l, shown, sizeof shown);
	snprintf(line, sizeof line, _("Page %d, newest first: %s.  t: state  M: municipality  Enter: open"),
		 l->page + 1, shown);
	tui_put(y, 1, line, cols - 2);
	int x = 1, nw = name_width(cols);
	attron(A_BOLD | A_UNDERLINE);
	tui_put(y + 1, x, _("Received (JST)"), W_TIME);
	tui_put(y + 1, x += W_TIME, _("Municipality"), W_CODE + nw);
	tui_put_right(y + 1, x += W_CODE + nw, _("Seq."), W_SEQ);
	tui_put(y + 1, x += W_SEQ, _("Kind"), kind_width());
	tui_put(y + 1, x += kind_width(), _("State"), state_width());
	tui_put_right(y + 1, x += state_width(), _("Accepted"), W_COUNT);
	tui_put_right(y + 1, x + W_COUNT, _("Rejected"), W_COUNT);
	attroff(A_BOLD | A_UNDERLINE);
}

static void put_count(int y, int x, int64_t n, int width)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%lld", (long long)n);
	tui_put_right(y, x, buf, width);
}

/* Why a refused delivery was refused, in the reader's words (an id the core does not know is
 * shown as stored, never dropped). */
static const char *reason_words(const fk_pkg_info *r)
{
	const char *t = fk_intake_reason_text(r->reason);
	return t ? _(t) : r->reason;
}

/* Each reason's name for the list (issue 10): the whole sentence is cut at 80 columns, often
 * before the words that say why; the package's screen keeps the sentence. Keyed by the
 * core's sentence (its English msgid), so that a reason the core adds shows whole, not lost. */
static const struct {
	const char *text, *name;
} short_reasons[] = {
	{"the municipality is not under this terminal's bureau", N_("not our bureau")},
	{"the signer is not the municipality the manifest names", N_("wrong signer")},
	{"another package is being imported: it must be published or abandoned first", N_("import busy")},
	{"the package is out of sequence", N_("out of sequence")},
	{"a different package with this sequence was already applied", N_("sequence reused")},
	{"the database is older than the key folder's record of this municipality's packages (a restored backup?)",
	 N_("database rolled back")},
	{"the package could not be opened", N_("cannot be opened")},
	{"not a fukuhon package", N_("not a package")},
	{"the package is truncated", N_("truncated")},
	{"a part of the package is larger than allowed", N_("part too large")},
	{"the manifest could not be opened", N_("manifest unopened")},
	{"the manifest is malformed", N_("bad manifest")},
	{"the package does not have the chunks its manifest lists", N_("chunks missing")},
	{"a chunk could not be opened", N_("chunk unopened")},
	{"a chunk does not match its hash in the manifest", N_("chunk altered")},
	{"not a CMS object of the expected type", N_("not CMS")},
	{"larger than a CMS object of a package may be", N_("CMS too large")},
	{"encrypted to another recipient", N_("not for us")},
	{"cannot be decrypted (altered or truncated)", N_("undecryptable")},
	{"not signed", N_("unsigned")},
	{"the signature does not match the content", N_("bad signature")},
	{"the signer's certificate does not chain to a trusted municipal CA", N_("untrusted signer")},
	{"the signer's certificate is revoked", N_("certificate revoked")},
	{"the signer's certificate is expired or not yet valid", N_("certificate expired")},
	{"the CA's CRL is past its next update: fetch a new one", N_("CRL out of date")},
	{"no CRL of the signer's CA is installed", N_("no CRL")},
	{"the signer's certificate is not for signing", N_("not a signing certificate")},
	{"the client that delivered the package is not the municipality that signed it", N_("wrong sender")},
};

/* The reason as the list shows it in width columns: the whole sentence when it fits, else its
 * name (Enter shows the sentence). */
static const char *reason_in_list(const fk_pkg_info *r, int width)
{
	const char *whole = reason_words(r), *t = fk_intake_reason_text(r->reason);
	if (fk_disp_width(whole) <= width || !t)
		return whole;
	for (size_t i = 0; i < sizeof short_reasons / sizeof *short_reasons; i++)
		if (!strcmp(short_reasons[i].text, t))
			return _(short_reasons[i].name);
	return whole;
}

/* A refused delivery's line: its code as the manifest claims it ("?" after it when the
 * manifest is not the municipality's own word, "-" when none could be read), the reason
 * across the name, sequence and kind, how many times these bytes came. */
static void refused_line(const fk_pkg_info *r, int y, int x, int cols)
{
	char code[16], times[24] = "";
	int nw = name_width(cols), span = nw + W_SEQ + kind_width();
	snprintf(code, sizeof code, "%s%s", r->has_manifest ? r->municipality : "-",
		 r->has_manifest && !r->verified ? "?" : "");
	tui_put(y, x, code, W_CODE);
	tui_put(y, x += W_CODE, reason_in_list(r, span - 1), span - 1);
	attron(A_BOLD);
	tui_put(y, x += span, state_name(r->state), state_width());
	attroff(A_BOLD);
	if (r->times > 1)
		snprintf(times, sizeof times, "×%lld", (long long)r->times);
	tui_put_right(y, x + state_width(), times, W_COUNT);
}

static void list_line(view *v, int i, int y, int cols, int selected)
{
	const fk_pkg_info *r = &((pkglist *)v->data)->rows[i];
	char when[40];
	/* "2026-12-01 18:00": the zone is in the column's heading */
	tui_fmt_time(r->received_at, 1, when, sizeof when);
	if (strlen(when) > 16)
		when[16] = '\0';
	int x = 1, nw = name_width(cols);
	tui_put(y, x, when, W_TIME);
	if (r->refused_row) {
		refused_line(r, y, x + W_TIME, cols);
		return;
	}
	tui_put(y, x += W_TIME, r->municipality, W_CODE);
	tui_put(y, x += W_CODE, r->muni_name, nw);
	put_count(y, x += nw, r->sequence, W_SEQ);
	tui_put(y, x += W_SEQ, kind_name(r->kind), kind_width());
	if (r->state != FK_PKG_PUBLISHED)
		attron(A_BOLD);
	tui_put(y, x += kind_width(), state_name(r->state), state_width());
	attroff(A_BOLD);
	put_count(y, x += state_width(), r->accepted, W_COUNT);
	if (r->rejected)
		attron(A_BOLD);
	put_count(y, x + W_COUNT, r->rejected, W_COUNT);
	attroff(A_BOLD);
}

/* A filter changed: from the first page again. */
static int refilter(view *v)
{
	pkglist *l = v->data;
	fk_error err;
	fk_error_clear(&err);
	l->page = 0;
	v->cursor = 0;
	if (list_load(v, 0, &err) != FK_OK)
		tui_error(v->app, &err, NULL);
	return 1;
}

/* M: the bureau's municipalities narrowed as the operator types (a name, its reading in kana
 * or romaji, a code), as the grant form's pickers do (issue 10); the first entry is all. */
static int ask_municipality(view *v)
{
	pkglist *l = v->data;
	app *a = v->app;
	tui_munis ms = {0};
	fk_error err;
	fk_error_clear(&err);
	int k = -1;
	if (tui_munis_load(a, &ms, &err) != FK_OK)
		tui_error(a, &err, NULL);
	else
		k = tui_pick_muni(a, _("Packages of (name, reading or code):"), _("(every municipality)"),
				  _("every municipality"), &ms);
	if (k >= 0) {
		fk_copy_str(l->code, sizeof l->code, k ? ms.m[k - 1].code : "");
		fk_copy_str(l->shown, sizeof l->shown, k ? ms.m[k - 1].name : "");
		l->name[0] = '\0';
	}
	tui_munis_free(&ms);
	return k >= 0 ? refilter(v) : 1;
}

static int list_request(view *v, enum action act)
{
	pkglist *l = v->data;
	pager pg = {&l->page, list_page, list_mark};
	int r = pager_request(v, &pg, act);
	if (r >= 0)
		return r;
	if (act == ACT_PKG_STATE) {
		/* all → applied → staging → refused → all */
		static const fk_pkg_state next[] = {[FK_PKG_ANY] = FK_PKG_PUBLISHED,
						    [FK_PKG_PUBLISHED] = FK_PKG_STAGING,
						    [FK_PKG_STAGING] = FK_PKG_REFUSED,
						    [FK_PKG_REFUSED] = FK_PKG_ANY};
		l->state = next[l->state];
		return refilter(v);
	}
	if (act == ACT_PKG_MUNI)
		return ask_municipality(v);
	if (act != ACT_OPEN)
		return 0;
	if (v->nrows)
		tui_push(v->app, package_view(v->app, l->rows[v->cursor].id));
	return 1;
}

static void free_data(view *v)
{
	free(v->data);
}

static const view_ops list_ops = {"packages", list_open, list_header, list_line, NULL, list_request,
				  free_data, ACTS(OPEN) | ACTS(PKG_STATE) | ACTS(PKG_MUNI)};

view *packages_view(app *a)
{
	pkglist *l = calloc(1, sizeof *l);
	view *v = l ? tui_view_new(a, &list_ops, l, _("Packages received")) : NULL;
	if (!v)
		free(l);
	return v;
}

/* ---- one package: its summary above, its rejected records below ---- */

enum { SUMMARY_ROWS = 5 };
/* The rejections' columns; the detail takes the rest. */
enum { W_CHUNK = 9, W_LINE = 6, W_REF = 16, W_REASON = 32 };

typedef struct pkgview {
	int64_t id;
	fk_pkg_detail d;
	fk_pkg_reject_info rej[PAGE_MAX];
	fk_pkg_reject_key anchors[PAGES_MAX]; /* where each page shown began */
	int page;
} pkgview;

static fk_status pkg_load(view *v, const fk_pkg_reject_key *after, fk_error *err)
{
	pkgview *p = v->data;
	fk_pkg_detail d;
	fk_pkg_reject_info tmp[PAGE_MAX];
	int n;
	fk_status s = fk_intake_package(v->app->ctx, p->id, after, &d, tmp, page_size(v), &n, err);
	if (s != FK_OK)
		return s;
	p->d = d;
	memcpy(p->rej, tmp, (size_t)n * sizeof *tmp);
	v->nrows = n;
	if (v->cursor >= n)
		v->cursor = n ? n - 1 : 0;
	return FK_OK;
}

static fk_status pkg_open(view *v, fk_error *err)
{
	v->header_rows = SUMMARY_ROWS + 1;
	v->cursor = 0;
	return pkg_load(v, NULL, err);
}

/* Why a refused package was refused, in the reader's words. */
static const char *refusal_words(const fk_pkg_detail *d)
{
	return d->refusal == FK_INTAKE_NONE ? _("unknown (no readable receipt)")
					    : _(fk_intake_refusal_text(d->refusal));
}

/* A refused delivery: everything known of it, the manifest's facts marked when they are only
 * the sender's claim. */
static void refused_header(const fk_pkg_info *r, int y, int cols)
{
	char first[40], last[40], hex[65];
	if (r->has_manifest)
		tui_putf(y, 1, cols - 2, _("%s %s   sequence %lld   %s   %s%s"), r->municipality,
			 r->muni_name[0] ? r->muni_name : "?", (long long)r->sequence, kind_name(r->kind),
			 state_name(r->state), r->verified ? "" : _("   (unverified: as the manifest claims)"));
	else
		tui_putf(y, 1, cols - 2, _("%s   the manifest could not be read: municipality and sequence unknown"),
			 state_name(r->state));
	attron(A_BOLD);
	if (r->expected > 0)
		tui_putf(y + 1, 1, cols - 2, _("Why refused: %s (expected sequence %lld)"), reason_words(r),
			 (long long)r->expected);
	else
		tui_putf(y + 1, 1, cols - 2, _("Why refused: %s"), reason_words(r));
	attroff(A_BOLD);
	tui_fmt_time(r->received_at, 1, first, sizeof first);
	tui_fmt_time(r->last_at, 1, last, sizeof last);
	tui_putf(y + 2, 1, cols - 2, _("Received %s   last %s   %lld times"), first, last,
		 (long long)r->times);
	if (r->has_sha) {
		fk_hex(r->sha256, 32, hex);
		tui_putf(y + 3, 1, cols - 2, _("SHA-256 %s"), hex);
	} else {
		tui_put(y + 3, 1, _("SHA-256 unknown: the bytes could not be read"), cols - 2);
	}
	tui_putf(y + 4, 1, cols - 2, _("%lld bytes from %s"), (long long)r->size, r->source);
}

static void pkg_header(view *v, int y, int cols)
{
	pkgview *p = v->data;
	const fk_pkg_info *r = &p->d.pkg;
	char when[40], pub[40], hex[65];
	if (r->refused_row) {
		refused_header(r, y, cols);
		return;
	}
	tui_fmt_time(r->received_at, 1, when, sizeof when);
	tui_fmt_time(r->published_at, 1, pub, sizeof pub);
	fk_hex(r->digest, 8, hex);
	tui_putf(y, 1, cols - 2, _("%s %s   sequence %lld   %s   %s"), r->municipality, r->muni_name,
		 (long long)r->sequence, kind_name(r->kind), state_name(r->state));
	tui_putf(y + 1, 1, cols - 2, _("Received %s   applied %s   chunks %lld/%lld"), when,
		 r->published_at ? pub : "-", (long long)r->chunks_staged, (long long)r->chunks);
	tui_putf(y + 2, 1, cols - 2,
		 _("Accepted %lld (registers %lld, versions %lld, removals %lld, ledger %lld, documents %lld)"),
		 (long long)r->accepted, (long long)r->n[FK_REC_REGISTER], (long long)r->n[FK_REC_VERSION],
		 (long long)r->n[FK_REC_REMOVAL], (long long)r->n[FK_REC_LEDGER],
		 (long long)r->n[FK_REC_DOCUMENT]);
	tui_putf(y + 3, 1, cols - 2, _("Unchanged %lld   rejected %lld   digest %s…   receipt: %s"),
		 (long long)r->unchanged, (long long)r->rejected, hex,
		 r->has_receipt ? _("signed, stored") : _("none yet"));
	if (r->state == FK_PKG_REFUSED)
		/* not "Refused: %s", whose words are the history's (what was refused) */
		tui_putf(y + 4, 1, cols - 2, _("Why refused: %s"), refusal_words(&p->d));
	else
		tui_putf(y + 4, 1, cols - 2, _("Rejected records, page %d%s"), p->page + 1,
			 r->rejected ? "" : _(": none"));
	int x = 1;
	attron(A_BOLD | A_UNDERLINE);
	tui_put_right(y + 5, x, _("Chunk"), W_CHUNK);
	tui_put_right(y + 5, x += W_CHUNK, _("Line"), W_LINE);
	tui_put(y + 5, x += W_LINE, _("Register id"), W_REF);
	tui_put(y + 5, x += W_REF, _("Reason"), W_REASON);
	x += W_REASON;
	tui_put(y + 5, x, _("Detail"), cols - x - 1);
	attroff(A_BOLD | A_UNDERLINE);
}

static void pkg_line(view *v, int i, int y, int cols, int selected)
{
	const fk_pkg_reject_info *r = &((pkgview *)v->data)->rej[i];
	char num[24];
	int x = 1;
	snprintf(num, sizeof num, "%lld", (long long)r->chunk);
	tui_put_right(y, x, num, W_CHUNK);
	snprintf(num, sizeof num, "%lld", (long long)r->line);
	tui_put_right(y, x += W_CHUNK, num, W_LINE);
	tui_put(y, x += W_LINE, r->ref[0] ? r->ref : "-", W_REF);
	/* an id the core does not know is shown as stored, never dropped */
	tui_put(y, x += W_REF, r->reason != FK_REJECT_NONE ? _(fk_reject_text(r->reason)) : r->reason_id,
		W_REASON);
	x += W_REASON;
	tui_put(y, x, r->detail, cols - x - 1);
}

static fk_status pkg_page(view *v, int page, fk_error *err)
{
	pkgview *p = v->data;
	return pkg_load(v, page ? &p->anchors[page] : NULL, err);
}

static void pkg_mark(view *v, int page)
{
	pkgview *p = v->data;
	const fk_pkg_reject_info *last = &p->rej[v->nrows - 1];
	p->anchors[page] = (fk_pkg_reject_key){last->chunk, last->line, last->id};
}

static int pkg_request(view *v, enum action act)
{
	pager pg = {&((pkgview *)v->data)->page, pkg_page, pkg_mark};
	return pager_request(v, &pg, act) > 0;
}

static const view_ops pkg_ops = {"package", pkg_open, pkg_header, pkg_line, NULL, pkg_request,
				 free_data, 0};

view *package_view(app *a, int64_t id)
{
	pkgview *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->id = id;
	char title[64];
	snprintf(title, sizeof title, _("Package %lld"), (long long)id);
	view *v = tui_view_new(a, &pkg_ops, p, title);
	if (!v)
		free(p);
	return v;
}
