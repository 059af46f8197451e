/* Receipts' JSON (receipt.h). Keys in the contract's order; a package delivered again gets
 * the bytes stored when it was published. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "receipt.h"
#include "str.h"
#include "trust.h"
#include "util.h"

static const char SQL_REJECTS[] =
	"SELECT " FK_COLS_PKG_REJECT ", mac FROM package_reject WHERE package_id = ?1 "
	"ORDER BY chunk, line, id";

const char *fk_receipt_lower_id(const char *id, char *cache, size_t n)
{
	/* "TOO_LARGE" → "too_large", made once into the caller's cache */
	if (!cache[0]) {
		size_t i;
		for (i = 0; id[i] && i + 1 < n; i++)
			cache[i] = (char)(id[i] >= 'A' && id[i] <= 'Z' ? id[i] + 32 : id[i]);
		cache[i] = '\0';
	}
	return cache;
}

static json_t *head(const uint8_t *digest, const char *muni, int64_t seq, const char *state,
		    int64_t received_at)
{
	char hex[65] = "", when[32];
	if (digest)
		fk_hex(digest, 32, hex);
	fk_fmt_utc(received_at, when, sizeof when);
	json_t *o = json_object();
	if (o && (json_object_set_new(o, "format", json_string("fukuhon-receipt/1")) ||
		  json_object_set_new(o, "package", json_string(hex)) ||
		  json_object_set_new(o, "municipality", json_string(muni ? muni : "")) ||
		  json_object_set_new(o, "sequence", json_integer(seq)) ||
		  json_object_set_new(o, "state", json_string(state)) ||
		  json_object_set_new(o, "received_at", json_string(when)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static fk_status finish(json_t *o, char **out, size_t *len, fk_error *err)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!s)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	*out = s;
	*len = strlen(s);
	return FK_OK;
}

static fk_status rejects(fk_ctx *ctx, int64_t pkg, json_t *arr, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_REJECTS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, pkg);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((s = fk_trust_check(ctx, FK_T_PKG_REJECT, st, 0, err)) != FK_OK)
			break;
		/* line counted from 1, as a sender's editor counts them: the row keeps the
		 * record's 0-based place in its chunk (docs/package-format.md §12) */
		json_t *r = json_pack("{s:I, s:I, s:s, s:s, s:s}", "chunk",
				      (json_int_t)fk_sql_column_int64(st, 2), "line",
				      (json_int_t)fk_sql_column_int64(st, 3) + 1, "ref",
				      (const char *)fk_sql_column_text(st, 4), "reason",
				      (const char *)fk_sql_column_text(st, 5), "detail",
				      (const char *)fk_sql_column_text(st, 6));
		if (!r || json_array_append_new(arr, r))
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading rejections");
	fk_sql_reset(st);
	return s;
}

fk_status fk_receipt_applied(fk_ctx *ctx, const fk_pkgrow *p, json_t *missing, char **out,
			     size_t *len, fk_error *err)
{
	json_t *o = head(p->digest, p->municipality, p->sequence, "applied", p->received_at);
	json_t *acc = json_object(), *rej = json_array();
	fk_status s = o && acc && rej ? FK_OK : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int t = 1; t <= FK_REC_TYPES && s == FK_OK; t++)
		if (json_object_set_new(acc, fk_rec_type_id((fk_rec_type)t), json_integer(p->n[t])))
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK)
		s = rejects(ctx, p->id, rej, err);
	if (s == FK_OK && (json_object_set(o, "accepted", acc) ||
			   json_object_set_new(o, "unchanged", json_integer(p->unchanged)) ||
			   json_object_set_new(o, "missing", missing ? json_incref(missing) : json_array()) ||
			   json_object_set(o, "rejected", rej)))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	json_decref(acc);
	json_decref(rej);
	if (s != FK_OK) {
		json_decref(o);
		return s;
	}
	return finish(o, out, len, err);
}

fk_status fk_receipt_refused(const uint8_t *digest, const char *muni, int64_t sequence,
			     const char *reason, int64_t expected, int64_t received_at, char **out,
			     size_t *len, fk_error *err)
{
	json_t *o = head(digest, muni, sequence, "refused", received_at);
	if (o && json_object_set_new(o, "reason", json_string(reason))) {
		json_decref(o);
		o = NULL;
	}
	if (o && expected > 0 && json_object_set_new(o, "expected_sequence", json_integer(expected))) {
		json_decref(o);
		o = NULL;
	}
	/* The same keys as an applied package's, with nothing in them (docs/package-format.md). */
	json_t *acc = json_object();
	for (int t = 1; t <= FK_REC_TYPES && acc; t++)
		if (json_object_set_new(acc, fk_rec_type_id((fk_rec_type)t), json_integer(0))) {
			json_decref(acc);
			acc = NULL;
		}
	if (o && (!acc || json_object_set_new(o, "accepted", acc) ||
		  json_object_set_new(o, "unchanged", json_integer(0)) ||
		  json_object_set_new(o, "missing", json_array()) ||
		  json_object_set_new(o, "rejected", json_array()))) {
		json_decref(o);
		o = NULL;
	} else if (!o) {
		json_decref(acc);
	}
	return finish(o, out, len, err);
}
