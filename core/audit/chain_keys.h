/* The history's key files (R-LOGSEAL, R-KEYS): audit.key in the key folder, holding the current
 * K(epoch), and the initial key K0 the administrator keeps off the terminal. */
#ifndef FK_CHAIN_KEYS_H
#define FK_CHAIN_KEYS_H

#include <stdint.h>

#include "crypto.h"
#include "status.h"

#define FK_CHAIN_K0_NAME "audit-initial-key" /* beside the key folder */

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
/* The same, and the terminal the file names (its chain on a shared store). */
fk_status fk_chain_k0_read_for(const char *path, uint8_t k0[FK_KEY_LEN], char *terminal, size_t n,
			       fk_error *err);
/* <parent of key_dir>/audit-initial-key, new string. */
char *fk_chain_k0_default_path(const char *key_dir, fk_error *err);

#endif
