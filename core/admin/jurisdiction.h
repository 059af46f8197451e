/* Which office manages which municipality, changed only by recorded commands (R-JURIS):
 * listing, assigning one municipality, importing a whole table, adding a 支局.
 *
 * A municipality's data keys, index tags and row MACs do not depend on its office (keys and
 * tags are per register and per municipality, the MACs cover no bureau): a move is the one
 * sealed municipality row changed, in the transaction that records it. fk_authorize reads that
 * row at every decision, so a move takes effect at the next one. docs/permissions.md. */
#ifndef FK_JURISDICTION_H
#define FK_JURISDICTION_H

#include <stdint.h>

#include "ctx.h"
#include "refdata.h"
#include "status.h"

#define FK_JURIS_REASON_MAX 200
#define FK_JURIS_FILE_MAX (1024 * 1024)

/* Municipalities with their office (NULL office: all), each row checked as read. Recorded
 * (jurisdiction.list; supervisors, auditors, administrators). FK_ERR_NOTFOUND for an unknown
 * office. */
fk_status fk_jurisdiction_list(fk_ctx *ctx, const char *office, fk_muni_cb cb, void *arg,
			       fk_error *err);

typedef struct fk_juris_move {
	char code[7];
	char from[64], to[64];
	int changed;     /* 0: it was already the office's */
	int idle_grants; /* grants in force naming it whose grantee is of another office now */
} fk_juris_move;

/* Assign municipality code to office, recorded with reason (administrators). The grants
 * naming it for people of the old office stay on record but no longer apply (the rule refuses
 * across offices); idle_grants counts them. */
fk_status fk_jurisdiction_assign(fk_ctx *ctx, const char *code, const char *office,
				 const char *reason, fk_juris_move *out, fk_error *err);

/* What is wrong with a line of an import file. */
typedef enum fk_juris_problem {
	FK_JURIS_MALFORMED = 1,   /* not two fields, or the header is not code,office */
	FK_JURIS_BAD_CODE,        /* not six digits */
	FK_JURIS_CHECK_DIGIT,     /* six digits whose check digit is wrong */
	FK_JURIS_UNKNOWN_CODE,    /* a valid code this terminal does not know */
	FK_JURIS_UNKNOWN_OFFICE,  /* no such 法務局, 地方法務局 or 支局 */
	FK_JURIS_DUPLICATE,       /* the code is on an earlier line too */
} fk_juris_problem;

/* The problem as recorded ("check-digit"), and as one English sentence (a msgid of
 * po/ja.po the edges translate). */
const char *fk_juris_problem_id(fk_juris_problem p);
const char *fk_juris_problem_text(fk_juris_problem p);

typedef void (*fk_juris_problem_fn)(int line, const char *code, const char *office,
				    fk_juris_problem p, void *arg);

typedef struct fk_juris_report {
	int lines, changed, unchanged, problems, idle_grants;
} fk_juris_report;

/* Import a CSV file "code,office" (header first), recorded with reason (administrators). The
 * whole file is checked first: any problem (each handed to fn) refuses it with FK_ERR_INVALID
 * and nothing is applied; the refusal is on record. Otherwise every line is applied in one
 * transaction with the record, each municipality that moves with a record of its own. */
fk_status fk_jurisdiction_import(fk_ctx *ctx, const char *path, const char *reason,
				 fk_juris_problem_fn fn, void *arg, fk_juris_report *rep,
				 fk_error *err);

/* A 支局 under parent (a 法務局 or 地方法務局, in its prefecture), recorded with reason
 * (administrators). FK_ERR_EXISTS for a name taken. */
fk_status fk_jurisdiction_office_add(fk_ctx *ctx, const char *name, const char *kana,
				     const char *parent, const char *reason, int64_t *id,
				     fk_error *err);

#endif
