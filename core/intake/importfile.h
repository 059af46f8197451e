/* Importing a package file (`fukuhonctl import`) or a request body (the receiving service):
 * opened and its signature checked (pkgfile.h), imported by the engine (import.h), the
 * receipt signed (R-MUTUAL, R-INTRANSIT, R-BATCH-PROTO; docs/import.md). */
#ifndef FK_INTAKE_IMPORTFILE_H
#define FK_INTAKE_IMPORTFILE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "cms.h"
#include "ctx.h"
#include "import.h"
#include "pkgfile.h"
#include "status.h"

/* What opening and answering need (core/pki/pki.h hands them out: fk_pki_keys,
 * fk_pki_sign_key, fk_pki_sign_cert), borrowed. */
typedef struct fk_intake_keys {
	const fk_cms_keys *open;
	EVP_PKEY *sign_key;
	X509 *sign_cert;
	int op; /* the operation the import runs as: 0 (intake.import) or FK_OP_RECEIVE (import.h) */
	/* Where the package came from, kept with a refusal (refused.h): the TLS client's
	 * certificate subject; NULL: the file's path (or "-" for a package in memory). */
	const char *source;
} fk_intake_keys;

/* The receipt's id of an opener's refusal: the CMS layer's reason when it gave one
 * ("revoked", "not_for_us" …), else the package's ("truncated", "chunk_hash" …). */
const char *fk_intake_fail_id(fk_pkg_fail why, fk_cms_fail cms_why);
/* The sentence of the refusal "client" (English, N_-marked). */
const char *fk_intake_client_text(void);

/* Import the opened package pkg. FK_OK with res filled (applied, or refused with the reason)
 * and *signed_receipt (malloc'd DER, SignedData by the receiving key) the answer. A chunk
 * that cannot be opened or does not match its hash refuses the whole package: what it had
 * staged is abandoned. Other statuses: nothing answered (a full disk: import again). */
fk_status fk_intake_import_pkg(fk_ctx *ctx, fk_pkg *pkg, const fk_intake_keys *k,
			       fk_intake_result *res, uint8_t **signed_receipt, size_t *signed_len,
			       fk_error *err);

/* The same for a package held in memory (the receiving service's request body, borrowed).
 * client, when not NULL, is the municipality of the TLS client that delivered it (its
 * verified certificate's): a package signed by another municipality is refused ("client"). */
fk_status fk_intake_import_mem(fk_ctx *ctx, const uint8_t *buf, size_t n, const char *client,
			       const fk_intake_keys *k, fk_intake_result *res, uint8_t **signed_receipt,
			       size_t *signed_len, fk_error *err);

/* The same for the package in file path; a file the opener refuses (truncated, not signed,
 * not for us …) is refused with a receipt naming why. */
fk_status fk_intake_import_file(fk_ctx *ctx, const char *path, const fk_intake_keys *k,
				fk_intake_result *res, uint8_t **signed_receipt, size_t *signed_len,
				fk_error *err);

#endif
