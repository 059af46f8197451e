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

/* Filled by a failing call; callers show msg (one line, no trailing newline). */
typedef struct fk_error {
	fk_status code;
	int reason; /* FK_ERR_DENIED from the gate: why (fk_reason, authz.h), for the console */
	char msg[FK_ERRMSG_MAX];
} fk_error;

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
