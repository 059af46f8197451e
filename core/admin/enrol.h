/* Enrolling a terminal into its bureau's shared store (issue 14; R-KEYS, R-MUTUAL, R-TAKEOUT,
 * R-LOG): the bureau's shared keys exported from a terminal to the new terminal's certificate,
 * and imported there beside keys of the new terminal's own.
 *
 * Shared (the same at every terminal of one store): master-NNNNNNNN.key (what the data keys
 * are wrapped under), index.key (the search tags), trust.key (row MACs, table digests, the
 * anchor's MAC). Each terminal's own, never exported: audit.key and K0 (its history chain),
 * audit-sign.key (its checkpoints), trust.anchor and the counters beside it (print.seq, …),
 * credentials/, receiver/ and store/ (its TLS client key). docs/deployment.md §10.
 *
 * The package: CMS AuthEnvelopedData (AES-256-GCM, RSA-OAEP) to the new terminal's TLS client
 * certificate, around SignedData by the exporting terminal's TLS client key (the certificate
 * the bureau's terminals CA issued it and the store already authenticates it by; the
 * checkpoint key is a raw Ed25519 key of the history, with no certificate to name it by). The
 * signed content names both certificates' fingerprints and an expiry, so that it cannot be
 * re-addressed to another terminal nor imported late. */
#ifndef FK_ENROL_H
#define FK_ENROL_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

/* In the key folder: the terminal's TLS client certificate and key for the store
 * (docs/deployment.md §10), the default signer (export) and recipient (import). */
#define FK_ENROL_CERT_DEFAULT "store/client.crt"
#define FK_ENROL_KEY_DEFAULT "store/client.key"
#define FK_ENROL_MIN_RSA_BITS 2048
#define FK_ENROL_MAX_VALID (7 * 86400) /* seconds */

typedef struct fk_enrol_export {
	const char *for_cert;    /* the new terminal's certificate (PEM) */
	const char *signer_cert; /* this terminal's certificate and key (PEM; NULL: the defaults) */
	const char *signer_key;
	const char *out;   /* the new file (0600, never replacing one) */
	int64_t valid_s;   /* how long the package may be imported: 1 s .. FK_ENROL_MAX_VALID */
} fk_enrol_export;

/* What the operation was about, for its caller to say (no key material). */
typedef struct fk_enrol_result {
	int files;          /* shared key files carried */
	char subject[256];  /* the other terminal's certificate's subject, one line */
	char sha256[65];    /* its SHA-256 fingerprint */
	char terminal[64];  /* import: the exporting terminal's id */
	int64_t expires;    /* the package's end, seconds since the epoch */
	char k0[1024];      /* import: where the history initial key was written */
} fk_enrol_result;

/* Administrators: write the shared keys for the terminal of x->for_cert into x->out. The
 * certificate must be valid now, an end entity's, for TLS client authentication, with an RSA
 * key of at least FK_ENROL_MIN_RSA_BITS (FK_ERR_INVALID otherwise, nothing written). Recorded
 * as key.export with the recipient's subject and fingerprint. */
fk_status fk_key_export(fk_ctx *ctx, const fk_enrol_export *x, fk_enrol_result *res, fk_error *err);

typedef struct fk_enrol_pkg fk_enrol_pkg;

/* Open file as this terminal (my_cert, my_key: PEM; the key 0600) from the terminal of
 * from_cert, at now_s: signed by exactly from_cert (valid now), addressed to my_cert, not
 * expired, carrying only shared key files. Nothing is written. FK_ERR_INVALID (or CORRUPT)
 * with one line saying why otherwise. */
fk_status fk_key_import_open(const char *file, const char *from_cert, const char *my_cert,
			     const char *my_key, int64_t now_s, fk_enrol_pkg **out, fk_error *err);

/* Write the shared keys into the configuration's key folder (made 0700 when missing; refused,
 * FK_ERR_EXISTS, when it holds any file), make this terminal's own history keys (K0 written
 * to k0_path for the administrator, as init does) and its anchor from the store as found,
 * every sealed row checked under the shared trust key. On failure, what was written is
 * removed again. */
fk_status fk_key_import_install(fk_enrol_pkg *p, const char *config_path, const char *k0_path,
				fk_error *err);

/* Administrators, on the store now open with the imported keys: record key.import (the
 * exporter's subject, fingerprint and terminal). */
fk_status fk_key_import_record(fk_ctx *ctx, const fk_enrol_pkg *p, fk_error *err);

/* Remove what fk_key_import_install wrote (the record could not be made). */
void fk_key_import_undo(fk_enrol_pkg *p);

const fk_enrol_result *fk_key_import_info(const fk_enrol_pkg *p);

/* Each shared key file of an opened package (name, bytes), in the package's order; the first
 * failure of fn ends the walk and is returned. For the update of an enrolled terminal
 * (keyupdate.h). */
typedef fk_status (*fk_enrol_entry_fn)(void *arg, const char *name, const uint8_t *d, size_t n,
				       fk_error *err);
fk_status fk_enrol_pkg_each(fk_enrol_pkg *p, fk_enrol_entry_fn fn, void *arg, fk_error *err);
/* Wipe the keys held and free. NULL is fine. */
void fk_enrol_pkg_free(fk_enrol_pkg *p);

#endif
