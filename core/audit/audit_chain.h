/* The sealed chain of the operation history (R-LOGSEAL): canonical encoding, one-way evolving MAC keys, appending.
 *
 * Each record's mac = HMAC-SHA256(K(epoch), encoding), where the encoding
 * (docs/audit-chain.md) holds every field and the previous record's mac.
 * K(e+1) = HMAC-SHA256(K(e), "evolve"); the key folder keeps only the current
 * K(e) (audit.key), so whoever steals it cannot forge earlier epochs. The
 * administrator keeps K(0) off the terminal, from which verify re-derives all. */
#ifndef FK_AUDIT_CHAIN_H
#define FK_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "ctx.h"
#include "status.h"

enum { FK_CHAIN_LEGACY = 0, FK_CHAIN_RECORD = 1, FK_CHAIN_SEAL = 2 };

#define FK_CHAIN_EPOCH_NS_DEFAULT (3600LL * 1000000000LL)
/* The most epochs the key is ever derived forward in one go (some 120 years
 * of hourly epochs, about a second of HMACs): a forged huge epoch must
 * neither make the key loop for ever nor throw today's key away. */
#define FK_CHAIN_MAX_EPOCH_STEP (INT64_C(1) << 20)
#define FK_CHAIN_K0_NAME "audit-initial-key" /* beside the key folder */

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

/* The history key state kept in <key_dir>/audit.key. */
typedef struct fk_chain_key {
	int64_t epoch, started_ns;
	uint8_t key[FK_KEY_LEN];
} fk_chain_key;

fk_status fk_chain_key_load(const char *key_dir, fk_chain_key *k, fk_error *err);
fk_status fk_chain_key_store(const char *key_dir, const fk_chain_key *k, int excl, fk_error *err);

/* The initial key file for the administrator: written once (0600, never
 * replacing a file), read by verify. */
fk_status fk_chain_k0_write(const char *path, const char *terminal, const uint8_t k0[FK_KEY_LEN],
			    fk_error *err);
fk_status fk_chain_k0_read(const char *path, uint8_t k0[FK_KEY_LEN], fk_error *err);
/* <parent of key_dir>/audit-initial-key, new string. */
char *fk_chain_k0_default_path(const char *key_dir, fk_error *err);

/* fukuhonctl init: audit.key at epoch 0 and the checkpoint signing key; K0
 * stays in ctx->audit_k0 for the caller to hand to the administrator. */
fk_status fk_chain_create_keys(fk_ctx *ctx, fk_error *err);

/* Every open: check the history keys. A database from before the chain
 * (no sealed record yet) gets its keys now, K0 written to the default path. */
fk_status fk_chain_open(fk_ctx *ctx, fk_error *err);

/* What to append. */
typedef struct fk_chain_entry {
	int kind;
	const char *action, *otype, *oid, *result, *reason, *detail;
} fk_chain_entry;

/* Append inside the caller's transaction (ctx->tx_depth > 0): next sequence
 * number, the key brought to the record's epoch (evolving audit.key when the
 * previous record sealed its epoch), the MAC, and a checkpoint when due. */
fk_status fk_chain_append(fk_ctx *ctx, const fk_chain_entry *e, fk_error *err);

/* In a transaction of its own: when the current epoch is older than the
 * epoch length (or force), write its seal record. reason: "hourly", "start", "stop". */
fk_status fk_chain_seal(fk_ctx *ctx, const char *reason, int force, fk_error *err);

/* In a transaction of its own: evolve audit.key past a sealed epoch now, so
 * that the key at rest cannot write into it. */
fk_status fk_chain_advance(fk_ctx *ctx, fk_error *err);

/* Test and benchmark path: append n records in one transaction. */
fk_status fk_chain_fill(fk_ctx *ctx, int64_t n, const char *action, fk_error *err);

#endif
