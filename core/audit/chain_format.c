/* The history's canonical encoding (docs/audit-chain.md), the MAC over it and the key's evolution (R-LOGSEAL). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_format.h"
#include "util.h"

/* ---- canonical encoding (docs/audit-chain.md) ------------------------------ */

static const uint8_t ENC_MAGIC[8] = {'F', 'K', 'A', 'U', 'D', 'I', 'T', '1'};
/* Format 2: a record that names the sealed rows its operation changed. */
static const uint8_t ENC_MAGIC2[8] = {'F', 'K', 'A', 'U', 'D', 'I', 'T', '2'};
#define NULL_LEN 0xFFFFFFFFu

/* n bytes at buf+at, or what of them fits below cap. The whole-copy case
 * comes first: verify encodes every record, a million at a time. */
static void put_fit(uint8_t *buf, size_t at, size_t cap, const uint8_t *p, size_t n)
{
	if (at <= cap && n <= cap - at) {
		memcpy(buf + at, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (at + i < cap)
			buf[at + i] = p[i];
}

size_t fk_chain_put_i64(uint8_t *buf, size_t at, size_t cap, int64_t v)
{
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
	put_fit(buf, at, cap, be, sizeof be);
	return at + 8;
}

size_t fk_chain_put_bytes(uint8_t *buf, size_t at, size_t cap, const void *p, size_t n, int null)
{
	uint32_t len = null ? NULL_LEN : (uint32_t)n;
	const uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	put_fit(buf, at, cap, be, sizeof be);
	at += 4;
	if (!null && n && at + n <= cap)
		memcpy(buf + at, p, n);
	return at + (null ? 0 : n);
}

size_t fk_chain_encode(const fk_chain_rec *r, uint8_t *buf, size_t cap)
{
	size_t at = 0;
	if (cap >= sizeof ENC_MAGIC)
		memcpy(buf, r->refs ? ENC_MAGIC2 : ENC_MAGIC, sizeof ENC_MAGIC);
	at += sizeof ENC_MAGIC;
	const int64_t nums[] = {r->seq, r->kind, r->epoch, r->ts_ns, r->mono_ns, r->clock_synced, r->pid};
	for (size_t i = 0; i < FK_ARRAY_LEN(nums); i++)
		at = fk_chain_put_i64(buf, at, cap, nums[i]);
	for (int i = 0; i < FK_CF_COUNT; i++)
		at = fk_chain_put_bytes(buf, at, cap, r->text[i], r->len[i], 0);
	at = fk_chain_put_bytes(buf, at, cap, r->detail, r->detail_len, r->detail == NULL);
	if (r->refs)
		at = fk_chain_put_bytes(buf, at, cap, r->refs, r->refs_len, 0);
	if (at + FK_MAC_LEN <= cap)
		memcpy(buf + at, r->prev_mac, FK_MAC_LEN);
	return at + FK_MAC_LEN;
}

fk_status fk_chain_mac(const uint8_t key[FK_KEY_LEN], const fk_chain_rec *r,
		       uint8_t mac[FK_MAC_LEN], fk_error *err)
{
	uint8_t stackbuf[2048], *buf = stackbuf;
	size_t n = fk_chain_encode(r, buf, sizeof stackbuf);
	if (n > sizeof stackbuf) {
		if (!(buf = malloc(n)))
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		fk_chain_encode(r, buf, n);
	}
	fk_status st = fk_hmac(key, buf, n, mac, err);
	if (buf != stackbuf)
		free(buf);
	return st;
}

fk_status fk_chain_evolve(uint8_t key[FK_KEY_LEN], fk_error *err)
{
	uint8_t next[FK_MAC_LEN];
	fk_status st = fk_hmac(key, "evolve", 6, next, err);
	if (st == FK_OK)
		memcpy(key, next, FK_KEY_LEN);
	fk_wipe(next, sizeof next);
	return st;
}

void fk_chain_detail_aad(int64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "fk:audit:%lld", (long long)seq);
}
