/* Sorting search tags in bounded memory (tagsort.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tagsort.h"
#include "util.h"

/* One pair: the tag, then the id big-endian, so that memcmp orders as the index does. */
#define ENT (FK_BLIND_LEN + 8)
/* Pairs read ahead per run while merging (24 kB each: some 50 runs of 6 MB at 1,000,000
 * registers, 1.3 MB in all). */
#define RUN_BUF 1024

typedef struct run {
	off_t start;      /* its first pair in the file */
	size_t n, read;   /* pairs in it, pairs read so far */
	uint8_t *buf;     /* RUN_BUF pairs */
	size_t have, pos; /* pairs in buf, the next one */
} run;

struct fk_tagsort {
	char dir[4096];
	int fd;
	uint8_t *mem;
	size_t cap, n, count, mpos;
	off_t end;
	run *runs;
	int nruns, started;
	int *heap; /* runs by their next pair, smallest first */
	int nheap;
};

static int ent_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ENT);
}

fk_status fk_tagsort_new(const char *dir, size_t mem, fk_tagsort **out, fk_error *err)
{
	fk_tagsort *o = calloc(1, sizeof *o);
	*out = NULL;
	if (!o)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	o->fd = -1;
	o->cap = mem / ENT > 1024 ? mem / ENT : 1024;
	fk_copy_str(o->dir, sizeof o->dir, dir && *dir ? dir : ".");
	if (!(o->mem = malloc(o->cap * ENT))) {
		free(o);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	*out = o;
	return FK_OK;
}

size_t fk_tagsort_count(const fk_tagsort *o)
{
	return o->count;
}

int fk_tagsort_runs(const fk_tagsort *o)
{
	return o->nruns;
}

/* The pairs in memory, sorted, as one run at the file's end. */
static fk_status spill(fk_tagsort *o, fk_error *err)
{
	fk_status s = o->fd < 0 ? fk_scratch_file(o->dir, &o->fd, err) : FK_OK;
	run *rs = s == FK_OK ? realloc(o->runs, (size_t)(o->nruns + 1) * sizeof *rs) : NULL;
	if (s == FK_OK && !rs)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s != FK_OK)
		return s;
	o->runs = rs;
	qsort(o->mem, o->n, ENT, ent_cmp);
	size_t len = o->n * ENT, done = 0;
	while (done < len) {
		ssize_t w = pwrite(o->fd, o->mem + done, len - done, o->end + (off_t)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
				       "writing a sort's run: %s", w < 0 ? strerror(errno) : "nothing written");
		done += (size_t)w;
	}
	o->runs[o->nruns++] = (run){.start = o->end, .n = o->n};
	o->end += (off_t)len;
	o->n = 0;
	return FK_OK;
}

fk_status fk_tagsort_add(fk_tagsort *o, const uint8_t tag[FK_BLIND_LEN], int64_t id, fk_error *err)
{
	if (o->started)
		return fk_fail(err, FK_ERR_INTERNAL, "a pair added to a sort already read");
	if (o->n == o->cap) {
		fk_status s = spill(o, err);
		if (s != FK_OK)
			return s;
	}
	uint8_t *e = o->mem + o->n * ENT;
	memcpy(e, tag, FK_BLIND_LEN);
	for (int i = 0; i < 8; i++)
		e[FK_BLIND_LEN + i] = (uint8_t)((uint64_t)id >> (56 - 8 * i));
	o->n++;
	o->count++;
	return FK_OK;
}

/* The run's buffer filled with its next pairs (have 0: the run is done). */
static fk_status refill(fk_tagsort *o, run *r, fk_error *err)
{
	size_t want = r->n - r->read < RUN_BUF ? r->n - r->read : RUN_BUF, len = want * ENT, done = 0;
	off_t at = r->start + (off_t)(r->read * ENT);
	while (done < len) {
		ssize_t g = pread(o->fd, r->buf + done, len - done, at + (off_t)done);
		if (g < 0 && errno == EINTR)
			continue;
		if (g <= 0)
			return fk_fail(err, FK_ERR_IO, "reading a sort's run: %s",
				       g < 0 ? strerror(errno) : "the file is shorter than written");
		done += (size_t)g;
	}
	r->read += want;
	r->have = want;
	r->pos = 0;
	return FK_OK;
}

static const uint8_t *head(const fk_tagsort *o, int r)
{
	return o->runs[r].buf + o->runs[r].pos * ENT;
}

static void sift_down(fk_tagsort *o, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i;
		if (l < o->nheap && memcmp(head(o, o->heap[l]), head(o, o->heap[m]), ENT) < 0)
			m = l;
		if (l + 1 < o->nheap && memcmp(head(o, o->heap[l + 1]), head(o, o->heap[m]), ENT) < 0)
			m = l + 1;
		if (m == i)
			return;
		int t = o->heap[i];
		o->heap[i] = o->heap[m];
		o->heap[m] = t;
		i = m;
	}
}

/* The merge begins: the last pairs spilled too, the memory given back, a buffer per run. */
static fk_status start(fk_tagsort *o, fk_error *err)
{
	o->started = 1;
	if (!o->nruns) {
		qsort(o->mem, o->n, ENT, ent_cmp);
		return FK_OK;
	}
	fk_status s = o->n ? spill(o, err) : FK_OK;
	free(o->mem);
	o->mem = NULL;
	if (s == FK_OK && !(o->heap = calloc((size_t)o->nruns, sizeof *o->heap)))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int r = 0; r < o->nruns && s == FK_OK; r++) {
		if (!(o->runs[r].buf = malloc(RUN_BUF * ENT)))
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
		else if ((s = refill(o, &o->runs[r], err)) == FK_OK && o->runs[r].have)
			o->heap[o->nheap++] = r;
	}
	for (int i = o->nheap / 2 - 1; i >= 0 && s == FK_OK; i--)
		sift_down(o, i);
	return s;
}

static void unpack(const uint8_t *e, uint8_t tag[FK_BLIND_LEN], int64_t *id)
{
	uint64_t v = 0;
	memcpy(tag, e, FK_BLIND_LEN);
	for (int i = 0; i < 8; i++)
		v = v << 8 | e[FK_BLIND_LEN + i];
	*id = (int64_t)v;
}

fk_status fk_tagsort_next(fk_tagsort *o, uint8_t tag[FK_BLIND_LEN], int64_t *id, int *got,
			  fk_error *err)
{
	fk_status s = o->started ? FK_OK : start(o, err);
	*got = 0;
	if (s != FK_OK)
		return s;
	if (!o->nruns) {
		if (o->mpos < o->n) {
			unpack(o->mem + o->mpos++ * ENT, tag, id);
			*got = 1;
		}
		return FK_OK;
	}
	if (!o->nheap)
		return FK_OK;
	run *r = &o->runs[o->heap[0]];
	unpack(head(o, o->heap[0]), tag, id);
	*got = 1;
	if (++r->pos == r->have && (s = refill(o, r, err)) != FK_OK)
		return s;
	if (!r->have)
		o->heap[0] = o->heap[--o->nheap];
	sift_down(o, 0);
	return FK_OK;
}

void fk_tagsort_free(fk_tagsort *o)
{
	if (!o)
		return;
	if (o->fd >= 0)
		close(o->fd);
	for (int r = 0; r < o->nruns; r++)
		free(o->runs[r].buf);
	free(o->runs);
	free(o->heap);
	free(o->mem);
	free(o);
}
