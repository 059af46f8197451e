/* What the console's screens show: per-municipality figures and pages of registers,
 * ledger entries and documents, decrypted for display. Data functions: the
 * console reaches them through the authorising layer. R-CURRENT, R-VERSION. */
#ifndef FK_BROWSE_H
#define FK_BROWSE_H

#include <stdint.h>

#include "ctx.h"
#include "order.h"
#include "refdata.h"
#include "register.h"
#include "status.h"

/* File kinds (FK_FILE_*, register.h) are the permissions'; the stats count by them too. */

typedef struct fk_muni_stat {
	fk_muni m;
	int64_t n[5];          /* by file kind (index 1..4) */
	int64_t last_received; /* newest of any kind, UTC ns; 0 if none */
	unsigned permitted;    /* kinds the operator may view (bit kind-1); all without a filter */
} fk_muni_stat;

/* The municipalities of bureau_id with their figures, in code order.
 * With permitted, only the (municipality, kind) pairs in temp.authz_view
 * (fk_authz_view_set) are counted; the others show 0. *rows is malloc'd. */
fk_status fk_browse_home(fk_ctx *ctx, int64_t bureau_id, int permitted, fk_muni_stat **rows, int *n,
			 fk_error *err);

typedef struct fk_reg_row {
	int64_t id;
	int version;
	int64_t received_at;
	int kind;
	char honseki[256];
	char head[128];
	char reading[128];
	int unreadable; /* the row failed to decrypt (tampered): shown, not hidden */
} fk_reg_row;

/* A page of a municipality's registers of one kind in id (受付) order.
 * dir > 0: the limit rows after anchor ascending (anchor 0 = from the start);
 * dir < 0: the limit rows before anchor, returned ascending (anchor 0 = the
 * end). Only the rows of the page are read and decrypted. */
fk_status fk_browse_registers(fk_ctx *ctx, const char *muni, int kind, int64_t anchor, int dir,
			      int limit, fk_reg_row *out, int *n, fk_error *err);

/* A page of a municipality's registers of one kind in a sort order, by
 * position (core/store/order.h): *offset is the first position wanted (-1: the last
 * page) and gets the position of the first row returned. With keep_id > 0 the
 * page is placed so that register keep_id shows at row keep_row (changing the
 * order keeps the operator's place); FK_ORDER_ID is allowed only with keep_id,
 * its paging is fk_browse_registers'. FK_ERR_CORRUPT when the order is out of
 * step with the registers (the message names fukuhonctl reindex). */
fk_status fk_browse_registers_at(fk_ctx *ctx, const char *muni, int kind, fk_order_field order,
				 int64_t *offset, int64_t keep_id, int keep_row, int limit,
				 fk_reg_row *out, int *n, int64_t *total, fk_error *err);

/* How many registers of kind a municipality holds (kept by triggers: no count). */
fk_status fk_browse_total(fk_ctx *ctx, const char *muni, int kind, int64_t *total, fk_error *err);

/* Index (0-based) of register id within its list, and the list's length.
 * Counts index entries: tens of ms on a large municipality, so screens
 * track positions arithmetically and use this only to check themselves. */
fk_status fk_browse_position(fk_ctx *ctx, const char *muni, int kind, int64_t id, int64_t *index,
			     int64_t *total, fk_error *err);

/* Fill display fields of one register (current version). */
fk_status fk_browse_register_row(fk_ctx *ctx, int64_t id, fk_reg_row *out, fk_error *err);
/* The same for n registers (a page, a page of search results) in a statement or two rather
 * than three per register (fk_store_read_page); on a failure no row is filled. */
fk_status fk_browse_register_rows(fk_ctx *ctx, const int64_t *ids, int n, fk_reg_row *out, fk_error *err);

/* The fields of an entry a list shows as columns, in the entry's own order; the rest are in
 * the entry's detail (fk_access_ledger_open, fk_access_doc_open). */
#define FK_RECORD_FIELDS 6
typedef struct fk_record_field {
	char key[48], value[128]; /* a number as its digits; an object or list left out */
} fk_record_field;

typedef struct fk_record_row {
	int64_t id;
	int64_t received_at;
	char label[64];    /* 受付日 for a ledger entry, the 届書 type for a document */
	char summary[256]; /* decrypted: 受付番号, 事件, 筆頭者 … */
	int nfields;
	fk_record_field fields[FK_RECORD_FIELDS];
	/* The register the entry is about (a document's, or a ledger entry's "戸籍" field);
	 * 0: none named. Opening it is decided like any register (FK_OP_REGISTER_OPEN). */
	int64_t register_id;
	int unreadable;
	char sort_date[16]; /* paging only: a ledger entry's 受付日 as ordered, kept when unreadable */
} fk_record_row;

/* Newest first in the order the list shows its dates: a ledger by 受付日, then time of
 * receipt; documents by time of receipt (ties by id). The page after `after` (the last row of
 * the page before; NULL: from the newest). kind: FK_FILE_LEDGER or FK_FILE_DOCS. */
fk_status fk_browse_records(fk_ctx *ctx, const char *muni, int kind, const fk_record_row *after,
			    int limit, fk_record_row *out, int *n, fk_error *err);

#endif
