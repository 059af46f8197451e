/* The one authorisation decision (R-ACCESS, R-FILES, R-JURIS): may the acting operator do
 * this action to these files now? Every fukuhon access (core/access/access.h) and every grant
 * change (core/access/grant.h) asks fk_authorize first. The rules are in docs/permissions.md. */
#ifndef FK_AUTHZ_H
#define FK_AUTHZ_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "status.h"

/* The four kinds of file (R-FILES); 1 and 2 equal fk_reg_kind. Bit sets use FK_KIND_BIT. */
typedef enum fk_file_kind {
	FK_FILE_KOSEKI = 1, /* 戸籍 */
	FK_FILE_JOSEKI = 2, /* 除籍 */
	FK_FILE_LEDGER = 3, /* 受付帳情報 */
	FK_FILE_DOCS = 4,   /* 届書等情報 */
} fk_file_kind;
#define FK_FILE_KINDS 4
#define FK_KIND_BIT(k) (1u << ((unsigned)(k) - 1u))
#define FK_KINDS_ALL 15u

typedef enum fk_right {
	FK_RIGHT_VIEW = 1,
	FK_RIGHT_EXPORT = 2,
	FK_RIGHT_PRINT = 4,
	FK_RIGHT_DISPOSE = 8,
} fk_right;
#define FK_RIGHTS_ALL 15u

const char *fk_file_kind_id(int kind);   /* "koseki" … "documents"; "?" when unknown */
const char *fk_file_kind_name(int kind); /* "戸籍" … "届書等情報" */
int fk_file_kind_parse(const char *s);   /* either form; -1 when unknown */
/* "view,print" ⇄ bit set; words in either language for kinds. FK_ERR_INVALID
 * names the first unknown word; an empty list is invalid. */
fk_status fk_kinds_parse(const char *list, unsigned *bits, fk_error *err);
fk_status fk_rights_parse(const char *list, unsigned *bits, fk_error *err);
void fk_kinds_format(unsigned bits, char *buf, size_t len);
void fk_rights_format(unsigned bits, char *buf, size_t len);

typedef enum fk_action {
	/* on files: need the right in brackets */
	FK_ACT_LIST = 1, /* a municipality's registers, ledger or documents [view] */
	FK_ACT_SEARCH,   /* search and counts [view] */
	FK_ACT_OPEN,     /* read one register, entry or document [view] */
	FK_ACT_COMPARE,  /* version history and comparison [view] */
	FK_ACT_EXPORT,   /* [export] */
	FK_ACT_PRINT,    /* [print] */
	FK_ACT_DISPOSE,  /* [dispose] */
	/* on grants: decided by role (docs/permissions.md) */
	FK_ACT_GRANT,
	FK_ACT_REVOKE,
	FK_ACT_GRANTS_READ,
} fk_action;

const char *fk_action_id(fk_action a); /* "list", "search", … "grants-read" */

typedef struct fk_authz_req {
	fk_action action;
	/* File actions: the municipality (NULL: any the operator may reach, for
	 * list-wide search and counts). FK_ACT_GRANT: the scope (NULL: all). */
	const char *municipality;
	int kind;               /* file actions: fk_file_kind, 0 = any */
	unsigned kinds, rights; /* FK_ACT_GRANT: what is to be granted */
	int64_t target_operator; /* grant, revoke, grants-read: the grantee (0: none) */
	int64_t target_bureau;   /* grants-read without a grantee: the bureau (0: all) */
	int64_t at;              /* UTC ns the decision is for; 0: now (fk_authz_now) */
} fk_authz_req;

typedef struct fk_authz_decision {
	int allowed;
	int64_t grant_id;   /* file actions: the grant that allows it */
	const char *reason; /* short code for the history: "granted", "no-grant", … */
	char msg[200];      /* one line for the person */
} fk_authz_decision;

/* Decide req for the acting operator (ctx->actor), reading the operator's
 * current role, bureau and enabled state from the database, the
 * municipality's current bureau, and the operator's grants. Returns FK_OK
 * when a decision was made (d->allowed says which); any failure leaves
 * d->allowed 0 (fail closed). A grant found expired whose expiry was never
 * recorded is recorded now ("grant.expired"). Does not record the decision
 * itself: the callers in access.c and grant.c do, with d->reason. */
fk_status fk_authorize(fk_ctx *ctx, const fk_authz_req *req, fk_authz_decision *d, fk_error *err);

/* Effective permissions of operator_id at time at (0: now), by the same
 * rule: one row per municipality of the operator's bureau, rights per kind.
 * No authorisation here: callers check FK_ACT_GRANTS_READ (grant.h). */
typedef struct fk_perm_row {
	char municipality[7];
	char name[96];
	unsigned rights[FK_FILE_KINDS]; /* index kind - 1 */
} fk_perm_row;
typedef struct fk_perm_matrix {
	int64_t operator_id;
	int n;
	fk_perm_row *rows;
} fk_perm_matrix;
fk_status fk_authz_matrix(fk_ctx *ctx, int64_t operator_id, int64_t at, fk_perm_matrix *m,
			  fk_error *err);
void fk_perm_matrix_free(fk_perm_matrix *m);

/* Fill temp.authz_view(municipality, kind) with the pairs the acting
 * operator may view now, limited to municipality (NULL: all) and the kinds
 * in kind_bits; decided by fk_authorize's rule. Search and count SQL join
 * it, so nothing outside it is ever returned. d says whether anything is
 * permitted (and why not); *npairs how many pairs. */
fk_status fk_authz_view_set(fk_ctx *ctx, const char *municipality, unsigned kind_bits,
			    fk_authz_decision *d, int *npairs, fk_error *err);

/* "Now" for every decision and grant. Tests only: fk_authz_set_clock(fn)
 * makes fn the clock (NULL: back to the real one). Not reachable from
 * configuration or the environment. */
int64_t fk_authz_now(void);
void fk_authz_set_clock(int64_t (*fn)(void));

/* Record a decision in the history (R-LOG): a success as such (returns
 * fk_audit's status), a refusal as "denied" with d->reason, then
 * FK_ERR_DENIED with d->msg in err. detail is sealed (may be NULL). */
fk_status fk_authz_record(fk_ctx *ctx, const char *action, const char *object_type,
			  const char *object_id, const fk_authz_decision *d, const char *detail,
			  fk_error *err);

/* Record grant id as expired (once: a second call does nothing). Used by
 * fk_authorize and the sweep (fk_grant_sweep_expired). */
fk_status fk_authz_note_expired(fk_ctx *ctx, int64_t grant_id, fk_error *err);

#endif
