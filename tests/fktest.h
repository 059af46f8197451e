/* Test helpers: a throw-away terminal (config, keys, database) in a temporary folder. R-TEST-ENV. */
#ifndef FKTEST_H
#define FKTEST_H

#include <check.h>
#include <jansson.h>

#include "fk.h"

typedef struct fkt_env {
	char dir[512];
	char config[600];
} fkt_env;

/* Make a private temporary folder with a fukuhon.conf pointing inside it
 * (extra is appended to the configuration, may be NULL). Tests never touch a
 * real database or key. */
void fkt_env_init(fkt_env *e, const char *extra);
/* Initialise keys and database and load the reference data. */
fk_ctx *fkt_ctx_init(fkt_env *e);
fk_ctx *fkt_ctx_open(fkt_env *e);
void fkt_env_cleanup(fkt_env *e);

/* Path of a file under the source tree (FK_TOP_SRCDIR or "."). Static buffer. */
const char *fkt_src(const char *rel);

/* A small valid register document. */
json_t *fkt_register(const char *name, const char *reading, const char *honseki);

/* The one integer a query returns (asserts it returns a row). */
int64_t fkt_scalar(fk_ctx *ctx, const char *sql);

/* Run suite s; the exit status for main(). */
int fkt_run(Suite *s);

#define ck_assert_ok(expr, errp)                                                          \
	do {                                                                              \
		fk_status ck_st_ = (expr);                                                \
		ck_assert_msg(ck_st_ == FK_OK, "%s -> %s: %s", #expr, fk_status_name(ck_st_), \
			      (errp)->msg);                                               \
	} while (0)

#endif
