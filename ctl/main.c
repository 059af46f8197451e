/* fukuhonctl: the administrator's command line over the core. */
#include "config.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"

#define P CTL_PERSON
#define A CTL_PUBLIC
const ctl_cmd ctl_commands[] = {
	{"init", cmd_init, A,
	 "--admin USER --bureau NAME [--name DISPLAY] [--mode test|demo] [--audit-key-out FILE]",
	 "create the key folder and the database, load reference data, enrol USER (signed in through "
	 "PAM) as the first administrator; write the history initial key"},
	{"status", cmd_status, P, "[--json] [--check]", "show the terminal's state: database, keys, counts"},
	{"health", cmd_health, P, "[--json] [--check]",
	 "the terminal's health, as a monitoring plugin: one summary line, then one line per check; "
	 "exit 0 ok, 1 warning, 2 critical, 3 unknown (--check: the full check first, recorded)"},
	{"lockdown on", cmd_lockdown_on, P, "--reason TEXT",
	 "suspend every sign-in but administrators' and sign open consoles out (administrators)"},
	{"lockdown off", cmd_lockdown_off, P, "--reason TEXT", "end the lockdown (administrators)"},
	{"lockdown status", cmd_lockdown_status, P, "[--json]", "whether a lockdown is in force, since when, by whom, why"},
	{"bureau list", cmd_bureau_list, A, "[--json]", "list the bureaus"},
	{"municipality list", cmd_muni_list, A, "[--bureau NAME] [--json]", "list municipalities and their bureau"},
	{"municipality reopen", cmd_muni_reopen, P, "CODE --reason TEXT [--json]",
	 "re-open a municipality disposed of, so that it receives packages again: a fresh data key, "
	 "its disposed registers' references released (supervisors of its bureau, administrators)"},
	{"operator add", cmd_operator_add, P, "USER --role ROLE --bureau NAME [--name DISPLAY]",
	 "enrol an operator (role: operator, supervisor, auditor, administrator)"},
	{"operator list", cmd_operator_list, P, "[--json]", "list enrolled operators"},
	{"operator disable", cmd_operator_disable, P, "USER", "disable an operator"},
	{"operator enable", cmd_operator_enable, P, "USER", "enable an operator"},
	{"grant", cmd_grant, P,
	 "USER --municipality CODE|--all --kind KIND[,KIND] --rights RIGHT[,RIGHT] [--from DATE] "
	 "[--until DATE] --reason TEXT",
	 "grant file permissions (kinds: koseki 戸籍, joseki 除籍, ledger 受付帳情報, documents 届書等情報; "
	 "rights: view, export, print, dispose)"},
	{"revoke", cmd_revoke, P, "GRANT-ID --reason TEXT", "revoke a grant"},
	{"grants", cmd_grants, P, "[--user USER] [--bureau NAME] [--active] [--expiring DAYS] [--json]",
	 "list grants (recording first the expiry of any that have ended)"},
	{"permissions", cmd_permissions, P, "USER [--json]",
	 "an operator's effective permissions: municipality × kind × rights"},
	{"demo-data", cmd_demo_data, P, "--registers N [--seed S] [--bureau NAME]",
	 "generate synthetic registers for a bureau's municipalities (test and demo terminals only)"},
	{"lockout list", cmd_lockout_list, P, "[--json]",
	 "accounts with failed sign-ins or a lock: failures, last failure and terminal, locked until"},
	{"lockout unlock", cmd_lockout_unlock, P, "USER --reason TEXT",
	 "clear an account's failures and lock (recorded with the reason)"},
	{"alert list", cmd_alert_list, P, "[--all] [--json]",
	 "intrusion alerts: the open ones (with --all every one), newest first (supervisors, administrators)"},
	{"alert ack", cmd_alert_ack, P, "ID --note TEXT",
	 "acknowledge an alert with a note of 1-200 characters (recorded)"},
	{"credential add", cmd_credential_add, P, "NAME --as USER --commands COMMAND[,COMMAND]",
	 "make a script's credential: a secret in the key folder's credentials/NAME that signs in as "
	 "USER for the listed commands only"},
	{"credential revoke", cmd_credential_revoke, P, "NAME", "revoke a credential and remove its file"},
	{"credential list", cmd_credential_list, P, "[--json]",
	 "list credentials: for whom, which commands, made by whom and when, revoked"},
	{"key rotate", cmd_key_rotate, P, "[--batch N] [--keep-old]",
	 "re-wrap every data key under a new master key (--keep-old: the old ones kept, so that older "
	 "backups stay readable, until key destroy-old)"},
	{"key destroy-old", cmd_key_destroy_old, P, "--reason TEXT",
	 "destroy the master keys kept by key rotate --keep-old, on schedule: backups wrapped under "
	 "them become unreadable (administrators)"},
	{"reindex", cmd_reindex, P, "[--municipality CODE | --all | --tags [--batch N]]",
	 "rebuild the register lists' sort orders (本籍, reading): those out of step, one municipality's, or all; "
	 "with --tags, recompute every register's search tags (resumable, N registers a step)"},
	{"audit verify", cmd_audit_verify, P, "[--key FILE] [--checkpoint FILE] [--other-key FILE,...]",
	 "check the operation history's chain, checkpoints, the sealed rows and the database; exit 1 when not intact"},
	{"audit list", cmd_audit_list, P,
	 "[--since TIME] [--until TIME] [--operator USER] [--action ACTION] [--object ID] [--result R] [--json]",
	 "show the operation history (TIME: YYYY-MM-DD[THH:MM[:SS]] UTC)"},
	{"audit export", cmd_audit_export, P, "--format jsonl|csv",
	 "write the whole history, details decrypted, to standard output (recorded)"},
	{"audit checkpoint", cmd_audit_checkpoint, P, "--export FILE",
	 "write a signed checkpoint of the newest record, to keep off the terminal"},
	{"cert request", cmd_cert_request, P, "[--subject /O=…/CN=…] [--out FILE.csr] [--ec]",
	 "make the receiving key and its certificate request (the current certificate keeps working)"},
	{"cert install", cmd_cert_install, P, "FILE.crt [--key FILE.key]",
	 "install the requested certificate (or one with its key made elsewhere) as the current one, "
	 "keeping the previous one"},
	{"cert status", cmd_cert_status, P, "[--json]",
	 "the receiving certificates, the trusted CAs with their CRLs, and warnings"},
	{"ca add", cmd_ca_add, P, "FILE.crt", "trust a municipal CA (packages signed under it are accepted)"},
	{"ca list", cmd_ca_list, P, "[--json]", "list the trusted municipal CAs and their CRLs"},
	{"ca remove", cmd_ca_remove, P, "ID|SUBJECT", "stop trusting a municipal CA (its CRL goes with it)"},
	{"crl add", cmd_crl_add, P, "FILE.crl", "install a CA's CRL (never one older than the installed one)"},
	{"import", cmd_import, P, "FILE... [--receipt-dir DIR]",
	 "import signed, encrypted packages of fukuhon: one line each (applied with its counts, or "
	 "refused and why), its signed receipt written as FILE.receipt or into DIR; exit 1 when any "
	 "was refused"},
	{"request print", cmd_request_print, P, "--register ID... --reason TEXT",
	 "ask for a print of registers (their current versions); a supervisor approves it"},
	{"request export", cmd_request_export, P, "--register ID... --reason TEXT",
	 "ask for an export of registers of one municipality; a supervisor approves it"},
	{"request dispose", cmd_request_dispose, P, "--register ID... --reason TEXT",
	 "ask for the disposal of registers; a supervisor approves it, you carry it out (dispose)"},
	{"request return", cmd_request_return, P, "--municipality CODE --reason TEXT",
	 "ask to return a municipality's data to it (every register with every version, its ledger "
	 "and documents, as one package; a supervisor approves it, you carry it out: return)"},
	{"request dispose-municipality", cmd_request_dispose_muni, P,
	 "--municipality CODE [--after-return ID] --reason TEXT",
	 "ask for the disposal of a whole municipality's data (after a return: exactly what it held); "
	 "a supervisor approves it, you carry it out (dispose-municipality)"},
	{"requests", cmd_requests, P, "[--mine | --waiting] [--json]",
	 "list requests: your own, or a supervisor's bureau's (--waiting: those to decide)"},
	{"approve", cmd_approve, P, "REQUEST-ID --reason TEXT",
	 "approve another person's request of your bureau (supervisors)"},
	{"reject", cmd_reject, P, "REQUEST-ID --reason TEXT",
	 "reject another person's request of your bureau (supervisors)"},
	{"print resend", cmd_print_resend, P, "OUTPUT-NUMBER [--json]",
	 "send again to print_queue a copy of your print that the printer did not take (it stayed in "
	 "the print spool): the same copy, number and content, while the print's approval lasts"},
	{"print", cmd_print, P, "REQUEST-ID [--json]",
	 "carry out your approved print request, once: one PDF per register in the print spool"},
	{"dispose", cmd_dispose, P, "REQUEST-ID [--json]",
	 "carry out your approved disposal request, once: each register's key destroyed, its content "
	 "erased, out of search and lists; recorded, and named in the key folder's disposal ledger"},
	{"dispose-municipality", cmd_dispose_muni, P, "REQUEST-ID [--json]",
	 "carry out (or, after an interruption, continue) your approved disposal of a municipality: "
	 "in short transactions, each recorded; the request is running until it is done"},
	{"return cancel", cmd_return_cancel, P, "REQUEST-ID --reason TEXT [--json]",
	 "give up a return left in progress (interrupted): its requester or a supervisor of the bureau; "
	 "its output number void, its temporary file removed; it is never carried out nor followed by "
	 "the municipality's disposal"},
	{"return", cmd_return, P, "REQUEST-ID --to MUNICIPALITY-CERT.pem --out FILE [--json]",
	 "carry out your approved return, once: one signed package encrypted to the municipality's "
	 "certificate (chained to its CA in the trust store), numbered and recorded like an export"},
	{"export", cmd_export, P, "REQUEST-ID --to CERT.pem --out FILE [--json]",
	 "carry out your approved export request, once: one package signed by this terminal, encrypted to CERT"},
	{"jurisdiction list", cmd_juris_list, P, "[--office NAME] [--json]",
	 "municipalities and the office (法務局, 地方法務局 or 支局) that manages each"},
	{"jurisdiction assign", cmd_juris_assign, P, "CODE --office NAME --reason TEXT",
	 "assign a municipality to an office (administrators; takes effect at the next decision)"},
	{"jurisdiction import", cmd_juris_import, P, "FILE --reason TEXT",
	 "assign from a CSV file code,office: the whole file checked first, nothing applied when "
	 "any line is wrong"},
	{"jurisdiction office add", cmd_juris_office_add, P, "NAME --parent NAME [--kana KANA] --reason TEXT",
	 "add a 支局 under a 法務局 or 地方法務局 (then assign its municipalities)"},
	{"backup verify", cmd_backup_verify, P, "DEST [--key FILE]",
	 "check a backup: its manifest and signature (this terminal's), its SHA-256, and the copy's "
	 "history chain, sealed rows and table digests; each check reported; exit 1 when any fails"},
	{"backup prune", cmd_backup_prune, P, "ROOT --keep N",
	 "remove all but the N newest backups (by their manifests) directly in ROOT"},
	{"backup", cmd_backup, P, "DEST | --into ROOT [--passphrase-fd N]",
	 "copy the database, online, into the new folder DEST (or ROOT/TERMINAL-TIME) with a manifest "
	 "signed by this terminal; on a PostgreSQL store the key folder alone, encrypted under a "
	 "passphrase, into the file DEST (the database is backed up on its server)"},
	{"restore", cmd_restore, A, "SRC [--force] [--tail-out FILE] [--key FILE] | --database-restored [--key FILE]",
	 "replace the database with the verified backup SRC (an administrator in it signs in); the "
	 "old history's records after the backup are exported first; refused while it is in use. "
	 "--database-restored: take a PostgreSQL store its server put back into use again (checked, "
	 "anchored again, disposals done again from the key folder's ledger, recorded)"},
	{"migrate", cmd_migrate, A, "[--dry-run]",
	 "list the store's pending schema migrations (--dry-run), or apply them, recorded (an "
	 "administrator signs in; a production store with pending migrations opens only after this)"},
	{"key backup", cmd_key_backup, P, "DEST [--passphrase-fd N]",
	 "write the key folder, encrypted under a passphrase, to the new file DEST (never inside a data backup)"},
	{"key restore", cmd_key_restore, A, "SRC DIR [--passphrase-fd N]",
	 "decrypt a key backup into the new folder DIR"},
	{"key export", cmd_key_export, P,
	 "--for CERT.pem --out FILE [--valid 24h] [--signer-cert FILE --signer-key FILE]",
	 "administrators: the bureau's shared keys (master, index, trust) for a new terminal, encrypted "
	 "to its store certificate CERT and signed by this terminal's (default: the key folder's store/client.*)"},
	{"key import", cmd_key_import, A,
	 "[--update] FILE --from EXPORTER-CERT.pem [--cert FILE --key FILE] [--audit-key-out FILE]",
	 "on a new terminal: check and decrypt FILE, write the shared keys into the empty key folder, "
	 "make this terminal's own history keys and anchor; an administrator signs in and it is recorded. "
	 "--update, on an enrolled terminal: add the master keys it lacks (after a rotation elsewhere), "
	 "its own keys and anchor untouched, recorded"},
	{"terminal retire", cmd_terminal_retire, P, "ID --reason TEXT",
	 "supervisors and administrators: close a decommissioned or stolen terminal of the store out: "
	 "its chain ends at its last record (witnessed), verify reports any later record of it, its "
	 "programs refuse to open the store; then rotate the master key and update the others"},
	{NULL, NULL, 0, NULL, NULL},
};
#undef P
#undef A

static void help(FILE *f)
{
	fprintf(f, "usage: fukuhonctl [--config FILE] [--user USER] [--password-stdin] COMMAND [ARGS]\n"
		   "       fukuhonctl [--config FILE] --credential NAME COMMAND [ARGS]\n\n"
		   "commands:\n");
	for (const ctl_cmd *c = ctl_commands; c->name; c++)
		fprintf(f, "  %s %s\n      %s\n", c->name, c->usage, c->help);
	fprintf(f, "\nThe configuration is FILE, else $%s, else %s/fukuhon.conf.\n"
		   "Every command but init and the reference lists signs you in (PAM, as the console\n"
		   "does): as --user USER, else your login name; the password is asked on the terminal,\n"
		   "or read from standard input with --password-stdin. Each command is recorded under\n"
		   "your name. A script signs in with --credential NAME (see credential add) and may run\n"
		   "only the commands its credential lists. On a test or demo terminal only,\n"
		   "$FUKUHON_TEST_ACTOR names who acts.\n"
		   "Exit status: 0 done, 1 refused or failed, 2 bad usage.\n",
		FK_CONF_ENV, FK_SYSCONFDIR);
}

/* --list-commands: every command and whether it signs a person in, one a line, for scripts
 * and the test that every command that needs a person refuses without one. */
static void list_commands(void)
{
	for (const ctl_cmd *c = ctl_commands; c->name; c++)
		printf("%s\t%s\n", c->access == CTL_PERSON ? "person" : "public", c->name);
}

/* Match argv words against "a b" command names; returns words used. */
static int match(const char *name, int argc, char **argv)
{
	int used = 0;
	const char *p = name;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (used >= argc || strlen(argv[used]) != n || strncmp(argv[used], p, n) != 0)
			return 0;
		used++;
		p += n;
		if (*p == ' ')
			p++;
	}
	return used;
}

int main(int argc, char **argv)
{
	ctl c = {.prog = "fukuhonctl"};
	int i = 1;
	/* Keys, database and exports: nothing we create is for anyone else. */
	umask(077);
	setlocale(LC_ALL, "");
	/* Japanese on a Japanese locale, for the messages that are translated (cmd_pki.c). */
	bindtextdomain(PACKAGE, getenv("FK_LOCALEDIR") ? getenv("FK_LOCALEDIR") : FK_LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
	fk_error err;
	if (fk_harden_process(&err) != FK_OK)
		return ctl_fail(&err);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			c.config = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			c.config = argv[i] + 9;
		else if (!strcmp(argv[i], "--user") && i + 1 < argc)
			c.user = argv[++i];
		else if (!strncmp(argv[i], "--user=", 7))
			c.user = argv[i] + 7;
		else if (!strcmp(argv[i], "--password-stdin"))
			c.password_stdin = 1;
		else if (!strcmp(argv[i], "--credential") && i + 1 < argc)
			c.credential = argv[++i];
		else if (!strncmp(argv[i], "--credential=", 13))
			c.credential = argv[i] + 13;
		else if (!strcmp(argv[i], "--list-commands")) {
			list_commands();
			return CTL_OK;
		}
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help(stdout);
			return CTL_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("fukuhonctl %s\n", PACKAGE_VERSION);
			return CTL_OK;
		} else
			return ctl_usage("unknown option %s", argv[i]);
	}
	if (i == argc) {
		help(stderr);
		return CTL_USAGE;
	}
	/* A credential is the script's whole proof: no person, no password with it. */
	if (c.credential && (c.user || c.password_stdin))
		return ctl_usage("--credential signs a script in: it goes without --user and --password-stdin");
	for (const ctl_cmd *cmd = ctl_commands; cmd->name; cmd++) {
		int used = match(cmd->name, argc - i, argv + i);
		if (!used)
			continue;
		/* COMMAND --help: its usage, before anything is opened or signed in (issue 11, item 11). */
		for (int k = i + used; k < argc; k++)
			if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
				printf("usage: fukuhonctl %s %s\n  %s\n", cmd->name, cmd->usage, cmd->help);
				return CTL_OK;
			}
		c.access = cmd->access;
		c.command = cmd->name;
		/* Whatever the command returns, its stop is recorded and its session closed. */
		return ctl_end(&c, cmd->fn(&c, argc - i - used + 1, argv + i + used - 1));
	}
	return ctl_usage("unknown command '%s' (see fukuhonctl --help)", argv[i]);
}
