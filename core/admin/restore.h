/* Restoring the database from a backup (R-BACKUP; docs/operations-backup.md). */
#ifndef FK_RESTORE_H
#define FK_RESTORE_H

#include <limits.h>
#include <stdint.h>

#include "audit_verify.h"
#include "backup.h"
#include "status.h"

typedef struct fk_restore_opts {
	const char *user;     /* who restores: an enabled administrator in the backup */
	int test_actor;       /* user came from $FUKUHON_TEST_ACTOR: only a test or demo backup */
	int force;            /* restore even while other processes have the database open */
	const char *tail_out; /* where the old history's tail goes (NULL: beside the database) */
	const char *k0_path;  /* the history's initial key (NULL: the default file) */
} fk_restore_opts;

typedef struct fk_restore_result {
	fk_backup_info info;
	char old_db[PATH_MAX];    /* where the replaced database was moved ("" when none) */
	int old_removed;          /* 1: removed once the restored one was proven good */
	char tail[PATH_MAX];      /* the old history's records after the backup's end ("" none) */
	int64_t lost_from, lost_to; /* those records (0, 0: none, or unknown when unreadable) */
	char unreadable[256];     /* why the old history could not be read ("" when it could) */
	fk_verify_report rep;     /* the restored database's full verification */
	int64_t reapplied;        /* registers disposed of again at its first open */
} fk_restore_result;

/* 1 when a process other than this one has the database open (a console, the receiver, a
 * command): it holds SQLite's shared lock on the -shm file, byte 128 (its "DMS" lock), for as
 * long as its connection is open. */
int fk_restore_in_use(const char *db_path);

/* Verify src (fk_backup_check), check that o->user may restore (an enabled administrator in
 * the backup; with test_actor a test or demo backup only), refuse while the database is in use
 * (unless force), export the current history's records after the backup's end to a file when
 * it can be read, move the database aside as <db>.before-restore-<time>, put the copy in its
 * place (written under a temporary name, synced, renamed), anchor its state as this terminal's
 * and bring the history key back to its end (from K0), then open it as usual, record
 * backup.restore as o->user there and verify it in full. The old database is removed only then,
 * and only when its tail was exported or it had none; otherwise it is kept and named. */
fk_status fk_restore(const char *config_path, const char *src, const fk_restore_opts *o,
		     fk_backup_fn fn, void *arg, fk_restore_result *r, fk_error *err);

/* A PostgreSQL store its server put back from a base backup (docs/operations-backup.md): the
 * terminal refuses it at open as a rollback (the anchor in the key folder names a later state).
 * This is the administrator's answer, once the server's administrator says the restore was on
 * purpose: every row of every sealed table checked against its MAC (a row this key folder never
 * sealed refuses it all), the small tables' rows against the history's row references, the store
 * found behind the anchor (never ahead of it, never where it is), o->user an enabled
 * administrator in the store (test_actor: a test or demo store only); then the anchor moved to
 * the store's state and the history key brought back to its end (from K0), as fk_restore does
 * for a SQLite backup. Opened as usual after that: the key folder's disposal ledger applied again
 * (each register recorded, dispose.reapply), intake.seq and print.seq untouched, so that no
 * package sequence is taken twice and no output number handed out twice; the recovery recorded
 * (store.recover, naming the records lost) and every sealed row verified. r->info.state: the
 * store's state; r->lost_from..lost_to: the records the terminal wrote that the store no longer
 * holds; r->reapplied: registers disposed of again. */
fk_status fk_restore_recover(const char *config_path, const fk_restore_opts *o, fk_restore_result *r,
			     fk_error *err);

#endif
