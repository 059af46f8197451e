/* Packages refused as a whole, kept as rows (sql/012_refused.sql; issue 10, R-BATCH-PROTO,
 * R-LOG): what is known of each delivery — the reason, the manifest's municipality, sequence
 * and kind when it could be opened (marked unverified unless its signer is that municipality),
 * the SHA-256 and size of the bytes, where they came from, when — written sealed in the
 * transaction that records the refusal (fk_gate_end_keep), read checked. */
#ifndef FK_INTAKE_REFUSED_H
#define FK_INTAKE_REFUSED_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "package.h"
#include "status.h"

/* Where a delivery came from, and its bytes to hash if it is refused. */
typedef struct fk_intake_origin {
	const char *source;  /* the file's path, or the TLS client's certificate subject */
	const char *path;    /* the bytes: in this file (NULL: none), */
	const uint8_t *buf;  /* or in memory */
	size_t n;
} fk_intake_origin;

typedef struct fk_refused {
	int64_t id; /* numbered with package(id) */
	int64_t bureau_id;
	char reason[24];      /* the receipt's reason id */
	int has_manifest;     /* municipality, sequence, kind, digest: from the opened manifest */
	char municipality[7];
	int64_t sequence;
	int kind;             /* fk_pkg_kind */
	int verified;         /* the manifest's signer is the municipality it names */
	uint8_t digest[32];   /* the manifest frame's SHA-256 */
	int has_sha;          /* sha256 and size: the bytes as received */
	uint8_t sha256[32];
	int64_t size;
	char source[256];
	int64_t expected;     /* a sequence refusal: the sequence expected (0: none) */
	int64_t received_at, last_at; /* ns: the first and the latest delivery */
	int64_t times;        /* deliveries of these bytes refused for this reason */
} fk_refused;

/* Fill r before its transaction: the bytes hashed (a large file is read through here, not
 * under the write lock), the manifest's facts when m is not NULL (signer: the municipality of
 * its signer's certificate, NULL when unknown), the reason and the time. */
fk_status fk_refused_prepare(fk_ctx *ctx, const fk_intake_origin *o, const fk_manifest *m,
			     const uint8_t *digest, const char *signer, const char *reason,
			     int64_t expected, fk_refused *r, fk_error *err);

/* In a write transaction (an fk_gate_keep_fn, arg an fk_refused *): insert r sealed, or, when
 * the same bytes were refused for the same reason before, count this delivery in that row. */
fk_status fk_refused_keep(fk_ctx *ctx, void *arg, fk_error *err);

/* Up to max rows of bureau (newest first, ids below before; 0: from the newest), of one
 * municipality as their manifests claim it (NULL or "": every one) or of the municipalities
 * whose name holds name (NULL or "": any), checked. A row of bureau: delivered to it, or
 * claiming one of its municipalities (the municipality's bureau as the table says, which
 * the caller confirms through the municipality's checked row). */
fk_status fk_refused_list(fk_ctx *ctx, int64_t bureau, const char *muni, const char *name,
			  int64_t before, fk_refused *rows, int max, int *n, fk_error *err);
/* Row id, checked; *found 0 when there is none. */
fk_status fk_refused_get(fk_ctx *ctx, int64_t id, fk_refused *r, int *found, fk_error *err);

#endif
