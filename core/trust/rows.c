/* Row MACs and table digests: the encoding, the arithmetic and the SQL of every sealed table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

struct table_def {
	const char *name, *key, *sql_one, *sql_all, *sql_mac;
	int ncols, small;
};

/* Columns in a list: one more than its commas (the lists are fixed text). */
static int count_cols(const char *cols)
{
	int n = 1;
	for (; *cols; cols++)
		n += *cols == ',';
	return n;
}

static struct table_def defs[FK_T_COUNT] = {
#define FK_TABLE_DEF(id, name, key, cols, small)                                              \
	[FK_T_##id] = {name, key, "SELECT " cols ", mac FROM " name " WHERE " key " = ?1",       \
		       "SELECT " cols ", mac FROM " name " ORDER BY " key,                      \
		       "UPDATE " name " SET mac = ?2 WHERE " key " = ?1", 0, small},
	FK_SEALED_TABLES(FK_TABLE_DEF)
#undef FK_TABLE_DEF
};

static const char *const col_lists[FK_T_COUNT] = {
#define FK_TABLE_COLS(id, name, key, cols, small) [FK_T_##id] = cols,
	FK_SEALED_TABLES(FK_TABLE_COLS)
#undef FK_TABLE_COLS
};

static const struct table_def *def(fk_table t)
{
	struct table_def *d = &defs[(unsigned)t < FK_T_COUNT ? t : 0];
	if (!d->ncols) /* counted once; the lists never change */
		d->ncols = count_cols(col_lists[(unsigned)t < FK_T_COUNT ? t : 0]);
	return d;
}

const char *fk_table_name(fk_table t)
{
	return (unsigned)t < FK_T_COUNT ? defs[t].name : "?";
}

int fk_table_small(fk_table t)
{
	return def(t)->small;
}

int fk_table_ncols(fk_table t)
{
	return def(t)->ncols;
}

const char *fk_table_sql_one(fk_table t)
{
	return def(t)->sql_one;
}

const char *fk_table_sql_all(fk_table t)
{
	return def(t)->sql_all;
}

const char *fk_table_sql_mac(fk_table t)
{
	return def(t)->sql_mac;
}

/* ---- digests ---- */

void fk_digest_add(fk_digest *d, const uint8_t c[FK_MAC_LEN])
{
	unsigned carry = 0;
	for (int i = 0; i < FK_MAC_LEN; i++) {
		unsigned v = (unsigned)d->sum[i] + c[i] + carry;
		d->sum[i] = (uint8_t)v;
		carry = v >> 8;
	}
	d->count++;
}

void fk_digest_sub(fk_digest *d, const uint8_t c[FK_MAC_LEN])
{
	unsigned borrow = 0;
	for (int i = 0; i < FK_MAC_LEN; i++) {
		unsigned v = (unsigned)d->sum[i] - c[i] - borrow;
		d->sum[i] = (uint8_t)v;
		borrow = (v >> 8) & 1;
	}
	d->count--;
}

int fk_digest_equal(const fk_digest *a, const fk_digest *b)
{
	return a->count == b->count && fk_memeq_ct(a->sum, b->sum, FK_MAC_LEN) == 0;
}

/* ---- keys ---- */

fk_status fk_rowkeys_init(fk_rowkeys *k, const uint8_t trust_key[FK_KEY_LEN], fk_error *err)
{
	uint8_t rk[FK_MAC_LEN], dk[FK_MAC_LEN], sk[FK_MAC_LEN];
	memset(k, 0, sizeof *k);
	/* Separate keys for the three uses, derived from the one in the key folder. */
	fk_status st = fk_hmac(trust_key, "fk:row-mac", 10, rk, err);
	if (st == FK_OK)
		st = fk_hmac(trust_key, "fk:row-digest", 13, dk, err);
	if (st == FK_OK)
		st = fk_hmac(trust_key, "fk:secret-hash", 14, sk, err);
	if (st == FK_OK)
		st = fk_mac_new(rk, &k->row, err);
	if (st == FK_OK)
		st = fk_mac_new(dk, &k->digest, err);
	if (st == FK_OK)
		st = fk_mac_new(sk, &k->secret, err);
	fk_wipe(rk, sizeof rk);
	fk_wipe(dk, sizeof dk);
	fk_wipe(sk, sizeof sk);
	if (st != FK_OK)
		fk_rowkeys_free(k);
	return st;
}

void fk_rowkeys_free(fk_rowkeys *k)
{
	fk_mac_free(k->row);
	fk_mac_free(k->digest);
	fk_mac_free(k->secret);
	k->row = k->digest = k->secret = NULL;
}

/* ---- the encoding ---- */

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* type | value: an integer as 8 bytes, text and blobs length-prefixed, NULL as its type
 * alone, so that no two different rows encode alike. */
static fk_status mac_val(fk_mac *m, const fk_val *v, fk_error *err)
{
	uint8_t head[9];
	head[0] = (uint8_t)v->type;
	size_t hn = 1;
	if (v->type == SQLITE_INTEGER) {
		put_be(head + 1, (uint64_t)v->i, 8);
		hn = 9;
	} else if (v->type == SQLITE_TEXT || v->type == SQLITE_BLOB) {
		put_be(head + 1, (uint64_t)v->n, 4);
		hn = 5;
	} else if (v->type != SQLITE_NULL) {
		return fk_fail(err, FK_ERR_CORRUPT, "a sealed column holds a value of type %d", v->type);
	}
	fk_status st = fk_mac_update(m, head, hn, err);
	if (st == FK_OK && (v->type == SQLITE_TEXT || v->type == SQLITE_BLOB))
		st = fk_mac_update(m, v->p, v->n, err);
	return st;
}

/* The encoding of v[0..n-1] (mac_val's bytes) into buf; 0 when it does not fit or a value
 * has a type mac_val refuses (then the caller goes value by value). */
static size_t encode_vals(const fk_val *v, int n, uint8_t *buf, size_t cap)
{
	size_t at = 0;
	for (int i = 0; i < n; i++) {
		int ty = v[i].type;
		size_t hn = ty == SQLITE_INTEGER ? 9 : ty == SQLITE_TEXT || ty == SQLITE_BLOB ? 5 : 1;
		size_t dn = hn == 5 ? v[i].n : 0;
		if ((ty != SQLITE_NULL && hn == 1) || hn + dn > cap - at)
			return 0;
		buf[at] = (uint8_t)ty;
		if (hn == 9)
			put_be(buf + at + 1, (uint64_t)v[i].i, 8);
		else if (hn == 5)
			put_be(buf + at + 1, (uint64_t)v[i].n, 4);
		if (dn)
			memcpy(buf + at + hn, v[i].p, dn);
		at += hn + dn;
	}
	return at;
}

size_t fk_row_bytes(fk_table t, const fk_val *v, uint8_t *buf, size_t cap)
{
	if (cap < 2)
		return 0;
	buf[0] = (uint8_t)t;
	size_t n = encode_vals(v, def(t)->ncols + 1, buf + 1, cap - 1);
	return n ? 1 + n : 0;
}

fk_status fk_row_mac(fk_rowkeys *k, fk_table t, const fk_val *v, uint8_t mac[FK_MAC_LEN],
		     fk_error *err)
{
	const struct table_def *d = def(t);
	/* The whole row in one update where it fits (rows of the sealed tables are a few hundred
	 * bytes): through EVP, two calls a column cost more than hashing the row. The bytes
	 * MAC'd are the same either way; they are the row as the database holds it (nothing
	 * secret to wipe). */
	uint8_t buf[2048];
	memcpy(buf, "fk:row:1", 8);
	buf[8] = (uint8_t)t;
	buf[9] = (uint8_t)d->ncols;
	size_t n = encode_vals(v, d->ncols, buf + 10, sizeof buf - 10);
	fk_status st = fk_mac_begin(k->row, err);
	if (st == FK_OK)
		st = fk_mac_update(k->row, buf, n ? 10 + n : 10, err);
	for (int i = 0; st == FK_OK && !n && i < d->ncols; i++)
		st = mac_val(k->row, &v[i], err);
	return st == FK_OK ? fk_mac_final(k->row, mac, err) : st;
}

fk_status fk_secret_hash(fk_rowkeys *k, const char *label, const uint8_t *secret, size_t n,
			 uint8_t out[FK_MAC_LEN], fk_error *err)
{
	/* The label length-prefixed, so that no label and secret run into another pair. */
	uint8_t head[4];
	size_t ln = strlen(label);
	put_be(head, (uint64_t)ln, 4);
	fk_status st = fk_mac_begin(k->secret, err);
	if (st == FK_OK)
		st = fk_mac_update(k->secret, "fk:secret:1", 11, err);
	if (st == FK_OK)
		st = fk_mac_update(k->secret, head, sizeof head, err);
	if (st == FK_OK)
		st = fk_mac_update(k->secret, label, ln, err);
	if (st == FK_OK)
		st = fk_mac_update(k->secret, secret, n, err);
	return st == FK_OK ? fk_mac_final(k->secret, out, err) : st;
}

fk_status fk_row_contribution(fk_rowkeys *k, fk_table t, const uint8_t mac[FK_MAC_LEN],
			      uint8_t c[FK_MAC_LEN], fk_error *err)
{
	uint8_t in[1 + FK_MAC_LEN];
	in[0] = (uint8_t)t;
	memcpy(in + 1, mac, FK_MAC_LEN);
	return fk_mac_run(k->digest, in, sizeof in, c, err);
}

void fk_row_vals(fk_stmt *st, int first, int ncols, fk_val *v)
{
	for (int i = 0; i < ncols; i++) {
		int c = first + i;
		v[i].type = fk_sql_column_type(st, c);
		v[i].i = 0;
		v[i].p = NULL;
		v[i].n = 0;
		switch (v[i].type) {
		case SQLITE_INTEGER:
			v[i].i = fk_sql_column_int64(st, c);
			break;
		case SQLITE_TEXT:
			v[i].p = fk_sql_column_text(st, c);
			v[i].n = (size_t)fk_sql_column_bytes(st, c);
			break;
		case SQLITE_BLOB:
			v[i].p = fk_sql_column_blob(st, c);
			v[i].n = (size_t)fk_sql_column_bytes(st, c);
			break;
		default:
			break;
		}
	}
}

void fk_row_describe(fk_table t, const fk_val *key, char *buf, size_t len)
{
	const struct table_def *d = def(t);
	if (key->type == SQLITE_INTEGER)
		snprintf(buf, len, "%s row %s=%lld", d->name, d->key, (long long)key->i);
	else if (key->type == SQLITE_TEXT)
		snprintf(buf, len, "%s row %s=%.*s", d->name, d->key, (int)(key->n > 72 ? 72 : key->n),
			 (const char *)key->p);
	else
		snprintf(buf, len, "%s row with a %s of type %d", d->name, d->key, key->type);
}
