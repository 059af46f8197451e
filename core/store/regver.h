/* Registers as stored (R-ATREST, R-CURRENT, R-VERSION): a register's row and its versions read,
 * checked against their MACs and decrypted, and the sealed content's format. Below the store's
 * writers (store.c) and the sort orders (order.c), which both read registers. */
#ifndef FK_REGVER_H
#define FK_REGVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "ctx.h"
#include "register.h"
#include "status.h"

typedef struct fk_reg_info {
	int64_t id;
	char municipality[7];
	fk_reg_kind kind;
	int version; /* current */
	int64_t received_at;
	int64_t key_id;
} fk_reg_info;

typedef struct fk_reg_version {
	int version;
	int64_t received_at;
	char changed_by[72];
} fk_reg_version;

fk_status fk_store_info(fk_ctx *ctx, int64_t id, fk_reg_info *info, fk_error *err);
/* The same for a register disposed of too (*disposed 1): disposal itself, which finishes what
 * is left of one (a restored older database, core/approve/disposejob.c). */
fk_status fk_store_info_any(fk_ctx *ctx, int64_t id, fk_reg_info *info, int *disposed, fk_error *err);

/* Decrypt version (0: the current one, R-CURRENT). FK_ERR_TAMPER if the stored
 * ciphertext was altered or moved from another row. */
fk_status fk_store_read(fk_ctx *ctx, int64_t id, int version, json_t **doc, fk_reg_info *info,
			fk_error *err);

/* A page of registers read as fk_store_read reads each (row and newest version checked, data
 * key, current version checked, opened and parsed), in one statement per FK_SQL_IN_MAX
 * ids instead of three per register: on PostgreSQL each statement is a round trip (issue 14).
 * fn is called for each i whose read succeeded (s FK_OK, doc) or whose stored content is
 * damaged (s FK_ERR_CORRUPT, doc NULL, info from its checked row); doc is the caller's only
 * during the call. Any other failure of a register (absent, disposed, altered outside fukuhon,
 * its key destroyed) is returned: that of the first such id in the order given, with its
 * message, as fk_store_read would have stopped there; fn may have been called for others. */
typedef void (*fk_store_page_fn)(void *arg, int i, fk_status s, const fk_reg_info *info,
				 const json_t *doc);
fk_status fk_store_read_page(fk_ctx *ctx, const int64_t *ids, int n, fk_store_page_fn fn, void *arg,
			     fk_error *err);

/* Version history, oldest first; *n gets how many were written (at most max). */
fk_status fk_store_versions(fk_ctx *ctx, int64_t id, fk_reg_version *out, int max, int *n,
			    fk_error *err);

/* One version of a register whose row (info) was read, with its data key: its row checked,
 * its content opened and parsed. */
fk_status fk_regver_read(fk_ctx *ctx, const fk_reg_info *info, int version,
			  const uint8_t key[FK_KEY_LEN], json_t **doc, fk_error *err);

/* The same, also for a version the staging package wrote (above the watermark,
 * core/store/visible.h): for the import alone. */
fk_status fk_regver_read_staged(fk_ctx *ctx, const fk_reg_info *info, int version,
				const uint8_t key[FK_KEY_LEN], json_t **doc, fk_error *err);

/* Register content as it is sealed: a format byte, the JSON's length (4 bytes, big-endian)
 * and its LZ4 block; *out is malloc'd. */
fk_status fk_regver_pack(const char *json, size_t len, uint8_t **out, size_t *outlen,
			  fk_error *err);

#endif
