/* Grants of file permissions (R-FILES): made, revoked and read by supervisors and the
 * administrator, each decided by fk_authorize and recorded (R-LOG). Also what the
 * supervisor's screens show: a bureau's operators with their grants, an operator's
 * effective matrix, and the grants about to expire. Rules: docs/permissions.md. */
#ifndef FK_GRANT_H
#define FK_GRANT_H

#include <stdint.h>

#include "authz.h"
#include "ctx.h"
#include "operator.h"
#include "status.h"

#define FK_GRANT_REASON_MAX 400


typedef struct fk_grant_spec {
	const char *user;         /* the grantee */
	const char *municipality; /* NULL: every municipality of the grantee's bureau */
	unsigned kinds, rights;   /* FK_KIND_BIT(fk_file_kind) and fk_right bit sets */
	int64_t valid_from;       /* UTC ns; 0: now */
	int64_t valid_until;      /* UTC ns; 0: until revoked */
	const char *reason;       /* required: 1–400 bytes of UTF-8 */
} fk_grant_spec;

/* Grant (recorded as "grant.add", refusals too). FK_ERR_DENIED when the
 * actor may not make this grant (err says why), FK_ERR_NOTFOUND for an
 * unknown grantee, FK_ERR_INVALID for a bad spec. */
fk_status fk_grant_add(fk_ctx *ctx, const fk_grant_spec *spec, int64_t *id, fk_error *err);

/* What fk_grant_add would refuse now, the reason left out: the terms, the grantee, and the
 * decision of the grant rule, made as fk_grant_add makes it, nothing granted (the console's
 * form says a refusal before asking for the reason: issue 11, item 4). With record, a
 * refusal is recorded as grant.add's (the form's [Grant]); without, nothing is (a field just
 * changed). Advisory: fk_grant_add decides and records everything again. */
fk_status fk_grant_precheck(fk_ctx *ctx, const fk_grant_spec *spec, int record, fk_error *err);

/* Revoke grant id ("grant.revoke"). Grants are never changed in place: a
 * change is a revoke and a new grant, both recorded. */
fk_status fk_grant_revoke(fk_ctx *ctx, int64_t id, const char *reason, fk_error *err);

typedef enum fk_grant_state {
	FK_GRANT_ACTIVE,
	FK_GRANT_PENDING, /* not yet valid */
	FK_GRANT_EXPIRED,
	FK_GRANT_REVOKED,
} fk_grant_state;
const char *fk_grant_state_id(fk_grant_state s); /* "active", "pending", "expired", "revoked" */

typedef struct fk_grant {
	int64_t id, operator_id, bureau_id;
	char user[72], bureau[64];
	char municipality[7]; /* "" = all of the grantee's bureau */
	char muni_name[96];
	unsigned kinds, rights;
	int64_t valid_from, valid_until; /* valid_until 0: none */
	int64_t granted_at, revoked_at;  /* revoked_at 0: not revoked */
	char granted_by[72], revoked_by[72];
	char reason[FK_GRANT_REASON_MAX + 1], revoke_reason[FK_GRANT_REASON_MAX + 1];
	fk_grant_state state; /* now */
} fk_grant;

/* A grant from a row of the grants' query (its columns, then the operator's name, bureau and
 * the municipality's name) as of now, without checking the row's MAC: the caller checks it
 * (the benchmark's bare read alone does not). */
void fk_grant_fill(fk_stmt *st, int64_t now, fk_grant *g);

typedef struct fk_grant_filter {
	const char *user;        /* NULL: any grantee */
	int64_t bureau_id;       /* 0: any bureau (administrator and auditor only) */
	int active_only;         /* only grants in force now */
	int64_t expiring_before; /* 0: any; else in-force grants ending by this time */
} fk_grant_filter;

typedef int (*fk_grant_cb)(const fk_grant *g, void *arg); /* non-zero stops */

/* Grants matching f, by id ("grant.list"). Who may read what: fk_authorize
 * with FK_ACT_GRANTS_READ (a supervisor its bureau's, an operator its own). */
fk_status fk_grant_list(fk_ctx *ctx, const fk_grant_filter *f, fk_grant_cb cb, void *arg,
			fk_error *err);

/* One page of the grants matching f, by id after after_id (0: the first page), at most limit
 * (1..FK_GRANT_PAGE_MAX): decided as fk_grant_list and recorded with the ids shown, each row
 * checked against its MAC. *rest (rest NULL: not counted, one statement fewer): how many
 * grants match from after_id on, this page's included (a screen's count is what it loaded
 * before plus *rest). A screen of a bureau's 10,000 grants asks what it shows, not all of
 * them (issue 14). */
#define FK_GRANT_PAGE_MAX 1024
fk_status fk_grant_page(fk_ctx *ctx, const fk_grant_filter *f, int64_t after_id, int limit,
			fk_grant *out, int *n, int64_t *rest, fk_error *err);

/* In-force grants of bureau_id (0: all, where allowed) that end within days. */
fk_status fk_grant_expiring(fk_ctx *ctx, int64_t bureau_id, int days, fk_grant_cb cb, void *arg,
			    fk_error *err);

/* The operators of bureau_id in user-name order, each with its grants (all
 * states; grants[] is valid during the call only). */
typedef int (*fk_grant_operator_cb)(const fk_operator *op, const fk_grant *grants, int n,
				    void *arg);
fk_status fk_grant_bureau_operators(fk_ctx *ctx, int64_t bureau_id, fk_grant_operator_cb cb,
				    void *arg, fk_error *err);

/* user's effective permissions now: municipalities × kinds × rights. */
fk_status fk_grant_matrix(fk_ctx *ctx, const char *user, fk_perm_matrix *m, fk_error *err);

/* Record the expiry of every grant that has ended and was not yet recorded
 * (called at start by the console and by `fukuhonctl grants`); *n how many. */
fk_status fk_grant_sweep_expired(fk_ctx *ctx, int *n, fk_error *err);

/* A reason people give (a grant's, a revoke's, a lockdown's, a jurisdiction change's): one line
 * of UTF-8, 1 to max bytes (FK_GRANT_REASON_MAX for all of these);
 * the refusals are ids the console translates (FK_MSG_REASON_*). */
fk_status fk_reason_check(const char *reason, size_t max, fk_error *err);

#endif
