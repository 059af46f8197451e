/* The key folder: master keys (key-encryption keys) and the blind-index key (R-KEYS).
 *
 * Layout of the folder (mode 0700, owned by the effective user):
 *   master-NNNNNNNN.key   one per master key id (decimal, 8 digits), mode 0600
 *   index.key             HMAC key of the blind indexes, mode 0600
 *   audit.key             the history's evolving MAC key and its epoch (audit_chain.h)
 *   audit-sign.key        the Ed25519 key that signs history checkpoints (checkpoint.h)
 *   trust.key             the MAC key of the sealed rows and of the anchor (core/trust)
 *   trust.anchor          the history's end and the tables' digests as last written (anchor.h)
 * The current master key is the one with the highest id. Files hold a small
 * header (magic, type, id), the 32-byte key and a checksum, so a truncated
 * or damaged file is refused with a clear message. */
#ifndef FK_KEYS_H
#define FK_KEYS_H

#include <stdint.h>

#include "crypto.h"
#include "status.h"

#define FK_AUDIT_KEY_NAME "audit.key"
#define FK_AUDIT_SIGN_NAME "audit-sign.key"
#define FK_TRUST_KEY_FILE "trust.key" /* row MACs and the anchor (core/trust) */

/* A data key wrapped (sealed) under a master key. */
#define FK_WRAPPED_LEN (FK_KEY_LEN + FK_SEAL_OVERHEAD)

typedef struct fk_keyring fk_keyring;

/* Create the folder (0700) with master key 1 and an index key. Refuses when
 * the folder already holds keys (FK_ERR_EXISTS). */
fk_status fk_keys_create(const char *dir, fk_error *err);

/* Load every key of the folder. Refuses (FK_ERR_KEYPERM) a folder or file
 * that group or others can access, is not owned by the effective user, or is
 * not a regular file/directory (symlinks refused); FK_ERR_NOKEY when the
 * folder, the index key or every master key is missing; FK_ERR_CORRUPT for a
 * damaged file. */
fk_status fk_keys_open(const char *dir, fk_keyring **out, fk_error *err);

/* Re-read the folder (after another process rotated the master key). FK_ERR_TAMPER when
 * index.key is no longer the key loaded (the keys in memory stay as they were). */
fk_status fk_keys_reload(fk_keyring *kr, fk_error *err);

/* Wipe every key and free. NULL is fine. */
void fk_keys_close(fk_keyring *kr);

const char *fk_keys_dir(const fk_keyring *kr);
uint32_t fk_keys_current_id(const fk_keyring *kr);
/* NULL when the keyring does not hold that master key. */
const uint8_t *fk_keys_master(const fk_keyring *kr, uint32_t id);
const uint8_t *fk_keys_index(const fk_keyring *kr);

/* Wrap dk under the current master key, bound to key_row (the data key's row
 * id) as associated data. out gets FK_WRAPPED_LEN bytes; *kek_id the master id. */
fk_status fk_keys_wrap(const fk_keyring *kr, int64_t key_row, const uint8_t dk[FK_KEY_LEN],
		       uint8_t out[FK_WRAPPED_LEN], uint32_t *kek_id, fk_error *err);

/* Unwrap; FK_ERR_NOKEY when master key kek_id is not held, FK_ERR_TAMPER when
 * the wrapped key was altered or belongs to another row. */
fk_status fk_keys_unwrap(const fk_keyring *kr, uint32_t kek_id, int64_t key_row,
			 const uint8_t *wrapped, size_t len, uint8_t dk[FK_KEY_LEN],
			 fk_error *err);

/* Rotation, step 1: write master key current+1 (0600, fsync'd file and
 * folder) and make it current in kr. */
fk_status fk_keys_add_master(fk_keyring *kr, fk_error *err);

/* Rotation, last step: overwrite and remove master key id from the folder and
 * from kr. Refuses to remove the current key. */
fk_status fk_keys_retire_master(fk_keyring *kr, uint32_t id, fk_error *err);

/* Number of master keys held, and the id of the i-th (ascending). */
unsigned fk_keys_master_count(const fk_keyring *kr);
uint32_t fk_keys_master_id_at(const fk_keyring *kr, unsigned i);

#endif
