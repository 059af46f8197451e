/* Backups of the database: the online copy, its signed manifest, verification, pruning. */
#define _GNU_SOURCE /* renameat2 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_verify.h"
#include "backup.h"
#include "chain_keys.h"
#include "db.h"
#include "gate.h"
#include "rows.h"
#include "str.h"
#include "trust.h"
#include "util.h"

#define MANIFEST_MAX 65536
static const char MAGIC[] = "fukuhon-backup 1\n";

/* ---- files ---- */

static fk_status sync_path(const char *path, int dir, fk_error *err)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fk_io_fail(err, "cannot open", path);
	int rc = fsync(fd);
	close(fd);
	return rc == 0 ? FK_OK : fk_io_fail(err, "cannot sync", path);
}

/* SHA-256 and size of a file. */
static fk_status file_sha(const char *path, uint8_t sha[32], int64_t *bytes, fk_error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fk_io_fail(err, "cannot open", path);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	static uint8_t buf[1 << 20];
	fk_status st = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
		? FK_OK : fk_fail(err, FK_ERR_CRYPTO, "SHA-256 failed");
	*bytes = 0;
	while (st == FK_OK) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			st = fk_io_fail(err, "cannot read", path);
		else if (r == 0)
			break;
		else if (EVP_DigestUpdate(md, buf, (size_t)r) != 1)
			st = fk_fail(err, FK_ERR_CRYPTO, "SHA-256 failed");
		else
			*bytes += r;
	}
	unsigned len = 0;
	if (st == FK_OK && (EVP_DigestFinal_ex(md, sha, &len) != 1 || len != 32))
		st = fk_fail(err, FK_ERR_CRYPTO, "SHA-256 failed");
	EVP_MD_CTX_free(md);
	close(fd);
	return st;
}

static char *join(const char *dir, const char *name, fk_error *err)
{
	return fk_path_join(dir, name, err);
}

/* ---- the manifest ---- */

static int put(char *buf, size_t *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(char *buf, size_t *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *at, MANIFEST_MAX - *at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= MANIFEST_MAX - *at)
		return -1;
	*at += (size_t)n;
	return 0;
}

/* The signed body: everything up to the signature line. */
static int manifest_body(const fk_backup_info *in, char *buf, size_t *at)
{
	char hex[2 * FK_MAC_LEN + 1];
	*at = 0;
	int bad = put(buf, at, "%s", MAGIC);
	bad |= put(buf, at, "terminal %s\n", in->terminal);
	bad |= put(buf, at, "created %lld\n", (long long)in->created_ns);
	bad |= put(buf, at, "schema %u\n", in->schema);
	bad |= put(buf, at, "database %s %lld\n", FK_BACKUP_DB, (long long)in->bytes);
	fk_hex(in->db_sha, 32, hex);
	bad |= put(buf, at, "sha256 %s\n", hex);
	fk_hex(in->state.head.mac, FK_MAC_LEN, hex);
	bad |= put(buf, at, "history %lld %lld %lld %s\n", (long long)in->state.head.seq,
		   (long long)in->state.head.epoch, (long long)in->state.head.kind, hex);
	for (int t = 0; t < FK_T_COUNT; t++) {
		fk_hex(in->state.table[t].sum, FK_MAC_LEN, hex);
		bad |= put(buf, at, "table %s %llu %s\n", fk_table_name((fk_table)t),
			   (unsigned long long)in->state.table[t].count, hex);
	}
	fk_hex(in->pub, FK_PUB_LEN, hex);
	bad |= put(buf, at, "public-key %s\n", hex);
	return bad ? -1 : 0;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || end == s || (*end && *end != ' '))
		return -1;
	*v = x;
	return 0;
}

/* One line "key rest" of the body into info; -1 when it is not one we write. */
static int parse_line(char *line, fk_backup_info *in, int *seen)
{
	char k[16];
	const char *sp = strchr(line, ' ');
	if (!sp || (size_t)(sp - line) >= sizeof k)
		return -1;
	memcpy(k, line, (size_t)(sp - line));
	k[sp - line] = '\0';
	const char *v = sp + 1;
	int64_t x;
	if (!strcmp(k, "terminal")) {
		fk_copy_str(in->terminal, sizeof in->terminal, v);
		*seen |= 1;
	} else if (!strcmp(k, "created")) {
		if (parse_i64(v, &in->created_ns))
			return -1;
		*seen |= 2;
	} else if (!strcmp(k, "schema")) {
		if (parse_i64(v, &x) || x < 1 || x > 1000000)
			return -1;
		in->schema = (unsigned)x;
		*seen |= 4;
	} else if (!strcmp(k, "database")) {
		size_t n = strlen(FK_BACKUP_DB);
		if (strncmp(v, FK_BACKUP_DB " ", n + 1) || parse_i64(v + n + 1, &in->bytes) || in->bytes < 0)
			return -1;
		*seen |= 8;
	} else if (!strcmp(k, "sha256")) {
		if (strlen(v) != 64 || fk_unhex(v, in->db_sha, 32))
			return -1;
		*seen |= 16;
	} else if (!strcmp(k, "history")) {
		long long seq, epoch, kind;
		char mac[2 * FK_MAC_LEN + 2];
		if (sscanf(v, "%lld %lld %lld %65s", &seq, &epoch, &kind, mac) != 4 ||
		    strlen(mac) != 2 * FK_MAC_LEN || fk_unhex(mac, in->state.head.mac, FK_MAC_LEN))
			return -1;
		in->state.head.seq = seq;
		in->state.head.epoch = epoch;
		in->state.head.kind = kind;
		*seen |= 32;
	} else if (!strcmp(k, "table")) {
		char name[64], sum[2 * FK_MAC_LEN + 2];
		unsigned long long count;
		if (sscanf(v, "%63s %llu %65s", name, &count, sum) != 3 || strlen(sum) != 2 * FK_MAC_LEN)
			return -1;
		int t = 0;
		while (t < FK_T_COUNT && strcmp(fk_table_name((fk_table)t), name))
			t++;
		if (t == FK_T_COUNT || fk_unhex(sum, in->state.table[t].sum, FK_MAC_LEN))
			return -1;
		in->state.table[t].count = count;
	} else if (!strcmp(k, "public-key")) {
		if (strlen(v) != 2 * FK_PUB_LEN || fk_unhex(v, in->pub, FK_PUB_LEN))
			return -1;
		*seen |= 64;
	} else {
		return -1;
	}
	return 0;
}

fk_status fk_backup_manifest_read(const char *dir, fk_backup_info *info, fk_error *err)
{
	memset(info, 0, sizeof *info);
	char *path = join(dir, FK_BACKUP_MANIFEST, err);
	char *buf = NULL;
	size_t n = 0;
	fk_status st = path ? fk_read_file(path, MANIFEST_MAX, &buf, &n, err) : FK_ERR_NOMEM;
	if (st == FK_ERR_NOTFOUND)
		fk_fail(err, FK_ERR_NOTFOUND, "%s: no such file: not a backup", path);
	/* The signature is the last line; everything before it is what it signs. */
	char *sig = st == FK_OK ? strstr(buf, "\nsignature ") : NULL;
	uint8_t s[FK_SIG_LEN];
	if (st == FK_OK && (strncmp(buf, MAGIC, strlen(MAGIC)) || !sig || strlen(sig) != 11 + 2 * FK_SIG_LEN + 1 ||
			    sig[11 + 2 * FK_SIG_LEN] != '\n'))
		st = fk_fail(err, FK_ERR_CORRUPT, "%s is not a whole backup manifest (damaged or cut short)", path);
	if (st == FK_OK) {
		sig[11 + 2 * FK_SIG_LEN] = '\0';
		if (fk_unhex(sig + 11, s, FK_SIG_LEN))
			st = fk_fail(err, FK_ERR_CORRUPT, "%s: the signature line is damaged", path);
	}
	size_t body = st == FK_OK ? (size_t)(sig - buf) + 1 : 0;
	int seen = 0;
	/* buf is NULL when the file could not be read: no pointer is formed from it then. */
	for (char *line = st == FK_OK ? buf + strlen(MAGIC) : NULL, *nl; st == FK_OK && line < buf + body;
	     line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + body - line));
		if (!nl)
			break;
		*nl = '\0';
		if (parse_line(line, info, &seen) != 0)
			st = fk_fail(err, FK_ERR_CORRUPT, "%s: a line of the manifest is not as written", path);
		*nl = '\n';
	}
	if (st == FK_OK && seen != 127)
		st = fk_fail(err, FK_ERR_CORRUPT, "%s lacks some of what a manifest holds", path);
	if (st == FK_OK && (st = fk_checkpoint_verify_blob(info->pub, (const uint8_t *)buf, body, s, err)) != FK_OK)
		fk_fail_wrap(err, "%s: edited after it was signed", path);
	if (st == FK_OK) {
		unsigned len = 0;
		if (EVP_Digest(buf, n, info->manifest_sha, &len, EVP_sha256(), NULL) != 1 || len != 32)
			st = fk_fail(err, FK_ERR_CRYPTO, "SHA-256 failed");
	}
	free(buf);
	free(path);
	return st;
}

static fk_status write_manifest(const char *key_dir, const char *dir, fk_backup_info *in, fk_error *err)
{
	char *buf = malloc(MANIFEST_MAX);
	char *path = join(dir, FK_BACKUP_MANIFEST, err);
	uint8_t sig[FK_SIG_LEN];
	size_t at = 0;
	fk_status st = !buf || !path ? fk_fail(err, FK_ERR_NOMEM, "out of memory") : FK_OK;
	/* The public key is in what is signed: sign once to learn it (cheap), then for real. */
	if (st == FK_OK)
		st = fk_checkpoint_sign_blob(key_dir, (const uint8_t *)"", 0, sig, in->pub, err);
	if (st == FK_OK && manifest_body(in, buf, &at) != 0)
		st = fk_fail(err, FK_ERR_INTERNAL, "the manifest is too long");
	if (st == FK_OK)
		st = fk_checkpoint_sign_blob(key_dir, (const uint8_t *)buf, at, sig, in->pub, err);
	char hex[2 * FK_SIG_LEN + 1];
	fk_hex(sig, FK_SIG_LEN, hex);
	if (st == FK_OK && put(buf, &at, "signature %s\n", hex) != 0)
		st = fk_fail(err, FK_ERR_INTERNAL, "the manifest is too long");
	if (st == FK_OK)
		st = fk_write_new(path, buf, at, err);
	if (st == FK_OK) {
		unsigned len = 0;
		if (EVP_Digest(buf, at, in->manifest_sha, &len, EVP_sha256(), NULL) != 1 || len != 32)
			st = fk_fail(err, FK_ERR_CRYPTO, "SHA-256 failed");
	}
	free(buf);
	free(path);
	return st;
}

/* ---- the copy ---- */

/* One step under one read snapshot of ctx's connection: the state comes from the anchor for
 * that very snapshot (fk_trust_snapshot), so the manifest names what the copy holds. Writers go
 * on meanwhile (WAL); a step-wise copy would restart at every write, and consoles write on
 * every screen. */
static fk_status copy_db(fk_ctx *ctx, const char *path, fk_state *state, fk_error *err)
{
	/* SQLite's online backup API. PostgreSQL: pg_basebackup or pgBackRest (issue 14, documented
	 * rather than built here): refused, not attempted on a handle that is not there. */
	if (!fk_sql_lite(ctx->db))
		return fk_fail(err, FK_ERR_INVALID, "a PostgreSQL store is backed up on its server (pg_basebackup)");
	sqlite3 *dst = NULL;
	fk_status st = fk_write_new(path, "", 0, err);
	if (st != FK_OK)
		return st;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
				 SQLITE_OPEN_EXRESCODE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		st = fk_db_fail(dst, rc, err, path);
	for (int tries = 0; st == FK_OK; tries++) {
		if ((rc = sqlite3_exec(fk_sql_lite(ctx->db), "BEGIN", NULL, NULL, NULL)) != SQLITE_OK) {
			st = fk_db_fail(fk_sql_lite(ctx->db), rc, err, "starting the backup's snapshot");
			break;
		}
		st = fk_trust_snapshot(ctx, state, err);
		if (st == FK_OK) {
			sqlite3_backup *b = sqlite3_backup_init(dst, "main", fk_sql_lite(ctx->db), "main");
			rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dst);
			int fin = b ? sqlite3_backup_finish(b) : SQLITE_OK;
			if (rc == SQLITE_DONE)
				rc = fin;
			if (rc != SQLITE_OK)
				st = rc == SQLITE_FULL ? fk_fail(err, FK_ERR_FULL, "copying into %s: the disk is full", path)
						       : fk_db_fail(dst, rc, err, "copying the database");
		}
		sqlite3_exec(fk_sql_lite(ctx->db), "ROLLBACK", NULL, NULL, NULL);
		if (st != FK_ERR_BUSY || tries >= 20)
			break;
		fk_error_clear(err);
		st = FK_OK;
	}
	/* The copy as one self-contained file: no -wal mode in its header. */
	if (st == FK_OK && (rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL)) != SQLITE_OK)
		st = rc == SQLITE_FULL ? fk_fail(err, FK_ERR_FULL, "%s: the disk is full", path)
				       : fk_db_fail(dst, rc, err, path);
	if (dst && sqlite3_close(dst) != SQLITE_OK && st == FK_OK)
		st = fk_fail(err, FK_ERR_DB, "closing the copy %s", path);
	if (st == FK_OK)
		st = sync_path(path, 0, err);
	return st;
}

/* What a failure leaves: the temporary folder's own files, then the folder (no recursion:
 * only the names we write). */
static void discard(const char *tmp)
{
	char *p;
	fk_error e;
	const char *names[] = {FK_BACKUP_DB, FK_BACKUP_MANIFEST, FK_BACKUP_DB "-journal"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if ((p = join(tmp, names[i], &e))) {
			(void)unlink(p);
			free(p);
		}
	(void)rmdir(tmp);
}

static fk_status create(fk_ctx *ctx, const char *dest, fk_backup_info *info, fk_error *err)
{
	char tmp[4096], *parent = fk_dirname(dest, err);
	struct stat sb;
	if (!parent)
		return FK_ERR_NOMEM;
	if (lstat(dest, &sb) == 0) {
		free(parent);
		return fk_fail(err, FK_ERR_EXISTS, "%s already exists: a backup goes into a new folder", dest);
	}
	int n = snprintf(tmp, sizeof tmp, "%s.partial-%ld", dest, (long)getpid());
	fk_status st = n < 0 || (size_t)n >= sizeof tmp ? fk_fail(err, FK_ERR_INVALID, "the path %s is too long", dest)
							 : FK_OK;
	if (st == FK_OK && mkdir(tmp, 0700) != 0)
		st = fk_io_fail(err, "cannot create the folder", tmp);
	if (st != FK_OK) {
		free(parent);
		return st;
	}
	char *db = join(tmp, FK_BACKUP_DB, err);
	st = db ? copy_db(ctx, db, &info->state, err) : FK_ERR_NOMEM;
	if (st == FK_OK)
		st = file_sha(db, info->db_sha, &info->bytes, err);
	if (st == FK_OK) {
		fk_copy_str(info->terminal, sizeof info->terminal, ctx->cfg.terminal_id);
		info->schema = fk_db_schema_version();
		info->created_ns = fk_ctx_now(ctx);
		st = write_manifest(ctx->cfg.key_dir, tmp, info, err);
	}
	if (st == FK_OK)
		st = sync_path(tmp, 1, err);
	/* Last: the complete folder appears under its name at once, or not at all. */
	if (st == FK_OK && renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) != 0)
		st = errno == EEXIST ? fk_fail(err, FK_ERR_EXISTS, "%s already exists", dest)
				     : fk_io_fail(err, "cannot rename the backup to", dest);
	if (st == FK_OK)
		st = sync_path(parent, 1, err);
	if (st != FK_OK)
		discard(tmp);
	free(db);
	free(parent);
	return st;
}

fk_status fk_backup_create(fk_ctx *ctx, const char *dest, fk_backup_info *info, fk_error *err)
{
	fk_gate g;
	char detail[4200], hex[65];
	memset(info, 0, sizeof *info);
	fk_authz_req r = {.op = FK_OP_BACKUP_CREATE};
	fk_status st = fk_gate_begin(ctx, &g, &r, "-", err);
	if (st != FK_OK)
		return st;
	st = create(ctx, dest, info, err);
	/* health reads the folder (absolute, as it is found later) and the manifest's hash here. */
	char *abs = st == FK_OK ? realpath(dest, NULL) : NULL;
	fk_hex(info->manifest_sha, 32, hex);
	snprintf(detail, sizeof detail, "dest=%s manifest-sha256=%s records=%lld bytes=%lld", abs ? abs : dest,
		 st == FK_OK ? hex : "-", (long long)info->state.head.seq, (long long)info->bytes);
	free(abs);
	return fk_gate_end(ctx, &g, st, detail, err);
}

/* ---- verification ---- */

struct check {
	fk_backup_fn fn;
	void *arg;
	int64_t history, rows;
	char first[256];
};

static void say(struct check *c, const char *name, int ok, const char *msg)
{
	if (c->fn)
		c->fn(c->arg, name, ok, msg);
}

static void problem(const fk_verify_problem *p, void *arg)
{
	struct check *c = arg;
	char msg[400];
	if (p->info)
		return;
	int rows = p->kind == FK_VP_ROW || p->kind == FK_VP_ANCHOR || p->kind == FK_VP_ROLLBACK;
	rows ? c->rows++ : c->history++;
	snprintf(msg, sizeof msg, "%s: %s", fk_vp_name(p->kind), p->msg);
	if (!c->first[0])
		fk_copy_str(c->first, sizeof c->first, msg);
	say(c, rows ? "rows" : "history", 0, msg);
}

static fk_status load_k0(const char *key_dir, const char *path, uint8_t k0[FK_KEY_LEN], fk_error *err)
{
	char *def = path ? NULL : fk_chain_k0_default_path(key_dir, err);
	if (!path && !def)
		return FK_ERR_NOMEM;
	fk_status st = fk_chain_k0_read(path ? path : def, k0, err);
	free(def);
	if (st != FK_OK)
		fk_fail_wrap(err, "the history initial key (give it with --key FILE)");
	return st;
}

/* The copy opened read only and checked: the chain from K0, every sealed row and table digest
 * against the manifest's state, the schema and the file's integrity. */
static fk_status check_copy(const char *config_path, const char *db, const char *k0_path,
			    const fk_backup_info *info, struct check *c, fk_error *err)
{
	fk_ctx *ctx;
	uint8_t k0[FK_KEY_LEN];
	fk_status st = fk_ctx_new_copy(config_path, db, &ctx, err);
	if (st == FK_OK && (st = fk_trust_open_copy(ctx, &info->state, err)) != FK_OK)
		fk_ctx_close(ctx);
	if (st != FK_OK) {
		say(c, "open", 0, err->msg);
		return st;
	}
	say(c, "open", 1, "opened read only");
	fk_verify_report rep;
	st = load_k0(ctx->cfg.key_dir, k0_path, k0, err);
	if (st == FK_OK) {
		fk_verify_opts o = {.k0 = k0, .copy = 1, .fn = problem, .arg = c};
		st = fk_audit_verify(ctx, &o, &rep, err);
	}
	fk_wipe(k0, sizeof k0);
	fk_ctx_close(ctx);
	if (st != FK_OK) {
		say(c, "history", 0, err->msg);
		return st;
	}
	char msg[160];
	snprintf(msg, sizeof msg, "%lld records chained to the initial key, to record %lld",
		 (long long)rep.records, (long long)rep.last_seq);
	if (!c->history)
		say(c, "history", 1, msg);
	snprintf(msg, sizeof msg, "%lld sealed rows, each table as the manifest says", (long long)rep.rows);
	if (!c->rows)
		say(c, "rows", 1, msg);
	if (c->history || c->rows)
		return fk_fail(err, FK_ERR_TAMPER, "the copy is not what its manifest says: %s", c->first);
	return FK_OK;
}

fk_status fk_backup_check(const char *config_path, const char *dir, const char *k0_path,
			  fk_backup_fn fn, void *arg, fk_backup_info *info, fk_error *err)
{
	struct check c = {.fn = fn, .arg = arg};
	fk_config cfg;
	uint8_t pub[FK_PUB_LEN], sha[32];
	int64_t bytes = -1;
	char *db = NULL;
	memset(&cfg, 0, sizeof cfg);
	fk_status st = fk_backup_manifest_read(dir, info, err);
	say(&c, "manifest", st == FK_OK, st == FK_OK ? "whole, signed" : err->msg);
	if (st != FK_OK)
		return st;
	if ((st = fk_config_load(fk_config_default_path(config_path), &cfg, err)) == FK_OK)
		st = fk_checkpoint_public_key(cfg.key_dir, pub, err);
	if (st == FK_OK && (fk_memeq_ct(pub, info->pub, FK_PUB_LEN) || strcmp(cfg.terminal_id, info->terminal)))
		st = fk_fail(err, FK_ERR_TAMPER, "the backup was made by another terminal (%s), not this one (%s)",
			     info->terminal, cfg.terminal_id);
	say(&c, "signature", st == FK_OK, st == FK_OK ? "this terminal's key" : err->msg);
	if (st == FK_OK && info->schema != fk_db_schema_version())
		st = fk_fail(err, FK_ERR_SCHEMA, "the backup has schema %u, this program %u", info->schema,
			     fk_db_schema_version());
	if (st == FK_OK && !(db = join(dir, FK_BACKUP_DB, err)))
		st = FK_ERR_NOMEM;
	if (st == FK_OK && (st = file_sha(db, sha, &bytes, err)) == FK_OK &&
	    (bytes != info->bytes || memcmp(sha, info->db_sha, 32)))
		st = fk_fail(err, FK_ERR_TAMPER, "%s is not the file the manifest names (%lld bytes, %lld listed): "
			     "damaged, cut short or replaced", db, (long long)bytes, (long long)info->bytes);
	if (db && st != FK_ERR_NOMEM)
		say(&c, "sha256", st == FK_OK, st == FK_OK ? "the copy is the file signed" : err->msg);
	if (st == FK_OK)
		st = check_copy(cfg.path, db, k0_path, info, &c, err);
	free(db);
	fk_config_free(&cfg);
	return st;
}

fk_status fk_backup_verify(fk_ctx *ctx, const char *dir, const char *k0_path, fk_backup_fn fn,
			   void *arg, fk_backup_info *info, fk_error *err)
{
	fk_gate g;
	char detail[4200], hex[65];
	fk_authz_req r = {.op = FK_OP_BACKUP_VERIFY};
	fk_status st = fk_gate_begin(ctx, &g, &r, "-", err);
	if (st != FK_OK)
		return st;
	memset(info, 0, sizeof *info);
	st = fk_backup_check(ctx->cfg.path, dir, k0_path, fn, arg, info, err);
	fk_hex(info->manifest_sha, 32, hex);
	snprintf(detail, sizeof detail, "dest=%s manifest-sha256=%s verified=%s", dir, hex,
		 st == FK_OK ? "yes" : "no");
	return fk_gate_end(ctx, &g, st, detail, err);
}

/* ---- inside a backup; pruning ---- */

static int has_manifest(const char *dir)
{
	char p[4200];
	struct stat sb;
	int n = snprintf(p, sizeof p, "%s/%s", dir, FK_BACKUP_MANIFEST);
	return n > 0 && (size_t)n < sizeof p && lstat(p, &sb) == 0;
}

int fk_backup_inside(const char *path)
{
	char buf[4096];
	/* The folder the path is in, and every folder above it. */
	char *real = realpath(path, NULL);
	if (!real) {
		char *dir = fk_dirname(path, NULL);
		real = dir ? realpath(dir, NULL) : NULL;
		free(dir);
	}
	if (!real)
		return 0;
	fk_copy_str(buf, sizeof buf, real);
	free(real);
	for (;;) {
		if (has_manifest(buf))
			return 1;
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return has_manifest("/");
		*slash = '\0';
	}
}

/* A backup folder holding nothing but what a backup writes. */
static int only_ours(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ok = d != NULL;
	while (ok && (e = readdir(d)))
		ok = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		     !strcmp(e->d_name, FK_BACKUP_DB) || !strcmp(e->d_name, FK_BACKUP_MANIFEST);
	if (d)
		closedir(d);
	return ok;
}

struct found {
	char name[256];
	int64_t created;
};

static int newest_first(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->name, y->name);
}

static fk_status list_backups(const char *root, struct found **out, size_t *n, fk_error *err)
{
	DIR *d = opendir(root);
	if (!d)
		return fk_io_fail(err, "cannot open the folder", root);
	size_t cap = 0;
	struct dirent *e;
	fk_status st = FK_OK;
	*out = NULL;
	*n = 0;
	while (st == FK_OK && (e = readdir(d))) {
		char sub[4200];
		fk_backup_info info;
		fk_error ignored;
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(*out)->name)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", root, e->d_name);
		/* Only what is a whole, signed backup counts; anything else is not ours. */
		if (fk_backup_manifest_read(sub, &info, &ignored) != FK_OK)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			struct found *p = realloc(*out, cap * sizeof *p);
			if (!p) {
				st = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			*out = p;
		}
		fk_copy_str((*out)[*n].name, sizeof(*out)->name, e->d_name);
		(*out)[(*n)++].created = info.created_ns;
	}
	closedir(d);
	return st;
}

fk_status fk_backup_prune(fk_ctx *ctx, const char *root, int keep, int *removed, fk_error *err)
{
	fk_gate g;
	char detail[4200];
	struct found *f = NULL;
	size_t n = 0;
	*removed = 0;
	if (keep < 1)
		return fk_fail(err, FK_ERR_USAGE, "keep at least one backup");
	fk_authz_req r = {.op = FK_OP_BACKUP_PRUNE};
	fk_status st = fk_gate_begin(ctx, &g, &r, "-", err);
	if (st != FK_OK)
		return st;
	st = list_backups(root, &f, &n, err);
	if (st == FK_OK && n)
		qsort(f, n, sizeof *f, newest_first);
	for (size_t i = (size_t)keep; st == FK_OK && i < n; i++) {
		char sub[4200];
		struct stat sb;
		snprintf(sub, sizeof sub, "%s/%s", root, f[i].name);
		if (!only_ours(sub)) {
			st = fk_fail(err, FK_ERR_EXISTS, "%s holds files a backup does not: left as it is", sub);
			break;
		}
		discard(sub);
		if (lstat(sub, &sb) == 0)
			st = fk_io_fail(err, "cannot remove", sub);
		else
			(*removed)++;
	}
	free(f);
	snprintf(detail, sizeof detail, "root=%s keep=%d removed=%d", root, keep, *removed);
	return fk_gate_end(ctx, &g, st, detail, err);
}
