/* Rows already checked, by their exact bytes (memo.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "memo.h"

/* Past this many rows the small tables are not small: forget and start again rather than grow. */
enum { MEMO_MAX = 1 << 17 };

typedef struct entry {
	uint64_t h;
	uint8_t *bytes; /* NULL: empty slot */
	size_t len;
	uint8_t c[FK_MAC_LEN];
} entry;

struct fk_memo {
	entry *e;
	size_t cap, n; /* cap a power of two, at most half full */
};

/* A slot, not a proof (equality is checked on the bytes). A checked row's bytes end with its
 * MAC, a keyed PRF's output, so their last eight bytes spread rows evenly at no cost; the
 * first eight are mixed in for anything else. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash(const uint8_t *p, size_t n)
{
	uint64_t head = 0, tail = 0;
	memcpy(&head, p, n < 8 ? n : 8);
	if (n >= 8)
		memcpy(&tail, p + n - 8, 8);
	return mix(head ^ mix(tail ^ (uint64_t)n));
}

fk_memo *fk_memo_new(void)
{
	return calloc(1, sizeof(fk_memo));
}

static void clear(fk_memo *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->e[i].bytes);
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}

void fk_memo_free(fk_memo *m)
{
	if (!m)
		return;
	clear(m);
	free(m);
}

static size_t slot(const entry *e, size_t cap, uint64_t h, const uint8_t *bytes, size_t len)
{
	size_t i = (size_t)h & (cap - 1);
	while (e[i].bytes && !(e[i].h == h && e[i].len == len && !memcmp(e[i].bytes, bytes, len)))
		i = (i + 1) & (cap - 1);
	return i;
}

const uint8_t *fk_memo_find(const fk_memo *m, const uint8_t *bytes, size_t len)
{
	if (!m || !m->cap)
		return NULL;
	const entry *e = &m->e[slot(m->e, m->cap, hash(bytes, len), bytes, len)];
	return e->bytes ? e->c : NULL;
}

static int grow(fk_memo *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	entry *e = calloc(cap, sizeof *e);
	if (!e)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->e[i].bytes)
			e[slot(e, cap, m->e[i].h, m->e[i].bytes, m->e[i].len)] = m->e[i];
	free(m->e);
	m->e = e;
	m->cap = cap;
	return 0;
}

void fk_memo_put(fk_memo *m, const uint8_t *bytes, size_t len, const uint8_t c[FK_MAC_LEN])
{
	if (!m)
		return;
	if (m->n >= MEMO_MAX)
		clear(m);
	if ((m->n + 1) * 2 > m->cap && grow(m) != 0) {
		clear(m);
		return;
	}
	uint64_t h = hash(bytes, len);
	entry *e = &m->e[slot(m->e, m->cap, h, bytes, len)];
	if (e->bytes)
		return; /* already there */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, bytes, len);
	e->h = h;
	e->bytes = copy;
	e->len = len;
	memcpy(e->c, c, FK_MAC_LEN);
	m->n++;
}
