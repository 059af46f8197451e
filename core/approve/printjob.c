/* Carrying out an approved print (printjob.h): decide, write each PDF to a temporary name in the
 * spool, record every copy and the execution in one transaction, then rename the files into
 * place. A failure before the commit leaves no file and consumes no output number; the
 * key-folder counter moves only after the numbers are on record. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cert.h"
#include "db.h"
#include "execute.h"
#include "gate.h"
#include "ipp.h"
#include "outseq.h"
#include "pdf.h"
#include "printjob.h"
#include "regver.h"
#include "trust.h"
#include "util.h"

long fk_print_test_fail_after = 0;

static const char SQL_BUREAU[] = "SELECT " FK_COLS_BUREAU ", mac FROM bureau WHERE id = ?1";
static const char SQL_OUTPUT[] =
	"INSERT INTO print_output(request_id, register_id, version, bureau_id, year, serial, number, "
	"operator_user, approver_user, printed_at, pages, sha256, file_name) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

void fk_print_result_free(fk_print_result *r)
{
	free(r->copies);
	r->copies = NULL;
	r->n = 0;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- the spool ---- */

/* The folder must be the service account's alone: printed certificates are personal data. */
static fk_status check_spool(const char *dir, fk_error *err)
{
	return fk_check_service_folder(dir, "the print spool", "print_spool", err);
}

typedef struct filew {
	int fd;
	EVP_MD_CTX *md;
	long written;
} filew;

static int file_write(void *arg, const unsigned char *buf, size_t n)
{
	filew *w = arg;
	if (fk_print_test_fail_after && w->written + (long)n > fk_print_test_fail_after)
		return ENOSPC;
	for (size_t off = 0; off < n;) {
		ssize_t k = write(w->fd, buf + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		off += (size_t)k;
	}
	if (EVP_DigestUpdate(w->md, buf, n) != 1)
		return EIO;
	w->written += (long)n;
	return 0;
}

/* Render lines into a new temporary file of the spool, synced: tmp gets its name. */
static fk_status write_pdf(const char *spool, const fk_lines *lines, const fk_pdf_marks *m,
			   char *tmp, size_t tmplen, char sha[65], int *pages, fk_error *err)
{
	if ((size_t)snprintf(tmp, tmplen, "%s/.print.XXXXXX", spool) >= tmplen)
		return fk_fail(err, FK_ERR_INVALID, "the print spool's path is too long");
	filew w = {mkstemp(tmp), EVP_MD_CTX_new(), 0};
	fk_status s = FK_OK;
	unsigned char d[32];
	unsigned dl = 0;
	if (w.fd < 0)
		s = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
			    "cannot write to the print spool %s: %s", spool, strerror(errno));
	else if (!w.md || EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1 || fchmod(w.fd, 0600) != 0)
		s = fk_fail(err, FK_ERR_IO, "cannot start the PDF file");
	if (s == FK_OK)
		s = fk_pdf_render(lines, m, file_write, &w, pages, err);
	if (s == FK_OK && fsync(w.fd) != 0)
		s = fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO, "syncing the PDF failed: %s",
			    strerror(errno));
	if (s == FK_OK && (EVP_DigestFinal_ex(w.md, d, &dl) != 1 || dl != 32))
		s = fk_fail(err, FK_ERR_CRYPTO, "hashing the PDF failed");
	if (w.fd >= 0 && close(w.fd) != 0 && s == FK_OK)
		s = fk_fail(err, FK_ERR_IO, "closing the PDF failed: %s", strerror(errno));
	EVP_MD_CTX_free(w.md);
	if (s == FK_OK)
		hex(d, 32, sha);
	else if (w.fd >= 0)
		unlink(tmp); /* nothing half-written stays behind */
	if (s != FK_OK)
		tmp[0] = '\0';
	return s;
}

static fk_status sync_dir(const char *dir, fk_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fk_fail(err, FK_ERR_IO, "cannot open %s: %s", dir, strerror(errno));
	int rc = fsync(fd);
	close(fd);
	return rc == 0 ? FK_OK : fk_fail(err, FK_ERR_IO, "syncing %s failed: %s", dir, strerror(errno));
}

/* ---- the job ---- */

typedef struct job {
	fk_ctx *ctx;
	fk_request req;
	fk_reg_info *info; /* per item, as decided */
	char bureau[128];
	int64_t serial0, now;
	int year;
	char (*tmp)[1040];
	fk_print_result *out;
	fk_status printer;   /* what print_queue's printer answered before the lock (FK_OK: none) */
	fk_error printer_err;
} job;

static fk_status bureau_name(fk_ctx *ctx, int64_t id, char *buf, size_t len, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_BUREAU, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_BUREAU, st, 0, err)) == FK_OK)
		fk_copy_str(buf, len, (const char *)fk_sql_column_text(st, 1));
	else if (rc == SQLITE_DONE)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no bureau %lld", (long long)id);
	else if (rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading the bureau");
	fk_sql_reset(st);
	return s;
}

static fk_status content_hash(const fk_lines *l, char out[13], fk_error *err)
{
	unsigned char d[32];
	unsigned dl = 0;
	char full[65];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	for (int i = 0; ok && i < l->n; i++)
		ok = EVP_DigestUpdate(md, l->v[i], strlen(l->v[i])) == 1 && EVP_DigestUpdate(md, "\n", 1) == 1;
	ok = ok && EVP_DigestFinal_ex(md, d, &dl) == 1 && dl == 32;
	EVP_MD_CTX_free(md);
	if (!ok)
		return fk_fail(err, FK_ERR_CRYPTO, "hashing the content failed");
	hex(d, 32, full);
	memcpy(out, full, 12); /* short enough to read out on the telephone, long enough to tell copies apart */
	out[12] = '\0';
	return FK_OK;
}

static fk_status record_copy(job *j, int i, fk_print_copy *c, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	fk_stmt *st;
	const char *file = strrchr(c->path, '/') + 1;
	fk_status s = fk_ctx_stmt(ctx, SQL_OUTPUT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, j->req.id);
	fk_sql_bind_int64(st, 2, c->register_id);
	fk_sql_bind_int(st, 3, c->version);
	fk_sql_bind_int64(st, 4, j->req.bureau_id);
	fk_sql_bind_int(st, 5, j->year);
	fk_sql_bind_int64(st, 6, j->serial0 + i);
	fk_sql_bind_text(st, 7, c->number, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 8, ctx->actor.user, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 9, j->req.decided_by, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 10, j->now);
	fk_sql_bind_int(st, 11, c->pages);
	fk_sql_bind_text(st, 12, c->sha256, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 13, file, -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "recording the copy")) != FK_OK)
		return s;
	if ((s = fk_trust_seal(ctx, FK_T_PRINT_OUTPUT, FK_VAL_INT(fk_sql_last_insert_rowid(ctx->db)), err)) != FK_OK)
		return s;
	char detail[400];
	snprintf(detail, sizeof detail, "request=%lld register=%lld version=%d pages=%d approved_by=%s "
		 "sha256=%s file=%s", (long long)j->req.id, (long long)c->register_id, c->version,
		 c->pages, j->req.decided_by, c->sha256, file);
	return fk_audit_op(ctx, FK_OP_PRINT_COPY, c->number, FK_RESULT_SUCCESS, "system", detail, err);
}

/* One register: read at the version the request fixed, laid out, rendered, recorded. */
static fk_status one_copy(job *j, int i, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	fk_print_copy *c = &j->out->copies[i];
	const fk_req_item *it = &j->req.items[i];
	json_t *doc = NULL;
	fk_lines lines = {0};
	char hash[13];
	int64_t serial = j->serial0 + i;
	c->register_id = it->register_id;
	c->version = it->version;
	snprintf(c->number, sizeof c->number, "%lld/%d/%06lld", (long long)j->req.bureau_id, j->year,
		 (long long)serial);
	snprintf(c->path, sizeof c->path, "%s/fukuhon-%lld-%d-%06lld.pdf", ctx->cfg.print_spool,
		 (long long)j->req.bureau_id, j->year, (long long)serial);
	fk_status s = fk_store_read(ctx, it->register_id, it->version, &doc, NULL, err);
	if (s == FK_OK)
		s = fk_cert_lines(doc, (int)j->info[i].kind, &lines, err);
	json_decref(doc);
	if (s == FK_OK)
		s = content_hash(&lines, hash, err);
	if (s == FK_OK) {
		fk_pdf_marks m = {.bureau = j->bureau, .number = c->number, .operator_user = ctx->actor.user,
				  .approver_user = j->req.decided_by, .at = j->now,
				  .request_id = j->req.id, .content_hash = hash};
		s = write_pdf(ctx->cfg.print_spool, &lines, &m, j->tmp[i], sizeof j->tmp[i], c->sha256,
			      &c->pages, err);
	}
	fk_lines_free(&lines);
	if (s == FK_OK)
		s = record_copy(j, i, c, err);
	return s;
}

static fk_status decide(job *j, fk_gate *g, fk_error *err)
{
	return fk_request_decide_execution(j->ctx, g, &j->req, FK_REQ_PRINT, j->info, j->now, err);
}

static fk_status run(job *j, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	time_t t = (time_t)(j->now / 1000000000) + 9 * 3600; /* the year in JST */
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return fk_fail(err, FK_ERR_INTERNAL, "the clock's time cannot be read");
	j->year = tm.tm_year + 1900;
	fk_status s = check_spool(ctx->cfg.print_spool, err);
	/* A printer that is not there or does not take jobs fails the job before any copy is made,
	 * as a spool that cannot be written does: nothing made, no number used. */
	if (s == FK_OK && j->printer != FK_OK) {
		if (err)
			*err = j->printer_err;
		s = j->printer;
	}
	if (s == FK_OK)
		s = bureau_name(ctx, j->req.bureau_id, j->bureau, sizeof j->bureau, err);
	if (s == FK_OK)
		s = fk_output_first_serial(ctx, &j->serial0, err);
	for (int i = 0; s == FK_OK && i < j->req.n_items; i++)
		if ((s = one_copy(j, i, err)) == FK_OK)
			j->out->n = i + 1;
	if (s == FK_OK)
		s = fk_request_mark_executed(ctx, &j->req, j->now, err);
	return s;
}

/* ---- the printer ---- */

fk_status fk_print_record_send(fk_ctx *ctx, const char *number, int64_t request_id, int resend,
				int printer_job, const char *sha256, fk_status sent, const fk_error *why,
				char *warning, size_t len)
{
	fk_authz_req r = {.op = FK_OP_PRINT_SEND};
	fk_gate g;
	fk_error e;
	char detail[400];
	fk_error_clear(&e);
	snprintf(detail, sizeof detail, "request=%lld%s queue=%.200s job=%d sha256=%s", (long long)request_id,
		 resend ? " resend=1" : "", ctx->cfg.print_queue, printer_job, sha256);
	fk_status s = fk_gate_begin(ctx, &g, &r, number, &e);
	if (s == FK_OK && sent == FK_OK)
		s = fk_gate_end(ctx, &g, FK_OK, detail, &e);
	else if (s == FK_OK) {
		e = *why;
		fk_fail_wrap(&e, "%s", detail);
		fk_gate_end(ctx, &g, sent, NULL, &e);
	}
	/* the copy is on record already; what is missing is the printer's side of it */
	if (s != FK_OK)
		snprintf(warning, len, "what the printer did with copy %s (job %d) could not be recorded: %.200s",
			 number, printer_job, e.msg);
	return s;
}

/* What happened to copy i at the printer. */
static void record_send(job *j, int i, fk_status sent, const fk_error *why)
{
	const fk_print_copy *c = &j->out->copies[i];
	fk_print_record_send(j->ctx, c->number, j->req.id, 0, c->printer_job, c->sha256, sent, why,
			     j->out->warning, sizeof j->out->warning);
}

/* After the commit, each copy to the printer in turn; a copy it took leaves the spool (the
 * record keeps its hash and job id), the rest stay there as recorded PDFs. Sent after the
 * commit, never before: a copy printed must be a copy on record, and one recorded but not
 * printed is the lesser failure (it is in the spool, under its number). */
static void send_copies(job *j)
{
	fk_ctx *ctx = j->ctx;
	fk_print_result *out = j->out;
	fk_ipp_queue q = {ctx->cfg.print_queue, ctx->cfg.print_queue_ca};
	for (int i = 0; i < out->n; i++) {
		fk_print_copy *c = &out->copies[i];
		fk_error e;
		fk_error_clear(&e);
		fk_status s = fk_ipp_send(&q, ctx->actor.user, c->number, c->path, &c->printer_job, &e);
		record_send(j, i, s, &e);
		if (s != FK_OK) {
			out->unsent = out->n - i;
			fk_copy_str(out->printer_said, sizeof out->printer_said, e.msg_arg[0] ? e.msg_arg : e.msg);
			return;
		}
		out->sent++;
		if (unlink(c->path) == 0)
			c->path[0] = '\0';
	}
}

/* After the commit: the counter forward, the files into place. */
static void publish(job *j)
{
	fk_error e;
	fk_print_result *out = j->out;
	if (fk_outseq_put(j->ctx, j->serial0 + out->n - 1, &e) != FK_OK)
		snprintf(out->warning, sizeof out->warning,
			 "the output counter in the key folder could not be moved on (%.160s): tell the administrator", e.msg);
	for (int i = 0; i < out->n; i++) {
		/* link, not rename: an existing file of that name is never replaced. */
		if (link(j->tmp[i], out->copies[i].path) != 0)
			snprintf(out->warning, sizeof out->warning, "copy %s stays as %.120s: %.60s",
				 out->copies[i].number, j->tmp[i], strerror(errno));
		else
			unlink(j->tmp[i]);
	}
	if (sync_dir(j->ctx->cfg.print_spool, &e) != FK_OK && !out->warning[0])
		snprintf(out->warning, sizeof out->warning, "%.200s", e.msg);
	if (j->ctx->cfg.print_queue[0])
		send_copies(j);
}

fk_status fk_print_execute(fk_ctx *ctx, int64_t id, fk_print_result *out, fk_error *err)
{
	fk_gate g;
	struct timespec t0, t1;
	char detail[200] = "";
	job j = {.ctx = ctx, .out = out, .now = fk_authz_now()};
	memset(out, 0, sizeof *out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The printer is asked before the lock is taken: a printer that does not answer may take
	 * its 10 s, and nobody else's write should wait for it. Its answer fails the job (recorded)
	 * only once the job is decided. */
	fk_error_clear(&j.printer_err);
	if (ctx->cfg.print_queue[0])
		j.printer = fk_ipp_check(&(fk_ipp_queue){ctx->cfg.print_queue, ctx->cfg.print_queue_ca},
					 &j.printer_err);
	/* One lock from the decision to the record: nothing changes under the job, and its
	 * copies commit with their records or not at all. */
	fk_status s = fk_request_open_execution(ctx, &g, FK_OP_PRINT_EXECUTE, id, &j.req, err);
	if (s != FK_OK)
		return s;
	j.info = calloc((size_t)j.req.n_items, sizeof *j.info);
	j.tmp = calloc((size_t)j.req.n_items, sizeof *j.tmp);
	out->copies = calloc((size_t)j.req.n_items, sizeof *out->copies);
	if (!j.info || !j.tmp || !out->copies)
		s = fk_gate_end(ctx, &g, fk_fail(err, FK_ERR_NOMEM, "out of memory"), NULL, err);
	else if ((s = decide(&j, &g, err)) == FK_OK) {
		s = run(&j, err);
		if (out->n)
			snprintf(detail, sizeof detail, "copies=%d first=%s last=%s approved_by=%s", out->n,
				 out->copies[0].number, out->copies[out->n - 1].number, j.req.decided_by);
		s = fk_gate_end(ctx, &g, s, detail, err);
		if (s == FK_OK)
			publish(&j);
	}
	if (s != FK_OK) {
		for (int i = 0; j.tmp && i < j.req.n_items; i++)
			if (j.tmp[i][0])
				unlink(j.tmp[i]);
		fk_print_result_free(out);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->ms = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	free(j.info);
	free(j.tmp);
	fk_request_clear(&j.req);
	return s;
}
