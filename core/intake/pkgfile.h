/* Opening a fukuhon package (issue 10; R-MUTUAL, R-INTRANSIT, R-BATCH-PROTO;
 * docs/package-format.md): the file's frames, its manifest decrypted and its signature,
 * chain, CRL and signer checked, then its chunks one at a time, each decrypted and checked
 * against the manifest's hash. Memory stays bounded by one chunk whatever the package's size.
 * No database: the caller (the import) gives the keys and decides what the records mean. */
#ifndef FK_INTAKE_PKGFILE_H
#define FK_INTAKE_PKGFILE_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "cms.h"
#include "package.h"
#include "status.h"

#define FK_PKG_MAGIC "FKPKG01\n" /* 8 bytes, then frames: 4-byte big-endian length, DER */

/* Why a package as a whole was refused (a receipt with no record accepted). */
#define FK_PKG_FAIL_LIST(X)                                                                        \
	X(NONE, "opened")                                                                          \
	X(NOT_PACKAGE, "not a fukuhon package")                                                    \
	X(TRUNCATED, "the package is truncated")                                                   \
	X(FRAME, "a part of the package is larger than allowed")                                   \
	X(CMS, "the manifest could not be opened")                                                 \
	X(MANIFEST, "the manifest is malformed")                                                   \
	X(SIGNER, "the signer is not the municipality the manifest names")                         \
	X(CHUNKS, "the package does not have the chunks its manifest lists")                       \
	X(CHUNK_CMS, "a chunk could not be opened")                                                \
	X(CHUNK_HASH, "a chunk does not match its hash in the manifest")

typedef enum fk_pkg_fail {
#define FK_PKG_FAIL_ENUM(id, text) FK_PKG_FAIL_##id,
	FK_PKG_FAIL_LIST(FK_PKG_FAIL_ENUM)
#undef FK_PKG_FAIL_ENUM
} fk_pkg_fail;
const char *fk_pkg_fail_text(fk_pkg_fail f); /* English, N_-marked */

typedef struct fk_pkg fk_pkg;

/* Open a package held in a file (read through, never whole in memory) or in memory (the
 * receiving service's request body, borrowed until fk_pkg_close). On a refusal: FK_ERR_INVALID
 * with *why, and *cms_why when the CMS layer said why (else FK_CMS_NONE). */
fk_status fk_pkg_open_file(const char *path, const fk_cms_keys *k, fk_pkg **out, fk_pkg_fail *why,
			   fk_cms_fail *cms_why, fk_error *err);
fk_status fk_pkg_open_mem(const uint8_t *buf, size_t n, const fk_cms_keys *k, fk_pkg **out,
			  fk_pkg_fail *why, fk_cms_fail *cms_why, fk_error *err);
void fk_pkg_close(fk_pkg *p);

const fk_manifest *fk_pkg_manifest(const fk_pkg *p);
X509 *fk_pkg_signer(const fk_pkg *p); /* borrowed */
/* SHA-256 of the manifest frame as received: the package's identity (a replay is the
 * same package delivered again). */
const uint8_t *fk_pkg_digest(const fk_pkg *p);

/* Chunk i (0-based): decrypted and checked against its manifest hash; *plain malloc'd. */
fk_status fk_pkg_chunk(fk_pkg *p, int i, uint8_t **plain, size_t *n, fk_pkg_fail *why,
		       fk_cms_fail *cms_why, fk_error *err);

/* The records of a chunk's plaintext, one line each: fn is called with each line (without
 * its newline) and its 0-based index in the chunk; a non-FK_OK return stops. */
typedef fk_status (*fk_pkg_line_fn)(void *arg, int64_t index, const char *line, size_t n,
				    fk_error *err);
fk_status fk_pkg_lines(const uint8_t *plain, size_t n, fk_pkg_line_fn fn, void *arg,
		       fk_error *err);

#endif
