/* The one authorisation decision (R-ACCESS, R-FILES, R-JURIS): may the acting operator do
 * this action to these files now? Every fukuhon access (core/access/access.h) and every grant
 * change (core/access/grant.h) asks fk_authorize first. The rules are in docs/permissions.md. */
#ifndef FK_AUTHZ_H
#define FK_AUTHZ_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "ops.h"
#include "status.h"

const char *fk_file_kind_id(int kind);   /* "koseki" … "documents"; "?" when unknown */
const char *fk_file_kind_name(int kind); /* "戸籍" … "届書等情報" */
int fk_file_kind_parse(const char *s);   /* either form; -1 when unknown */
/* "view,print" ⇄ bit set; words in either language for kinds. FK_ERR_INVALID
 * names the first unknown word; an empty list is invalid. */
fk_status fk_kinds_parse(const char *list, unsigned *bits, fk_error *err);
fk_status fk_rights_parse(const char *list, unsigned *bits, fk_error *err);
void fk_kinds_format(unsigned bits, char *buf, size_t len);
void fk_rights_format(unsigned bits, char *buf, size_t len);

/* Why a decision went the way it did: recorded as its id, shown as its sentence
 * (fk_reason_text, authz_names.c; translated by the console, tui/reasons.c). Allowed ones
 * first. A new reason needs its sentence there and in po/ja.po (tests/test_reasons.c). */
#define FK_REASON_LIST(X)                                         \
	X(NONE, "")                                               \
	X(GRANTED, "granted")        /* a grant in force allows it */   \
	X(BY_ROLE, "role")           /* the person's role allows it */  \
	X(OWN, "own")                /* one's own grants */             \
	X(ENROLLED, "enrolled")      /* any enrolled person may */      \
	X(PUBLIC, "public")          /* public reference data */        \
	X(SYSTEM, "system")          /* the terminal's own step */      \
	X(NOTHING_GRANTED, "nothing-granted") /* a home with no grant */ \
	X(NOT_ENROLLED, "not-enrolled")                           \
	X(DISABLED, "disabled")                                   \
	X(ROLE, "role")                                           \
	X(INVALID, "invalid-request")                             \
	X(UNKNOWN_MUNICIPALITY, "unknown-municipality")           \
	X(JURISDICTION, "jurisdiction")                           \
	X(GRANT_EXPIRED, "grant-expired")                         \
	X(GRANT_PENDING, "grant-not-yet-valid")                   \
	X(GRANT_REVOKED, "grant-revoked")                         \
	X(NO_GRANT, "no-grant")                                   \
	X(SELF, "self")                                           \
	X(GRANTEE_ROLE, "grantee-role")                           \
	X(UNKNOWN_OPERATOR, "unknown-operator")                   \
	X(NOT_FOUND, "not-found")                                 \
	X(NOT_TESTING, "not-a-test-terminal")                     \
	X(TAMPERED, "tampered")                                   \
	X(ERROR, "error")                                         \
	/* the four-eyes workflow (core/approve/) */              \
	X(OWN_REQUEST, "own-request")                             \
	X(NOT_WAITING, "not-waiting")                             \
	X(NOT_APPROVED, "not-approved")                           \
	X(APPROVAL_EXPIRED, "approval-expired")                   \
	X(EXECUTED, "already-executed")                           \
	X(NOT_REQUESTER, "not-requester")                         \
	X(REGISTER_CHANGED, "register-changed")                   \
	X(REGISTER_GONE, "register-gone")                         \
	X(REGISTER_STAGING, "register-staging")                   \
	X(NOT_RETURNED, "not-returned")                           \
	X(NOT_AS_RETURNED, "not-as-returned")                     \
	/* a return given up (core/approve/retcancel.h), what a running return holds, a copy \
	 * another process is sending (resend.h) */                \
	X(NOT_RUNNING, "not-running")                             \
	X(NOT_REQUESTER_NOR_SUPERVISOR, "not-requester-nor-supervisor") \
	X(RETURN_CANCELLED, "return-cancelled")                   \
	X(RETURN_RUNNING, "return-running")                       \
	X(BEING_SENT, "being-sent")

typedef enum fk_reason {
#define FK_REASON_ENUM(id, code) FK_WHY_##id,
	FK_REASON_LIST(FK_REASON_ENUM)
#undef FK_REASON_ENUM
	FK_WHY_COUNT
} fk_reason;

const char *fk_reason_id(fk_reason r); /* as recorded: "jurisdiction" */
/* The reason as one English sentence for the person refused ("Your grant for this has
 * expired."). The core has no gettext: the sentence is a msgid (po/ja.po) that the edges
 * translate (tui/reasons.c) or print as it is (fukuhonctl). NULL only out of range. */
const char *fk_reason_text(fk_reason r);

typedef struct fk_authz_req {
	fk_op op;
	/* File operations: the municipality (NULL: any the operator may reach, for
	 * list-wide search and counts). FK_OP_GRANT_ADD: the scope (NULL: all). */
	const char *municipality;
	int kind;               /* file operations: fk_file_kind, 0 = any */
	unsigned kinds, rights; /* FK_OP_GRANT_ADD: what is to be granted */
	int64_t target_operator; /* grant, revoke, grants read: the grantee (0: none; for a
				  * revoke, a grant that does not exist: decided on the role) */
	int64_t target_bureau;   /* grants read without a grantee: the bureau (0: all); a
				  * request decided (FK_RULE_APPROVE): the request's bureau */
	const char *target_name; /* lockout unlock: the account (nobody unlocks their own) */
	int64_t at;              /* UTC ns the decision is for; 0: now (fk_authz_now) */
} fk_authz_req;

typedef struct fk_authz_decision {
	int allowed;
	int64_t grant_id; /* file operations: the grant that allows it */
	fk_reason reason; /* recorded as fk_reason_id */
	char msg[200];    /* one line for the person (English; the console shows the reason) */
} fk_authz_decision;

/* Decide req for the acting person (ctx->actor) by the rule of req->op's row in the
 * operation table (ops.h), reading from the database as it is at this moment — every row
 * checked against its MAC (core/trust) — the person's role, bureau and enabled state, the
 * municipality's bureau and the person's grants. Returns FK_OK when a decision was made
 * (d->allowed says which); any failure leaves d->allowed 0 (fail closed). A grant found
 * expired whose expiry was never recorded is recorded now ("grant.expired"). Does not
 * record the decision itself: the gate (gate.h) does. */
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

/* Record grant id as expired (once: a second call does nothing). Used by
 * fk_authorize and the sweep (fk_grant_sweep_expired). */
fk_status fk_authz_note_expired(fk_ctx *ctx, int64_t grant_id, fk_error *err);

#endif
