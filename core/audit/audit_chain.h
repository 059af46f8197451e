/* The sealed chain of the operation history (R-LOGSEAL): its keys made and checked, appending, sealing.
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

#include "chain_format.h" /* the encoding, and */
#include "chain_keys.h"   /* the key files, which the chain's users take with it */
#include "crypto.h"
#include "ctx.h"
#include "status.h"

#define FK_CHAIN_EPOCH_NS_DEFAULT (3600LL * 1000000000LL)
/* The most epochs the key is ever derived forward in one go (some 120 years
 * of hourly epochs, about a second of HMACs): a forged huge epoch must
 * neither make the key loop for ever nor throw today's key away. */
#define FK_CHAIN_MAX_EPOCH_STEP (INT64_C(1) << 20)

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
