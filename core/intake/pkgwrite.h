/* Writing a fukuhon package (docs/package-format.md): the one writer, for exports and returns
 * (core/approve/exportjob.c) and for the test generator (tests/fkpkg.c). Records are added
 * one at a time; each full chunk is sealed (AuthEnvelopedData to the recipients) and written
 * as a frame to an unlinked temporary file at once, so memory stays bounded by one chunk
 * whatever the package's size; the signed manifest is made once every chunk's hash is known. */
#ifndef FK_INTAKE_PKGWRITE_H
#define FK_INTAKE_PKGWRITE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "package.h"
#include "status.h"

/* A chunk's plaintext sealed: its frame's DER (malloc'd) and its manifest entry. */
fk_status fk_pkgw_seal_chunk(const char *buf, size_t n, int64_t records, X509 *const *to, int nto,
			     uint8_t **der, size_t *derlen, fk_manifest_chunk *mc, fk_error *err);
/* One frame: 4-byte big-endian length, then der. FK_ERR_FULL on ENOSPC. */
fk_status fk_pkgw_frame(int fd, const uint8_t *der, size_t len, fk_error *err);
/* Every byte of buf to fd. FK_ERR_FULL on ENOSPC, FK_ERR_IO else. */
fk_status fk_pkgw_write_all(int fd, const void *buf, size_t n, fk_error *err);

typedef struct fk_pkgw fk_pkgw;

/* Begin a package: chunk frames go to an unlinked temporary file in dir (the folder of the
 * final file, so that nothing of it outlives the process). sign_key/sign_cert and to are
 * borrowed until fk_pkgw_free. chunk_records: at most that many records a chunk (and never
 * more than FK_PKG_CHUNK_MAX bytes). */
fk_status fk_pkgw_begin(const char *dir, EVP_PKEY *sign_key, X509 *sign_cert, X509 *const *to,
			int nto, int64_t chunk_records, fk_pkgw **out, fk_error *err);
/* Add one record (a line without its newline) of type t. */
fk_status fk_pkgw_add(fk_pkgw *w, fk_rec_type t, const char *line, size_t n, fk_error *err);
/* Seal the last chunk, then write the whole file to fd (magic, signed manifest, chunks) and
 * fsync it. head gives municipality, sequence, kind, created_at and the export facts; counts
 * and chunks come from what was added. *sha256 (if not NULL): of the file's bytes. */
fk_status fk_pkgw_finish(fk_pkgw *w, const fk_manifest *head, int fd, uint8_t sha256[32],
			 fk_error *err);
/* Records and chunks so far. */
int64_t fk_pkgw_records(const fk_pkgw *w);
int fk_pkgw_chunks(const fk_pkgw *w);
void fk_pkgw_free(fk_pkgw *w);

/* Tests only: writes to the final file fail with ENOSPC after this many bytes (0: never). */
extern long fk_pkgw_test_fail_after;

#endif
