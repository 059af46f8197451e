/* A package's row (sql/011_intake.sql): read checked against its MAC, written sealed. */
#ifndef FK_INTAKE_PKGROW_H
#define FK_INTAKE_PKGROW_H

#include <stdint.h>

#include "ctx.h"
#include "package.h"
#include "status.h"

enum { FK_WM_REGISTER, FK_WM_VERSION, FK_WM_LEDGER, FK_WM_DOC, FK_WM_REF, FK_WM_COUNT };

typedef struct fk_pkgrow {
	int64_t id;
	char municipality[7];
	int64_t sequence;
	int kind; /* fk_pkg_kind */
	uint8_t digest[32];
	char state[12]; /* "staging", "published" */
	int64_t chunks, chunks_staged;
	/* records of chunk chunks_staged staged already; once every chunk is staged, the new
	 * registers' search tags merged into the index (tagmerge.h; -1: all of them) */
	int64_t lines_staged;
	int64_t n[FK_REC_TYPES + 1]; /* accepted, by fk_rec_type */
	int64_t unchanged, rejected;
	int64_t received_at, published_at; /* ns; published_at 0: not yet */
	int64_t wm[FK_WM_COUNT];
	int64_t wm_key; /* the highest data key id when staging began */
	int has_receipt;
	uint8_t receipt_sha256[32];
	int op; /* in memory only: the operation the import runs as (fk_op, ops.h) */
	int quiet; /* in memory only: no record per step (a one-chunk package: import.c) */
	int defer_tags; /* in memory only: new registers' tags kept for fk_tagmerge (import.c) */
} fk_pkgrow;

/* The row at st's columns 0.. (FK_COLS_PACKAGE, as every reader selects them), already
 * checked by the caller: for readers with a query of their own (packages.c). */
void fk_pkgrow_from_stmt(fk_stmt *st, fk_pkgrow *r);
/* *found 0 when there is none. */
fk_status fk_pkgrow_by_digest(fk_ctx *ctx, const uint8_t digest[32], fk_pkgrow *r, int *found,
			      fk_error *err);
fk_status fk_pkgrow_staging(fk_ctx *ctx, fk_pkgrow *r, int *found, fk_error *err);
/* The municipality's last published package. */
fk_status fk_pkgrow_last(fk_ctx *ctx, const char *muni, fk_pkgrow *r, int *found, fk_error *err);
/* The published package of muni with sequence seq. */
fk_status fk_pkgrow_by_sequence(fk_ctx *ctx, const char *muni, int64_t seq, fk_pkgrow *r,
				int *found, fk_error *err);
/* Insert r (r->id set). */
fk_status fk_pkgrow_insert(fk_ctx *ctx, fk_pkgrow *r, fk_error *err);
/* Write r's counters, state and times back; with receipt (not NULL) store it and its hash. */
fk_status fk_pkgrow_save(fk_ctx *ctx, fk_pkgrow *r, const char *receipt, size_t len,
			 fk_error *err);
fk_status fk_pkgrow_delete(fk_ctx *ctx, int64_t id, fk_error *err);
/* The stored receipt (malloc'd, checked against the row's hash). */
fk_status fk_pkgrow_receipt(fk_ctx *ctx, const fk_pkgrow *r, char **json, size_t *len,
			    fk_error *err);

#endif
