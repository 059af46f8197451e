/* Every operation of the core, one row each: its name in the history, its object, and the rule
 * that decides it (R-ACCESS, R-FILES, R-JURIS, R-LOG). The gate (gate.h) decides every
 * operation by its row and records it; fk_authorize (authz.h) applies the rules. */
#ifndef FK_OPS_H
#define FK_OPS_H

#include "ctx.h"
#include "register.h" /* the kinds of file (fk_file_kind) */

typedef enum fk_right {
	FK_RIGHT_VIEW = 1,
	FK_RIGHT_EXPORT = 2,
	FK_RIGHT_PRINT = 4,
	FK_RIGHT_DISPOSE = 8,
} fk_right;
#define FK_RIGHTS_ALL 15u


/* Who decides an operation. */
typedef enum fk_rule {
	FK_RULE_SYSTEM, /* the terminal itself (start, stop, seals, expiries, sign-in steps): recorded */
	FK_RULE_PUBLIC, /* nobody need be signed in: public reference data */
	FK_RULE_ANYONE, /* any enrolled, enabled person */
	FK_RULE_ROLES,  /* a person of one of the roles in the rule's mask */
	FK_RULE_FILE,   /* a file right (the mask) through a grant in force, in the jurisdiction */
	FK_RULE_MANAGE, /* making, revoking and reading grants (docs/permissions.md) */
	FK_RULE_TESTING, /* an administrator, on a test or demo terminal only (R-TEST-ENV) */
	/* deciding another person's request (R-APPROVE): a person of a role in the mask, of
	 * the request's bureau (fk_authz_req.target_bureau), who is not its requester
	 * (target_operator): four eyes, never two */
	FK_RULE_APPROVE,
} fk_rule;

#define FK_R(role) (1u << FK_ROLE_##role)
#define FK_R_HISTORY (FK_R(AUDITOR) | FK_R(ADMIN))
#define FK_R_LOCKOUTS (FK_R(SUPERVISOR) | FK_R(ADMIN))
#define FK_R_STAFF (FK_R(SUPERVISOR) | FK_R(AUDITOR) | FK_R(ADMIN))
/* The packages received (受信パッケージ): operators and supervisors see whether what their
 * municipalities sent has come in and what of it was rejected (and tell the municipality, which
 * must send again), administrators run the imports and answer for them. Auditors are not
 * among them: they read what happened in the operation history, where every package and every
 * rejected record is on record (issue 10). */
#define FK_R_PACKAGES (FK_R(OPERATOR) | FK_R(SUPERVISOR) | FK_R(ADMIN))

/* Whether the gate holds the write lock from the decision to the record (the operation's
 * reads and writes are one transaction with its record), or the operation runs its own
 * transactions between a decision and a record (long runs: key rotation, reindex, verify). */
enum { FK_OP_ONE_TX = 1, FK_OP_OWN_TX = 0 };

/* X(id, recorded name, object type, rule, mask (roles or rights), transaction) */
#define FK_OP_LIST(X)                                                                              \
	/* the console's screens and the authorised reads (core/access) */                      \
	X(VIEW_HOME, "view.home", "bureau", ANYONE, 0, 1, 0)                                          \
	X(REGISTER_PAGE, "view.register-page", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)             \
	X(LEDGER_PAGE, "view.ledger-page", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)                 \
	X(DOC_PAGE, "view.document-page", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)                  \
	X(REGISTER_LIST, "register.list", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)                  \
	X(REGISTER_SEARCH, "register.search", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)              \
	X(COUNTS, "counts", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)                                \
	X(REGISTER_OPEN, "register.open", "register", FILE, FK_RIGHT_VIEW, 1, 0)                      \
	X(REGISTER_VERSIONS, "register.versions", "register", FILE, FK_RIGHT_VIEW, 1, 0)              \
	X(REGISTER_COMPARE, "register.compare", "register", FILE, FK_RIGHT_VIEW, 1, 0)                \
	X(REGISTER_EXPORT, "register.export", "register", FILE, FK_RIGHT_EXPORT, 1, 0)                \
	X(REGISTER_PRINT, "register.print", "register", FILE, FK_RIGHT_PRINT, 1, 0)                   \
	X(REGISTER_DISPOSE, "register.dispose", "register", FILE, FK_RIGHT_DISPOSE, 1, 0)             \
	X(LEDGER_LIST, "ledger.list", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)                      \
	X(LEDGER_OPEN, "ledger.open", "ledger", FILE, FK_RIGHT_VIEW, 1, 0)                            \
	X(DOC_LIST, "doc.list", "municipality", FILE, FK_RIGHT_VIEW, 1, 0)                            \
	X(DOC_OPEN, "doc.open", "doc", FILE, FK_RIGHT_VIEW, 1, 0)                                     \
	/* file permissions */                                                                    \
	X(GRANT_ADD, "grant.add", "operator", MANAGE, 0, 1, 0)                                        \
	X(GRANT_REVOKE, "grant.revoke", "grant", MANAGE, 0, 1, 0)                                     \
	X(GRANT_LIST, "grant.list", "operator", MANAGE, 0, 1, 0)                                      \
	X(GRANT_OPERATORS, "grant.operators", "bureau", MANAGE, 0, 1, 0)                              \
	X(GRANT_MATRIX, "grant.matrix", "operator", MANAGE, 0, 1, 0)                                  \
	X(GRANT_EXPIRED, "grant.expired", "grant", SYSTEM, 0, 1, 0)                                   \
	/* the operation history */                                                               \
	X(HISTORY_VIEW, "view.history", "history", ROLES, FK_R_HISTORY, 1, 0)                         \
	X(HISTORY_LIST, "audit.list", "history", ROLES, FK_R_HISTORY, 1, 0)                           \
	X(HISTORY_EXPORT, "audit.export", "history", ROLES, FK_R_HISTORY, 1, 0)                       \
	X(HISTORY_VERIFY, "audit.verify", "history", ROLES, FK_R_HISTORY, 0, 1)                       \
	X(HISTORY_CHECKPOINT, "audit.checkpoint", "file", ROLES, FK_R_HISTORY, 1, 0)                  \
	X(HISTORY_SEAL, "audit.seal", "epoch", SYSTEM, 0, 1, 0)                                       \
	/* sign-in, sessions and lockout */                                                       \
	X(SIGNIN, "signin", "operator", SYSTEM, 0, 1, 0)                                              \
	X(SIGNOUT, "signout", "operator", SYSTEM, 0, 1, 0)                                            \
	X(SESSION_LOCK, "session.lock", "operator", ANYONE, 0, 1, 0)                                  \
	X(SESSION_UNLOCK, "session.unlock", "operator", SYSTEM, 0, 1, 0)                              \
	X(PASSWORD_CHANGE, "password.change", "operator", SYSTEM, 0, 1, 0)                            \
	X(LOCKOUT_VIEW, "view.lockouts", "lockout", ROLES, FK_R_LOCKOUTS, 1, 0)                       \
	X(LOCKOUT_UNLOCK, "lockout.unlock", "operator", ROLES, FK_R_LOCKOUTS, 1, 0)                   \
	X(LOCKOUT_RESERVE, "lockout.reserve", "operator", SYSTEM, 0, 1, 0)                            \
	X(LOCKOUT_LOCK, "lockout.lock", "operator", SYSTEM, 0, 1, 0)                                  \
	X(LOCKOUT_EXPIRE, "lockout.expire", "operator", SYSTEM, 0, 1, 0)                              \
	/* operators and the terminal */                                                          \
	X(OPERATOR_ADD, "operator.add", "operator", ROLES, FK_R(ADMIN), 1, 0)                         \
	X(OPERATOR_ENABLE, "operator.enable", "operator", ROLES, FK_R(ADMIN), 1, 0)                   \
	X(OPERATOR_DISABLE, "operator.disable", "operator", ROLES, FK_R(ADMIN), 1, 0)                 \
	X(OPERATOR_LIST, "operator.list", "operator", ROLES, FK_R_STAFF, 1, 0)                        \
	/* credentials of scripts (core/access/credentials.h): administrators make and revoke  \
	 * them, auditors and administrators list them; a sign-in with one is SIGNIN */          \
	X(CREDENTIAL_ADD, "credential.add", "credential", ROLES, FK_R(ADMIN), 1, 0)                   \
	X(CREDENTIAL_REVOKE, "credential.revoke", "credential", ROLES, FK_R(ADMIN), 1, 0)             \
	X(CREDENTIAL_LIST, "credential.list", "credential", ROLES, FK_R_HISTORY, 1, 0)                \
	X(BUREAU_LIST, "bureau.list", "bureau", PUBLIC, 0, 1, 0)                                      \
	X(MUNICIPALITY_LIST, "municipality.list", "bureau", PUBLIC, 0, 1, 0)                          \
	X(STATUS_VIEW, "status.view", "terminal", ROLES, FK_R(AUDITOR) | FK_R(ADMIN), 1, 1)           \
	X(KEY_ROTATE, "key.rotate", "master-key", ROLES, FK_R(ADMIN), 0, 0)                           \
	X(KEY_ANNOUNCE, "key.announce", "master-key", SYSTEM, 0, 1, 0)                                \
	X(REINDEX, "maintenance.reindex", "municipality", ROLES, FK_R(ADMIN), 0, 0)                   \
	X(DEMO_DATA, "import.demo-data", "bureau", TESTING, FK_R(ADMIN), 1, 0)                        \
	X(INIT, "init", "terminal", SYSTEM, 0, 1, 0)                                                  \
	X(TERMINAL_CREATE, "terminal.create", "terminal", SYSTEM, 0, 1, 0)                            \
	X(REFERENCE_LOAD, "reference.load", "terminal", SYSTEM, 0, 1, 0)                              \
	X(TRUST_ADOPT, "trust.adopt", "terminal", SYSTEM, 0, 1, 0)                                    \
	X(INDEX_KEY_ADOPT, "index-key.adopt", "terminal", SYSTEM, 0, 1, 0)                            \
	X(PROGRAM_START, "program.start", "program", SYSTEM, 0, 1, 0)                                 \
	X(PROGRAM_STOP, "program.stop", "program", SYSTEM, 0, 1, 0)                                 \
	/* the receiving side's trust material (core/pki/pki_admin.h): administrators decide   \
	 * whom packages are accepted from and to which key they are encrypted; supervisors  \
	 * and auditors may read it too, since supervisors must see that imports are about to \
	 * stop (a CRL to fetch) and auditors check what is trusted */                        \
	X(PKI_CA_ADD, "pki.ca_add", "ca", ROLES, FK_R(ADMIN), 1, 0)                                   \
	X(PKI_CA_REMOVE, "pki.ca_remove", "ca", ROLES, FK_R(ADMIN), 1, 0)                             \
	X(PKI_CA_LIST, "pki.ca_list", "ca", ROLES, FK_R_STAFF, 1, 0)                                  \
	X(PKI_CRL_ADD, "pki.crl_add", "ca", ROLES, FK_R(ADMIN), 1, 0)                                 \
	X(PKI_CERT_REQUEST, "pki.cert_request", "certificate", ROLES, FK_R(ADMIN), 0, 0)              \
	X(PKI_CERT_INSTALL, "pki.cert_install", "certificate", ROLES, FK_R(ADMIN), 1, 0)              \
	X(PKI_CERT_STATUS, "pki.cert_status", "certificate", ROLES, FK_R_STAFF, 1, 0)                 \
	/* packages received (core/intake/): staged chunk by chunk in transactions of their own \
	 * (each on record), published in one; abandoning removes a staging package's rows */   \
	X(IMPORT, "intake.import", "package", ROLES, FK_R(ADMIN), 0, 0)                               \
	X(IMPORT_ABANDON, "intake.abandon", "package", ROLES, FK_R(ADMIN), 0, 0)                        \
	X(RECEIVE, "intake.receive", "package", SYSTEM, 0, 0, 0)                                     \
	/* the console's screen of packages received (core/intake/packages.h): only packages  \
	 * of the reader's bureau's municipalities (R-JURIS), recorded when viewed */           \
	X(PACKAGE_LIST, "intake.list", "package", ROLES, FK_R_PACKAGES, 1, 0)                          \
	X(PACKAGE_OPEN, "intake.open", "package", ROLES, FK_R_PACKAGES, 1, 0)                          \
	/* the four-eyes workflow (core/approve/, docs/approvals.md, R-APPROVE, R-PRINT): a    \
	 * request needs the right it asks to use on every register it names (decided per      \
	 * register by the grant rule); a supervisor of its bureau who is not the requester     \
	 * decides it; the requester carries it out once, decided again by the grant rule; each \
	 * copy and each expiry noticed is the terminal's own step, recorded */                 \
	X(REQUEST_PRINT, "request.print", "request", FILE, FK_RIGHT_PRINT, 1, 0)                     \
	X(REQUEST_EXPORT, "request.export", "request", FILE, FK_RIGHT_EXPORT, 1, 0)                  \
	X(REQUEST_DISPOSE, "request.dispose", "request", FILE, FK_RIGHT_DISPOSE, 1, 0)               \
	X(REQUEST_RETURN, "request.return", "request", FILE, FK_RIGHT_EXPORT, 1, 0)                  \
	X(REQUEST_APPROVE, "request.approve", "request", APPROVE, FK_R(SUPERVISOR), 1, 0)            \
	X(REQUEST_REJECT, "request.reject", "request", APPROVE, FK_R(SUPERVISOR), 1, 0)              \
	X(REQUEST_EXPIRE, "request.expire", "request", SYSTEM, 0, 1, 0)                              \
	X(REQUEST_LIST, "request.list", "request", ANYONE, 0, 1, 0)                                  \
	X(PRINT_EXECUTE, "print.execute", "request", FILE, FK_RIGHT_PRINT, 1, 0)                     \
	X(PRINT_COPY, "print.copy", "output", SYSTEM, 0, 1, 0)                                       \
	/* an approved export carried out (core/approve/exportjob.c): the package, recorded once */ \
	X(EXPORT_EXECUTE, "export.execute", "request", FILE, FK_RIGHT_EXPORT, 1, 0)                   \
	X(EXPORT_PACKAGE, "export.package", "output", SYSTEM, 0, 1, 0)                              \
	/* intrusion alerts (core/audit/detect.h, core/admin/alert.h; R-INTRUSION): raised by the \
	 * terminal's detectors with the record that tripped them; seen by supervisors (of the \
	 * alert's bureau) and administrators, acknowledged by one of them with a note, never  \
	 * by the person the alert is about */                                                  \
	X(ALERT_RAISE, "alert.raise", "alert", SYSTEM, 0, 1, 0)                                      \
	X(ALERT_LIST, "alert.list", "alert", ROLES, FK_R_LOCKOUTS, 1, 0)                             \
	X(ALERT_ACK, "alert.ack", "alert", ROLES, FK_R_LOCKOUTS, 1, 0) \
	/* jurisdiction (core/admin/jurisdiction.h, R-JURIS): administrators change which office \
	 * manages which municipality and add 支局, each change with its reason; supervisors    \
	 * and auditors may read the table too, to check it against the law's; each            \
	 * municipality an import moves is recorded by itself in the import's transaction */    \
	X(JURIS_LIST, "jurisdiction.list", "bureau", ROLES, FK_R_STAFF, 1, 0)                       \
	X(JURIS_ASSIGN, "jurisdiction.assign", "municipality", ROLES, FK_R(ADMIN), 1, 0)            \
	X(JURIS_IMPORT, "jurisdiction.import", "file", ROLES, FK_R(ADMIN), 1, 0)                    \
	X(JURIS_MOVE, "jurisdiction.move", "municipality", SYSTEM, 0, 1, 0)                         \
	X(JURIS_OFFICE_ADD, "jurisdiction.office-add", "bureau", ROLES, FK_R(ADMIN), 1, 0)          \
	/* health (core/admin/healthcheck.h, R-DETECT): the figures and checks a monitor and    \
	 * the supervisors read; a full check's outcome recorded as the terminal's own step, so \
	 * that the next health finds when the database was last checked and what it showed    \
	 * (a diagnosis: it runs unrecorded over a database that failed its checks) */           \
	X(HEALTH_VIEW, "health.view", "terminal", ROLES, FK_R_STAFF, 1, 1)                           \
	X(HEALTH_CHECK, "health.check", "terminal", SYSTEM, 0, 1, 0)                                 \
	/* the lockdown (core/admin/lockdown_admin.h, R-INTRUSION): administrators suspend and  \
	 * restore everyone else's sign-ins, with a reason; staff may read whether it is on */   \
	X(LOCKDOWN_ON, "lockdown.on", "terminal", ROLES, FK_R(ADMIN), 1, 0)                          \
	X(LOCKDOWN_OFF, "lockdown.off", "terminal", ROLES, FK_R(ADMIN), 1, 0)                        \
	X(LOCKDOWN_VIEW, "lockdown.status", "terminal", ROLES, FK_R_STAFF, 1, 0) \
	/* backups (core/admin/backup.h, R-BACKUP): runs of their own, between decision and record */ \
	X(BACKUP_CREATE, "backup.create", "backup", ROLES, FK_R(ADMIN), 0, 0)                        \
	X(BACKUP_VERIFY, "backup.verify", "backup", ROLES, FK_R(ADMIN), 0, 0)                        \
	X(BACKUP_RESTORE, "backup.restore", "backup", ROLES, FK_R(ADMIN), 0, 0)                      \
	X(BACKUP_KEYS, "backup.keys", "backup", ROLES, FK_R(ADMIN), 0, 0)                            \
	X(BACKUP_PRUNE, "backup.prune", "backup", ROLES, FK_R(ADMIN), 0, 0) \
	/* an approved disposal carried out (core/approve/disposejob.c): each register crypto-erased,   \
	 * recorded once; a restored older database disposed of again from the key folder's ledger */ \
	X(DISPOSE_EXECUTE, "dispose.execute", "request", FILE, FK_RIGHT_DISPOSE, 1, 0)                \
	X(DISPOSE_REGISTER, "dispose.register", "register", SYSTEM, 0, 1, 0)                          \
	X(DISPOSE_REAPPLY, "dispose.reapply", "register", SYSTEM, 0, 1, 0)                             \
	X(PRINT_SEND, "print.send", "output", SYSTEM, 0, 1, 0) \
	/* a whole municipality (core/approve/munidispose.c, returnjob.c; R-DISPOSE 8(1)ク): asked  \
	 * for like the others; a return written as one package to the municipality; a disposal    \
	 * carried out in short transactions, each batch recorded, the whole recorded once */     \
	X(REQUEST_DISPOSE_MUNI, "request.dispose-municipality", "request", FILE, FK_RIGHT_DISPOSE, 1, 0) \
	X(RETURN_EXECUTE, "return.execute", "request", FILE, FK_RIGHT_EXPORT, 1, 0)                   \
	X(RETURN_PACKAGE, "return.package", "output", SYSTEM, 0, 1, 0)                              \
	X(DISPOSE_MUNI_EXECUTE, "dispose-municipality.execute", "request", FILE, FK_RIGHT_DISPOSE, 0, 0) \
	X(DISPOSE_MUNI_BATCH, "dispose-municipality.batch", "request", SYSTEM, 0, 1, 0) \
	/* the search index's tags recomputed from every register (core/store/retag.h), in   \
	 * short steps each on record; resumable */                                              \
	X(REINDEX_TAGS, "maintenance.reindex-tags", "register", ROLES, FK_R(ADMIN), 0, 0)            \
	X(STORE_RECOVER, "store.recover", "backup", ROLES, FK_R(ADMIN), 0, 0)                        \
	X(MIGRATE, "maintenance.migrate", "terminal", ROLES, FK_R(ADMIN), 0, 0) \
	/* a municipality disposed of re-opened for packages (core/admin/reopen.c; R-DISPOSE): a   \
	 * fresh data key, the references of its disposed registers released; a supervisor of   \
	 * its bureau or an administrator */                                                      \
	X(MUNI_REOPEN, "municipality.reopen", "municipality", ROLES, FK_R(SUPERVISOR) | FK_R(ADMIN), 1, 0) \
	/* the master key's rotation due after a disposal (sealed meta), and done (R-DISPOSE,     \
	 * R-KEYS; docs/disposal.md) */                                                           \
	X(KEY_ROTATION_DUE, "key.rotation-due", "master-key", SYSTEM, 0, 1, 0)                    \
	X(KEY_DESTROY_OLD, "key.destroy-old", "master-key", ROLES, FK_R(ADMIN), 0, 0) \
	/* a printed copy the printer did not take, sent again from the spool as the same copy \
	 * (core/approve/resend.h): its requester, within the approval, the print right again */ \
	X(PRINT_RESEND, "print.resend", "output", FILE, FK_RIGHT_PRINT, 1, 0) \
	/* enrolling a terminal (core/admin/enrol.h): the bureau's shared keys exported to the new   \
	 * terminal's certificate, and imported there; each recorded with the other terminal's     \
	 * certificate (fingerprint, subject), never a key */                                      \
	X(KEY_EXPORT, "key.export", "terminal", ROLES, FK_R(ADMIN), 0, 0)                            \
	X(KEY_IMPORT, "key.import", "terminal", ROLES, FK_R(ADMIN), 1, 0)                            \
	/* a return's steps after its decision (core/approve/exportjob.c): the municipality held  \
	 * and the output number kept for it, what the package held kept in short steps, or the  \
	 * return stopped; the package itself written outside the write lock */                  \
	X(RETURN_STEP, "return.step", "request", SYSTEM, 0, 1, 0)                                 \
	/* a re-opening's references of disposed registers released in short steps              \
	 * (core/admin/reopen.c), each recorded */                                                \
	X(MUNI_REOPEN_STEP, "municipality.reopen.step", "municipality", SYSTEM, 0, 1, 0)          \
	/* a terminal of a shared store retired (core/admin/retire.h): its chain closed, its later   \
	 * records reported by verify, its programs refused; a supervisor or an administrator */   \
	X(TERMINAL_RETIRE, "terminal.retire", "terminal", ROLES, FK_R(SUPERVISOR) | FK_R(ADMIN), 1, 0) \
	/* a return interrupted part-way given up (core/approve/retcancel.h): its requester or a \
	 * supervisor of its bureau, decided in the operation (retcancel.c) */                    \
	X(RETURN_CANCEL, "return.cancel", "request", ANYONE, 0, 1, 0)

typedef enum fk_op {
	FK_OP_NONE = 0,
#define FK_OP_ENUM(id, name, otype, rule, mask, tx, diag) FK_OP_##id,
	FK_OP_LIST(FK_OP_ENUM)
#undef FK_OP_ENUM
	FK_OP_COUNT
} fk_op;

typedef struct fk_op_info {
	const char *name;  /* as recorded: "register.open" */
	const char *otype; /* the object's type: "register" */
	fk_rule rule;
	unsigned mask; /* FK_RULE_ROLES and FK_RULE_TESTING: roles (FK_R); FK_RULE_FILE: the right */
	int one_tx;
	int diagnosis; /* runs unrecorded over a database that failed its checks */
} fk_op_info;

/* The row of op (FK_OP_NONE's for an unknown one: a system rule named "?"). */
const fk_op_info *fk_op_get(fk_op op);
const char *fk_op_name(fk_op op);
/* What people call op where they read the history ("Register opened"): an English msgid
 * that the edges translate (po/ja.po); NULL for an operation without one (out of range, or
 * a row added to FK_OP_LIST without its name: tests/test_reasons.c fails). */
const char *fk_op_label(fk_op op);
/* The operation recorded under name; FK_OP_NONE when none is. */
fk_op fk_op_find(const char *name);

#endif
