/* The encrypted fukuhon store: registers and their versions, blind-index search,
 * reception ledger (受付帳情報) and notification documents (届書等情報). R-ATREST, R-CURRENT, R-VERSION.
 *
 * These are the core's internal data functions: front-ends reach fukuhon only
 * through the authorising, recording operations built on them. */
#ifndef FK_STORE_H
#define FK_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "ctx.h"
#include "keys.h"
#include "register.h"
#include "status.h"
#include "regver.h" /* reading registers, which every user of the store does too */

/* Longest reading prefix indexed; longer queries are checked after decryption. */
#define FK_PREFIX_MAX 10
/* Tags one register can have: name, surname, honseki, and the prefixes
 * (store.c's bulk insert statement has one slot for each). */
#define FK_TAGS_MAX (4 + FK_PREFIX_MAX) /* name, surname, 本籍, town, reading prefixes */

/* A new register made ready for insertion without touching the database:
 * content serialised and sealed, data key made and wrapped, search tags
 * computed. fk_store_prepare only reads keys, so bulk loads run it on
 * another thread; fk_store_insert writes the rows (in a transaction). */
typedef struct fk_reg_prepared {
	int64_t id, key_id, received_at;
	char municipality[7];
	fk_reg_kind kind;
	const char *changed_by; /* borrowed */
	uint32_t kek;
	uint8_t wrapped[FK_WRAPPED_LEN];
	uint8_t *sealed;
	size_t sealed_len;
	uint8_t tags[FK_TAGS_MAX][FK_BLIND_LEN];
	int ntags;
} fk_reg_prepared;

/* Reserve n register ids and n data-key ids in the current transaction. */
fk_status fk_store_reserve(fk_ctx *ctx, int64_t n, int64_t *first_id, int64_t *first_key,
			   fk_error *err);
fk_status fk_store_prepare(const fk_keyring *keys, int64_t id, int64_t key_id,
			   const char *municipality, fk_reg_kind kind, const json_t *doc,
			   const char *changed_by, int64_t received_at, fk_reg_prepared *out,
			   fk_error *err);
fk_status fk_store_insert(fk_ctx *ctx, const fk_reg_prepared *p, fk_error *err);
void fk_reg_prepared_clear(fk_reg_prepared *p);

/* Bulk load, inside one transaction: between begin and end, fk_store_insert
 * collects search tags in a temporary table; end sorts them into the index in
 * one pass (random inserts into a large index would dominate otherwise). */
fk_status fk_store_bulk_begin(fk_ctx *ctx, fk_error *err);
fk_status fk_store_bulk_end(fk_ctx *ctx, fk_error *err);

/* Add a new register with its first version. Validates doc. In a transaction
 * of its own unless the caller holds one. */
fk_status fk_store_add(fk_ctx *ctx, const char *municipality, fk_reg_kind kind, const json_t *doc,
		       const char *changed_by, int64_t received_at, int64_t *id, fk_error *err);

/* Add a new version (becomes current; earlier ones stay readable). */
fk_status fk_store_update(fk_ctx *ctx, int64_t id, fk_reg_kind kind, const json_t *doc,
			  const char *changed_by, int64_t received_at, int *version, fk_error *err);

/* fk_store_update's pieces, for the import (core/intake/), which stages a version above the
 * visibility watermark (visible.h) and moves the register's row to it only when it publishes.
 * Each inside the caller's write transaction. */
fk_status fk_store_version_write(fk_ctx *ctx, int64_t id, int version, const char *muni, int kind,
				 const uint8_t key[FK_KEY_LEN], const json_t *doc,
				 const char *changed_by, int64_t received_at, fk_error *err);
/* Add (remove 0) or remove a register's search tags. */
fk_status fk_store_tags_write(fk_ctx *ctx, int64_t id, const uint8_t tags[][FK_BLIND_LEN], int n,
			      int remove, fk_error *err);
/* Add a register's search tags; *added grows by those the index lacked (on either backend:
 * not SQLite's total_changes, which PostgreSQL has not). */
fk_status fk_store_tags_add(fk_ctx *ctx, int64_t id, const uint8_t tags[][FK_BLIND_LEN], int n,
			    int64_t *added, fk_error *err);
/* An amended register's search tags while package pkg stages (sql/020; visible.h): base, the
 * tags the index holds for it outside the package (as published, or as first staged for a
 * register new in it); cur, those an earlier amendment in the package left it (base again for
 * the first); want, its new version's. A tag of base not in want is marked removed by pkg, one
 * of want not in base added by pkg; no reader sees either change until pkg is published. */
fk_status fk_store_tags_stage(fk_ctx *ctx, int64_t id, int64_t pkg, const uint8_t base[][FK_BLIND_LEN],
			      int nbase, const uint8_t cur[][FK_BLIND_LEN], int ncur,
			      const uint8_t want[][FK_BLIND_LEN], int nwant, fk_error *err);
/* A register new in the staging package (hidden whole by the register watermark) amended in
 * it: its tags cur (in the index, or still in the part's bulk load) replaced by want. */
fk_status fk_store_tags_replace(fk_ctx *ctx, int64_t id, const uint8_t cur[][FK_BLIND_LEN], int ncur,
				const uint8_t want[][FK_BLIND_LEN], int nwant, fk_error *err);
/* pkg abandoned: the tags it added (among added) gone, those of base it removed kept again. */
fk_status fk_store_tags_unstage(fk_ctx *ctx, int64_t id, int64_t pkg, const uint8_t base[][FK_BLIND_LEN],
				int nbase, const uint8_t added[][FK_BLIND_LEN], int nadded, fk_error *err);
/* pkg published: the tags of base it removed deleted (no reader sees them any more). */
fk_status fk_store_tags_settle(fk_ctx *ctx, int64_t id, int64_t pkg, const uint8_t base[][FK_BLIND_LEN],
			       int nbase, fk_error *err);
/* The register's row to its current version, time and kind (unsealed, changed, sealed). */
fk_status fk_store_set_current(fk_ctx *ctx, int64_t id, int version, int64_t received_at,
			       fk_reg_kind kind, fk_error *err);
/* Whether a new version doc of old moves the register in its sorted lists. */
fk_status fk_store_order_moves(const json_t *old, const json_t *doc, int kind_changed, int *moved,
			       fk_error *err);

typedef enum fk_search_field {
	FK_FIELD_NAME,    /* 筆頭者 name in kanji: whole name or surname */
	FK_FIELD_READING, /* 筆頭者 reading: prefix */
	FK_FIELD_HONSEKI, /* 本籍: whole from its prefecture, or from the town after the municipality */
} fk_search_field;

typedef struct fk_search {
	fk_search_field field;
	const char *query;
	const char *municipality; /* NULL: any */
	int64_t bureau_id;        /* 0: any */
	int kind;                 /* 0: any */
	int64_t after_id;         /* paging: ids greater than this */
	int limit;
} fk_search;

/* Register ids matching s, ascending, at most s->limit (≤ 1000). */
fk_status fk_store_search(fk_ctx *ctx, const fk_search *s, int64_t *ids, int *n, fk_error *err);
/* The same, only among registers whose (municipality, kind) is in
 * temp.authz_view: the acting operator's permitted set, filled by
 * fk_authz_view_set just before (R-FILES; core/access/access.c). */
fk_status fk_store_search_permitted(fk_ctx *ctx, const fk_search *s, int64_t *ids, int *n,
				    fk_error *err);

/* Blind-index tags of a document (exposed for tests). */
fk_status fk_store_tags(const fk_keyring *keys, const json_t *doc, uint8_t tags[][FK_BLIND_LEN],
			int *n, fk_error *err);

fk_status fk_store_count(fk_ctx *ctx, const char *municipality, int kind, int64_t *n,
			 fk_error *err);

/* 受付帳情報 and 届書等情報: payload is sealed under the municipality's key. */
fk_status fk_ledger_add(fk_ctx *ctx, const char *municipality, const char *accepted_on,
			const json_t *payload, int64_t received_at, int64_t *id, fk_error *err);
fk_status fk_ledger_read(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err);
fk_status fk_doc_add(fk_ctx *ctx, const char *municipality, const char *doc_type,
		     int64_t register_id, const json_t *payload, int64_t received_at, int64_t *id,
		     fk_error *err);
fk_status fk_doc_read(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err);
/* A page of entries (docs 0: 受付帳情報, 1: 届書等情報) read as fk_ledger_read / fk_doc_read read
 * each, in one statement per FK_SQL_IN_MAX ids (issue 14). fn gets each i read (s FK_OK,
 * payload the caller's during the call only) or whose storage is damaged (FK_ERR_CORRUPT,
 * payload NULL); any other failure (absent, altered outside fukuhon, key destroyed) is
 * returned, that of the first such id in the order given. */
typedef void (*fk_records_page_fn)(void *arg, int i, fk_status s, const json_t *payload);
fk_status fk_records_read_page(fk_ctx *ctx, int docs, const int64_t *ids, int n, fk_records_page_fn fn,
			       void *arg, fk_error *err);

#endif
