/* Ed25519-signed checkpoints of the operation history (R-LOGSEAL): proof of how far it reached.
 *
 * A checkpoint states (terminal, seq, epoch, head MAC, time), signed with the
 * terminal's checkpoint key (<key_dir>/audit-sign.key; public key exported
 * beside the folder as audit-sign.pub). One is written every
 * audit_checkpoint_records records or audit_checkpoint_minutes minutes and at
 * every program stop; a copy kept elsewhere proves nothing was cut off the end. */
#ifndef FK_CHECKPOINT_H
#define FK_CHECKPOINT_H

#include <stdint.h>

#include "crypto.h"
#include "ctx.h"
#include "status.h"

#define FK_SIG_LEN 64
#define FK_PUB_LEN 32
#define FK_CHECKPOINT_PUB_NAME "audit-sign.pub" /* beside the key folder */

typedef struct fk_checkpoint {
	char terminal[64];
	int64_t seq, epoch, ts_ns;
	uint8_t head_mac[FK_MAC_LEN];
	uint8_t signature[FK_SIG_LEN];
	uint8_t public_key[FK_PUB_LEN]; /* filled by import and by fk_checkpoint_latest */
} fk_checkpoint;

/* Create audit-sign.key (refusing to replace one) and write the public key file. */
fk_status fk_checkpoint_create_key(const char *key_dir, fk_error *err);
/* Check that the signing key is present and sound. */
fk_status fk_checkpoint_check_key(const char *key_dir, fk_error *err);
/* The terminal's checkpoint public key, from the signing key. */
fk_status fk_checkpoint_public_key(const char *key_dir, uint8_t pub[FK_PUB_LEN], fk_error *err);

/* Inside the append transaction: write a checkpoint for (seq, epoch, mac)
 * when one is due, or always with force. */
fk_status fk_checkpoint_maybe(fk_ctx *ctx, int64_t seq, int64_t epoch, const uint8_t mac[FK_MAC_LEN],
			      int64_t now, int force, fk_error *err);

/* A checkpoint of the newest record: the newest stored one when it covers
 * it, else a new one (written and stored). FK_ERR_NOTFOUND before the first
 * sealed record. */
fk_status fk_checkpoint_fresh(fk_ctx *ctx, fk_checkpoint *cp, fk_error *err);

/* The newest stored checkpoint; *found 0 when there is none. */
fk_status fk_checkpoint_latest(fk_ctx *ctx, fk_checkpoint *cp, int *found, fk_error *err);

/* Every stored checkpoint, oldest first; fn returning non-zero stops. */
typedef int (*fk_checkpoint_fn)(const fk_checkpoint *cp, void *arg);
fk_status fk_checkpoint_each(fk_ctx *ctx, fk_checkpoint_fn fn, void *arg, fk_error *err);

/* FK_OK when the signature of cp is valid under pub, else FK_ERR_TAMPER. */
fk_status fk_checkpoint_check(const fk_checkpoint *cp, const uint8_t pub[FK_PUB_LEN], fk_error *err);

/* A checkpoint file (JSON) for keeping elsewhere: written new (0600), read back. */
fk_status fk_checkpoint_export(const fk_checkpoint *cp, const char *path, fk_error *err);
fk_status fk_checkpoint_import(const char *path, fk_checkpoint *cp, fk_error *err);

/* Sign data (a statement starting with its own label) with the checkpoint key, the terminal's
 * one signing key another terminal can check (by pub); and check such a signature. */
fk_status fk_checkpoint_sign_blob(const char *key_dir, const uint8_t *data, size_t n,
				  uint8_t sig[FK_SIG_LEN], uint8_t pub[FK_PUB_LEN], fk_error *err);
fk_status fk_checkpoint_verify_blob(const uint8_t pub[FK_PUB_LEN], const uint8_t *data, size_t n,
				    const uint8_t sig[FK_SIG_LEN], fk_error *err);

#endif
