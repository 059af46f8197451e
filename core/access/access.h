/* The authorised way to fukuhon (R-ACCESS, R-FILES, R-JURIS, R-LOG): every function passes
 * the gate (gate.h) — decided by its operation's rule, the reading done under the same lock,
 * the success or the refusal recorded before anything is handed out. The console and the CLI reach register, ledger and document data only through
 * these; core/store/store.h is the core's internal layer. */
#ifndef FK_ACCESS_H
#define FK_ACCESS_H

#include <jansson.h>
#include <stdint.h>

#include "authz.h"
#include "ctx.h"
#include "status.h"
#include "store.h"

#define FK_ACCESS_PAGE_MAX 1000

/* Every page size (limit) is 1–FK_ACCESS_PAGE_MAX, the caller's array at
 * least that long; out of range is FK_ERR_INVALID.
 *
 * Registers matching q among those the operator may view, ascending ids
 * after q->after_id, at most q->limit. q->municipality and q->kind
 * narrow it (a municipality outside the jurisdiction is refused);
 * q->bureau_id is ignored (the operator's bureau is implied). Registers the
 * operator may not view are never counted, returned or paged over. */
fk_status fk_access_search(fk_ctx *ctx, const fk_search *q, int64_t *ids, int *n, fk_error *err);

/* One municipality's registers of kind (戸籍 or 除籍), ids after after_id. */
fk_status fk_access_list(fk_ctx *ctx, const char *municipality, int kind, int64_t after_id,
			 int limit, fk_reg_info *out, int *n, fk_error *err);

/* Read a register (version 0: current) to show (FK_OP_REGISTER_OPEN), export or
 * print it (FK_OP_REGISTER_EXPORT / _PRINT, which need those rights). A
 * missing register and one outside the jurisdiction get the same refusal. */
fk_status fk_access_register_open(fk_ctx *ctx, fk_op op, int64_t id, int version,
				  json_t **doc, fk_reg_info *info, fk_error *err);
/* Version history (FK_OP_REGISTER_VERSIONS), oldest first. */
fk_status fk_access_register_versions(fk_ctx *ctx, int64_t id, fk_reg_version *out, int max,
				      int *n, fk_error *err);
/* Two versions for comparison (FK_OP_REGISTER_COMPARE). */
fk_status fk_access_register_compare(fk_ctx *ctx, int64_t id, int v1, int v2, json_t **a,
				     json_t **b, fk_error *err);
/* Decide and record op on a register for a feature that acts on it
 * itself (disposal, R-DISPOSE): FK_OK means allowed and recorded. */
fk_status fk_access_demand(fk_ctx *ctx, fk_op op, int64_t id, fk_reg_info *info, fk_error *err);

/* How many of each kind (index kind - 1) the operator may view, in
 * municipality (NULL: every permitted one). Kinds not permitted count 0. */
typedef struct fk_access_counts_t {
	int64_t n[FK_FILE_KINDS];
} fk_access_counts_t;
fk_status fk_access_counts(fk_ctx *ctx, const char *municipality, fk_access_counts_t *out,
			   fk_error *err);
/* The same per permitted municipality (code order), for a home screen: one
 * decision and one record for the whole list. cb returns non-zero to stop. */
typedef int (*fk_access_counts_cb)(const char *municipality, const fk_access_counts_t *c,
				   void *arg);
fk_status fk_access_counts_each(fk_ctx *ctx, fk_access_counts_cb cb, void *arg, fk_error *err);

typedef struct fk_ledger_info {
	int64_t id, received_at;
	char municipality[7];
	char accepted_on[11];
} fk_ledger_info;
typedef struct fk_doc_info {
	int64_t id, received_at, register_id; /* register_id 0: none */
	char municipality[7];
	char doc_type[64];
} fk_doc_info;

/* 受付帳情報 and 届書等情報 of one municipality, ids after after_id. */
fk_status fk_access_ledger_list(fk_ctx *ctx, const char *municipality, int64_t after_id, int limit,
				fk_ledger_info *out, int *n, fk_error *err);
fk_status fk_access_ledger_open(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err);
fk_status fk_access_docs_list(fk_ctx *ctx, const char *municipality, int64_t after_id, int limit,
			      fk_doc_info *out, int *n, fk_error *err);
fk_status fk_access_doc_open(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err);

/* ---- for the console's screens (core/access/access_screens.c) ---- */

#include "audit.h"
#include "audit_verify.h"
#include "browse.h"
#include "cert.h"
#include "lockout.h"

/* The home screen: the operator's bureau's municipalities, counting only
 * what the operator may view. Recorded as view.home. */
fk_status fk_access_home(fk_ctx *ctx, fk_muni_stat **rows, int *n, fk_error *err);
/* A page of a municipality's 戸籍 or 除籍 (fk_browse_registers' paging) and
 * the list's length; decided as FK_ACT_LIST, recorded with the ids shown. */
fk_status fk_access_register_page(fk_ctx *ctx, const char *muni, int kind, int64_t anchor, int dir,
				  int limit, fk_reg_row *out, int *n, int64_t *total, fk_error *err);
/* A page in a sort order by position, or placed around a kept register
 * (fk_browse_registers_at); decided as FK_ACT_LIST, recorded with the order,
 * the position and the ids shown. */
fk_status fk_access_register_page_at(fk_ctx *ctx, const char *muni, int kind, fk_order_field order,
				     int64_t *offset, int64_t keep_id, int keep_row, int limit,
				     fk_reg_row *out, int *n, int64_t *total, fk_error *err);
/* A page of 受付帳情報 or 届書等情報, newest first. */
fk_status fk_access_records_page(fk_ctx *ctx, const char *muni, int kind, const fk_record_row *after,
				 int limit, fk_record_row *out, int *n, fk_error *err);
/* Two versions of a register compared line by line as 全部事項証明 layouts
 * (FK_ACT_COMPARE, recorded). */
fk_status fk_access_compare_lines(fk_ctx *ctx, int64_t id, int v1, int v2, fk_lines *out,
				  int *changes, fk_error *err);
/* A page of search results read for display; *more when another page follows. */
fk_status fk_access_search_page(fk_ctx *ctx, const fk_search *q, fk_reg_row *out, int *n, int *more,
				fk_error *err);

/* The operation history for auditors (and administrators): fk_audit_query
 * with the viewing recorded first; anyone else is refused and recorded. */
fk_status fk_access_history(fk_ctx *ctx, const fk_audit_filter *f, fk_audit_row *out, int max,
			    int *n, fk_error *err);
/* Verify the history with the initial key kept on this terminal (its
 * default place), calling fn per problem; the run and its result recorded. */
fk_status fk_access_history_verify(fk_ctx *ctx, fk_verify_fn fn, void *arg, fk_verify_report *rep,
				   fk_error *err);

/* Accounts with failures or a lock, for supervisors and administrators
 * (viewing recorded); unlocking is fk_lockout_unlock. */
fk_status fk_access_lockouts(fk_ctx *ctx, fk_lockout_cb cb, void *arg, fk_error *err);

#endif
