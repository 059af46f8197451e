/* Carrying out an approved export (exportjob.h): decide as a print does (execute.h), then
 * write the package through the one writer (core/intake/pkgwrite.c) to a temporary name,
 * record it with the execution in one transaction, and link it into place after the commit.
 * A failure before the commit leaves no file and consumes no output number.
 *
 * A municipality's return is too large for one transaction (22 s at 100,000 registers, while
 * every console waits at most 5 s for the lock): decided under the lock, it marks its request
 * running (packages of the municipality refused meanwhile, as during its disposal) and keeps
 * its output number on record, reads the municipality in a read snapshot without the lock,
 * keeps what it held in short steps and records the package in a last short transaction. Killed
 * half-way it leaves only a temporary file and a running request: carried out again by its
 * requester, it writes the package again under the same number. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datakey.h"
#include "db.h"
#include "execute.h"
#include "import.h"
#include "exportjob.h"
#include "outseq.h"
#include "pki.h"
#include "str.h"
#include "pkgwrite.h"
#include "returnjob.h"
#include "stage.h"
#include "trust.h"
#include "util.h"
#include "visible.h"

int64_t fk_export_chunk_records = 1000;
int fk_return_step_registers = 2000;
void (*fk_return_test_hook)(int step);

static const char SQL_REF[] =
	"SELECT " FK_COLS_REGISTER_REF ", mac FROM register_ref WHERE register_id = ?1 ORDER BY id LIMIT 1";
static const char SQL_OUTPUT[] =
	"INSERT INTO export_output(request_id, bureau_id, year, serial, number, operator_user, "
	"approver_user, exported_at, registers, recipient, recipient_sha256, sha256, file_name) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

typedef struct xjob {
	fk_ctx *ctx;
	fk_request req;
	fk_reg_info *info;
	X509 *to;
	char to_name[200], to_sha[65];
	fk_pki *pki;
	char dir[1024], tmp[1100];
	int fd;
	int64_t serial, now;
	int year;
	int is_return;        /* a municipality's data returned to it (returnjob.h) */
	fk_return_held held;
	char *old_tmps;       /* a return carried on: the files its interrupted runs left */
	fk_progress *progress;
	const char *out_path;
	fk_export_result *out;
} xjob;

/* ---- the recipient ---- */

/* Why cert cannot receive a package now ("" when it can): the package is encrypted to it with
 * RSA-OAEP, so it must be an end entity's RSA key allowed to encipher keys, valid today. */
static void recipient_problem(X509 *cert, int64_t now_s, char *why, size_t len)
{
	time_t t = (time_t)now_s;
	why[0] = '\0';
	if (!cert)
		snprintf(why, len, "the recipient's certificate cannot be read (PEM expected)");
	else if (X509_cmp_time(X509_get0_notAfter(cert), &t) <= 0)
		snprintf(why, len, "the recipient's certificate has expired");
	else if (X509_cmp_time(X509_get0_notBefore(cert), &t) > 0)
		snprintf(why, len, "the recipient's certificate is not valid yet");
	else if (X509_check_ca(cert) != 0)
		snprintf(why, len, "the certificate given is a CA's, not a recipient's");
	else if (EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) != EVP_PKEY_RSA)
		snprintf(why, len, "the recipient's certificate does not hold an RSA key (RSA-OAEP is used)");
	else if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) &&
		 !(X509_get_key_usage(cert) & KU_KEY_ENCIPHERMENT))
		snprintf(why, len, "the recipient's certificate is not for encryption (no keyEncipherment)");
}

static fk_status recipient_facts(xjob *j, fk_error *err)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	if (X509_digest(j->to, EVP_sha256(), d, &dl) != 1 || dl != 32)
		return fk_fail(err, FK_ERR_CRYPTO, "hashing the recipient's certificate failed");
	fk_hex(d, 32, j->to_sha);
	/* Its subject, one line, for the record: names a bureau or a municipality, nobody's data. */
	if (!X509_NAME_oneline(X509_get_subject_name(j->to), j->to_name, sizeof j->to_name))
		fk_copy_str(j->to_name, sizeof j->to_name, "?");
	return FK_OK;
}

/* ---- the records ---- */

static fk_status ref_of(xjob *j, int64_t id, char ref[FK_PKG_REF_MAX + 1], fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(j->ctx, SQL_REF, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(j->ctx, FK_T_REGISTER_REF, st, 0, err)) == FK_OK)
		fk_copy_str(ref, FK_PKG_REF_MAX + 1, (const char *)fk_sql_column_text(st, 2));
	else if (rc == SQLITE_DONE) /* made here (the demo), not received: the terminal's own id */
		snprintf(ref, FK_PKG_REF_MAX + 1, "FK-%lld", (long long)id);
	else if (rc != SQLITE_ROW)
		s = fk_db_fail(j->ctx->db, rc, err, "reading the register's id");
	fk_sql_reset(st);
	return s;
}

/* Register i at the version the request fixed, as a `register` record. */
static fk_status add_register(xjob *j, fk_pkgw *w, int i, fk_error *err)
{
	const fk_req_item *it = &j->req.items[i];
	char ref[FK_PKG_REF_MAX + 1];
	json_t *doc = NULL;
	fk_status s = ref_of(j, it->register_id, ref, err);
	if (s == FK_OK)
		s = fk_store_read(j->ctx, it->register_id, it->version, &doc, NULL, err);
	if (s != FK_OK)
		return s;
	json_t *rec = json_pack("{s:s, s:s, s:s, s:o}", "type", "register", "ref", ref, "kind",
				fk_reg_kind_id(j->info[i].kind), "content", doc);
	char *line = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(rec);
	if (!line)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory writing a record");
	s = fk_pkgw_add(w, FK_REC_REGISTER, line, strlen(line), err);
	OPENSSL_cleanse(line, strlen(line)); /* personal data: no copy left in freed memory */
	free(line);
	return s;
}

static fk_status write_package(xjob *j, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	fk_pkgw *w = NULL;
	uint8_t sha[32];
	EVP_PKEY *key = fk_pki_sign_key(j->pki);
	X509 *cert = fk_pki_sign_cert(j->pki);
	X509 *to[1] = {j->to};
	if (!key || !cert)
		return fk_fail(err, FK_ERR_CONFIG, "this terminal has no receiving certificate to sign with "
			       "(fukuhonctl cert request, then cert install)");
	fk_status s = fk_pkgw_begin(j->dir, key, cert, to, 1, fk_export_chunk_records, &w, err);
	if (s == FK_OK && j->is_return)
		s = fk_return_records(ctx, j->req.municipality, w, &j->held, j->progress, err);
	for (int i = 0; s == FK_OK && !j->is_return && i < j->req.n_items; i++) {
		s = add_register(j, w, i, err);
		fk_progress_tell(j->progress, i + 1, j->req.n_items);
	}
	if (s == FK_OK) {
		fk_manifest head = {.sequence = j->serial, .kind = FK_PKG_FULL,
				    .created_at = j->now / 1000000000, .export_request = j->req.id};
		memcpy(head.municipality, j->is_return ? j->req.municipality : j->info[0].municipality, 7);
		fk_copy_str(head.export_output, sizeof head.export_output, j->out->number);
		s = fk_pkgw_finish(w, &head, j->fd, sha, err);
	}
	if (s == FK_OK) {
		j->out->chunks = fk_pkgw_chunks(w);
		j->out->registers = j->is_return ? (int)j->held.registers : j->req.n_items;
		fk_hex(sha, 32, j->out->sha256);
	}
	fk_pkgw_free(w);
	return s;
}

/* ---- the record ---- */

static fk_status record_output(xjob *j, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	fk_stmt *st;
	const char *file = strrchr(j->out->path, '/');
	file = file ? file + 1 : j->out->path;
	fk_status s = fk_ctx_stmt(ctx, SQL_OUTPUT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, j->req.id);
	fk_sql_bind_int64(st, 2, j->req.bureau_id);
	fk_sql_bind_int(st, 3, j->year);
	fk_sql_bind_int64(st, 4, j->serial);
	fk_sql_bind_text(st, 5, j->out->number, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 6, ctx->actor.user, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 7, j->req.decided_by, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 8, j->now);
	fk_sql_bind_int(st, 9, j->out->registers);
	fk_sql_bind_text(st, 10, j->to_name, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 11, j->to_sha, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 12, j->out->sha256, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 13, file, -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "recording the export")) != FK_OK)
		return s;
	if ((s = fk_trust_seal(ctx, FK_T_EXPORT_OUTPUT, FK_VAL_INT(fk_sql_last_insert_rowid(ctx->db)), err)) != FK_OK)
		return s;
	char detail[700], what[160] = "";
	if (j->is_return)
		snprintf(what, sizeof what, " returned to municipality=%s versions=%lld ledger_entries=%lld "
			 "documents=%lld", j->req.municipality, (long long)j->held.versions,
			 (long long)j->held.ledger, (long long)j->held.documents);
	snprintf(detail, sizeof detail, "request=%lld registers=%d%s approved_by=%s recipient=%.64s "
		 "sha256=%s file=%.200s", (long long)j->req.id, j->out->registers, what, j->req.decided_by,
		 j->to_sha, j->out->sha256, file);
	return fk_audit_op(ctx, j->is_return ? FK_OP_RETURN_PACKAGE : FK_OP_EXPORT_PACKAGE, j->out->number,
			   FK_RESULT_SUCCESS, "system", detail, err);
}

static fk_status open_tmp(xjob *j, fk_error *err)
{
	if ((size_t)snprintf(j->tmp, sizeof j->tmp, "%s/.export.XXXXXX", j->dir) >= sizeof j->tmp)
		return fk_fail(err, FK_ERR_INVALID, "the output folder's path is too long");
	j->fd = mkstemp(j->tmp);
	if (j->fd < 0) {
		int e = errno;
		j->tmp[0] = '\0';
		return fk_fail(err, e == ENOSPC ? FK_ERR_FULL : FK_ERR_IO, "cannot write in %s: %s", j->dir,
			       strerror(e));
	}
	if (fchmod(j->fd, 0600) != 0)
		return fk_fail(err, FK_ERR_IO, "cannot set the package's mode: %s", strerror(errno));
	return FK_OK;
}

/* The package written to the open temporary file, which is then closed. */
static fk_status write_file(xjob *j, fk_error *err)
{
	struct stat st;
	fk_status s = write_package(j, err);
	if (s == FK_OK && fstat(j->fd, &st) == 0)
		j->out->bytes = (int64_t)st.st_size;
	if (j->fd >= 0 && close(j->fd) != 0 && s == FK_OK)
		s = fk_fail(err, FK_ERR_IO, "closing the package failed: %s", strerror(errno));
	j->fd = -1;
	return s;
}

static fk_status run(xjob *j, fk_error *err)
{
	time_t t = (time_t)(j->now / 1000000000) + 9 * 3600; /* the year in JST, as prints */
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return fk_fail(err, FK_ERR_INTERNAL, "the clock's time cannot be read");
	j->year = tm.tm_year + 1900;
	fk_status s = recipient_facts(j, err);
	if (s == FK_OK && !j->pki)
		s = fk_pki_load(j->ctx, j->now / 1000000000, &j->pki, err);
	if (s == FK_OK)
		s = fk_output_first_serial(j->ctx, &j->serial, err);
	if (s != FK_OK)
		return s;
	snprintf(j->out->number, sizeof j->out->number, "%lld/%d/%06lld", (long long)j->req.bureau_id,
		 j->year, (long long)j->serial);
	s = open_tmp(j, err);
	if (s == FK_OK)
		s = write_file(j, err);
	if (s == FK_OK)
		s = record_output(j, err);
	if (s == FK_OK)
		s = fk_request_mark_executed(j->ctx, &j->req, j->now, err);
	return s;
}

/* After the commit: the counter forward, the file into place. */
static void publish(xjob *j)
{
	fk_error e;
	fk_export_result *out = j->out;
	if (fk_outseq_put(j->ctx, j->serial, &e) != FK_OK)
		snprintf(out->warning, sizeof out->warning,
			 "the output counter in the key folder could not be moved on (%.160s): tell the administrator", e.msg);
	/* link, not rename: an existing file of that name is never replaced. */
	if (link(j->tmp, out->path) != 0) {
		snprintf(out->warning, sizeof out->warning, "the package stays as %.300s: %.60s", j->tmp,
			 strerror(errno));
		fk_copy_str(out->path, sizeof out->path, j->tmp);
	} else {
		unlink(j->tmp);
	}
	j->tmp[0] = '\0';
	int fd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if ((fd < 0 || fsync(fd) != 0) && !out->warning[0])
		snprintf(out->warning, sizeof out->warning, "syncing %.300s failed", j->dir);
	if (fd >= 0)
		close(fd);
}

/* The folder of out_path, which must exist; the file itself must not. */
static fk_status check_out(xjob *j, const char *out_path, fk_error *err)
{
	struct stat st;
	if ((size_t)snprintf(j->out->path, sizeof j->out->path, "%s", out_path) >= sizeof j->out->path)
		return fk_fail(err, FK_ERR_INVALID, "the output path is too long");
	if (lstat(out_path, &st) == 0)
		return fk_fail(err, FK_ERR_EXISTS, "%s exists already: an export never replaces a file", out_path);
	const char *slash = strrchr(out_path, '/');
	if (!slash)
		fk_copy_str(j->dir, sizeof j->dir, ".");
	else if (slash == out_path)
		fk_copy_str(j->dir, sizeof j->dir, "/");
	else
		snprintf(j->dir, sizeof j->dir, "%.*s", (int)(slash - out_path), out_path);
	if (stat(j->dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return fk_fail(err, FK_ERR_IO, "the folder %s cannot be used", j->dir);
	return FK_OK;
}

static fk_status decide(xjob *j, fk_gate *g, fk_error *err)
{
	char why[300];
	fk_status s = fk_request_decide_execution(j->ctx, g, &j->req, FK_REQ_EXPORT, j->info, j->now, err);
	if (s != FK_OK)
		return s;
	recipient_problem(j->to, j->now / 1000000000, why, sizeof why);
	if (why[0])
		return fk_gate_refuse(j->ctx, g, FK_WHY_INVALID, why, err);
	return FK_OK;
}

/* ---- a municipality's return ---- */

/* As an export's, and: a return begun and interrupted is carried on by its requester whatever
 * the time (what is begun is finished: the municipality receives nothing until then); the
 * export right on every kind of the municipality's files; the recipient the municipality
 * itself, as the trust store knows it; and nothing else moving the municipality's data — no
 * package staging, no disposal of it running. */
static fk_status decide_return(xjob *j, fk_gate *g, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	fk_request *r = &j->req;
	char why[300];
	int on = 0, running = 0, gone = 0, any = 0;
	int64_t key = 0;
	fk_status s = FK_OK;
	if (r->kind == FK_REQ_RETURN && r->state == FK_REQ_RUNNING && r->requester_id != ctx->actor.operator_id)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_REQUESTER, "only the requester carries out a request", err);
	if (r->kind != FK_REQ_RETURN || r->state != FK_REQ_RUNNING)
		s = fk_request_decide_execution(ctx, g, r, FK_REQ_RETURN, j->info, j->now, err);
	if (s == FK_OK)
		s = fk_request_decide_municipality(ctx, g, r->municipality, err);
	if (s != FK_OK)
		return s;
	recipient_problem(j->to, j->now / 1000000000, why, sizeof why);
	if (!why[0]) {
		s = fk_pki_load(ctx, j->now / 1000000000, &j->pki, err);
		if (s == FK_OK)
			s = fk_return_recipient(j->pki, j->to, r->municipality, j->now / 1000000000, why, sizeof why, err);
	}
	if (s == FK_OK)
		s = fk_store_staging(ctx, &on, err);
	if (s == FK_OK)
		s = fk_datakey_municipality_id(ctx, r->municipality, &key, err);
	if (s == FK_OK)
		s = fk_intake_muni_disposal(ctx, r->municipality, key, &running, &gone, err);
	if (s == FK_OK)
		s = fk_return_has_registers(ctx, r->municipality, &any, err);
	if (s == FK_OK && !any)
		s = fk_fail(err, FK_ERR_NOTFOUND, "municipality %s has no register here to return", r->municipality);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (why[0])
		return fk_gate_refuse(ctx, g, FK_WHY_INVALID, why, err);
	if (on)
		return fk_gate_refuse(ctx, g, FK_WHY_REGISTER_STAGING, "a package is being imported: return the "
				      "municipality's data when it is published or abandoned", err);
	if (running == 1)
		return fk_gate_refuse(ctx, g, FK_WHY_INVALID, "the municipality is being disposed of", err);
	/* Another return of it running (this one carried on is running itself): one at a time. */
	if (running == 2 && r->state != FK_REQ_RUNNING)
		return fk_gate_refuse(ctx, g, FK_WHY_RETURN_RUNNING, "another return of the municipality is in "
				      "progress: carry it out, or give it up, first", err);
	return FK_OK;
}

/* The temporary file this run writes, added to those kept for the return (returnjob.h): the
 * runs before it were interrupted, and what they left is removed if the return is given up. */
static void tmps_add(char *tmps, const char *tmp)
{
	size_t have = strlen(tmps), add = strlen(tmp) + 1;
	if (have + add >= FK_RETURN_TMPS_MAX)
		have = 0; /* too many runs: the oldest files are left for the administrator */
	snprintf(tmps + have, FK_RETURN_TMPS_MAX - have, "\n%s", tmp);
}

/* In the decision's transaction: the request running (the municipality frozen), the output
 * number kept for it (the one kept already when carried on) with the run's temporary file, on
 * record. */
static fk_status return_begin(xjob *j, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char oid[24], detail[300], sha[65] = "", *tmps = calloc(1, FK_RETURN_TMPS_MAX);
	int found = 0, resumed = j->req.state == FK_REQ_RUNNING;
	if (!tmps)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status s = recipient_facts(j, err);
	if (s == FK_OK)
		s = fk_return_run_get(ctx, j->req.id, &j->serial, &j->year, sha, tmps, FK_RETURN_TMPS_MAX, &found, err);
	if (s == FK_OK && !found) {
		time_t t = (time_t)(j->now / 1000000000) + 9 * 3600; /* the year in JST, as prints */
		struct tm tm;
		if (!gmtime_r(&t, &tm))
			s = fk_fail(err, FK_ERR_INTERNAL, "the clock's time cannot be read");
		else
			j->year = tm.tm_year + 1900;
		if (s == FK_OK)
			s = fk_output_first_serial(ctx, &j->serial, err);
		fk_copy_str(sha, sizeof sha, j->to_sha);
	}
	if (s == FK_OK && tmps[0] && !(j->old_tmps = strdup(tmps)))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK) {
		tmps_add(tmps, j->tmp);
		s = fk_return_run_set(ctx, j->req.id, j->serial, j->year, sha, tmps, err);
	}
	free(tmps);
	if (s == FK_OK && !resumed)
		s = fk_request_mark_running(ctx, &j->req, j->now, err);
	if (s != FK_OK)
		return s;
	snprintf(j->out->number, sizeof j->out->number, "%lld/%d/%06lld", (long long)j->req.bureau_id, j->year,
		 (long long)j->serial);
	snprintf(oid, sizeof oid, "%lld", (long long)j->req.id);
	snprintf(detail, sizeof detail, "municipality=%s output=%s %s: its packages refused until the return "
		 "ends", j->req.municipality, j->out->number, resumed ? "continued" : "begun");
	return fk_audit_op(ctx, FK_OP_RETURN_STEP, oid, FK_RESULT_SUCCESS, "system", detail, err);
}

/* The package, from one read snapshot of the store: no write lock held while it is written
 * (to the temporary file opened before the run was recorded). */
static fk_status return_write(xjob *j, fk_error *err)
{
	fk_status s = fk_ctx_snapshot_begin(j->ctx, err);
	if (s == FK_OK)
		s = write_file(j, err);
	fk_ctx_snapshot_end(j->ctx);
	if (s == FK_OK && j->held.registers == 0)
		s = fk_fail(err, FK_ERR_NOTFOUND, "municipality %s has no register here to return", j->req.municipality);
	return s;
}

/* Under the lock of each step after the decision: the return still running. It may have been
 * given up meanwhile (retcancel.h; the requester's other session, or a supervisor, taking this
 * run for an interrupted one): then nothing more of it is kept, and it is never carried out. */
static fk_status still_running(xjob *j, fk_error *err)
{
	fk_request now = {0};
	fk_status s = fk_request_get(j->ctx, j->req.id, &now, err);
	if (s == FK_OK && now.state != FK_REQ_RUNNING)
		s = fk_fail(err, FK_ERR_INVALID, "return %lld was given up while it ran (%s): nothing was returned",
			    (long long)j->req.id, fk_req_state_id(now.state));
	fk_request_clear(&now);
	return s;
}

/* Registers [from, from + n) of what the package held kept in return_item, in a short
 * transaction of their own, on record. */
static fk_status return_items(xjob *j, int64_t from, int64_t n, int step, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char oid[24], detail[200];
	int64_t to = from + n < j->held.registers ? from + n : j->held.registers;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = still_running(j, err);
	if (s == FK_OK)
		s = fk_return_keep_items(ctx, j->req.id, &j->held, from, n, err);
	snprintf(oid, sizeof oid, "%lld", (long long)j->req.id);
	snprintf(detail, sizeof detail, "municipality=%s output=%s registers_held=%lld..%lld of %lld", j->req.municipality,
		 j->out->number, (long long)from + 1, (long long)to, (long long)j->held.registers);
	if (s == FK_OK)
		s = fk_audit_op(ctx, FK_OP_RETURN_STEP, oid, FK_RESULT_SUCCESS, "system", detail, err);
	if (s == FK_OK && fk_return_test_hook)
		fk_return_test_hook(step);
	s = fk_ctx_end(ctx, s, err);
	/* A console waiting for the lock tries every millisecond: a gap lets it in. */
	if (s == FK_OK)
		fk_stage_yield();
	return s;
}

/* The last step, in the gate's transaction: the package recorded, what it held sealed for
 * the disposal that may follow, the request carried out. */
static fk_status return_finish(xjob *j, fk_error *err)
{
	fk_status s = still_running(j, err);
	if (s == FK_OK)
		s = record_output(j, err);
	if (s == FK_OK)
		s = fk_return_keep(j->ctx, j->req.id, j->req.municipality, &j->held, err);
	if (s == FK_OK)
		s = fk_request_mark_executed(j->ctx, &j->req, j->now, err);
	return s;
}

static fk_status execute_return(xjob *j, fk_gate *g, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char detail[300] = "";
	fk_error e;
	fk_status s = decide_return(j, g, err);
	if (s != FK_OK)
		return s;
	/* The temporary file first, so that the run's record names it. */
	if ((s = check_out(j, j->out_path, err)) == FK_OK && (s = open_tmp(j, err)) == FK_OK)
		s = return_begin(j, err);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if ((s = fk_gate_commit_step(ctx, g, err)) != FK_OK)
		return s;
	/* The key folder's counter past the number kept, as after a print: a restored older
	 * database that lost the record of it never hands it out again. */
	if (fk_outseq_put(ctx, j->serial, &e) != FK_OK)
		snprintf(j->out->warning, sizeof j->out->warning, "the output counter in the key folder could "
			 "not be moved on (%.160s): tell the administrator", e.msg);
	s = return_write(j, err);
	int step = 0, n = fk_return_step_registers > 0 ? fk_return_step_registers : 1;
	for (int64_t i = 0; s == FK_OK && i < j->held.registers; i += n)
		s = return_items(j, i, n, ++step, err);
	if (s == FK_OK && (s = fk_ctx_begin(ctx, err)) == FK_OK && !fk_gate_adopt_tx(g))
		s = fk_ctx_end(ctx, fk_fail(err, FK_ERR_INTERNAL, "the return's record cannot be kept"), err);
	if (s == FK_OK)
		s = return_finish(j, err);
	if (s == FK_OK)
		snprintf(detail, sizeof detail, "output=%s registers=%d approved_by=%s", j->out->number,
			 j->out->registers, j->req.decided_by);
	s = fk_gate_end(ctx, g, s, detail, err);
	if (s == FK_OK)
		publish(j);
	/* Carried out: what interrupted runs of it left goes (another run still writing stops at
	 * its next step, the request no longer running). */
	if (s == FK_OK && j->old_tmps)
		fk_return_tmps_remove(j->old_tmps, j->out->warning, sizeof j->out->warning);
	return s;
}

static fk_status execute(xjob *j, int64_t id, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	fk_gate g;
	char detail[300] = "";
	/* One lock from the decision to the record: nothing changes under the job (a return:
	 * from the decision to its running mark, execute_return). */
	fk_status s = fk_request_open_execution(ctx, &g, j->is_return ? FK_OP_RETURN_EXECUTE : FK_OP_EXPORT_EXECUTE,
						id, &j->req, err);
	if (s != FK_OK)
		return s;
	j->info = calloc((size_t)j->req.n_items + 1, sizeof *j->info);
	if (!j->info)
		return fk_gate_end(ctx, &g, fk_fail(err, FK_ERR_NOMEM, "out of memory"), NULL, err);
	if (j->is_return)
		return execute_return(j, &g, err);
	if ((s = decide(j, &g, err)) != FK_OK)
		return s;
	/* Where the file goes is checked once the request is known to be carried out: a refusal
	 * (carried out already, not approved) is recorded whatever path was given. */
	if ((s = check_out(j, j->out_path, err)) != FK_OK)
		return fk_gate_end(ctx, &g, s, NULL, err);
	s = run(j, err);
	if (s == FK_OK)
		snprintf(detail, sizeof detail, "output=%s registers=%d approved_by=%s", j->out->number,
			 j->out->registers, j->req.decided_by);
	s = fk_gate_end(ctx, &g, s, detail, err);
	if (s == FK_OK)
		publish(j);
	return s;
}

static fk_status export_or_return(fk_ctx *ctx, int64_t id, int is_return, const char *to_pem,
				  const char *out_path, fk_progress *progress, fk_export_result *out,
				  fk_error *err)
{
	struct timespec t0, t1;
	xjob j = {.ctx = ctx, .out = out, .fd = -1, .now = fk_authz_now(), .is_return = is_return,
		  .progress = progress};
	memset(out, 0, sizeof *out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	j.out_path = out_path;
	j.to = fk_cms_read_cert(to_pem); /* NULL: refused, recorded, by the decision */
	fk_status s = execute(&j, id, err);
	if (j.fd >= 0)
		close(j.fd);
	if (j.tmp[0])
		unlink(j.tmp); /* nothing half-written stays behind */
	if (s != FK_OK) {
		char keep[1024];
		fk_copy_str(keep, sizeof keep, out->path);
		memset(out, 0, sizeof *out);
		fk_copy_str(out->path, sizeof out->path, keep);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->ms = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	fk_pki_free(j.pki);
	X509_free(j.to);
	free(j.info);
	free(j.held.items);
	free(j.old_tmps);
	fk_request_clear(&j.req);
	return s;
}

fk_status fk_export_execute(fk_ctx *ctx, int64_t id, const char *to_pem, const char *out_path,
			    fk_export_result *out, fk_error *err)
{
	return export_or_return(ctx, id, 0, to_pem, out_path, NULL, out, err);
}

fk_status fk_return_execute(fk_ctx *ctx, int64_t id, const char *to_pem, const char *out_path,
			    fk_export_result *out, fk_error *err)
{
	return export_or_return(ctx, id, 1, to_pem, out_path, NULL, out, err);
}

fk_status fk_export_carry_out(fk_ctx *ctx, int64_t id, fk_req_kind kind, const char *to_pem,
			      const char *out_path, fk_progress *progress, fk_export_result *out,
			      fk_error *err)
{
	if (kind != FK_REQ_EXPORT && kind != FK_REQ_RETURN)
		return fk_fail(err, FK_ERR_INVALID, "only an export or a return is written as a package");
	return export_or_return(ctx, id, kind == FK_REQ_RETURN, to_pem, out_path, progress, out, err);
}

fk_status fk_export_folder_path(const fk_ctx *ctx, const char *name, char *path, size_t len,
				fk_error *err)
{
	size_t n = strlen(name);
	/* A name alone, of characters no shell, terminal or file manager reads as anything else:
	 * the operator picks what the file is called, never where it goes. */
	int ok = n >= 1 && n <= 100 && name[0] != '.';
	for (size_t i = 0; ok && i < n; i++)
		ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		     (name[i] >= '0' && name[i] <= '9') || strchr(".-_", name[i]);
	if (!ok)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_PACKAGE_NAME, NULL, 100);
	fk_status s = fk_check_service_folder(ctx->cfg.export_folder, "the export folder", "export_folder", err);
	if (s != FK_OK)
		return s;
	if ((size_t)snprintf(path, len, "%s/%s", ctx->cfg.export_folder, name) >= len)
		return fk_fail(err, FK_ERR_INVALID, "the export folder's path is too long");
	return FK_OK;
}
