/* Sending again a copy left in the spool (resend.h): decided and recorded under the write lock
 * like a print's execution, sent after the commit like a print's copies. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "gate.h"
#include "ipp.h"
#include "printjob.h"
#include "regver.h"
#include "resend.h"
#include "str.h"
#include "trust.h"
#include "util.h"

int fk_print_resend_test_printer = 0;

/* The printer asked, or the copy sent: through libcups, or (tests only) pretended. */
static fk_status printer_check(const fk_ipp_queue *q, fk_error *err)
{
	return fk_print_resend_test_printer ? FK_OK : fk_ipp_check(q, err);
}

static fk_status printer_send(const fk_ipp_queue *q, const char *user, const char *title, const char *path,
			      int *job, fk_error *err)
{
	if (fk_print_resend_test_printer) {
		*job = 1;
		return FK_OK;
	}
	return fk_ipp_send(q, user, title, path, job, err);
}

static const char SQL_BY_NUMBER[] =
	"SELECT " FK_COLS_PRINT_OUTPUT ", mac FROM print_output WHERE number = ?1";
static const char SQL_BY_REQUEST[] =
	"SELECT " FK_COLS_PRINT_OUTPUT ", mac FROM print_output WHERE request_id = ?1 ORDER BY serial";
/* Where each column stands among FK_COLS_PRINT_OUTPUT (rows.h). */
enum { C_REQUEST = 1, C_REGISTER = 2, C_NUMBER = 7, C_OPERATOR = 8, C_SHA256 = 12, C_FILE = 13 };

typedef struct copy_row {
	int64_t request_id, register_id;
	char number[48], operator_user[72], sha256[65], file[128];
} copy_row;

static void row_of(fk_stmt *st, copy_row *c)
{
	c->request_id = fk_sql_column_int64(st, C_REQUEST);
	c->register_id = fk_sql_column_int64(st, C_REGISTER);
	fk_copy_str(c->number, sizeof c->number, (const char *)fk_sql_column_text(st, C_NUMBER));
	fk_copy_str(c->operator_user, sizeof c->operator_user, (const char *)fk_sql_column_text(st, C_OPERATOR));
	fk_copy_str(c->sha256, sizeof c->sha256, (const char *)fk_sql_column_text(st, C_SHA256));
	fk_copy_str(c->file, sizeof c->file, (const char *)fk_sql_column_text(st, C_FILE));
}

/* The copy numbered number, its row's MAC checked: FK_ERR_NOTFOUND when there is none. */
static fk_status copy_get(fk_ctx *ctx, const char *number, copy_row *c, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_BY_NUMBER, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_PRINT_OUTPUT, st, 0, err)) == FK_OK)
		row_of(st, c);
	else if (rc == SQLITE_DONE)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no printed copy has the output number %s", number);
	else if (rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading the printed copy");
	fk_sql_reset(st);
	return s;
}

/* The SHA-256 (hex) of the regular file at path, not followed through a link: 1 when read,
 * 0 when there is no such file, -1 when it cannot be read. */
static int file_sha256(const char *path, char hex[65])
{
	unsigned char buf[16384], d[32];
	unsigned dl = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat st;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	while (ok && (n = read(fd, buf, sizeof buf)) != 0)
		ok = n > 0 && EVP_DigestUpdate(md, buf, (size_t)n) == 1;
	ok = ok && EVP_DigestFinal_ex(md, d, &dl) == 1 && dl == 32;
	EVP_MD_CTX_free(md);
	close(fd);
	if (ok)
		fk_hex(d, 32, hex);
	return ok ? 1 : -1;
}

static int spool_path(fk_ctx *ctx, const copy_row *c, char *path, size_t len)
{
	/* The name on record is the terminal's own (fukuhon-<bureau>-<year>-<serial>.pdf): one
	 * with a slash did not come from it. */
	return !strchr(c->file, '/') && c->file[0] != '.' &&
	       (size_t)snprintf(path, len, "%s/%s", ctx->cfg.print_spool, c->file) < len;
}

/* A copy being sent again is claimed first: renamed, under the write lock, to its name with
 * CLAIMED after it, and locked (flock) by the process sending it until it is sent or put back.
 * Two re-sends of one copy at once (two terminals, two commands) would otherwise both find it
 * in the spool — the second decided right after the first's commit, while the first is still
 * sending — and the printer would get the same numbered copy twice. A claimed copy whose lock
 * is free was left by a process that died while sending: it is taken over. */
#define CLAIMED ".sending"

/* The spool's copy for this re-send: the file at path, or one claimed and left (its lock
 * free), opened and locked into *fd. 1: found; 0: none; 2: being sent by another process;
 * -1: it cannot be read. */
static int claim_open(const char *path, const char *claimed, int *fd)
{
	*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT)
		*fd = open(claimed, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	int busy = errno == EWOULDBLOCK;
	close(*fd);
	*fd = -1;
	return busy ? 2 : -1;
}

/* Everything the decision needs, read and decided under the gate's lock; the copy claimed
 * (*fd locked, the file at claimed) when it may be sent. */
static fk_status decide(fk_ctx *ctx, fk_gate *g, const copy_row *c, char *path, size_t len,
			char *claimed, size_t clen, int *fd, fk_request *r, int64_t now, fk_error *err)
{
	char msg[300], have[65];
	fk_reg_info info;
	fk_error nf;
	fk_status s = fk_request_get(ctx, c->request_id, r, &nf);
	if (s != FK_OK) {
		if (err)
			*err = nf;
		return fk_gate_end(ctx, g, s, NULL, err);
	}
	/* The four eyes stand: the copy is the one the approved print made, and only the person
	 * who asked for it and carried it out sends it, while the approval would still allow it. */
	if (r->kind != FK_REQ_PRINT || r->state != FK_REQ_EXECUTED)
		return fk_gate_refuse(ctx, g, FK_WHY_INVALID, "this output number is not a copy of a print carried out", err);
	if (r->requester_id != ctx->actor.operator_id || strcmp(c->operator_user, ctx->actor.user) != 0)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_REQUESTER, "only the person who printed a copy sends it again", err);
	if (now > r->valid_until)
		return fk_gate_refuse(ctx, g, FK_WHY_APPROVAL_EXPIRED, "the print's approval has ended: "
				      "a copy is sent again only while it would still allow the print", err);
	if ((s = fk_store_info(ctx, c->register_id, &info, &nf)) == FK_ERR_NOTFOUND)
		return fk_gate_refuse(ctx, g, FK_WHY_REGISTER_GONE, "the register printed no longer exists or was disposed of", err);
	if (s != FK_OK) {
		if (err)
			*err = nf;
		return fk_gate_end(ctx, g, s, NULL, err);
	}
	fk_authz_req q = {.op = FK_OP_PRINT_RESEND, .municipality = info.municipality, .kind = (int)info.kind};
	if ((s = fk_gate_decide(ctx, g, &q, err)) != FK_OK)
		return s;
	if (!spool_path(ctx, c, path, len) || (size_t)snprintf(claimed, clen, "%s" CLAIMED, path) >= clen)
		return fk_gate_refuse(ctx, g, FK_WHY_TAMPERED, "the copy's file name on record is not the terminal's", err);
	int got = claim_open(path, claimed, fd);
	if (got == 2)
		return fk_gate_refuse(ctx, g, FK_WHY_BEING_SENT, "this copy is being sent by another terminal or "
				      "command: try again when it is done (a copy is sent once at a time)", err);
	if (got == 1 && (rename(path, claimed) != 0 && errno != ENOENT))
		got = -1;
	if (got == 1)
		got = file_sha256(claimed, have);
	if (got == 0)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_FOUND, "this copy is not in the print spool "
				      "(the printer took it, or it was removed)", err);
	if (got < 0)
		return fk_gate_end(ctx, g, fk_fail(err, FK_ERR_IO, "the copy in the spool cannot be read"), NULL, err);
	if (strcmp(have, c->sha256) != 0) {
		snprintf(msg, sizeof msg, "the file in the spool is not the copy on record (SHA-256 %.16s…, "
			 "recorded %.16s…)", have, c->sha256);
		return fk_gate_refuse(ctx, g, FK_WHY_TAMPERED, msg, err);
	}
	return FK_OK;
}

fk_status fk_print_resend(fk_ctx *ctx, const char *number, fk_resend_result *out, fk_error *err)
{
	copy_row c = {0};
	fk_request r = {0};
	fk_gate g;
	fk_error pe, e;
	char path[1200], claimed[1220], detail[400];
	int fd = -1;
	int64_t now = fk_authz_now();
	memset(out, 0, sizeof *out);
	/* Asked before the lock, as a print does: a printer that does not answer may take 10 s. Its
	 * answer (or its absence from the configuration) counts once the re-send is decided, so
	 * that every attempt is on record as a refusal or a failure. */
	fk_ipp_queue q = {ctx->cfg.print_queue, ctx->cfg.print_queue_ca};
	fk_error_clear(&pe);
	fk_status printer = ctx->cfg.print_queue[0] ? printer_check(&q, &pe)
				: fk_fail(&pe, FK_ERR_CONFIG, "no printer is configured (print_queue): a copy "
					  "in the spool is sent again only to it");
	fk_status s = fk_gate_open(ctx, &g, FK_OP_PRINT_RESEND, number, err);
	if (s != FK_OK)
		return s;
	s = copy_get(ctx, number, &c, &e);
	if (s == FK_ERR_NOTFOUND)
		return fk_gate_refuse(ctx, &g, FK_WHY_NOT_FOUND, "no printed copy has this output number", err);
	if (s != FK_OK) {
		if (err)
			*err = e;
		return fk_gate_end(ctx, &g, s, NULL, err);
	}
	s = decide(ctx, &g, &c, path, sizeof path, claimed, sizeof claimed, &fd, &r, now, err);
	fk_request_clear(&r);
	if (s == FK_OK && printer != FK_OK) {
		if (err)
			*err = pe;
		s = fk_gate_end(ctx, &g, printer, NULL, err);
	} else if (s == FK_OK) {
		snprintf(detail, sizeof detail, "request=%lld register=%lld sha256=%s file=%.100s resend of the copy",
			 (long long)c.request_id, (long long)c.register_id, c.sha256, c.file);
		s = fk_gate_end(ctx, &g, FK_OK, detail, err);
	}
	if (s == FK_OK) {
		/* Sent after the commit, as a print's copies are: a copy printed is a copy on record. */
		fk_copy_str(out->number, sizeof out->number, c.number);
		out->request_id = c.request_id;
		fk_error_clear(&e);
		s = printer_send(&q, ctx->actor.user, c.number, claimed, &out->printer_job, &e);
		fk_print_record_send(ctx, c.number, c.request_id, 1, out->printer_job, c.sha256, s, &e, out->warning,
				     sizeof out->warning);
		if (s != FK_OK && err)
			*err = e;
	}
	if (fd >= 0 && s == FK_OK && unlink(claimed) != 0 && !out->warning[0])
		snprintf(out->warning, sizeof out->warning, "the printer took copy %s but it stays in the spool: %s",
			 c.number, strerror(errno));
	/* Not sent (refused after the claim, or the printer failed): back under its own name, to
	 * be sent again. */
	if (fd >= 0 && s != FK_OK)
		(void)rename(claimed, path);
	if (fd >= 0)
		close(fd); /* the claim's lock with it */
	return s;
}

const char *fk_spool_state_id(fk_spool_state s)
{
	return s == FK_SPOOL_WAITING ? "waiting" : s == FK_SPOOL_INTERRUPTED ? "interrupted"
	       : s == FK_SPOOL_SENDING ? "sending" : "?";
}

/* Where the copy at path stands: under its own name (waiting), or claimed (path CLAIMED) and
 * left by a re-send that died (its lock free: interrupted) or being sent (locked); 0 when it
 * is not in the spool. Its content is checked against the record when it is sent again (a
 * file that is not the copy is refused then, and said so). The lock is only tried, shared, and
 * let go at once. */
static fk_spool_state spool_state(const char *path)
{
	char claimed[1220], have[65];
	if (file_sha256(path, have) == 1)
		return FK_SPOOL_WAITING;
	if ((size_t)snprintf(claimed, sizeof claimed, "%s" CLAIMED, path) >= sizeof claimed ||
	    file_sha256(claimed, have) != 1)
		return 0;
	int fd = open(claimed, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	fk_spool_state s = flock(fd, LOCK_SH | LOCK_NB) == 0 ? FK_SPOOL_INTERRUPTED : FK_SPOOL_SENDING;
	close(fd);
	return s;
}

fk_status fk_print_spooled(fk_ctx *ctx, int64_t id, fk_spooled *copies, int max, int *n, fk_error *err)
{
	fk_stmt *st;
	char path[1200];
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_BY_REQUEST, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = SQLITE_DONE;
	while (s == FK_OK && *n < max && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		copy_row c;
		if ((s = fk_trust_check(ctx, FK_T_PRINT_OUTPUT, st, 0, err)) != FK_OK)
			break;
		row_of(st, &c);
		/* Someone else's copies are not theirs to send: not listed. */
		fk_spool_state at = strcmp(c.operator_user, ctx->actor.user) == 0 && spool_path(ctx, &c, path, sizeof path)
					    ? spool_state(path) : 0;
		if (at) {
			fk_copy_str(copies[*n].number, sizeof copies[*n].number, c.number);
			copies[(*n)++].state = at;
		}
	}
	if (s == FK_OK && *n < max && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing the printed copies");
	fk_sql_reset(st);
	return s;
}
