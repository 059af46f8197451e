/* A fukuhon package's plaintext: the manifest and the records (JSON Lines) of its chunks,
 * parsed and checked one by one (issue 10; R-BATCH-PROTO, R-VERSION; docs/package-format.md,
 * the contract with senders). Pure: no database, no keys. What a record means for the store
 * (does the register exist, was it removed) is the import's to decide (core/intake/). */
#ifndef FK_PACKAGE_H
#define FK_PACKAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "register.h"
#include "status.h"

#define FK_PKG_FORMAT "fukuhon-package/1"
/* Bounds (docs/package-format.md): a chunk's plaintext, one record's line, one text field. A
 * chunk's records are parsed whole while the chunk before stages, so the receiver's peak memory
 * follows the sender's chunks: 1 MiB (about 500 registers) keeps an import within 64 MB, where
 * 4 MiB took about 90 MB (issue 10). */
#define FK_PKG_CHUNK_MAX (1u << 20)
#define FK_PKG_LINE_MAX (256u << 10)
#define FK_PKG_FIELD_MAX (16u << 10)
#define FK_PKG_CHUNKS_MAX 100000
#define FK_PKG_REF_MAX 64

typedef enum fk_pkg_kind {
	FK_PKG_FULL = 1,      /* "full": every register the municipality has, re-sent */
	FK_PKG_DELTA = 2,     /* "delta": the changes since the previous sequence */
	FK_PKG_IMMEDIATE = 3, /* "immediate": one change, sent as it happens (即時処理通信) */
} fk_pkg_kind;
const char *fk_pkg_kind_id(fk_pkg_kind k); /* "full" / "delta" / "immediate" */

typedef enum fk_rec_type {
	FK_REC_REGISTER = 1, /* a new register (or, in a full re-send, a register as it is now) */
	FK_REC_VERSION = 2,  /* a new version of a register: an amendment, with who and why */
	FK_REC_REMOVAL = 3,  /* a register removed: 戸籍 → 除籍, its versions kept */
	FK_REC_LEDGER = 4,   /* a reception-ledger entry (受付帳情報) */
	FK_REC_DOCUMENT = 5, /* a notification-document entry (届書等情報), linked to its register */
} fk_rec_type;
#define FK_REC_TYPES 5
const char *fk_rec_type_id(fk_rec_type t); /* "register", "version", … */

typedef struct fk_manifest_chunk {
	uint8_t sha256[32]; /* of the chunk's plaintext */
	int64_t records;
	int64_t bytes;      /* plaintext bytes */
} fk_manifest_chunk;

typedef struct fk_manifest {
	char municipality[7];
	int64_t sequence; /* ≥ 1, per municipality */
	fk_pkg_kind kind;
	int64_t created_at; /* seconds since the epoch (the manifest says RFC 3339 UTC) */
	int64_t counts[FK_REC_TYPES + 1]; /* by fk_rec_type; [0] the total */
	int nchunks;
	fk_manifest_chunk *chunks;
	/* An export or return made by a terminal (docs/package-format.md §13): the request it
	 * carries out and its output number; 0 and "" in a municipality's package. */
	int64_t export_request;
	char export_output[48];
} fk_manifest;

/* Parse and check a manifest: format, municipality code with its check digit, sequence,
 * kind, time, counts adding up to the chunks' records, chunk hashes. FK_ERR_INVALID names
 * the first problem. */
fk_status fk_manifest_parse(const uint8_t *buf, size_t n, fk_manifest *m, fk_error *err);
void fk_manifest_clear(fk_manifest *m);
/* Canonical JSON of a manifest (for the package generator and the tests), malloc'd. */
fk_status fk_manifest_dump(const fk_manifest *m, char **out, size_t *len, fk_error *err);

/* Why one record was rejected (its line in the receipt, a record in the history). The
 * parser decides the first group; the import decides the second, against the store. */
#define FK_REJECT_LIST(X)                                                                         \
	X(NONE, "accepted")                                                                       \
	X(MALFORMED, "not one JSON object on one line")                                           \
	X(TOO_LARGE, "a field or the record is larger than allowed")                              \
	X(TYPE, "unknown record type")                                                            \
	X(FIELD, "a required field is missing or of the wrong type")                              \
	X(REF, "the register id is missing or malformed")                                         \
	X(KIND, "unknown kind of register")                                                       \
	X(SCHEMA, "the register content does not follow the register format")                    \
	X(DATE, "a date is malformed or impossible")                                              \
	X(GAIJI, "a character reference (外字) is malformed")                                      \
	X(DUPLICATE, "the same register id appears twice in the package")                         \
	X(EXISTS, "a register with this id already exists")                                       \
	X(UNKNOWN, "no register with this id")                                                    \
	X(REMOVED, "the register is already removed (除籍)")                                       \
	X(LINK, "the linked register is unknown")                                                 \
	X(BUSY, "the register is being changed by another package")                               \
	X(DISPOSED, "the register was disposed of")

typedef enum fk_reject {
#define FK_REJECT_ENUM(id, text) FK_REJECT_##id,
	FK_REJECT_LIST(FK_REJECT_ENUM)
#undef FK_REJECT_ENUM
} fk_reject;
const char *fk_reject_text(fk_reject r); /* English, N_-marked */
const char *fk_reject_id(fk_reject r);   /* "malformed", "too_large", … (receipts, history) */

typedef struct fk_pkg_record {
	fk_rec_type type;
	char ref[FK_PKG_REF_MAX + 1]; /* the sender's register id: register, version, removal,
	                                 and a document's link ("" when a document has none) */
	fk_reg_kind kind;             /* register: 戸籍 or 除籍 */
	json_t *content;              /* register, version: content valid per fk_register_validate */
	char changed_by[72];          /* version: who amended (the sender's), removal: who removed */
	char reason[256];             /* version, removal: why */
	char date[11];                /* removal: removed_on; ledger: accepted_on (YYYY-MM-DD) */
	char doc_type[64];            /* document: 出生届, 婚姻届 … */
	json_t *entry;                /* ledger, document: the entry's fields */
} fk_pkg_record;

/* Parse one record line (without its newline). FK_OK with *why == FK_REJECT_NONE and r
 * filled, or FK_OK with *why the reason the record is rejected and detail (≤ dn bytes,
 * display-safe) saying where; other statuses only for running out of memory. Bytes of
 * invalid UTF-8 inside strings are kept, losslessly, as U+10FF00 + byte
 * (docs/package-format.md); escape sequences and bidi controls are kept as received. */
fk_status fk_record_parse(const char *line, size_t n, fk_pkg_record *r, fk_reject *why,
			  char *detail, size_t dn, fk_error *err);
void fk_record_clear(fk_pkg_record *r);
/* The canonical line of a record (the generator; tests), malloc'd, no newline. */
fk_status fk_record_dump(const fk_pkg_record *r, char **out, size_t *len, fk_error *err);

#endif
