/* fukuhonctl cert request | install | status, ca add | list | remove, crl add: the receiving
 * side's certificates and the municipal CAs it trusts (issue 10; R-MUTUAL). The core does the
 * crypto and the rows; this file reads the files handed over and prints. */
#include "config.h"

#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define _(s) gettext(s)

/* A certificate or CRL file as given (the core parses it). */
static int read_input(const char *path, char **buf, size_t *n)
{
	fk_error err;
	if (fk_read_file(path, FK_PKI_FILE_MAX, buf, n, &err) != FK_OK)
		return ctl_fail(&err);
	return CTL_OK;
}

/* One positional FILE after the options; the usage line otherwise. */
static int one_arg(int argc, char **argv, const char *usage, const char **arg)
{
	int npos;
	if (ctl_parse(argc, argv, NULL, 0, arg, 1, &npos) != 0)
		return CTL_USAGE;
	return npos == 1 ? CTL_OK : ctl_usage("usage: %s", usage);
}

static void put_time(int64_t s)
{
	char buf[32];
	fk_pki_fmt_time(s, buf, sizeof buf);
	fputs(buf, stdout);
}

static void put_days(int64_t days)
{
	if (days >= 0)
		printf(_(" (%lld days left)"), (long long)days);
	else
		printf(_(" (%lld days ago)"), (long long)-days);
}

/* ---- ca ---- */

/* The core's call for a file's bytes; *id what it made (0 when nothing is named). */
typedef fk_status (*file_fn)(fk_ctx *ctx, const uint8_t *buf, size_t n, int64_t *id, fk_error *err);

/* COMMAND FILE: the file read, the person signed in, the core called; *id as fn gave it. */
static int file_command(ctl *c, int argc, char **argv, const char *usage, file_fn fn, int64_t *id)
{
	const char *path;
	char *buf = NULL;
	size_t n;
	int rc = one_arg(argc, argv, usage, &path);
	if (rc != CTL_OK || (rc = read_input(path, &buf, &n)) != CTL_OK)
		return rc;
	fk_ctx *ctx;
	fk_error err;
	if ((rc = ctl_open(c, &ctx)) == CTL_OK && fn(ctx, (const uint8_t *)buf, n, id, &err) != FK_OK)
		rc = ctl_fail(&err);
	free(buf);
	return rc;
}

int cmd_ca_add(ctl *c, int argc, char **argv)
{
	int64_t id = 0;
	int rc = file_command(c, argc, argv, "ca add FILE.crt", fk_pki_ca_add, &id);
	if (rc == CTL_OK)
		printf(_("CA added (row %lld): add its CRL with fukuhonctl crl add\n"), (long long)id);
	return rc;
}

int cmd_ca_remove(ctl *c, int argc, char **argv)
{
	const char *which;
	int rc = one_arg(argc, argv, "ca remove ID|SUBJECT", &which);
	fk_ctx *ctx;
	fk_error err;
	if (rc != CTL_OK || (rc = ctl_open(c, &ctx)) != CTL_OK)
		return rc;
	if (fk_pki_ca_remove(ctx, which, &err) != FK_OK)
		return ctl_fail(&err);
	fputs(_("CA removed with its CRL: "), stdout);
	ctl_put(stdout, which, 0);
	putchar('\n');
	return CTL_OK;
}

static json_t *ca_json(const fk_pki_ca_info *a)
{
	char na[32], tu[32], nu[32];
	fk_pki_fmt_time(a->not_after, na, sizeof na);
	fk_pki_fmt_time(a->crl_this_update, tu, sizeof tu);
	fk_pki_fmt_time(a->crl_next_update, nu, sizeof nu);
	int w;
	char *subject = fk_disp_dup(a->subject, 0, &w);
	json_t *crl = a->has_crl ? json_pack("{s:s, s:s, s:s, s:I}", "number", a->crl_number, "this_update", tu,
					     "next_update", nu, "days_left", (json_int_t)a->crl_days)
				 : json_null();
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:o}", "id", (json_int_t)a->id, "subject",
			      subject ? subject : "?", "serial", a->serial, "sha256", a->sha256, "not_after", na,
			      "days_left", (json_int_t)a->days, "crl", crl);
	free(subject);
	return o;
}

static void ca_text(const fk_pki_ca_info *a)
{
	printf("%-5lld ", (long long)a->id);
	ctl_put(stdout, a->subject, 0);
	fputs(_("\n      valid until "), stdout);
	put_time(a->not_after);
	put_days(a->days);
	fputs(_("\n      CRL: "), stdout);
	if (!a->has_crl) {
		fputs(_("none installed (imports of its municipalities are refused)\n"), stdout);
		return;
	}
	printf(_("number %s, next update "), a->crl_number[0] ? a->crl_number : "-");
	put_time(a->crl_next_update);
	put_days(a->crl_days);
	putchar('\n');
}

static int print_ca(const fk_pki_ca_info *a, void *arg)
{
	if (arg)
		json_array_append_new(arg, ca_json(a));
	else
		ca_text(a);
	return 0;
}

int cmd_ca_list(ctl *c, int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	json_t *arr;
	int rc = ctl_list_open(c, argc, argv, NULL, &ctx, &arr);
	return rc != CTL_OK ? rc : ctl_list_done(fk_pki_ca_list(ctx, print_ca, arr, &err), &err, arr);
}

/* ---- crl ---- */

int cmd_crl_add(ctl *c, int argc, char **argv)
{
	int64_t ca = 0;
	int rc = file_command(c, argc, argv, "crl add FILE.crl", fk_pki_crl_add, &ca);
	if (rc == CTL_OK)
		printf(_("CRL added for CA row %lld\n"), (long long)ca);
	return rc;
}

/* ---- cert ---- */

int cmd_cert_request(ctl *c, int argc, char **argv)
{
	const char *subject = NULL, *out = NULL, *ec = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"subject", 1, &subject}, {"out", 1, &out}, {"ec", 0, &ec}};
	if (ctl_parse(argc, argv, opts, 3, pos, 0, &npos) != 0)
		return CTL_USAGE;
	fk_ctx *ctx;
	fk_error err;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	char *csr = NULL;
	size_t n = 0;
	if (fk_pki_cert_request_key(ctx, subject, ec != NULL, &csr, &n, &err) != FK_OK)
		return ctl_fail(&err);
	if (out && fk_write_new_file(out, csr, n, &err) != FK_OK)
		rc = ctl_fail(&err);
	else if (!out)
		fwrite(csr, 1, n, stdout);
	free(csr);
	if (rc == CTL_OK)
		fprintf(out ? stdout : stderr,
			_("Certificate request made; the current certificate keeps working. Have the CA sign it, "
			  "then: fukuhonctl cert install FILE.crt\n"));
	return rc;
}

int cmd_cert_install(ctl *c, int argc, char **argv)
{
	const char *keypath = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"key", 1, &keypath}};
	if (ctl_parse(argc, argv, opts, 1, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage("usage: cert install FILE.crt [--key FILE.key]");
	char *buf = NULL, *key = NULL;
	size_t n, kn = 0;
	int rc = read_input(pos[0], &buf, &n);
	if (rc == CTL_OK && keypath)
		rc = read_input(keypath, &key, &kn);
	fk_ctx *ctx;
	fk_error err;
	if (rc == CTL_OK && (rc = ctl_open(c, &ctx)) == CTL_OK) {
		fk_status s = key ? fk_pki_cert_install_key(ctx, (const uint8_t *)buf, n, (const uint8_t *)key, kn, &err)
				  : fk_pki_cert_install(ctx, (const uint8_t *)buf, n, &err);
		if (s != FK_OK)
			rc = ctl_fail(&err);
		else
			fputs(_("Certificate installed as the current one; the previous one is kept for packages "
				"encrypted to it\n"), stdout);
	}
	free(buf);
	if (key)
		fk_wipe(key, kn);
	free(key);
	return rc;
}

static json_t *cert_json(const fk_pki_cert_info *ci)
{
	if (!ci->present)
		return json_null();
	char na[32];
	int w;
	fk_pki_fmt_time(ci->not_after, na, sizeof na);
	char *subject = fk_disp_dup(ci->subject, 0, &w);
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "subject", subject ? subject : "?", "serial",
			      ci->serial, "not_after", na, "days_left", (json_int_t)ci->days, "key", ci->key_present);
	free(subject);
	return o;
}

json_t *ctl_pki_warnings_json(const fk_pki_warning *w, int n)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < n; i++) {
		char when[32] = "";
		int dw;
		if (w[i].when)
			fk_pki_fmt_time(w[i].when, when, sizeof when);
		char *subject = fk_disp_dup(w[i].subject, 0, &dw);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?, s:I}", "id", fk_pki_warn_id(w[i].what),
						     "message", _(fk_pki_warn_text(w[i].what)), "subject",
						     subject ? subject : "", "when", when[0] ? when : NULL,
						     "days", (json_int_t)w[i].days));
		free(subject);
	}
	return arr;
}

void ctl_pki_warnings_text(FILE *f, const fk_pki_warning *w, int n)
{
	for (int i = 0; i < n; i++) {
		/* What, then (indented) what about and when: each line fits 80 columns better. */
		fprintf(f, "%s %s\n", _("WARNING"), _(fk_pki_warn_text(w[i].what)));
		if (!w[i].subject[0] && !w[i].when)
			continue;
		fputs("        ", f);
		ctl_put(f, w[i].subject, 0);
		if (w[i].when) {
			char when[32];
			fk_pki_fmt_time(w[i].when, when, sizeof when);
			fprintf(f, "%s(%s, ", w[i].subject[0] ? " " : "", when);
			if (w[i].days >= 0)
				fprintf(f, _("%lld days left"), (long long)w[i].days);
			else
				fprintf(f, _("%lld days ago"), (long long)-w[i].days);
			fputc(')', f);
		}
		fputc('\n', f);
	}
}

static void cert_text(const char *label, const fk_pki_cert_info *ci)
{
	fputs(label, stdout);
	if (!ci->present) {
		fputs(_("none\n"), stdout);
		return;
	}
	ctl_put(stdout, ci->subject, 0);
	printf(_("\n            serial %s, valid until "), ci->serial);
	put_time(ci->not_after);
	put_days(ci->days);
	if (!ci->key_present)
		fputs(_(", KEY MISSING"), stdout);
	putchar('\n');
}

int cmd_cert_status(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	if (ctl_parse(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CTL_USAGE;
	fk_ctx *ctx;
	fk_error err;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_pki_state *st = malloc(sizeof *st);
	if (!st)
		return ctl_fail(&(fk_error){.code = FK_ERR_NOMEM, .msg = "out of memory"});
	if (fk_pki_cert_status(ctx, st, &err) != FK_OK) {
		free(st);
		return ctl_fail(&err);
	}
	if (json) {
		json_t *cas = json_array();
		for (int i = 0; cas && i < st->nca; i++)
			json_array_append_new(cas, ca_json(&st->ca[i]));
		rc = ctl_print_json(json_pack("{s:o, s:b, s:o, s:o, s:o}", "current", cert_json(&st->current),
					      "pending", st->pending, "previous", cert_json(&st->previous), "cas", cas,
					      "warnings", ctl_pki_warnings_json(st->warn, st->nwarn)));
	} else {
		puts(_("Receiving certificate"));
		cert_text(_("  current:  "), &st->current);
		if (st->pending)
			puts(_("  pending:  a request waits for its certificate (fukuhonctl cert install FILE.crt)"));
		cert_text(_("  previous: "), &st->previous);
		puts(_("Trusted municipal CAs"));
		if (st->nca == 0)
			puts(_("  none"));
		for (int i = 0; i < st->nca; i++)
			ca_text(&st->ca[i]);
		ctl_pki_warnings_text(stdout, st->warn, st->nwarn);
	}
	free(st);
	return rc;
}
