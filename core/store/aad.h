/* Associated data for sealed values: binds each ciphertext to the one row it belongs to. */
#ifndef FK_AAD_H
#define FK_AAD_H

#include <stdint.h>
#include <string.h>

typedef struct fk_aad {
	uint8_t b[64];
	size_t n;
} fk_aad;

static inline void fk_aad_u64(fk_aad *a, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		a->b[a->n++] = (uint8_t)(v >> (8 * i));
}

/* Length-prefixed, so that no two different field lists encode alike. */
static inline void fk_aad_str(fk_aad *a, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		n = max;
	a->b[a->n++] = (uint8_t)n;
	memcpy(a->b + a->n, s, n);
	a->n += n;
}

/* A register version: register id, version, kind and municipality. */
static inline void fk_aad_version(fk_aad *a, int64_t reg, int version, const char *muni, int kind)
{
	a->n = 0;
	fk_aad_str(a, "fk:regver", 16);
	fk_aad_u64(a, (uint64_t)reg);
	fk_aad_u64(a, (uint64_t)version);
	fk_aad_u64(a, (uint64_t)kind);
	fk_aad_str(a, muni, 6);
}

/* A ledger entry or document payload: table, row id and municipality. */
static inline void fk_aad_payload(fk_aad *a, const char *table, int64_t id, const char *muni)
{
	a->n = 0;
	fk_aad_str(a, table, 16);
	fk_aad_u64(a, (uint64_t)id);
	fk_aad_str(a, muni, 6);
}

/* A chunk of a sorted register list (core/store/order.c): its list and place in it. */
static inline void fk_aad_order(fk_aad *a, const char *muni, int kind, int field, int64_t seq)
{
	a->n = 0;
	fk_aad_str(a, "fk:order", 16);
	fk_aad_u64(a, (uint64_t)kind);
	fk_aad_u64(a, (uint64_t)field);
	fk_aad_u64(a, (uint64_t)seq);
	fk_aad_str(a, muni, 6);
}

#endif
