/* The authorised way to what fukuhonctl reads (access_admin.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_admin.h"
#include "gate.h"
#include "util.h"

enum { HISTORY_PAGE = 256 };

fk_status fk_access_history_each(fk_ctx *ctx, fk_op op, const fk_audit_filter *f,
				 fk_audit_row_fn fn, void *arg, fk_error *err)
{
	if (op != FK_OP_HISTORY_LIST && op != FK_OP_HISTORY_EXPORT)
		return fk_fail(err, FK_ERR_INVALID, "not a history reading: %s", fk_op_name(op));
	char detail[200];
	snprintf(detail, sizeof detail, "operator=%s action=%s object=%s result=%s since=%lld until=%lld",
		 f->operator_ && *f->operator_ ? f->operator_ : "*", f->action && *f->action ? f->action : "*",
		 f->object_id && *f->object_id ? f->object_id : "*", f->result && *f->result ? f->result : "*",
		 (long long)f->since_ns, (long long)f->until_ns);
	/* Decided on the person's row as it is now, and on record before the first row goes out:
	 * what a callback has printed cannot be taken back. */
	fk_authz_req r = {.op = op};
	fk_status s = fk_gate_check(ctx, &r, "-", detail, err);
	if (s != FK_OK)
		return s;
	fk_audit_row *rows = calloc(HISTORY_PAGE, sizeof *rows);
	if (!rows)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_audit_filter page = *f;
	page.before_seq = 0;
	int n = 0;
	do {
		if ((s = fk_audit_query(ctx, &page, rows, HISTORY_PAGE, &n, err)) != FK_OK)
			break;
		for (int i = 0; i < n && s == FK_OK; i++)
			if (fn(&rows[i], arg) != 0)
				s = fk_fail(err, FK_ERR_INTERNAL, "writing record %lld failed",
					    (long long)rows[i].seq);
		if (n)
			page.after_seq = rows[n - 1].seq;
		fk_audit_rows_free(rows, n);
	} while (s == FK_OK && n == HISTORY_PAGE);
	free(rows);
	return s;
}

fk_status fk_access_checkpoint_export(fk_ctx *ctx, const char *path, fk_checkpoint *cp,
				      fk_error *err)
{
	fk_gate g;
	memset(cp, 0, sizeof *cp);
	fk_authz_req r = {.op = FK_OP_HISTORY_CHECKPOINT};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	if ((s = fk_checkpoint_fresh(ctx, cp, err)) == FK_OK)
		s = fk_checkpoint_export(cp, path, err);
	char detail[96];
	snprintf(detail, sizeof detail, "seq=%lld epoch=%lld", (long long)cp->seq, (long long)cp->epoch);
	return fk_gate_end(ctx, &g, s, detail, err);
}

fk_status fk_access_bureaus(fk_ctx *ctx, fk_bureau *out, int max, int *n, fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_BUREAU_LIST};
	*n = 0;
	fk_status s = fk_gate_check(ctx, &r, "-", NULL, err);
	return s == FK_OK ? fk_bureau_list(ctx, out, max, n, err) : s;
}

fk_status fk_access_municipalities(fk_ctx *ctx, const char *bureau, fk_muni_cb cb, void *arg,
				   fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_MUNICIPALITY_LIST};
	fk_status s = fk_gate_check(ctx, &r, bureau ? bureau : "-", NULL, err);
	fk_bureau b = {0};
	if (s == FK_OK && bureau)
		s = fk_bureau_find(ctx, bureau, &b, err);
	return s == FK_OK ? fk_muni_list(ctx, b.id, cb, arg, err) : s;
}
