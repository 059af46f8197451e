/* fukuhonctl: the administrator's command line over the core (one file per command group). */
#ifndef FK_CTL_H
#define FK_CTL_H

#include <jansson.h>
#include <stdio.h>

#include "fk.h"

/* Exit codes: 0 done, 1 refused or failed (one line on stderr), 2 bad usage. */
enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2 };

typedef struct ctl {
	const char *config; /* --config or NULL */
	const char *prog;
	/* audit verify and status --check: run even when the history refuses
	 * new records or the schema was altered (what they diagnose); unrecorded
	 * then says so. */
	int diagnose, unrecorded;
} ctl;

typedef int (*ctl_fn)(ctl *c, int argc, char **argv);

typedef struct ctl_cmd {
	const char *name;  /* "operator add" */
	ctl_fn fn;
	const char *usage; /* arguments */
	const char *help;  /* one line */
} ctl_cmd;

/* The command table, from which dispatch and --help are generated. */
extern const ctl_cmd ctl_commands[];

/* Print "fukuhonctl: message" for a failed core call and give its exit code. */
int ctl_fail(const fk_error *err);
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the context (as the local administrator) and record the program's
 * start; ctl_close records its stop, closes, and gives rc (or CTL_FAIL when
 * the stop could not be recorded). */
int ctl_open(ctl *c, fk_ctx **ctx);
int ctl_close(fk_ctx *ctx, int rc);
int ctl_close_c(ctl *c, fk_ctx *ctx, int rc);

/* Record a read (R-LOG) before it is done: CTL_OK, or the failure printed. */
int ctl_view(fk_ctx *ctx, const char *action, const char *otype, const char *oid);

/* Output helpers. */
int ctl_print_json(json_t *doc); /* steals doc */
/* The end of a list command: on failure the message (and arr dropped), else
 * arr printed as JSON when the command was asked for it (arr NULL: text was
 * printed row by row already). Returns the exit code. */
int ctl_list_done(fk_status s, const fk_error *err, json_t *arr);
/* Print s so that nothing in it can act on the terminal; pad to width
 * display columns (0: no padding). */
void ctl_put(FILE *f, const char *s, int width);
int ctl_width(const char *s);

/* Parse argv[1..]: options from opts (--name VALUE, --name=VALUE or a flag,
 * which gets "1") and up to maxpos positional words. 0, or -1 after printing
 * a usage message. */
struct ctl_opt {
	const char *name; /* long option without dashes */
	int has_arg;
	const char **value; /* where the argument (or "1" for flags) goes */
};
int ctl_parse(int argc, char **argv, const struct ctl_opt *opts, int nopts, const char **pos,
	      int maxpos, int *npos);

int cmd_init(ctl *c, int argc, char **argv);
int cmd_bureau_list(ctl *c, int argc, char **argv);
int cmd_muni_list(ctl *c, int argc, char **argv);
int cmd_operator_add(ctl *c, int argc, char **argv);
int cmd_operator_list(ctl *c, int argc, char **argv);
int cmd_operator_enable(ctl *c, int argc, char **argv);
int cmd_operator_disable(ctl *c, int argc, char **argv);
int cmd_grant(ctl *c, int argc, char **argv);
int cmd_revoke(ctl *c, int argc, char **argv);
int cmd_grants(ctl *c, int argc, char **argv);
int cmd_permissions(ctl *c, int argc, char **argv);
int cmd_demo_data(ctl *c, int argc, char **argv);
int cmd_status(ctl *c, int argc, char **argv);
int cmd_key_rotate(ctl *c, int argc, char **argv);
int cmd_reindex(ctl *c, int argc, char **argv);
int cmd_audit_verify(ctl *c, int argc, char **argv);
int cmd_audit_list(ctl *c, int argc, char **argv);
int cmd_audit_export(ctl *c, int argc, char **argv);
int cmd_audit_checkpoint(ctl *c, int argc, char **argv);
int cmd_lockout_list(ctl *c, int argc, char **argv);
int cmd_lockout_unlock(ctl *c, int argc, char **argv);

#endif
