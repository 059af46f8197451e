/* Verification of the operation history (R-LOGSEAL, R-DETECT): every problem found, each located. */
#ifndef FK_AUDIT_VERIFY_H
#define FK_AUDIT_VERIFY_H

#include <stdint.h>

#include "checkpoint.h"
#include "crypto.h"
#include "ctx.h"
#include "status.h"

#define FK_VP_LIST(X)                                                        \
	X(MAC, "mac mismatch")                                               \
	X(LINK, "broken link")                                               \
	X(UNDECODABLE, "undecodable record")                                 \
	X(GAP, "missing records")                                            \
	X(DUPLICATE, "duplicate record")                                     \
	X(ORDER, "records out of order")                                     \
	X(TIME, "time goes backwards")                                       \
	X(EPOCH, "epoch out of sequence")                                    \
	X(TRUNCATED, "records cut off the end")                              \
	X(CHECKPOINT, "checkpoint mismatch")                                 \
	X(INTEGRITY, "database integrity")                                   \
	X(SCHEMA, "schema altered")                                          \
	X(LEGACY, "unsealed legacy records")                                 \
	X(UNCOVERED, "not yet covered by a checkpoint")                      \
	X(OPEN_END, "open epoch at the end")                                 \
	X(ROW, "sealed row altered")                                         \
	X(ROLLBACK, "older copy put back")                                   \
	X(ANCHOR, "differs from what this terminal wrote")                   \
	X(INDEX_KEY, "index key")                                            \
	X(UNCHECKED, "chain not checked")                                    \
	X(WITNESS, "witnessed record missing")                               \
	X(RETIRED, "record after retirement")

typedef enum fk_vp_kind {
#define FK_VP_ENUM(name, text) FK_VP_##name,
	FK_VP_LIST(FK_VP_ENUM)
#undef FK_VP_ENUM
	FK_VP_COUNT
} fk_vp_kind;

const char *fk_vp_name(fk_vp_kind k);

typedef struct fk_verify_problem {
	fk_vp_kind kind;
	int info;    /* 1: informational, not a failure */
	int64_t seq; /* where (0: the whole history) */
	char msg[256];
} fk_verify_problem;

typedef void (*fk_verify_fn)(const fk_verify_problem *p, void *arg);

/* Another terminal's initial key, for its chain on a shared store (its K0 file names it). */
typedef struct fk_verify_k0 {
	char terminal[128];
	uint8_t k0[FK_KEY_LEN];
} fk_verify_k0;

typedef struct fk_verify_opts {
	const uint8_t *k0;          /* this terminal's initial key K0 (FK_KEY_LEN bytes) */
	const fk_verify_k0 *others; /* other terminals' (a shared store), nothers of them */
	int nothers;
	const fk_checkpoint *kept;  /* a checkpoint kept elsewhere, or NULL */
	int skip_integrity;         /* 1: no PRAGMA integrity_check (tests) */
	int skip_rows;              /* 1: no check of the sealed tables' rows (history only) */
	/* 1: a backup's copy (core/admin/backup.h), older than the key folder: its end is
	 * checked against its manifest (the trust base's want), not against the history key */
	int copy;
	fk_verify_fn fn;            /* called for every problem and note; may be NULL */
	void *arg;
} fk_verify_opts;

typedef struct fk_verify_report {
	int64_t records, sealed, legacy, checkpoints;
	int64_t problems, notes;
	int64_t first_bad_seq; /* lowest seq of a problem; 0 when none is located */
	int64_t last_seq, covered_seq;
	int64_t rows; /* sealed rows checked */
} fk_verify_report;

/* Check the pinned schema (each difference a problem, seq 0), every
 * record's MAC under the key of its epoch (derived from K0), every link, the
 * sequence, epochs and times, the stored and kept checkpoints, the history
 * key's epoch and the database's integrity. Runs even over an altered schema
 * (nothing is written): that is what it reports.
 * Returns FK_OK when the check ran; rep->problems > 0 means the history is
 * not intact. */
fk_status fk_audit_verify(fk_ctx *ctx, const fk_verify_opts *o, fk_verify_report *rep,
			  fk_error *err);

#endif
