/* What the console's screens show: per-municipality figures and pages of registers and records. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "db.h"
#include "register.h"
#include "store.h"
#include "util.h"
#include "visible.h"

/* The office's municipalities, and its 支局's where the terminal lets a bureau reach them
 * (parent_sees_branches, docs/permissions.md): ?1 the office, ?2 the setting. */
#define FK_IN_OFFICE(col)                                                                     \
	"(" col " = ?1 OR (?2 AND " col " IN (SELECT id FROM bureau WHERE kind = '支局' AND "     \
	"parent_id = ?1)))"
static const char SQL_HOME[] =
	"SELECT m.code, m.name, m.kana, p.name, m.bureau_id, b.name, s.kind, s.n, s.last_received, 15 "
	"FROM municipality m JOIN prefecture p ON p.id = m.pref_id JOIN bureau b ON b.id = m.bureau_id "
	"LEFT JOIN municipality_stats s ON s.municipality = m.code "
	"WHERE " FK_IN_OFFICE("m.bureau_id") " ORDER BY m.code, s.kind";
static const char SQL_HOME_PERMITTED[] =
	"SELECT m.code, m.name, m.kana, p.name, m.bureau_id, b.name, s.kind, s.n, s.last_received, "
	"(SELECT coalesce(sum(1 << (v.kind - 1)), 0) FROM authz_view v WHERE v.municipality = m.code) "
	"FROM municipality m JOIN prefecture p ON p.id = m.pref_id JOIN bureau b ON b.id = m.bureau_id "
	"LEFT JOIN municipality_stats s ON s.municipality = m.code AND EXISTS (SELECT 1 FROM "
	"authz_view v WHERE v.municipality = s.municipality AND v.kind = s.kind) "
	"WHERE " FK_IN_OFFICE("m.bureau_id") " ORDER BY m.code, s.kind";
static const char SQL_PAGE_AFTER[] =
	"SELECT id FROM register WHERE municipality = ?1 AND kind = ?2 AND id > ?3 "
	"AND id <= " FK_VIS_REGISTER " AND disposed_at IS NULL ORDER BY id LIMIT ?4";
static const char SQL_PAGE_BEFORE[] =
	"SELECT id FROM register WHERE municipality = ?1 AND kind = ?2 AND id < ?3 "
	"AND id <= " FK_VIS_REGISTER " AND disposed_at IS NULL ORDER BY id DESC LIMIT ?4";
static const char SQL_POSITION[] =
	"SELECT (SELECT count(*) FROM register WHERE municipality = ?1 AND kind = ?2 AND id < ?3 "
	"AND id <= " FK_VIS_REGISTER " AND disposed_at IS NULL), (SELECT n FROM municipality_stats WHERE municipality = ?1 AND kind = ?2)";
static const char SQL_TOTAL[] =
	"SELECT coalesce((SELECT n FROM municipality_stats WHERE municipality = ?1 AND kind = ?2), 0)";
/* Keyset paging in the order shown (?2..?4: the last row of the page before; ?2 NULL: none). */
static const char SQL_LEDGER_PAGE[] =
	"SELECT id, received_at, accepted_on, 0 FROM ledger_entry WHERE municipality = ?1 "
	"AND id <= " FK_VIS_LEDGER " AND (CAST(?4 AS BIGINT) IS NULL OR (accepted_on, received_at, id) < (?2, ?3, ?4)) "
	"ORDER BY accepted_on DESC, received_at DESC, id DESC LIMIT ?5";
static const char SQL_DOC_PAGE[] =
	"SELECT id, received_at, doc_type, coalesce(register_id, 0) FROM notification_doc "
	"WHERE municipality = ?1 AND id <= " FK_VIS_DOC " "
	"AND (CAST(?4 AS BIGINT) IS NULL OR (received_at, id) < (?3, ?4)) "
	"ORDER BY received_at DESC, id DESC LIMIT ?5";

static void copy_text(fk_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = fk_sql_column_text(st, col);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

fk_status fk_browse_home(fk_ctx *ctx, int64_t bureau_id, int permitted, fk_muni_stat **rows, int *n,
			 fk_error *err)
{
	fk_stmt *st;
	*rows = NULL;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, permitted ? SQL_HOME_PERMITTED : SQL_HOME, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, bureau_id);
	fk_sql_bind_int(st, 2, ctx->cfg.parent_sees_branches);
	int rc, cap = 0;
	fk_muni_stat *v = NULL;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		const char *code = (const char *)fk_sql_column_text(st, 0);
		if (!*n || strcmp(v[*n - 1].m.code, code) != 0) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				fk_muni_stat *nv = realloc(v, (size_t)cap * sizeof *nv);
				if (!nv) {
					s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
					break;
				}
				v = nv;
			}
			fk_muni_stat *r = &v[(*n)++];
			memset(r, 0, sizeof *r);
			copy_text(st, 0, r->m.code, sizeof r->m.code);
			copy_text(st, 1, r->m.name, sizeof r->m.name);
			copy_text(st, 2, r->m.kana, sizeof r->m.kana);
			copy_text(st, 3, r->m.pref, sizeof r->m.pref);
			r->m.bureau_id = fk_sql_column_int64(st, 4);
			copy_text(st, 5, r->m.bureau, sizeof r->m.bureau);
			r->permitted = (unsigned)fk_sql_column_int(st, 9);
		}
		fk_muni_stat *r = &v[*n - 1];
		int kind = fk_sql_column_int(st, 6);
		if (kind >= 1 && kind <= 4) {
			r->n[kind] = fk_sql_column_int64(st, 7);
			int64_t last = fk_sql_column_int64(st, 8);
			if (last > r->last_received)
				r->last_received = last;
		}
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading municipality figures");
	if (s != FK_OK) {
		free(v);
		*n = 0;
		return s;
	}
	*rows = v;
	return FK_OK;
}

fk_status fk_browse_register_row(fk_ctx *ctx, int64_t id, fk_reg_row *out, fk_error *err)
{
	json_t *doc;
	fk_reg_info info;
	memset(out, 0, sizeof *out);
	out->id = id;
	fk_status s = fk_store_read(ctx, id, 0, &doc, &info, err);
	/* A row altered outside fukuhon (its MAC, or its sealed content) stops the page, naming
	 * the row: nothing of a tampered database is shown as if it were sound. Storage the disk
	 * damaged stays visible as damaged: hiding it would hide the loss. */
	if (s == FK_ERR_CORRUPT) {
		out->unreadable = 1;
		if (fk_store_info(ctx, id, &info, NULL) == FK_OK) {
			out->version = info.version;
			out->received_at = info.received_at;
			out->kind = info.kind;
		}
		return FK_OK;
	}
	if (s != FK_OK)
		return s;
	out->version = info.version;
	out->received_at = info.received_at;
	out->kind = info.kind;
	fk_copy_str(out->honseki, sizeof out->honseki, fk_register_honseki(doc));
	fk_copy_str(out->head, sizeof out->head, fk_register_head_name(doc));
	fk_copy_str(out->reading, sizeof out->reading, fk_register_head_reading(doc));
	json_decref(doc);
	return FK_OK;
}

/* One register of a page, as fk_browse_register_row fills it. */
static void put_row(void *arg, int i, fk_status s, const fk_reg_info *info, const json_t *doc)
{
	fk_reg_row *out = (fk_reg_row *)arg + i;
	out->version = info->version;
	out->received_at = info->received_at;
	out->kind = info->kind;
	/* Damaged storage stays visible as damaged (fk_browse_register_row says why). */
	out->unreadable = s != FK_OK;
	if (!doc)
		return;
	fk_copy_str(out->honseki, sizeof out->honseki, fk_register_honseki(doc));
	fk_copy_str(out->head, sizeof out->head, fk_register_head_name(doc));
	fk_copy_str(out->reading, sizeof out->reading, fk_register_head_reading(doc));
}

fk_status fk_browse_register_rows(fk_ctx *ctx, const int64_t *ids, int n, fk_reg_row *out, fk_error *err)
{
	for (int i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].id = ids[i];
	}
	/* A row altered outside fukuhon stops the page, as it does one row at a time: nothing
	 * of the page is handed out, not even the rows read before it. */
	fk_status s = fk_store_read_page(ctx, ids, n, put_row, out, err);
	if (s != FK_OK)
		memset(out, 0, (size_t)n * sizeof *out);
	return s;
}

static fk_status rows_of(fk_ctx *ctx, const int64_t *ids, int got, fk_reg_row *out, int *n,
			fk_error *err)
{
	fk_status s = fk_browse_register_rows(ctx, ids, got, out, err);
	if (s == FK_OK)
		*n += got;
	return s;
}

fk_status fk_browse_registers(fk_ctx *ctx, const char *muni, int kind, int64_t anchor, int dir,
			      int limit, fk_reg_row *out, int *n, fk_error *err)
{
	fk_stmt *st;
	int64_t ids[256];
	*n = 0;
	if (limit <= 0 || limit > 256)
		return fk_fail(err, FK_ERR_INVALID, "page size must be 1..256");
	fk_status s = fk_ctx_stmt(ctx, dir >= 0 ? SQL_PAGE_AFTER : SQL_PAGE_BEFORE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, kind);
	fk_sql_bind_int64(st, 3, dir < 0 && anchor <= 0 ? INT64_MAX : anchor);
	fk_sql_bind_int(st, 4, limit);
	int rc, got = 0;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW)
		ids[got++] = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	if (rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading a page of registers");
	if (dir < 0)
		for (int i = 0; i < got / 2; i++) {
			int64_t t = ids[i];
			ids[i] = ids[got - 1 - i];
			ids[got - 1 - i] = t;
		}
	return rows_of(ctx, ids, got, out, n, err);
}

/* 受付 order around keep_id: up to keep_row rows before it, then it and the rest. */
static fk_status id_page_at(fk_ctx *ctx, const char *muni, int kind, int64_t *offset, int64_t keep_id,
			    int keep_row, int limit, fk_reg_row *out, int *n, int64_t *total, fk_error *err)
{
	int64_t index;
	int before = 0, after = 0;
	fk_status s = fk_browse_position(ctx, muni, kind, keep_id, &index, total, err);
	if (s == FK_OK && keep_row > 0)
		s = fk_browse_registers(ctx, muni, kind, keep_id, -1, keep_row < limit ? keep_row : limit - 1,
					out, &before, err);
	if (s == FK_OK)
		s = fk_browse_registers(ctx, muni, kind, keep_id - 1, 1, limit - before, out + before,
					&after, err);
	*n = before + after;
	*offset = index - before;
	return s;
}

fk_status fk_browse_registers_at(fk_ctx *ctx, const char *muni, int kind, fk_order_field order,
				 int64_t *offset, int64_t keep_id, int keep_row, int limit,
				 fk_reg_row *out, int *n, int64_t *total, fk_error *err)
{
	int64_t ids[256], pos;
	int got = 0;
	*n = 0;
	if (limit <= 0 || limit > 256)
		return fk_fail(err, FK_ERR_INVALID, "page size must be 1..256");
	if (keep_row < 0 || keep_row >= limit)
		keep_row = 0;
	if (order == FK_ORDER_ID)
		return keep_id > 0 ? id_page_at(ctx, muni, kind, offset, keep_id, keep_row, limit, out, n,
						total, err)
				   : fk_fail(err, FK_ERR_INVALID, "受付 order pages by anchor");
	fk_status s = fk_order_check(ctx, muni, kind, order, total, err);
	if (s == FK_OK && keep_id > 0 &&
	    (s = fk_order_position(ctx, muni, kind, order, keep_id, &pos, err)) == FK_OK)
		*offset = pos - keep_row;
	if (s != FK_OK)
		return s;
	/* A full page at the end rather than a short one. */
	if (*offset < 0 && keep_id <= 0)
		*offset = *total - limit;
	if (*offset > *total - limit)
		*offset = *total - limit;
	if (*offset < 0)
		*offset = 0;
	s = fk_order_page(ctx, muni, kind, order, *offset, limit, ids, &got, err);
	return s == FK_OK ? rows_of(ctx, ids, got, out, n, err) : s;
}

fk_status fk_browse_position(fk_ctx *ctx, const char *muni, int kind, int64_t id, int64_t *index,
			     int64_t *total, fk_error *err)
{
	fk_stmt *st;
	*index = *total = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_POSITION, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, kind);
	fk_sql_bind_int64(st, 3, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		*index = fk_sql_column_int64(st, 0);
		*total = fk_sql_column_int64(st, 1);
	}
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "counting registers");
}

fk_status fk_browse_total(fk_ctx *ctx, const char *muni, int kind, int64_t *total, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_TOTAL, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, kind);
	int rc = fk_sql_step(st);
	*total = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "counting registers");
}

/* One line from a decrypted payload: its string values in key order. */
static void summarise(const json_t *payload, char *out, size_t len)
{
	const char *key;
	const json_t *v;
	size_t used = 0;
	out[0] = '\0';
	json_object_foreach((json_t *)payload, key, v) {
		char part[192];
		if (json_is_string(v))
			snprintf(part, sizeof part, "%s%s: %s", used ? "  " : "", key, json_string_value(v));
		else if (json_is_integer(v))
			snprintf(part, sizeof part, "%s%s: %lld", used ? "  " : "", key,
				 (long long)json_integer_value(v));
		else
			continue;
		fk_copy_str(out + used, len - used, part);
		used = strlen(out);
		if (used + 1 >= len)
			break;
	}
}

/* The entry's scalar fields as columns; a ledger entry's "戸籍" number as its register. */
static void fields_of(const json_t *payload, fk_record_row *r)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)payload, key, v) {
		char value[128];
		if (json_is_string(v))
			fk_copy_str(value, sizeof value, json_string_value(v));
		else if (json_is_integer(v))
			snprintf(value, sizeof value, "%lld", (long long)json_integer_value(v));
		else
			continue;
		if (!strcmp(key, "戸籍") && json_is_integer(v) && !r->register_id)
			r->register_id = (int64_t)json_integer_value(v);
		if (r->nfields < FK_RECORD_FIELDS) {
			fk_record_field *f = &r->fields[r->nfields++];
			fk_copy_str(f->key, sizeof f->key, key);
			fk_copy_str(f->value, sizeof f->value, value);
		}
	}
}

/* One entry of a page read. */
static void put_record(void *arg, int i, fk_status s, const json_t *p)
{
	fk_record_row *r = (fk_record_row *)arg + i;
	if (s != FK_OK || !p) {
		/* Damaged storage: the label from the same row is not shown either. */
		r->unreadable = 1;
		r->label[0] = '\0';
		r->register_id = 0;
		return;
	}
	summarise(p, r->summary, sizeof r->summary);
	fields_of(p, r);
}

fk_status fk_browse_records(fk_ctx *ctx, const char *muni, int kind, const fk_record_row *after,
			    int limit, fk_record_row *out, int *n, fk_error *err)
{
	fk_stmt *st;
	*n = 0;
	if (limit <= 0 || limit > 256)
		return fk_fail(err, FK_ERR_INVALID, "page size must be 1..256");
	fk_status s = fk_ctx_stmt(ctx, kind == FK_FILE_LEDGER ? SQL_LEDGER_PAGE : SQL_DOC_PAGE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	if (after) {
		fk_sql_bind_text(st, 2, after->sort_date, -1, SQLITE_TRANSIENT);
		fk_sql_bind_int64(st, 3, after->received_at);
		fk_sql_bind_int64(st, 4, after->id);
	} else {
		fk_sql_bind_null(st, 2);
		fk_sql_bind_null(st, 3);
		fk_sql_bind_null(st, 4);
	}
	fk_sql_bind_int(st, 5, limit);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		fk_record_row *r = &out[(*n)++];
		memset(r, 0, sizeof *r);
		r->id = fk_sql_column_int64(st, 0);
		r->received_at = fk_sql_column_int64(st, 1);
		copy_text(st, 2, r->label, sizeof r->label);
		if (kind == FK_FILE_LEDGER)
			copy_text(st, 2, r->sort_date, sizeof r->sort_date);
		r->register_id = fk_sql_column_int64(st, 3);
	}
	fk_sql_reset(st);
	if (rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading records");
	int64_t ids[256];
	for (int i = 0; i < *n; i++)
		ids[i] = out[i].id;
	/* The page's entries in one statement, not two each (issue 14). A row altered outside
	 * fukuhon (FK_ERR_TAMPER) stops the page, naming it: nothing of the page goes out. */
	if ((s = fk_records_read_page(ctx, kind == FK_FILE_DOCS, ids, *n, put_record, out, err)) != FK_OK) {
		memset(out, 0, (size_t)*n * sizeof *out);
		*n = 0;
	}
	return s;
}
