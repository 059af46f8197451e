/* The register lists' sort orders: by 本籍 and by 筆頭者 reading (R-CURRENT).
 *
 * The order of a list would itself reveal names (which register's head reads
 * before which), so it is never kept in clear: each list (municipality, kind,
 * field) is a sequence of chunks of register ids, each chunk sealed under the
 * municipality's key with the list and its position as associated data. Only
 * the count of ids per chunk is clear, so that a page at any position is found
 * by summing counts and opening one or two chunks. The chunks hold ids only,
 * never names: destroying a register's key leaves nothing of it readable here.
 * Keys are compared as bytes (fk_order_key builds them so), ties broken by id.
 * docs/register-format.md describes the collation. */
#ifndef FK_ORDER_H
#define FK_ORDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef enum fk_order_field {
	FK_ORDER_ID = 0,      /* 受付 order: register id, needs no index */
	FK_ORDER_HONSEKI = 1, /* 本籍: numbers (番地, kanji 丁目) compared as numbers */
	FK_ORDER_READING = 2, /* 筆頭者 reading: 五十音,清音 before 濁音/半濁音 and small kana */
} fk_order_field;

#define FK_ORDER_FIELDS 2
/* Ids per chunk: written at FK_ORDER_CHUNK, split beyond twice that. */
#define FK_ORDER_CHUNK 256
/* Gap between chunk places as written (65536); tests set 1 to exercise renumbering. */
extern int64_t fk_order_seq_step;

/* The byte-comparable sort key of doc for field (malloc'd, NUL-terminated).
 * Honseki: the normalised 本籍 with numbers encoded to sort by value, then the
 * reading key. Reading: the reading folded to 清音, then as written, then the
 * normalised name. */
fk_status fk_order_key(const json_t *doc, fk_order_field field, char **key, fk_error *err);

/* A list is "in step" when its chunks hold exactly the registers the
 * municipality's figures count. FK_ERR_CORRUPT (with a message naming
 * `fukuhonctl reindex`) when not: a list is never shown half-sorted. */
fk_status fk_order_check(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
			 int64_t *total, fk_error *err);

/* Up to limit ids from position offset (0-based) of a sorted list. */
fk_status fk_order_page(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
			int64_t offset, int limit, int64_t *ids, int *n, fk_error *err);

/* Position of register id in a sorted list (opens chunks in turn until found). */
fk_status fk_order_position(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
			    int64_t id, int64_t *index, fk_error *err);

/* Maintenance inside the caller's transaction, after the register row has
 * been written. A list that was out of step is left for reindex. */
fk_status fk_order_insert(fk_ctx *ctx, const char *muni, int kind, int64_t id, const json_t *doc,
			  fk_error *err);
fk_status fk_order_remove(fk_ctx *ctx, const char *muni, int kind, int64_t id, fk_error *err);

/* A batch of many inserts and removals (publishing a package): with on, the sort keys of the
 * registers a binary search decrypts are kept until off, so the searches of the batch do not
 * decrypt the same registers again. A register whose current version changes during the
 * batch must be forgotten (fk_order_memo_forget) before its lists are touched again. */
fk_status fk_order_memo(fk_ctx *ctx, int on, fk_error *err);
void fk_order_memo_forget(fk_ctx *ctx, int64_t id);
/* As fk_order_memo(ctx, 1), but the memo of the batch before is kept (stamp >= 0): for a
 * service publishing package after package (R-REALTIME), the stamp being the database's
 * data_version, which another connection's commit changes. Under a new stamp each entry is
 * used again only once its register is found still at the version its keys were read from.
 * The batch's own changes are forgotten as above; a batch that did not commit must drop the
 * memo (fk_order_memo(ctx, 0, NULL)): it may hold the keys of registers that are not there. */
fk_status fk_order_memo_keep(fk_ctx *ctx, int64_t stamp, fk_error *err);
/* fk_order_remove, finding the register by its sort keys (of old, the version it is listed
 * by) instead of scanning the list; falls back to the scan when it is not where its keys
 * say. */
fk_status fk_order_remove_keyed(fk_ctx *ctx, const char *muni, int kind, int64_t id,
				const json_t *old, fk_error *err);

/* Bulk: the registers of one list added by a bulk load, with both keys.
 * The list is written in one pass when it was empty before, and rebuilt from
 * the registers otherwise. Sorts v in place. */
typedef struct fk_order_entry {
	int64_t id;
	char *key[FK_ORDER_FIELDS]; /* honseki, reading: owned by the caller */
} fk_order_entry;
fk_status fk_order_bulk(fk_ctx *ctx, const char *muni, int kind, fk_order_entry *v, size_t n,
			fk_error *err);

/* Shadow lists (publishing a large package, R-BATCH-ATOMIC): a list written beside the one
 * readers see, in as many short transactions as it takes, sealed as the list it becomes (its
 * chunks' associated data name kind), then put in the list's place in one constant-size step
 * by fk_order_shadow_flip. Each list (muni, kind) has two slots, stored as kind and as
 * FK_ORDER_SHADOW + kind: the sealed meta row FK_ORDER_LIVE_KEY<muni>.<kind> names the one
 * readers and writers use (absent: kind), and the other takes the shadow. Nothing reads a
 * shadow but these functions and abandoning a package (which clears it). */
#define FK_ORDER_SHADOW 100
#define FK_ORDER_LIVE_KEY "order.live."
/* Set by the flip for the municipality whose list it left (sealed meta row): that slot is
 * stale until fk_order_sweep has removed it. */
#define FK_ORDER_STALE_KEY "order.stale."
/* Both fields' shadows of (muni, kind) removed. */
fk_status fk_order_shadow_clear(fk_ctx *ctx, const char *muni, int kind, fk_error *err);
/* ids[0..n) written as the shadow's positions pos.. (pos a multiple of FK_ORDER_CHUNK; the
 * chunks from there on must not exist yet). */
fk_status fk_order_shadow_write(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
				int64_t pos, const int64_t *ids, size_t n, fk_error *err);
/* How many ids the shadow of (muni, kind, field) holds. */
fk_status fk_order_shadow_count(fk_ctx *ctx, const char *muni, int kind, fk_order_field field,
				int64_t *n, fk_error *err);
/* The shadows of (muni, kind) (both fields) made the live lists, in the caller's transaction:
 * two small sealed rows written (the slot's name, the stale mark), whatever the lists' length.
 * The lists they replace stay, unread, until fk_order_sweep removes them. */
fk_status fk_order_shadow_flip(fk_ctx *ctx, const char *muni, int kind, fk_error *err);
/* *pending = 1 when a flip left stale lists (a cheap read: every import asks). */
fk_status fk_order_sweep_pending(fk_ctx *ctx, int *pending, fk_error *err);
/* One step of removing stale lists, in the caller's transaction: up to limit rows of the first
 * marked municipality's stale slots (its code into muni); when none is left, its mark removed.
 * *found = 0 when there was no mark (nothing to do). Refused while a package stages (its
 * shadow is in that slot: staging begins only after the sweep). */
fk_status fk_order_sweep(fk_ctx *ctx, int limit, char *muni, size_t muni_len, int64_t *removed,
			 int *found, fk_error *err);

/* Rebuild both orders of a list from its registers (decrypts each one). */
fk_status fk_order_rebuild(fk_ctx *ctx, const char *muni, int kind, int64_t *count, fk_error *err);

/* Called inside each list's transaction once it is rebuilt, to record it (the commit
 * waits for it; a failure rolls the list back). */
typedef fk_status (*fk_order_done_fn)(fk_ctx *ctx, const char *muni, int kind, int64_t count,
				      void *arg, fk_error *err);

/* Rebuild the orders of muni (NULL: of every municipality whose lists are out of step, or of
 * all with all = 1), one list per transaction, each closed by done. For a database from
 * before the orders existed, or after a chunk was lost. *lists and *registers get what was
 * rebuilt. The operation is fk_reindex (core/admin/maintenance.h). */
fk_status fk_order_reindex(fk_ctx *ctx, const char *muni, int all, fk_order_done_fn done, void *arg,
			   int64_t *lists, int64_t *registers, fk_error *err);

#endif
