/* The index key's check value (R-KEYS): proof that index.key is the key this terminal's search
 * index was built with.
 *
 * The search index holds HMACs of normalised names under the index key (store.c). Another valid
 * key put in its place (a key folder restored from the wrong backup, or from another terminal)
 * opens without complaint, and every search then finds nothing or the wrong rows. So the
 * terminal keeps, in the meta row FK_META_INDEX_CHECK, HMAC-SHA256(index key,
 * "fukuhon index key check v1" || terminal id), written when the terminal is created (or, for a
 * terminal from before the check, at its next start, on record) and compared in constant time
 * at every open and by `audit verify`.
 *
 * An attacker who can write the database but not the key folder cannot make a wrong key pass:
 * the row is sealed (core/trust), so it cannot be changed, and counted in the meta table's
 * anchored digest, so removing it (to pass for a terminal from before the check) makes the
 * database fail its check at open. */
#ifndef FK_INDEXKEY_H
#define FK_INDEXKEY_H

#include <stdint.h>

#include "crypto.h"
#include "ctx.h"
#include "status.h"

#define FK_META_INDEX_CHECK "index_key_check"

/* The check value of index key key for the terminal terminal_id. */
fk_status fk_indexkey_value(const uint8_t key[FK_KEY_LEN], const char *terminal_id,
			    uint8_t out[FK_MAC_LEN], fk_error *err);

/* The loaded index key against the stored check value (its row checked against its MAC):
 * FK_OK when it is the key; FK_ERR_NOTFOUND when the terminal has no check value;
 * FK_ERR_TAMPER, naming index.key, when it is another key. */
fk_status fk_indexkey_check(fk_ctx *ctx, fk_error *err);

/* In a write transaction: store the check value of the loaded index key (the caller records
 * it). First the key is tried on the search index as it stands: when registers are indexed
 * and none of their tags is found under this key, it is refused like a mismatch, so that a
 * terminal from before the check does not adopt a key its index was not built with. */
fk_status fk_indexkey_record(fk_ctx *ctx, fk_error *err);

#endif
