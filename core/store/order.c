/* Sealed sort orders of the register lists (see order.h for why they are sealed). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aad.h"
#include "crypto.h"
#include "datakey.h"
#include "db.h"
#include "meta.h"
#include "norm.h"
#include "order.h"
#include "register.h"
#include "regver.h"
#include "trust.h"
#include "util.h"
#include "visible.h"

/* Gap between chunk seqs as written, so that a split rarely renumbers
 * (a variable only so that the tests can make every split renumber). */
int64_t fk_order_seq_step = 65536;
#define SEQ_STEP fk_order_seq_step
/* Separators inside a key, below every character: end of a part, between the
 * words of a reading (surname before given name), before an encoded number. */
#define SEP_PART '\x01'
#define SEP_WORD '\x02'
#define NUM_MARK '\x03'

/* The stored kind of a list (docs/import.md, "Publishing"): a list (municipality, kind) lives
 * in one of two slots, kind or FK_ORDER_SHADOW + kind, the sealed meta row order.live.<muni>.<kind>
 * naming which (absent: kind). The other slot takes the shadow a package writes ahead, and
 * publishing switches the name: one small row, whatever the list's length. ?4: a slot named by
 * the caller (the shadow's), or NULL for the live one, found in the statement's own snapshot
 * through the meta row keyed ?5, so a reader never sees half of one list and half of another. */
#define STORED_KIND "coalesce(CAST(?4 AS BIGINT), (SELECT CAST(value AS BIGINT) FROM meta WHERE key = ?5), ?2)"
static const char SQL_DIR[] =
	"SELECT id, seq, n FROM register_order WHERE municipality = ?1 AND kind = " STORED_KIND " "
	"AND field = ?3 ORDER BY seq";
static const char SQL_SUM[] =
	"SELECT (SELECT coalesce(sum(n), 0) FROM register_order WHERE municipality = ?1 "
	"AND kind = " STORED_KIND " AND field = ?3), (SELECT coalesce(max(n), 0) FROM municipality_stats "
	"WHERE municipality = ?1 AND kind = ?2)";
static const char SQL_BLOB[] = "SELECT ids FROM register_order WHERE id = ?1";
static const char SQL_INSERT[] =
	"INSERT INTO register_order(municipality, kind, field, seq, n, ids) VALUES (?1, " STORED_KIND
	", ?3, ?6, ?7, ?8)";
static const char SQL_UPDATE[] = "UPDATE register_order SET n = ?2, ids = ?3 WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM register_order WHERE id = ?1";
static const char SQL_CLEAR[] =
	"DELETE FROM register_order WHERE municipality = ?1 AND kind = " STORED_KIND " AND field = ?3";
static const char SQL_LISTS[] =
	"SELECT municipality, kind FROM municipality_stats WHERE kind IN (1, 2) AND n > 0 "
	"AND (CAST(?1 AS TEXT) IS NULL OR municipality = ?1) UNION "
	"SELECT municipality, kind % 100 FROM register_order WHERE (CAST(?1 AS TEXT) IS NULL OR "
	"municipality = ?1) ORDER BY 1, 2";
static const char SQL_MUNI_KNOWN[] = "SELECT count(*) FROM municipality WHERE code = ?1";
static const char SQL_MEMBERS[] =
	"SELECT id FROM register WHERE municipality = ?1 AND kind = ?2 AND disposed_at IS NULL "
	"AND id <= " FK_VIS_REGISTER " ORDER BY id";

/* ---- keys ---- */

typedef struct kbuf {
	char *p;
	size_t n, cap;
	int oom;
} kbuf;

static void kb_put(kbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void kb_char(kbuf *b, char c)
{
	kb_put(b, &c, 1);
}

/* Decode one code point of valid UTF-8 (fk_norm's output); *len gets its bytes. */
static uint32_t decode(const char *s, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80) {
		*len = 1;
		return u[0];
	}
	if (u[0] < 0xE0) {
		*len = 2;
		return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
	}
	if (u[0] < 0xF0) {
		*len = 3;
		return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
	}
	*len = 4;
	return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
	       (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
}

/* A folded hiragana (U+3041..U+3096: three bytes in UTF-8). */
static void kb_cp(kbuf *b, uint32_t c)
{
	char t[3] = {(char)(0xE0 | c >> 12), (char)(0x80 | (c >> 6 & 0x3F)), (char)(0x80 | (c & 0x3F))};
	kb_put(b, t, 3);
}

/* Hiragana to its 清音 base, as a dictionary orders first (JIS X 4061):
 * が→か, ぱ→は, small ぁ→あ, っ→つ; other characters unchanged. */
static uint32_t seion(uint32_t c)
{
	if (c >= 0x3041 && c <= 0x304A) /* ぁあぃい…: small at even offsets */
		return c + ((c - 0x3041) % 2 == 0);
	if (c >= 0x304B && c <= 0x3062) /* か が … ぢ */
		return c - (c - 0x304B) % 2;
	if (c == 0x3063 || c == 0x3065) /* っ づ */
		return 0x3064;
	if (c >= 0x3066 && c <= 0x3069) /* て で と ど */
		return c - (c - 0x3066) % 2;
	if (c >= 0x306F && c <= 0x307D) /* は ば ぱ … ほ ぼ ぽ */
		return c - (c - 0x306F) % 3;
	if (c >= 0x3083 && c <= 0x3088) /* ゃやゅゆょよ */
		return c + ((c - 0x3083) % 2 == 0);
	if (c == 0x308E)
		return 0x308F;
	if (c == 0x3094)
		return 0x3046;
	if (c == 0x3095)
		return 0x304B;
	if (c == 0x3096)
		return 0x3051;
	return c;
}

static void put_folded(kbuf *b, const char *s)
{
	size_t len;
	for (; *s; s += len) {
		uint32_t c = decode(s, &len), f = seion(c);
		if (f == c)
			kb_put(b, s, len); /* as written: any character, of any length */
		else
			kb_cp(b, f);
	}
}

/* The normalised words of a reading or name, joined by SEP_WORD (the surname
 * sorts before the given name: やま だいすけ before やまだ たろう). */
static fk_status put_words(kbuf *b, const char *s, int fold, fk_error *err)
{
	int first = 1;
	while (*s) {
		size_t sp = 0, n = 0;
		while (s[sp] == ' ' || !strncmp(s + sp, "\xe3\x80\x80", 3))
			sp += s[sp] == ' ' ? 1 : 3;
		s += sp;
		while (s[n] && s[n] != ' ' && strncmp(s + n, "\xe3\x80\x80", 3))
			n++;
		if (!n)
			break;
		char *word = strndup(s, n), *norm = NULL;
		if (!word)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		fk_status st = fk_norm(word, &norm, err);
		free(word);
		if (st != FK_OK)
			return st;
		if (!first)
			kb_char(b, SEP_WORD);
		first = 0;
		if (fold)
			put_folded(b, norm);
		else
			kb_put(b, norm, strlen(norm));
		free(norm);
		s += n;
	}
	return FK_OK;
}

static fk_status reading_key(kbuf *b, const json_t *doc, fk_error *err)
{
	const char *reading = fk_register_head_reading(doc);
	fk_status s = put_words(b, reading, 1, err);
	kb_char(b, SEP_PART);
	if (s == FK_OK)
		s = put_words(b, reading, 0, err);
	kb_char(b, SEP_PART);
	if (s == FK_OK)
		s = put_words(b, fk_register_head_name(doc), 0, err);
	return s;
}

/* A number as NUM_MARK, its digit count, its digits: byte order is value order. */
static void put_number(kbuf *b, const char *digits, size_t n)
{
	while (n > 1 && *digits == '0')
		digits++, n--;
	if (n > 60)
		n = 60;
	kb_char(b, NUM_MARK);
	kb_char(b, (char)('0' + n));
	kb_put(b, digits, n);
}

static int kanji_digit(uint32_t c)
{
	static const uint32_t d[] = {0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB,
				     0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D}; /* 〇一二三四五六七八九 */
	for (int i = 0; i < 10; i++)
		if (c == d[i])
			return i;
	return -1;
}

static int kanji_unit(uint32_t c)
{
	return c == 0x5341 ? 10 : c == 0x767E ? 100 : c == 0x5343 ? 1000 : 0; /* 十 百 千 */
}

/* A run of kanji numerals at s read as a number when a 丁目/番/号 follows it
 * (一丁目 < 二丁目 < 十丁目); place names such as 千代田 or 九段 stay text.
 * Returns the bytes consumed, 0 when s does not start such a number. */
static size_t kanji_number(const char *s, unsigned long *value)
{
	unsigned long total = 0, cur = 0;
	size_t i = 0, len;
	int any = 0;
	for (;;) {
		uint32_t c = decode(s + i, &len);
		int d = kanji_digit(c), u = kanji_unit(c);
		if (d >= 0)
			cur = cur * 10 + (unsigned)d;
		else if (u)
			total += (cur ? cur : 1) * (unsigned)u, cur = 0;
		else
			break;
		any = 1;
		i += len;
		if (total > 1000000)
			return 0;
	}
	if (!any || !s[i])
		return 0;
	uint32_t next = decode(s + i, &len);
	if (next != 0x4E01 && next != 0x756A && next != 0x53F7) /* 丁 番 号 */
		return 0;
	*value = total + cur;
	return i;
}

static fk_status honseki_key(kbuf *b, const json_t *doc, fk_error *err)
{
	char *norm = NULL;
	fk_status s = fk_norm(fk_register_honseki(doc), &norm, err);
	if (s != FK_OK)
		return s;
	for (const char *p = norm; *p;) {
		unsigned long v;
		size_t n, len;
		if (*p >= '0' && *p <= '9') {
			for (n = 0; p[n] >= '0' && p[n] <= '9'; n++)
				;
			put_number(b, p, n);
			p += n;
		} else if ((n = kanji_number(p, &v)) > 0) {
			char digits[24];
			int k = snprintf(digits, sizeof digits, "%lu", v);
			put_number(b, digits, (size_t)k);
			p += n;
		} else {
			decode(p, &len);
			kb_put(b, p, len);
			p += len;
		}
	}
	free(norm);
	kb_char(b, SEP_PART);
	return reading_key(b, doc, err);
}

fk_status fk_order_key(const json_t *doc, fk_order_field field, char **key, fk_error *err)
{
	kbuf b = {0};
	*key = NULL;
	fk_status s = field == FK_ORDER_HONSEKI ? honseki_key(&b, doc, err)
		      : field == FK_ORDER_READING ? reading_key(&b, doc, err)
						  : fk_fail(err, FK_ERR_INVALID, "no sort key for order %d", field);
	if (s == FK_OK && b.oom)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK && !b.p && !(b.p = strdup("")))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s != FK_OK) {
		free(b.p);
		return s;
	}
	*key = b.p;
	return FK_OK;
}

/* Both keys of a stored register. One whose content cannot be opened
 * (altered, its key destroyed) sorts first with empty keys: still listed, and
 * the same wherever it is compared, so the order stays consistent. */
/* ---- the batch's memo of sort keys (fk_order_memo) ---- */

#define MEMO_SLOTS 65536 /* a power of two; when it fills, it starts again empty */

struct fk_order_memo {
	struct memo_slot {
		int64_t id; /* 0: empty, -1: forgotten (searches go on past it) */
		int version; /* the register's version the keys are of (-1: unreadable) */
		int64_t seen; /* the stamp under which that version was last found current */
		char *keys[FK_ORDER_FIELDS];
	} slot[MEMO_SLOTS];
	/* The slots taken, in turn: clearing visits these, not all 65,536 (the receiving
	 * service's workers clear the memo at nearly every package, each after the other's
	 * commit: the whole table took 0.3 ms a package). */
	uint16_t at[MEMO_SLOTS / 2];
	size_t used;
	int64_t stamp; /* fk_order_memo_keep's; -1 for one batch */
	int kept;      /* kept across batches (fk_order_memo_keep): each slot checked by version */
};

static void memo_clear(struct fk_order_memo *m)
{
	for (size_t k = 0; k < m->used; k++) {
		struct memo_slot *sl = &m->slot[m->at[k]];
		for (int f = 0; f < FK_ORDER_FIELDS; f++) {
			if (sl->keys[f])
				fk_wipe(sl->keys[f], strlen(sl->keys[f]));
			free(sl->keys[f]);
		}
		memset(sl, 0, sizeof *sl);
	}
	m->used = 0;
}

static void memo_free(fk_ctx *ctx)
{
	fk_order_memo(ctx, 0, NULL);
}

fk_status fk_order_memo(fk_ctx *ctx, int on, fk_error *err)
{
	if (ctx->order_memo) {
		/* the keys are names in sort form: wiped */
		memo_clear(ctx->order_memo);
		free(ctx->order_memo);
		ctx->order_memo = NULL;
	}
	if (on && !(ctx->order_memo = calloc(1, sizeof *ctx->order_memo)))
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (on) {
		ctx->order_memo->stamp = -1;
		ctx->order_memo_free = memo_free;
	}
	return FK_OK;
}

fk_status fk_order_memo_keep(fk_ctx *ctx, int64_t stamp, fk_error *err)
{
	struct fk_order_memo *m = ctx->order_memo;
	if (m && stamp >= 0 && m->stamp == stamp)
		return FK_OK;
	/* Another connection wrote (the receiving service's other workers do between nearly
	 * every two packages): what it changed may be any register, so each slot is used again
	 * only once its register is found still at the version its keys were read from (a
	 * register's versions never change; a new one is a new version, stored_keys). */
	if (m && stamp >= 0 && m->kept) {
		m->stamp = stamp;
		return FK_OK;
	}
	if (m) { /* emptied where it is: no 2.6 MB given back and taken again */
		memo_clear(m);
	} else {
		fk_status s = fk_order_memo(ctx, 1, err);
		if (s != FK_OK)
			return s;
		m = ctx->order_memo;
	}
	m->stamp = stamp;
	m->kept = stamp >= 0;
	return FK_OK;
}

static struct memo_slot *memo_find(struct fk_order_memo *m, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * UINT64_C(0x9e3779b97f4a7c15) >> 48) & (MEMO_SLOTS - 1);
	while (m->slot[i].id && m->slot[i].id != id)
		i = (i + 1) & (MEMO_SLOTS - 1);
	return &m->slot[i];
}

void fk_order_memo_forget(fk_ctx *ctx, int64_t id)
{
	struct memo_slot *sl = ctx->order_memo ? memo_find(ctx->order_memo, id) : NULL;
	if (!sl || sl->id != id)
		return;
	for (int f = 0; f < FK_ORDER_FIELDS; f++) {
		fk_wipe(sl->keys[f], strlen(sl->keys[f]));
		free(sl->keys[f]);
		sl->keys[f] = NULL;
	}
	sl->id = -1; /* still counted as used: the memo empties when half its slots are */
}

static fk_status stored_keys_read(fk_ctx *ctx, int64_t id, char *keys[FK_ORDER_FIELDS],
				  int *version, fk_error *err);

/* A kept slot found under an older stamp: still its register's current version (a checked
 * read of the sealed register row, far cheaper than opening the version), or forgotten and
 * *sl the slot its keys are read into again. */
static void memo_confirm(fk_ctx *ctx, struct fk_order_memo *m, struct memo_slot **sl)
{
	fk_reg_info info;
	fk_error e;
	int disposed = 0;
	if ((*sl)->id <= 0 || !m->kept || (*sl)->seen == m->stamp)
		return;
	int64_t id = (*sl)->id;
	if (fk_store_info_any(ctx, id, &info, &disposed, &e) == FK_OK && !disposed &&
	    info.version == (*sl)->version) {
		(*sl)->seen = m->stamp;
		return;
	}
	fk_order_memo_forget(ctx, id);
	*sl = memo_find(m, id);
}

static fk_status stored_keys(fk_ctx *ctx, int64_t id, char *keys[FK_ORDER_FIELDS], fk_error *err)
{
	struct fk_order_memo *m = ctx->order_memo;
	struct memo_slot *sl = m ? memo_find(m, id) : NULL;
	if (sl)
		memo_confirm(ctx, m, &sl);
	if (!sl || !sl->id) {
		int version = -1;
		fk_status s = stored_keys_read(ctx, id, keys, &version, err);
		if (s != FK_OK || !sl)
			return s;
		if (m->used + 1 >= MEMO_SLOTS / 2) {
			memo_clear(m);
			sl = memo_find(m, id);
		}
		for (int f = 0; f < FK_ORDER_FIELDS; f++)
			if (!(sl->keys[f] = strdup(keys[f]))) {
				for (int g = 0; g < f; g++) {
					free(sl->keys[g]);
					sl->keys[g] = NULL;
				}
				return FK_OK; /* not kept: only slower */
			}
		sl->id = id;
		sl->version = version;
		sl->seen = m->stamp;
		m->at[m->used++] = (uint16_t)(sl - m->slot);
		return FK_OK;
	}
	for (int f = 0; f < FK_ORDER_FIELDS; f++)
		keys[f] = NULL;
	for (int f = 0; f < FK_ORDER_FIELDS; f++)
		if (!(keys[f] = strdup(sl->keys[f]))) {
			for (int g = 0; g < f; g++) {
				free(keys[g]);
				keys[g] = NULL;
			}
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		}
	return FK_OK;
}

static fk_status stored_keys_read(fk_ctx *ctx, int64_t id, char *keys[FK_ORDER_FIELDS],
				  int *version, fk_error *err)
{
	json_t *doc = NULL;
	fk_error e;
	fk_reg_info info;
	fk_status s = fk_store_read(ctx, id, 0, &doc, &info, &e);
	*version = s == FK_OK ? info.version : -1;
	int unreadable = s == FK_ERR_TAMPER || s == FK_ERR_CORRUPT || s == FK_ERR_NOTFOUND ||
			 s == FK_ERR_NOKEY;
	if (s != FK_OK && !unreadable) {
		if (err)
			*err = e;
		return s;
	}
	s = FK_OK;
	for (int f = 0; f < FK_ORDER_FIELDS && s == FK_OK; f++) {
		if (!unreadable)
			s = fk_order_key(doc, (fk_order_field)(f + 1), &keys[f], err);
		else if (!(keys[f] = strdup("")))
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	json_decref(doc);
	return s;
}

/* The key of one field; *key is set on success and NULL otherwise (a field
 * without a sort key, such as FK_ORDER_ID, fails instead of leaving it unset). */
static fk_status stored_key(fk_ctx *ctx, int64_t id, fk_order_field field, char **key, fk_error *err)
{
	char *keys[FK_ORDER_FIELDS] = {NULL};
	*key = NULL;
	if (field < 1 || field > FK_ORDER_FIELDS)
		return fk_fail(err, FK_ERR_INTERNAL, "no stored sort key for order %d", (int)field);
	fk_status s = stored_keys(ctx, id, keys, err);
	if (s == FK_OK) {
		*key = keys[field - 1];
		keys[field - 1] = NULL;
	}
	for (int f = 0; f < FK_ORDER_FIELDS; f++)
		free(keys[f]);
	return s;
}

/* stored_key, its key checked here too: the static analyser stops following calls a few
 * levels down (it no longer saw that a failure is never FK_OK once find_chunk was added). */
static fk_status stored_key_set(fk_ctx *ctx, int64_t id, fk_order_field field, char **key, fk_error *err)
{
	fk_status s = stored_key(ctx, id, field, key, err);
	if (s == FK_OK && !*key)
		return fk_fail(err, FK_ERR_INTERNAL, "no stored sort key for register %lld", (long long)id);
	return s;
}

static int entry_cmp(const char *ka, int64_t ia, const char *kb, int64_t ib)
{
	int c = strcmp(ka, kb);
	return c ? c : (ia > ib) - (ia < ib);
}

/* ---- chunks ---- */

typedef struct list_ref {
	const char *muni;
	int kind;
	fk_order_field field;
	int stored_kind; /* 0: the live slot (STORED_KIND); else that slot (sealed as kind) */
} list_ref;

typedef struct chunk_dir {
	int64_t rowid, seq;
	int n;
} chunk_dir;

static void live_key(char *buf, size_t len, const char *muni, int kind)
{
	snprintf(buf, len, "%s%s.%d", FK_ORDER_LIVE_KEY, muni, kind);
}

static void bind_list(fk_stmt *st, const list_ref *l)
{
	char key[64];
	fk_sql_bind_text(st, 1, l->muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, l->kind);
	fk_sql_bind_int(st, 3, (int)l->field);
	if (l->stored_kind) {
		fk_sql_bind_int(st, 4, l->stored_kind);
		fk_sql_bind_null(st, 5);
	} else {
		live_key(key, sizeof key, l->muni, l->kind);
		fk_sql_bind_null(st, 4);
		fk_sql_bind_text(st, 5, key, -1, SQLITE_TRANSIENT);
	}
}

static fk_status load_dir(fk_ctx *ctx, const list_ref *l, chunk_dir **dir, size_t *n, fk_error *err)
{
	fk_stmt *st;
	size_t cap = 0;
	*dir = NULL;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_DIR, &st, err);
	if (s != FK_OK)
		return s;
	bind_list(st, l);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			chunk_dir *v = realloc(*dir, cap * sizeof *v);
			if (!v) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			*dir = v;
		}
		(*dir)[*n] = (chunk_dir){fk_sql_column_int64(st, 0), fk_sql_column_int64(st, 1),
					 fk_sql_column_int(st, 2)};
		(*n)++;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading a sort order");
	if (s != FK_OK) {
		free(*dir);
		*dir = NULL;
		*n = 0;
	}
	return s;
}

/* Open chunk d into ids (room for FK_ORDER_CHUNK * 2 + 1). */
static fk_status open_chunk(fk_ctx *ctx, const list_ref *l, const uint8_t key[FK_KEY_LEN],
			    const chunk_dir *d, int64_t *ids, fk_error *err)
{
	fk_stmt *st;
	uint8_t plain[(FK_ORDER_CHUNK * 2 + 1) * 8];
	fk_status s = fk_ctx_stmt(ctx, SQL_BLOB, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, d->rowid);
	int rc = fk_sql_step(st);
	if (rc != SQLITE_ROW) {
		fk_sql_reset(st);
		/* fk_failed: fk_db_fail is defined in db.c, where the static analyser
		 * does not see that it never returns FK_OK (and ids stays unfilled) */
		return fk_failed(rc == SQLITE_DONE ? fk_fail(err, FK_ERR_CORRUPT, "a sort-order chunk vanished")
						   : fk_db_fail(ctx->db, rc, err, "reading a sort order"));
	}
	size_t len = (size_t)fk_sql_column_bytes(st, 0), plen = 0;
	fk_aad a;
	fk_aad_order(&a, l->muni, l->kind, (int)l->field, d->seq);
	if (d->n < 1 || d->n > FK_ORDER_CHUNK * 2 || len != (size_t)d->n * 8 + FK_SEAL_OVERHEAD)
		s = fk_fail(err, FK_ERR_CORRUPT, "sort order of %s: a chunk has the wrong size", l->muni);
	else
		s = fk_open(key, a.b, a.n, fk_sql_column_blob(st, 0), len, plain, &plen, err);
	fk_sql_reset(st);
	if (s == FK_ERR_TAMPER)
		fk_fail_wrap(err, "sort order of %s", l->muni);
	if (s != FK_OK)
		return s;
	for (int i = 0; i < d->n; i++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = v << 8 | plain[i * 8 + k];
		ids[i] = (int64_t)v;
	}
	return FK_OK;
}

/* Seal ids[0..n) as the chunk at seq; rowid > 0 replaces that row. */
static fk_status write_chunk(fk_ctx *ctx, const list_ref *l, const uint8_t key[FK_KEY_LEN],
			     int64_t rowid, int64_t seq, const int64_t *ids, int n, fk_error *err)
{
	uint8_t plain[(FK_ORDER_CHUNK * 2 + 1) * 8], sealed[sizeof plain + FK_SEAL_OVERHEAD];
	size_t len = (size_t)n * 8;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			plain[i * 8 + k] = (uint8_t)((uint64_t)ids[i] >> (56 - 8 * k));
	fk_aad a;
	fk_aad_order(&a, l->muni, l->kind, (int)l->field, seq);
	fk_stmt *st;
	fk_status s = fk_seal(key, a.b, a.n, plain, len, sealed, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, rowid > 0 ? SQL_UPDATE : SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	if (rowid > 0) {
		fk_sql_bind_int64(st, 1, rowid);
		fk_sql_bind_int(st, 2, n);
		fk_sql_bind_blob(st, 3, sealed, (int)(len + FK_SEAL_OVERHEAD), SQLITE_TRANSIENT);
	} else {
		bind_list(st, l);
		fk_sql_bind_int64(st, 6, seq);
		fk_sql_bind_int(st, 7, n);
		fk_sql_bind_blob(st, 8, sealed, (int)(len + FK_SEAL_OVERHEAD), SQLITE_TRANSIENT);
	}
	return fk_ctx_exec(ctx, st, err, "writing a sort order");
}

static fk_status delete_row(fk_ctx *ctx, int64_t rowid, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_DELETE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, rowid);
	return fk_ctx_exec(ctx, st, err, "writing a sort order");
}

/* Replace a whole list with ids (in order). */
static fk_status write_list(fk_ctx *ctx, const list_ref *l, const uint8_t key[FK_KEY_LEN],
			    const int64_t *ids, size_t n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_CLEAR, &st, err);
	if (s != FK_OK)
		return s;
	bind_list(st, l);
	s = fk_ctx_exec(ctx, st, err, "clearing a sort order");
	for (size_t i = 0, k = 0; i < n && s == FK_OK; i += FK_ORDER_CHUNK, k++) {
		int m = n - i < FK_ORDER_CHUNK ? (int)(n - i) : FK_ORDER_CHUNK;
		s = write_chunk(ctx, l, key, 0, (int64_t)(k + 1) * SEQ_STEP, ids + i, m, err);
	}
	return s;
}

static fk_status muni_key(fk_ctx *ctx, const char *muni, uint8_t key[FK_KEY_LEN], fk_error *err)
{
	int64_t id;
	return fk_datakey_municipality(ctx, muni, &id, key, err);
}

/* ---- reading ---- */

static fk_status sums(fk_ctx *ctx, const list_ref *l, int64_t *have, int64_t *want, fk_error *err)
{
	fk_stmt *st;
	*have = *want = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_SUM, &st, err);
	if (s != FK_OK)
		return s;
	bind_list(st, l);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		*have = fk_sql_column_int64(st, 0);
		*want = fk_sql_column_int64(st, 1);
	}
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading a sort order");
}

fk_status fk_order_check(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
			 int64_t *total, fk_error *err)
{
	list_ref l = {muni, kind, field, 0};
	int64_t have = 0, want = 0;
	fk_status s = sums(ctx, &l, &have, &want, err);
	if (s != FK_OK)
		return s;
	*total = want;
	if (have != want)
		return fk_fail(err, FK_ERR_CORRUPT,
			       "the sort order of %s is out of step (%lld of %lld registers); "
			       "rebuild it with: fukuhonctl reindex --municipality %s",
			       muni, (long long)have, (long long)want, muni);
	return FK_OK;
}

fk_status fk_order_page(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
			int64_t offset, int limit, int64_t *ids, int *n, fk_error *err)
{
	list_ref l = {muni, kind, field, 0};
	chunk_dir *dir;
	size_t nd;
	int64_t buf[FK_ORDER_CHUNK * 2 + 1];
	uint8_t key[FK_KEY_LEN];
	int have_key = 0;
	*n = 0;
	if (offset < 0)
		offset = 0;
	fk_status s = load_dir(ctx, &l, &dir, &nd, err);
	int64_t start = 0;
	for (size_t i = 0; i < nd && s == FK_OK && *n < limit; start += dir[i].n, i++) {
		if (start + dir[i].n <= offset)
			continue;
		if (!have_key && (s = muni_key(ctx, muni, key, err)) != FK_OK)
			break;
		have_key = 1;
		if ((s = open_chunk(ctx, &l, key, &dir[i], buf, err)) != FK_OK)
			break;
		for (int64_t k = offset > start ? offset - start : 0; k < dir[i].n && *n < limit; k++)
			ids[(*n)++] = buf[k];
	}
	fk_wipe(key, sizeof key);
	free(dir);
	if (s != FK_OK)
		*n = 0;
	return s;
}

static fk_status find_chunk(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN],
			    const chunk_dir *dir, size_t nd, const char *key, int64_t id,
			    size_t *chunk, int64_t *ids, fk_error *err);

/* Where the register's own key puts it: the chunk an insertion's binary search would pick
 * (find_chunk: log2(chunks) chunk and register reads), then the id looked for in that chunk's
 * ids, where a scan opened every chunk before it (485-500 statements for a municipality's list
 * at 10,000,000 registers on PostgreSQL: docs/storage.md). *found 0: not in the chunk its key
 * names (a list out of step). */
static fk_status position_by_key(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN],
				 const chunk_dir *dir, size_t nd, int64_t id, int64_t *ids,
				 int64_t *index, int *found, fk_error *err)
{
	char *k = NULL;
	size_t c = 0;
	*found = 0;
	fk_status s = stored_key_set(ctx, id, l->field, &k, err);
	if (s == FK_OK)
		s = find_chunk(ctx, l, mk, dir, nd, k, id, &c, ids, err);
	free(k);
	int pos = 0;
	while (s == FK_OK && pos < dir[c].n && ids[pos] != id)
		pos++;
	if (s != FK_OK || pos == dir[c].n)
		return s;
	int64_t start = 0;
	for (size_t i = 0; i < c; i++)
		start += dir[i].n;
	*index = start + pos;
	*found = 1;
	return FK_OK;
}

fk_status fk_order_position(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
			    int64_t id, int64_t *index, fk_error *err)
{
	list_ref l = {muni, kind, field, 0};
	chunk_dir *dir;
	size_t nd;
	int64_t buf[FK_ORDER_CHUNK * 2 + 1], start = 0;
	uint8_t key[FK_KEY_LEN];
	fk_status s = load_dir(ctx, &l, &dir, &nd, err);
	if (s == FK_OK && nd)
		s = muni_key(ctx, muni, key, err);
	if (s != FK_OK) {
		free(dir);
		return s;
	}
	int found = 0;
	if (nd && field >= 1 && field <= FK_ORDER_FIELDS)
		s = position_by_key(ctx, &l, key, dir, nd, id, buf, index, &found, err);
	/* Not where its key says: every chunk in turn, as a list out of step may hold it. */
	for (size_t i = 0; i < nd && !found && s == FK_OK; start += dir[i].n, i++) {
		if ((s = open_chunk(ctx, &l, key, &dir[i], buf, err)) != FK_OK)
			break;
		for (int k = 0; k < dir[i].n && !found; k++)
			if (buf[k] == id) {
				*index = start + k;
				found = 1;
			}
	}
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "register %lld is not in the list", (long long)id);
	fk_wipe(key, sizeof key);
	free(dir);
	return s;
}

/* ---- maintenance ---- */

/* Rewrite a whole list with fresh seqs, chunk c replaced by ids[0..n): for a
 * split that finds no free seq between its neighbours (rare: gaps start at
 * SEQ_STEP and halve with each split at the same place). */
static fk_status renumber(fk_ctx *ctx, const list_ref *l, const uint8_t key[FK_KEY_LEN],
			  const chunk_dir *dir, size_t nd, size_t c, const int64_t *ids, int n,
			  fk_error *err)
{
	size_t total = (size_t)n;
	for (size_t i = 0; i < nd; i++)
		total += i == c ? 0 : (size_t)dir[i].n;
	int64_t *all = malloc((total + 1) * sizeof *all);
	if (!all)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status s = FK_OK;
	size_t k = 0;
	for (size_t i = 0; i < nd && s == FK_OK; i++) {
		if (i == c) {
			memcpy(all + k, ids, (size_t)n * sizeof *all);
			k += (size_t)n;
		} else if ((s = open_chunk(ctx, l, key, &dir[i], all + k, err)) == FK_OK) {
			k += (size_t)dir[i].n;
		}
	}
	if (s == FK_OK)
		s = write_list(ctx, l, key, all, total, err);
	free(all);
	return s;
}

/* The last chunk whose first entry is not after (key, id), opened into ids (nd > 0): a binary
 * search, opening registers. */
static fk_status find_chunk(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN],
			    const chunk_dir *dir, size_t nd, const char *key, int64_t id,
			    size_t *chunk, int64_t *ids, fk_error *err)
{
	size_t lo = 0, hi = nd; /* the answer is the last c in [0, nd) with first(c) <= new */
	size_t held = nd;	/* the chunk ids holds (nd: none) */
	fk_status s = FK_OK;
	while (hi - lo > 1 && s == FK_OK) {
		size_t mid = lo + (hi - lo) / 2;
		char *k = NULL;
		if ((s = open_chunk(ctx, l, mk, &dir[mid], ids, err)) == FK_OK &&
		    (s = stored_key_set(ctx, ids[0], l->field, &k, err)) == FK_OK) {
			held = mid;
			if (entry_cmp(k, ids[0], key, id) <= 0)
				lo = mid;
			else
				hi = mid;
		}
		free(k);
	}
	if (s == FK_OK && held != lo)
		s = open_chunk(ctx, l, mk, &dir[lo], ids, err);
	*chunk = lo;
	return s;
}

/* Where (key, id) goes: find_chunk's chunk, then the place inside it (binary, opening
 * registers). */
static fk_status find_place(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN],
			    const chunk_dir *dir, size_t nd, const char *key, int64_t id,
			    size_t *chunk, int64_t *ids, int *pos, fk_error *err)
{
	size_t lo = 0;
	fk_status s = find_chunk(ctx, l, mk, dir, nd, key, id, &lo, ids, err);
	int a = 0, b = s == FK_OK ? dir[lo].n : 0; /* first index whose entry is after new */
	while (a < b && s == FK_OK) {
		int mid = a + (b - a) / 2;
		char *k = NULL;
		if ((s = stored_key_set(ctx, ids[mid], l->field, &k, err)) == FK_OK) {
			if (entry_cmp(k, ids[mid], key, id) <= 0)
				a = mid + 1;
			else
				b = mid;
		}
		free(k);
	}
	*chunk = lo;
	*pos = a;
	return s;
}

static fk_status insert_one(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN],
			    const char *key, int64_t id, fk_error *err)
{
	chunk_dir *dir;
	size_t nd, c;
	int64_t ids[FK_ORDER_CHUNK * 2 + 1];
	int pos;
	fk_status s = load_dir(ctx, l, &dir, &nd, err);
	if (s != FK_OK)
		return s;
	if (!nd) {
		s = write_chunk(ctx, l, mk, 0, SEQ_STEP, &id, 1, err);
		free(dir);
		return s;
	}
	s = find_place(ctx, l, mk, dir, nd, key, id, &c, ids, &pos, err);
	if (s == FK_OK) {
		int n = dir[c].n;
		memmove(ids + pos + 1, ids + pos, (size_t)(n - pos) * sizeof *ids);
		ids[pos] = id;
		n++;
		/* Split in halves beyond two chunks' worth; the second half takes a seq
		 * between this chunk and the next, or the list is renumbered. */
		int64_t next = c + 1 < nd ? dir[c + 1].seq : dir[c].seq + 2 * SEQ_STEP;
		int half = n / 2;
		if (n <= FK_ORDER_CHUNK * 2)
			s = write_chunk(ctx, l, mk, dir[c].rowid, dir[c].seq, ids, n, err);
		else if (next - dir[c].seq < 2)
			s = renumber(ctx, l, mk, dir, nd, c, ids, n, err);
		else if ((s = write_chunk(ctx, l, mk, dir[c].rowid, dir[c].seq, ids, half, err)) == FK_OK)
			s = write_chunk(ctx, l, mk, 0, dir[c].seq + (next - dir[c].seq) / 2, ids + half,
					n - half, err);
	}
	free(dir);
	return s;
}

/* Remove id found by its key: where find_place would put (key, id), it stands just before. */
static fk_status remove_at_key(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN],
			       const char *key, int64_t id, int *done, fk_error *err)
{
	chunk_dir *dir;
	size_t nd, c;
	int64_t ids[FK_ORDER_CHUNK * 2 + 1];
	int pos;
	*done = 0;
	fk_status s = load_dir(ctx, l, &dir, &nd, err);
	if (s != FK_OK || !nd) {
		if (s == FK_OK)
			free(dir);
		return s;
	}
	s = find_place(ctx, l, mk, dir, nd, key, id, &c, ids, &pos, err);
	if (s == FK_OK && pos > 0 && ids[pos - 1] == id) {
		int n = dir[c].n;
		memmove(ids + pos - 1, ids + pos, (size_t)(n - pos) * sizeof *ids);
		s = n == 1 ? delete_row(ctx, dir[c].rowid, err)
			   : write_chunk(ctx, l, mk, dir[c].rowid, dir[c].seq, ids, n - 1, err);
		*done = s == FK_OK;
	}
	free(dir);
	return s;
}

static fk_status remove_one(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN], int64_t id,
			    fk_error *err);

fk_status fk_order_remove_keyed(fk_ctx *ctx, const char *muni, int kind, int64_t id,
				const json_t *old, fk_error *err)
{
	uint8_t mk[FK_KEY_LEN];
	fk_status s = muni_key(ctx, muni, mk, err);
	for (int f = 1; f <= FK_ORDER_FIELDS && s == FK_OK; f++) {
		list_ref l = {muni, kind, (fk_order_field)f, 0};
		char *key = NULL;
		int done = 0;
		if ((s = fk_order_key(old, l.field, &key, err)) == FK_OK)
			s = remove_at_key(ctx, &l, mk, key, id, &done, err);
		free(key);
		if (s == FK_OK && !done)
			s = remove_one(ctx, &l, mk, id, err);
	}
	fk_wipe(mk, sizeof mk);
	return s;
}

static fk_status remove_one(fk_ctx *ctx, const list_ref *l, const uint8_t mk[FK_KEY_LEN], int64_t id,
			    fk_error *err)
{
	chunk_dir *dir;
	size_t nd;
	int64_t ids[FK_ORDER_CHUNK * 2 + 1];
	fk_status s = load_dir(ctx, l, &dir, &nd, err);
	for (size_t i = 0; i < nd && s == FK_OK; i++) {
		if ((s = open_chunk(ctx, l, mk, &dir[i], ids, err)) != FK_OK)
			break;
		int n = dir[i].n, k;
		for (k = 0; k < n && ids[k] != id; k++)
			;
		if (k == n)
			continue;
		memmove(ids + k, ids + k + 1, (size_t)(n - k - 1) * sizeof *ids);
		s = n == 1 ? delete_row(ctx, dir[i].rowid, err)
			   : write_chunk(ctx, l, mk, dir[i].rowid, dir[i].seq, ids, n - 1, err);
		break;
	}
	free(dir);
	return s;
}

fk_status fk_order_insert(fk_ctx *ctx, const char *muni, int kind, int64_t id, const json_t *doc,
			  fk_error *err)
{
	uint8_t mk[FK_KEY_LEN];
	fk_status s = muni_key(ctx, muni, mk, err);
	for (int f = 1; f <= FK_ORDER_FIELDS && s == FK_OK; f++) {
		list_ref l = {muni, kind, (fk_order_field)f, 0};
		int64_t have, want;
		char *key = NULL;
		if ((s = sums(ctx, &l, &have, &want, err)) != FK_OK || have + 1 != want)
			continue; /* out of step already: reindex rebuilds it whole */
		if ((s = fk_order_key(doc, l.field, &key, err)) == FK_OK)
			s = insert_one(ctx, &l, mk, key, id, err);
		free(key);
	}
	fk_wipe(mk, sizeof mk);
	return s;
}

fk_status fk_order_remove(fk_ctx *ctx, const char *muni, int kind, int64_t id, fk_error *err)
{
	uint8_t mk[FK_KEY_LEN];
	fk_status s = muni_key(ctx, muni, mk, err);
	for (int f = 1; f <= FK_ORDER_FIELDS && s == FK_OK; f++) {
		list_ref l = {muni, kind, (fk_order_field)f, 0};
		s = remove_one(ctx, &l, mk, id, err);
	}
	fk_wipe(mk, sizeof mk);
	return s;
}

static int cmp_field0(const void *a, const void *b)
{
	const fk_order_entry *x = a, *y = b;
	return entry_cmp(x->key[0], x->id, y->key[0], y->id);
}

static int cmp_field1(const void *a, const void *b)
{
	const fk_order_entry *x = a, *y = b;
	return entry_cmp(x->key[1], x->id, y->key[1], y->id);
}

/* Sort v by each field in turn and write both lists. */
static fk_status write_sorted(fk_ctx *ctx, const char *muni, int kind, fk_order_entry *v, size_t n,
			      fk_error *err)
{
	uint8_t mk[FK_KEY_LEN];
	int64_t *ids = malloc((n + 1) * sizeof *ids);
	if (!ids)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status s = muni_key(ctx, muni, mk, err);
	for (int f = 1; f <= FK_ORDER_FIELDS && s == FK_OK; f++) {
		list_ref l = {muni, kind, (fk_order_field)f, 0};
		if (n > 1) /* v may be NULL when n is 0, which qsort does not take */
			qsort(v, n, sizeof *v, f == 1 ? cmp_field0 : cmp_field1);
		for (size_t i = 0; i < n; i++)
			ids[i] = v[i].id;
		s = write_list(ctx, &l, mk, ids, n, err);
	}
	fk_wipe(mk, sizeof mk);
	free(ids);
	return s;
}

fk_status fk_order_bulk(fk_ctx *ctx, const char *muni, int kind, fk_order_entry *v, size_t n,
			fk_error *err)
{
	int64_t have = 0, want = 0, have2 = 0;
	list_ref l1 = {muni, kind, FK_ORDER_HONSEKI, 0}, l2 = {muni, kind, FK_ORDER_READING, 0};
	fk_status s = sums(ctx, &l1, &have, &want, err);
	if (s == FK_OK)
		s = sums(ctx, &l2, &have2, &want, err);
	if (s != FK_OK || !n)
		return s;
	if (have == 0 && have2 == 0 && want == (int64_t)n)
		return write_sorted(ctx, muni, kind, v, n, err);
	int64_t count;
	return fk_order_rebuild(ctx, muni, kind, &count, err);
}

static void entries_free(fk_order_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int f = 0; f < FK_ORDER_FIELDS; f++)
			free(v[i].key[f]);
	free(v);
}

fk_status fk_order_rebuild(fk_ctx *ctx, const char *muni, int kind, int64_t *count, fk_error *err)
{
	fk_stmt *st;
	fk_order_entry *v = NULL;
	size_t n = 0, cap = 0;
	*count = 0;
	fk_status s = fk_ctx_stmt_large(ctx, SQL_MEMBERS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, kind);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			fk_order_entry *w = realloc(v, cap * sizeof *w);
			if (!w) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			v = w;
		}
		v[n++] = (fk_order_entry){.id = fk_sql_column_int64(st, 0)};
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing registers");
	/* One decryption per register gives both keys. */
	for (size_t i = 0; i < n && s == FK_OK; i++)
		s = stored_keys(ctx, v[i].id, v[i].key, err);
	if (s == FK_OK)
		s = write_sorted(ctx, muni, kind, v, n, err);
	if (s == FK_OK)
		*count = (int64_t)n;
	entries_free(v, n);
	return s;
}

typedef struct list_id {
	char muni[8];
	int kind;
} list_id;

static fk_status lists_of(fk_ctx *ctx, const char *muni, list_id **v, size_t *n, fk_error *err)
{
	fk_stmt *st;
	size_t cap = 0;
	*v = NULL;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_LISTS, &st, err);
	if (s != FK_OK)
		return s;
	if (muni)
		fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			list_id *w = realloc(*v, cap * sizeof *w);
			if (!w) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			*v = w;
		}
		fk_copy_str((*v)[*n].muni, sizeof (*v)[*n].muni, (const char *)fk_sql_column_text(st, 0));
		(*v)[(*n)++].kind = fk_sql_column_int(st, 1);
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing municipalities");
	return s;
}

static fk_status muni_known(fk_ctx *ctx, const char *muni, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNI_KNOWN, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	int64_t n = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	if (rc != SQLITE_ROW)
		return fk_db_fail(ctx->db, rc, err, "reading a municipality");
	return n ? FK_OK : fk_fail(err, FK_ERR_NOTFOUND, "municipality %s is not known", muni);
}

static int in_step(fk_ctx *ctx, const list_id *l)
{
	int64_t total;
	for (int f = 1; f <= FK_ORDER_FIELDS; f++)
		if (fk_order_check(ctx, l->muni, l->kind, (fk_order_field)f, &total, NULL) != FK_OK)
			return 0;
	return 1;
}

/* One list rebuilt in a transaction of its own, which done() closes (it records the list). */
static fk_status reindex_one(fk_ctx *ctx, const list_id *l, int64_t *count, fk_order_done_fn done,
			     void *arg, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = fk_order_rebuild(ctx, l->muni, l->kind, count, err);
	if (s == FK_OK)
		s = done(ctx, l->muni, l->kind, *count, arg, err);
	return fk_ctx_end(ctx, s, err);
}

fk_status fk_order_reindex(fk_ctx *ctx, const char *muni, int all, fk_order_done_fn done, void *arg,
			   int64_t *lists, int64_t *registers, fk_error *err)
{
	list_id *v;
	size_t n;
	*lists = *registers = 0;
	fk_status s = muni ? muni_known(ctx, muni, err) : FK_OK;
	if (s == FK_OK)
		s = lists_of(ctx, muni, &v, &n, err);
	if (s != FK_OK)
		return s;
	for (size_t i = 0; i < n && s == FK_OK; i++) {
		int64_t count = 0;
		if (!muni && !all && in_step(ctx, &v[i]))
			continue;
		if ((s = reindex_one(ctx, &v[i], &count, done, arg, err)) == FK_OK) {
			(*lists)++;
			*registers += count;
		}
	}
	free(v);
	return s;
}

/* ---- shadow lists (order.h) ---- */

static const char SQL_SHADOW_CLEAR[] =
	"DELETE FROM register_order WHERE municipality = ?1 AND kind = ?2";
static const char SQL_SWEEP[] =
	"DELETE FROM register_order WHERE id IN (SELECT id FROM register_order WHERE municipality = ?1 "
	"AND kind = ?2 LIMIT ?3)";
static const char SQL_STALE_FIRST[] =
	"SELECT key FROM meta WHERE key >= '" FK_ORDER_STALE_KEY "' AND key < 'order.stale/' "
	"ORDER BY key LIMIT 1";
static const char SQL_SLOT_USED[] =
	"SELECT count(*) FROM (SELECT 1 FROM register_order WHERE municipality = ?1 AND kind = ?2 LIMIT 1) u";

static fk_status shadow_kind_ok(int kind, fk_error *err)
{
	return kind == 1 || kind == 2 ? FK_OK : fk_fail(err, FK_ERR_USAGE, "no such list kind %d", kind);
}

/* The slot readers see of (muni, kind) and the other one, the shadow's: the name checked
 * against its MAC (a writer must not put a shadow over the live list). */
static fk_status slots(fk_ctx *ctx, const char *muni, int kind, int *live, int *shadow, fk_error *err)
{
	char key[64], buf[24];
	fk_error e;
	live_key(key, sizeof key, muni, kind);
	fk_status s = fk_meta_get(ctx, key, buf, sizeof buf, &e);
	*live = kind;
	if (s == FK_OK)
		*live = atoi(buf);
	else if (s != FK_ERR_NOTFOUND)
		return err ? (*err = e, s) : s;
	if (*live != kind && *live != FK_ORDER_SHADOW + kind)
		return fk_fail(err, FK_ERR_CORRUPT, "the sorted list %s/%d names slot %d", muni, kind, *live);
	*shadow = *live == kind ? FK_ORDER_SHADOW + kind : kind;
	return FK_OK;
}

/* The rows of slot stored of muni removed: all (limit 0), or up to limit (a sweep's step),
 * *n counting them when given. */
static fk_status clear_slot(fk_ctx *ctx, const char *muni, int stored, int limit, int64_t *n,
			    fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, limit ? SQL_SWEEP : SQL_SHADOW_CLEAR, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, stored);
	if (limit)
		fk_sql_bind_int(st, 3, limit);
	if ((s = fk_ctx_exec(ctx, st, err, "clearing a sort order")) == FK_OK && n)
		*n += fk_sql_changes(ctx->db);
	return s;
}

fk_status fk_order_shadow_clear(fk_ctx *ctx, const char *muni, int kind, fk_error *err)
{
	int live, shadow;
	fk_status s = shadow_kind_ok(kind, err);
	if (s == FK_OK)
		s = slots(ctx, muni, kind, &live, &shadow, err);
	return s == FK_OK ? clear_slot(ctx, muni, shadow, 0, NULL, err) : s;
}

fk_status fk_order_shadow_write(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
				int64_t pos, const int64_t *ids, size_t n, fk_error *err)
{
	uint8_t mk[FK_KEY_LEN];
	int live;
	list_ref l = {muni, kind, field, 0};
	fk_status s = shadow_kind_ok(kind, err);
	if (s == FK_OK && (pos < 0 || pos % FK_ORDER_CHUNK))
		s = fk_fail(err, FK_ERR_USAGE, "a shadow list is written from a chunk's start");
	if (s == FK_OK)
		s = slots(ctx, muni, kind, &live, &l.stored_kind, err);
	if (s == FK_OK)
		s = muni_key(ctx, muni, mk, err);
	for (size_t i = 0; i < n && s == FK_OK; i += FK_ORDER_CHUNK) {
		int m = n - i < FK_ORDER_CHUNK ? (int)(n - i) : FK_ORDER_CHUNK;
		int64_t k = (pos + (int64_t)i) / FK_ORDER_CHUNK;
		s = write_chunk(ctx, &l, mk, 0, (k + 1) * SEQ_STEP, ids + i, m, err);
	}
	fk_wipe(mk, sizeof mk);
	return s;
}

fk_status fk_order_shadow_count(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
				int64_t *n, fk_error *err)
{
	int64_t want;
	int live;
	list_ref l = {muni, kind, field, 0};
	*n = 0;
	fk_status s = shadow_kind_ok(kind, err);
	if (s == FK_OK)
		s = slots(ctx, muni, kind, &live, &l.stored_kind, err);
	return s == FK_OK ? sums(ctx, &l, n, &want, err) : s;
}

/* Constant-size (issue 10, R-BATCH-ATOMIC): the name of the live slot is switched and the list
 * it leaves marked stale; no list row is written. Rewriting them here held the write lock for
 * 2 s at 1,000,000 registers (about 16 MB of rows through the WAL in one commit). */
fk_status fk_order_shadow_flip(fk_ctx *ctx, const char *muni, int kind, fk_error *err)
{
	char key[64], v[24];
	int live, shadow;
	fk_status s = shadow_kind_ok(kind, err);
	if (s == FK_OK)
		s = slots(ctx, muni, kind, &live, &shadow, err);
	if (s != FK_OK)
		return s;
	live_key(key, sizeof key, muni, kind);
	snprintf(v, sizeof v, "%d", shadow);
	if ((s = fk_meta_set(ctx, key, v, err)) != FK_OK)
		return s;
	/* A list empty before (a municipality's first package) leaves nothing to sweep. */
	fk_stmt *st;
	if ((s = fk_ctx_stmt(ctx, SQL_SLOT_USED, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, live);
	int rc = fk_sql_step(st);
	int used = rc == SQLITE_ROW && fk_sql_column_int(st, 0) > 0;
	fk_sql_reset(st);
	if (rc != SQLITE_ROW)
		return fk_db_fail(ctx->db, rc, err, "reading a sort order");
	snprintf(key, sizeof key, "%s%s", FK_ORDER_STALE_KEY, muni);
	return used ? fk_meta_set(ctx, key, "1", err) : FK_OK;
}

fk_status fk_order_sweep_pending(fk_ctx *ctx, int *pending, fk_error *err)
{
	fk_stmt *st;
	*pending = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_STALE_FIRST, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading meta");
	*pending = rc == SQLITE_ROW;
	return FK_OK;
}

fk_status fk_order_sweep(fk_ctx *ctx, int limit, char *muni, size_t muni_len, int64_t *removed,
			 int *found, fk_error *err)
{
	fk_stmt *st;
	char key[64] = "";
	*removed = 0;
	*found = 0;
	if (muni_len)
		muni[0] = '\0';
	fk_status s = fk_ctx_stmt(ctx, SQL_STALE_FIRST, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		fk_copy_str(key, sizeof key, (const char *)fk_sql_column_text(st, 0));
	fk_sql_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading meta");
	*found = 1;
	const char *m = key + strlen(FK_ORDER_STALE_KEY);
	fk_copy_str(muni, muni_len, m);
	/* While a package stages, the slot beside the live one is its shadow, not a stale list:
	 * staging begins only after the sweep (fk_publish_settle_pending), so a mark found then
	 * was put there behind the terminal's back. */
	int staging = 0;
	if ((s = fk_store_staging(ctx, &staging, err)) == FK_OK && staging)
		s = fk_fail(err, FK_ERR_CORRUPT, "a stale sorted list of %s while a package stages", m);
	for (int k = 1; k <= 2 && s == FK_OK && *removed < limit; k++) {
		int live, shadow;
		if ((s = slots(ctx, m, k, &live, &shadow, err)) == FK_OK)
			s = clear_slot(ctx, m, shadow, limit - (int)*removed, removed, err);
	}
	/* Both stale slots empty: the mark goes, in the step that saw them so. */
	if (s == FK_OK && *removed < limit)
		s = fk_meta_del(ctx, key, NULL, err);
	return s;
}
