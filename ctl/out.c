/* fukuhonctl: messages, option parsing and output that is safe to print. */
#include "config.h"

#include <libintl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define _(s) gettext(s)

int ctl_fail(const fk_error *err)
{
	/* A refusal names its reason as recorded and in the console's words (English here:
	 * fk_reason_text), then the core's message with the particulars. */
	int refusal = err->code == FK_ERR_DENIED && err->reason > FK_WHY_NONE && err->reason < FK_WHY_COUNT;
	fputs("fukuhonctl: ", stderr);
	if (refusal)
		fprintf(stderr, "refused [%s]: %s (", fk_reason_id((fk_reason)err->reason),
			fk_reason_text((fk_reason)err->reason));
	/* A failure the core names (err->msg_id) in the operator's language, as the console says
	 * it; messages can quote configuration or data: print them defused. */
	const char *t = err->msg_id != FK_MSG_NONE ? fk_msg_template(err->msg_id) : NULL;
	if (t && *t) {
		char text[FK_ERRMSG_MAX * 2];
		fk_msg_expand(_(t), err->msg_arg, err->msg_n, text, sizeof text);
		ctl_put(stderr, text, 0);
	} else {
		ctl_put(stderr, err->msg[0] ? err->msg : fk_status_name(err->code), 0);
	}
	fputs(refusal ? ")\n" : "\n", stderr);
	return err->code == FK_ERR_USAGE ? CTL_USAGE : CTL_FAIL;
}

int ctl_usage(const char *fmt, ...)
{
	va_list ap;
	fputs("fukuhonctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_USAGE;
}

/* What the start record says of the Unix side: the user ids, and the login uid where the
 * kernel keeps one (recorded beside the person, never taken for them). */
static void unix_side(char *buf, size_t len)
{
	char lu[16] = "-";
	FILE *f = fopen("/proc/self/loginuid", "r");
	if (f) {
		if (!fgets(lu, sizeof lu, f))
			fk_copy_str(lu, sizeof lu, "-");
		lu[strcspn(lu, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, len, "uid=%u euid=%u loginuid=%s", (unsigned)getuid(), (unsigned)geteuid(), lu);
}

int ctl_open(ctl *c, fk_ctx **ctx)
{
	fk_error err;
	char detail[96];
	fk_error_clear(&err);
	*ctx = NULL;
	/* A diagnosis opens even a database that fails its checks, to report it; nothing is
	 * written to it then. */
	if (fk_ctx_open(c->config, c->diagnose ? FK_CTX_DIAGNOSE : FK_CTX_OPEN, &c->ctx, &err) != FK_OK)
		return ctl_fail(&err);
	/* R-LOG: no command runs unless its start is on record. */
	unix_side(detail, sizeof detail);
	const char *broken = fk_trust_broken(c->ctx);
	fk_status st = broken ? FK_ERR_TAMPER : fk_audit_start_with(c->ctx, "fukuhonctl", detail, &err);
	if (st != FK_OK && c->diagnose) {
		/* Nothing is written to a database that failed its checks: examined unrecorded. */
		fputs("fukuhonctl: warning: ", stderr);
		ctl_put(stderr, broken ? broken : err.msg, 0);
		fputs("\nfukuhonctl: examining the database without recording it\n", stderr);
		c->unrecorded = 1;
	} else if (st != FK_OK) {
		return ctl_fail(&err);
	}
	int rc = c->access == CTL_PERSON ? ctl_signin(c, c->ctx) : CTL_OK;
	if (rc == CTL_OK)
		*ctx = c->ctx;
	return rc;
}

int ctl_end(ctl *c, int rc)
{
	fk_error err;
	if (!c->ctx)
		return rc;
	if (!c->unrecorded && fk_audit_stop(c->ctx, "fukuhonctl", &err) != FK_OK) {
		int r = ctl_fail(&err);
		if (rc == CTL_OK)
			rc = r;
	}
	fk_auth_signout(c->ctx, c->session, "exit");
	c->session = NULL;
	fk_ctx_close(c->ctx);
	c->ctx = NULL;
	return rc;
}

int ctl_print_json(json_t *doc)
{
	if (!doc) {
		fputs("fukuhonctl: out of memory\n", stderr);
		return CTL_FAIL;
	}
	int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? CTL_OK : CTL_FAIL;
	json_decref(doc);
	putchar('\n');
	return rc;
}

int ctl_list_done(fk_status s, const fk_error *err, json_t *arr)
{
	if (s != FK_OK) {
		json_decref(arr);
		return ctl_fail(err);
	}
	return arr ? ctl_print_json(arr) : CTL_OK;
}

int ctl_list_open(ctl *c, int argc, char **argv, const char *header, fk_ctx **ctx, json_t **arr)
{
	const char *json = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	*arr = NULL;
	if (ctl_parse(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CTL_USAGE;
	int rc = ctl_open(c, ctx);
	if (rc != CTL_OK)
		return rc;
	if (json && !(*arr = json_array()))
		return ctl_fail(&(fk_error){.code = FK_ERR_NOMEM, .msg = "out of memory"});
	if (!json && header)
		fputs(header, stdout);
	return CTL_OK;
}

/* The one sanitiser of the core (fk_disp_dup): what the console draws and what
 * the command line prints are cleaned by the same rules. */
int ctl_width(const char *s)
{
	int w = 0;
	free(fk_disp_dup(s, MB_CUR_MAX == 1, &w));
	return w;
}

void ctl_put(FILE *f, const char *s, int width)
{
	int w = 0;
	char *clean = fk_disp_dup(s, MB_CUR_MAX == 1, &w);
	fputs(clean ? clean : "?", f);
	free(clean);
	for (; w < width; w++)
		fputc(' ', f);
}

static const struct ctl_opt *find_opt(const struct ctl_opt *opts, int nopts, const char *name,
				      size_t len)
{
	for (int i = 0; i < nopts; i++)
		if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
			return &opts[i];
	return NULL;
}

int ctl_parse(int argc, char **argv, const struct ctl_opt *opts, int nopts, const char **pos,
	      int maxpos, int *npos)
{
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-' && a[1] != '-' && a[1]) {
			ctl_usage("unknown option %s (see fukuhonctl --help)", a);
			return -1;
		}
		if (a[0] != '-' || a[1] != '-') {
			if (*npos == maxpos) {
				ctl_usage("unexpected argument '%s' (see fukuhonctl --help)", a);
				return -1;
			}
			pos[(*npos)++] = a;
			continue;
		}
		const char *eq = strchr(a + 2, '=');
		size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		const struct ctl_opt *o = find_opt(opts, nopts, a + 2, len);
		if (!o) {
			ctl_usage("unknown option %s (see fukuhonctl --help)", a);
			return -1;
		}
		if (!o->has_arg) {
			if (eq) {
				ctl_usage("option --%s takes no value", o->name);
				return -1;
			}
			*o->value = "1";
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			ctl_usage("option --%s needs a value", o->name);
			return -1;
		}
	}
	return 0;
}

int ctl_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

json_t *ctl_time_json(int64_t ns)
{
	char buf[32];
	if (!ns)
		return json_null();
	fk_fmt_utc(ns, buf, sizeof buf);
	return json_string(buf);
}

int ctl_id_open(ctl *c, int argc, char **argv, const struct ctl_opt *opts, int nopts,
		const char *usage, int64_t *id, fk_ctx **ctx)
{
	const char *pos[1];
	int npos;
	if (ctl_parse(argc, argv, opts, nopts, pos, 1, &npos) != 0)
		return CTL_USAGE;
	int missing = npos != 1 || ctl_parse_id(pos[0], id) != 0;
	for (int i = 0; i < nopts; i++)
		missing |= opts[i].has_arg && !*opts[i].value;
	return missing ? ctl_usage("usage: %s", usage) : ctl_open(c, ctx);
}

int ctl_name_open(ctl *c, int argc, char **argv, const struct ctl_opt *opts, int nopts,
		  const char *usage, const char **name, fk_ctx **ctx)
{
	const char *pos[1];
	int npos;
	*name = NULL;
	if (ctl_parse(argc, argv, opts, nopts, pos, 1, &npos) != 0)
		return CTL_USAGE;
	int missing = npos != 1;
	for (int i = 0; i < nopts; i++)
		missing |= opts[i].has_arg && !*opts[i].value;
	if (missing)
		return ctl_usage("usage: %s", usage);
	*name = pos[0];
	return ctl_open(c, ctx);
}
