/* The key folder's backup under a passphrase, and its restore (keybackup.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "crypto.h"
#include "gate.h"
#include "keybackup.h"
#include "keyfile.h"
#include "util.h"

/* "FKKEYBK1" | log2 N | r | p (one byte each) | salt (16) | sealed archive (AAD: all before it).
 * The archive: per file, name length (2 bytes), name ("file" or "folder/file"), size (4 bytes),
 * bytes. scrypt N = 2^17, r = 8, p = 1: about 128 MiB and a quarter of a second here, once. */
#define HEAD_LEN (8 + 3 + 16)
#define MAX_ARCHIVE (16u << 20)
#define MAX_FILE (4u << 20)
static const uint8_t MAGIC[8] = {'F', 'K', 'K', 'E', 'Y', 'B', 'K', '1'};
enum { LOG_N = 17, SCRYPT_R = 8, SCRYPT_P = 1 };

static fk_status derive(const char *pass, size_t passlen, const uint8_t *head, uint8_t key[FK_KEY_LEN],
			fk_error *err)
{
	if (head[8] < 14 || head[8] > 20 || head[9] != SCRYPT_R || head[10] != SCRYPT_P)
		return fk_fail(err, FK_ERR_CORRUPT, "not a key backup of this program (its parameters)");
	if (EVP_PBE_scrypt(pass, passlen, head + 11, 16, (uint64_t)1 << head[8], SCRYPT_R, SCRYPT_P,
			   (uint64_t)300 << 20, key, FK_KEY_LEN) != 1)
		return fk_fail(err, FK_ERR_CRYPTO, "scrypt failed");
	return FK_OK;
}

/* ---- the archive ---- */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static int grow(struct buf *b, size_t more)
{
	if (b->n + more > MAX_ARCHIVE)
		return -1;
	if (b->n + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 65536;
	while (cap < b->n + more)
		cap *= 2;
	/* Not realloc: the old block holds key bytes, wiped before it is freed. */
	uint8_t *p = malloc(cap);
	if (!p)
		return -1;
	if (b->p) {
		memcpy(p, b->p, b->n);
		fk_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void buf_free(struct buf *b)
{
	if (b->p)
		fk_wipe(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof *b);
}

static fk_status add_file(struct buf *b, const char *path, const char *name, fk_error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		fk_status st = fk_io_fail(err, "cannot read", path);
		if (fd >= 0)
			close(fd);
		return st;
	}
	size_t nl = strlen(name), sz = (size_t)sb.st_size;
	fk_status st = FK_OK;
	uint8_t *p = NULL;
	if (sb.st_size < 0 || sz > MAX_FILE || nl > 255 || grow(b, 6 + nl + sz) || !b->p)
		st = fk_fail(err, FK_ERR_INVALID, "%s is too large for a key backup", path);
	else
		p = b->p + b->n;
	if (p) {
		p[0] = (uint8_t)(nl >> 8), p[1] = (uint8_t)nl;
		memcpy(p + 2, name, nl);
		p += 2 + nl;
		p[0] = (uint8_t)(sz >> 24), p[1] = (uint8_t)(sz >> 16), p[2] = (uint8_t)(sz >> 8), p[3] = (uint8_t)sz;
		size_t got = 0;
		while (st == FK_OK && got < sz) {
			ssize_t r = read(fd, p + 4 + got, sz - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				st = fk_io_fail(err, "cannot read", path);
			else
				got += (size_t)r;
		}
		if (st == FK_OK)
			b->n += 6 + nl + sz;
	}
	close(fd);
	return st;
}

/* Every regular file of dir (prefix "" ) and of its folders one level down. */
static fk_status add_dir(struct buf *b, const char *dir, const char *prefix, int *files, fk_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return fk_io_fail(err, "cannot open the folder", dir);
	struct dirent *e;
	fk_status st = FK_OK;
	while (st == FK_OK && (e = readdir(d))) {
		char path[4200], name[600];
		struct stat sb;
		if (e->d_name[0] == '.') /* temporary files of writers, and . and .. */
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(name, sizeof name, "%s%s", prefix, e->d_name);
		if (lstat(path, &sb) != 0)
			st = fk_io_fail(err, "cannot examine", path);
		else if (S_ISDIR(sb.st_mode) && !*prefix) {
			char sub[sizeof name + 1];
			snprintf(sub, sizeof sub, "%s/", name); /* bounded, unlike appending in place */
			st = add_dir(b, path, sub, files, err);
		} else if (S_ISREG(sb.st_mode) && (st = add_file(b, path, name, err)) == FK_OK)
			(*files)++;
	}
	closedir(d);
	return st;
}

static fk_status backup(fk_ctx *ctx, const char *dest, const char *pass, size_t passlen, int *files,
			fk_error *err)
{
	struct buf b = {0};
	uint8_t key[FK_KEY_LEN], *out = NULL;
	/* Read under the key folder's lock, shared: what its writers change under it in place
	 * (intake.seq's slots, the disposal ledger's end) is copied between their writes, not
	 * half-way through one. (trust.anchor is written in place under the store's write lock
	 * instead; its two slots make a copy taken mid-write read as the slot before.) */
	int lfd = -1;
	fk_status st = fk_keydir_lock(ctx->cfg.key_dir, LOCK_SH, &lfd, err);
	if (st == FK_OK) {
		st = add_dir(&b, ctx->cfg.key_dir, "", files, err);
		close(lfd); /* lets the lock go */
	}
	size_t n = HEAD_LEN + b.n + FK_SEAL_OVERHEAD;
	if (st == FK_OK && !(out = malloc(n)))
		st = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (st == FK_OK) {
		memcpy(out, MAGIC, 8);
		out[8] = LOG_N, out[9] = SCRYPT_R, out[10] = SCRYPT_P;
		st = fk_random(out + 11, 16, err);
	}
	if (st == FK_OK)
		st = derive(pass, passlen, out, key, err);
	if (st == FK_OK)
		st = fk_seal(key, out, HEAD_LEN, b.p, b.n, out + HEAD_LEN, err);
	fk_wipe(key, sizeof key);
	if (st == FK_OK)
		st = fk_write_new(dest, out, n, err);
	free(out);
	buf_free(&b);
	return st;
}

fk_status fk_key_backup(fk_ctx *ctx, const char *dest, fk_pass_fn pass_fn, void *arg, int *files,
			fk_error *err)
{
	fk_gate g;
	char detail[4200], pass[256];
	size_t passlen = 0;
	*files = 0;
	fk_authz_req r = {.op = FK_OP_BACKUP_KEYS};
	fk_status st = fk_gate_begin(ctx, &g, &r, "-", err);
	if (st != FK_OK)
		return st;
	/* Keys beside the data they open would make a stolen backup a readable one. */
	if (fk_backup_inside(dest))
		st = fk_fail(err, FK_ERR_DENIED, "%s is inside a backup of the data: keys are kept apart from it",
			     dest);
	else if (pass_fn(arg, pass, sizeof pass) != 0)
		st = fk_fail(err, FK_ERR_USAGE, "no passphrase was given");
	else if ((passlen = strlen(pass)) < FK_PASSPHRASE_MIN)
		st = fk_fail(err, FK_ERR_INVALID, "the passphrase must be at least %d bytes", FK_PASSPHRASE_MIN);
	else
		st = backup(ctx, dest, pass, passlen, files, err);
	fk_wipe(pass, sizeof pass);
	snprintf(detail, sizeof detail, "dest=%s files=%d", dest, *files);
	return fk_gate_end(ctx, &g, st, detail, err);
}

/* ---- restore ---- */

/* A name as we write them: one or two parts of [A-Za-z0-9._-], none starting with '.'. */
static int name_ok(const char *s, size_t n)
{
	int parts = 1, start = 1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/') {
			if (start || ++parts > 2)
				return 0;
			start = 1;
			continue;
		}
		if ((start && c == '.') || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					     (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
		start = 0;
	}
	return n > 0 && !start;
}

static fk_status unpack(const uint8_t *p, size_t n, const char *dir, int *files, fk_error *err)
{
	fk_status st = FK_OK;
	size_t at = 0;
	while (st == FK_OK && at < n) {
		char name[300], path[4400];
		if (n - at < 2)
			return fk_fail(err, FK_ERR_CORRUPT, "the key backup's archive is damaged");
		size_t nl = (size_t)p[at] << 8 | p[at + 1];
		if (n - at - 2 < nl + 4 || !name_ok((const char *)p + at + 2, nl))
			return fk_fail(err, FK_ERR_CORRUPT, "the key backup's archive is damaged");
		memcpy(name, p + at + 2, nl);
		name[nl] = '\0';
		const uint8_t *q = p + at + 2 + nl;
		size_t sz = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
		if (n - at - 6 - nl < sz)
			return fk_fail(err, FK_ERR_CORRUPT, "the key backup's archive is damaged");
		char *slash = strchr(name, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/%s", dir, name);
			if (mkdir(path, 0700) != 0 && errno != EEXIST)
				return fk_io_fail(err, "cannot create the folder", path);
			*slash = '/';
		}
		snprintf(path, sizeof path, "%s/%s", dir, name);
		if ((st = fk_write_new(path, q + 4, sz, err)) == FK_OK)
			(*files)++;
		at += 6 + nl + sz;
	}
	return st;
}

fk_status fk_key_restore(const char *src, const char *dir, const char *pass, size_t passlen, int *files,
			 fk_error *err)
{
	uint8_t *in = NULL, *plain = NULL, key[FK_KEY_LEN];
	size_t n = 0, pn = 0;
	*files = 0;
	char *raw = NULL;
	fk_status st = fk_read_file(src, MAX_ARCHIVE + 4096, &raw, &n, err);
	in = (uint8_t *)raw;
	if (st == FK_OK && (n < HEAD_LEN + FK_SEAL_OVERHEAD || memcmp(in, MAGIC, 8) != 0))
		st = fk_fail(err, FK_ERR_CORRUPT, "%s is not a key backup", src);
	if (st == FK_OK)
		st = derive(pass, passlen, in, key, err);
	if (st == FK_OK && !(plain = malloc(n - HEAD_LEN)))
		st = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (st == FK_OK && (st = fk_open(key, in, HEAD_LEN, in + HEAD_LEN, n - HEAD_LEN, plain, &pn, err)) == FK_ERR_TAMPER)
		fk_fail(err, FK_ERR_TAMPER, "%s: wrong passphrase, or the file was altered", src);
	fk_wipe(key, sizeof key);
	/* Nothing is written until the whole archive has been opened. */
	if (st == FK_OK && mkdir(dir, 0700) != 0)
		st = errno == EEXIST ? fk_fail(err, FK_ERR_EXISTS, "%s already exists: keys are restored into a new folder", dir)
				     : fk_io_fail(err, "cannot create the folder", dir);
	if (st == FK_OK)
		st = unpack(plain, pn, dir, files, err);
	if (plain) {
		fk_wipe(plain, n - HEAD_LEN);
		free(plain);
	}
	free(in);
	return st;
}
