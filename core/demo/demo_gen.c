/* Synthetic register generator: plausible families, dates and 戸籍事項 for demo data. */
#include "config.h"

#include <string.h>

#include "demo_gen.h"
#include "util.h"

/* ---- PRNG: xoshiro256** seeded through splitmix64 (Blackman & Vigna) ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void fk_rng_seed(fk_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t fk_rng_next(fk_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t fk_rng_below(fk_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	/* Reject the short top slice so every residue is equally likely. */
	uint64_t threshold = (0 - n) % n, x;
	do
		x = fk_rng_next(r);
	while (x < threshold);
	return x % n;
}

/* ---- calendar: day numbers since 1970-01-01 (fk_days_from_civil and its inverse) ---- */

static void civil_from_days(int z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* The same calendar day n years later (29 February becomes the 28th), so
 * "at least 18 years old" holds exactly, not on average. */
static int add_years(int day, int n)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	y += n;
	if (m == 2 && d == 29 && !fk_is_leap_year(y))
		d = 28;
	return fk_days_from_civil(y, m, d);
}

static void fmt_date(int day, char out[11])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	out[0] = (char)('0' + y / 1000 % 10);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

/* ---- the family model, built in plain structs and emitted as JSON at the end ---- */

#define MAX_PERSONS 10
#define MAX_EVENTS 6
#define MAX_DETAIL 5
#define MAX_JIKO 6
#define TEXT_CAP 16384

typedef struct gev {
	const char *type;
	int date;
	int nd;
	const char *k[MAX_DETAIL], *v[MAX_DETAIL]; /* v[i] NULL: the value is day[i] */
	int day[MAX_DETAIL];
} gev;

typedef struct gperson {
	const char *name, *reading, *father, *mother, *relation, *spouse;
	int birth, male, removed, ne;
	gev ev[MAX_EVENTS];
} gperson;

/* Values already built for this document, keyed by string address or day
 * number: the same date or name appears many times in a register, and
 * sharing one jansson value (reference-counted) saves two allocations per
 * repeat; allocation is most of the generator's cost. A consequence: a
 * string value may appear in several places of a generated document, so
 * edit such documents by replacing values (json_object_set), never with
 * json_string_set. */
#define VC_BITS 7
#define VC_SLOTS (1u << VC_BITS)
#define VC_LIMIT (VC_SLOTS * 3 / 4)

typedef struct vcache {
	unsigned n;
	unsigned char used[VC_LIMIT]; /* filled slots, to release them quickly */
	uint64_t key[VC_SLOTS];
	json_t *val[VC_SLOTS];
} vcache;

typedef struct gen {
	fk_rng *rng;
	const fk_names *names;
	char place[160];        /* 都道府県 + 市区町村, no spaces */
	const char *surname;    /* 氏 of the register */
	const char *surname_hira;
	const char *honseki;
	int latest;             /* latest date written so far, any field */
	int kids_latest;        /* last day the parents had to be alive for */
	int overflow;           /* a fixed capacity was exceeded */
	int np, nj;
	gperson p[MAX_PERSONS];
	gev jiko[MAX_JIKO];
	gev sink;               /* absorbs writes past a capacity */
	vcache strs, dates;
	size_t used;
	char text[TEXT_CAP];    /* every composed string lives here */
} gen;

/* Date limits: nothing after the demo's "today"; events leave a month for
 * the 届出日 that follows them. */
#define Y_MAX 2026
static int day_max(void)
{
	return fk_days_from_civil(Y_MAX, 11, 1);
}
static int ev_max(void)
{
	return day_max() - 30;
}

static int between(gen *g, int lo, int hi)
{
	return hi <= lo ? lo : lo + (int)fk_rng_below(g->rng, (uint64_t)(hi - lo) + 1);
}

static int chance(gen *g, unsigned pct)
{
	return fk_rng_below(g->rng, 100) < pct;
}

static int max_i(int a, int b)
{
	return a > b ? a : b;
}

static int min_i(int a, int b)
{
	return a < b ? a : b;
}

/* ---- text: strings are concatenated into g->text (no printf on the hot path) ---- */

static char *tx_begin(gen *g)
{
	return g->text + g->used;
}

static void tx_add(gen *g, const char *s)
{
	size_t n = strlen(s);
	if (g->used + n + 1 >= TEXT_CAP) {
		g->overflow = 1;
		return;
	}
	memcpy(g->text + g->used, s, n);
	g->used += n;
}

static void tx_num(gen *g, unsigned v)
{
	char b[12], *e = b + sizeof b;
	*--e = '\0';
	do
		*--e = (char)('0' + v % 10);
	while (v /= 10);
	tx_add(g, e);
}

static const char *tx_end(gen *g, char *start)
{
	if (g->overflow)
		return "";
	g->text[g->used++] = '\0';
	return start;
}

static const char *cat3(gen *g, const char *a, const char *b, const char *c)
{
	char *s = tx_begin(g);
	tx_add(g, a);
	tx_add(g, b);
	tx_add(g, c);
	return tx_end(g, s);
}

#define IDEO_SPACE "\xE3\x80\x80" /* U+3000, between 氏 and 名 */

static const char *full_name(gen *g, const char *surname, const char *given)
{
	return cat3(g, surname, IDEO_SPACE, given);
}

/* ---- places ---- */

static const char *const towns[] = {"本町", "中央", "栄町", "緑町", "旭町", "幸町", "桜町",
				    "新町", "元町", "東町", "西町", "南町", "錦町", "若葉",
				    "松原", "港町", "宮町", "大手町", "城東", "寿町"};
static const char *const chome[] = {"一", "二", "三", "四", "五"};

/* Elsewhere in Japan: birthplaces and former registers of people who
 * married in or moved. */
static const char *const elsewhere[] = {
	"北海道札幌市中央区", "宮城県仙台市青葉区",	  "東京都世田谷区",	"東京都練馬区",
	"神奈川県横浜市港北区", "埼玉県さいたま市浦和区", "千葉県千葉市中央区", "新潟県新潟市中央区",
	"静岡県静岡市葵区",	  "愛知県名古屋市中区",	  "京都府京都市左京区", "大阪府大阪市北区",
	"兵庫県神戸市中央区", "岡山県岡山市北区",	  "広島県広島市中区",	"愛媛県松山市",
	"福岡県福岡市博多区", "熊本県熊本市中央区",	  "鹿児島県鹿児島市",	"沖縄県那覇市"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick_str(gen *g, const char *const *v, size_t n)
{
	return v[fk_rng_below(g->rng, n)];
}

/* A place: here half of the time, else somewhere else. */
static const char *some_place(gen *g)
{
	return chance(g, 50) ? g->place : pick_str(g, elsewhere, COUNT(elsewhere));
}

/* 本籍 as printed on a 全部事項証明: 町名, kanji 丁目, arabic 番地. */
static const char *address(gen *g, const char *area)
{
	char *s = tx_begin(g);
	tx_add(g, area);
	tx_add(g, pick_str(g, towns, COUNT(towns)));
	tx_add(g, pick_str(g, chome, COUNT(chome)));
	tx_add(g, "丁目");
	tx_num(g, (unsigned)between(g, 1, 40));
	tx_add(g, "番地");
	return tx_end(g, s);
}

/* 従前戸籍 and the like: a register named by 本籍 and its 筆頭者. */
static const char *register_ref(gen *g, const char *head)
{
	return cat3(g, address(g, some_place(g)), IDEO_SPACE, head);
}

static void set_place(gen *g, const fk_demo_place *pl)
{
	size_t k = 0;
	const char *parts[2] = {pl->pref_name, pl->muni_name};
	/* "札幌市 中央区" is written 札幌市中央区 in an address. */
	for (int i = 0; i < 2; i++)
		for (const char *c = parts[i]; c && *c && k + 1 < sizeof g->place; c++)
			if (*c != ' ')
				g->place[k++] = *c;
	g->place[k] = '\0';
}

/* ---- names ---- */

static const fk_name *pick_name(gen *g, const fk_name *v, size_t n)
{
	return &v[fk_rng_below(g->rng, n)];
}

static const fk_name *given(gen *g, int male)
{
	const fk_names *n = g->names;
	return male ? pick_name(g, n->male, n->n_male) : pick_name(g, n->female, n->n_female);
}

static const char *relation_of(int male, int ordinal)
{
	static const char *const sons[] = {"長男", "二男", "三男", "四男", "五男", "六男"};
	static const char *const daughters[] = {"長女", "二女", "三女", "四女", "五女", "六女"};
	int i = min_i(ordinal, 5);
	return male ? sons[i] : daughters[i];
}

/* Birth order among one's own siblings, mostly first or second. */
static const char *birth_relation(gen *g, int male)
{
	unsigned r = (unsigned)fk_rng_below(g->rng, 100);
	return relation_of(male, r < 55 ? 0 : r < 85 ? 1 : r < 96 ? 2 : 3);
}

/* ---- events ---- */

static gev *add_event(gen *g, gperson *p, const char *type, int date)
{
	if (p->ne == MAX_EVENTS) {
		g->overflow = 1;
		return &g->sink;
	}
	gev *e = &p->ev[p->ne++];
	*e = (gev){.type = type, .date = date};
	g->latest = max_i(g->latest, date);
	return e;
}

static gev *add_jiko(gen *g, const char *type, int date)
{
	if (g->nj == MAX_JIKO) {
		g->overflow = 1;
		return &g->sink;
	}
	gev *e = &g->jiko[g->nj++];
	*e = (gev){.type = type, .date = date};
	g->latest = max_i(g->latest, date);
	return e;
}

static void detail(gen *g, gev *e, const char *k, const char *v)
{
	if (e->nd == MAX_DETAIL) {
		g->overflow = 1;
		return;
	}
	e->k[e->nd] = k;
	e->v[e->nd++] = v;
}

static void detail_date(gen *g, gev *e, const char *k, int day)
{
	if (e->nd == MAX_DETAIL) {
		g->overflow = 1;
		return;
	}
	e->k[e->nd] = k;
	e->v[e->nd] = NULL;
	e->day[e->nd++] = day;
	g->latest = max_i(g->latest, day);
}

static gperson *add_person(gen *g)
{
	if (g->np == MAX_PERSONS) {
		g->overflow = 1;
		g->np--; /* reuse the last slot; the result is discarded anyway */
	}
	gperson *p = &g->p[g->np++];
	*p = (gperson){.spouse = ""};
	return p;
}

/* 出生: registered within 14 days by a parent. */
static void add_birth(gen *g, gperson *p, const char *where)
{
	gev *e = add_event(g, p, "出生", p->birth);
	detail(g, e, "出生地", where);
	detail_date(g, e, "届出日", p->birth + between(g, 2, 14));
	detail(g, e, "届出人", chance(g, 65) ? "父" : "母");
}

static void add_death(gen *g, gperson *p, int day)
{
	gev *e = add_event(g, p, "死亡", day);
	detail(g, e, "死亡地", some_place(g));
	detail_date(g, e, "届出日", day + between(g, 1, 7));
	detail(g, e, "届出人", "親族");
	p->removed = 1;
}

/* A person as written in a register: 名, reading, parents under surname. */
static gperson *new_person(gen *g, int male, int birth, const char *parents_surname)
{
	gperson *p = add_person(g);
	const fk_name *n = given(g, male);
	p->male = male;
	p->birth = birth;
	p->name = n->kanji;
	p->reading = n->hira;
	p->father = full_name(g, parents_surname, given(g, 1)->kanji);
	p->mother = full_name(g, parents_surname, given(g, 0)->kanji);
	return p;
}

/* ---- family histories ---- */

typedef struct couple {
	gperson *head, *other, *husband, *wife;
	int married, divorced; /* divorced: 0 if still married */
	const char *other_surname;
	const char *other_from; /* 従前戸籍 of the one who married in */
} couple;

static void marry(gen *g, couple *c)
{
	gperson *h = c->head, *o = c->other;
	const char *head_full = full_name(g, g->surname, h->name);
	const char *other_full = full_name(g, c->other_surname, o->name);
	gev *e = add_event(g, h, "婚姻", c->married);
	detail_date(g, e, "届出日", c->married);
	detail(g, e, "配偶者氏名", other_full);
	detail(g, e, "従前戸籍", register_ref(g, h->father));
	e = add_event(g, o, "婚姻", c->married);
	detail_date(g, e, "届出日", c->married);
	detail(g, e, "配偶者氏名", head_full);
	detail(g, e, "従前戸籍", c->other_from);
	c->husband->spouse = "夫";
	c->wife->spouse = "妻";
}

/* The one who married in leaves: back to the parents' register or a new one. */
static void divorce(gen *g, couple *c)
{
	gperson *h = c->head, *o = c->other;
	gev *e = add_event(g, h, "離婚", c->divorced);
	detail(g, e, "配偶者氏名", full_name(g, g->surname, o->name));
	e = add_event(g, o, "離婚", c->divorced);
	detail(g, e, "配偶者氏名", full_name(g, g->surname, h->name));
	if (chance(g, 60))
		detail(g, e, "入籍戸籍", c->other_from);
	else
		detail(g, e, "新本籍", address(g, some_place(g)));
	o->removed = 1;
	h->spouse = o->spouse = "";
}

/* A child who marries leaves: a son founds a register, a daughter joins her husband's. */
static void child_marries(gen *g, gperson *p, int day)
{
	const fk_names *n = g->names;
	const char *sur = pick_name(g, n->last, n->n_last)->kanji;
	gev *e = add_event(g, p, "婚姻", day);
	detail_date(g, e, "届出日", day);
	detail(g, e, "配偶者氏名", full_name(g, sur, given(g, !p->male)->kanji));
	if (p->male)
		detail(g, e, "新本籍", address(g, some_place(g)));
	else
		detail(g, e, "入籍戸籍", register_ref(g, full_name(g, sur, given(g, 1)->kanji)));
	p->removed = 1;
}

static unsigned child_count(gen *g)
{
	unsigned r = (unsigned)fk_rng_below(g->rng, 100);
	return r < 18 ? 0 : r < 48 ? 1 : r < 85 ? 2 : r < 97 ? 3 : 4;
}

static void children(gen *g, couple *c, int sons_daughters[2])
{
	int end = min_i(add_years(c->wife->birth, 44), ev_max());
	if (c->divorced)
		end = min_i(end, c->divorced - 300);
	int day = c->married + between(g, 250, 1400);
	const char *father = full_name(g, g->surname, c->husband->name);
	const char *mother = full_name(g, g->surname, c->wife->name);
	for (unsigned i = child_count(g); i > 0 && day <= end; i--) {
		int male = chance(g, 51);
		gperson *p = new_person(g, male, day, g->surname);
		p->father = father;
		p->mother = mother;
		p->relation = relation_of(male, sons_daughters[male]++);
		add_birth(g, p, chance(g, 80) ? g->place : some_place(g));
		g->kids_latest = max_i(g->kids_latest, day + 15);
		day += between(g, 400, 2200);
	}
}

/* 養子縁組: a child from another family, adopted after the marriage. */
static void adoption(gen *g, couple *c)
{
	int day = between(g, c->married + 365, ev_max());
	int adults = add_years(max_i(c->husband->birth, c->wife->birth), 18);
	int lo = max_i(add_years(day, -15), adults + 1), hi = day - 180;
	if (lo > hi || (c->divorced && day >= c->divorced))
		return;
	int male = chance(g, 50);
	const char *bio = g->names->last[fk_rng_below(g->rng, g->names->n_last)].kanji;
	gperson *p = new_person(g, male, between(g, lo, hi), bio);
	p->relation = male ? "養子" : "養女";
	add_birth(g, p, some_place(g));
	gev *e = add_event(g, p, "養子縁組", day);
	detail(g, e, "養父氏名", full_name(g, g->surname, c->husband->name));
	detail(g, e, "養母氏名", full_name(g, g->surname, c->wife->name));
	detail(g, e, "従前戸籍", register_ref(g, p->father));
	if (day < add_years(p->birth, 15))
		detail(g, e, "代諾者", "親権者父母");
	g->kids_latest = max_i(g->kids_latest, day);
}

/* Children old enough may have married and left. */
static void children_leave(gen *g, int first_child, unsigned pct)
{
	for (int i = first_child; i < g->np; i++) {
		gperson *p = &g->p[i];
		int lo = max_i(add_years(p->birth, 20), p->ev[p->ne - 1].date + 1);
		int hi = min_i(add_years(p->birth, 38), ev_max() - 400);
		if (!p->removed && lo <= hi && chance(g, pct))
			child_marries(g, p, between(g, lo, hi));
	}
}

static int living(const gen *g)
{
	int n = 0;
	for (int i = 0; i < g->np; i++)
		n += !g->p[i].removed;
	return n;
}

/* Older people may have died, after their own last event and after their
 * children's births were registered; a 戸籍 keeps one living member. */
static void deaths(gen *g, int all)
{
	int today = ev_max();
	for (int i = 0; i < g->np; i++) {
		gperson *p = &g->p[i];
		if (p->removed || (!all && living(g) <= 1))
			continue;
		int lo = max_i(add_years(p->birth, 60), p->ev[p->ne - 1].date + 1);
		if (i < 2)
			lo = max_i(lo, g->kids_latest + 1);
		if (lo > today)
			continue;
		int age = (today - p->birth) / 365;
		if (all || chance(g, (unsigned)min_i((age - 60) * 3, 85)))
			add_death(g, p, between(g, lo, today));
	}
}

static void init_couple(gen *g, couple *c, int oldest_year, int youngest_year)
{
	int lo = fk_days_from_civil(oldest_year, 1, 1), hi = fk_days_from_civil(youngest_year, 12, 31);
	int hb = between(g, lo, hi);
	int wb = min_i(max_i(hb + between(g, -3 * 365, 8 * 365), lo), hi);
	int head_male = chance(g, 85);
	const fk_names *n = g->names;
	const char *other = pick_name(g, n->last, n->n_last)->kanji;
	if (!strcmp(other, g->surname))
		other = pick_name(g, n->last, n->n_last)->kanji;
	c->other_surname = other;
	/* The head is listed first, as on a 全部事項証明. */
	c->head = new_person(g, head_male, head_male ? hb : wb, g->surname);
	c->other = new_person(g, !head_male, head_male ? wb : hb, other);
	c->husband = head_male ? c->head : c->other;
	c->wife = head_male ? c->other : c->head;
	c->husband->relation = birth_relation(g, 1);
	c->wife->relation = birth_relation(g, 0);
	c->other_from = register_ref(g, c->other->father);
	/* Married at 20-40 (the wife at least 18), skewed towards the late 20s. */
	int mlo = max_i(add_years(hb, 20), add_years(wb, 18));
	int mhi = min_i(add_years(hb, 40), ev_max() - 400);
	int m1 = between(g, mlo, mhi), m2 = between(g, mlo, mhi);
	c->married = (m1 + m2) / 2;
	add_birth(g, c->head, some_place(g));
	add_birth(g, c->other, some_place(g));
}

/* 平成6年法務省令第51号: paper registers were re-made as computer records. */
static void maybe_kaisei(gen *g, int founded, int closed)
{
	int day = between(g, fk_days_from_civil(1995, 3, 1), fk_days_from_civil(2008, 3, 31));
	if (founded < day && day < closed) {
		gev *e = add_jiko(g, "改製", day);
		detail(g, e, "改製事由", "平成6年法務省令第51号附則第2条第1項による改製");
	}
}

/* Within the municipality the 本籍 may have moved (管内転籍). */
static void maybe_tenseki(gen *g, int founded, int closed)
{
	int lo = founded + 365, hi = min_i(closed - 30, ev_max());
	if (lo <= hi && chance(g, 12)) {
		gev *e = add_jiko(g, "転籍", between(g, lo, hi));
		detail(g, e, "従前本籍", address(g, g->place));
	}
}

static void sort_jiko(gen *g)
{
	for (int i = 1; i < g->nj; i++)
		for (int k = i; k > 0 && g->jiko[k].date < g->jiko[k - 1].date; k--) {
			gev t = g->jiko[k];
			g->jiko[k] = g->jiko[k - 1];
			g->jiko[k - 1] = t;
		}
}

/* 除籍: every member has left or died; the register is closed after the last. */
static int close_register(gen *g)
{
	children_leave(g, 2, 100);
	deaths(g, 1);
	for (int i = 0; i < g->np; i++)
		g->p[i].removed = 1; /* anyone still listed left by 分籍 or 転籍 elsewhere */
	int day = min_i(g->latest + between(g, 8, 28), day_max());
	gev *e = add_jiko(g, "消除", day);
	detail(g, e, "消除事由", "全員除籍");
	return day;
}

static void family(gen *g, fk_reg_kind kind)
{
	int closing = kind == FK_KIND_JOSEKI;
	couple c = {0};
	/* A closed register's family is older, so that all have had time to leave. */
	init_couple(g, &c, 1930, closing ? 1956 : 2000);
	if (!closing && c.married < ev_max() - 3 * 365 && chance(g, 10))
		c.divorced = between(g, c.married + 365, min_i(ev_max(), add_years(c.married, 25)));
	marry(g, &c);
	int counts[2] = {0, 0};
	children(g, &c, counts);
	if (chance(g, 4))
		adoption(g, &c);
	if (c.divorced)
		divorce(g, &c);
	if (closing) {
		int closed = close_register(g);
		maybe_kaisei(g, c.married, closed);
		maybe_tenseki(g, c.married, closed);
	} else {
		children_leave(g, 2, 65);
		deaths(g, 0);
		maybe_kaisei(g, c.married, day_max());
		maybe_tenseki(g, c.married, day_max());
	}
	add_jiko(g, "編製", c.married);
	sort_jiko(g);
}

/* 分籍: an adult leaves the parents' register and founds a register alone. */
static void single(gen *g)
{
	int male = chance(g, 50);
	int birth = between(g, fk_days_from_civil(1945, 1, 1), fk_days_from_civil(2006, 12, 31));
	gperson *p = new_person(g, male, birth, g->surname);
	p->relation = birth_relation(g, male);
	add_birth(g, p, some_place(g));
	int lo = add_years(birth, 18), hi = min_i(add_years(birth, 45), ev_max());
	int day = between(g, lo, hi);
	gev *e = add_event(g, p, "分籍", day);
	detail(g, e, "従前戸籍", register_ref(g, p->father));
	add_jiko(g, "編製", day);
	maybe_kaisei(g, day, day_max());
	sort_jiko(g);
}

/* ---- JSON ---- */

/* The slot for key, or NULL when key is new and the table is full. */
static json_t **vc_slot(vcache *c, uint64_t key)
{
	unsigned i = (unsigned)((key * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - VC_BITS));
	while (c->val[i] && c->key[i] != key)
		i = (i + 1) & (VC_SLOTS - 1);
	if (!c->val[i]) {
		if (c->n == VC_LIMIT)
			return NULL;
		c->key[i] = key;
	}
	return &c->val[i];
}

static void vc_init(vcache *c)
{
	c->n = 0;
	memset(c->val, 0, sizeof c->val);
}

static void vc_release(vcache *c)
{
	for (unsigned i = 0; i < c->n; i++)
		json_decref(c->val[c->used[i]]);
	c->n = 0;
}

/* A new reference to the shared value of key, built by make(arg) once. */
static json_t *shared(vcache *c, uint64_t key, json_t *(*make)(const void *), const void *arg)
{
	json_t **slot = vc_slot(c, key);
	if (!slot)
		return make(arg);
	if (!*slot) {
		if (!(*slot = make(arg)))
			return NULL;
		c->used[c->n++] = (unsigned char)(slot - c->val);
	}
	return json_incref(*slot);
}

static json_t *make_string(const void *s)
{
	return json_string(s); /* checked: names come from a file */
}

static json_t *make_date(const void *day)
{
	char d[11];
	fmt_date(*(const int *)day, d);
	return json_stringn_nocheck(d, 10);
}

static json_t *str_value(gen *g, const char *s)
{
	return shared(&g->strs, (uint64_t)(uintptr_t)s, make_string, s);
}

static json_t *date_value(gen *g, int day)
{
	return shared(&g->dates, (uint64_t)(uint32_t)day, make_date, &day);
}

/* Each returns 1 on failure; a failed set has already released the value. */
static int put(json_t *o, const char *k, json_t *v)
{
	return json_object_set_new_nocheck(o, k, v) != 0;
}

static int put_str(gen *g, json_t *o, const char *k, const char *s)
{
	return put(o, k, str_value(g, s));
}

static int put_date(gen *g, json_t *o, const char *k, int day)
{
	return put(o, k, date_value(g, day));
}

static json_t *detail_json(gen *g, const gev *e)
{
	json_t *d = json_object();
	int bad = !d;
	for (int i = 0; !bad && i < e->nd; i++)
		bad = e->v[i] ? put_str(g, d, e->k[i], e->v[i]) : put_date(g, d, e->k[i], e->day[i]);
	if (bad) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static json_t *event_json(gen *g, const gev *e)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = put_str(g, o, "type", e->type);
	bad |= put_date(g, o, "date", e->date);
	if (e->nd)
		bad |= put(o, "detail", detail_json(g, e));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *events_json(gen *g, const gev *ev, int n)
{
	json_t *a = json_array();
	for (int i = 0; a && i < n; i++)
		if (json_array_append_new(a, event_json(g, &ev[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

static json_t *person_json(gen *g, const gperson *p)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = put_str(g, o, "name", p->name);
	bad |= put_str(g, o, "reading", p->reading);
	bad |= put_date(g, o, "birth", p->birth);
	bad |= put_str(g, o, "relation", p->relation);
	bad |= put_str(g, o, "spouse", p->spouse);
	bad |= put(o, "removed", json_boolean(p->removed));
	bad |= put(o, "events", events_json(g, p->ev, p->ne));
	if (p->father)
		bad |= put_str(g, o, "father", p->father);
	if (p->mother)
		bad |= put_str(g, o, "mother", p->mother);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *hittosha_json(gen *g)
{
	const gperson *head = &g->p[0];
	char *rs = tx_begin(g);
	tx_add(g, g->surname_hira);
	tx_add(g, " ");
	tx_add(g, head->reading);
	const char *reading = tx_end(g, rs);
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = put_str(g, o, "name", full_name(g, g->surname, head->name));
	bad |= put_str(g, o, "reading", reading);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *doc_json(gen *g)
{
	json_t *doc = json_object();
	if (!doc)
		return NULL;
	json_t *persons = json_array();
	int bad = put_str(g, doc, "honseki", g->honseki);
	bad |= put(doc, "hittosha", hittosha_json(g));
	bad |= put(doc, "jiko", events_json(g, g->jiko, g->nj));
	bad |= put(doc, "persons", persons);
	for (int i = 0; !bad && i < g->np; i++)
		bad = json_array_append_new(persons, person_json(g, &g->p[i])) != 0;
	if (bad || g->overflow) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* Every field set, the arrays too: what a capacity overflow writes into
 * (the sink's details, counted by sink.nd) must start from zero, not from
 * whatever the stack held. */
static void gen_init(gen *g, fk_rng *rng, const fk_names *names)
{
	int start = fk_days_from_civil(1900, 1, 1);
	*g = (gen){.rng = rng, .names = names, .latest = start, .kids_latest = start};
}

fk_status fk_demo_register(fk_rng *rng, const fk_names *names, const fk_demo_place *place,
			   fk_reg_kind kind, json_t **out, fk_error *err)
{
	*out = NULL;
	if (!rng || !names || !place || !names->n_last || !names->n_male || !names->n_female)
		return fk_fail(err, FK_ERR_USAGE, "demo register: names or place missing");
	if (kind != FK_KIND_KOSEKI && kind != FK_KIND_JOSEKI)
		return fk_fail(err, FK_ERR_USAGE, "demo register: unknown kind %d", (int)kind);
	gen g;
	gen_init(&g, rng, names);
	set_place(&g, place);
	const fk_name *sur = pick_name(&g, names->last, names->n_last);
	g.surname = sur->kanji;
	g.surname_hira = sur->hira;
	g.honseki = address(&g, g.place);
	if (kind == FK_KIND_KOSEKI && chance(&g, 8))
		single(&g);
	else
		family(&g, kind);
	if (kind == FK_KIND_JOSEKI)
		for (int i = 0; i < g.np; i++)
			g.p[i].removed = 1;
	if (g.overflow)
		return fk_fail(err, FK_ERR_INTERNAL, "demo register: names too long for the generator");
	vc_init(&g.strs);
	vc_init(&g.dates);
	json_t *doc = doc_json(&g);
	vc_release(&g.strs);
	vc_release(&g.dates);
	if (!doc)
		return fk_fail(err, g.overflow ? FK_ERR_INTERNAL : FK_ERR_NOMEM,
			       "demo register: cannot build the document");
	*out = doc;
	return FK_OK;
}
