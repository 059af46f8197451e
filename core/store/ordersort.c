/* Sorting sort keys in bounded memory (ordersort.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "ordersort.h"
#include "util.h"

/* A spilled run's blocks: plaintext up to this size, each sealed on its own, so that the
 * merge holds one block per run. */
#define BLOCK (32 * 1024)
#define KEY_MAX (BLOCK - 16)

typedef struct ent {
	int64_t id;
	union {
		size_t off;      /* into the arena while it fills */
		const char *key; /* once sorted */
	} k;
} ent;

typedef struct run {
	off_t start;
	uint32_t blocks;
} run;

typedef struct cursor {
	off_t off;        /* the next block's place in the file */
	uint32_t left;    /* blocks not read yet */
	uint8_t *plain;   /* the block being read */
	size_t plen, pos;
	int64_t id;       /* the head: id and key (into plain) */
	const char *key;
	int done;
} cursor;

struct fk_ordersort {
	char dir[4096];
	int fd;
	uint8_t key[FK_KEY_LEN];
	size_t mem, total;
	ent *v;
	size_t n, cap;
	char *arena;
	size_t used, room;
	run *runs;
	int nruns;
	off_t end;
	int started; /* next() called: memory mode (nruns 0) or merging */
	size_t out;  /* memory mode: the next entry */
	cursor *cur;
	uint8_t *wbuf; /* a block being written: plaintext, then sealed */
	uint8_t *sbuf;
};

static int ent_cmp(const void *a, const void *b)
{
	const ent *x = a, *y = b;
	int c = strcmp(x->k.key, y->k.key);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

fk_status fk_ordersort_new(const char *dir, size_t mem, fk_ordersort **out, fk_error *err)
{
	fk_ordersort *o = calloc(1, sizeof *o);
	*out = NULL;
	if (!o)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	o->fd = -1;
	o->mem = mem < 2 * BLOCK ? 2 * BLOCK : mem;
	fk_copy_str(o->dir, sizeof o->dir, dir);
	fk_status s = fk_random(o->key, sizeof o->key, err);
	if (s != FK_OK) {
		free(o);
		return s;
	}
	*out = o;
	return FK_OK;
}

size_t fk_ordersort_count(const fk_ordersort *o)
{
	return o->total;
}

int fk_ordersort_runs(const fk_ordersort *o)
{
	return o->nruns;
}

static fk_status open_file(fk_ordersort *o, fk_error *err)
{
	fk_status s = fk_scratch_file(o->dir, &o->fd, err);
	if (s != FK_OK)
		return s;
	o->wbuf = malloc(BLOCK);
	o->sbuf = malloc(BLOCK + FK_SEAL_OVERHEAD);
	return o->wbuf && o->sbuf ? FK_OK : fk_fail(err, FK_ERR_NOMEM, "out of memory");
}

static void aad_of(uint8_t aad[24], int runi, uint32_t block)
{
	memcpy(aad, "fk:sort\0", 8);
	for (int i = 0; i < 8; i++) {
		aad[8 + i] = (uint8_t)((uint64_t)runi >> (56 - 8 * i));
		aad[16 + i] = (uint8_t)((uint64_t)block >> (56 - 8 * i));
	}
}

static fk_status write_all(fk_ordersort *o, const void *p, size_t n, fk_error *err)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = pwrite(o->fd, b, n, o->end);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
				       "writing a temporary sort file: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
		o->end += w;
	}
	return FK_OK;
}

static fk_status flush_block(fk_ordersort *o, size_t len, fk_error *err)
{
	uint8_t aad[24], hdr[4];
	run *r = &o->runs[o->nruns];
	aad_of(aad, o->nruns, r->blocks);
	fk_status s = fk_seal(o->key, aad, sizeof aad, o->wbuf, len, o->sbuf, err);
	size_t sl = len + FK_SEAL_OVERHEAD;
	for (int i = 0; i < 4; i++)
		hdr[i] = (uint8_t)(sl >> (24 - 8 * i));
	if (s == FK_OK)
		s = write_all(o, hdr, sizeof hdr, err);
	if (s == FK_OK)
		s = write_all(o, o->sbuf, sl, err);
	fk_wipe(o->wbuf, len);
	r->blocks++;
	return s;
}

/* The entries in memory, sorted (their keys as pointers from now on). */
static void sort_mem(fk_ordersort *o)
{
	for (size_t i = 0; i < o->n; i++)
		o->v[i].k.key = o->arena + o->v[i].k.off;
	if (o->n > 1)
		qsort(o->v, o->n, sizeof *o->v, ent_cmp);
}

/* The entries in memory sorted and written as one more run; memory emptied. */
static fk_status spill(fk_ordersort *o, fk_error *err)
{
	fk_status s = o->fd < 0 ? open_file(o, err) : FK_OK;
	run *rs = s == FK_OK ? realloc(o->runs, (size_t)(o->nruns + 1) * sizeof *rs) : NULL;
	if (s == FK_OK && !rs)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s != FK_OK)
		return s;
	o->runs = rs;
	o->runs[o->nruns] = (run){.start = o->end};
	sort_mem(o);
	size_t len = 0;
	for (size_t i = 0; i < o->n && s == FK_OK; i++) {
		size_t kl = strlen(o->v[i].k.key) + 1;
		if (len + 8 + kl > BLOCK) {
			s = flush_block(o, len, err);
			len = 0;
		}
		for (int b = 0; b < 8; b++)
			o->wbuf[len + (size_t)b] = (uint8_t)((uint64_t)o->v[i].id >> (56 - 8 * b));
		memcpy(o->wbuf + len + 8, o->v[i].k.key, kl);
		len += 8 + kl;
	}
	if (s == FK_OK && len)
		s = flush_block(o, len, err);
	o->nruns++;
	fk_wipe(o->arena, o->used);
	o->used = 0;
	o->n = 0;
	return s;
}

fk_status fk_ordersort_add(fk_ordersort *o, int64_t id, const char *key, size_t len, fk_error *err)
{
	if (o->started)
		return fk_fail(err, FK_ERR_USAGE, "a sort takes no pairs once it gives its order");
	if (len > KEY_MAX || memchr(key, '\0', len))
		return fk_fail(err, FK_ERR_INVALID, "a sort key is too long or holds a NUL");
	/* memory taken once, in two parts of fixed size: keys (three quarters), entries */
	if (!o->arena) {
		o->room = o->mem / 4 * 3;
		o->cap = o->mem / 4 / sizeof *o->v;
		o->arena = malloc(o->room);
		o->v = malloc(o->cap * sizeof *o->v);
		if (!o->arena || !o->v)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	fk_status s = FK_OK;
	if (o->n == o->cap || o->used + len + 1 > o->room)
		s = spill(o, err);
	if (s != FK_OK)
		return s;
	memcpy(o->arena + o->used, key, len);
	o->arena[o->used + len] = '\0';
	o->v[o->n++] = (ent){.id = id, .k.off = o->used};
	o->used += len + 1;
	o->total++;
	return FK_OK;
}

static fk_status read_all(fk_ordersort *o, void *p, size_t n, off_t at, fk_error *err)
{
	uint8_t *b = p;
	while (n) {
		ssize_t r = pread(o->fd, b, n, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fk_fail(err, FK_ERR_IO, "reading a temporary sort file: %s",
				       r < 0 ? strerror(errno) : "it is short");
		b += r;
		n -= (size_t)r;
		at += r;
	}
	return FK_OK;
}

/* The cursor's head: the next entry of its block, or of its next block, or done. */
static fk_status advance(fk_ordersort *o, int runi, fk_error *err)
{
	cursor *c = &o->cur[runi];
	if (c->pos >= c->plen) {
		uint8_t hdr[4], aad[24];
		fk_wipe(c->plain, c->plen);
		c->plen = c->pos = 0;
		if (!c->left) {
			c->done = 1;
			return FK_OK;
		}
		fk_status s = read_all(o, hdr, sizeof hdr, c->off, err);
		size_t sl = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
		if (s == FK_OK && (sl <= FK_SEAL_OVERHEAD || sl > BLOCK + FK_SEAL_OVERHEAD))
			s = fk_fail(err, FK_ERR_CORRUPT, "a temporary sort file is damaged");
		if (s == FK_OK)
			s = read_all(o, o->sbuf, sl, c->off + 4, err);
		aad_of(aad, runi, o->runs[runi].blocks - c->left);
		if (s == FK_OK)
			s = fk_open(o->key, aad, sizeof aad, o->sbuf, sl, c->plain, &c->plen, err);
		if (s != FK_OK)
			return s;
		c->off += 4 + (off_t)sl;
		c->left--;
	}
	if (c->plen - c->pos < 9 || !memchr(c->plain + c->pos + 8, '\0', c->plen - c->pos - 8))
		return fk_fail(err, FK_ERR_CORRUPT, "a temporary sort file is damaged");
	uint64_t id = 0;
	for (int b = 0; b < 8; b++)
		id = id << 8 | c->plain[c->pos + (size_t)b];
	c->id = (int64_t)id;
	c->key = (const char *)c->plain + c->pos + 8;
	c->pos += 8 + strlen(c->key) + 1;
	return FK_OK;
}

static fk_status start(fk_ordersort *o, fk_error *err)
{
	o->started = 1;
	if (!o->nruns) {
		sort_mem(o);
		return FK_OK;
	}
	fk_status s = o->n ? spill(o, err) : FK_OK;
	free(o->v);
	free(o->arena);
	o->v = NULL;
	o->arena = NULL;
	o->cap = o->room = 0;
	if (s == FK_OK && !(o->cur = calloc((size_t)o->nruns, sizeof *o->cur)))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int r = 0; r < o->nruns && s == FK_OK; r++) {
		cursor *c = &o->cur[r];
		c->off = o->runs[r].start;
		c->left = o->runs[r].blocks;
		if (!(c->plain = malloc(BLOCK)))
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
		else
			s = advance(o, r, err);
	}
	return s;
}

fk_status fk_ordersort_next(fk_ordersort *o, int64_t *ids, size_t max, size_t *n, fk_error *err)
{
	fk_status s = o->started ? FK_OK : start(o, err);
	*n = 0;
	if (!o->nruns) {
		while (s == FK_OK && *n < max && o->out < o->n)
			ids[(*n)++] = o->v[o->out++].id;
		return s;
	}
	/* a few runs: the smallest head found by looking at each */
	while (s == FK_OK && *n < max) {
		int best = -1;
		for (int r = 0; r < o->nruns; r++) {
			const cursor *c = &o->cur[r], *b = best >= 0 ? &o->cur[best] : NULL;
			if (c->done)
				continue;
			int cmp = b ? strcmp(c->key, b->key) : -1;
			if (!b || cmp < 0 || (cmp == 0 && c->id < b->id))
				best = r;
		}
		if (best < 0)
			break;
		ids[(*n)++] = o->cur[best].id;
		s = advance(o, best, err);
	}
	return s;
}

void fk_ordersort_free(fk_ordersort *o)
{
	if (!o)
		return;
	if (o->arena)
		fk_wipe(o->arena, o->used);
	free(o->arena);
	free(o->v);
	for (int r = 0; o->cur && r < o->nruns; r++) {
		if (o->cur[r].plain)
			fk_wipe(o->cur[r].plain, BLOCK);
		free(o->cur[r].plain);
	}
	free(o->cur);
	free(o->runs);
	if (o->wbuf)
		fk_wipe(o->wbuf, BLOCK);
	free(o->wbuf);
	free(o->sbuf);
	if (o->fd >= 0)
		close(o->fd);
	fk_wipe(o->key, sizeof o->key);
	free(o);
}
