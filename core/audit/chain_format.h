/* The history's canonical encoding (docs/audit-chain.md), the MAC over it and the key's
 * evolution (R-LOGSEAL): what a record's MAC covers, shared by the chain that writes records,
 * the verification that re-derives them and the checkpoint statement that signs the end. */
#ifndef FK_CHAIN_FORMAT_H
#define FK_CHAIN_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "status.h"

enum { FK_CHAIN_LEGACY = 0, FK_CHAIN_RECORD = 1, FK_CHAIN_SEAL = 2 };

/* The text fields, in encoding order. */
enum {
	FK_CF_TERMINAL, FK_CF_TTY, FK_CF_SESSION, FK_CF_OPERATOR, FK_CF_ROLE, FK_CF_ACTION,
	FK_CF_OTYPE, FK_CF_OID, FK_CF_RESULT, FK_CF_REASON, FK_CF_COUNT
};

/* One record as the MAC sees it. detail is the sealed blob as stored (NULL: none). */
typedef struct fk_chain_rec {
	int64_t seq, kind, epoch, ts_ns, mono_ns, clock_synced, pid;
	const char *text[FK_CF_COUNT];
	size_t len[FK_CF_COUNT];
	const uint8_t *detail;
	size_t detail_len;
	/* The sealed rows the record's operation changed (core/trust: fk_trust_take_refs);
	 * NULL: none. A record with references is encoded as format 2. */
	const char *refs;
	size_t refs_len;
	uint8_t prev_mac[FK_MAC_LEN];
} fk_chain_rec;

/* Canonical encoding into buf (cap bytes); returns the length it needs, so
 * a return > cap means nothing usable was written. */
size_t fk_chain_encode(const fk_chain_rec *r, uint8_t *buf, size_t cap);

/* Encoding helpers shared with the checkpoint statement: write at buf+at
 * what fits below cap, return the position after the field. */
size_t fk_chain_put_i64(uint8_t *buf, size_t at, size_t cap, int64_t v);
size_t fk_chain_put_bytes(uint8_t *buf, size_t at, size_t cap, const void *p, size_t n, int null);

/* Associated data sealing a record's detail: "fk:audit:<seq>". */
void fk_chain_detail_aad(int64_t seq, char *buf, size_t len);

/* mac = HMAC-SHA256(key, encoding of r). */
fk_status fk_chain_mac(const uint8_t key[FK_KEY_LEN], const fk_chain_rec *r,
		       uint8_t mac[FK_MAC_LEN], fk_error *err);

/* K := HMAC-SHA256(K, "evolve") in place. */
fk_status fk_chain_evolve(uint8_t key[FK_KEY_LEN], fk_error *err);

#endif
