/* Restoring the database from a backup: verified first, replaced atomically, re-anchored, recorded. */
#define _GNU_SOURCE /* renameat2 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_chain.h"
#include "chain_format.h"
#include "chain_keys.h"
#include "datakey.h"
#include "db.h"
#include "disposal.h"
#include "gate.h"
#include "meta.h"
#include "operator.h"
#include "restore.h"
#include "str.h"
#include "terminal.h"
#include "trust.h"
#include "util.h"

/* os_unix.c: the -shm file's locks start at byte 120; after the eight WAL locks comes the DMS
 * lock, which every open connection holds shared until it closes. */
#define SHM_DMS_BYTE 128

int fk_restore_in_use(const char *db_path)
{
	char shm[PATH_MAX];
	int n = snprintf(shm, sizeof shm, "%s-shm", db_path);
	if (n < 0 || (size_t)n >= sizeof shm)
		return 1; /* fail closed */
	int fd = open(shm, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT; /* no -shm: no connection (every one makes it) */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SHM_DMS_BYTE, .l_len = 1};
	/* F_GETLK names a lock of another process only: this process's own connections pass. */
	int busy = fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type != F_UNLCK;
	close(fd);
	return busy;
}

/* ---- the person, in the backup ---- */

/* o->user an enabled administrator in the data ctx reads (a backup's copy, or a store its
 * server put back), its rows checked as they are read; with test_actor a test or demo one only. */
static fk_status admin_in(fk_ctx *ctx, const fk_restore_opts *o, fk_error *err)
{
	fk_operator op;
	char mode[32] = "";
	fk_status st = fk_datakey_terminal(ctx, err);
	if (st == FK_OK && (st = fk_meta_get(ctx, "mode", mode, sizeof mode, err)) == FK_OK)
		st = fk_operator_get(ctx, o->user ? o->user : "", &op, err);
	if (st == FK_ERR_NOTFOUND)
		st = fk_fail(err, FK_ERR_DENIED, "%s is not enrolled in the backup", o->user ? o->user : "?");
	else if (st == FK_OK && (op.role != FK_ROLE_ADMIN || !op.enabled))
		st = fk_fail(err, FK_ERR_DENIED, "%s is not an enabled administrator in the backup: only "
			     "administrators restore", op.username);
	else if (st == FK_OK && o->test_actor && strcmp(mode, FK_MODE_TEST) && strcmp(mode, FK_MODE_DEMO))
		st = fk_fail(err, FK_ERR_DENIED, "a production terminal's backup is restored by a person "
			     "signed in, not by $FUKUHON_TEST_ACTOR");
	return st;
}

static fk_status may_restore(const char *config_path, const char *src, const fk_restore_opts *o,
			     const fk_backup_info *info, fk_error *err)
{
	fk_ctx *ctx;
	char *db = fk_path_join(src, FK_BACKUP_DB, err);
	fk_status st = db ? fk_ctx_new_copy(config_path, db, &ctx, err) : FK_ERR_NOMEM;
	free(db);
	if (st != FK_OK)
		return st;
	if ((st = fk_trust_open_copy(ctx, &info->state, err)) == FK_OK)
		st = admin_in(ctx, o, err);
	fk_ctx_close(ctx);
	return st;
}

/* ---- the old history's tail ---- */

static json_t *row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	for (int i = 0; o && i < sqlite3_column_count(st); i++) {
		json_t *v;
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_TEXT:
			v = json_stringn((const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
			break;
		case SQLITE_BLOB: {
			/* Sealed details and MACs stay as stored: checked later with the chain's keys. */
			size_t n = (size_t)sqlite3_column_bytes(st, i);
			char *hex = malloc(2 * n + 1);
			if (hex)
				fk_hex(sqlite3_column_blob(st, i), n, hex);
			v = hex ? json_string(hex) : NULL;
			free(hex);
			break;
		}
		default:
			v = json_null();
		}
		if (!v || json_object_set_new(o, sqlite3_column_name(st, i), v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Every record after the backup's end, as stored, one JSON object a line (0600, new file). */
static fk_status export_tail(const char *db_path, int64_t after, const char *out, fk_restore_result *r,
			     fk_error *err)
{
	static const char SQL[] = "SELECT * FROM audit_log WHERE seq > ?1 ORDER BY seq";
	/* The file being replaced, through SQLite's own connection (PostgreSQL: the tail is read from
	 * the server before its restore, later). */
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, SQL, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(r->unreadable, sizeof r->unreadable, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		sqlite3_close(db);
		return FK_OK; /* nothing readable: the records are lost, and the record says so */
	}
	sqlite3_bind_int64(st, 1, after);
	fk_status s = FK_OK;
	int fd = -1;
	FILE *f = NULL;
	while (s == FK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		if (!f) {
			fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0 || !(f = fdopen(fd, "w"))) {
				s = fk_io_fail(err, "cannot create", out);
				break;
			}
			r->lost_from = seq;
		}
		json_t *o = row_json(st);
		if (!o || json_dumpf(o, f, JSON_COMPACT) != 0 || fputc('\n', f) == EOF)
			s = fk_io_fail(err, "cannot write", out);
		json_decref(o);
		r->lost_to = seq;
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		snprintf(r->unreadable, sizeof r->unreadable, "read up to record %lld: %s", (long long)r->lost_to,
			 sqlite3_errmsg(db));
	if (f && s == FK_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		s = fk_io_fail(err, "cannot write", out);
	if (f && fclose(f) != 0 && s == FK_OK)
		s = fk_io_fail(err, "cannot write", out);
	else if (!f && fd >= 0)
		close(fd);
	if (f && s == FK_OK)
		fk_copy_str(r->tail, sizeof r->tail, out);
	sqlite3_finalize(st);
	sqlite3_close(db); /* the last connection: the WAL goes into the file */
	return s;
}

/* ---- the files ---- */

static fk_status sync_dir_of(const char *path, fk_error *err)
{
	char *dir = fk_dirname(path, err);
	if (!dir)
		return FK_ERR_NOMEM;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fk_status st = fd >= 0 && fsync(fd) == 0 ? FK_OK : fk_io_fail(err, "cannot sync", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return st;
}

static fk_status copy_file(const char *from, const char *to, fk_error *err)
{
	static uint8_t buf[1 << 20];
	int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return fk_io_fail(err, "cannot open", from);
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	fk_status st = out >= 0 ? FK_OK : fk_io_fail(err, "cannot create", to);
	for (ssize_t n; st == FK_OK && (n = read(in, buf, sizeof buf)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			st = fk_io_fail(err, "cannot read", from);
			break;
		}
		for (ssize_t done = 0, w; st == FK_OK && done < n; done += w)
			if ((w = write(out, buf + done, (size_t)(n - done))) <= 0)
				st = fk_io_fail(err, "cannot write", to);
	}
	if (st == FK_OK && fsync(out) != 0)
		st = fk_io_fail(err, "cannot sync", to);
	if (out >= 0 && close(out) != 0 && st == FK_OK)
		st = fk_io_fail(err, "cannot write", to);
	close(in);
	if (st != FK_OK && out >= 0)
		(void)unlink(to);
	return st;
}

/* The database and its -wal and -shm under the new name (a pair that still belongs together). */
static fk_status move_aside(const char *db, const char *to, fk_error *err)
{
	static const char *const ext[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char a[PATH_MAX], b[PATH_MAX];
		snprintf(a, sizeof a, "%s%s", db, ext[i]);
		snprintf(b, sizeof b, "%s%s", to, ext[i]);
		if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) != 0 && errno != ENOENT)
			return fk_io_fail(err, "cannot move aside", a);
	}
	return sync_dir_of(db, err);
}

static void remove_old(const char *old)
{
	static const char *const ext[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char a[PATH_MAX];
		snprintf(a, sizeof a, "%s%s", old, ext[i]);
		(void)unlink(a);
	}
}

/* The history key brought back to the restored history's end, from K0: the key folder's is
 * ahead (it only moves forward), and the next record continues the restored chain. */
static fk_status rewind_key(const char *key_dir, const char *k0_path, const fk_state *s, int64_t now,
			    fk_error *err)
{
	fk_chain_key k = {.started_ns = now};
	char *def = k0_path ? NULL : fk_chain_k0_default_path(key_dir, err);
	if (!k0_path && !def)
		return FK_ERR_NOMEM;
	fk_status st = fk_chain_k0_read(k0_path ? k0_path : def, k.key, err);
	free(def);
	int64_t target = s->head.kind == FK_CHAIN_SEAL ? s->head.epoch + 1 : s->head.epoch;
	if (st == FK_OK && (target < 0 || target > FK_CHAIN_MAX_EPOCH_STEP))
		st = fk_fail(err, FK_ERR_CORRUPT, "the backup's history ends in an implausible epoch");
	for (; st == FK_OK && k.epoch < target; k.epoch++)
		st = fk_chain_evolve(k.key, err);
	if (st == FK_OK)
		st = fk_chain_key_store(key_dir, &k, 0, err);
	fk_wipe(&k, sizeof k);
	return st;
}

/* ---- after the swap: recorded and proven ---- */

static const char SQL_REAPPLIED[] =
	"SELECT count(*) FROM audit_log WHERE action = 'dispose.reapply' AND object_id <> ?2 AND seq > ?1";
static const char SQL_LAST_SEQ[] = "SELECT coalesce(max(seq), 0) FROM audit_log";

/* The registers the first open disposed of again (each its own record after the restored end). */
static fk_status count_reapplied(fk_ctx *ctx, fk_restore_result *r, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_REAPPLIED, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, r->info.state.head.seq);
	fk_sql_bind_text(st, 2, FK_DISPOSAL_FILE, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		r->reapplied = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "counting the disposals done again");
}

/* A PostgreSQL store: its history's chain is not read by audit verify yet (docs/deployment.md
 * section 10); every sealed row and table, and the small tables' rows against the history's
 * row references, are. */
static fk_status verify_store(fk_ctx *ctx, fk_restore_result *r, fk_error *err)
{
	fk_trust_report tr;
	fk_status st = fk_trust_verify(ctx, 1, NULL, NULL, NULL, &tr, err);
	r->rep.rows = tr.rows;
	r->rep.problems = tr.problems;
	if (st == FK_OK && (st = fk_ctx_int64(ctx, SQL_LAST_SEQ, &r->rep.last_seq, err, "reading the history's end")) == FK_OK)
		r->rep.records = r->rep.last_seq;
	return st;
}

/* The whole terminal from K0: chain, rows, anchor, integrity. */
static fk_status verify_history(fk_ctx *ctx, const fk_restore_opts *o, fk_restore_result *r, fk_error *err)
{
	uint8_t k0[FK_KEY_LEN];
	char *def = !o->k0_path ? fk_chain_k0_default_path(ctx->cfg.key_dir, err) : NULL;
	fk_status st = !o->k0_path && !def ? FK_ERR_NOMEM : FK_OK;
	if (st == FK_OK)
		st = fk_chain_k0_read(o->k0_path ? o->k0_path : def, k0, err);
	free(def);
	if (st == FK_OK) {
		fk_verify_opts vo = {.k0 = k0};
		st = fk_audit_verify(ctx, &vo, &r->rep, err);
	}
	fk_wipe(k0, sizeof k0);
	return st;
}

/* Opened as usual (a restored store's disposals done again from the key folder's ledger at
 * this open, each recorded), the restore recorded as o->user under op with detail, then verified
 * (verify_history, or verify_store on PostgreSQL). */
static fk_status record_verify(const char *config_path, fk_op op_id, const char *obj, const char *detail,
			       const fk_restore_opts *o, fk_restore_result *r, fk_error *err)
{
	fk_ctx *ctx;
	fk_operator op;
	fk_status st = fk_ctx_open(config_path, FK_CTX_OPEN, &ctx, err);
	if (st != FK_OK)
		return st;
	/* Authenticated by the caller moments ago and found an administrator in this very data
	 * (admin_in): the restore is recorded under their name, and the gate decides again. */
	if ((st = fk_operator_get(ctx, o->user, &op, err)) == FK_OK)
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
	fk_authz_req req = {.op = op_id};
	if (st == FK_OK)
		st = fk_gate_check(ctx, &req, obj, detail, err);
	if (st == FK_OK)
		st = fk_sql_is_pg(ctx->db) ? verify_store(ctx, r, err) : verify_history(ctx, o, r, err);
	if (st == FK_OK)
		st = count_reapplied(ctx, r, err);
	if (st == FK_OK && r->rep.problems)
		st = fk_fail(err, FK_ERR_TAMPER, "the restored database fails its verification (%lld problems)",
			     (long long)r->rep.problems);
	fk_ctx_close(ctx);
	return st;
}

static fk_status record_and_verify(const char *config_path, const char *src, const fk_restore_opts *o,
				   fk_restore_result *r, fk_error *err)
{
	char detail[2 * PATH_MAX + 400], hex[65], what[PATH_MAX + 128];
	fk_hex(r->info.manifest_sha, 32, hex);
	if (r->tail[0])
		snprintf(what, sizeof what, "records %lld-%lld of the old history exported to %s",
			 (long long)r->lost_from, (long long)r->lost_to, r->tail);
	else if (r->unreadable[0])
		snprintf(what, sizeof what, "the old history after record %lld lost (unreadable: %.150s)",
			 (long long)r->info.state.head.seq, r->unreadable);
	else
		snprintf(what, sizeof what, "no record of the old history after record %lld",
			 (long long)r->info.state.head.seq);
	snprintf(detail, sizeof detail, "restored from backup %s (manifest-sha256=%s, records 1-%lld); %s",
		 src, hex, (long long)r->info.state.head.seq, what);
	return record_verify(config_path, FK_OP_BACKUP_RESTORE, src, detail, o, r, err);
}

fk_status fk_restore(const char *config_path, const char *src, const fk_restore_opts *o,
		     fk_backup_fn fn, void *arg, fk_restore_result *r, fk_error *err)
{
	fk_config cfg;
	char tmp[PATH_MAX], stamp[32], tail[PATH_MAX];
	memset(r, 0, sizeof *r);
	memset(&cfg, 0, sizeof cfg);
	fk_status st = fk_config_load(fk_config_default_path(config_path), &cfg, err);
	/* A backup folder is SQLite's file: a PostgreSQL store is restored on its server. */
	if (st == FK_OK && fk_config_is_store_uri(cfg.database))
		st = fk_fail(err, FK_ERR_INVALID, "a PostgreSQL store is restored on its server (pg_basebackup's copy), "
			     "then taken back into use with 'fukuhonctl restore --database-restored'");
	if (st == FK_OK)
		st = fk_backup_check(config_path, src, o->k0_path, fn, arg, &r->info, err);
	if (st == FK_OK)
		st = may_restore(config_path, src, o, &r->info, err);
	if (st == FK_OK && !o->force && fk_restore_in_use(cfg.database))
		st = fk_fail(err, FK_ERR_BUSY, "the database is open in another process (a console, the "
			     "receiver or a command): close them first, or give --force");
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	/* Two restores within one second (a drill) must not meet each other's kept files. */
	for (int i = 0; i < 100; i++) {
		char sfx[8] = "";
		struct stat sx;
		if (i)
			snprintf(sfx, sizeof sfx, "-%d", i);
		snprintf(r->old_db, sizeof r->old_db, "%s.before-restore-%s%s", cfg.database ? cfg.database : "", stamp, sfx);
		snprintf(tail, sizeof tail, "%s.tail-%s%s.jsonl", cfg.database ? cfg.database : "", stamp, sfx);
		if (lstat(r->old_db, &sx) != 0 && lstat(tail, &sx) != 0)
			break;
	}
	if (o->tail_out)
		snprintf(tail, sizeof tail, "%s", o->tail_out);
	snprintf(tmp, sizeof tmp, "%s.restoring-%ld", cfg.database ? cfg.database : "", (long)getpid());
	struct stat sb;
	int had_old = st == FK_OK && cfg.database && lstat(cfg.database, &sb) == 0;
	if (had_old)
		st = export_tail(cfg.database, r->info.state.head.seq, tail, r, err);
	else if (st == FK_OK)
		snprintf(r->unreadable, sizeof r->unreadable, "there was no database");
	char *copy = st == FK_OK ? fk_path_join(src, FK_BACKUP_DB, err) : NULL;
	if (st == FK_OK)
		st = copy ? copy_file(copy, tmp, err) : FK_ERR_NOMEM;
	free(copy);
	if (st == FK_OK && had_old)
		st = move_aside(cfg.database, r->old_db, err);
	if (!had_old)
		r->old_db[0] = '\0';
	/* Last of the files: the copy appears under the database's name at once. */
	if (st == FK_OK && renameat2(AT_FDCWD, tmp, AT_FDCWD, cfg.database, RENAME_NOREPLACE) != 0)
		st = fk_io_fail(err, "cannot put the copy in place as", cfg.database);
	if (st == FK_OK)
		st = sync_dir_of(cfg.database, err);
	if (st != FK_OK)
		(void)unlink(tmp);
	/* The key folder: its anchor now names the restored state; intake.seq and print.seq are
	 * not touched, so what was received and handed out before stays in force. */
	if (st == FK_OK)
		st = fk_trust_rebase(cfg.key_dir, &r->info.state, NULL, err);
	if (st == FK_OK)
		st = rewind_key(cfg.key_dir, o->k0_path, &r->info.state, (int64_t)now * 1000000000, err);
	if (st == FK_OK)
		st = record_and_verify(config_path, src, o, r, err);
	/* Proven good: the old database goes, unless what it alone held could not be exported. */
	if (st == FK_OK && had_old && !r->unreadable[0]) {
		remove_old(r->old_db);
		r->old_removed = 1;
	}
	fk_config_free(&cfg);
	return st;
}

/* ---- a PostgreSQL store put back by its server ---- */

/* The store as measured, against the anchor: behind it, never where it is nor ahead of it. On a
 * store several terminals write (m->shared) "where" is this terminal's own chain end and the
 * store's generation: other terminals' records after it are no sign of a restore. */
static fk_status behind(const fk_state *s, const fk_anchor *m, const fk_anchor *a, fk_error *err)
{
	fk_head at = s->head, left = a->now.head, left_before = a->before.head;
	if (m->shared && a->shared) {
		at = m->own;
		left = a->own;
		left_before = a->own_before;
		if ((fk_head_equal(&at, &left) && m->sgen >= a->sgen) ||
		    (a->pending && !a->confirmed && fk_head_equal(&at, &left_before) && m->sgen >= a->sgen_before))
			return fk_fail(err, FK_ERR_INVALID, "the store holds this terminal's records up to where it left them "
				       "(record %lld): it was not put back, and opens as it is", (long long)at.seq);
	} else if (fk_head_equal(&at, &left) ||
		   (a->pending && !a->confirmed && fk_head_equal(&at, &left_before))) {
		return fk_fail(err, FK_ERR_INVALID, "the store's history ends where this terminal left it (record %lld): "
			       "it was not put back, and opens as it is", (long long)at.seq);
	}
	if (at.seq > left.seq || (!(m->shared && a->shared) && at.seq == left.seq))
		return fk_fail(err, FK_ERR_TAMPER, "the store's history ends at record %lld, not behind record %lld "
			       "where this terminal left it: not a restore of this terminal's store",
			       (long long)at.seq, (long long)left.seq);
	return FK_OK;
}

static fk_status measure(const char *config_path, const fk_restore_opts *o, fk_state *s, fk_anchor *a,
			 fk_anchor *m, fk_error *err)
{
	fk_ctx *ctx;
	fk_trust_report tr;
	fk_status st = fk_ctx_new(config_path, 0, &ctx, err);
	if (st != FK_OK)
		return st;
	if ((st = fk_trust_open_measured(ctx, s, a, m, err)) == FK_OK)
		st = behind(s, m, a, err);
	/* A row put back from another time than the rest fails its table's row references. */
	if (st == FK_OK && (st = fk_trust_verify(ctx, 0, NULL, NULL, NULL, &tr, err)) == FK_OK && tr.problems)
		st = fk_fail(err, FK_ERR_TAMPER, "the store's rows are not those its own history last recorded "
			     "(%lld problems): not one state of this terminal's store", (long long)tr.problems);
	if (st == FK_OK)
		st = admin_in(ctx, o, err);
	fk_ctx_close(ctx);
	return st;
}

fk_status fk_restore_recover(const char *config_path, const fk_restore_opts *o, fk_restore_result *r,
			     fk_error *err)
{
	fk_config cfg;
	fk_anchor a, m;
	char detail[600];
	memset(r, 0, sizeof *r);
	memset(&a, 0, sizeof a);
	memset(&m, 0, sizeof m);
	memset(&cfg, 0, sizeof cfg);
	fk_status st = fk_config_load(fk_config_default_path(config_path), &cfg, err);
	if (st == FK_OK && !fk_config_is_store_uri(cfg.database))
		st = fk_fail(err, FK_ERR_INVALID, "--database-restored is for a PostgreSQL store its server put back; "
			     "a SQLite database is restored from its backup with 'fukuhonctl restore SRC'");
	if (st == FK_OK)
		st = measure(config_path, o, &r->info.state, &a, &m, err);
	/* The history key goes back to this terminal's own chain end: on a store several terminals
	 * write, the records after it may be others'. */
	fk_state own = r->info.state;
	if (m.shared && a.shared)
		own.head = m.own;
	if (st == FK_OK) {
		r->lost_from = own.head.seq + 1;
		r->lost_to = m.shared && a.shared ? a.own.seq : a.now.head.seq;
		st = fk_trust_rebase(cfg.key_dir, &r->info.state, &m, err);
	}
	if (st == FK_OK)
		st = rewind_key(cfg.key_dir, o->k0_path, &own, (int64_t)time(NULL) * 1000000000, err);
	snprintf(detail, sizeof detail,
		 "the store was put back by its server to record %lld; records %lld-%lld this terminal wrote "
		 "are not in it; anchored again, the key folder's disposal ledger applied again, intake.seq "
		 "and print.seq kept", (long long)r->info.state.head.seq, (long long)r->lost_from,
		 (long long)r->lost_to);
	if (st == FK_OK)
		st = record_verify(config_path, FK_OP_STORE_RECOVER, cfg.terminal_id, detail, o, r, err);
	fk_config_free(&cfg);
	return st;
}
