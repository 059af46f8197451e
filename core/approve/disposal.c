/* The disposal ledger in the key folder (disposal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "disposal.h"
#include "keyfile.h"
#include "meta.h"
#include "trust.h"

#define BODY (8 + 4 * 8)
#define REC (BODY + FK_MAC_LEN)
static const uint8_t MAGIC[8] = {'F', 'K', 'D', 'S', 'P', '0', '0', '1'};
static const uint8_t MAGIC_MUNI[8] = {'F', 'K', 'D', 'S', 'P', 'M', '0', '1'};
static const char LABEL[] = "disposal.log";

static void put64(uint8_t *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
}

static int64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* The MAC of rec's body, chained to the record before it (prev: its MAC, zeros for the first). */
static fk_status rec_mac(fk_ctx *ctx, const uint8_t prev[FK_MAC_LEN], const uint8_t *rec,
			 uint8_t out[FK_MAC_LEN], fk_error *err)
{
	uint8_t buf[FK_MAC_LEN + BODY];
	memcpy(buf, prev, FK_MAC_LEN);
	memcpy(buf + FK_MAC_LEN, rec, BODY);
	return fk_trust_secret_hash(ctx, LABEL, buf, sizeof buf, out, err);
}

/* The ledger opened (flags: O_RDONLY, or O_RDWR | O_CREAT), checked as every key file is.
 * FK_ERR_NOKEY when there is none and none is to be made. */
static fk_status ledger_open(fk_ctx *ctx, int dfd, int flags, int *fd, off_t *size, fk_error *err)
{
	struct stat sb;
	const char *dir = ctx->cfg.key_dir;
	*fd = openat(dfd, FK_DISPOSAL_FILE, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (*fd < 0)
		return errno == ENOENT ? FK_ERR_NOKEY
				       : fk_fail(err, errno == ELOOP ? FK_ERR_KEYPERM : FK_ERR_IO,
						 "cannot open %s/%s: %s", dir, FK_DISPOSAL_FILE, strerror(errno));
	fk_status s = fstat(*fd, &sb) == 0 ? fk_keyfile_check(&sb, dir, FK_DISPOSAL_FILE, err)
		: fk_fail(err, FK_ERR_IO, "cannot examine %s/%s: %s", dir, FK_DISPOSAL_FILE, strerror(errno));
	if (s != FK_OK) {
		close(*fd);
		*fd = -1;
		return s;
	}
	*size = sb.st_size;
	return FK_OK;
}

fk_status fk_disposal_count(fk_ctx *ctx, int64_t *n, fk_error *err)
{
	struct stat sb;
	int dfd;
	*n = 0;
	fk_status s = fk_keydir_open(ctx->cfg.key_dir, &dfd, err);
	if (s != FK_OK)
		return s;
	if (fstatat(dfd, FK_DISPOSAL_FILE, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT)
			s = fk_fail(err, FK_ERR_IO, "cannot examine %s/%s: %s", ctx->cfg.key_dir,
				    FK_DISPOSAL_FILE, strerror(errno));
	} else if ((s = fk_keyfile_check(&sb, ctx->cfg.key_dir, FK_DISPOSAL_FILE, err)) == FK_OK) {
		/* A torn last record is an append whose disposal was never reported done (the
		 * ledger is synced before the commit): it does not count. */
		*n = (int64_t)(sb.st_size / REC);
	}
	close(dfd);
	return s;
}

/* Read whole records from fd: the chain checked; *last gets the last record's MAC. */
static fk_status read_all(fk_ctx *ctx, int fd, int64_t n, fk_disposal_entry *v,
			  uint8_t last[FK_MAC_LEN], fk_error *err)
{
	uint8_t rec[REC], mac[FK_MAC_LEN];
	memset(last, 0, FK_MAC_LEN);
	for (int64_t i = 0; i < n; i++) {
		size_t got = 0;
		if (fk_read_full(fd, rec, REC, &got) != 0 || got != REC)
			return fk_fail(err, FK_ERR_IO, "cannot read %s/%s", ctx->cfg.key_dir, FK_DISPOSAL_FILE);
		fk_status s = rec_mac(ctx, last, rec, mac, err);
		if (s != FK_OK)
			return s;
		int muni = memcmp(rec, MAGIC_MUNI, 8) == 0;
		if ((!muni && memcmp(rec, MAGIC, 8) != 0) || fk_memeq_ct(mac, rec + BODY, FK_MAC_LEN) != 0)
			return fk_fail(err, FK_ERR_TAMPER, "%s/%s does not match its MAC at record %lld: it was "
				       "changed outside fukuhon", ctx->cfg.key_dir, FK_DISPOSAL_FILE,
				       (long long)i + 1);
		memcpy(last, mac, FK_MAC_LEN);
		if (v)
			v[i] = (fk_disposal_entry){get64(rec + 8), get64(rec + 16), get64(rec + 24), get64(rec + 32), muni};
	}
	return FK_OK;
}

fk_status fk_disposal_read(fk_ctx *ctx, fk_disposal_entry **v, int64_t *n, fk_error *err)
{
	int dfd, fd;
	off_t size = 0;
	uint8_t last[FK_MAC_LEN];
	*v = NULL;
	*n = 0;
	fk_status s = fk_keydir_open(ctx->cfg.key_dir, &dfd, err);
	if (s != FK_OK)
		return s;
	s = ledger_open(ctx, dfd, O_RDONLY, &fd, &size, err);
	close(dfd);
	if (s == FK_ERR_NOKEY)
		return FK_OK; /* nothing disposed of on this terminal yet */
	if (s != FK_OK)
		return s;
	int64_t count = (int64_t)(size / REC);
	if (count > 0 && !(*v = calloc((size_t)count, sizeof **v)))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK)
		s = read_all(ctx, fd, count, *v, last, err);
	close(fd);
	if (s != FK_OK) {
		free(*v);
		*v = NULL;
		return s;
	}
	*n = count;
	return FK_OK;
}

/* Under the folder's lock: drop a torn tail, check the chain, append, sync. */
static fk_status append_locked(fk_ctx *ctx, int dfd, const fk_disposal_entry *v, int n, fk_error *err)
{
	int fd;
	off_t size;
	uint8_t last[FK_MAC_LEN], rec[REC];
	fk_status s = ledger_open(ctx, dfd, O_RDWR | O_CREAT, &fd, &size, err);
	if (s != FK_OK)
		return s;
	int64_t count = (int64_t)(size / REC);
	/* The chain is checked whole before it is extended: a ledger changed outside fukuhon is
	 * not made to look valid by the records added after it. */
	s = read_all(ctx, fd, count, NULL, last, err);
	if (s == FK_OK && size % REC && ftruncate(fd, (off_t)count * REC) != 0)
		s = fk_fail(err, FK_ERR_IO, "cannot repair %s/%s: %s", ctx->cfg.key_dir, FK_DISPOSAL_FILE,
			    strerror(errno));
	if (s == FK_OK && lseek(fd, (off_t)count * REC, SEEK_SET) < 0)
		s = fk_fail(err, FK_ERR_IO, "cannot seek in %s/%s: %s", ctx->cfg.key_dir, FK_DISPOSAL_FILE,
			    strerror(errno));
	for (int i = 0; s == FK_OK && i < n; i++) {
		memcpy(rec, v[i].municipality ? MAGIC_MUNI : MAGIC, 8);
		put64(rec + 8, v[i].register_id);
		put64(rec + 16, v[i].key_id);
		put64(rec + 24, v[i].request_id);
		put64(rec + 32, v[i].at);
		if ((s = rec_mac(ctx, last, rec, rec + BODY, err)) != FK_OK)
			break;
		memcpy(last, rec + BODY, FK_MAC_LEN);
		if (fk_write_full(fd, rec, REC) != 0)
			s = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO, "cannot write %s/%s: %s",
				    ctx->cfg.key_dir, FK_DISPOSAL_FILE, strerror(errno));
	}
	if (s == FK_OK && fsync(fd) != 0)
		s = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO, "cannot sync %s/%s: %s",
			    ctx->cfg.key_dir, FK_DISPOSAL_FILE, strerror(errno));
	/* A failed append leaves the ledger as it was: the disposal is not carried out. */
	if (s != FK_OK && ftruncate(fd, (off_t)count * REC) != 0)
		s = fk_fail(err, FK_ERR_IO, "cannot undo a partial write of %s/%s: %s", ctx->cfg.key_dir,
			    FK_DISPOSAL_FILE, strerror(errno));
	close(fd);
	return s == FK_OK ? fk_keydir_sync(dfd, ctx->cfg.key_dir, err) : s;
}

fk_status fk_disposal_append(fk_ctx *ctx, const fk_disposal_entry *v, int n, fk_error *err)
{
	int dfd;
	/* Two terminals disposing at once each extend the chain from its end. */
	fk_status s = fk_keydir_lock(ctx->cfg.key_dir, LOCK_EX, &dfd, err);
	if (s != FK_OK)
		return s;
	s = append_locked(ctx, dfd, v, n, err);
	close(dfd); /* releases the lock */
	return s;
}

/* ---- shared by the disposals ---- */

static const char SQL_DISPOSED[] = "UPDATE register SET disposed_at = ?2 WHERE id = ?1";
/* The key's wrapped bytes go; with secure_delete on, the space they held is zeroed. */
static const char SQL_KEY_DESTROY[] =
	"UPDATE data_key SET wrapped = NULL, destroyed_at = coalesce(destroyed_at, ?2) "
	"WHERE id = ?1 AND (wrapped IS NOT NULL OR destroyed_at IS NULL)";
/* The versions stay as the record that they existed (who, when, which version); the content
 * sealed under the destroyed key is emptied as well, so that not even a copy of the key kept
 * elsewhere opens anything of this database (docs/disposal.md). */
static const char SQL_CONTENT_EMPTY[] =
	"UPDATE register_version SET content = substr(content, 1, 0) WHERE register_id = ?1 AND length(content) > 0";

static fk_status exec_id(fk_ctx *ctx, const char *sql, int64_t id, int64_t at, int *changes,
			 const char *what, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	if (fk_sql_bind_parameter_count(st) >= 2)
		fk_sql_bind_int64(st, 2, at);
	s = fk_ctx_exec(ctx, st, err, what);
	if (s == FK_OK && changes)
		*changes = fk_sql_changes(ctx->db);
	return s;
}

fk_status fk_disposal_destroy_key(fk_ctx *ctx, int64_t key_id, int64_t now, int *changed, fk_error *err)
{
	return exec_id(ctx, SQL_KEY_DESTROY, key_id, now, changed, "destroying a data key", err);
}

fk_status fk_disposal_erase_rows(fk_ctx *ctx, int64_t id, int64_t key_id, int mark, int64_t now,
				 int *keys, int *contents, fk_error *err)
{
	fk_status s = FK_OK;
	if (mark) {
		s = fk_trust_unseal(ctx, FK_T_REGISTER, FK_VAL_INT(id), 0, err);
		if (s == FK_OK)
			s = exec_id(ctx, SQL_DISPOSED, id, now, NULL, "marking a register disposed of", err);
		if (s == FK_OK)
			s = fk_trust_seal(ctx, FK_T_REGISTER, FK_VAL_INT(id), err);
	}
	if (s == FK_OK)
		s = exec_id(ctx, SQL_KEY_DESTROY, key_id, now, keys, "destroying a data key", err);
	if (s == FK_OK)
		s = exec_id(ctx, SQL_CONTENT_EMPTY, id, 0, contents, "emptying a register's versions", err);
	return s;
}

static const char SQL_DESTROYED[] = "SELECT count(*) FROM data_key WHERE wrapped IS NULL";
static const char SQL_SECURE_ON[] = "PRAGMA secure_delete = ON";
#define META_STATE "disposal.state" /* "<ledger records> <destroyed keys>" at the last disposal */
#define META_ROTATION "key.rotation_due" /* "<master key id> <since ns>", or "-" once rotated */

/* secure_delete is set at every open (core/db/db.c); set again and read back here, because the
 * erasure rests on it: freed space in the pages written is zeroed, not left holding the key. */
fk_status fk_disposal_secure_on(fk_ctx *ctx, fk_error *err)
{
	/* PostgreSQL has no secure_delete: the old tuple stays, dead, until VACUUM, and in WAL,
	 * base backups and replicas. What holds there is the key destroyed in every live copy and
	 * the master-key rotation after a disposal, which leaves every old copy of the wrapped key
	 * unreadable (docs/storage.md, "Disposal on PostgreSQL"). Not an error. */
	if (fk_sql_is_pg(ctx->db))
		return FK_OK;
	int64_t on = 0;
	fk_status s = fk_ctx_int64(ctx, SQL_SECURE_ON, &on, err, "secure_delete");
	if (s == FK_OK && on != 1)
		s = fk_fail(err, FK_ERR_INTERNAL, "SQLite's secure_delete cannot be turned on: nothing is disposed of");
	return s;
}

fk_status fk_disposal_rotation_due(fk_ctx *ctx, int *due, int64_t *since, uint32_t *kek,
				   fk_error *err)
{
	char v[64];
	fk_error e;
	long long at = 0;
	unsigned long id = 0;
	*due = 0;
	*since = 0;
	*kek = 0;
	fk_status s = fk_meta_get(ctx, META_ROTATION, v, sizeof v, &e);
	if (s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (s != FK_OK) {
		if (err)
			*err = e;
		return s;
	}
	/* "-": not due (rotated since); the row is sealed, so anything else is ours */
	if (sscanf(v, "%lu %lld", &id, &at) == 2 && id > 0 && id <= UINT32_MAX) {
		*due = 1;
		*since = at;
		*kek = (uint32_t)id;
	}
	return FK_OK;
}

fk_status fk_disposal_rotation_done(fk_ctx *ctx, uint32_t new_kek, int *cleared, fk_error *err)
{
	int due;
	int64_t since;
	uint32_t kek;
	*cleared = 0;
	fk_status s = fk_disposal_rotation_due(ctx, &due, &since, &kek, err);
	/* a disposal during the rotation, after the new key's announcement, names the new key:
	 * what it destroyed was never wrapped under the old one in a backup, so not due either */
	if (s != FK_OK || !due || kek >= new_kek)
		return s;
	*cleared = 1;
	return fk_meta_set(ctx, META_ROTATION, "-", err);
}

/* The first disposal since the last rotation marks it due (docs/disposal.md). */
static fk_status mark_rotation_due(fk_ctx *ctx, fk_error *err)
{
	int due;
	int64_t since;
	uint32_t kek;
	char v[64];
	fk_status s = fk_disposal_rotation_due(ctx, &due, &since, &kek, err);
	if (s != FK_OK || due)
		return s;
	snprintf(v, sizeof v, "%lu %lld", (unsigned long)fk_keys_current_id(ctx->keys),
		 (long long)fk_ctx_now(ctx));
	if ((s = fk_meta_set(ctx, META_ROTATION, v, err)) != FK_OK)
		return s;
	snprintf(v, sizeof v, "%lu", (unsigned long)fk_keys_current_id(ctx->keys));
	return fk_audit_op(ctx, FK_OP_KEY_ROTATION_DUE, v, FK_RESULT_SUCCESS, "",
			   "due: backups from before this disposal hold its keys under this master key", err);
}

fk_status fk_disposal_note_state(fk_ctx *ctx, int64_t ledger, fk_error *err)
{
	int64_t destroyed;
	char v[64];
	fk_status s = fk_ctx_int64(ctx, SQL_DESTROYED, &destroyed, err, "destroyed keys");
	if (s != FK_OK)
		return s;
	snprintf(v, sizeof v, "%lld %lld", (long long)ledger, (long long)destroyed);
	if ((s = fk_meta_set(ctx, META_STATE, v, err)) != FK_OK)
		return s;
	return mark_rotation_due(ctx, err);
}

/* Nothing to do when the ledger and the destroyed keys are as the last disposal left them. */
fk_status fk_disposal_in_step(fk_ctx *ctx, int64_t ledger, int *same, fk_error *err)
{
	int64_t destroyed;
	char v[64], want[64];
	fk_error e;
	*same = 0;
	fk_status s = fk_ctx_int64(ctx, SQL_DESTROYED, &destroyed, err, "destroyed keys");
	if (s != FK_OK)
		return s;
	s = fk_meta_get(ctx, META_STATE, v, sizeof v, &e);
	if (s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (s != FK_OK) {
		if (err)
			*err = e;
		return s;
	}
	snprintf(want, sizeof want, "%lld %lld", (long long)ledger, (long long)destroyed);
	*same = strcmp(v, want) == 0;
	return FK_OK;
}

/* After the commit: the WAL's frames (copies of pages as they were written, the key's among
 * them before this transaction) copied into the database and the WAL cut to nothing. */
void fk_disposal_empty_wal(fk_ctx *ctx, char *warning, size_t len)
{
	int log = 0, done = 0;
	/* PostgreSQL keeps no WAL of ours to empty: the server's WAL, VACUUM and backups are
	 * the server's (docs/storage.md, "Disposal on PostgreSQL"); skipped, not an error. */
	if (!fk_sql_lite(ctx->db))
		return;
	/* A passive checkpoint first, which writers do not wait for: the truncating one blocks
	 * other terminals' writes while it runs, and is left with only what came since. */
	(void)sqlite3_wal_checkpoint_v2(fk_sql_lite(ctx->db), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	int rc = sqlite3_wal_checkpoint_v2(fk_sql_lite(ctx->db), NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if (rc != SQLITE_OK || log != 0)
		snprintf(warning, len, "the write-ahead log could not be emptied (%s): it may still hold a copy "
			 "of a destroyed key until the next checkpoint; close the other sessions and run "
			 "`fukuhonctl status`", sqlite3_errstr(rc));
}
