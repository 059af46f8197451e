/* Status codes and the one error message every core call can fill (no exits in core). */
#ifndef FK_STATUS_H
#define FK_STATUS_H

#include <stddef.h>

/* One list generates the enum and the names, so they never drift apart. */
#define FK_STATUS_LIST(X)                                                  \
	X(OK, "ok")                                                        \
	X(ERR_USAGE, "bad usage")                                          \
	X(ERR_INVALID, "invalid input")                                    \
	X(ERR_NOTFOUND, "not found")                                       \
	X(ERR_EXISTS, "already exists")                                    \
	X(ERR_DENIED, "denied")                                            \
	X(ERR_IO, "input/output error")                                    \
	X(ERR_DB, "database error")                                        \
	X(ERR_BUSY, "database busy or locked")                             \
	X(ERR_FULL, "disk full")                                           \
	X(ERR_SCHEMA, "incompatible database schema")                      \
	X(ERR_CORRUPT, "corrupt data")                                     \
	X(ERR_CRYPTO, "cryptographic failure")                             \
	X(ERR_TAMPER, "authentication failed: data altered or misplaced")  \
	X(ERR_KEYPERM, "unsafe key file permissions")                      \
	X(ERR_NOKEY, "key missing")                                        \
	X(ERR_NOMEM, "out of memory")                                      \
	X(ERR_CONFIG, "configuration error")                               \
	X(ERR_LOCKED, "account locked")                                    \
	X(ERR_AUTH, "authentication failed")                               \
	X(ERR_AUDIT, "operation could not be recorded")                    \
	X(ERR_INTERNAL, "internal error")

typedef enum fk_status {
#define FK_STATUS_ENUM(name, text) FK_##name,
	FK_STATUS_LIST(FK_STATUS_ENUM)
#undef FK_STATUS_ENUM
	FK_STATUS_COUNT
} fk_status;

#define FK_ERRMSG_MAX 512

/* The failures an operator can meet in the console and put right (a missing reason, a word
 * not understood, a grant already revoked), as ids: the core fills msg in English from the
 * template, and the console says the same in its language from the id and the parameters
 * (tui/reasons.c, po/ja.po). In a template {a} is the text parameter, {n} and {m} the
 * numbers. A new id needs its translation (tests/test_reasons.c checks every one). */
/* Marks a template for xgettext (po/Makevars: --keyword=FK_N_). */
#define FK_N_(s) s
#define FK_MSG_LIST(X)                                                                      \
	X(NONE, "")                                                                         \
	X(REASON_REQUIRED, FK_N_("A reason is required."))                                  \
	X(REASON_TOO_LONG, FK_N_("The reason is too long: at most {n} bytes."))             \
	X(REASON_ONE_LINE, FK_N_("The reason must be one line of text."))                   \
	X(GRANTEE_REQUIRED, FK_N_("Whom to grant to is required."))                         \
	X(KINDS_REQUIRED, FK_N_("At least one kind of file is required."))                  \
	X(RIGHTS_REQUIRED, FK_N_("At least one right is required."))                        \
	X(GRANT_ALREADY_ENDED, FK_N_("The grant would already have ended."))                \
	X(GRANT_ENDS_BEFORE_START, FK_N_("The grant must end after it starts."))            \
	X(GRANT_NOT_FOUND, FK_N_("There is no grant {n}."))                                 \
	X(GRANT_ALREADY_REVOKED, FK_N_("Grant {n} is already revoked."))                    \
	X(KIND_UNKNOWN, FK_N_("Unknown kind of file: {a}"))                                 \
	X(KIND_EMPTY, FK_N_("A kind of file is empty or too long in the list."))            \
	X(RIGHT_UNKNOWN, FK_N_("Unknown right: {a}"))                                       \
	X(RIGHT_EMPTY, FK_N_("A right is empty or too long in the list."))                  \
	X(NOT_A_DATE, FK_N_("'{a}' is not a date (YYYY-MM-DD)."))                           \
	X(DATE_OUT_OF_RANGE, FK_N_("'{a}' is out of range: times from {n}-01-01 to 2262-04-11 can be stored.")) \
	X(NO_LOCKOUT, FK_N_("{a} has no failed sign-ins or lock."))                         \
	X(LOCKED_IN_SIGNIN, FK_N_("The account was locked during sign-in."))                \
	X(SEARCH_EMPTY, FK_N_("The search text is empty."))                                 \
	X(MUNICIPALITY_UNKNOWN, FK_N_("Municipality {a} is not known."))                    \
	X(OPERATOR_UNKNOWN, FK_N_("There is no operator named {a}."))                       \
	X(RECORD_NOT_FOUND, FK_N_("Entry {n} does not exist."))                             \
	X(HISTORY_NOT_INTACT, FK_N_("The history is not intact: {n} problems."))             \
	X(LOCKDOWN_SIGNIN, FK_N_("Sign-in refused: a lockdown is in force; only administrators may sign in.")) \
	X(AUTH_HELPER_DOWN, FK_N_("The sign-in service (fukuhon-authd) is not running: call the administrator.")) \
	X(AUTH_HELPER_FAILED, FK_N_("The sign-in service (fukuhon-authd) failed during the sign-in: try again, or call the administrator.")) \
	X(PRINTER_REFUSED, FK_N_("The printer cannot take the print ({a}). Nothing was printed and no output number was used.")) \
	/* enrolling a terminal (core/admin/enrol.h) */                                             \
	X(ENROL_CERT_EXPIRED, FK_N_("The new terminal's certificate is expired or not yet valid.")) \
	X(ENROL_CERT_NOT_CLIENT, FK_N_("The new terminal's certificate is not for TLS client authentication.")) \
	X(ENROL_CERT_WEAK, FK_N_("The new terminal's key has {n} bits: at least 2048 are needed.")) \
	X(ENROL_OTHER_RECIPIENT, FK_N_("The key package is encrypted to another recipient: it is not for this terminal.")) \
	X(ENROL_DAMAGED, FK_N_("The key package cannot be opened: it was altered, or is not a key package.")) \
	X(ENROL_SIGNER, FK_N_("The key package is signed by another terminal than {a}.")) \
	X(ENROL_SIGNER_EXPIRED, FK_N_("The exporting terminal's certificate is expired or not yet valid.")) \
	X(ENROL_NOT_FOR_US, FK_N_("The key package was made for another terminal.")) \
	X(ENROL_EXPIRED, FK_N_("The key package has expired: export a new one.")) \
	X(ENROL_FOLDER_NOT_EMPTY, FK_N_("The key folder {a} already holds files: keys are imported into a folder without any.")) \
	X(ENROL_WRONG_STORE, FK_N_("The store's rows do not match the imported trust key: the package is of another bureau's store, or the store was altered outside fukuhon.")) \
	X(PACKAGE_NAME, FK_N_("A package's name is a file name alone: letters, digits, '.', '-', '_', not starting with '.', at most {n} characters.")) \
	/* the bureau's keys after enrolment (core/admin/enrol.h, rotate.h, retire.h) */             \
	X(MASTER_KEY_MISSING, FK_N_("Master key {n} is not in this terminal's key folder: another terminal rotated the master key. Nothing was changed. Import the current keys: key export --for THIS-TERMINAL-CERT at a terminal that holds them, then key import --update FILE --from THAT-CERT here.")) \
	X(ENROL_NOT_ENROLLED, FK_N_("The key folder {a} is not an enrolled terminal's: --update adds keys to a terminal that already holds the bureau's keys and its own.")) \
	X(ENROL_OTHER_KEY, FK_N_("The key package's {a} differs from this terminal's: it is of another bureau's store, or the keys were altered.")) \
	X(ENROL_STALE, FK_N_("The key package does not carry master key {n}, which the store uses now: export a new one at a terminal that holds it.")) \
	X(TERMINAL_RETIRED, FK_N_("Terminal {a} was retired: it may no longer use this store.")) \
	/* the terminal's role on a PostgreSQL store (core/db/pgprivs.h) */                          \
	X(STORE_ROLE_SURPLUS, FK_N_("The store lets this terminal's database role do more than it may ({n} privileges too many, the first: {a}): the terminal does not start. The store's administrator revokes them (sql/terminal_grants.pg.sql lists what a terminal may do)."))

typedef enum fk_msg {
#define FK_MSG_ENUM(id, text) FK_MSG_##id,
	FK_MSG_LIST(FK_MSG_ENUM)
#undef FK_MSG_ENUM
	FK_MSG_COUNT
} fk_msg;

/* Filled by a failing call; callers show msg (one line, no trailing newline). */
typedef struct fk_error {
	fk_status code;
	int reason; /* FK_ERR_DENIED from the gate: why (fk_reason, authz.h), for the console */
	fk_msg msg_id;      /* FK_MSG_NONE, or what msg says, for the console to translate */
	char msg_arg[96];   /* the template's {a}: a word, a date, a user name (untrusted text) */
	long long msg_n;    /* the template's {n} */
	char msg[FK_ERRMSG_MAX];
} fk_error;

/* The English template of id (a msgid of po/ja.po); NULL out of range. */
const char *fk_msg_template(fk_msg id);
/* tmpl with {a} replaced by arg and {n} by n, into out (cut to len, always terminated). */
void fk_msg_expand(const char *tmpl, const char *arg, long long n, char *out, size_t len);

/* A failure the console can name: msg in English from id's template, and the id with its
 * parameters (arg may be NULL) for the console. */
#define fk_fail_id(err, code, id, arg, n) fk_failed(fk_fail_id_msg((err), (code), (id), (arg), (n)))
fk_status fk_fail_id_msg(fk_error *err, fk_status code, fk_msg id, const char *arg, long long n);

const char *fk_status_name(fk_status st);

/* A failing path is never FK_OK: FK_OK given by mistake becomes
 * FK_ERR_INTERNAL. Inline and not variadic, so that the compiler and the
 * static analyser (which does not follow calls into other files, nor into
 * variadic functions) see on every path that a failure stays a failure. */
static inline fk_status fk_failed(fk_status code)
{
	return code == FK_OK ? FK_ERR_INTERNAL : code;
}

/* Record a failure in err (which may be NULL) and return code, so that
 * "return fk_fail(err, FK_ERR_X, ...)" reads as one step. */
#define fk_fail(err, code, ...) fk_failed(fk_fail_msg((err), (code), __VA_ARGS__))
fk_status fk_fail_msg(fk_error *err, fk_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix an existing message with context ("loading keys: ..."); the
 * failure's code (FK_ERR_INTERNAL when err is NULL or holds none). */
#define fk_fail_wrap(err, ...) fk_failed(fk_fail_wrap_msg((err), __VA_ARGS__))
fk_status fk_fail_wrap_msg(fk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void fk_error_clear(fk_error *err);

#endif
