/* The anchor file in the key folder: two MAC'd slots and a confirmation mark (see anchor.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anchor.h"
#include "keyfile.h"
#include "util.h"

#define SLOT_SIZE 2048
#define MARK_AT (2 * SLOT_SIZE)
#define HEAD_LEN (3 * 8 + FK_MAC_LEN)
#define DIGEST_LEN (8 + FK_MAC_LEN)
/* A slot's body for ntables sealed tables: a program that knew fewer tables wrote fewer
 * digests (rows.h: the list is append only), and the tables it did not know were empty. */
#define SLOT_BODY_N(n) (8 + 8 + 8 + 8 + 2 * HEAD_LEN + 2 * (size_t)(n) * DIGEST_LEN)
#define SLOT_BODY SLOT_BODY_N(FK_T_COUNT)
#define MARK_BODY (8 + 8)
/* After the body of a shared store's slot (flag SLOT_SHARED): the store's two generations and
 * this terminal's two chain heads. */
#define SHARED_LEN (8 + 8 + 2 * HEAD_LEN + 2 * FK_MAC_LEN)
#define SLOT_SHARED 2

_Static_assert(SLOT_BODY_N(1) + SHARED_LEN + FK_MAC_LEN <= SLOT_SIZE, "the anchor's slot holds a shared store's state");

_Static_assert(SLOT_BODY + FK_MAC_LEN <= SLOT_SIZE, "the anchor's slot holds every table");

static const uint8_t SLOT_MAGIC[8] = {'F', 'K', 'A', 'N', 'C', 'H', 'R', '1'};
static const uint8_t MARK_MAGIC[8] = {'F', 'K', 'A', 'N', 'C', 'M', 'K', '1'};

struct fk_anchor_file {
	int fd;
	char *path;
	fk_mac *mac;
	int unsynced; /* a confirmation written but not yet synced (fk_anchor_confirm_after) */
};

static void (*test_hook)(const char *point);
static int test_width; /* tests: write as a program that knew this many tables (0: all) */

void fk_anchor_test_width(int ntables)
{
	test_width = ntables > 0 && ntables < FK_T_COUNT ? ntables : 0;
}

void fk_anchor_test_hook(void (*fn)(const char *point))
{
	test_hook = fn;
}

void fk_anchor_test_point(const char *point)
{
	if (test_hook)
		test_hook(point);
}

int fk_head_equal(const fk_head *a, const fk_head *b)
{
	return a->seq == b->seq && a->epoch == b->epoch && a->kind == b->kind &&
	       fk_memeq_ct(a->mac, b->mac, FK_MAC_LEN) == 0;
}

/* ---- encoding ---- */

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
	return p + 8;
}

static const uint8_t *get64(const uint8_t *p, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v = *v << 8 | p[i];
	return p + 8;
}

static uint8_t *put_state(uint8_t *p, const fk_state *s, int tables, int n)
{
	if (!tables) {
		p = put64(p, (uint64_t)s->head.seq);
		p = put64(p, (uint64_t)s->head.epoch);
		p = put64(p, (uint64_t)s->head.kind);
		memcpy(p, s->head.mac, FK_MAC_LEN);
		return p + FK_MAC_LEN;
	}
	for (int t = 0; t < n; t++) {
		p = put64(p, s->table[t].count);
		memcpy(p, s->table[t].sum, FK_MAC_LEN);
		p += FK_MAC_LEN;
	}
	return p;
}

static const uint8_t *get_state(const uint8_t *p, fk_state *s, int tables, int n)
{
	uint64_t v;
	if (!tables) {
		p = get64(p, &v);
		s->head.seq = (int64_t)v;
		p = get64(p, &v);
		s->head.epoch = (int64_t)v;
		p = get64(p, &v);
		s->head.kind = (int64_t)v;
		memcpy(s->head.mac, p, FK_MAC_LEN);
		return p + FK_MAC_LEN;
	}
	/* Tables after the first n are empty: the program that wrote the slot had none. */
	for (int t = 0; t < n; t++) {
		p = get64(p, &s->table[t].count);
		memcpy(s->table[t].sum, p, FK_MAC_LEN);
		p += FK_MAC_LEN;
	}
	return p;
}

static fk_status encode_slot(fk_anchor_file *f, const fk_anchor *a, uint8_t buf[SLOT_SIZE],
			     fk_error *err)
{
	memset(buf, 0, SLOT_SIZE);
	memcpy(buf, SLOT_MAGIC, 8);
	/* Only tests write fewer tables than there are (fk_anchor_test_width). A shared store's
	 * tables are in the store's row, which the slot names by its MAC: one table is written,
	 * unused, so that the slot keeps its layout. */
	size_t n = a->shared ? 1 : test_width ? (size_t)test_width : FK_T_COUNT;
	uint8_t *p = put64(buf + 8, a->gen);
	p = put64(p, (a->pending ? 1 : 0) | (a->shared ? SLOT_SHARED : 0));
	p = put64(p, n);
	p = put_state(p, &a->now, 0, 0);
	p = put_state(p, &a->before, 0, 0);
	p = put_state(p, &a->now, 1, (int)n);
	p = put_state(p, &a->before, 1, (int)n);
	size_t len = SLOT_BODY_N(n);
	if (a->shared) {
		fk_state own = {.head = a->own}, own_before = {.head = a->own_before};
		p = put64(p, a->sgen);
		p = put64(p, a->sgen_before);
		p = put_state(p, &own, 0, 0);
		p = put_state(p, &own_before, 0, 0);
		memcpy(p, a->smac, FK_MAC_LEN);
		memcpy(p + FK_MAC_LEN, a->smac_before, FK_MAC_LEN);
		len += SHARED_LEN;
	}
	return fk_mac_run(f->mac, buf, len, buf + len, err);
}

/* 1 when the slot is one of ours and intact. */
static int decode_slot(fk_anchor_file *f, const uint8_t buf[SLOT_SIZE], fk_anchor *a)
{
	uint8_t mac[FK_MAC_LEN];
	uint64_t flags, ntables;
	/* The number of tables and the flags say how long the MAC'd body is; the MAC then covers
	 * them. A program with more tables than this one wrote it: not ours to read. */
	get64(buf + 16, &flags);
	get64(buf + 24, &ntables);
	size_t len = SLOT_BODY_N(ntables <= FK_T_COUNT ? ntables : 0) + (flags & SLOT_SHARED ? SHARED_LEN : 0);
	if (memcmp(buf, SLOT_MAGIC, 8) != 0 || ntables < 1 || ntables > FK_T_COUNT ||
	    fk_mac_run(f->mac, buf, len, mac, NULL) != FK_OK ||
	    fk_memeq_ct(mac, buf + len, FK_MAC_LEN) != 0)
		return 0;
	memset(a, 0, sizeof *a);
	const uint8_t *p = get64(buf + 8, &a->gen);
	p = get64(p, &flags);
	p += 8; /* ntables, read above */
	a->pending = (flags & 1) != 0;
	p = get_state(p, &a->now, 0, 0);
	p = get_state(p, &a->before, 0, 0);
	p = get_state(p, &a->now, 1, (int)ntables);
	p = get_state(p, &a->before, 1, (int)ntables);
	if (flags & SLOT_SHARED) {
		fk_state own, own_before;
		a->shared = 1;
		p = get64(p, &a->sgen);
		p = get64(p, &a->sgen_before);
		p = get_state(p, &own, 0, 0);
		p = get_state(p, &own_before, 0, 0);
		memcpy(a->smac, p, FK_MAC_LEN);
		memcpy(a->smac_before, p + FK_MAC_LEN, FK_MAC_LEN);
		a->own = own.head;
		a->own_before = own_before.head;
	}
	return 1;
}

size_t fk_state_encode(const fk_state *s, uint8_t buf[FK_STATE_MAX])
{
	memcpy(buf, "FKS1", 4);
	uint8_t *p = put_state(buf + 4, s, 0, 0);
	p = put64(p, FK_T_COUNT);
	for (int t = 0; t < FK_T_COUNT; t++) {
		p = put64(p, s->table[t].count);
		memcpy(p, s->table[t].sum, FK_MAC_LEN);
		p += FK_MAC_LEN;
	}
	return (size_t)(p - buf);
}

int fk_state_decode(const uint8_t *buf, size_t n, fk_state *s)
{
	uint64_t nt;
	size_t head = 4 + 3 * 8 + FK_MAC_LEN;
	memset(s, 0, sizeof *s);
	if (n < head + 8 || memcmp(buf, "FKS1", 4) != 0)
		return 0;
	get64(buf + head, &nt);
	if (nt < 1 || nt > FK_T_COUNT || n != head + 8 + nt * (8 + FK_MAC_LEN))
		return 0;
	const uint8_t *p = get_state(buf + 4, s, 0, 0) + 8;
	get_state(p, s, 1, (int)nt);
	return 1;
}

/* ---- the file ---- */

static fk_status io_fail(fk_anchor_file *f, const char *what, fk_error *err)
{
	return fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO, "%s the anchor %s: %s", what,
		       f->path, strerror(errno));
}

static fk_status pread_full(fk_anchor_file *f, uint8_t *buf, size_t n, off_t at, size_t *got,
			    fk_error *err)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = pread(f->fd, buf + *got, n - *got, at + (off_t)*got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return io_fail(f, "cannot read", err);
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return FK_OK;
}

static fk_status pwrite_all(fk_anchor_file *f, const uint8_t *buf, size_t n, off_t at, fk_error *err)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = pwrite(f->fd, buf + done, n - done, at + (off_t)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(f, "cannot write", err);
		done += (size_t)w;
	}
	return FK_OK;
}

static fk_status pwrite_sync(fk_anchor_file *f, const uint8_t *buf, size_t n, off_t at, fk_error *err)
{
	fk_status st = pwrite_all(f, buf, n, at, err);
	if (st == FK_OK && fdatasync(f->fd) != 0)
		return io_fail(f, "cannot sync", err);
	if (st == FK_OK)
		f->unsynced = 0; /* the file's every write, an earlier unsynced mark's too */
	return st;
}

static fk_status file_new(const char *key_dir, const uint8_t trust_key[FK_KEY_LEN],
			  fk_anchor_file **out, fk_error *err)
{
	uint8_t ak[FK_MAC_LEN];
	fk_anchor_file *f = calloc(1, sizeof *f);
	if (!f)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	f->fd = -1;
	f->path = fk_path_join(key_dir, FK_ANCHOR_NAME, err);
	fk_status st = f->path ? fk_hmac(trust_key, "fk:anchor", 9, ak, err) : FK_ERR_NOMEM;
	if (st == FK_OK)
		st = fk_mac_new(ak, &f->mac, err);
	fk_wipe(ak, sizeof ak);
	if (st != FK_OK) {
		fk_anchor_close(f);
		return st;
	}
	*out = f;
	return FK_OK;
}

/* What was opened must pass the checks of every key file. */
static fk_status check_opened(fk_anchor_file *f, const char *key_dir, fk_error *err)
{
	struct stat sb;
	if (fstat(f->fd, &sb) != 0)
		return io_fail(f, "cannot examine", err);
	return fk_keyfile_check(&sb, key_dir, FK_ANCHOR_NAME, err);
}

fk_status fk_anchor_open(const char *key_dir, const uint8_t trust_key[FK_KEY_LEN],
			 fk_anchor_file **out, int *exists, fk_error *err)
{
	*out = NULL;
	*exists = 0;
	fk_anchor_file *f;
	fk_status st = file_new(key_dir, trust_key, &f, err);
	if (st != FK_OK)
		return st;
	f->fd = open(f->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (f->fd < 0 && errno == ENOENT) {
		fk_anchor_close(f);
		return FK_OK;
	}
	if (f->fd < 0)
		st = errno == ELOOP ? fk_fail(err, FK_ERR_KEYPERM, "the anchor %s is a symbolic link", f->path)
				    : io_fail(f, "cannot open", err);
	if (st == FK_OK)
		st = check_opened(f, key_dir, err);
	if (st != FK_OK) {
		fk_anchor_close(f);
		return st;
	}
	*exists = 1;
	*out = f;
	return FK_OK;
}

/* Written under a temporary name and linked into place, so that a crash never leaves a
 * half-written anchor under the real name. */
fk_status fk_anchor_create(const char *key_dir, const uint8_t trust_key[FK_KEY_LEN],
			   const fk_anchor *a, fk_anchor_file **out, fk_error *err)
{
	*out = NULL;
	fk_anchor_file *f;
	uint8_t buf[MARK_AT];
	char tmp[64];
	fk_status st = file_new(key_dir, trust_key, &f, err);
	if (st != FK_OK)
		return st;
	int dfd = open(key_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(tmp, sizeof tmp, ".%s.%ld", FK_ANCHOR_NAME, (long)getpid());
	if (dfd < 0)
		st = io_fail(f, "cannot open the folder of", err);
	if (st == FK_OK && (f->fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
					   0600)) < 0)
		st = io_fail(f, "cannot create", err);
	if (st == FK_OK && fchmod(f->fd, 0600) != 0)
		st = io_fail(f, "cannot set the mode of", err);
	/* Both slots hold the first state, so that neither is ever empty. */
	if (st == FK_OK)
		st = encode_slot(f, a, buf, err);
	if (st == FK_OK) {
		memcpy(buf + SLOT_SIZE, buf, SLOT_SIZE);
		st = pwrite_sync(f, buf, sizeof buf, 0, err);
	}
	if (st == FK_OK)
		st = fk_anchor_confirm(f, a->gen, err);
	if (st == FK_OK && linkat(dfd, tmp, dfd, FK_ANCHOR_NAME, 0) != 0)
		st = errno == EEXIST ? fk_fail(err, FK_ERR_EXISTS, "the anchor %s already exists", f->path)
				     : io_fail(f, "cannot create", err);
	if (dfd >= 0) {
		(void)unlinkat(dfd, tmp, 0);
		if (st == FK_OK)
			st = fk_keydir_sync(dfd, key_dir, err);
		close(dfd);
	}
	if (st != FK_OK) {
		fk_anchor_close(f);
		return st;
	}
	*out = f;
	return FK_OK;
}

void fk_anchor_close(fk_anchor_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0) {
		if (f->unsynced)
			(void)fdatasync(f->fd); /* the last mark, as far as it can be: see confirm_after */
		close(f->fd);
	}
	fk_mac_free(f->mac);
	free(f->path);
	free(f);
}

/* Both slots and the mark; *latest the newer valid slot (-1: none). */
static fk_status read_all(fk_anchor_file *f, fk_anchor slot[2], int *latest, uint64_t *mark,
			  fk_error *err)
{
	uint8_t buf[MARK_AT + FK_MAC_LEN + MARK_BODY];
	size_t got;
	fk_status st = pread_full(f, buf, sizeof buf, 0, &got, err);
	if (st != FK_OK)
		return st;
	if (got < sizeof buf)
		memset(buf + got, 0, sizeof buf - got);
	int ok0 = decode_slot(f, buf, &slot[0]), ok1 = decode_slot(f, buf + SLOT_SIZE, &slot[1]);
	*latest = ok0 && ok1 ? (slot[1].gen > slot[0].gen) : ok0 ? 0 : ok1 ? 1 : -1;
	uint8_t mac[FK_MAC_LEN];
	const uint8_t *m = buf + MARK_AT;
	*mark = 0;
	if (memcmp(m, MARK_MAGIC, 8) == 0 && fk_mac_run(f->mac, m, MARK_BODY, mac, NULL) == FK_OK &&
	    fk_memeq_ct(mac, m + MARK_BODY, FK_MAC_LEN) == 0)
		get64(m + 8, mark);
	return FK_OK;
}

fk_status fk_anchor_read(fk_anchor_file *f, fk_anchor *a, fk_error *err)
{
	fk_anchor slot[2];
	int latest;
	uint64_t mark;
	fk_status st = read_all(f, slot, &latest, &mark, err);
	if (st != FK_OK)
		return st;
	if (latest < 0)
		return fk_fail(err, FK_ERR_TAMPER,
			       "the anchor %s is damaged or was made with another trust key: restore the key folder from its backup",
			       f->path);
	*a = slot[latest];
	a->confirmed = !a->pending || mark == a->gen;
	return FK_OK;
}

fk_status fk_anchor_write(fk_anchor_file *f, const fk_anchor *a, fk_error *err)
{
	fk_anchor slot[2];
	int latest;
	uint64_t mark;
	uint8_t buf[SLOT_SIZE];
	fk_status st = read_all(f, slot, &latest, &mark, err);
	if (st == FK_OK && latest >= 0 && a->gen <= slot[latest].gen)
		st = fk_fail(err, FK_ERR_INTERNAL, "the anchor would move backwards (%llu after %llu)",
			     (unsigned long long)a->gen, (unsigned long long)slot[latest].gen);
	if (st == FK_OK)
		st = encode_slot(f, a, buf, err);
	/* The other slot: a torn write leaves the latest intact. */
	if (st == FK_OK)
		st = pwrite_sync(f, buf, SLOT_SIZE, latest == 0 ? SLOT_SIZE : 0, err);
	return st;
}

static fk_status confirm(fk_anchor_file *f, uint64_t gen, int sync, fk_error *err)
{
	fk_anchor slot[2];
	int latest, rc;
	uint64_t mark;
	uint8_t buf[MARK_BODY + FK_MAC_LEN];
	/* A writer confirms after its commit, outside the database's write lock: a confirmation
	 * delayed past a later writer's would unconfirm that later commit, and a cut of it would
	 * pass for a crash. So the mark only moves forward, read and written by one confirmer at
	 * a time (flock: every process and every open of the file takes its turn). */
	while ((rc = flock(f->fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (rc != 0)
		return io_fail(f, "cannot lock", err);
	fk_status st = read_all(f, slot, &latest, &mark, err);
	if (st == FK_OK && mark < gen) {
		memcpy(buf, MARK_MAGIC, 8);
		put64(buf + 8, gen);
		if ((st = fk_mac_run(f->mac, buf, MARK_BODY, buf + MARK_BODY, err)) == FK_OK)
			st = sync ? pwrite_sync(f, buf, sizeof buf, MARK_AT, err)
				  : pwrite_all(f, buf, sizeof buf, MARK_AT, err);
		if (st == FK_OK && !sync)
			f->unsynced = 1;
	}
	flock(f->fd, LOCK_UN);
	return st;
}

fk_status fk_anchor_confirm(fk_anchor_file *f, uint64_t gen, fk_error *err)
{
	return confirm(f, gen, 1, err);
}

fk_status fk_anchor_confirm_after(fk_anchor_file *f, uint64_t gen, fk_error *err)
{
	return confirm(f, gen, 0, err);
}
