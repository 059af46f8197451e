/* fukuhonctl status: the terminal's state at a glance. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "health.h"

static int put_diff(const fk_schema_diff *d, void *arg)
{
	if (arg) {
		int w;
		char *clean = fk_disp_dup(d->msg, 0, &w);
		json_array_append_new(arg, json_string(clean ? clean : "?"));
		free(clean);
		return 0;
	}
	fputs("schema          ALTERED: ", stdout);
	ctl_put(stdout, d->msg, 0);
	putchar('\n');
	return 0;
}

struct trust_out {
	json_t *arr; /* --json: the problems, else printed as they come */
};

/* A sealed row or table that is not as this terminal wrote it, named (core/trust). */
static void put_trust(void *arg, const char *what, int64_t seq, const char *msg)
{
	struct trust_out *o = arg;
	if (o->arr) {
		int w;
		char *clean = fk_disp_dup(msg, 0, &w);
		json_array_append_new(o->arr, json_pack("{s:s, s:I, s:s}", "kind", what, "record",
							(json_int_t)seq, "message", clean ? clean : "?"));
		free(clean);
		return;
	}
	fputs("PROBLEM         ", stdout);
	ctl_put(stdout, what, 0);
	fputs(": ", stdout);
	ctl_put(stdout, msg, 0);
	putchar('\n');
}

/* --check looks at the pinned schema first (core/trust/schema.h): over an
 * altered one it lists every difference and reads nothing else. */
static int check_schema(fk_ctx *ctx, int json)
{
	fk_error err;
	unsigned n = 0;
	json_t *arr = json ? json_array() : NULL;
	if (fk_schema_diff_each(ctx->db, put_diff, arr, &n, &err) != FK_OK) {
		json_decref(arr);
		return ctl_fail(&err);
	}
	if (n == 0) {
		json_decref(arr);
		return CTL_OK;
	}
	if (arr)
		ctl_print_json(json_pack("{s:o}", "schema_altered", arr));
	fprintf(stderr, "fukuhonctl: the database schema was altered (%u difference%s): "
		"it is not what fukuhon creates; nothing will use this database\n", n, n == 1 ? "" : "s");
	return CTL_FAIL;
}

int cmd_status(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *check = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}, {"check", 0, &check}};
	if (ctl_parse(argc, argv, opts, 2, pos, 0, &npos) != 0)
		return CTL_USAGE;
	fk_ctx *ctx;
	c->diagnose = check != NULL;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	if (check && (rc = check_schema(ctx, json != NULL)) != CTL_OK)
		return rc;
	fk_error err;
	fk_health h;
	struct trust_out to = {json ? json_array() : NULL};
	if (fk_health_get(ctx, check != NULL, &h, put_trust, &to, &err) != FK_OK) {
		rc = ctl_fail(&err); /* to.arr is released below */
	} else if (json) {
		/* "o" hands the problems over to the object (without --check they stay ours) */
		json_t *trust = NULL;
		if (h.trust_checked) {
			trust = json_pack("{s:I, s:o}", "rows", (json_int_t)h.trust_rows, "problems", to.arr);
			to.arr = NULL;
		}
		rc = ctl_print_json(json_pack(
			"{s:s, s:s, s:s, s:i, s:i, s:i, s:I, s:b, s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:s?, s:s?, s:s?, s:o?, s:o}",
			"terminal", h.terminal_id, "database", ctx->cfg.database, "key_dir", ctx->cfg.key_dir,
			"schema_version", (int)h.schema_version, "master_key", (int)h.master_key_id,
			"master_keys", (int)h.master_keys, "pending_rewrap", (json_int_t)h.pending_rewrap,
			"clock_synced", h.clock_synced, "key_rotation_due", h.rotation_due, "counts",
			"bureaus", (json_int_t)h.bureaus, "municipalities", (json_int_t)h.municipalities,
			"operators", (json_int_t)h.operators, "registers", (json_int_t)h.registers,
			"joseki", (json_int_t)h.joseki, "versions", (json_int_t)h.versions,
			"ledger", (json_int_t)h.ledger, "documents", (json_int_t)h.documents,
			"history", (json_int_t)h.history,
			"integrity", h.integrity_checked ? h.integrity : NULL,
			"schema", check ? "as created by the migrations" : NULL,
			"failed", h.failed[0] ? h.failed : NULL,
			"trust", trust, "pki_warnings", ctl_pki_warnings_json(h.pki_warn, h.pki_nwarn)));
	} else {
		/* Stored and configured text is printed defused, like any data. */
		fputs("terminal        ", stdout);
		ctl_put(stdout, h.terminal_id, 0);
		fputs("\ndatabase        ", stdout);
		ctl_put(stdout, ctx->cfg.database, 0);
		printf(" (schema %u)\nkeys            ", h.schema_version);
		ctl_put(stdout, ctx->cfg.key_dir, 0);
		printf(" (master key %u%s)\n", h.master_key_id,
		       h.master_keys > 1 ? ", rotation unfinished" : "");
		printf("clock           %s\n", h.clock_synced ? "synchronised" : "NOT synchronised");
		/* A disposal's keys live on in older backups until the master key is rotated
		 * (docs/disposal.md). */
		if (h.rotation_due)
			printf("WARNING         master-key rotation due since a disposal: fukuhonctl key "
			       "rotate --keep-old\n");
		printf("bureaus         %lld\nmunicipalities  %lld\noperators       %lld\n"
		       "registers       %lld (除籍 %lld, %lld versions)\nledger entries  %lld\n"
		       "documents       %lld\nhistory records %lld\n",
		       (long long)h.bureaus, (long long)h.municipalities, (long long)h.operators,
		       (long long)h.registers, (long long)h.joseki, (long long)h.versions,
		       (long long)h.ledger, (long long)h.documents, (long long)h.history);
		if (h.integrity_checked)
			printf("integrity       %s\n", h.integrity);
		if (check)
			printf("schema          as created by the migrations\n");
		if (h.failed[0]) {
			fputs("PROBLEM         ", stdout);
			ctl_put(stdout, h.failed, 0);
			putchar('\n');
		}
		/* The receiving side's: a CRL to fetch, a certificate to renew (issue 10). */
		ctl_pki_warnings_text(stdout, h.pki_warn, h.pki_nwarn);
		if (h.trust_checked && !h.trust_problems)
			printf("sealed rows     %lld, each as this terminal wrote it\n", (long long)h.trust_rows);
		else if (h.trust_checked)
			printf("sealed rows     %lld PROBLEM%s (listed above): the database was changed "
			       "outside fukuhon\n", (long long)h.trust_problems, h.trust_problems == 1 ? "" : "S");
	}
	json_decref(to.arr);
	if (rc == CTL_OK && h.integrity_checked && strcmp(h.integrity, "ok") != 0)
		rc = CTL_FAIL;
	if (rc == CTL_OK && ((h.trust_checked && h.trust_problems) || h.failed[0]))
		rc = CTL_FAIL;
	return rc;
}
