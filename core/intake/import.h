/* The import engine (issue 10; R-BATCH-ATOMIC, R-BATCH-RESUME, R-BATCH-PROTO, R-VERSION): a
 * package whose manifest was opened and checked (core/intake/pkgfile.h) applied to the store.
 *
 * Staged, then published at once. Each chunk is staged in its own short write transaction
 * through the gate's operation (ops.h, FK_OP_IMPORT, on record in that transaction): its
 * records decided against the store, the new registers, versions, ledger entries and
 * documents written above the visibility watermarks (core/store/visible.h), rejections
 * recorded one history record each, the package's row advanced. Publishing is one short
 * transaction: the watermarks removed, the amended registers' rows moved to their new
 * versions, the figures and sort orders brought up to date, the receipt stored, and one record
 * with the counts and the digest.
 *
 * One package stages at a time per store. While one stages, every register it changes is
 * its own (another package's change to it is rejected as busy — there is never another —
 * and every other writer of the store refuses as busy: fk_store_not_staging); a future
 * disposal must refuse a register with a row in staged_change likewise.
 *
 * Resumable: importing the same package (same digest) again continues after the last staged
 * chunk; an interruption loses only the chunk whose transaction had not committed.
 * Idempotent: a published package delivered again is answered with its stored receipt.
 * Sequence: the next package of a municipality is the last published sequence + 1; the first
 * one is 1, or a full re-send of any sequence (a terminal joins a municipality's stream where
 * it stands). The last (sequence, digest) per municipality is also kept in the key
 * folder (intake.seq, MAC'd under a key from the trust key), so a restored older database
 * refuses that municipality's packages instead of accepting a replay. */
#ifndef FK_INTAKE_IMPORT_H
#define FK_INTAKE_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "package.h"
#include "refused.h"
#include "source.h"
#include "status.h"

/* Why a package as a whole was refused by the import (the opener's reasons, pkgfile.h, come
 * before the import runs; fk_intake_refuse records those). */
#define FK_INTAKE_REFUSE_LIST(X)                                                                  \
	X(NONE, "applied")                                                                        \
	X(JURISDICTION, "the municipality is not under this terminal's bureau")                   \
	X(SIGNER, "the signer is not the municipality the manifest names")                        \
	X(BUSY, "another package is being imported: it must be published or abandoned first")    \
	X(SEQUENCE, "the package is out of sequence")                                             \
	X(REPLAY, "a different package with this sequence was already applied")                   \
	X(ROLLBACK, "the database is older than the key folder's record of this municipality's "  \
		    "packages (a restored backup?)")                                              \
	X(OPENING, "the package could not be opened")                                            \
	X(MUNI_DISPOSING, "the municipality's data is being disposed of: nothing of it is "       \
			  "received until the disposal ends")                                      \
	X(MUNI_DISPOSED, "the municipality's data was returned or disposed of: a supervisor must " \
			 "re-open the municipality before it receives packages again")              \
	X(MUNI_RETURNING, "the municipality's data is being returned to it: nothing of it is "   \
			  "received until the return ends")

typedef enum fk_intake_refusal {
#define FK_INTAKE_REFUSE_ENUM(id, text) FK_INTAKE_##id,
	FK_INTAKE_REFUSE_LIST(FK_INTAKE_REFUSE_ENUM)
#undef FK_INTAKE_REFUSE_ENUM
} fk_intake_refusal;
const char *fk_intake_refusal_text(fk_intake_refusal r); /* English, N_-marked */
const char *fk_intake_refusal_id(fk_intake_refusal r);   /* "jurisdiction", … (receipts) */

typedef struct fk_intake_pkg {
	const fk_manifest *m;
	const uint8_t *digest; /* 32 bytes: SHA-256 of the manifest frame */
	const char *signer;    /* the municipality of the signer's certificate */
	fk_intake_source src;
	/* The operation it runs as (fk_op, ops.h): 0 for intake.import (a person at the command
	 * line), FK_OP_RECEIVE for the receiving service (the terminal itself, no person). */
	int op;
	/* Where it came from and its bytes, for the row a refusal leaves (refused.h); NULL:
	 * unknown. */
	const fk_intake_origin *origin;
} fk_intake_pkg;

typedef struct fk_intake_result {
	int applied;                 /* 1: published (now or before) */
	int again;                   /* 1: published before; the stored receipt */
	fk_intake_refusal refused;   /* FK_INTAKE_NONE unless refused */
	/* A refusal's id as its receipt gives it ("sequence", "revoked" …) and its English
	 * sentence (N_-marked: translated at the edge); static strings, NULL unless refused. */
	const char *reason, *reason_text;
	int64_t expected_sequence;   /* FK_INTAKE_SEQUENCE: the sequence expected */
	int64_t accepted[FK_REC_TYPES + 1]; /* by fk_rec_type; [0] the total */
	int64_t unchanged, rejected, missing;
	char *receipt; /* the receipt's JSON (malloc'd); unsigned: the caller signs it */
	size_t receipt_len;
	/* Where the time went in this call (monotonic ns): the chunks' transactions in all and
	 * the longest (how long the write lock was held), publishing's transaction; the lists
	 * written ahead of it (prepublish.h: its short steps and the sorting between them). */
	int64_t stage_ns, stage_max_ns, publish_ns, prepublish_ns, prepublish_max_ns;
	int64_t tagmerge_ns, tagmerge_max_ns; /* the new registers' tags merged (tagmerge.h) */
} fk_intake_result;
void fk_intake_result_clear(fk_intake_result *r);

/* Test hook: stop after this many chunks staged in this call (0: never), as an interruption
 * would (FK_ERR_INTERNAL). stage.h has the other (a full disk). */
extern int fk_intake_stop_after;

/* Whether municipality muni (whose sealed row names data key key_id, 0: none yet) is being
 * disposed of (*running 1: the disposal's own request, a sealed row, says so) or returned
 * (*running 2: the return's request, running while its package is written outside the write
 * lock, core/approve/exportjob.c), or was disposed of (*gone: its key destroyed) (R-DISPOSE):
 * packages for it are refused meanwhile (MUNI_DISPOSING, MUNI_RETURNING, MUNI_DISPOSED), and
 * core/admin/reopen.c re-opens it only when gone and not running. */
fk_status fk_intake_muni_disposal(fk_ctx *ctx, const char *muni, int64_t key_id, int *running,
				  int *gone, fk_error *err);

/* Import p: stage its chunks (continuing a staging of the same package), publish it, fill
 * res. FK_OK with res->refused set when refused (recorded, with a receipt). Failures (a full
 * disk, a stop) leave the chunks staged so far: importing again continues. */
fk_status fk_intake_import(fk_ctx *ctx, const fk_intake_pkg *p, fk_intake_result *res,
			   fk_error *err);

/* Record a package refused before the import could run (the opener's refusal: bad signature,
 * truncated …): m, digest and signer (the municipality of the signer's certificate) may be
 * NULL when unknown; reason_id and reason_text (static strings) name why; o where it came
 * from (NULL: unknown). res gets the receipt. Every refusal but BUSY (nothing was done: the
 * sender sends again) is also kept as a row (refused.h) in the transaction of its record. */
fk_status fk_intake_refuse(fk_ctx *ctx, int op, const fk_manifest *m, const uint8_t *digest,
			   const char *signer, const fk_intake_origin *o, const char *reason_id,
			   const char *reason_text, fk_intake_result *res, fk_error *err);

/* Abandon the package staging in this store (an import given up, or one whose file is gone):
 * its rows removed in short transactions, each on record, then its watermarks and its row,
 * so that it or another package can be imported. *removed gets how many rows went.
 * FK_ERR_NOTFOUND when none stages. op: 0 (intake.abandon, a person), or FK_OP_RECEIVE (the
 * receiving service giving up a package it could not open). */
fk_status fk_intake_abandon(fk_ctx *ctx, int op, int64_t *removed, fk_error *err);

/* The receipt of the package with this digest, as stored (malloc'd); FK_ERR_NOTFOUND. */
fk_status fk_intake_receipt(fk_ctx *ctx, const uint8_t digest[32], char **json, size_t *len,
			    fk_error *err);

#endif
