/* Data-encryption keys: one per register and per municipality, wrapped by a master key. */
#ifndef FK_DATAKEY_H
#define FK_DATAKEY_H

#include <stdint.h>

#include "crypto.h"
#include "ctx.h"
#include "status.h"

/* Generate a data key, store it wrapped under the current master key, return
 * its id and the clear key (the caller wipes it). Inside a transaction. */
fk_status fk_datakey_new(fk_ctx *ctx, int64_t *id, uint8_t dk[FK_KEY_LEN], fk_error *err);

/* The two halves of fk_datakey_new, for bulk loads that seal on another
 * thread: reserve n consecutive ids in the current transaction, make and wrap
 * a key for one of them (no database access: thread-safe), insert it. */
fk_status fk_datakey_reserve(fk_ctx *ctx, int64_t n, int64_t *first, fk_error *err);
fk_status fk_datakey_make(const fk_keyring *keys, int64_t id, uint8_t dk[FK_KEY_LEN],
			  uint8_t wrapped[FK_WRAPPED_LEN], uint32_t *kek, fk_error *err);
fk_status fk_datakey_insert(fk_ctx *ctx, int64_t id, uint32_t kek,
			    const uint8_t wrapped[FK_WRAPPED_LEN], fk_error *err);

/* Unwrap data key id. FK_ERR_NOTFOUND if destroyed or absent; reloads the
 * keyring once when the master key is not held (rotated by another process). */
fk_status fk_datakey_get(fk_ctx *ctx, int64_t id, uint8_t dk[FK_KEY_LEN], fk_error *err);

/* A page's data keys (a page's rows mostly share their municipality's key), each unwrapped
 * once and reused only for the very bytes it was unwrapped from, as read again with each row,
 * so a key destroyed (its wrapped bytes gone) or replaced is never served from here. Zeroed
 * to start; fk_datakey_memo_wipe when the page is read. */
typedef struct fk_datakey_memo {
	int valid;
	int64_t id;
	uint32_t kek;
	uint8_t wrapped[FK_WRAPPED_LEN];
	uint8_t dk[FK_KEY_LEN];
} fk_datakey_memo;
void fk_datakey_memo_wipe(fk_datakey_memo *m);

/* Data key id from the data_key row joined to a page's row, in st's columns from first (id,
 * kek_id, wrapped; id NULL: no such key): *dk points into m. Refusals as fk_datakey_get's. */
fk_status fk_datakey_of_row(fk_ctx *ctx, fk_stmt *st, int first, int64_t id, fk_datakey_memo *m,
			    const uint8_t **dk, fk_error *err);

/* The same for a data_key row a caller read itself (kek_id, wrapped; wrapped NULL: destroyed),
 * e.g. joined to the registers of a page so that the page is one statement (issue 14). */
fk_status fk_datakey_unwrap(fk_ctx *ctx, int64_t id, uint32_t kek, const void *wrapped, size_t n,
			    uint8_t dk[FK_KEY_LEN], fk_error *err);

/* The id of a municipality's key (0: none made yet), from its row checked against its MAC;
 * FK_ERR_NOTFOUND for an unknown code. Nothing is made or unwrapped. */
fk_status fk_datakey_municipality_id(fk_ctx *ctx, const char *code, int64_t *id, fk_error *err);

/* The key of a municipality's ledger and documents (created on first use). */
fk_status fk_datakey_municipality(fk_ctx *ctx, const char *code, int64_t *id,
				  uint8_t dk[FK_KEY_LEN], fk_error *err);

/* Load the terminal's own data key (operator names, history details) into ctx, from the
 * key id meta names. */
/* *gone: 1 when data key id was destroyed (crypto-erased: its wrapping is gone), 0 when it
 * is held or unknown. */
fk_status fk_datakey_destroyed(fk_ctx *ctx, int64_t id, int *gone, fk_error *err);

/* A fresh data key for the municipality code, its row re-sealed naming it (a municipality
 * re-opened after its disposal: core/admin/reopen.h). *id gets the new key's id. */
fk_status fk_datakey_municipality_renew(fk_ctx *ctx, const char *code, int64_t *id, fk_error *err);

fk_status fk_datakey_terminal(fk_ctx *ctx, fk_error *err);

#endif
