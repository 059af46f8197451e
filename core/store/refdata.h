/* Reference data: prefectures, bureaus (法務局・地方法務局・支局) and municipalities with their jurisdiction. */
#ifndef FK_REFDATA_H
#define FK_REFDATA_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef struct fk_bureau {
	int64_t id;
	char name[64];
	char kana[128];
	char kind[32];
	int64_t parent_id; /* 0 when none */
	int pref_id;
	int n_municipalities;
} fk_bureau;

typedef struct fk_muni {
	char code[7];
	char name[96];
	char kana[192];
	char pref[32];
	int64_t bureau_id;
	char bureau[64];
} fk_muni;

/* Load prefjp-utf8.csv, bureaus.csv and localgovjp-utf8.csv from data_dir
 * in one transaction. Every municipality code's check digit is verified; a
 * bad row refuses the whole load (nothing is written). */
fk_status fk_refdata_load(fk_ctx *ctx, const char *data_dir, int *n_bureaus, int *n_munis,
			  fk_error *err);

/* The most offices a terminal holds: the 50 bureaus and every 支局 of the law's table (about
 * 260), with room; jurisdiction office add refuses more, so a list of this many is whole. */
#define FK_OFFICES_MAX 1024

fk_status fk_bureau_list(fk_ctx *ctx, fk_bureau *out, int max, int *n, fk_error *err);
/* By exact name (東京法務局). FK_ERR_NOTFOUND with a clear message otherwise. */
fk_status fk_bureau_find(fk_ctx *ctx, const char *name, fk_bureau *out, fk_error *err);
fk_status fk_bureau_get(fk_ctx *ctx, int64_t id, fk_bureau *out, fk_error *err);

/* Municipalities of a bureau (0: all), in code order; cb returns non-zero to stop. */
typedef int (*fk_muni_cb)(const fk_muni *m, void *arg);
fk_status fk_muni_list(fk_ctx *ctx, int64_t bureau_id, fk_muni_cb cb, void *arg, fk_error *err);
/* Validates the code's check digit first. */
fk_status fk_muni_get(fk_ctx *ctx, const char *code, fk_muni *out, fk_error *err);

/* One RFC 4180 CSV record from *p (advanced past it): fields are pointers
 * into buf, unquoted in place. Returns the field count, 0 at the end, -1 on
 * a malformed record. Exposed for tests. */
int fk_csv_record(char **p, char **fields, int max);

/* How many bureaus and municipalities the terminal knows. */
fk_status fk_refdata_counts(fk_ctx *ctx, int *n_bureaus, int *n_munis, fk_error *err);

#endif
