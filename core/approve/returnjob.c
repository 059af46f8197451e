/* What a return package carries and to whom (returnjob.h). */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cms.h"
#include "db.h"
#include "meta.h"
#include "regver.h"
#include "returnjob.h"
#include "store.h"
#include "trust.h"
#include "util.h"
#include "visible.h"

static const char SQL_REGS[] =
	"SELECT id FROM register WHERE municipality = ?1 AND disposed_at IS NULL AND id <= " FK_VIS_REGISTER
	" ORDER BY id";
static const char SQL_REF[] =
	"SELECT " FK_COLS_REGISTER_REF ", mac FROM register_ref WHERE register_id = ?1 ORDER BY id LIMIT 1";
static const char SQL_LEDGER[] =
	"SELECT id, accepted_on FROM ledger_entry WHERE municipality = ?1 AND id <= " FK_VIS_LEDGER " ORDER BY id";
static const char SQL_DOCS[] =
	"SELECT id, doc_type, coalesce(register_id, 0) FROM notification_doc WHERE municipality = ?1 "
	"AND id <= " FK_VIS_DOC " ORDER BY id";
/* ON CONFLICT: a return carried on after an interruption writes again what it wrote. */
static const char SQL_ITEM[] =
	"INSERT INTO return_item(request_id, register_id, version) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char SQL_ANY[] =
	"SELECT 1 FROM register WHERE municipality = ?1 AND disposed_at IS NULL AND id <= " FK_VIS_REGISTER " LIMIT 1";
static const char SQL_RUNNING_RETURNS[] =
	"SELECT id FROM approval_request WHERE state = 'running' AND kind = 'return' ORDER BY id";

/* ---- the recipient ---- */

fk_status fk_return_recipient(const fk_pki *pki, X509 *to, const char *code, int64_t now_s,
			      char *why, size_t len, fk_error *err)
{
	char have[7] = "";
	fk_error e;
	why[0] = '\0';
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	if (!sc)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	/* The municipality's own certificate, as the trust store knows its CA: a return goes back
	 * only to the party the bureau receives packages from (R-MUTUAL). */
	int ok = X509_STORE_CTX_init(sc, fk_pki_keys(pki)->store, to, NULL) == 1;
	if (ok) {
		X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(sc);
		X509_VERIFY_PARAM_set_time(vp, (time_t)now_s);
		X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CRL_CHECK);
		ok = X509_verify_cert(sc) == 1;
		if (!ok)
			snprintf(why, len, "the recipient's certificate is not one of a municipality this bureau "
				 "trusts (%s)", X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
	} else {
		snprintf(why, len, "the recipient's certificate cannot be checked");
	}
	X509_STORE_CTX_free(sc);
	if (!why[0] && (fk_cms_cert_municipality(to, have, &e) != FK_OK || strcmp(have, code) != 0))
		snprintf(why, len, "the recipient's certificate is not municipality %s's (it names %s)", code,
			 have[0] ? have : "none");
	return FK_OK;
}

/* ---- the records ---- */

static fk_status ref_of(fk_ctx *ctx, int64_t id, char ref[FK_PKG_REF_MAX + 1], fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_REF, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_REGISTER_REF, st, 0, err)) == FK_OK)
		fk_copy_str(ref, FK_PKG_REF_MAX + 1, (const char *)fk_sql_column_text(st, 2));
	else if (rc == SQLITE_DONE) /* made here (the demo), not received: the terminal's own id */
		snprintf(ref, FK_PKG_REF_MAX + 1, "FK-%lld", (long long)id);
	else if (rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading the register's id");
	fk_sql_reset(st);
	return s;
}

/* rec as one line of type t; personal data: no copy left in freed memory. */
static fk_status add(fk_pkgw *w, fk_rec_type t, json_t *rec, fk_error *err)
{
	char *line = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(rec);
	if (!line)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory writing a record");
	fk_status s = fk_pkgw_add(w, t, line, strlen(line), err);
	OPENSSL_cleanse(line, strlen(line));
	free(line);
	return s;
}

fk_status fk_return_keep_items(fk_ctx *ctx, int64_t request_id, const fk_return_held *held, int64_t from,
			       int64_t n, fk_error *err)
{
	fk_status s = FK_OK;
	for (int64_t i = from; s == FK_OK && i < from + n && i < held->registers; i++) {
		fk_stmt *st;
		if ((s = fk_ctx_stmt(ctx, SQL_ITEM, &st, err)) != FK_OK)
			break;
		fk_sql_bind_int64(st, 1, request_id);
		fk_sql_bind_int64(st, 2, held->items[i].register_id);
		fk_sql_bind_int(st, 3, held->items[i].version);
		s = fk_ctx_exec(ctx, st, err, "keeping what the return held");
	}
	return s;
}

/* One register with every version: the first as it was received, each later one as the
 * amendment it was (who changed it as stored; the reason is not kept here). */
static fk_status add_register(fk_ctx *ctx, int64_t id, fk_pkgw *w, EVP_MD_CTX *md, fk_return_held *held,
			      fk_error *err)
{
	char ref[FK_PKG_REF_MAX + 1], line[48];
	fk_reg_info info;
	json_t *doc = NULL;
	fk_status s = ref_of(ctx, id, ref, err);
	if (s == FK_OK)
		s = fk_store_info(ctx, id, &info, err);
	if (s != FK_OK)
		return s;
	fk_reg_version *vs = calloc((size_t)info.version, sizeof *vs);
	int n = 0;
	s = vs ? fk_store_versions(ctx, id, vs, info.version, &n, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int i = 0; s == FK_OK && i < n; i++) {
		if ((s = fk_store_read(ctx, id, vs[i].version, &doc, NULL, err)) != FK_OK)
			break;
		if (i == 0)
			s = add(w, FK_REC_REGISTER, json_pack("{s:s, s:s, s:s, s:o}", "type", "register", "ref", ref,
							     "kind", fk_reg_kind_id(info.kind), "content", doc), err);
		else
			s = add(w, FK_REC_VERSION, json_pack("{s:s, s:s, s:o, s:s, s:s}", "type", "version", "ref", ref,
							    "content", doc, "changed_by",
							    vs[i].changed_by[0] ? vs[i].changed_by : "-",
							    "reason", "返還（記録された版）"), err);
		held->versions += s == FK_OK;
	}
	free(vs);
	if (s == FK_OK) {
		int k = snprintf(line, sizeof line, "%lld:%d\n", (long long)id, info.version);
		EVP_DigestUpdate(md, line, (size_t)k);
		held->items[held->registers].register_id = id;
		held->items[held->registers].version = info.version;
		held->registers++;
	}
	return s;
}

/* A stored entry names its register as the number member 戸籍 (docs/package-format.md §6);
 * a package names it by ref. */
static fk_status entry_ref(fk_ctx *ctx, json_t *entry, int64_t reg, json_t *rec, fk_error *err)
{
	char ref[FK_PKG_REF_MAX + 1];
	json_t *linked = json_object_get(entry, "戸籍");
	if (json_is_integer(linked)) {
		reg = (int64_t)json_integer_value(linked);
		json_object_del(entry, "戸籍");
	}
	if (reg <= 0)
		return FK_OK;
	fk_status s = ref_of(ctx, reg, ref, err);
	if (s == FK_OK && json_object_set_new(rec, "ref", json_string(ref)) != 0)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	return s;
}

static fk_status add_rows(fk_ctx *ctx, const char *code, int docs, fk_pkgw *w, fk_return_held *held,
			  fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt_large(ctx, docs ? SQL_DOCS : SQL_LEDGER, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	/* The ids and their clear columns first: the statement is not kept open over reads. */
	int n = 0, cap = 0, rc;
	struct row { int64_t id, reg; char text[64]; } *v = NULL;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			struct row *p = realloc(v, (size_t)(cap = cap ? cap * 2 : 64) * sizeof *v);
			if (!p) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			v = p;
		}
		v[n].id = fk_sql_column_int64(st, 0);
		fk_copy_str(v[n].text, sizeof v[n].text, (const char *)fk_sql_column_text(st, 1));
		v[n].reg = docs ? fk_sql_column_int64(st, 2) : 0;
		n++;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the ledger and documents");
	for (int i = 0; s == FK_OK && i < n; i++) {
		json_t *entry = NULL, *rec;
		s = docs ? fk_doc_read(ctx, v[i].id, &entry, err) : fk_ledger_read(ctx, v[i].id, &entry, err);
		if (s != FK_OK)
			break;
		rec = docs ? json_pack("{s:s, s:s}", "type", "document", "doc_type", v[i].text)
			   : json_pack("{s:s, s:s}", "type", "ledger", "accepted_on", v[i].text);
		s = rec ? entry_ref(ctx, entry, v[i].reg, rec, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
		if (s == FK_OK && json_object_set_new(rec, "entry", entry) != 0)
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
		else if (s != FK_OK)
			json_decref(entry);
		if (s == FK_OK)
			s = add(w, docs ? FK_REC_DOCUMENT : FK_REC_LEDGER, rec, err);
		else
			json_decref(rec);
		if (s == FK_OK && docs) {
			held->documents++;
			held->doc_max = v[i].id;
		} else if (s == FK_OK) {
			held->ledger++;
			held->ledger_max = v[i].id;
		}
	}
	free(v);
	return s;
}

fk_status fk_return_records(fk_ctx *ctx, const char *code, fk_pkgw *w, fk_return_held *held,
			    fk_progress *progress, fk_error *err)
{
	fk_stmt *st;
	int64_t *ids = NULL;
	int n = 0, cap = 0, rc;
	unsigned dl = 0;
	free(held->items);
	memset(held, 0, sizeof *held);
	fk_status s = fk_ctx_stmt_large(ctx, SQL_REGS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *p = realloc(ids, (size_t)(cap = cap ? cap * 2 : 256) * sizeof *ids);
			if (!p) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			ids = p;
		}
		ids[n++] = fk_sql_column_int64(st, 0);
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing the municipality's registers");
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (s == FK_OK && (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1))
		s = fk_fail(err, FK_ERR_CRYPTO, "hashing failed");
	if (s == FK_OK && !(held->items = calloc((size_t)n + 1, sizeof *held->items)))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int i = 0; s == FK_OK && i < n; i++) {
		s = add_register(ctx, ids[i], w, md, held, err);
		fk_progress_tell(progress, i + 1, n);
	}
	if (s == FK_OK && EVP_DigestFinal_ex(md, held->sha256, &dl) != 1)
		s = fk_fail(err, FK_ERR_CRYPTO, "hashing failed");
	EVP_MD_CTX_free(md);
	free(ids);
	if (s == FK_OK)
		s = add_rows(ctx, code, 0, w, held, err);
	if (s == FK_OK)
		s = add_rows(ctx, code, 1, w, held, err);
	if (s == FK_OK && held->registers + held->ledger + held->documents == 0)
		s = fk_fail(err, FK_ERR_NOTFOUND, "municipality %s has nothing here to return", code);
	return s;
}

fk_status fk_return_keep(fk_ctx *ctx, int64_t request_id, const char *code,
			 const fk_return_held *held, fk_error *err)
{
	char key[40], v[200], hex[65];
	fk_hex(held->sha256, 32, hex);
	snprintf(key, sizeof key, "return.%lld", (long long)request_id);
	snprintf(v, sizeof v, "%s %lld %lld %lld %s", code, (long long)held->registers,
		 (long long)held->ledger_max, (long long)held->doc_max, hex);
	return fk_meta_set(ctx, key, v, err);
}

/* ---- the output number kept while it runs ---- */

static void run_key(char key[40], int64_t request_id)
{
	snprintf(key, 40, "return.run.%lld", (long long)request_id);
}

fk_status fk_return_run_set(fk_ctx *ctx, int64_t request_id, int64_t serial, int year,
			    const char *to_sha, const char *tmps, fk_error *err)
{
	char key[40], v[120 + FK_RETURN_TMPS_MAX];
	run_key(key, request_id);
	snprintf(v, sizeof v, "%lld %d %s%s", (long long)serial, year, to_sha, tmps ? tmps : "");
	return fk_meta_set(ctx, key, v, err);
}

fk_status fk_return_run_get(fk_ctx *ctx, int64_t request_id, int64_t *serial, int *year, char to_sha[65],
			    char *tmps, size_t tmps_len, int *found, fk_error *err)
{
	char key[40], v[120 + FK_RETURN_TMPS_MAX];
	long long n = 0;
	int used = 0;
	fk_error e;
	*found = 0;
	if (tmps && tmps_len)
		tmps[0] = '\0';
	run_key(key, request_id);
	fk_status s = fk_meta_get(ctx, key, v, sizeof v, &e);
	if (s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (s != FK_OK) {
		if (err)
			*err = e;
		return s;
	}
	if (sscanf(v, "%lld %d %64s%n", &n, year, to_sha, &used) != 3 || n <= 0)
		return fk_fail(err, FK_ERR_TAMPER, "the output number kept for return %lld cannot be read",
			       (long long)request_id);
	if (tmps && tmps_len)
		fk_copy_str(tmps, tmps_len, v + used);
	*serial = (int64_t)n;
	*found = 1;
	return FK_OK;
}

int fk_return_tmps_remove(char *tmps, char *warning, size_t len)
{
	int n = 0;
	for (char *save = NULL, *p = strtok_r(tmps, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		const char *base = strrchr(p, '/');
		if (!base || strncmp(base + 1, ".export.", 8) != 0)
			continue;
		if (unlink(p) == 0)
			n++;
		else if (errno != ENOENT && !warning[0])
			snprintf(warning, len, "the temporary file %.200s stays: %.60s", p, strerror(errno));
	}
	return n;
}

fk_status fk_return_run_max(fk_ctx *ctx, int64_t *serial, fk_error *err)
{
	fk_stmt *st;
	int64_t ids[16];
	int n = 0, rc;
	*serial = 0;
	/* Few: a return runs for minutes at most, one per municipality. */
	fk_status s = fk_ctx_stmt(ctx, SQL_RUNNING_RETURNS, &st, err);
	if (s != FK_OK)
		return s;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && n < 16)
		ids[n++] = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading the returns running");
	for (int i = 0; s == FK_OK && i < n; i++) {
		int64_t kept = 0;
		int year, found = 0;
		char sha[65];
		s = fk_return_run_get(ctx, ids[i], &kept, &year, sha, NULL, 0, &found, err);
		if (s == FK_OK && found && kept > *serial)
			*serial = kept;
	}
	return s;
}

#define VOID_KEY "output.void.last"

fk_status fk_return_void_max(fk_ctx *ctx, int64_t *serial, fk_error *err)
{
	char v[32];
	long long n = 0;
	fk_error e;
	*serial = 0;
	fk_status s = fk_meta_get(ctx, VOID_KEY, v, sizeof v, &e);
	if (s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (s != FK_OK) {
		if (err)
			*err = e;
		return s;
	}
	if (sscanf(v, "%lld", &n) != 1 || n <= 0)
		return fk_fail(err, FK_ERR_TAMPER, "the last void output number cannot be read");
	*serial = (int64_t)n;
	return FK_OK;
}

fk_status fk_return_void_note(fk_ctx *ctx, int64_t serial, fk_error *err)
{
	char v[32];
	int64_t last = 0;
	fk_status s = fk_return_void_max(ctx, &last, err);
	if (s != FK_OK || serial <= last)
		return s;
	snprintf(v, sizeof v, "%lld", (long long)serial);
	return fk_meta_set(ctx, VOID_KEY, v, err);
}

fk_status fk_return_has_registers(fk_ctx *ctx, const char *code, int *any, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_ANY, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	int rc = fk_sql_step(st);
	*any = rc == SQLITE_ROW;
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading the municipality's registers");
}
