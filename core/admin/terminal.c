/* Opening a terminal: configuration, keys, database, the trust base and the history, in order. */
#include "config.h"

#include <stdio.h>

#include "audit.h"
#include "audit_chain.h"
#include "datakey.h"
#include "meta.h"
#include "refdata.h"
#include "terminal.h"
#include "trust.h"
#include "util.h"

/* First start: who the terminal is and its own data key, recorded as the history's first
 * record, which every later one chains to. */
static fk_status init_meta(fk_ctx *ctx, fk_error *err)
{
	char buf[32];
	fk_status st = fk_ctx_begin(ctx, err);
	if (st != FK_OK)
		return st;
	snprintf(buf, sizeof buf, "%lld", (long long)fk_now_ns());
	if ((st = fk_meta_set(ctx, "terminal_id", ctx->cfg.terminal_id, err)) == FK_OK &&
	    (st = fk_meta_set(ctx, "kek_current", "1", err)) == FK_OK &&
	    (st = fk_meta_set(ctx, "created_at", buf, err)) == FK_OK &&
	    (st = fk_datakey_new(ctx, &ctx->terminal_key_id, ctx->terminal_key, err)) == FK_OK) {
		snprintf(buf, sizeof buf, "%lld", (long long)ctx->terminal_key_id);
		st = fk_meta_set(ctx, "terminal_key_id", buf, err);
	}
	if (st == FK_OK)
		st = fk_audit(ctx, "terminal.create", "terminal", ctx->cfg.terminal_id, FK_RESULT_SUCCESS,
			      "", NULL, err);
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
		st = fk_audit(ctx, "reference.load", "terminal", ctx->cfg.terminal_id, FK_RESULT_SUCCESS,
			      "", detail, err);
	return fk_ctx_end(ctx, st, err);
}

static fk_status open_init(fk_ctx *ctx, fk_error *err)
{
	fk_status st = fk_trust_open(ctx, 1, 0, err);
	if (st == FK_OK)
		st = fk_chain_create_keys(ctx, err);
	if (st == FK_OK)
		st = init_meta(ctx, err);
	return st == FK_OK ? init_reference(ctx, err) : st;
}

static fk_status open_existing(fk_ctx *ctx, int inspect, fk_error *err)
{
	fk_status st = fk_trust_open(ctx, 0, inspect, err);
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
		st = fk_audit(ctx, "trust.adopt", "terminal", ctx->cfg.terminal_id, FK_RESULT_SUCCESS,
			      "", "rows sealed as found", err);
	return st;
}

fk_status fk_ctx_open(const char *config_path, int flags, fk_ctx **out, fk_error *err)
{
	fk_ctx *ctx;
	*out = NULL;
	fk_status st = fk_ctx_new(config_path, ((flags & FK_CTX_INIT) ? FK_CTX_NEW_CREATE : 0) |
					       ((flags & FK_CTX_DIAGNOSE) ? FK_CTX_NEW_UNPINNED : 0),
				  &ctx, err);
	if (st != FK_OK)
		return st;
	st = (flags & FK_CTX_INIT) ? open_init(ctx, err) : open_existing(ctx, flags & FK_CTX_DIAGNOSE, err);
	if (st != FK_OK) {
		fk_ctx_close(ctx);
		return st;
	}
	*out = ctx;
	return FK_OK;
}
