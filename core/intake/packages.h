/* The packages received, for the console's screen (受信パッケージ): the authorised reads of the
 * package rows and their rejected records, decided and recorded through the gate, only the
 * packages of municipalities under the reader's bureau (R-BATCH-PROTO, R-ACCESS, R-JURIS, R-LOG). */
#ifndef FK_INTAKE_PACKAGES_H
#define FK_INTAKE_PACKAGES_H

#include <stdint.h>

#include "ctx.h"
#include "import.h"
#include "package.h"
#include "status.h"

typedef enum fk_pkg_state {
	FK_PKG_ANY = 0, /* filters only */
	FK_PKG_STAGING,   /* 取込中: being staged, nothing of it visible yet */
	FK_PKG_PUBLISHED, /* 適用済 */
	FK_PKG_REFUSED,   /* 拒否 */
} fk_pkg_state;

typedef struct fk_pkg_info {
	int64_t id; /* the list's keyset: newest (highest) first */
	char municipality[7];
	char muni_name[64]; /* as in the reference data: display it through fk_disp_* */
	int64_t sequence;
	fk_pkg_kind kind;
	fk_pkg_state state;
	int64_t accepted;                /* records accepted, every type */
	int64_t n[FK_REC_TYPES + 1];     /* accepted by fk_rec_type ([0] the total) */
	int64_t unchanged, rejected;
	int64_t chunks, chunks_staged;
	int64_t received_at, published_at; /* ns; published_at 0: not (yet) */
	uint8_t digest[32];
	int has_receipt; /* a signed receipt is stored with the row */
	/* State FK_PKG_REFUSED, a delivery refused as a whole (refused.h): municipality,
	 * sequence, kind and digest are the manifest's (has_manifest 0: it could not be opened,
	 * they are empty), its own word only when verified (else the sender's claim); muni_name
	 * "" when the claimed code names no municipality of the store. */
	int refused_row;  /* 1: from the refused deliveries (the fields below) */
	char reason[24];  /* the receipt's reason id: fk_intake_reason_text gives its sentence */
	int has_manifest, verified;
	int has_sha;      /* sha256 and size of the bytes as received */
	uint8_t sha256[32];
	int64_t size;
	char source[256]; /* the file's path or the TLS client's certificate subject (data) */
	int64_t expected; /* a sequence refusal: the sequence expected (0: none) */
	int64_t last_at, times; /* the latest delivery of these bytes, and how many were refused */
} fk_pkg_info;

typedef struct fk_pkg_filter {
	const char *municipality; /* NULL or "": every municipality of the bureau */
	const char *name;         /* NULL or "": any; else municipalities whose name holds it */
	fk_pkg_state state;       /* FK_PKG_ANY: every state */
	int64_t before_id;        /* 0: from the newest; else only packages with a lower id */
} fk_pkg_filter;

/* Up to max packages (newest first) into rows, *n of them, applied, staging and refused
 * ones alike (refused deliveries by the municipality their manifest claims); recorded as
 * intake.list. */
fk_status fk_intake_packages(fk_ctx *ctx, const fk_pkg_filter *f, fk_pkg_info *rows, int max,
			     int *n, fk_error *err);

typedef struct fk_pkg_reject_info {
	int64_t id;
	int64_t chunk, line; /* chunk from 0, line from 1, as in the receipt (docs/package-format.md) */
	char ref[FK_PKG_REF_MAX + 1];
	fk_reject reason;    /* FK_REJECT_NONE when the stored id is none the core knows */
	char reason_id[32];  /* as stored and in the receipt: "malformed", … */
	char detail[256];    /* the parser's or the import's words (data: sanitise) */
} fk_pkg_reject_info;

/* Where a page of rejections begins: after the one given (all zero: from the first). */
typedef struct fk_pkg_reject_key {
	int64_t chunk, line, id;
} fk_pkg_reject_key;

typedef struct fk_pkg_detail {
	fk_pkg_info pkg;
	/* state FK_PKG_REFUSED: why, from its stored receipt (FK_INTAKE_NONE when unknown) */
	fk_intake_refusal refusal;
} fk_pkg_detail;

/* Package id and up to max of its rejections after *after (NULL: from the first), in the
 * order of the package (chunk, line); recorded as intake.open. A package that does not exist
 * and one outside the jurisdiction get the same refusal. */
fk_status fk_intake_package(fk_ctx *ctx, int64_t id, const fk_pkg_reject_key *after,
			    fk_pkg_detail *out, fk_pkg_reject_info *rej, int max, int *n,
			    fk_error *err);

/* The English sentence (N_-marked: translated at the edge) of any reason id a refused
 * package's receipt can give — the opener's, the CMS layer's, the import's, "client" —; NULL
 * for an id none of them knows. */
const char *fk_intake_reason_text(const char *id);

/* The reason id stored with a rejected record as its enum (FK_REJECT_NONE: unknown). */
fk_reject fk_reject_from_id(const char *id);

#endif
