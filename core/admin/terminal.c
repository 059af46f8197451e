/* Opening a terminal: configuration, keys, database, the trust base and the history, in order. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "audit_chain.h"
#include "datakey.h"
#include "disposejob.h"
#include "indexkey.h"
#include "meta.h"
#include "operator.h"
#include "refdata.h"
#include "retire.h"
#include "terminal.h"
#include "trust.h"
#include "util.h"

/* First start: who the terminal is, the check value of its index key and its own data key,
 * recorded as the history's first record, which every later one chains to. */
static fk_status init_meta(fk_ctx *ctx, const char *mode, fk_error *err)
{
	char buf[32];
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	snprintf(buf, sizeof buf, "%lld", (long long)fk_now_ns());
	if ((st = fk_meta_set(ctx, "terminal_id", ctx->cfg.terminal_id, err)) == FK_OK &&
	    (st = fk_indexkey_record(ctx, err)) == FK_OK &&
	    (st = fk_meta_set(ctx, "mode", mode, err)) == FK_OK &&
	    (st = fk_meta_set(ctx, "kek_current", "1", err)) == FK_OK &&
	    (st = fk_meta_set(ctx, "created_at", buf, err)) == FK_OK &&
	    (st = fk_datakey_new(ctx, &ctx->terminal_key_id, ctx->terminal_key, err)) == FK_OK) {
		snprintf(buf, sizeof buf, "%lld", (long long)ctx->terminal_key_id);
		st = fk_meta_set(ctx, "terminal_key_id", buf, err);
	}
	snprintf(buf, sizeof buf, "mode=%s", mode);
	if (st == FK_OK)
		st = fk_audit_op(ctx, FK_OP_TERMINAL_CREATE, ctx->cfg.terminal_id, FK_RESULT_SUCCESS,
			      "", buf, err);
	return fk_ctx_end(ctx, st, err);
}

/* The prefectures, bureaus and municipalities with their jurisdiction, with their record. */
static fk_status init_reference(fk_ctx *ctx, fk_error *err)
{
	int nb = 0, nm = 0;
	char detail[96];
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	st = fk_refdata_load(ctx, ctx->cfg.data_dir, &nb, &nm, err);
	snprintf(detail, sizeof detail, "bureaus=%d municipalities=%d", nb, nm);
	if (st == FK_OK)
		st = fk_audit_op(ctx, FK_OP_REFERENCE_LOAD, ctx->cfg.terminal_id, FK_RESULT_SUCCESS,
			      "", detail, err);
	return fk_ctx_end(ctx, st, err);
}

/* The first administrator, enrolled by the terminal's creation (nobody could decide it yet);
 * the context then acts as them. */
static fk_status init_admin(fk_ctx *ctx, const fk_bootstrap *b, fk_error *err)
{
	int64_t id;
	fk_operator op;
	char detail[160];
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	st = fk_operator_insert(ctx, b->admin, FK_ROLE_ADMIN, b->bureau, b->display, &id, err);
	snprintf(detail, sizeof detail, "role=administrator bureau=%s first", b->bureau);
	if (st == FK_OK)
		st = fk_audit_op(ctx, FK_OP_OPERATOR_ADD, b->admin, FK_RESULT_SUCCESS, "bootstrap", detail, err);
	if ((st = fk_ctx_end(ctx, st, err)) == FK_OK && (st = fk_operator_get(ctx, b->admin, &op, err)) == FK_OK)
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
	return st;
}

static fk_status create(fk_ctx *ctx, const fk_bootstrap *b, fk_error *err)
{
	const char *mode = b->mode ? b->mode : FK_MODE_PRODUCTION;
	if (strcmp(mode, FK_MODE_PRODUCTION) && strcmp(mode, FK_MODE_TEST) && strcmp(mode, FK_MODE_DEMO))
		return fk_fail(err, FK_ERR_INVALID, "unknown terminal mode '%.20s'", mode);
	fk_status st = fk_trust_open(ctx, 1, 0, err);
	if (st == FK_OK)
		st = fk_chain_create_keys(ctx, err);
	if (st == FK_OK)
		st = init_meta(ctx, mode, err);
	if (st == FK_OK)
		st = init_reference(ctx, err);
	return st == FK_OK ? init_admin(ctx, b, err) : st;
}

/* The index key against its check value, before anything searches (R-KEYS). With inspect, a
 * key that is not this terminal's opens the database for verification only, as a failed
 * trust check does. A terminal from before the check has none: *adopt, once the history is
 * open. Over a database that already failed its check, whatever this finds is left to the
 * verification (audit verify reports it). */
static fk_status check_index_key(fk_ctx *ctx, int inspect, int *adopt, fk_error *err)
{
	fk_status st = fk_indexkey_check(ctx, err);
	*adopt = st == FK_ERR_NOTFOUND && !fk_trust_broken(ctx);
	if (st == FK_ERR_NOTFOUND || (st != FK_OK && fk_trust_broken(ctx)))
		return FK_OK;
	if (st == FK_ERR_TAMPER && inspect) {
		fk_trust_mark_broken(ctx, err ? err->msg : NULL);
		return FK_OK;
	}
	return st;
}

/* Adopting the index key of a terminal from before its check value trusts the key as found,
 * once it has been tried on the search index: that is on record. Under the write lock, where
 * another process may just have done it. */
static fk_status adopt_index_key(fk_ctx *ctx, int inspect, fk_error *err)
{
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	st = fk_indexkey_check(ctx, err);
	if (st == FK_ERR_NOTFOUND && (st = fk_indexkey_record(ctx, err)) == FK_OK)
		st = fk_audit_op(ctx, FK_OP_INDEX_KEY_ADOPT, ctx->cfg.terminal_id, FK_RESULT_SUCCESS,
				 "", "check value recorded for the index key as found", err);
	st = fk_ctx_end(ctx, st, err);
	if (st == FK_ERR_TAMPER && inspect) {
		fk_trust_mark_broken(ctx, err ? err->msg : NULL);
		st = FK_OK;
	}
	return st;
}

static fk_status open_existing(fk_ctx *ctx, int inspect, fk_error *err)
{
	int adopt = 0;
	fk_status st = fk_trust_open(ctx, 0, inspect, err);
	if (st == FK_OK)
		st = check_index_key(ctx, inspect, &adopt, err);
	/* A retired terminal (retire.h) opens the store no more; inspecting it (audit verify) still
	 * can. Before its keys are used: a retirement usually follows a rotation it lacks. */
	int64_t retired = 0;
	if (st == FK_OK && !inspect && !fk_trust_broken(ctx) && ctx->cfg.terminal_id &&
	    (st = fk_terminal_retired(ctx, ctx->cfg.terminal_id, &retired, err)) == FK_OK && retired)
		st = fk_fail_id(err, FK_ERR_DENIED, FK_MSG_TERMINAL_RETIRED, ctx->cfg.terminal_id, retired);
	if (st == FK_OK)
		st = fk_datakey_terminal(ctx, err);
	/* Inspecting a database that failed its check: what can be read is still verified. */
	if (st != FK_OK && fk_trust_broken(ctx))
		st = FK_OK;
	if (st == FK_OK && !fk_trust_broken(ctx))
		st = fk_chain_open(ctx, err);
	/* Adopting a terminal from before the trust base trusts its database as it is:
	 * that is on record. */
	if (st == FK_OK && fk_trust_adopted(ctx))
		st = fk_audit_op(ctx, FK_OP_TRUST_ADOPT, ctx->cfg.terminal_id, FK_RESULT_SUCCESS,
			      "", "rows sealed as found", err);
	if (st == FK_OK && adopt && !fk_trust_broken(ctx))
		st = adopt_index_key(ctx, inspect, err);
	/* A database restored from before a disposal holds the destroyed keys again: they go
	 * before anyone reads (R-DISPOSE). Inspecting writes nothing; the next open does it. */
	int64_t again = 0;
	if (st == FK_OK && !inspect && !fk_trust_broken(ctx))
		st = fk_disposal_reapply(ctx, &again, err);
	return st;
}

fk_status fk_ctx_open(const char *config_path, int flags, fk_ctx **out, fk_error *err)
{
	fk_ctx *ctx;
	*out = NULL;
	fk_status st = fk_ctx_new(config_path, (flags & FK_CTX_DIAGNOSE) ? FK_CTX_NEW_UNPINNED : 0, &ctx, err);
	if (st != FK_OK)
		return st;
	if ((st = open_existing(ctx, flags & FK_CTX_DIAGNOSE, err)) != FK_OK) {
		fk_ctx_close(ctx);
		return st;
	}
	*out = ctx;
	return FK_OK;
}

fk_status fk_terminal_create(const char *config_path, const fk_bootstrap *b, fk_ctx **out,
			     fk_error *err)
{
	fk_ctx *ctx;
	*out = NULL;
	if (!b || !b->admin || !b->bureau)
		return fk_fail(err, FK_ERR_USAGE, "a new terminal needs its first administrator and their bureau");
	fk_status st = fk_operator_name_valid(b->admin, err);
	if (st == FK_OK)
		st = fk_ctx_new(config_path, FK_CTX_NEW_CREATE, &ctx, err);
	if (st != FK_OK)
		return st;
	if ((st = create(ctx, b, err)) != FK_OK) {
		fk_ctx_close(ctx);
		return st;
	}
	*out = ctx;
	return FK_OK;
}
