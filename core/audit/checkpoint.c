/* Ed25519-signed checkpoints of the operation history (R-LOGSEAL): proof of how far it reached. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "chain_format.h"
#include "chain_keys.h"
#include "checkpoint.h"
#include "db.h"
#include "keyfile.h"
#include "keys.h"
#include "util.h"

/* audit-sign.key: magic | Ed25519 private key | SHA-256 of both. */
static const uint8_t SIGN_MAGIC[8] = {'F', 'K', 'S', 'I', 'G', 'K', '1', 0};
#define SIGN_BODY (8 + 32)
#define SIGN_FILE (SIGN_BODY + FK_KEYFILE_SUM)
#define STATEMENT_MAX 256

static fk_status ossl_fail(fk_error *err, const char *what)
{
	ERR_clear_error();
	return fk_fail(err, FK_ERR_CRYPTO, "%s failed", what);
}

static fk_status load_private(const char *key_dir, EVP_PKEY **out, fk_error *err)
{
	uint8_t buf[SIGN_FILE];
	fk_status st = fk_keyfile_read_checked(key_dir, FK_AUDIT_SIGN_NAME, SIGN_MAGIC, buf, sizeof buf, err);
	if (st == FK_OK &&
	    !(*out = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, buf + 8, 32)))
		st = ossl_fail(err, "loading the checkpoint key");
	fk_wipe(buf, sizeof buf);
	return st;
}

static fk_status raw_public(EVP_PKEY *k, uint8_t pub[FK_PUB_LEN], fk_error *err)
{
	size_t len = FK_PUB_LEN;
	if (EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 || len != FK_PUB_LEN)
		return ossl_fail(err, "reading the checkpoint public key");
	return FK_OK;
}

static fk_status write_public(const char *key_dir, const uint8_t pub[FK_PUB_LEN], fk_error *err)
{
	char *k0 = fk_chain_k0_default_path(key_dir, err), *dir = k0 ? fk_dirname(k0, err) : NULL;
	char *path = dir ? fk_path_join(dir, FK_CHECKPOINT_PUB_NAME, err) : NULL;
	fk_status st = FK_ERR_NOMEM;
	if (path) {
		char hex[2 * FK_PUB_LEN + 1], text[256];
		fk_hex(pub, FK_PUB_LEN, hex);
		int n = snprintf(text, sizeof text,
				 "# fukuhon history checkpoint public key (Ed25519)\ned25519 %s\n", hex);
		(void)unlink(path); /* public: a stale copy is simply replaced */
		st = fk_write_new_file(path, text, (size_t)n, err);
	}
	free(k0);
	free(dir);
	free(path);
	return st;
}

fk_status fk_checkpoint_create_key(const char *key_dir, fk_error *err)
{
	uint8_t buf[SIGN_FILE], pub[FK_PUB_LEN];
	EVP_PKEY *k = NULL;
	fk_status st = fk_random(buf + 8, 32, err);
	if (st == FK_OK && !(k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, buf + 8, 32)))
		st = ossl_fail(err, "creating the checkpoint key");
	if (st == FK_OK)
		st = raw_public(k, pub, err);
	if (st == FK_OK)
		st = fk_keyfile_write_checked(key_dir, FK_AUDIT_SIGN_NAME, SIGN_MAGIC, buf, sizeof buf, 1, err);
	if (st == FK_OK)
		st = write_public(key_dir, pub, err);
	EVP_PKEY_free(k);
	fk_wipe(buf, sizeof buf);
	return st;
}

fk_status fk_checkpoint_public_key(const char *key_dir, uint8_t pub[FK_PUB_LEN], fk_error *err)
{
	EVP_PKEY *k = NULL;
	fk_status st = load_private(key_dir, &k, err);
	if (st == FK_OK)
		st = raw_public(k, pub, err);
	EVP_PKEY_free(k);
	return st;
}

fk_status fk_checkpoint_check_key(const char *key_dir, fk_error *err)
{
	uint8_t pub[FK_PUB_LEN];
	return fk_checkpoint_public_key(key_dir, pub, err);
}

/* "FKCHKPT1" | terminal (u32 length, bytes) | seq | epoch | ts_ns | head MAC. */
static size_t statement(const fk_checkpoint *cp, uint8_t buf[STATEMENT_MAX])
{
	memcpy(buf, "FKCHKPT1", 8);
	size_t at = fk_chain_put_bytes(buf, 8, STATEMENT_MAX, cp->terminal, strlen(cp->terminal), 0);
	at = fk_chain_put_i64(buf, at, STATEMENT_MAX, cp->seq);
	at = fk_chain_put_i64(buf, at, STATEMENT_MAX, cp->epoch);
	at = fk_chain_put_i64(buf, at, STATEMENT_MAX, cp->ts_ns);
	memcpy(buf + at, cp->head_mac, FK_MAC_LEN);
	return at + FK_MAC_LEN;
}

static fk_status sign(const char *key_dir, fk_checkpoint *cp, fk_error *err)
{
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *md = NULL;
	uint8_t tbs[STATEMENT_MAX];
	size_t n = statement(cp, tbs), siglen = FK_SIG_LEN;
	fk_status st = load_private(key_dir, &k, err);
	if (st == FK_OK && !(md = EVP_MD_CTX_new()))
		st = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (st == FK_OK && (EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
			    EVP_DigestSign(md, cp->signature, &siglen, tbs, n) != 1 ||
			    siglen != FK_SIG_LEN))
		st = ossl_fail(err, "signing a checkpoint");
	if (st == FK_OK)
		st = raw_public(k, cp->public_key, err);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return st;
}

fk_status fk_checkpoint_check(const fk_checkpoint *cp, const uint8_t pub[FK_PUB_LEN], fk_error *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, FK_PUB_LEN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t tbs[STATEMENT_MAX];
	size_t n = statement(cp, tbs);
	fk_status st = FK_OK;
	if (!k || !md)
		st = ossl_fail(err, "preparing checkpoint verification");
	else if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) != 1 ||
		 EVP_DigestVerify(md, cp->signature, FK_SIG_LEN, tbs, n) != 1) {
		ERR_clear_error();
		st = fk_fail(err, FK_ERR_TAMPER, "the signature of checkpoint %lld does not verify",
			     (long long)cp->seq);
	}
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return st;
}

/* The terminal's latest checkpoint: on a store several terminals share, each signs its own
 * chain with its own key, so another terminal's is neither due-check nor export material. */
static const char *const SQL_LAST_CP[] = {
	[FK_BACKEND_SQLITE] = "SELECT terminal, seq, epoch, head_mac, ts_ns, signature FROM audit_checkpoint "
			      "ORDER BY id DESC LIMIT 1",
	[FK_BACKEND_PG] = "SELECT terminal, seq, epoch, head_mac, ts_ns, signature FROM audit_checkpoint "
			  "WHERE terminal = ?1 ORDER BY id DESC LIMIT 1",
};

static fk_status last_cp_stmt(fk_ctx *ctx, fk_stmt **st, fk_error *err)
{
	int pg = fk_sql_is_pg(ctx->db);
	fk_status s = fk_ctx_stmt(ctx, SQL_LAST_CP[pg ? FK_BACKEND_PG : FK_BACKEND_SQLITE], st, err);
	if (s == FK_OK && pg)
		fk_sql_bind_text(*st, 1, ctx->cfg.terminal_id, -1, SQLITE_TRANSIENT);
	return s;
}
static const char SQL_ALL_CP[] =
	"SELECT terminal, seq, epoch, head_mac, ts_ns, signature FROM audit_checkpoint ORDER BY id";
static const char SQL_ADD_CP[] =
	"INSERT INTO audit_checkpoint(terminal, seq, epoch, head_mac, ts_ns, signature) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static void cp_from(fk_stmt *st, fk_checkpoint *cp)
{
	memset(cp, 0, sizeof *cp);
	const unsigned char *t = fk_sql_column_text(st, 0);
	fk_copy_str(cp->terminal, sizeof cp->terminal, t ? (const char *)t : "");
	cp->seq = fk_sql_column_int64(st, 1);
	cp->epoch = fk_sql_column_int64(st, 2);
	cp->ts_ns = fk_sql_column_int64(st, 4);
	if (fk_sql_column_bytes(st, 3) == FK_MAC_LEN)
		memcpy(cp->head_mac, fk_sql_column_blob(st, 3), FK_MAC_LEN);
	if (fk_sql_column_bytes(st, 5) == FK_SIG_LEN)
		memcpy(cp->signature, fk_sql_column_blob(st, 5), FK_SIG_LEN);
}

fk_status fk_checkpoint_each(fk_ctx *ctx, fk_checkpoint_fn fn, void *arg, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_ALL_CP, &st, err);
	if (s != FK_OK)
		return s;
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		fk_checkpoint cp;
		cp_from(st, &cp);
		if (fn(&cp, arg))
			break;
	}
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK
						     : fk_db_fail(ctx->db, rc, err, "reading checkpoints");
}

fk_status fk_checkpoint_latest(fk_ctx *ctx, fk_checkpoint *cp, int *found, fk_error *err)
{
	fk_stmt *st;
	*found = 0;
	fk_status s = last_cp_stmt(ctx, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		cp_from(st, cp);
		*found = 1;
	}
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading checkpoints");
	return *found ? fk_checkpoint_public_key(ctx->cfg.key_dir, cp->public_key, err) : FK_OK;
}

/* The last checkpoint's numbers come from the database, where anything may
 * have been written: one that claims to be ahead of the history or of the
 * clock proves nothing about either, so a new one is due. */
static int due(const fk_ctx *ctx, const fk_checkpoint *last, int64_t seq, int64_t now)
{
	int64_t behind = fk_sub_sat_i64(seq, last->seq), age = fk_sub_sat_i64(now, last->ts_ns);
	return behind < 0 || age < 0 || behind >= ctx->cfg.audit_checkpoint_records ||
	       age >= (int64_t)ctx->cfg.audit_checkpoint_minutes * 60 * 1000000000LL;
}

fk_status fk_checkpoint_maybe(fk_ctx *ctx, int64_t seq, int64_t epoch, const uint8_t mac[FK_MAC_LEN],
			      int64_t now, int force, fk_error *err)
{
	fk_stmt *st;
	fk_checkpoint cp;
	fk_status s = last_cp_stmt(ctx, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		cp_from(st, &cp);
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading checkpoints");
	if (!force && rc == SQLITE_ROW && !due(ctx, &cp, seq, now))
		return FK_OK;
	memset(&cp, 0, sizeof cp);
	fk_copy_str(cp.terminal, sizeof cp.terminal, ctx->cfg.terminal_id);
	cp.seq = seq;
	cp.epoch = epoch;
	cp.ts_ns = now;
	memcpy(cp.head_mac, mac, FK_MAC_LEN);
	if ((s = sign(ctx->cfg.key_dir, &cp, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_ADD_CP, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, cp.terminal, -1, SQLITE_TRANSIENT);
	fk_sql_bind_int64(st, 2, cp.seq);
	fk_sql_bind_int64(st, 3, cp.epoch);
	fk_sql_bind_blob(st, 4, cp.head_mac, FK_MAC_LEN, SQLITE_TRANSIENT);
	fk_sql_bind_int64(st, 5, cp.ts_ns);
	fk_sql_bind_blob(st, 6, cp.signature, FK_SIG_LEN, SQLITE_TRANSIENT);
	return fk_ctx_exec(ctx, st, err, "writing a checkpoint");
}

fk_status fk_checkpoint_export(const fk_checkpoint *cp, const char *path, fk_error *err)
{
	char mac[2 * FK_MAC_LEN + 1], sig[2 * FK_SIG_LEN + 1], pub[2 * FK_PUB_LEN + 1], when[32];
	fk_hex(cp->head_mac, FK_MAC_LEN, mac);
	fk_hex(cp->signature, FK_SIG_LEN, sig);
	fk_hex(cp->public_key, FK_PUB_LEN, pub);
	fk_fmt_utc(cp->ts_ns, when, sizeof when);
	json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s}",
				"format", "fukuhon-audit-checkpoint-1", "terminal", cp->terminal,
				"seq", (json_int_t)cp->seq, "epoch", (json_int_t)cp->epoch,
				"ts_ns", (json_int_t)cp->ts_ns, "time", when, "head_mac", mac,
				"signature", sig, "public_key", pub);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	size_t n = strlen(text);
	fk_status st = FK_ERR_NOMEM;
	char *line = malloc(n + 2);
	if (line) {
		memcpy(line, text, n);
		line[n] = '\n';
		st = fk_write_new_file(path, line, n + 1, err);
		free(line);
	} else {
		fk_fail(err, st, "out of memory");
	}
	free(text);
	return st;
}

static int hex_field(json_t *doc, const char *name, uint8_t *out, size_t n)
{
	const char *s = json_string_value(json_object_get(doc, name));
	return s && fk_unhex(s, out, n) == 0 ? 0 : -1;
}

fk_status fk_checkpoint_import(const char *path, fk_checkpoint *cp, fk_error *err)
{
	json_error_t je;
	memset(cp, 0, sizeof *cp);
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return fk_fail(err, FK_ERR_INVALID, "%s: not a checkpoint file (%s)", path, je.text);
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	const char *term = json_string_value(json_object_get(doc, "terminal"));
	json_t *seq = json_object_get(doc, "seq"), *epoch = json_object_get(doc, "epoch"),
	       *ts = json_object_get(doc, "ts_ns");
	fk_status st = FK_OK;
	if (!fmt || strcmp(fmt, "fukuhon-audit-checkpoint-1") || !term ||
	    fk_copy_str(cp->terminal, sizeof cp->terminal, term) || !json_is_integer(seq) ||
	    !json_is_integer(epoch) || !json_is_integer(ts) ||
	    hex_field(doc, "head_mac", cp->head_mac, FK_MAC_LEN) ||
	    hex_field(doc, "signature", cp->signature, FK_SIG_LEN) ||
	    hex_field(doc, "public_key", cp->public_key, FK_PUB_LEN))
		st = fk_fail(err, FK_ERR_INVALID, "%s: not a fukuhon checkpoint file", path);
	else {
		cp->seq = json_integer_value(seq);
		cp->epoch = json_integer_value(epoch);
		cp->ts_ns = json_integer_value(ts);
	}
	json_decref(doc);
	return st;
}

static const char SQL_HEAD[] = "SELECT seq, kind, epoch, mac FROM audit_log ORDER BY seq DESC LIMIT 1";

static fk_status fresh_locked(fk_ctx *ctx, fk_checkpoint *cp, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_HEAD, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	int64_t seq = 0, epoch = 0;
	uint8_t mac[FK_MAC_LEN];
	int sealed = rc == SQLITE_ROW && fk_sql_column_int(st, 1) != 0 &&
		     fk_sql_column_bytes(st, 3) == FK_MAC_LEN;
	if (sealed) {
		seq = fk_sql_column_int64(st, 0);
		epoch = fk_sql_column_int64(st, 2);
		memcpy(mac, fk_sql_column_blob(st, 3), FK_MAC_LEN);
	}
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading the history");
	if (!sealed)
		return fk_fail(err, FK_ERR_NOTFOUND, "the history has no sealed record yet");
	int found = 0;
	if ((s = fk_checkpoint_latest(ctx, cp, &found, err)) != FK_OK)
		return s;
	if (found && cp->seq == seq)
		return FK_OK;
	if ((s = fk_checkpoint_maybe(ctx, seq, epoch, mac, fk_ctx_now(ctx), 1, err)) != FK_OK)
		return s;
	return fk_checkpoint_latest(ctx, cp, &found, err);
}

fk_status fk_checkpoint_fresh(fk_ctx *ctx, fk_checkpoint *cp, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	return fk_ctx_end(ctx, fresh_locked(ctx, cp, err), err);
}

/* Other signed statements of the terminal (a backup's manifest, core/admin/backup.h): each
 * starts with its own label, unlike a checkpoint's statement, so none passes for another. */
fk_status fk_checkpoint_sign_blob(const char *key_dir, const uint8_t *data, size_t n,
				  uint8_t sig[FK_SIG_LEN], uint8_t pub[FK_PUB_LEN], fk_error *err)
{
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *md = NULL;
	size_t siglen = FK_SIG_LEN;
	fk_status st = load_private(key_dir, &k, err);
	if (st == FK_OK && !(md = EVP_MD_CTX_new()))
		st = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (st == FK_OK && (EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
			    EVP_DigestSign(md, sig, &siglen, data, n) != 1 || siglen != FK_SIG_LEN))
		st = ossl_fail(err, "signing");
	if (st == FK_OK)
		st = raw_public(k, pub, err);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return st;
}

fk_status fk_checkpoint_verify_blob(const uint8_t pub[FK_PUB_LEN], const uint8_t *data, size_t n,
				    const uint8_t sig[FK_SIG_LEN], fk_error *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, FK_PUB_LEN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	fk_status st = FK_OK;
	if (!k || !md)
		st = ossl_fail(err, "preparing a signature's verification");
	else if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) != 1 ||
		 EVP_DigestVerify(md, sig, FK_SIG_LEN, data, n) != 1) {
		ERR_clear_error();
		st = fk_fail(err, FK_ERR_TAMPER, "the signature does not verify");
	}
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return st;
}
