/* Staging one chunk (stage.h; R-BATCH-ATOMIC, R-VERSION). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aad.h"
#include "audit.h"
#include "datakey.h"
#include "order.h"
#include "db.h"
#include "receipt.h"
#include "stage.h"
#include "store.h"
#include "trust.h"
#include "util.h"

static const char SQL_REF_FIND[] =
	"SELECT " FK_COLS_REGISTER_REF ", mac FROM register_ref WHERE municipality = ?1 AND ref = ?2";
static const char SQL_REF_NEXT[] = "SELECT coalesce(max(id), 0) + 1 FROM register_ref";
static const char SQL_REF_INSERT[] =
	"INSERT INTO register_ref(id, municipality, ref, register_id, mac) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_REG_ROW[] = "SELECT " FK_COLS_REGISTER ", mac FROM register WHERE id = ?1";
static const char SQL_STAGED_ROW[] =
	"SELECT " FK_COLS_STAGED ", mac FROM staged_change WHERE register_id = ?1";
static const char SQL_STAGED_INSERT[] =
	"INSERT INTO staged_change(register_id, package_id, change, version, kind, received_at, "
	"tags_old, tags_new, sort_keys, mac, reg_mac, reg_mac_old, reg_c_old, reg_c_new, "
	"reg_version_old, reg_kind_old, reg_received_old) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
static const char SQL_STAGED_UPDATE[] =
	"UPDATE staged_change SET change = ?3, version = ?4, kind = ?5, received_at = ?6, "
	"tags_old = coalesce(?7, tags_old), tags_new = ?8, sort_keys = NULL, reg_mac = ?11, "
	"reg_mac_old = ?12, reg_c_old = ?13, reg_c_new = ?14, reg_version_old = ?15, "
	"reg_kind_old = ?16, reg_received_old = ?17 WHERE register_id = ?1";
static const char SQL_REJECT_NEXT[] = "SELECT coalesce(max(id), 0) + 1 FROM package_reject";
static const char SQL_REJECT_INSERT[] =
	"INSERT INTO package_reject(id, package_id, chunk, line, ref, reason, detail, mac) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
enum { C_ST_REG, C_ST_PKG, C_ST_CHANGE, C_ST_VERSION, C_ST_KIND, C_ST_RECEIVED, C_ST_OLD, C_ST_NEW };

void (*fk_intake_chunk_hook)(fk_ctx *ctx, int chunk);

typedef struct stage {
	fk_ctx *ctx;
	fk_pkgrow *pkg;
	int chunk;
	const char *oid;
	char by[64]; /* who made a register a package brings with no one named */
	int64_t skip; /* lines of the chunk staged before */
	const fk_manifest *m;
	fk_stage_prep *prep; /* registers prepared before the transaction, or NULL */
	int64_t offset;      /* records of the package before this chunk */
	uint8_t mkey[FK_KEY_LEN]; /* the municipality's key, once needed (wiped at the end) */
	int have_mkey;
	/* the part in its transaction */
	int in_tx;
	fk_pkgrow before;
	int64_t part_start, part_records, part_first, part_last;
	int64_t tx_sum, tx_max;
} stage;

/* ---- reading ---- */

static fk_status ref_find(fk_ctx *ctx, const char *muni, const char *ref, int64_t *ref_id,
			  int64_t *reg_id, int *found, fk_error *err)
{
	fk_stmt *st;
	*found = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_REF_FIND, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_REGISTER_REF, st, 0, err)) == FK_OK) {
		*ref_id = fk_sql_column_int64(st, 0);
		*reg_id = fk_sql_column_int64(st, 3);
		*found = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		s = fk_db_fail(ctx->db, rc, err, "reading a register id");
	}
	fk_sql_reset(st);
	return s;
}

static fk_status ref_insert(fk_ctx *ctx, const char *muni, const char *ref, int64_t reg_id,
			    fk_error *err)
{
	fk_stmt *st;
	int64_t id;
	uint8_t mac[FK_MAC_LEN];
	fk_status s = fk_ctx_int64(ctx, SQL_REF_NEXT, &id, err, "register id row");
	const fk_val cols[] = {FK_VAL_INT(id), FK_VAL_TEXT(muni), FK_VAL_TEXT(ref), FK_VAL_INT(reg_id)};
	if (s == FK_OK)
		s = fk_trust_seal_new(ctx, FK_T_REGISTER_REF, cols, mac, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_REF_INSERT, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		fk_sql_bind_text(st, 2, muni, -1, SQLITE_STATIC);
		fk_sql_bind_text(st, 3, ref, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 4, reg_id);
		fk_sql_bind_blob(st, 5, mac, FK_MAC_LEN, SQLITE_STATIC);
		s = fk_ctx_exec(ctx, st, err, "storing a register id");
	}
	return s;
}

static uint8_t *tags_copy(const void *p, int bytes, int *n)
{
	*n = 0;
	if (!p || bytes <= 0 || bytes % FK_BLIND_LEN)
		return NULL;
	uint8_t *out = malloc((size_t)bytes);
	if (out) {
		memcpy(out, p, (size_t)bytes);
		*n = bytes / FK_BLIND_LEN;
	}
	return out;
}

void fk_stage_reg_clear(fk_stage_reg *r)
{
	free(r->tags_old);
	free(r->tags_new);
	r->tags_old = r->tags_new = NULL;
}

fk_status fk_stage_reg_read(fk_ctx *ctx, int64_t id, fk_stage_reg *r, fk_error *err)
{
	fk_stmt *st;
	memset(r, 0, sizeof *r);
	r->staged = -1;
	fk_status s = fk_ctx_stmt(ctx, SQL_REG_ROW, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_REGISTER, st, 0, err)) == FK_OK) {
		r->id = id;
		fk_copy_str(r->municipality, sizeof r->municipality,
			    (const char *)fk_sql_column_text(st, FK_C_REG_MUNI));
		r->kind = fk_sql_column_int(st, FK_C_REG_KIND);
		r->key_id = fk_sql_column_int64(st, FK_C_REG_KEY);
		r->version = fk_sql_column_int(st, FK_C_REG_VERSION);
		r->received_at = fk_sql_column_int64(st, FK_C_REG_RECEIVED);
		if (fk_sql_column_bytes(st, FK_C_REG_MAC) == FK_MAC_LEN)
			memcpy(r->reg_mac, fk_sql_column_blob(st, FK_C_REG_MAC), FK_MAC_LEN);
		if ((r->disposed = fk_sql_column_type(st, FK_C_REG_DISPOSED) != SQLITE_NULL))
			s = fk_fail(err, FK_ERR_NOTFOUND, "register %lld was disposed of", (long long)id);
	} else if (s == FK_OK) {
		s = rc == SQLITE_DONE ? fk_fail(err, FK_ERR_NOTFOUND, "register %lld does not exist", (long long)id)
				      : fk_db_fail(ctx->db, rc, err, "reading a register");
	}
	fk_sql_reset(st);
	if (s != FK_OK || (s = fk_ctx_stmt(ctx, SQL_STAGED_ROW, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_STAGED, st, 0, err)) == FK_OK) {
		r->owner = fk_sql_column_int64(st, C_ST_PKG);
		r->staged = fk_sql_column_int(st, C_ST_CHANGE);
		r->staged_version = fk_sql_column_int(st, C_ST_VERSION);
		r->staged_kind = fk_sql_column_int(st, C_ST_KIND);
		r->tags_old = tags_copy(fk_sql_column_blob(st, C_ST_OLD), fk_sql_column_bytes(st, C_ST_OLD),
					&r->ntags_old);
		r->tags_new = tags_copy(fk_sql_column_blob(st, C_ST_NEW), fk_sql_column_bytes(st, C_ST_NEW),
					&r->ntags_new);
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		s = fk_db_fail(ctx->db, rc, err, "reading a staged change");
	}
	fk_sql_reset(st);
	return s;
}

/* The content of r's newest version (staged or published). */
static fk_status current_doc(fk_ctx *ctx, const fk_stage_reg *r, json_t **doc, uint8_t key[FK_KEY_LEN],
			     fk_error *err)
{
	fk_reg_info info = {.id = r->id, .key_id = r->key_id, .received_at = r->received_at};
	int changed = r->staged > 0;
	fk_copy_str(info.municipality, sizeof info.municipality, r->municipality);
	info.kind = (fk_reg_kind)(changed ? r->staged_kind : r->kind);
	info.version = changed ? r->staged_version : r->version;
	fk_status s = fk_datakey_get(ctx, r->key_id, key, err);
	return s == FK_OK ? fk_regver_read_staged(ctx, &info, info.version, key, doc, err) : s;
}

/* ---- writing ---- */

/* What publishing writes into an amended register's row, made now (sql/020): the row's MAC as
 * it will be and its digest contributions before and after, and the row as checked now. */
typedef struct pubdata {
	uint8_t mac[FK_MAC_LEN], mac_old[FK_MAC_LEN], c_old[FK_MAC_LEN], c_new[FK_MAC_LEN];
	int version_old, kind_old;
	int64_t received_old;
} pubdata;

static fk_status pubdata_make(fk_ctx *ctx, const fk_stage_reg *r, int version, int kind, int64_t at,
			      pubdata *pd, fk_error *err)
{
	const fk_val cols[] = {FK_VAL_INT(r->id), FK_VAL_TEXT(r->municipality), FK_VAL_INT(kind),
			       FK_VAL_INT(r->key_id), FK_VAL_INT(version), FK_VAL_INT(at), FK_VAL_NULL};
	memcpy(pd->mac_old, r->reg_mac, FK_MAC_LEN);
	pd->version_old = r->version;
	pd->kind_old = r->kind;
	pd->received_old = r->received_at;
	fk_status s = fk_trust_prepare(ctx, FK_T_REGISTER, cols, pd->mac, pd->c_new, err);
	return s == FK_OK ? fk_trust_contribution(ctx, FK_T_REGISTER, r->reg_mac, pd->c_old, err) : s;
}

static void pubdata_bind(fk_stmt *st, const pubdata *pd)
{
	if (!pd)
		return; /* unbound: NULL */
	fk_sql_bind_blob(st, 11, pd->mac, FK_MAC_LEN, SQLITE_STATIC);
	fk_sql_bind_blob(st, 12, pd->mac_old, FK_MAC_LEN, SQLITE_STATIC);
	fk_sql_bind_blob(st, 13, pd->c_old, FK_MAC_LEN, SQLITE_STATIC);
	fk_sql_bind_blob(st, 14, pd->c_new, FK_MAC_LEN, SQLITE_STATIC);
	fk_sql_bind_int(st, 15, pd->version_old);
	fk_sql_bind_int(st, 16, pd->kind_old);
	fk_sql_bind_int64(st, 17, pd->received_old);
}

/* A register's staged change: a new row, or the row updated (an amended register new in the
 * package loses its kept sort keys: publishing lists it from its last version). */
static fk_status staged_put(fk_ctx *ctx, const fk_stage_reg *r, int64_t pkg, int change, int version,
			    int kind, int64_t at, const uint8_t *old, int nold, const uint8_t *neu,
			    int nnew, const uint8_t *keys, size_t nkeys, const pubdata *pd, fk_error *err)
{
	fk_stmt *st;
	uint8_t mac[FK_MAC_LEN];
	int update = r->staged >= 0;
	fk_status s = FK_OK;
	if (update) {
		s = fk_trust_unseal(ctx, FK_T_STAGED, FK_VAL_INT(r->id), 0, err);
	} else {
		/* A new row's MAC from its columns: no reading it back (one per new register). */
		const fk_val cols[] = {FK_VAL_INT(r->id), FK_VAL_INT(pkg), FK_VAL_INT(change),
				       FK_VAL_INT(version), FK_VAL_INT(kind), FK_VAL_INT(at),
				       nold ? FK_VAL_BLOB(old, (size_t)nold * FK_BLIND_LEN) : FK_VAL_NULL,
				       nnew ? FK_VAL_BLOB(neu, (size_t)nnew * FK_BLIND_LEN) : FK_VAL_NULL,
				       keys ? FK_VAL_BLOB(keys, nkeys) : FK_VAL_NULL};
		s = fk_trust_seal_new(ctx, FK_T_STAGED, cols, mac, err);
	}
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, update ? SQL_STAGED_UPDATE : SQL_STAGED_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, r->id);
	if (!update)
		fk_sql_bind_int64(st, 2, pkg);
	if (nold)
		fk_sql_bind_blob(st, 7, old, nold * FK_BLIND_LEN, SQLITE_STATIC);
	if (!update && keys)
		fk_sql_bind_blob(st, 9, keys, (int)nkeys, SQLITE_STATIC);
	if (!update)
		fk_sql_bind_blob(st, 10, mac, FK_MAC_LEN, SQLITE_STATIC);
	fk_sql_bind_int(st, 3, change);
	fk_sql_bind_int(st, 4, version);
	fk_sql_bind_int(st, 5, kind);
	fk_sql_bind_int64(st, 6, at);
	if (nnew)
		fk_sql_bind_blob(st, 8, neu, nnew * FK_BLIND_LEN, SQLITE_STATIC);
	pubdata_bind(st, pd);
	s = fk_ctx_exec(ctx, st, err, "staging a change");
	return s == FK_OK && update ? fk_trust_seal(ctx, FK_T_STAGED, FK_VAL_INT(r->id), err) : s;
}

/* A rejected record: its row for the receipt and its record in the history. */
static fk_status reject(stage *g, int64_t line, const char *ref, fk_reject why, const char *detail,
			fk_error *err)
{
	fk_stmt *st;
	int64_t id;
	uint8_t mac[FK_MAC_LEN];
	char d[FK_ERRMSG_MAX + 96];
	const char *reason = fk_reject_id(why);
	detail = detail ? detail : "";
	fk_status s = fk_ctx_int64(g->ctx, SQL_REJECT_NEXT, &id, err, "rejection id");
	const fk_val cols[] = {FK_VAL_INT(id), FK_VAL_INT(g->pkg->id), FK_VAL_INT(g->chunk),
			       FK_VAL_INT(line), FK_VAL_TEXT(ref), FK_VAL_TEXT(reason), FK_VAL_TEXT(detail)};
	if (s == FK_OK)
		s = fk_trust_seal_new(g->ctx, FK_T_PKG_REJECT, cols, mac, err);
	if (s == FK_OK && (s = fk_ctx_stmt(g->ctx, SQL_REJECT_INSERT, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		fk_sql_bind_int64(st, 2, g->pkg->id);
		fk_sql_bind_int(st, 3, g->chunk);
		fk_sql_bind_int64(st, 4, line);
		fk_sql_bind_text(st, 5, ref, -1, SQLITE_STATIC);
		fk_sql_bind_text(st, 6, reason, -1, SQLITE_STATIC);
		fk_sql_bind_text(st, 7, detail, -1, SQLITE_STATIC);
		fk_sql_bind_blob(st, 8, mac, FK_MAC_LEN, SQLITE_STATIC);
		s = fk_ctx_exec(g->ctx, st, err, "storing a rejection");
	}
	/* the line as the receipt counts it, from 1 (receipt.c) */
	snprintf(d, sizeof d, "chunk=%d line=%lld ref=%s %s", g->chunk, (long long)line + 1, ref, detail);
	if (s == FK_OK)
		s = fk_audit_op(g->ctx, (fk_op)g->pkg->op, g->oid, FK_RESULT_FAILED, reason, d, err);
	if (s == FK_OK)
		g->pkg->rejected++;
	return s;
}

/* A failure that is the record's fault (content or a date the store refuses) rejects it;
 * anything else stops the chunk. */
static fk_status reject_or_fail(stage *g, int64_t line, const char *ref, fk_reject why, fk_status s,
				fk_error *err)
{
	if (s != FK_ERR_INVALID)
		return s;
	char detail[FK_ERRMSG_MAX];
	fk_copy_str(detail, sizeof detail, err->msg);
	return reject(g, line, ref, why, detail, err);
}

/* A new register's sort keys, sealed under the municipality's key, in its staged row: the
 * keys prepared with it (or made now), so that publishing lists it without decrypting it;
 * with them its search tags when they wait for fk_tagmerge (ntags > 0). */
static fk_status keep_sort_keys(stage *g, int64_t line, int64_t id, const fk_pkg_record *r,
				const uint8_t *tags, int ntags, fk_error *err)
{
	char *made[FK_ORDER_FIELDS] = {NULL};
	char **k = g->prep && line < g->prep->n && g->prep->keys[line][0] && g->prep->keys[line][1]
			   ? g->prep->keys[line] : made;
	fk_status s = FK_OK;
	for (int f = 0; f < FK_ORDER_FIELDS && s == FK_OK && k == made; f++)
		s = fk_order_key(r->content, (fk_order_field)(f + 1), &made[f], err);
	if (s == FK_OK && !g->have_mkey) {
		int64_t kid;
		s = fk_datakey_municipality(g->ctx, g->pkg->municipality, &kid, g->mkey, err);
		g->have_mkey = s == FK_OK;
	}
	size_t n0 = k[0] ? strlen(k[0]) : 0, n1 = k[1] ? strlen(k[1]) : 0, n = n0 + 1 + n1;
	uint8_t *plain = s == FK_OK ? malloc(n) : NULL, *sealed = plain ? malloc(n + FK_SEAL_OVERHEAD) : NULL;
	if (s == FK_OK && !sealed)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK && plain && sealed) {
		fk_aad a;
		if (n0)
			memcpy(plain, k[0], n0);
		plain[n0] = '\0';
		if (n1)
			memcpy(plain + n0 + 1, k[1], n1);
		fk_aad_payload(&a, "staged_change", id, g->pkg->municipality);
		s = fk_seal(g->mkey, a.b, a.n, plain, n, sealed, err);
	}
	fk_stage_reg fresh = {.id = id, .staged = -1};
	if (s == FK_OK)
		s = staged_put(g->ctx, &fresh, g->pkg->id, 3, 1, (int)r->kind, g->pkg->received_at, NULL,
			       0, tags, ntags, sealed, n + FK_SEAL_OVERHEAD, NULL, err);
	/* sort keys are names in sort form */
	if (plain)
		fk_wipe(plain, n);
	free(plain);
	free(sealed);
	for (int f = 0; f < FK_ORDER_FIELDS; f++) {
		if (made[f])
			fk_wipe(made[f], strlen(made[f]));
		free(made[f]);
	}
	return s;
}

static fk_status new_register(stage *g, int64_t line, const fk_pkg_record *r, fk_error *err)
{
	int64_t id = g->pkg->wm[FK_WM_REGISTER] + 1 + g->offset + line;
	int64_t key_id = g->pkg->wm_key + 1 + g->offset + line;
	fk_reg_prepared p, *use = &p;
	fk_status s = FK_OK;
	if (g->prep && line < g->prep->n && g->prep->v[line].id == id)
		use = &g->prep->v[line];
	else
		s = fk_store_prepare(g->ctx->keys, id, key_id, g->pkg->municipality, r->kind, r->content,
				     g->by, g->pkg->received_at, &p, err);
	if (s != FK_OK)
		return reject_or_fail(g, line, r->ref, FK_REJECT_SCHEMA, s, err);
	/* A large package's tags wait in the staged row, to go into the index sorted over the
	 * whole package (tagmerge.h); the register is hidden by the watermark meanwhile. */
	uint8_t tags[FK_TAGS_MAX][FK_BLIND_LEN];
	int ntags = g->pkg->defer_tags ? use->ntags : 0;
	fk_reg_prepared rows = *use;
	if (ntags)
		memcpy(tags, use->tags, (size_t)ntags * FK_BLIND_LEN);
	rows.ntags -= ntags;
	s = fk_store_insert(g->ctx, &rows, err);
	fk_reg_prepared_clear(use);
	use->id = 0;
	if (s == FK_OK)
		s = ref_insert(g->ctx, g->pkg->municipality, r->ref, id, err);
	if (s == FK_OK)
		s = keep_sort_keys(g, line, id, r, ntags ? (const uint8_t *)tags : NULL, ntags, err);
	if (s == FK_OK)
		g->pkg->n[FK_REC_REGISTER]++;
	return s;
}

/* Canonical content equal (a full re-send's unchanged register). */
static fk_status same_content(const json_t *a, const json_t *b, int *same, fk_error *err)
{
	char *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	fk_status s = fk_register_dump(a, &x, &nx, err);
	if (s == FK_OK)
		s = fk_register_dump(b, &y, &ny, err);
	*same = s == FK_OK && nx == ny && memcmp(x, y, nx) == 0;
	if (x)
		fk_wipe(x, nx);
	if (y)
		fk_wipe(y, ny);
	free(x);
	free(y);
	return s;
}

/* A new version of register reg (doc; NULL: its content as it is, for a removal) of kind,
 * staged: the version row written, the change noted for publishing. */
static fk_status amend(stage *g, int64_t line, const fk_pkg_record *r, const fk_stage_reg *reg,
		       const json_t *doc, int kind, fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	uint8_t told[FK_TAGS_MAX][FK_BLIND_LEN], tnew[FK_TAGS_MAX][FK_BLIND_LEN];
	int nold = 0, nnew = 0, moved = 0;
	json_t *old = NULL;
	char by[sizeof r->changed_by + sizeof r->reason + 8];
	if (doc && (fk_register_validate(doc, err)) != FK_OK)
		return reject_or_fail(g, line, r->ref, FK_REJECT_SCHEMA, FK_ERR_INVALID, err);
	fk_status s = current_doc(g->ctx, reg, &old, key, err);
	if (s != FK_OK) {
		fk_wipe(key, sizeof key);
		return s;
	}
	if (!doc)
		doc = old;
	int published_kind = reg->kind;
	int version = (reg->staged > 0 ? reg->staged_version : reg->version) + 1;
	/* The tags and sorted lists publishing swaps are the published version's (or, for a
	 * register new in the package, its first's): one amended twice in one package keeps the
	 * first amendment's old tags. */
	int fresh = reg->staged <= 0 || reg->staged == 3;
	if (fresh)
		s = fk_store_tags(g->ctx->keys, old, told, &nold, err);
	if (s == FK_OK)
		s = fk_store_tags(g->ctx->keys, doc, tnew, &nnew, err);
	if (s == FK_OK)
		s = fk_store_order_moves(old, doc, kind != published_kind, &moved, err);
	if (r->reason[0])
		snprintf(by, sizeof by, "%s (%s)", r->changed_by[0] ? r->changed_by : g->by, r->reason);
	else
		fk_copy_str(by, sizeof by, r->changed_by[0] ? r->changed_by : g->by);
	if (s == FK_OK)
		s = fk_store_version_write(g->ctx, reg->id, version, reg->municipality, kind, key, doc, by,
					   g->pkg->received_at, err);
	fk_wipe(key, sizeof key);
	json_decref(old);
	/* The index gets the new version's tags now, out of readers' sight, so that publishing
	 * swaps none (issue 10): base is what the index holds for the register outside this
	 * package, cur what an earlier amendment in it left. */
	const uint8_t(*base)[FK_BLIND_LEN] = fresh ? (const uint8_t(*)[FK_BLIND_LEN])told
						   : (const uint8_t(*)[FK_BLIND_LEN])reg->tags_old;
	int nbase = fresh ? nold : reg->ntags_old;
	const uint8_t(*cur)[FK_BLIND_LEN] = fresh ? base : (const uint8_t(*)[FK_BLIND_LEN])reg->tags_new;
	int ncur = fresh ? nbase : reg->ntags_new;
	/* New in the package with its tags kept in its staged row for fk_tagmerge: none of them
	 * is in the index yet, so all of the new version's go in (and it leaves the merge). */
	if (reg->staged == 3 && reg->ntags_new > 0)
		ncur = 0;
	if (s == FK_OK && reg->id > g->pkg->wm[FK_WM_REGISTER])
		/* new in the package: hidden whole by the register watermark; swapped in place */
		s = fk_store_tags_replace(g->ctx, reg->id, cur, ncur, (const uint8_t(*)[FK_BLIND_LEN])tnew,
					  nnew, err);
	else if (s == FK_OK)
		s = fk_store_tags_stage(g->ctx, reg->id, g->pkg->id, base, nbase, cur, ncur,
					(const uint8_t(*)[FK_BLIND_LEN])tnew, nnew, err);
	pubdata pd;
	if (s == FK_OK)
		s = pubdata_make(g->ctx, reg, version, kind, g->pkg->received_at, &pd, err);
	if (s != FK_OK)
		return s;
	int change = moved || reg->staged == 2 ? 2 : 1;
	return staged_put(g->ctx, reg, g->pkg->id, change, version, kind, g->pkg->received_at,
			  fresh ? (const uint8_t *)told : NULL, fresh ? nold : 0, (const uint8_t *)tnew,
			  nnew, NULL, 0, &pd, err);
}

/* The register a record names, or why the record is rejected. */
static fk_status named(stage *g, const char *ref, fk_stage_reg *reg, int64_t *ref_id, fk_reject *why,
		       fk_error *err)
{
	int64_t reg_id;
	int found;
	*why = FK_REJECT_NONE;
	memset(reg, 0, sizeof *reg);
	reg->staged = -1;
	fk_status s = ref_find(g->ctx, g->pkg->municipality, ref, ref_id, &reg_id, &found, err);
	if (s != FK_OK)
		return s;
	if (!found) {
		*why = FK_REJECT_UNKNOWN;
		return FK_OK;
	}
	s = fk_stage_reg_read(g->ctx, reg_id, reg, err);
	if (s == FK_ERR_NOTFOUND) {
		/* Disposed of (R-DISPOSE): never UNKNOWN, which would make a register anew under the
		 * same id and bring the disposed register back; the ref stays so that it is known. */
		*why = reg->disposed ? FK_REJECT_DISPOSED : FK_REJECT_UNKNOWN;
		return FK_OK;
	}
	if (s == FK_OK && reg->staged >= 0 && reg->owner != g->pkg->id)
		*why = FK_REJECT_BUSY;
	return s;
}

static fk_status on_register(stage *g, int64_t line, const fk_pkg_record *r, fk_error *err)
{
	fk_stage_reg reg;
	int64_t ref_id = 0;
	fk_reject why;
	fk_status s = named(g, r->ref, &reg, &ref_id, &why, err);
	if (s != FK_OK)
		return s;
	if (why == FK_REJECT_UNKNOWN)
		return new_register(g, line, r, err);
	if (why == FK_REJECT_NONE && (ref_id > g->pkg->wm[FK_WM_REF] || reg.staged >= 0))
		why = FK_REJECT_DUPLICATE;
	else if (why == FK_REJECT_NONE && g->pkg->kind != FK_PKG_FULL)
		why = FK_REJECT_EXISTS;
	if (why != FK_REJECT_NONE) {
		fk_stage_reg_clear(&reg);
		return reject(g, line, r->ref, why, NULL, err);
	}
	/* A full re-send: the register as the municipality has it now. */
	uint8_t key[FK_KEY_LEN];
	json_t *cur = NULL;
	int same = 0;
	s = current_doc(g->ctx, &reg, &cur, key, err);
	fk_wipe(key, sizeof key);
	if (s == FK_OK)
		s = same_content(cur, r->content, &same, err);
	json_decref(cur);
	if (s == FK_OK && same && (int)r->kind == reg.kind) {
		s = staged_put(g->ctx, &reg, g->pkg->id, 0, reg.version, reg.kind, reg.received_at, NULL, 0,
			       NULL, 0, NULL, 0, NULL, err);
		if (s == FK_OK)
			g->pkg->unchanged++;
	} else if (s == FK_OK) {
		fk_pkg_record v = *r;
		fk_copy_str(v.reason, sizeof v.reason, "full re-send");
		s = amend(g, line, &v, &reg, r->content, (int)r->kind, err);
		if (s == FK_OK)
			g->pkg->n[FK_REC_REGISTER]++;
	}
	fk_stage_reg_clear(&reg);
	return s;
}

static fk_status on_change(stage *g, int64_t line, const fk_pkg_record *r, fk_error *err)
{
	fk_stage_reg reg;
	int64_t ref_id;
	fk_reject why;
	fk_status s = named(g, r->ref, &reg, &ref_id, &why, err);
	if (s != FK_OK)
		return s;
	int kind = reg.staged > 0 ? reg.staged_kind : reg.kind;
	if (why == FK_REJECT_NONE && kind == FK_KIND_JOSEKI)
		why = FK_REJECT_REMOVED;
	if (why != FK_REJECT_NONE)
		s = reject(g, line, r->ref, why, NULL, err);
	else if (r->type == FK_REC_VERSION)
		s = amend(g, line, r, &reg, r->content, kind, err);
	else
		s = amend(g, line, r, &reg, NULL, FK_KIND_JOSEKI, err);
	if (s == FK_OK && why == FK_REJECT_NONE)
		g->pkg->n[r->type]++;
	fk_stage_reg_clear(&reg);
	return s;
}

/* A ledger entry is stored as its entry object. Its link is the terminal's register id under
 * "戸籍", a number (the readers link by it: store/browse.c); a sender's entry holds strings
 * only, so that member cannot be the sender's, and a linked entry that names its own "戸籍"
 * is refused (field) rather than have either silently replaced (docs/package-format.md). */
static fk_status on_ledger(stage *g, int64_t line, const fk_pkg_record *r, int64_t reg_id,
			   fk_error *err)
{
	int64_t id;
	json_t *entry = r->entry;
	if (reg_id) {
		if (json_object_get(r->entry, "戸籍"))
			return reject(g, line, r->ref, FK_REJECT_FIELD, "entry: 戸籍 beside ref", err);
		if (!(entry = json_copy(r->entry)) ||
		    json_object_set_new(entry, "戸籍", json_integer((json_int_t)reg_id))) {
			json_decref(entry);
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		}
	} else {
		json_incref(entry);
	}
	fk_status s = fk_ledger_add(g->ctx, g->pkg->municipality, r->date, entry, g->pkg->received_at,
				    &id, err);
	json_decref(entry);
	if (s != FK_OK)
		return reject_or_fail(g, line, r->ref, FK_REJECT_DATE, s, err);
	g->pkg->n[FK_REC_LEDGER]++;
	return FK_OK;
}

static fk_status on_entry(stage *g, int64_t line, const fk_pkg_record *r, fk_error *err)
{
	int64_t id, reg_id = 0, ref_id;
	fk_status s = FK_OK;
	/* Both kinds link by the sender's ref; an unknown one refuses the record (link). */
	if (r->ref[0]) {
		int found;
		if ((s = ref_find(g->ctx, g->pkg->municipality, r->ref, &ref_id, &reg_id, &found, err)) != FK_OK)
			return s;
		if (!found)
			return reject(g, line, r->ref, FK_REJECT_LINK, NULL, err);
	}
	if (r->type == FK_REC_LEDGER)
		return on_ledger(g, line, r, reg_id, err);
	s = fk_doc_add(g->ctx, g->pkg->municipality, r->doc_type, reg_id, r->entry, g->pkg->received_at,
		       &id, err);
	if (s != FK_OK)
		return reject_or_fail(g, line, r->ref, FK_REJECT_FIELD, s, err);
	g->pkg->n[FK_REC_DOCUMENT]++;
	return FK_OK;
}

static fk_status decide(stage *g, int64_t line, const fk_pkg_record *r, fk_reject why,
			const char *detail, fk_error *err)
{
	if (why != FK_REJECT_NONE)
		return reject(g, line, r && r->ref[0] ? r->ref : "", why, detail, err);
	switch (r->type) {
	case FK_REC_REGISTER:
		return on_register(g, line, r, err);
	case FK_REC_VERSION:
	case FK_REC_REMOVAL:
		return on_change(g, line, r, err);
	case FK_REC_LEDGER:
	case FK_REC_DOCUMENT:
		return on_entry(g, line, r, err);
	}
	return reject(g, line, r->ref, FK_REJECT_TYPE, NULL, err);
}

/* ---- parts: a chunk staged in transactions of bounded size and time ---- */

int fk_intake_part_records = 500;

void fk_stage_yield(void)
{
	const struct timespec gap = {0, 2000000L};
	nanosleep(&gap, NULL);
}
int64_t fk_intake_part_ns = INT64_C(50) * 1000000;

static fk_status part_begin(stage *g, fk_error *err)
{
	g->part_start = fk_mono_ns();
	g->part_records = 0;
	g->part_first = -1;
	g->before = *g->pkg;
	fk_status s = fk_ctx_begin(g->ctx, err);
	if (s != FK_OK)
		return s;
	g->in_tx = 1;
	/* The part's search tags go into the index sorted, in one pass (random inserts into a
	 * large index would dominate its time). */
	return fk_store_bulk_begin(g->ctx, err);
}

/* Commit the part (with s FK_OK) or roll it back: the package's row says how far it got
 * (next: the first line of the chunk not staged; -1: the whole chunk), and its record. */
static fk_status part_end(stage *g, fk_status s, int64_t next, fk_error *err)
{
	fk_pkgrow *pkg = g->pkg;
	char detail[160];
	fk_status b = fk_store_bulk_end(g->ctx, err);
	if (s == FK_OK)
		s = b;
	if (next < 0) {
		pkg->chunks_staged = g->chunk + 1;
		pkg->lines_staged = 0;
	} else {
		pkg->lines_staged = next;
	}
	pkg->n[0] = 0;
	for (int t = 1; t <= FK_REC_TYPES; t++)
		pkg->n[0] += pkg->n[t];
	if (s == FK_OK)
		s = fk_pkgrow_save(g->ctx, pkg, NULL, 0, err);
	snprintf(detail, sizeof detail, "chunk=%d lines=%lld-%lld records=%lld rejected=%lld", g->chunk,
		 (long long)g->part_first, (long long)(next < 0 ? g->part_last : next - 1),
		 (long long)(pkg->n[0] + pkg->unchanged - g->before.n[0] - g->before.unchanged),
		 (long long)(pkg->rejected - g->before.rejected));
	if (s == FK_OK && !pkg->quiet)
		s = fk_audit_op(g->ctx, (fk_op)g->pkg->op, g->oid, FK_RESULT_SUCCESS, "chunk", detail, err);
	s = fk_ctx_end(g->ctx, s, err);
	g->in_tx = 0;
	int64_t t = fk_mono_ns() - g->part_start;
	if (g->ctx->tx_depth == 0)
		fk_stage_yield();
	g->tx_sum += t;
	if (t > g->tx_max)
		g->tx_max = t;
	if (s != FK_OK)
		*pkg = g->before;
	return s;
}

static fk_status on_record(void *arg, int64_t line, const fk_pkg_record *r, fk_reject why,
			   const char *detail, fk_error *err)
{
	stage *g = arg;
	if (line < g->skip)
		return FK_OK; /* staged before an interruption (R-BATCH-RESUME) */
	/* The ids of a chunk's records are counted through the manifest: a line it does not
	 * count has none (and the receipt says the chunk has more records than listed). */
	if (why == FK_REJECT_NONE && line >= g->m->chunks[g->chunk].records) {
		why = FK_REJECT_MALFORMED;
		detail = "more records in the chunk than its manifest lists";
	}
	fk_status s = FK_OK;
	if (!g->in_tx)
		s = part_begin(g, err);
	if (s == FK_OK) {
		if (g->part_first < 0)
			g->part_first = line;
		g->part_last = line;
		s = decide(g, line, r, why, detail, err);
	}
	if (s != FK_OK)
		return s;
	/* Bounded, whatever the size of the sender's chunks: the consoles wait for the lock. */
	if (++g->part_records >= fk_intake_part_records || fk_mono_ns() - g->part_start >= fk_intake_part_ns)
		s = part_end(g, FK_OK, line + 1, err);
	return s;
}

static int64_t offset_of(const fk_manifest *m, int chunk)
{
	int64_t n = 0;
	for (int i = 0; i < chunk; i++)
		n += m->chunks[i].records;
	return n;
}

void fk_stage_prep_clear(fk_stage_prep *p)
{
	for (int64_t i = 0; i < p->n; i++) {
		if (p->v[i].id)
			fk_reg_prepared_clear(&p->v[i]);
		for (int f = 0; f < FK_ORDER_FIELDS && p->keys; f++) {
			if (p->keys[i][f])
				fk_wipe(p->keys[i][f], strlen(p->keys[i][f]));
			free(p->keys[i][f]);
		}
	}
	free(p->v);
	free(p->keys);
	p->v = NULL;
	p->keys = NULL;
	p->n = 0;
}

typedef struct prep_run {
	const fk_keyring *keys;
	const fk_pkgrow *pkg;
	fk_stage_prep *out;
	int64_t offset;
} prep_run;

static fk_status prep_one(void *arg, int64_t line, const fk_pkg_record *r, fk_reject why,
			  const char *detail, fk_error *err)
{
	prep_run *p = arg;
	(void)detail;
	(void)err;
	if (why != FK_REJECT_NONE || r->type != FK_REC_REGISTER || line < 0 || line >= p->out->n)
		return FK_OK;
	fk_error e;
	fk_reg_prepared *v = &p->out->v[line];
	/* A register whose ref exists is not new: prepared for nothing, which costs only time
	 * on the second core. A failure leaves it to the transaction, which rejects it. */
	if (fk_store_prepare(p->keys, p->pkg->wm[FK_WM_REGISTER] + 1 + p->offset + line,
			     p->pkg->wm_key + 1 + p->offset + line, p->pkg->municipality, r->kind,
			     r->content, p->out->by, p->pkg->received_at, v, &e) != FK_OK) {
		v->id = 0;
		return FK_OK;
	}
	char **k = p->out->keys[line];
	for (int f = 0; f < FK_ORDER_FIELDS; f++)
		if (fk_order_key(r->content, (fk_order_field)(f + 1), &k[f], &e) != FK_OK) {
			for (int g = 0; g <= f; g++) {
				free(k[g]);
				k[g] = NULL;
			}
			break;
		}
	return FK_OK;
}

fk_status fk_stage_prepare(const fk_keyring *keys, const fk_pkgrow *pkg, const fk_manifest *m,
			   const fk_intake_source *src, int chunk, fk_stage_prep *out, fk_error *err)
{
	fk_stage_prep_clear(out);
	int64_t n = m->chunks[chunk].records;
	snprintf(out->by, sizeof out->by, "package %s/%lld", pkg->municipality, (long long)pkg->sequence);
	if (n <= 0)
		return FK_OK;
	out->v = calloc((size_t)n, sizeof *out->v);
	out->keys = calloc((size_t)n, sizeof *out->keys);
	if (!out->v || !out->keys) {
		free(out->v);
		free(out->keys);
		out->v = NULL;
		out->keys = NULL;
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	out->n = n;
	prep_run p = {.keys = keys, .pkg = pkg, .out = out, .offset = offset_of(m, chunk)};
	return src->each(src->arg, chunk, prep_one, &p, err);
}

fk_status fk_stage_chunk(fk_ctx *ctx, fk_pkgrow *pkg, const fk_manifest *m,
			 const fk_intake_source *src, int chunk, fk_stage_prep *prep, const char *oid,
			 fk_error *err, int64_t *tx_sum, int64_t *tx_max)
{
	stage g = {.ctx = ctx, .pkg = pkg, .chunk = chunk, .oid = oid, .m = m, .prep = prep,
		   .offset = offset_of(m, chunk),
		   .skip = chunk == pkg->chunks_staged ? pkg->lines_staged : 0};
	snprintf(g.by, sizeof g.by, "package %s/%lld", pkg->municipality, (long long)pkg->sequence);
	if (fk_intake_chunk_hook)
		fk_intake_chunk_hook(ctx, chunk);
	fk_status s = src->each(src->arg, chunk, on_record, &g, err);
	/* The last part (or, for a chunk whose records were all staged, or none, a part of its
	 * own that only says the chunk is done). */
	if (s == FK_OK && !g.in_tx)
		s = part_begin(&g, err);
	if (g.in_tx)
		s = part_end(&g, s, -1, err);
	*tx_sum += g.tx_sum;
	if (g.tx_max > *tx_max)
		*tx_max = g.tx_max;
	fk_wipe(g.mkey, sizeof g.mkey);
	return s;
}
