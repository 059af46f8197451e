/* The key folder: checking, loading, creating and rotating master keys and the index key (R-KEYS). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "keyfile.h"
#include "keys.h"

/* A key file: magic | type | id (u32 big-endian) | key | SHA-256 of all before. */
static const uint8_t KEY_MAGIC[8] = {'F', 'K', 'K', 'E', 'Y', '1', 0, 0};
#define MAGIC_LEN 8
#define SUM_LEN 32
#define BODY_LEN (MAGIC_LEN + 1 + 4 + FK_KEY_LEN)
#define FILE_LEN (BODY_LEN + SUM_LEN)
#define TYPE_MASTER 1
#define TYPE_INDEX 2
#define INDEX_NAME "index.key"
#define MASTER_PREFIX "master-"
#define MASTER_DIGITS 8
#define MASTER_ID_MAX 99999999u
#define NAME_LEN 32
/* "fk:dk:" | key row (u64 big-endian) | master id (u32 big-endian) */
#define WRAP_AAD_LEN (6 + 8 + 4)

struct master {
	uint32_t id;
	uint8_t key[FK_KEY_LEN];
};

/* Every key held in memory lives in one page-aligned mapping, so that it can
 * be locked out of swap and left out of core dumps, and wiped in one place. */
struct secrets {
	size_t size; /* of the mapping */
	uint8_t index[FK_KEY_LEN];
	unsigned n;
	struct master m[]; /* ascending id; the last is the current key */
};

struct fk_keyring {
	char *dir;
	struct secrets *s;
};

/* ---- secure memory ---------------------------------------------------- */

static struct secrets *secrets_new(unsigned n, fk_error *err)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t want = sizeof(struct secrets) + (size_t)n * sizeof(struct master);
	size_t ps = page > 0 ? (size_t)page : 4096;
	size_t size = (want + ps - 1) / ps * ps;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fk_fail(err, FK_ERR_NOMEM, "cannot map memory for keys: %s", strerror(errno));
		return NULL;
	}
	/* Best effort: without CAP_IPC_LOCK or within RLIMIT_MEMLOCK these may
	 * fail, and the keys are still wiped on close. */
	(void)mlock(p, size);
#ifdef MADV_DONTDUMP
	(void)madvise(p, size, MADV_DONTDUMP);
#endif
	struct secrets *s = p; /* mmap gives zeroed memory */
	s->size = size;
	s->n = n;
	return s;
}

static void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	size_t size = s->size;
	fk_wipe(s, size);
	(void)munlock(s, size);
	(void)munmap(s, size);
}

/* ---- small file helpers ----------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static fk_status sha256(const uint8_t *data, size_t n, uint8_t out[SUM_LEN], fk_error *err)
{
	unsigned int len = 0;
	if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1 || len != SUM_LEN)
		return fk_fail(err, FK_ERR_CRYPTO, "SHA-256 of a key file failed");
	return FK_OK;
}

static void master_name(char name[NAME_LEN], uint32_t id)
{
	snprintf(name, NAME_LEN, MASTER_PREFIX "%0*u.key", MASTER_DIGITS, (unsigned)id);
}

/* ---- the folder's contents --------------------------------------------- */

enum name_kind { NAME_OTHER, NAME_INDEX, NAME_MASTER, NAME_AUDIT, NAME_BAD };

static enum name_kind classify(const char *name, uint32_t *id)
{
	size_t len = strlen(name), plen = strlen(MASTER_PREFIX);
	if (len < 4 || strcmp(name + len - 4, ".key") != 0)
		return NAME_OTHER; /* README, editor backups: not ours to judge */
	if (strcmp(name, INDEX_NAME) == 0)
		return NAME_INDEX;
	if (strcmp(name, FK_AUDIT_KEY_NAME) == 0 || strcmp(name, FK_AUDIT_SIGN_NAME) == 0 ||
	    strcmp(name, FK_TRUST_KEY_FILE) == 0)
		return NAME_AUDIT; /* the history's keys (core/audit), the trust key (core/trust) */
	if (len != plen + MASTER_DIGITS + 4 || strncmp(name, MASTER_PREFIX, plen) != 0)
		return NAME_BAD;
	uint32_t v = 0;
	for (size_t i = plen; i < plen + MASTER_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return NAME_BAD;
		v = v * 10 + (uint32_t)(name[i] - '0');
	}
	*id = v;
	return v == 0 ? NAME_BAD : NAME_MASTER;
}

/* What a scan of the folder found: names only, no secrets yet. */
struct listing {
	uint32_t *ids;
	unsigned n, cap;
	int has_index;
	int any_key; /* any *.key at all */
};

static fk_status listing_add(struct listing *l, uint32_t id, fk_error *err)
{
	if (l->n == l->cap) {
		unsigned cap = l->cap ? 2 * l->cap : 8;
		uint32_t *p = realloc(l->ids, cap * sizeof *p);
		if (!p)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory listing keys");
		l->ids = p;
		l->cap = cap;
	}
	l->ids[l->n++] = id;
	return FK_OK;
}

static fk_status listing_entry(struct listing *l, const char *dir, const char *name, fk_error *err)
{
	uint32_t id = 0;
	switch (classify(name, &id)) {
	case NAME_OTHER:
		return FK_OK;
	case NAME_INDEX:
		l->any_key = l->has_index = 1;
		return FK_OK;
	case NAME_MASTER:
		l->any_key = 1;
		return listing_add(l, id, err);
	case NAME_AUDIT:
		l->any_key = 1;
		return FK_OK;
	case NAME_BAD:
		break;
	}
	l->any_key = 1;
	return fk_fail(err, FK_ERR_CORRUPT,
		       "unexpected key file %s/%s: key files are named index.key, master-NNNNNNNN.key, "
		       FK_AUDIT_KEY_NAME ", " FK_AUDIT_SIGN_NAME " or " FK_TRUST_KEY_FILE,
		       dir, name);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* List the folder open on fd (which stays open: a duplicate is read). */
static fk_status list_dir(int fd, const char *dir, struct listing *l, fk_error *err)
{
	memset(l, 0, sizeof *l);
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return fk_fail(err, FK_ERR_IO, "cannot read key folder %s: %s", dir, strerror(errno));
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return fk_fail(err, FK_ERR_IO, "cannot read key folder %s: %s", dir, strerror(errno));
	}
	rewinddir(d); /* the duplicate shares the offset of earlier listings */
	fk_status st = FK_OK;
	struct dirent *e;
	errno = 0;
	while (st == FK_OK && (e = readdir(d)) != NULL) {
		st = listing_entry(l, dir, e->d_name, err);
		errno = 0;
	}
	if (st == FK_OK && errno != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot read key folder %s: %s", dir, strerror(errno));
	closedir(d);
	if (st == FK_OK && l->n > 1)
		qsort(l->ids, l->n, sizeof *l->ids, cmp_u32);
	return st;
}

/* ---- reading and writing one key file ---------------------------------- */

static fk_status parse_key(const uint8_t *buf, const char *dir, const char *name, int type,
			   uint32_t id, uint8_t key[FK_KEY_LEN], fk_error *err)
{
	uint8_t sum[SUM_LEN];
	fk_status st = sha256(buf, BODY_LEN, sum, err);
	if (st != FK_OK)
		return st;
	if (memcmp(buf, KEY_MAGIC, MAGIC_LEN) != 0)
		return fk_fail(err, FK_ERR_CORRUPT, "key file %s/%s is not a fukuhon key file", dir, name);
	if (fk_memeq_ct(sum, buf + BODY_LEN, SUM_LEN) != 0)
		return fk_fail(err, FK_ERR_CORRUPT,
			       "key file %s/%s is damaged (checksum mismatch); restore it from backup",
			       dir, name);
	/* A file renamed to another id would silently become another key. */
	if (buf[MAGIC_LEN] != type || get_u32(buf + MAGIC_LEN + 1) != id)
		return fk_fail(err, FK_ERR_CORRUPT,
			       "key file %s/%s holds a key of another type or id (renamed file?)",
			       dir, name);
	memcpy(key, buf + MAGIC_LEN + 1 + 4, FK_KEY_LEN);
	return FK_OK;
}

static fk_status read_key(int dfd, const char *dir, const char *name, int type, uint32_t id,
			  uint8_t key[FK_KEY_LEN], fk_error *err)
{
	uint8_t buf[FILE_LEN + 1];
	size_t got = 0;
	int fd = -1;
	fk_status st = fk_keyfile_open(dfd, dir, name, FILE_LEN, &fd, err);
	if (st != FK_OK)
		return st;
	if (fk_read_full(fd, buf, sizeof buf, &got) != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot read key file %s/%s: %s", dir, name,
			     strerror(errno));
	else if (got != FILE_LEN)
		st = fk_fail(err, FK_ERR_CORRUPT, "key file %s/%s changed size while being read",
			     dir, name);
	else
		st = parse_key(buf, dir, name, type, id, key, err);
	close(fd);
	fk_wipe(buf, sizeof buf);
	return st;
}

/* Write a new key file; it never replaces an existing one (O_EXCL), which
 * also keeps two processes rotating at once from both writing key N+1. */
static fk_status write_key(int dfd, const char *dir, const char *name, int type, uint32_t id,
			   const uint8_t key[FK_KEY_LEN], fk_error *err)
{
	uint8_t buf[FILE_LEN];
	memcpy(buf, KEY_MAGIC, MAGIC_LEN);
	buf[MAGIC_LEN] = (uint8_t)type;
	put_u32(buf + MAGIC_LEN + 1, id);
	memcpy(buf + MAGIC_LEN + 1 + 4, key, FK_KEY_LEN);
	fk_status st = sha256(buf, BODY_LEN, buf + BODY_LEN, err);
	if (st != FK_OK) {
		fk_wipe(buf, sizeof buf);
		return st;
	}
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fk_wipe(buf, sizeof buf);
		return fk_fail(err, errno == EEXIST ? FK_ERR_EXISTS : FK_ERR_IO,
			       "cannot create key file %s/%s: %s", dir, name, strerror(errno));
	}
	/* fchmod: the umask must not decide the mode of a key file. */
	if (fchmod(fd, 0600) != 0 || fk_write_full(fd, buf, sizeof buf) != 0 || fsync(fd) != 0)
		st = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
			     "cannot write key file %s/%s: %s", dir, name, strerror(errno));
	if (close(fd) != 0 && st == FK_OK)
		st = fk_fail(err, FK_ERR_IO, "cannot write key file %s/%s: %s", dir, name,
			     strerror(errno));
	fk_wipe(buf, sizeof buf);
	if (st != FK_OK)
		(void)unlinkat(dfd, name, 0);
	return st;
}

/* ---- loading ------------------------------------------------------------ */

static fk_status load_listed(int dfd, const char *dir, const struct listing *l,
			     struct secrets **out, fk_error *err)
{
	if (!l->has_index)
		return fk_fail(err, FK_ERR_NOKEY,
			       "no index key (index.key) in key folder %s; run `fukuhonctl init` for a new terminal, or restore the folder from backup",
			       dir);
	if (l->n == 0)
		return fk_fail(err, FK_ERR_NOKEY,
			       "no master key (master-NNNNNNNN.key) in key folder %s; run `fukuhonctl init` for a new terminal, or restore the folder from backup",
			       dir);
	struct secrets *s = secrets_new(l->n, err);
	if (!s)
		return FK_ERR_NOMEM;
	fk_status st = read_key(dfd, dir, INDEX_NAME, TYPE_INDEX, 0, s->index, err);
	for (unsigned i = 0; st == FK_OK && i < l->n; i++) {
		char name[NAME_LEN];
		master_name(name, l->ids[i]);
		s->m[i].id = l->ids[i];
		st = read_key(dfd, dir, name, TYPE_MASTER, l->ids[i], s->m[i].key, err);
	}
	if (st != FK_OK) {
		secrets_free(s);
		return st;
	}
	*out = s;
	return FK_OK;
}

static fk_status load_dir(const char *dir, struct secrets **out, fk_error *err)
{
	int dfd = -1;
	struct listing l;
	fk_status st = fk_keydir_open(dir, &dfd, err);
	if (st != FK_OK)
		return st;
	st = list_dir(dfd, dir, &l, err);
	if (st == FK_OK)
		st = load_listed(dfd, dir, &l, out, err);
	free(l.ids);
	close(dfd);
	return st;
}

fk_status fk_keys_open(const char *dir, fk_keyring **out, fk_error *err)
{
	*out = NULL;
	if (!dir || !*dir)
		return fk_fail(err, FK_ERR_CONFIG, "no key folder configured");
	fk_keyring *kr = calloc(1, sizeof *kr);
	if (!kr || !(kr->dir = strdup(dir))) {
		free(kr);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory opening keys");
	}
	fk_status st = load_dir(dir, &kr->s, err);
	if (st != FK_OK) {
		fk_keys_close(kr);
		return st;
	}
	*out = kr;
	return FK_OK;
}

/* The keys in memory are only replaced once the new set loaded completely, with the same
 * index key. */
fk_status fk_keys_reload(fk_keyring *kr, fk_error *err)
{
	if (!kr)
		return fk_fail(err, FK_ERR_INTERNAL, "no keyring to reload");
	struct secrets *s = NULL;
	fk_status st = load_dir(kr->dir, &s, err);
	if (st != FK_OK)
		return st;
	/* The index key was checked against the database when the terminal opened
	 * (core/store/indexkey.h); another one read now would go unchecked. */
	if (fk_memeq_ct(s->index, kr->s->index, FK_KEY_LEN) != 0) {
		secrets_free(s);
		return fk_fail(err, FK_ERR_TAMPER,
			       "index.key in key folder %s changed while fukuhon was running: restore the key folder from backup",
			       kr->dir);
	}
	secrets_free(kr->s);
	kr->s = s;
	return FK_OK;
}

void fk_keys_close(fk_keyring *kr)
{
	if (!kr)
		return;
	secrets_free(kr->s);
	free(kr->dir);
	free(kr);
}

/* ---- creation ----------------------------------------------------------- */

/* Make the new folder's entry in its parent durable too. */
static fk_status fsync_parent(const char *dir, fk_error *err)
{
	char *copy = strdup(dir);
	if (!copy)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *parent = !slash ? "." : slash == copy ? "/" : (*slash = '\0', copy);
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fk_status st = FK_OK;
	if (fd < 0)
		st = fk_fail(err, FK_ERR_IO, "cannot open folder %s: %s", parent, strerror(errno));
	else {
		st = fk_keydir_sync(fd, parent, err);
		close(fd);
	}
	free(copy);
	return st;
}

/* The umask may have taken owner bits from a folder we just made; set the
 * mode through a descriptor so that a symlink put in its place is not followed. */
static fk_status fix_new_dir_mode(const char *dir, fk_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fk_fail(err, FK_ERR_KEYPERM, "cannot open new key folder %s: %s", dir,
			       strerror(errno));
	fk_status st = FK_OK;
	if (fchmod(fd, 0700) != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot set the mode of %s: %s", dir, strerror(errno));
	close(fd);
	return st;
}

/* Make the folder, or accept an existing one that is safe and holds no key.
 * An existing folder with unsafe modes is refused, not repaired: what it held
 * or who could reach it is unknown, and an operator should look. */
static fk_status prepare_dir(const char *dir, int *dfd, int *created, fk_error *err)
{
	*created = 0;
	if (mkdir(dir, 0700) == 0)
		*created = 1;
	else if (errno != EEXIST)
		return fk_fail(err, FK_ERR_IO, "cannot create key folder %s: %s", dir, strerror(errno));
	fk_status st = *created ? fix_new_dir_mode(dir, err) : FK_OK;
	if (st == FK_OK)
		st = fk_keydir_open(dir, dfd, err);
	if (st != FK_OK || *created)
		return st;
	struct listing l;
	st = list_dir(*dfd, dir, &l, err);
	free(l.ids);
	if (st == FK_OK && l.any_key)
		st = fk_fail(err, FK_ERR_EXISTS,
			     "key folder %s already holds keys; refusing to replace them", dir);
	else if (st == FK_ERR_CORRUPT)
		st = fk_fail(err, FK_ERR_EXISTS,
			     "key folder %s already holds key files; refusing to replace them", dir);
	if (st != FK_OK)
		close(*dfd);
	return st;
}

static fk_status write_new_keys(int dfd, const char *dir, fk_error *err)
{
	uint8_t keys[2][FK_KEY_LEN];
	char name[NAME_LEN];
	master_name(name, 1);
	fk_status st = fk_random(keys, sizeof keys, err);
	if (st == FK_OK)
		st = write_key(dfd, dir, name, TYPE_MASTER, 1, keys[0], err);
	if (st == FK_OK) {
		st = write_key(dfd, dir, INDEX_NAME, TYPE_INDEX, 0, keys[1], err);
		if (st != FK_OK)
			(void)unlinkat(dfd, name, 0);
	}
	fk_wipe(keys, sizeof keys);
	return st;
}

fk_status fk_keys_create(const char *dir, fk_error *err)
{
	if (!dir || !*dir)
		return fk_fail(err, FK_ERR_CONFIG, "no key folder configured");
	int dfd = -1, created = 0;
	fk_status st = prepare_dir(dir, &dfd, &created, err);
	if (st != FK_OK)
		return st;
	st = write_new_keys(dfd, dir, err);
	if (st == FK_OK)
		st = fk_keydir_sync(dfd, dir, err);
	if (st == FK_OK && created)
		st = fsync_parent(dir, err);
	close(dfd);
	if (st != FK_OK && created)
		(void)rmdir(dir); /* fails, harmlessly, if keys were left behind */
	return st;
}

/* ---- accessors ---------------------------------------------------------- */

const char *fk_keys_dir(const fk_keyring *kr)
{
	return kr ? kr->dir : NULL;
}

uint32_t fk_keys_current_id(const fk_keyring *kr)
{
	return kr && kr->s && kr->s->n ? kr->s->m[kr->s->n - 1].id : 0;
}

static int master_index(const fk_keyring *kr, uint32_t id)
{
	if (!kr || !kr->s)
		return -1;
	for (unsigned i = 0; i < kr->s->n; i++)
		if (kr->s->m[i].id == id)
			return (int)i;
	return -1;
}

const uint8_t *fk_keys_master(const fk_keyring *kr, uint32_t id)
{
	int i = master_index(kr, id);
	return i < 0 ? NULL : kr->s->m[i].key;
}

const uint8_t *fk_keys_index(const fk_keyring *kr)
{
	return kr && kr->s ? kr->s->index : NULL;
}

unsigned fk_keys_master_count(const fk_keyring *kr)
{
	return kr && kr->s ? kr->s->n : 0;
}

uint32_t fk_keys_master_id_at(const fk_keyring *kr, unsigned i)
{
	return kr && kr->s && i < kr->s->n ? kr->s->m[i].id : 0;
}

/* ---- wrapping ----------------------------------------------------------- */

static void wrap_aad(uint8_t aad[WRAP_AAD_LEN], int64_t key_row, uint32_t kek_id)
{
	memcpy(aad, "fk:dk:", 6);
	for (int i = 0; i < 8; i++)
		aad[6 + i] = (uint8_t)((uint64_t)key_row >> (56 - 8 * i));
	put_u32(aad + 14, kek_id);
}

fk_status fk_keys_wrap(const fk_keyring *kr, int64_t key_row, const uint8_t dk[FK_KEY_LEN],
		       uint8_t out[FK_WRAPPED_LEN], uint32_t *kek_id, fk_error *err)
{
	uint32_t id = fk_keys_current_id(kr);
	if (id == 0)
		return fk_fail(err, FK_ERR_NOKEY, "no master key loaded");
	uint8_t aad[WRAP_AAD_LEN];
	wrap_aad(aad, key_row, id);
	fk_status st = fk_seal(fk_keys_master(kr, id), aad, sizeof aad, dk, FK_KEY_LEN, out, err);
	if (st == FK_OK)
		*kek_id = id;
	return st;
}

fk_status fk_keys_unwrap(const fk_keyring *kr, uint32_t kek_id, int64_t key_row,
			 const uint8_t *wrapped, size_t len, uint8_t dk[FK_KEY_LEN],
			 fk_error *err)
{
	if (len != FK_WRAPPED_LEN)
		return fk_fail(err, FK_ERR_CORRUPT, "wrapped data key of row %lld is %zu bytes, not %d",
			       (long long)key_row, len, FK_WRAPPED_LEN);
	const uint8_t *mk = fk_keys_master(kr, kek_id);
	if (!mk)
		return fk_fail(err, FK_ERR_NOKEY, "master key %u is not in key folder %s",
			       (unsigned)kek_id, kr ? kr->dir : "(none)");
	uint8_t aad[WRAP_AAD_LEN];
	size_t n = 0;
	wrap_aad(aad, key_row, kek_id);
	fk_status st = fk_open(mk, aad, sizeof aad, wrapped, len, dk, &n, err);
	if (st == FK_ERR_TAMPER)
		return fk_fail(err, st,
			       "wrapped data key of row %lld does not authenticate under master key %u: altered, or it belongs to another row",
			       (long long)key_row, (unsigned)kek_id);
	if (st == FK_OK && n != FK_KEY_LEN) {
		fk_wipe(dk, FK_KEY_LEN);
		return fk_fail(err, FK_ERR_CORRUPT, "wrapped data key of row %lld has the wrong length",
			       (long long)key_row);
	}
	return st;
}

/* ---- rotation ----------------------------------------------------------- */

fk_status fk_keys_add_master(fk_keyring *kr, fk_error *err)
{
	uint32_t cur = fk_keys_current_id(kr);
	if (cur == 0)
		return fk_fail(err, FK_ERR_NOKEY, "no master key loaded");
	if (cur >= MASTER_ID_MAX)
		return fk_fail(err, FK_ERR_INVALID, "master key ids are exhausted (%u)", (unsigned)cur);
	int dfd = -1;
	fk_status st = fk_keydir_open(kr->dir, &dfd, err);
	if (st != FK_OK)
		return st;
	unsigned n = kr->s->n;
	struct secrets *s = secrets_new(n + 1, err);
	if (!s) {
		close(dfd);
		return FK_ERR_NOMEM;
	}
	memcpy(s->index, kr->s->index, FK_KEY_LEN);
	memcpy(s->m, kr->s->m, n * sizeof *s->m);
	s->m[n].id = cur + 1;
	char name[NAME_LEN];
	master_name(name, cur + 1);
	st = fk_random(s->m[n].key, FK_KEY_LEN, err);
	if (st == FK_OK && (st = write_key(dfd, kr->dir, name, TYPE_MASTER, cur + 1, s->m[n].key,
					   err)) == FK_ERR_EXISTS)
		fk_fail_wrap(err, "another process has rotated the master key; reload and retry");
	if (st == FK_OK)
		st = fk_keydir_sync(dfd, kr->dir, err);
	close(dfd);
	if (st != FK_OK) {
		secrets_free(s);
		return st;
	}
	secrets_free(kr->s);
	kr->s = s;
	return FK_OK;
}

/* Overwrite before unlinking. On journalling or flash storage the old
 * blocks may survive; what really retires a key is that no data key is
 * wrapped under it any more (rotate.c re-wraps them all first). */
static fk_status shred_file(int dfd, const char *dir, const char *name, fk_error *err)
{
	int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return FK_OK; /* already retired by another process */
	if (fd < 0)
		return fk_fail(err, errno == ELOOP ? FK_ERR_KEYPERM : FK_ERR_IO,
			       "cannot open key file %s/%s: %s", dir, name, strerror(errno));
	struct stat sb;
	fk_status st = FK_OK;
	memset(&sb, 0, sizeof sb);
	if (fstat(fd, &sb) != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot examine key file %s/%s: %s", dir, name,
			     strerror(errno));
	else
		st = fk_keyfile_check(&sb, dir, name, err);
	static const uint8_t zeros[256];
	for (off_t left = sb.st_size; st == FK_OK && left > 0;) {
		size_t chunk = left > (off_t)sizeof zeros ? sizeof zeros : (size_t)left;
		if (fk_write_full(fd, zeros, chunk) != 0)
			st = fk_fail(err, FK_ERR_IO, "cannot overwrite key file %s/%s: %s", dir, name,
				     strerror(errno));
		left -= (off_t)chunk;
	}
	if (st == FK_OK && fsync(fd) != 0)
		st = fk_fail(err, FK_ERR_IO, "cannot sync key file %s/%s: %s", dir, name, strerror(errno));
	close(fd);
	if (st == FK_OK && unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
		st = fk_fail(err, FK_ERR_IO, "cannot remove key file %s/%s: %s", dir, name,
			     strerror(errno));
	return st;
}

/* The keyring without master key i. */
static fk_status drop_master(fk_keyring *kr, unsigned i, fk_error *err)
{
	unsigned n = kr->s->n;
	struct secrets *s = secrets_new(n - 1, err);
	if (!s)
		return FK_ERR_NOMEM;
	memcpy(s->index, kr->s->index, FK_KEY_LEN);
	memcpy(s->m, kr->s->m, i * sizeof *s->m);
	memcpy(s->m + i, kr->s->m + i + 1, (n - i - 1) * sizeof *s->m);
	secrets_free(kr->s);
	kr->s = s;
	return FK_OK;
}

fk_status fk_keys_retire_master(fk_keyring *kr, uint32_t id, fk_error *err)
{
	int i = master_index(kr, id);
	if (i < 0)
		return fk_fail(err, FK_ERR_NOTFOUND, "master key %u is not loaded", (unsigned)id);
	if (id == fk_keys_current_id(kr))
		return fk_fail(err, FK_ERR_DENIED,
			       "master key %u is the current key and cannot be retired", (unsigned)id);
	int dfd = -1;
	fk_status st = fk_keydir_open(kr->dir, &dfd, err);
	if (st != FK_OK)
		return st;
	char name[NAME_LEN];
	master_name(name, id);
	st = shred_file(dfd, kr->dir, name, err);
	if (st == FK_OK)
		st = fk_keydir_sync(dfd, kr->dir, err);
	close(dfd);
	if (st == FK_OK)
		st = drop_master(kr, (unsigned)i, err);
	return st;
}
