/* fukuhonctl import: signed, encrypted packages from files (issue 10; R-BATCH-PROTO,
 * R-BATCH-ATOMIC, R-BATCH-RESUME): each imported by the core (core/intake/importfile.h), one
 * line per file, its signed receipt written beside it or into --receipt-dir. */
#include "config.h"

#include <libgen.h>
#include <libintl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "importfile.h"
#include "pki.h"

#define _(s) gettext(s)

/* FILE.receipt, or DIR/basename(FILE).receipt; malloc'd. */
static char *receipt_path(const char *file, const char *dir)
{
	char *copy = strdup(file), *out = NULL;
	if (!copy)
		return NULL;
	int n = dir ? asprintf(&out, "%s/%s.receipt", dir, basename(copy))
		    : asprintf(&out, "%s.receipt", file);
	free(copy);
	return n < 0 ? NULL : out;
}

/* One file: imported, its line printed, its receipt written. 1 when it was refused or
 * failed, 0 when applied. */
static int import_one(fk_ctx *ctx, const fk_intake_keys *k, const char *file, const char *dir)
{
	fk_intake_result res;
	fk_error err;
	uint8_t *der = NULL;
	size_t dn = 0;
	fk_status s = fk_intake_import_file(ctx, file, k, &res, &der, &dn, &err);
	ctl_put(stdout, file, 0);
	if (s != FK_OK) {
		/* Nothing answered (a full disk, a stop): importing again continues. */
		fputs(_(": failed: "), stdout);
		ctl_put(stdout, err.msg, 0);
		fputc('\n', stdout);
		return 1;
	}
	if (res.refused != FK_INTAKE_NONE) {
		printf(_(": refused [%s]: %s"), res.reason, _(res.reason_text));
		if (res.expected_sequence)
			printf(_(" (expected sequence %lld)"), (long long)res.expected_sequence);
		fputc('\n', stdout);
	} else {
		printf(_(": %s: %lld accepted (%lld registers, %lld versions, %lld removals, %lld ledger, "
			 "%lld documents), %lld unchanged, %lld rejected, %lld missing\n"),
		       res.again ? _("applied before") : _("applied"), (long long)res.accepted[0],
		       (long long)res.accepted[FK_REC_REGISTER], (long long)res.accepted[FK_REC_VERSION],
		       (long long)res.accepted[FK_REC_REMOVAL], (long long)res.accepted[FK_REC_LEDGER],
		       (long long)res.accepted[FK_REC_DOCUMENT], (long long)res.unchanged,
		       (long long)res.rejected, (long long)res.missing);
	}
	char *path = receipt_path(file, dir);
	int rc = res.refused != FK_INTAKE_NONE;
	/* A receipt is never written over: the sender's copy of an earlier answer stays. */
	if (!path || fk_write_new_file(path, der, dn, &err) != FK_OK) {
		fputs(_("fukuhonctl: the receipt could not be written: "), stderr);
		ctl_put(stderr, path ? err.msg : _("out of memory"), 0);
		fputc('\n', stderr);
		rc = 1;
	}
	free(path);
	free(der);
	fk_intake_result_clear(&res);
	return rc;
}

int cmd_import(ctl *c, int argc, char **argv)
{
	const char *dir = NULL, *pos[256];
	int npos;
	struct ctl_opt opts[] = {{"receipt-dir", 1, &dir}};
	if (ctl_parse(argc, argv, opts, 1, pos, 256, &npos) != 0)
		return CTL_USAGE;
	if (npos < 1)
		return ctl_usage("usage: import FILE... [--receipt-dir DIR]");
#ifdef M_MXFAST
	/* A chunk's records are parsed into some 20 MB of small JSON nodes, freed together two
	 * chunks later: with glibc's fast bins each large request after that consolidates them
	 * (malloc_consolidate and unlink_chunk were 11 % of the parsing thread's time). Without
	 * fast bins, frees coalesce as they go: 8 % less CPU for the whole import, measured at
	 * 30,000 registers (three runs each, load 12: 5.5–6.4 s against 6.1–7.0 s). */
	(void)mallopt(M_MXFAST, 0); /* refused, it only costs that time */
#endif
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_pki *pki;
	/* Decided (and recorded) before anything is loaded: a person who may not import learns
	 * nothing of the receiving side's state. Each package is decided again as it goes in. */
	char detail[32];
	snprintf(detail, sizeof detail, "files=%d", npos);
	fk_authz_req r = {.op = FK_OP_IMPORT};
	fk_status s = fk_gate_check(ctx, &r, "files", detail, &err);
	if (s != FK_OK)
		return ctl_fail(&err);
	s = fk_pki_load(ctx, fk_ctx_now(ctx) / 1000000000, &pki, &err);
	if (s == FK_OK && (s = fk_pki_ready(pki, &err)) != FK_OK)
		fk_pki_free(pki);
	if (s != FK_OK)
		return ctl_fail(&err);
	fk_intake_keys k = {.open = fk_pki_keys(pki), .sign_key = fk_pki_sign_key(pki),
			    .sign_cert = fk_pki_sign_cert(pki)};
	int refused = 0;
	for (int i = 0; i < npos; i++)
		refused += import_one(ctx, &k, pos[i], dir);
	fk_pki_free(pki);
	return refused ? CTL_FAIL : CTL_OK;
}
