/* Jurisdiction as data, changed only by recorded commands (jurisdiction.h, R-JURIS). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "gate.h"
#include "grant.h"
#include "jurisdiction.h"
#include "lgcode.h"
#include "norm.h"
#include "trust.h"
#include "util.h"

/* The municipality row as it decides, checked against its MAC, with its office's and
 * prefecture's names. */
static const char SQL_MUNIS[] =
	"SELECT " FK_COLS_MUNICIPALITY ", mac, "
	"(SELECT b.name FROM bureau b WHERE b.id = municipality.bureau_id), "
	"(SELECT p.name FROM prefecture p WHERE p.id = municipality.pref_id) FROM municipality "
	"WHERE (?1 = 0 OR bureau_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR code = ?2) ORDER BY code";
enum { C_BUREAU_NAME = 7, C_PREF_NAME = 8 };
static const char SQL_MOVE[] = "UPDATE municipality SET bureau_id = ?2 WHERE code = ?1";
/* Grants in force that name the municipality for someone of another office: the rule refuses
 * them from now on (authz.c), but they stay on record until revoked. */
static const char SQL_IDLE_GRANTS[] =
	"SELECT count(*) FROM permission_grant g JOIN operator o ON o.id = g.operator_id "
	"WHERE g.municipality = ?1 AND g.revoked_at IS NULL AND o.bureau_id <> ?2";
static const char SQL_OFFICE_ADD[] =
	"INSERT INTO bureau(name, kana, kind, parent_id, pref_id) VALUES (?1, ?2, '支局', ?3, ?4)";

typedef int (*row_fn)(fk_stmt *st, void *arg);

static fk_status each_muni(fk_ctx *ctx, int64_t bureau, const char *code, row_fn fn, void *arg,
			   int *found, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNIS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, bureau);
	if (code)
		fk_sql_bind_text(st, 2, code, -1, SQLITE_STATIC);
	int rc;
	*found = 0;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((s = fk_trust_check(ctx, FK_T_MUNICIPALITY, st, 0, err)) != FK_OK)
			break;
		(*found)++;
		if (fn(st, arg))
			break;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading municipalities");
	return s;
}

static void muni_from(fk_stmt *st, fk_muni *m)
{
	memset(m, 0, sizeof *m);
	const unsigned char *b = fk_sql_column_text(st, C_BUREAU_NAME);
	const unsigned char *p = fk_sql_column_text(st, C_PREF_NAME);
	fk_copy_str(m->code, sizeof m->code, (const char *)fk_sql_column_text(st, FK_C_MUNI_CODE));
	fk_copy_str(m->name, sizeof m->name, (const char *)fk_sql_column_text(st, FK_C_MUNI_NAME));
	fk_copy_str(m->kana, sizeof m->kana, (const char *)fk_sql_column_text(st, FK_C_MUNI_KANA));
	fk_copy_str(m->pref, sizeof m->pref, p ? (const char *)p : "");
	m->bureau_id = fk_sql_column_int64(st, FK_C_MUNI_BUREAU);
	fk_copy_str(m->bureau, sizeof m->bureau, b ? (const char *)b : "");
}

typedef struct list_arg {
	fk_muni_cb cb;
	void *arg;
} list_arg;

static int list_row(fk_stmt *st, void *arg)
{
	list_arg *a = arg;
	fk_muni m;
	muni_from(st, &m);
	return a->cb(&m, a->arg);
}

fk_status fk_jurisdiction_list(fk_ctx *ctx, const char *office, fk_muni_cb cb, void *arg,
			       fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_JURIS_LIST};
	fk_bureau b = {0};
	int found;
	/* Recorded before the rows go out: a callback cannot be taken back. */
	fk_status s = fk_gate_check(ctx, &r, office ? office : "-", NULL, err);
	if (s == FK_OK && office)
		s = fk_bureau_find(ctx, office, &b, err);
	list_arg a = {cb, arg};
	return s == FK_OK ? each_muni(ctx, b.id, NULL, list_row, &a, &found, err) : s;
}

static int copy_row(fk_stmt *st, void *arg)
{
	muni_from(st, arg);
	return 1;
}

/* The municipality as it is now (FK_ERR_NOTFOUND naming it when this terminal lacks it). */
static fk_status muni_now(fk_ctx *ctx, const char *code, fk_muni *m, fk_error *err)
{
	int found;
	fk_status s = each_muni(ctx, 0, code, copy_row, m, &found, err);
	if (s == FK_OK && !found)
		s = fk_fail_id(err, FK_ERR_NOTFOUND, FK_MSG_MUNICIPALITY_UNKNOWN, code, 0);
	return s;
}

/* Move one municipality (known, checked) to office, inside the caller's transaction: the
 * sealed row unsealed, changed and sealed again, which the commit refuses unless recorded. */
static fk_status move(fk_ctx *ctx, const fk_muni *m, const fk_bureau *office, fk_juris_move *out,
		      fk_error *err)
{
	memset(out, 0, sizeof *out);
	fk_copy_str(out->code, sizeof out->code, m->code);
	fk_copy_str(out->from, sizeof out->from, m->bureau);
	fk_copy_str(out->to, sizeof out->to, office->name);
	if (m->bureau_id == office->id)
		return FK_OK;
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(m->code), 0, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_MOVE, &st, err)) == FK_OK) {
		fk_sql_bind_text(st, 1, m->code, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 2, office->id);
		s = fk_ctx_exec(ctx, st, err, "assigning a municipality");
	}
	if (s == FK_OK)
		s = fk_trust_seal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(m->code), err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_IDLE_GRANTS, &st, err)) == FK_OK) {
		fk_sql_bind_text(st, 1, m->code, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 2, office->id);
		int rc = fk_sql_step(st);
		if (rc == SQLITE_ROW)
			out->idle_grants = fk_sql_column_int(st, 0);
		else
			s = fk_db_fail(ctx->db, rc, err, "counting grants");
		fk_sql_reset(st);
	}
	out->changed = s == FK_OK;
	return s;
}

fk_status fk_jurisdiction_assign(fk_ctx *ctx, const char *code, const char *office,
				 const char *reason, fk_juris_move *out, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_JURIS_ASSIGN};
	memset(out, 0, sizeof *out);
	fk_status s = fk_gate_begin(ctx, &g, &r, code, err);
	if (s != FK_OK)
		return s;
	fk_muni m;
	fk_bureau b;
	if ((s = fk_reason_check(reason, FK_GRANT_REASON_MAX, err)) == FK_OK && (s = fk_lgcode_validate(code, err)) == FK_OK &&
	    (s = muni_now(ctx, code, &m, err)) == FK_OK && (s = fk_bureau_find(ctx, office, &b, err)) == FK_OK)
		s = move(ctx, &m, &b, out, err);
	char detail[FK_GRANT_REASON_MAX + 200];
	snprintf(detail, sizeof detail, "from=%s to=%s changed=%d idle_grants=%d reason=%s", out->from,
		 out->to, out->changed, out->idle_grants, reason ? reason : "");
	return fk_gate_end(ctx, &g, s, detail, err);
}

/* ---- import ---- */

const char *fk_juris_problem_id(fk_juris_problem p)
{
	switch (p) {
	case FK_JURIS_MALFORMED: return "malformed";
	case FK_JURIS_BAD_CODE: return "bad-code";
	case FK_JURIS_CHECK_DIGIT: return "check-digit";
	case FK_JURIS_UNKNOWN_CODE: return "unknown-code";
	case FK_JURIS_UNKNOWN_OFFICE: return "unknown-office";
	case FK_JURIS_DUPLICATE: return "duplicate";
	}
	return "?";
}

/* Marks a msgid for xgettext (po/Makevars: --keyword=N_); the edges translate it. */
#define N_(s) s

const char *fk_juris_problem_text(fk_juris_problem p)
{
	switch (p) {
	case FK_JURIS_MALFORMED: return N_("not a line of two fields code,office");
	case FK_JURIS_BAD_CODE: return N_("the code is not six digits");
	case FK_JURIS_CHECK_DIGIT: return N_("the code's check digit is wrong");
	case FK_JURIS_UNKNOWN_CODE: return N_("no such municipality on this terminal");
	case FK_JURIS_UNKNOWN_OFFICE: return N_("no such office");
	case FK_JURIS_DUPLICATE: return N_("the code is on an earlier line too");
	}
	return NULL;
}

typedef struct juris_line {
	int line;
	fk_muni m;
	fk_bureau office;
} juris_line;

typedef struct import_state {
	fk_ctx *ctx;
	juris_line *v;
	int n, cap, problems;
	fk_juris_problem_fn fn;
	void *arg;
	char first[160]; /* the first problem, for the refusal's message */
} import_state;

static void problem(import_state *im, int line, const char *code, const char *office,
		    fk_juris_problem p)
{
	if (!im->problems++)
		snprintf(im->first, sizeof im->first, "line %d: %.6s: %s", line, code,
			 fk_juris_problem_id(p));
	if (im->fn)
		im->fn(line, code, office, p, im->arg);
}

static fk_juris_problem code_problem(const char *code)
{
	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return FK_JURIS_BAD_CODE;
	char body[6];
	memcpy(body, code, 5);
	body[5] = '\0';
	return fk_lgcode_check_digit(body) == code[5] - '0' ? 0 : FK_JURIS_CHECK_DIGIT;
}

/* One line checked; kept when good. A failure to read the database stops the import. */
static fk_status check_line(import_state *im, int line, char **f, int nf, fk_error *err)
{
	if (nf != 2) {
		problem(im, line, nf > 0 ? f[0] : "", "", FK_JURIS_MALFORMED);
		return FK_OK;
	}
	fk_juris_problem p = code_problem(f[0]);
	if (p) {
		problem(im, line, f[0], f[1], p);
		return FK_OK;
	}
	for (int i = 0; i < im->n; i++)
		if (!strcmp(im->v[i].m.code, f[0])) {
			problem(im, line, f[0], f[1], FK_JURIS_DUPLICATE);
			return FK_OK;
		}
	if (im->n == im->cap) {
		int cap = im->cap ? im->cap * 2 : 256;
		juris_line *v = realloc(im->v, (size_t)cap * sizeof *v);
		if (!v)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		im->v = v;
		im->cap = cap;
	}
	juris_line *l = &im->v[im->n];
	l->line = line;
	fk_error e;
	fk_status s = muni_now(im->ctx, f[0], &l->m, &e);
	if (s == FK_ERR_NOTFOUND) {
		problem(im, line, f[0], f[1], FK_JURIS_UNKNOWN_CODE);
		return FK_OK;
	}
	if (s == FK_OK)
		s = fk_bureau_find(im->ctx, f[1], &l->office, &e);
	if (s == FK_ERR_NOTFOUND) {
		problem(im, line, f[0], f[1], FK_JURIS_UNKNOWN_OFFICE);
		return FK_OK;
	}
	if (s != FK_OK) {
		*err = e;
		return s;
	}
	im->n++;
	return FK_OK;
}

/* The whole file checked: the good lines in im->v, each problem handed on. */
static fk_status check_file(import_state *im, char *buf, fk_error *err)
{
	char *p = buf, *f[4];
	if (!strncmp(p, "\xef\xbb\xbf", 3)) /* UTF-8 byte-order mark */
		p += 3;
	int nf = fk_csv_record(&p, f, 4), line = 1;
	if (nf != 2 || strcmp(f[0], "code") || strcmp(f[1], "office")) {
		problem(im, 1, "", "", FK_JURIS_MALFORMED);
		return FK_OK;
	}
	fk_status s = FK_OK;
	while (s == FK_OK && (nf = fk_csv_record(&p, f, 4)) != 0) {
		line++;
		if (nf < 0) {
			/* An open quote: where the next line starts is unknown, so the rest is unread. */
			problem(im, line, "", "", FK_JURIS_MALFORMED);
			break;
		}
		if (nf == 1 && !f[0][0])
			continue; /* an empty line */
		if (!fk_utf8_valid(f[0], strlen(f[0])) || (nf > 1 && !fk_utf8_valid(f[1], strlen(f[1]))))
			nf = 0; /* not text: malformed */
		s = check_line(im, line, f, nf, err);
	}
	return s;
}

static fk_status apply(import_state *im, fk_juris_report *rep, fk_error *err)
{
	fk_status s = FK_OK;
	for (int i = 0; i < im->n && s == FK_OK; i++) {
		fk_juris_move mv;
		if ((s = move(im->ctx, &im->v[i].m, &im->v[i].office, &mv, err)) != FK_OK)
			break;
		rep->idle_grants += mv.idle_grants;
		if (!mv.changed) {
			rep->unchanged++;
			continue;
		}
		rep->changed++;
		char detail[200];
		snprintf(detail, sizeof detail, "from=%s to=%s idle_grants=%d line=%d", mv.from, mv.to,
			 mv.idle_grants, im->v[i].line);
		/* Each move on record by itself, in the import's transaction: the history answers
		 * "since when is this municipality that office's" without the file. */
		s = fk_audit_op(im->ctx, FK_OP_JURIS_MOVE, mv.code, FK_RESULT_SUCCESS, "import", detail, err);
	}
	return s;
}

fk_status fk_jurisdiction_import(fk_ctx *ctx, const char *path, const char *reason,
				 fk_juris_problem_fn fn, void *arg, fk_juris_report *rep,
				 fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_JURIS_IMPORT};
	memset(rep, 0, sizeof *rep);
	const char *base = strrchr(path, '/');
	fk_status s = fk_gate_begin(ctx, &g, &r, base ? base + 1 : path, err);
	if (s != FK_OK)
		return s;
	import_state im = {.ctx = ctx, .fn = fn, .arg = arg};
	char *buf = NULL;
	if ((s = fk_reason_check(reason, FK_GRANT_REASON_MAX, err)) == FK_OK)
		s = fk_read_file(path, FK_JURIS_FILE_MAX, &buf, NULL, err);
	if (s == FK_OK)
		s = check_file(&im, buf, err);
	rep->lines = im.n + im.problems;
	rep->problems = im.problems;
	/* Nothing is applied from a file with any problem: a half-applied table is worse than
	 * none, and the administrator corrects the file and imports it again. */
	if (s == FK_OK && im.problems)
		s = fk_fail(err, FK_ERR_INVALID, "%d problem%s in %.80s, nothing applied (first: %s)",
			    im.problems, im.problems == 1 ? "" : "s", base ? base + 1 : path, im.first);
	if (s == FK_OK)
		s = apply(&im, rep, err);
	free(buf);
	free(im.v);
	char detail[FK_GRANT_REASON_MAX + 200];
	snprintf(detail, sizeof detail, "lines=%d changed=%d unchanged=%d problems=%d idle_grants=%d reason=%s",
		 rep->lines, rep->changed, rep->unchanged, rep->problems, rep->idle_grants,
		 reason ? reason : "");
	return fk_gate_end(ctx, &g, s, detail, err);
}

/* ---- offices ---- */

static fk_status check_name(const char *name, size_t max, fk_error *err)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > max || !fk_utf8_valid(name, n))
		return fk_fail(err, FK_ERR_INVALID, "an office's name and reading are 1 to %zu bytes of UTF-8", max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == ',' || name[i] == '"')
			return fk_fail(err, FK_ERR_INVALID, "an office's name has no control characters, commas or quotes");
	return FK_OK;
}

static fk_status office_insert(fk_ctx *ctx, const char *name, const char *kana, const fk_bureau *p,
			       int64_t *id, fk_error *err)
{
	fk_bureau taken;
	fk_error e;
	if (fk_bureau_find(ctx, name, &taken, &e) == FK_OK)
		return fk_fail(err, FK_ERR_EXISTS, "an office named %.60s exists already", name);
	/* Only the bureaus have 支局 (a 支局 of a 支局 does not exist): one level, so the rule of
	 * docs/permissions.md "a bureau and its 支局" is never a chain. */
	if (strcmp(p->kind, "法務局") && strcmp(p->kind, "地方法務局"))
		return fk_fail(err, FK_ERR_INVALID, "a 支局 belongs to a 法務局 or 地方法務局, not to %.60s",
			       p->name);
	int offices, munis;
	fk_status s = fk_refdata_counts(ctx, &offices, &munis, err);
	if (s != FK_OK)
		return s;
	if (offices >= FK_OFFICES_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a terminal holds at most %d offices", FK_OFFICES_MAX);
	fk_stmt *st;
	if ((s = fk_ctx_stmt(ctx, SQL_OFFICE_ADD, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, name, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, kana ? kana : "", -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 3, p->id);
	fk_sql_bind_int(st, 4, p->pref_id);
	if ((s = fk_ctx_exec(ctx, st, err, "adding an office")) != FK_OK)
		return s;
	*id = fk_sql_last_insert_rowid(ctx->db);
	return fk_trust_seal(ctx, FK_T_BUREAU, FK_VAL_INT(*id), err);
}

fk_status fk_jurisdiction_office_add(fk_ctx *ctx, const char *name, const char *kana,
				     const char *parent, const char *reason, int64_t *id,
				     fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_JURIS_OFFICE_ADD};
	*id = 0;
	fk_status s = fk_gate_begin(ctx, &g, &r, name, err);
	if (s != FK_OK)
		return s;
	fk_bureau p;
	if ((s = fk_reason_check(reason, FK_GRANT_REASON_MAX, err)) == FK_OK && (s = check_name(name, 63, err)) == FK_OK &&
	    (!kana || !*kana || (s = check_name(kana, 127, err)) == FK_OK) &&
	    (s = fk_bureau_find(ctx, parent, &p, err)) == FK_OK)
		s = office_insert(ctx, name, kana, &p, id, err);
	char detail[FK_GRANT_REASON_MAX + 200];
	snprintf(detail, sizeof detail, "id=%lld kind=支局 parent=%s reason=%s", (long long)*id,
		 parent ? parent : "", reason ? reason : "");
	return fk_gate_end(ctx, &g, s, detail, err);
}
