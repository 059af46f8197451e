/* The packages received, read for people through the gate (packages.h). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "gate.h"
#include "packages.h"
#include "importfile.h"
#include "pkgrow.h"
#include "refused.h"
#include "trust.h"
#include "util.h"

/* A package's row (checked) with its municipality's (checked too: the municipality's bureau
 * decides whether the reader may see the package, so a row moved to another bureau by hand
 * must not widen the jurisdiction, R-JURIS). The columns: the package's 0..24, its MAC 25,
 * the municipality's from 26, its MAC after them. */
#define SELECT_PKG_MUNI                                                                             \
	"SELECT " FK_COLS_PACKAGE ", package.mac, " FK_COLS_MUNICIPALITY ", municipality.mac "   \
	"FROM package JOIN municipality ON municipality.code = package.municipality "
enum { P_MAC = 25, P_MUNI = 26 };

/* Newest first by id (ids only grow: the rowid's order is the order of receipt); keyset
 * paging on the rowid, so a page costs the same at the 100,000th package as at the first. */
static const char SQL_LIST[] = SELECT_PKG_MUNI
	"WHERE municipality.bureau_id = ?1 AND package.id < ?2 "
	"AND (CAST(?3 AS TEXT) IS NULL OR package.municipality = ?3) AND (CAST(?4 AS TEXT) IS NULL OR package.state = ?4) "
	"AND (CAST(?6 AS TEXT) IS NULL OR replace(municipality.name, ?6, '') <> municipality.name) "
	"ORDER BY package.id DESC LIMIT ?5";
static const char SQL_ONE[] = SELECT_PKG_MUNI "WHERE package.id = ?1";
/* In the package's order, on its index (package_id, chunk, line, rowid). */
static const char SQL_REJECTS[] =
	"SELECT " FK_COLS_PKG_REJECT ", mac FROM package_reject WHERE package_id = ?1 "
	"AND (chunk, line, id) > (?2, ?3, ?4) ORDER BY chunk, line, id LIMIT ?5";
static const char SQL_RECEIPT[] = "SELECT receipt FROM package WHERE id = ?1";
/* The name of a municipality a refused delivery claims (checked: it is shown as the store's). */
static const char SQL_MUNI[] = "SELECT " FK_COLS_MUNICIPALITY ", mac FROM municipality WHERE code = ?1";

static const char *const state_ids[] = {[FK_PKG_STAGING] = "staging",
					[FK_PKG_PUBLISHED] = "published",
					[FK_PKG_REFUSED] = "refused"};

static fk_pkg_state state_of(const char *id)
{
	for (int i = FK_PKG_STAGING; i <= FK_PKG_REFUSED; i++)
		if (!strcmp(id, state_ids[i]))
			return (fk_pkg_state)i;
	return FK_PKG_ANY;
}

fk_reject fk_reject_from_id(const char *id)
{
#define FK_REJECT_FIND(e, text)                                                                  \
	if (id && !strcmp(id, fk_reject_id(FK_REJECT_##e)))                                       \
		return FK_REJECT_##e;
	FK_REJECT_LIST(FK_REJECT_FIND)
#undef FK_REJECT_FIND
	return FK_REJECT_NONE;
}

static fk_intake_refusal refusal_from_id(const char *id)
{
#define FK_REFUSAL_FIND(e, text)                                                                 \
	if (id && !strcmp(id, fk_intake_refusal_id(FK_INTAKE_##e)))                               \
		return FK_INTAKE_##e;
	FK_INTAKE_REFUSE_LIST(FK_REFUSAL_FIND)
#undef FK_REFUSAL_FIND
	return FK_INTAKE_NONE;
}

const char *fk_intake_reason_text(const char *id)
{
#define COUNT_ONE(e, text) +1
	static const int ncms = 0 FK_CMS_FAIL_LIST(COUNT_ONE), npkg = 0 FK_PKG_FAIL_LIST(COUNT_ONE);
#undef COUNT_ONE
	if (!id)
		return NULL;
	fk_intake_refusal r = refusal_from_id(id);
	if (r != FK_INTAKE_NONE)
		return fk_intake_refusal_text(r);
	for (int i = 1; i < ncms; i++)
		if (!strcmp(id, fk_intake_fail_id(FK_PKG_FAIL_NONE, (fk_cms_fail)i)))
			return fk_cms_fail_text((fk_cms_fail)i);
	for (int i = 1; i < npkg; i++)
		if (!strcmp(id, fk_intake_fail_id((fk_pkg_fail)i, FK_CMS_NONE)))
			return fk_pkg_fail_text((fk_pkg_fail)i);
	return !strcmp(id, "client") ? fk_intake_client_text() : NULL;
}

/* Both rows of st checked, then the package as the screens see it. */
static fk_status read_row(fk_ctx *ctx, fk_stmt *st, fk_pkg_info *p, int64_t *bureau,
			  fk_error *err)
{
	fk_status s = fk_trust_check(ctx, FK_T_PACKAGE, st, 0, err);
	if (s == FK_OK)
		s = fk_trust_check(ctx, FK_T_MUNICIPALITY, st, P_MUNI, err);
	if (s != FK_OK)
		return s;
	fk_pkgrow r;
	fk_pkgrow_from_stmt(st, &r);
	memset(p, 0, sizeof *p);
	p->id = r.id;
	fk_copy_str(p->municipality, sizeof p->municipality, r.municipality);
	fk_copy_str(p->muni_name, sizeof p->muni_name,
		    (const char *)fk_sql_column_text(st, P_MUNI + FK_C_MUNI_NAME));
	p->sequence = r.sequence;
	p->kind = (fk_pkg_kind)r.kind;
	p->state = state_of(r.state);
	memcpy(p->n, r.n, sizeof p->n);
	p->accepted = r.n[0];
	p->unchanged = r.unchanged;
	p->rejected = r.rejected;
	p->chunks = r.chunks;
	p->chunks_staged = r.chunks_staged;
	p->received_at = r.received_at;
	p->published_at = r.published_at;
	memcpy(p->digest, r.digest, sizeof p->digest);
	p->has_receipt = r.has_receipt;
	*bureau = fk_sql_column_int64(st, P_MUNI + FK_C_MUNI_BUREAU);
	return FK_OK;
}

/* The store's name and bureau of the municipality a refused delivery claims ("" and 0 when
 * none). */
static fk_status claimed_name(fk_ctx *ctx, const char *code, char *name, size_t len,
			      int64_t *bureau, fk_error *err)
{
	fk_stmt *st;
	name[0] = '\0';
	*bureau = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNI, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_MUNICIPALITY, st, 0, err)) == FK_OK) {
		fk_copy_str(name, len, (const char *)fk_sql_column_text(st, FK_C_MUNI_NAME));
		*bureau = fk_sql_column_int64(st, FK_C_MUNI_BUREAU);
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading a municipality");
	fk_sql_reset(st);
	return s;
}

/* A refused delivery as the screens see a package; *mine whether the reader's bureau may see
 * it: the bureau it was delivered to, or that of the municipality its manifest names (the
 * municipality's checked row: a 支局's operators see the refusals of their municipalities,
 * which the terminal's bureau received). */
static fk_status from_refused(fk_ctx *ctx, const fk_refused *r, fk_pkg_info *p, int *mine,
			      fk_error *err)
{
	int64_t muni_bureau = 0;
	fk_status s = FK_OK;
	memset(p, 0, sizeof *p);
	p->id = r->id;
	p->state = FK_PKG_REFUSED;
	p->refused_row = 1;
	fk_copy_str(p->reason, sizeof p->reason, r->reason);
	p->has_manifest = r->has_manifest;
	p->verified = r->verified;
	if (r->has_manifest) {
		fk_copy_str(p->municipality, sizeof p->municipality, r->municipality);
		p->sequence = r->sequence;
		p->kind = (fk_pkg_kind)r->kind;
		memcpy(p->digest, r->digest, sizeof p->digest);
	}
	p->has_sha = r->has_sha;
	memcpy(p->sha256, r->sha256, sizeof p->sha256);
	p->size = r->size;
	fk_copy_str(p->source, sizeof p->source, r->source);
	p->expected = r->expected;
	p->received_at = r->received_at;
	p->last_at = r->last_at;
	p->times = r->times;
	if (r->has_manifest)
		s = claimed_name(ctx, r->municipality, p->muni_name, sizeof p->muni_name, &muni_bureau, err);
	*mine = r->bureau_id == ctx->actor.bureau_id ||
		(muni_bureau != 0 && muni_bureau == ctx->actor.bureau_id);
	return s;
}

/* The refused deliveries of the reader's bureau merged into rows (n of them, newest first),
 * keeping the max newest of both. */
static fk_status merge_refused(fk_ctx *ctx, const fk_pkg_filter *f, fk_pkg_info *rows, int max,
			       int *n, fk_error *err)
{
	fk_refused *ref = calloc((size_t)max, sizeof *ref);
	fk_pkg_info *out = calloc((size_t)max, sizeof *out);
	int nr = 0, k = 0;
	fk_status s = ref && out ? FK_OK : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK)
		s = fk_refused_list(ctx, ctx->actor.bureau_id, f ? f->municipality : NULL,
				    f ? f->name : NULL, f ? f->before_id : 0, ref, max, &nr, err);
	for (int i = 0, j = 0; s == FK_OK && k < max && (i < *n || j < nr);) {
		int mine = 1;
		if (j < nr && (i >= *n || ref[j].id > rows[i].id))
			s = from_refused(ctx, &ref[j++], &out[k], &mine, err);
		else
			out[k] = rows[i++];
		k += mine; /* a row the checked municipality does not confirm is left out */
	}
	if (s == FK_OK) {
		memcpy(rows, out, (size_t)k * sizeof *rows);
		*n = k;
	}
	free(ref);
	free(out);
	return s;
}

static fk_status list_rows(fk_ctx *ctx, const fk_pkg_filter *f, fk_pkg_info *rows, int max, int *n,
			   fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_LIST, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, ctx->actor.bureau_id);
	fk_sql_bind_int64(st, 2, f && f->before_id > 0 ? f->before_id : INT64_MAX);
	if (f && f->municipality && f->municipality[0])
		fk_sql_bind_text(st, 3, f->municipality, -1, SQLITE_STATIC);
	if (f && f->state > FK_PKG_ANY && f->state <= FK_PKG_REFUSED)
		fk_sql_bind_text(st, 4, state_ids[f->state], -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 5, max);
	if (f && f->name && f->name[0])
		fk_sql_bind_text(st, 6, f->name, -1, SQLITE_STATIC);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		int64_t bureau;
		if ((s = read_row(ctx, st, &rows[*n], &bureau, err)) == FK_OK)
			(*n)++;
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing the packages");
	fk_sql_reset(st);
	if (s == FK_OK && (!f || f->state == FK_PKG_ANY || f->state == FK_PKG_REFUSED))
		s = merge_refused(ctx, f, rows, max, n, err);
	return s;
}

fk_status fk_intake_packages(fk_ctx *ctx, const fk_pkg_filter *f, fk_pkg_info *rows, int max,
			     int *n, fk_error *err)
{
	*n = 0;
	if (max < 1)
		return fk_fail(err, FK_ERR_INVALID, "no room for packages");
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PACKAGE_LIST};
	const char *muni = f && f->municipality && f->municipality[0] ? f->municipality : "-";
	fk_status s = fk_gate_begin(ctx, &g, &r, muni, err);
	if (s != FK_OK)
		return s;
	s = list_rows(ctx, f, rows, max, n, err);
	char detail[96];
	snprintf(detail, sizeof detail, "state=%s name=%s before=%lld shown=%d",
		 f && f->state > FK_PKG_ANY && f->state <= FK_PKG_REFUSED ? state_ids[f->state] : "*",
		 f && f->name && f->name[0] ? "given" : "*", f ? (long long)f->before_id : 0LL, *n);
	/* Nothing read goes out unless the reading is on record. */
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		memset(rows, 0, (size_t)*n * sizeof *rows);
		*n = 0;
	}
	return s;
}

/* The refusal a refused package's stored receipt names (its "reason"). */
static fk_status refusal_of(fk_ctx *ctx, int64_t id, fk_intake_refusal *why, fk_error *err)
{
	fk_stmt *st;
	*why = FK_INTAKE_NONE;
	fk_status s = fk_ctx_stmt(ctx, SQL_RECEIPT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && fk_sql_column_type(st, 0) != SQLITE_NULL) {
		/* the receipt's hash is sealed with the row; a receipt that is not what was
		 * sealed names no reason (the screen shows it as unknown) */
		json_t *j = json_loadb(fk_sql_column_blob(st, 0), (size_t)fk_sql_column_bytes(st, 0),
				       0, NULL);
		*why = refusal_from_id(json_string_value(json_object_get(j, "reason")));
		json_decref(j);
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		s = fk_db_fail(ctx->db, rc, err, "reading a package's receipt");
	}
	fk_sql_reset(st);
	return s;
}

/* Package id, checked; *found 0 when there is none or it is outside the bureau. */
static fk_status read_one(fk_ctx *ctx, int64_t id, fk_pkg_detail *out, int *found, int *outside,
			  fk_error *err)
{
	fk_stmt *st;
	*found = *outside = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_ONE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	int64_t bureau = 0;
	if (rc == SQLITE_ROW && (s = read_row(ctx, st, &out->pkg, &bureau, err)) == FK_OK) {
		*found = bureau == ctx->actor.bureau_id;
		*outside = !*found;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		s = fk_db_fail(ctx->db, rc, err, "reading a package");
	}
	fk_sql_reset(st);
	if (s == FK_OK && *found && out->pkg.state == FK_PKG_REFUSED)
		s = refusal_of(ctx, id, &out->refusal, err);
	if (s == FK_OK && rc == SQLITE_DONE) {
		/* not an applied or staging package: a refused one? */
		fk_refused r;
		int there;
		if ((s = fk_refused_get(ctx, id, &r, &there, err)) == FK_OK && there) {
			s = from_refused(ctx, &r, &out->pkg, found, err);
			*outside = !*found;
			if (!*found)
				memset(&out->pkg, 0, sizeof out->pkg);
			out->refusal = refusal_from_id(r.reason);
		}
	}
	return s;
}

static fk_status reject_rows(fk_ctx *ctx, int64_t id, const fk_pkg_reject_key *after,
			     fk_pkg_reject_info *rej, int max, int *n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_REJECTS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	fk_sql_bind_int64(st, 2, after ? after->chunk : -1);
	fk_sql_bind_int64(st, 3, after ? after->line - 1 : 0); /* shown from 1, stored from 0 */
	fk_sql_bind_int64(st, 4, after ? after->id : 0);
	fk_sql_bind_int(st, 5, max);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((s = fk_trust_check(ctx, FK_T_PKG_REJECT, st, 0, err)) != FK_OK)
			break;
		fk_pkg_reject_info *r = &rej[(*n)++];
		memset(r, 0, sizeof *r);
		r->id = fk_sql_column_int64(st, 0);
		r->chunk = fk_sql_column_int64(st, 2);
		r->line = fk_sql_column_int64(st, 3) + 1; /* from 1, as in the receipt */
		fk_copy_str(r->ref, sizeof r->ref, (const char *)fk_sql_column_text(st, 4));
		fk_copy_str(r->reason_id, sizeof r->reason_id, (const char *)fk_sql_column_text(st, 5));
		r->reason = fk_reject_from_id(r->reason_id);
		fk_copy_str(r->detail, sizeof r->detail, (const char *)fk_sql_column_text(st, 6));
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading a package's rejected records");
	fk_sql_reset(st);
	return s;
}

fk_status fk_intake_package(fk_ctx *ctx, int64_t id, const fk_pkg_reject_key *after,
			    fk_pkg_detail *out, fk_pkg_reject_info *rej, int max, int *n,
			    fk_error *err)
{
	*n = 0;
	memset(out, 0, sizeof *out);
	if (max < 0 || (max > 0 && !rej))
		return fk_fail(err, FK_ERR_INVALID, "no room for rejections");
	char oid[24];
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PACKAGE_OPEN};
	fk_status s = fk_gate_begin(ctx, &g, &r, oid, err);
	if (s != FK_OK)
		return s;
	int found, outside;
	if ((s = read_one(ctx, id, out, &found, &outside, err)) == FK_OK && !found) {
		/* the same words for both, so ids cannot be probed (R-JURIS); the history
		 * keeps which it was */
		s = fk_gate_refuse(ctx, &g, outside ? FK_WHY_JURISDICTION : FK_WHY_NOT_FOUND,
				   "the package does not exist or is outside your jurisdiction", err);
		memset(out, 0, sizeof *out);
		return s;
	}
	if (s == FK_OK && max > 0 && !out->pkg.refused_row)
		s = reject_rows(ctx, id, after, rej, max, n, err);
	char detail[96];
	snprintf(detail, sizeof detail, "municipality=%s sequence=%lld rejections shown=%d",
		 out->pkg.municipality, (long long)out->pkg.sequence, *n);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		memset(out, 0, sizeof *out);
		if (rej)
			memset(rej, 0, (size_t)*n * sizeof *rej);
		*n = 0;
	}
	return s;
}
