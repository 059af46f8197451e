/* Staging one chunk of a package (import.h): its records decided against the store and
 * written above the visibility watermarks, in one short transaction with its record. */
#ifndef FK_INTAKE_STAGE_H
#define FK_INTAKE_STAGE_H

#include "keys.h"
#include "order.h"
#include "pkgrow.h"
#include "source.h"
#include "store.h"

/* The registers of a chunk prepared before its transaction (serialised, compressed, sealed,
 * tagged, their data keys made: the CPU's part), on the engine's second thread: by line,
 * id 0 where the line is not a register or could not be prepared (then it is prepared in the
 * transaction, and rejected there if it must be). Record n of the package (counted through
 * the manifest's chunks) makes register pkg->wm[FK_WM_REGISTER] + 1 + n with data key
 * pkg->wm_key + 1 + n, whichever path prepares it and however often the import resumes. */
typedef struct fk_stage_prep {
	fk_reg_prepared *v;
	char *(*keys)[FK_ORDER_FIELDS]; /* the registers' sort keys (order.h), by line */
	int64_t n;
	char by[64]; /* changed_by of the first versions (fk_reg_prepared borrows it) */
} fk_stage_prep;

/* Prepare chunk's registers into out (src->each called on the calling thread: source.h). */
fk_status fk_stage_prepare(const fk_keyring *keys, const fk_pkgrow *pkg, const fk_manifest *m,
			   const fk_intake_source *src, int chunk, fk_stage_prep *out, fk_error *err);
void fk_stage_prep_clear(fk_stage_prep *p);

/* Test hook: run on the connection before every chunk's transaction (a full disk). */
extern void (*fk_intake_chunk_hook)(fk_ctx *ctx, int chunk);

/* Records staged in one transaction at most (also at most fk_intake_part_ns, 50 ms, of work
 * before its commit): a test sets it small to interrupt the middle of a chunk. Each part is
 * recorded, so a test that counts the records makes the time bound out of reach: on a loaded
 * machine, or over PostgreSQL's round trips, a chunk's work passes 50 ms and is cut in more
 * parts (found by tests/units_pg.sh). */
extern int fk_intake_part_records;
extern int64_t fk_intake_part_ns;

/* A pause of 2 ms after each of the import's transactions commits: a console waiting for the
 * write lock (it tries every millisecond, core/db/db.c) takes it in the gap, instead of
 * waiting through the next transaction too (SQLite's lock is not a queue). */
void fk_stage_yield(void);

/* Stage chunk of pkg from src (loaded: source.h) in transactions of their own, each a part of
 * the chunk of bounded size and time (the consoles wait for the write lock), on record;
 * continues after the lines staged before. pkg advanced as each part commits (and left as
 * the last committed part left it). oid names the package in the history. The parts'
 * transactions' time is added to *tx_sum, the longest kept in *tx_max (ns). */
fk_status fk_stage_chunk(fk_ctx *ctx, fk_pkgrow *pkg, const fk_manifest *m,
			 const fk_intake_source *src, int chunk, fk_stage_prep *prep, const char *oid,
			 fk_error *err, int64_t *tx_sum, int64_t *tx_max);

/* A register's state as the staging package sees it: its row (checked) and its staged change.
 * staged: -1 none, else the change (0 carried unchanged, 1 a new version, 2 one that moves it
 * in its sorted lists); owner the package that staged it. */
typedef struct fk_stage_reg {
	int64_t id, key_id, received_at;
	char municipality[7];
	int kind, version;           /* as published */
	int staged, staged_version, staged_kind;
	int64_t owner;
	uint8_t *tags_old, *tags_new; /* malloc'd, FK_BLIND_LEN each */
	int ntags_old, ntags_new;
	int disposed; /* set (with FK_ERR_NOTFOUND) for a register disposed of */
	uint8_t reg_mac[FK_MAC_LEN]; /* the register row's MAC, as checked */
} fk_stage_reg;
fk_status fk_stage_reg_read(fk_ctx *ctx, int64_t id, fk_stage_reg *r, fk_error *err);
void fk_stage_reg_clear(fk_stage_reg *r);

#endif
