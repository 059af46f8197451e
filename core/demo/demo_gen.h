/* Deterministic generator of realistic synthetic register content (demo-data). */
#ifndef FK_DEMO_GEN_H
#define FK_DEMO_GEN_H

#include <jansson.h>
#include <stdint.h>

#include "names.h"
#include "register.h"
#include "status.h"

/* Small, fast, seedable PRNG (xoshiro256** or splitmix64): not for secrets. */
typedef struct fk_rng {
	uint64_t s[4];
} fk_rng;

void fk_rng_seed(fk_rng *r, uint64_t seed);
uint64_t fk_rng_next(fk_rng *r);
uint64_t fk_rng_below(fk_rng *r, uint64_t n); /* uniform in [0, n) */

typedef struct fk_demo_place {
	const char *pref_name; /* 東京都 */
	const char *muni_name; /* 千代田区 or 札幌市 中央区 */
} fk_demo_place;

/* Generate one register for place: a family with plausible dates (parents
 * born 1930–2000, marriage at 20–40, children, some divorces, adoptions and
 * deaths), 戸籍事項 (編製, sometimes 転籍 from elsewhere), events with
 * 【届出日】【届出人】 etc. kind decides: a 除籍 has every person removed and a
 * 消除 entry. On average about 3 persons and 8 events. Output follows
 * register.h's schema and passes fk_register_validate. Deterministic: the
 * same rng state, names and place give the same document. */
fk_status fk_demo_register(fk_rng *rng, const fk_names *names, const fk_demo_place *place,
			   fk_reg_kind kind, json_t **out, fk_error *err);

#endif
