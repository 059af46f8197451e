/* fukuhonctl: the administrator's command line over the core (one file per command group). */
#ifndef FK_CTL_H
#define FK_CTL_H

#include <jansson.h>
#include <stdio.h>

#include "fk.h"

/* Exit codes: 0 done, 1 refused or failed (one line on stderr), 2 bad usage. */
enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2 };

/* Who may run a command: anyone (reference data), or a person who signs in. */
enum { CTL_PUBLIC = 0, CTL_PERSON = 1 };

typedef struct ctl {
	const char *config; /* --config or NULL */
	const char *prog;
	const char *user;   /* --user: who signs in (else the login name) */
	int password_stdin; /* --password-stdin: answers on standard input, not the terminal */
	const char *credential; /* --credential: a script's credential (fukuhonctl(8) CREDENTIALS) */
	const char *command;    /* the command's name, which a credential must allow */
	int access;         /* the command's CTL_PUBLIC or CTL_PERSON */
	/* audit verify and status --check: run even over a database that refuses new
	 * records or whose schema was altered (what they diagnose); unrecorded then says so. */
	int diagnose, unrecorded;
	/* The command's context and sign-in: opened by ctl_open, always ended by main
	 * (the stop recorded, the session closed) whatever the command returns. */
	fk_ctx *ctx;
	fk_session *session;
} ctl;

typedef int (*ctl_fn)(ctl *c, int argc, char **argv);

typedef struct ctl_cmd {
	const char *name;  /* "operator add" */
	ctl_fn fn;
	int access;        /* CTL_PUBLIC or CTL_PERSON */
	const char *usage; /* arguments */
	const char *help;  /* one line */
} ctl_cmd;

/* The command table, from which dispatch and --help are generated. */
extern const ctl_cmd ctl_commands[];

/* Print "fukuhonctl: message" for a failed core call and give its exit code. */
int ctl_fail(const fk_error *err);
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the context, sign the person in (CTL_PERSON commands) through PAM, or with a script's
 * --credential — or, on a test or demo terminal only, as $FUKUHON_TEST_ACTOR — and record the program's start under their
 * name: a command gets no context any other way. main ends it (ctl_end). */
int ctl_open(ctl *c, fk_ctx **ctx);
/* Sign the person in (ctl_open calls it for CTL_PERSON commands). */
int ctl_signin(ctl *c, fk_ctx *ctx);
/* PAM alone for user through service (init: nobody is enrolled yet). */
int ctl_check_password(ctl *c, const char *service, const char *helper, const char *user);
/* Record the stop, close the session and the context; rc, or CTL_FAIL when the stop
 * could not be recorded. Called by main after every command. */
int ctl_end(ctl *c, int rc);

/* A positive id ("12"): 0, or -1 when s is not one. */
int ctl_parse_id(const char *s, int64_t *id);
/* A UTC time (ns) as JSON: its ISO text, or null for 0 (none). */
json_t *ctl_time_json(int64_t ns);

/* Output helpers. */
int ctl_print_json(json_t *doc); /* steals doc */
/* The end of a list command: on failure the message (and arr dropped), else
 * arr printed as JSON when the command was asked for it (arr NULL: text was
 * printed row by row already). Returns the exit code. */
int ctl_list_done(fk_status s, const fk_error *err, json_t *arr);
/* The start of a list command that takes only [--json]: the arguments parsed, the context
 * opened and the person signed in (ctl_open), *arr an empty array with --json (else NULL,
 * and header, when given, printed). CTL_OK, or the exit code. */
int ctl_list_open(ctl *c, int argc, char **argv, const char *header, fk_ctx **ctx, json_t **arr);
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
/* The start of a command on one thing by its id ("revoke 12 --reason …"): argv parsed (every
 * option of opts that takes a value is required), the id read, the context opened and the
 * person signed in (ctl_open). CTL_OK, or the exit code. */
int ctl_id_open(ctl *c, int argc, char **argv, const struct ctl_opt *opts, int nopts,
		const char *usage, int64_t *id, fk_ctx **ctx);
/* The same for a command on one thing by its name ("lockout unlock USER --reason …"): *name
 * the positional argument. */
int ctl_name_open(ctl *c, int argc, char **argv, const struct ctl_opt *opts, int nopts,
		  const char *usage, const char **name, fk_ctx **ctx);

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
int cmd_health(ctl *c, int argc, char **argv);
int cmd_lockdown_on(ctl *c, int argc, char **argv);
int cmd_lockdown_off(ctl *c, int argc, char **argv);
int cmd_lockdown_status(ctl *c, int argc, char **argv);
int cmd_key_rotate(ctl *c, int argc, char **argv);
int cmd_reindex(ctl *c, int argc, char **argv);
int cmd_audit_verify(ctl *c, int argc, char **argv);
int cmd_audit_list(ctl *c, int argc, char **argv);
int cmd_audit_export(ctl *c, int argc, char **argv);
int cmd_audit_checkpoint(ctl *c, int argc, char **argv);
int cmd_lockout_list(ctl *c, int argc, char **argv);
int cmd_juris_list(ctl *c, int argc, char **argv);
int cmd_juris_assign(ctl *c, int argc, char **argv);
int cmd_juris_import(ctl *c, int argc, char **argv);
int cmd_juris_office_add(ctl *c, int argc, char **argv);
int cmd_lockout_unlock(ctl *c, int argc, char **argv);
int cmd_alert_list(ctl *c, int argc, char **argv);
int cmd_alert_ack(ctl *c, int argc, char **argv);
int cmd_credential_add(ctl *c, int argc, char **argv);
int cmd_credential_revoke(ctl *c, int argc, char **argv);
int cmd_credential_list(ctl *c, int argc, char **argv);
int cmd_ca_add(ctl *c, int argc, char **argv);
int cmd_ca_list(ctl *c, int argc, char **argv);
int cmd_ca_remove(ctl *c, int argc, char **argv);
int cmd_crl_add(ctl *c, int argc, char **argv);
int cmd_cert_request(ctl *c, int argc, char **argv);
int cmd_cert_install(ctl *c, int argc, char **argv);
int cmd_cert_status(ctl *c, int argc, char **argv);
int cmd_import(ctl *c, int argc, char **argv);
int cmd_request_print(ctl *c, int argc, char **argv);
int cmd_request_export(ctl *c, int argc, char **argv);
int cmd_request_dispose(ctl *c, int argc, char **argv);
int cmd_request_return(ctl *c, int argc, char **argv);
int cmd_requests(ctl *c, int argc, char **argv);
int cmd_approve(ctl *c, int argc, char **argv);
int cmd_reject(ctl *c, int argc, char **argv);
int cmd_print(ctl *c, int argc, char **argv);
int cmd_print_resend(ctl *c, int argc, char **argv);
int cmd_dispose(ctl *c, int argc, char **argv);
int cmd_request_dispose_muni(ctl *c, int argc, char **argv);
int cmd_dispose_muni(ctl *c, int argc, char **argv);
int cmd_muni_reopen(ctl *c, int argc, char **argv);
int cmd_key_destroy_old(ctl *c, int argc, char **argv);
int cmd_return(ctl *c, int argc, char **argv);
int cmd_return_cancel(ctl *c, int argc, char **argv);
int cmd_export(ctl *c, int argc, char **argv);
int cmd_backup(ctl *c, int argc, char **argv);
int cmd_backup_verify(ctl *c, int argc, char **argv);
int cmd_backup_prune(ctl *c, int argc, char **argv);
int cmd_restore(ctl *c, int argc, char **argv);
int cmd_migrate(ctl *c, int argc, char **argv);
int cmd_key_backup(ctl *c, int argc, char **argv);
int cmd_key_restore(ctl *c, int argc, char **argv);
int cmd_key_export(ctl *c, int argc, char **argv);
int cmd_key_import(ctl *c, int argc, char **argv);
int cmd_terminal_retire(ctl *c, int argc, char **argv);
/* The receiving side's warnings (cmd_pki.c), for status too: a JSON array, or lines. */
json_t *ctl_pki_warnings_json(const fk_pki_warning *w, int n);
void ctl_pki_warnings_text(FILE *f, const fk_pki_warning *w, int n);

#endif
