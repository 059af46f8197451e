/* The trust base of one terminal (docs/threat-model.md): row MACs checked as rows are read, and
 * the state the database must be in — the end of the history and every sealed table's digest —
 * compared with the anchor in the key folder at start and before every transaction in which
 * another process wrote; what is committed is anchored with it. An attacker who can write the
 * database but not the key folder can destroy, but cannot change, roll back or hide. */
#ifndef FK_TRUST_H
#define FK_TRUST_H

#include "sql.h"
#include <stdint.h>

#include "anchor.h"
#include "keys.h"
#include "ctx.h"
#include "rows.h"
#include "status.h"

#define FK_TRUST_KEY_NAME FK_TRUST_KEY_FILE

/* Every open, after the database: load the trust key and the anchor and check the database
 * against them (fails closed, naming what differs). With create (fukuhonctl init), make the key
 * and the anchor for a new terminal. A terminal from before the trust base (no trust key, no
 * anchor) is adopted: its rows are sealed as they are, and that is recorded. */
fk_status fk_trust_open(fk_ctx *ctx, int create, int inspect, fk_error *err);
/* create for a terminal enrolled into an existing store (fukuhonctl key import,
 * core/admin/enrol.h): the bureau's trust key is already in the folder, the anchor is not;
 * every sealed row is checked against its MAC and the anchor made from the store as found. */
#define FK_TRUST_ENROL 2
/* With inspect, a database that fails the check is still opened, for verification only:
 * nothing can be written to it, and this says why (NULL when it passed). */
const char *fk_trust_broken(const fk_ctx *ctx);
/* Another check of the database against the key folder failed, one made above the trust base
 * (the index key's check value, core/store/indexkey.h): opened with inspect, the database is
 * then treated as one that failed this base's own check — read for verification only, nothing
 * written — and why says so. */
void fk_trust_mark_broken(fk_ctx *ctx, const char *why);
/* While on (verification under the write lock): no check at the start of a transaction,
 * and any sealed change refused. */
void fk_trust_suspend(fk_ctx *ctx, int on);
/* While on (recording an operation refused because the database failed its check): a
 * transaction checks only the history's end, and may append to the history but change no
 * sealed row; the tables stay anchored as this terminal left them, so they keep failing. */
void fk_trust_degrade(fk_ctx *ctx, int on);
/* While on (a run of commits that follow each other within milliseconds: an import's staging),
 * a commit's confirmation is written without a sync of its own and reaches the disk with the
 * next commit's pending slot, synced before that commit (anchor.h: fk_anchor_confirm_after):
 * one synchronous write of the anchor per commit instead of two. A power cut between two such
 * commits then finds the last one pending, not confirmed (start-up accepts the state before
 * it too), as a cut between a commit and its confirmation's sync does anyway; the window is
 * the gap to the next commit instead of one sync. Off, the next confirmation is synced again
 * and carries any earlier one; closing syncs one left unsynced. */
void fk_trust_lazy_confirm(fk_ctx *ctx, int on);

/* 1 when this open adopted a terminal from before the trust base (to be recorded). */
int fk_trust_adopted(const fk_ctx *ctx);

/* ---- writers: inside a write transaction ---- */

/* Before an update or a removal of a sealed row found by key: check it against its MAC (a
 * changed row is never laundered by sealing it again) and take it out of its table's digest.
 * removing: the row is about to be deleted (the history will say so). */
fk_status fk_trust_unseal(fk_ctx *ctx, fk_table t, fk_val key, int removing, fk_error *err);
/* After an insert, or an update that fk_trust_unseal prepared: MAC the row as now stored,
 * store the MAC and put the row into its table's digest. */
fk_status fk_trust_seal(fk_ctx *ctx, fk_table t, fk_val key, fk_error *err);
/* Before inserting a row whose columns are known: its MAC (to store with it), and the digest
 * moved. For bulk loads, which would otherwise read every row back. */
fk_status fk_trust_seal_new(fk_ctx *ctx, fk_table t, const fk_val *cols, uint8_t mac[FK_MAC_LEN],
			    fk_error *err);

/* For a change a later transaction makes (publishing an amended register, prepared while its
 * package stages): the row's MAC from its columns as they will be, and its contribution to
 * the table's digest; nothing moved yet. */
fk_status fk_trust_prepare(fk_ctx *ctx, fk_table t, const fk_val *cols, uint8_t mac[FK_MAC_LEN],
			   uint8_t c[FK_MAC_LEN], fk_error *err);
/* The contribution of a row whose MAC (checked by the caller) is mac. */
fk_status fk_trust_contribution(fk_ctx *ctx, fk_table t, const uint8_t mac[FK_MAC_LEN],
				uint8_t c[FK_MAC_LEN], fk_error *err);
/* Inside a write transaction, after the caller changed a row of a large table in place from
 * the one contributing c_old (checked when prepared, and unchanged since: the caller's
 * statement required it) to the one contributing c_new (fk_trust_prepare): the digest moved,
 * with no row read again. */
fk_status fk_trust_moved(fk_ctx *ctx, fk_table t, const uint8_t c_old[FK_MAC_LEN],
			 const uint8_t c_new[FK_MAC_LEN], fk_error *err);

/* After a bulk load of rows that never existed before (reference data): seal every row of t
 * that has no MAC yet. */
fk_status fk_trust_seal_loaded(fk_ctx *ctx, fk_table t, fk_error *err);

/* ---- readers ---- */

/* The row whose covered columns are st's columns first.. and whose MAC follows them must
 * match its MAC: FK_ERR_TAMPER naming the table and row otherwise. */
fk_status fk_trust_check(fk_ctx *ctx, fk_table t, fk_stmt *st, int first, fk_error *err);

/* The same before the trust base can open (fukuhonctl migrate reads who asks from a store at an
 * older schema): under the trust key of the key folder key_dir, nothing else loaded. */
fk_status fk_trust_check_with(const char *key_dir, fk_table t, fk_stmt *st, int first, fk_error *err);

/* Before a decision made outside a write transaction (fk_authorize, the lockout admission):
 * when another process wrote since the last check, the check a transaction's start makes,
 * now. A row's MAC cannot tell an older copy put back, nor a row removed; only the tables'
 * anchored digests can. Inside a transaction nothing: its start checked, and no other process
 * writes until it ends. */
fk_status fk_trust_current(fk_ctx *ctx, fk_error *err);

/* The keyed hash of a secret the key folder holds (fk_secret_hash, rows.h) under this
 * terminal's trust key: what a sealed row keeps in its place. */
fk_status fk_trust_secret_hash(fk_ctx *ctx, const char *label, const uint8_t *secret, size_t n,
			       uint8_t out[FK_MAC_LEN], fk_error *err);

/* ---- the history (audit_chain.c) ---- */

/* The record just appended in this transaction is the history's new end. */
void fk_trust_note_head(fk_ctx *ctx, const fk_head *h);
/* Sealed rows changed since the last record, as text for the next record ("" when none):
 * "table key mac" per row, ';'-separated (the key as i<int> or t<hex>, the mac in hex or '-'
 * for a row removed). Taken: the next call starts empty. */
const char *fk_trust_take_refs(fk_ctx *ctx);

/* ---- verification (audit verify, status --check) ---- */

typedef void (*fk_trust_fn)(void *arg, const char *what, int64_t seq, const char *msg);

typedef struct fk_trust_report {
	int64_t rows, problems;
} fk_trust_report;

/* The latest row reference of every sealed row, gathered by a reader of the whole history
 * (audit verify reads and checks every record anyway; reading them again for the references
 * alone would cost as much): every record but a legacy one, in order, with its references
 * (NULL: none); a record of an adoption (trust.adopt) drops what came before it. */
typedef struct fk_trust_refs fk_trust_refs;
fk_status fk_trust_refs_new(fk_trust_refs **out, fk_error *err);
fk_status fk_trust_refs_add(fk_trust_refs *r, int64_t seq, int adoption, const char *refs, fk_error *err);
void fk_trust_refs_free(fk_trust_refs *r);

/* Check every row of every sealed table (large ones too, with large) against its MAC and
 * every table against its anchored digest; the history's end against the anchor; the latest
 * recorded MAC of every small-table row (from the history's row references: refs, or read
 * from the history when NULL) against the row. Calls fn for each problem. */
fk_status fk_trust_verify(fk_ctx *ctx, int large, const fk_trust_refs *refs, fk_trust_fn fn, void *arg,
			  fk_trust_report *rep, fk_error *err);

/* The anchored state (for tests and status). */
fk_status fk_trust_anchored(fk_ctx *ctx, fk_anchor *a, fk_error *err);

/* ---- backups (core/admin/backup.h) ---- */

/* Instead of fk_trust_open, for a backup's copy opened read only (fk_ctx_new_copy): the trust
 * key of this terminal, and want (the state its signed manifest names) as what the copy must
 * be; fk_trust_verify then checks the copy against want. Nothing can be written. */
fk_status fk_trust_open_copy(fk_ctx *ctx, const fk_state *want, fk_error *err);
/* Instead of fk_trust_open, for a store its server put back from its own backup (restore.h,
 * fk_restore_recover): the trust key of this terminal, every row of every sealed table checked
 * against its MAC (FK_ERR_TAMPER at the first that fails: a row this key folder never sealed),
 * and the state the store holds now measured into *s and taken as what it must be, so that
 * fk_trust_verify then checks the small tables' rows against the history's row references.
 * Nothing can be written; the anchor file is only read, into *anchored (its latest state). On a
 * store several terminals write (PostgreSQL), *shared is the anchor the store as it is gives
 * this terminal: its trust_state row (checked against its MAC and against the rows) and this
 * terminal's own chain end; shared->shared is 0 on SQLite. */
fk_status fk_trust_open_measured(fk_ctx *ctx, fk_state *s, fk_anchor *anchored, fk_anchor *shared,
				 fk_error *err);
/* Inside a read transaction of ctx: the state (history end and every table's digest) of the
 * snapshot it reads, taken from the anchor without reading the large tables. FK_ERR_BUSY when
 * writers moved the anchor two commits beyond the snapshot meanwhile (try again). */
fk_status fk_trust_snapshot(fk_ctx *ctx, fk_state *s, fk_error *err);
/* Restore (core/admin/restore.h): anchor s, the restored database's state, as this terminal's
 * (the next generation; created when the key folder has no anchor). shared (may be NULL): on a
 * store several terminals write, the anchor fk_trust_open_measured measured, written instead. */
fk_status fk_trust_rebase(const char *key_dir, const fk_state *s, const fk_anchor *shared, fk_error *err);

#endif
