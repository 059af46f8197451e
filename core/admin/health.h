/* The terminal's state at a glance: counts, schema, keys, database integrity (R-DETECT, first part). */
#ifndef FK_HEALTH_H
#define FK_HEALTH_H

#include <stdint.h>

#include "ctx.h"
#include "pki_admin.h"
#include "status.h"
#include "trust.h"

typedef struct fk_health {
	char terminal_id[64];
	unsigned schema_version;
	uint32_t master_key_id;
	unsigned master_keys;     /* > 1 while a rotation is unfinished */
	int64_t pending_rewrap;   /* data keys still under an old master key */
	int64_t bureaus, municipalities, operators, registers, joseki, versions;
	int64_t ledger, documents, history;
	int clock_synced;
	/* a disposal made the master key's rotation due (docs/disposal.md): since when (ns) */
	int rotation_due;
	int64_t rotation_due_since;
	int integrity_checked;    /* quick_check was run */
	char integrity[128];      /* "ok" or the first complaint (SQLite: quick_check; PostgreSQL: the catalogue) */
	char failed[400];         /* with check: why the database failed its checks at open
				   * (examined unrecorded then), "" when it did not */
	int trust_checked;        /* every sealed row and table checked against its key */
	int64_t trust_rows, trust_problems;
	/* The receiving side (issue 10): a CRL near or past its nextUpdate, the receiving
	 * certificate near or past its end (crl_warn_days, cert_warn_days); none on a terminal
	 * that receives nothing. */
	int pki_nwarn;
	fk_pki_warning pki_warn[FK_PKI_WARN_MAX];
} fk_health;

/* Gather the figures (auditors and administrators; recorded first, or examined unrecorded
 * over a database that failed its checks: ops.h). With check, also run PRAGMA quick_check
 * and check every sealed row, table digest and the history's end against the key folder,
 * calling fn (may be NULL) for each problem, which names the table and row (R-DETECT). Slow
 * on a large database. */
fk_status fk_health_get(fk_ctx *ctx, int check, fk_health *h, fk_trust_fn fn, void *arg,
			fk_error *err);

/* The full check alone (the second half of fk_health_get with check), for an operation that
 * is already decided and recorded (health.view): its outcome recorded as health.check. */
fk_status fk_health_check_db(fk_ctx *ctx, fk_health *h, fk_trust_fn fn, void *arg, fk_error *err);

#endif
