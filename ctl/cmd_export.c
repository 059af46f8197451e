/* fukuhonctl export and return: carrying out an approved export (or a municipality's return) as a signed,
 * encrypted package (R-PRINT, R-APPROVE, R-DISPOSE; docs/approvals.md, docs/package-format.md §13). */
#include "config.h"

#include <libintl.h>
#include <stdio.h>

#include "ctl.h"

#define _(s) gettext(s)

/* An export, or a return (the same package, addressed to the municipality: R-DISPOSE 8(1)ク). */
static int export_or_return(ctl *c, int argc, char **argv, int is_return)
{
	const char *to = NULL, *outp = NULL, *json = NULL;
	int64_t id;
	fk_ctx *ctx;
	struct ctl_opt opts[] = {{"to", 1, &to}, {"out", 1, &outp}, {"json", 0, &json}};
	int rc = ctl_id_open(c, argc, argv, opts, 3, is_return
			     ? "return REQUEST-ID --to MUNICIPALITY-CERT.pem --out FILE [--json]"
			     : "export REQUEST-ID --to CERT.pem --out FILE [--json]", &id, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_export_result r;
	if ((is_return ? fk_return_execute : fk_export_execute)(ctx, id, to, outp, &r, &err) != FK_OK)
		return ctl_fail(&err);
	if (json) {
		rc = ctl_print_json(json_pack("{s:I, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:s}", "request",
					      (json_int_t)id, "number", r.number, "file", r.path, "sha256",
					      r.sha256, "registers", r.registers, "chunks", r.chunks, "bytes",
					      (json_int_t)r.bytes, "ms", (json_int_t)r.ms, "warning", r.warning));
	} else {
		if (is_return)
			printf(_("%s: %d register(s) returned with every version, its ledger and documents, %lld bytes: "),
			       r.number, r.registers, (long long)r.bytes);
		else
			printf(_("%s: %d register(s), %lld bytes: "), r.number, r.registers, (long long)r.bytes);
		ctl_put(stdout, r.path, 0);
		putchar('\n');
	}
	if (r.warning[0]) {
		fputs("fukuhonctl: ", stderr);
		ctl_put(stderr, r.warning, 0);
		fputc('\n', stderr);
	}
	return rc;
}

int cmd_export(ctl *c, int argc, char **argv) { return export_or_return(c, argc, argv, 0); }
int cmd_return(ctl *c, int argc, char **argv) { return export_or_return(c, argc, argv, 1); }
