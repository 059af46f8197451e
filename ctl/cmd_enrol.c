/* fukuhonctl key export and key import: enrolling a terminal into the bureau's shared store (R-KEYS). */
#include "config.h"

#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "enrol.h"
#include "keyupdate.h"
#include "retire.h"

#define _(s) gettext(s)

/* A duration: N followed by s, m, h or d; seconds, or -1. */
static int64_t parse_valid(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || n < 1 || n > 10000000 || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's':
		return n;
	case 'm':
		return n * 60;
	case 'h':
		return n * 3600;
	case 'd':
		return n * 86400;
	default:
		return -1;
	}
}

static void put_time(int64_t s)
{
	char buf[32];
	time_t t = (time_t)s;
	struct tm tm;
	if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		fputs(buf, stdout);
}

int cmd_key_export(ctl *c, int argc, char **argv)
{
	const char *valid = "24h", *pos[1];
	fk_enrol_export x = {0};
	int npos;
	struct ctl_opt opts[] = {{"for", 1, &x.for_cert}, {"out", 1, &x.out}, {"valid", 1, &valid},
				 {"signer-cert", 1, &x.signer_cert}, {"signer-key", 1, &x.signer_key}};
	if (ctl_parse(argc, argv, opts, 5, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (!x.for_cert || !x.out)
		return ctl_usage("key export --for CERT.pem --out FILE [--valid 24h] [--signer-cert FILE --signer-key FILE]");
	if ((x.valid_s = parse_valid(valid)) < 0)
		return ctl_usage("--valid is a duration such as 30m, 24h or 2d");
	if (!x.signer_cert != !x.signer_key)
		return ctl_usage("give --signer-cert and --signer-key together");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_enrol_result res;
	if (fk_key_export(ctx, &x, &res, &err) != FK_OK)
		return ctl_fail(&err);
	printf(_("%d shared key files written for %s (SHA-256 %s) to "), res.files, res.subject, res.sha256);
	ctl_put(stdout, x.out, 0);
	printf(_("\nimport them on that terminal before "));
	put_time(res.expires);
	printf(_(" with: fukuhonctl key import FILE --from THIS-TERMINAL-CERT\n"));
	return CTL_OK;
}

/* The default certificate and key of this terminal: its TLS client pair in the key folder. */
static char *in_keys(const fk_config *cfg, const char *name)
{
	fk_error e;
	return fk_path_join(cfg->key_dir, name, &e);
}

static int import_record(ctl *c, fk_enrol_pkg *p)
{
	fk_ctx *ctx;
	fk_error err;
	/* The person signs in on the store the new keys just opened. */
	c->access = CTL_PERSON;
	int rc = ctl_open(c, &ctx);
	if (rc == CTL_OK && fk_key_import_record(ctx, p, &err) != FK_OK)
		rc = ctl_fail(&err);
	return rc;
}

/* --update: the master keys this enrolled terminal lacks added, recorded; removed again when
 * the record cannot be made (keyupdate.h). */
static int import_update(ctl *c, fk_enrol_pkg *p)
{
	fk_error err;
	fk_key_update *u = NULL;
	if (fk_key_update_install(p, c->config, &u, &err) != FK_OK)
		return ctl_fail(&err);
	fk_ctx *ctx;
	c->access = CTL_PERSON;
	int rc = ctl_open(c, &ctx);
	if (rc == CTL_OK && fk_key_update_record(ctx, p, u, &err) != FK_OK)
		rc = ctl_fail(&err);
	const char *ids;
	int n = fk_key_update_added(u, &ids);
	if (rc != CTL_OK) {
		fk_key_update_undo(u);
		if (n)
			fprintf(stderr, _("fukuhonctl: the update could not be recorded: the master keys it added were removed\n"));
	} else {
		const fk_enrol_result *r = fk_key_import_info(p);
		printf(_("%d master key(s) added (%s) from %s (SHA-256 %s, terminal %s); this terminal's own "
			 "history keys and anchor unchanged\n"), n, ids, r->subject, r->sha256, r->terminal);
	}
	fk_key_update_free(u);
	return rc;
}

int cmd_key_import(ctl *c, int argc, char **argv)
{
	const char *from = NULL, *mcert = NULL, *mkey = NULL, *k0 = NULL, *update = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"from", 1, &from}, {"cert", 1, &mcert}, {"key", 1, &mkey},
				 {"audit-key-out", 1, &k0}, {"update", 0, &update}};
	if (ctl_parse(argc, argv, opts, 5, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1 || !from)
		return ctl_usage("key import [--update] FILE --from EXPORTER-CERT.pem [--cert FILE --key FILE] [--audit-key-out FILE]");
	if (!mcert != !mkey)
		return ctl_usage("give --cert and --key together");
	if (update && k0)
		return ctl_usage("--update keeps this terminal's own history keys: --audit-key-out does not apply");
	fk_error err;
	fk_config cfg;
	fk_error_clear(&err);
	if (fk_config_load(c->config, &cfg, &err) != FK_OK)
		return ctl_fail(&err);
	char *dcert = mcert ? NULL : in_keys(&cfg, FK_ENROL_CERT_DEFAULT);
	char *dkey = mkey ? NULL : in_keys(&cfg, FK_ENROL_KEY_DEFAULT);
	fk_config_free(&cfg);
	fk_enrol_pkg *p = NULL;
	fk_status s = FK_ERR_NOMEM;
	if ((mcert || dcert) && (mkey || dkey))
		s = fk_key_import_open(pos[0], from, mcert ? mcert : dcert, mkey ? mkey : dkey,
				       (int64_t)time(NULL), &p, &err);
	free(dcert);
	free(dkey);
	if (s == FK_OK && update) {
		int rc = import_update(c, p);
		fk_enrol_pkg_free(p);
		return rc;
	}
	if (s == FK_OK)
		s = fk_key_import_install(p, c->config, k0, &err);
	if (s != FK_OK) {
		fk_enrol_pkg_free(p);
		return ctl_fail(&err);
	}
	int rc = import_record(c, p);
	if (rc != CTL_OK) {
		/* Not on record: the terminal is not enrolled (its keys go again). */
		fk_key_import_undo(p);
		fprintf(stderr, _("fukuhonctl: the import could not be recorded: the imported keys were removed\n"));
	} else {
		const fk_enrol_result *r = fk_key_import_info(p);
		printf(_("%d shared key files imported from %s (SHA-256 %s, terminal %s)\n"), r->files,
		       r->subject, r->sha256, r->terminal);
		printf(_("this terminal's own history keys were made; move the history initial key %s off "
			 "this terminal and keep it safe\n"),
		       r->k0);
	}
	fk_enrol_pkg_free(p);
	return rc;
}

/* fukuhonctl terminal retire ID --reason TEXT: a terminal of the store decommissioned or
 * stolen, closed out (core/admin/retire.h). */
int cmd_terminal_retire(ctl *c, int argc, char **argv)
{
	const char *reason = NULL, *id;
	struct ctl_opt opts[] = {{"reason", 1, &reason}};
	fk_ctx *ctx;
	int rc = ctl_name_open(c, argc, argv, opts, 1, "terminal retire ID --reason TEXT", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t last;
	if (fk_terminal_retire(ctx, id, reason, &last, &err) != FK_OK)
		return ctl_fail(&err);
	printf(_("terminal "));
	ctl_put(stdout, id, 0);
	printf(_(" retired: its chain ends at record %lld; rotate the master key now (key rotate) and "
		 "bring every remaining terminal's keys up to date (key export, key import --update)\n"),
	       (long long)last);
	return CTL_OK;
}
