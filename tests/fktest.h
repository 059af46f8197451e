/* Test helpers: a throw-away terminal (config, keys, database) in a temporary folder. R-TEST-ENV. */
#ifndef FKTEST_H
#define FKTEST_H

#include <check.h>
#include <jansson.h>

#include "fk.h"

typedef struct fkt_env {
	char dir[512];
	char config[600];
	/* On PostgreSQL (FK_TEST_PG): the env's own database on the test cluster; "" on SQLite. */
	char pgdb[64];
	/* Its terminal's URI (the cluster's FK_PG_CONNINFO naming pgdb); "" on SQLite. */
	char uri[1024];
} fkt_env;

/* Make a private temporary folder with a fukuhon.conf pointing inside it
 * (extra is appended to the configuration, may be NULL). Tests never touch a
 * real database or key. The store is db/fukuhon.db there, or, when FK_TEST_PG names a
 * running test cluster (the env file tests/pg/cluster.sh start DIR writes, or DIR), a fresh
 * database of its own on that cluster (created here, dropped by fkt_env_cleanup). */
void fkt_env_init(fkt_env *e, const char *extra);
/* Whether the unit tests run on PostgreSQL (FK_TEST_PG set). */
int fkt_pg(void);
/* On PostgreSQL: print that the calling test's case `what` is skipped there and why (the log
 * units_pg.sh counts) and return 1; on SQLite return 0. A case that only makes sense on an
 * SQLite file (its bytes, its WAL, PRAGMAs) asks this first, never passing silently. */
#define fkt_skip_on_pg(what, why) fkt_skip_on_pg_at(__FILE__, __func__, (what), (why))
int fkt_skip_on_pg_at(const char *file, const char *fn, const char *what, const char *why);
/* The store's setting line of e ("database = …"), for tests that write configurations. */
const char *fkt_database_line(const fkt_env *e);
/* The first administrator of every test terminal. */
#define FKT_ADMIN "admin"

/* Create a test terminal (keys, database, reference data, FKT_ADMIN enrolled); the
 * context acts as FKT_ADMIN, as does one fkt_ctx_open opens. */
fk_ctx *fkt_ctx_init(fkt_env *e);
fk_ctx *fkt_ctx_open(fkt_env *e);
void fkt_env_cleanup(fkt_env *e);

/* fkt_ctx_init that also hands back the history's initial key K0. */
fk_ctx *fkt_ctx_init_k0(fkt_env *e, uint8_t k0[FK_KEY_LEN]);

/* Verify the history with K0 (and a kept checkpoint or NULL), no integrity
 * check; problems are printed when FKT_VERBOSE is set. */
fk_verify_report fkt_verify(fk_ctx *ctx, const uint8_t k0[FK_KEY_LEN], const fk_checkpoint *kept);
/* Whether the last fkt_verify reported a problem of kind k at seq. */
int fkt_verify_saw(fk_vp_kind k, int64_t seq);

/* Path of a file under the source tree (FK_TOP_SRCDIR or "."). Static buffer. */
const char *fkt_src(const char *rel);

/* A small valid register document. */
json_t *fkt_register(const char *name, const char *reading, const char *honseki);

/* Enrol user (role, bureau name) as FKT_ADMIN; its id. */
int64_t fkt_enrol(fk_ctx *ctx, const char *user, fk_role role, const char *bureau);
/* Grant user rights on every kind of municipality muni, as FKT_ADMIN (who acts afterwards). */
void fkt_grant(fk_ctx *ctx, const char *user, const char *muni, unsigned rights);
/* Act as enrolled user (NULL: FKT_ADMIN again), as a sign-in would. */
void fkt_act_as(fk_ctx *ctx, const char *user);
/* Whether the file e's db/<name> holds any 16 bytes of b (n bytes) anywhere: a freed cell is
 * partly overwritten by what takes its place, and what stays of it must not be a piece of a
 * key either (disposal's tests, R-DISPOSE). SQLite only: fails the test on PostgreSQL (ask
 * fkt_skip_on_pg first). */
int fkt_file_holds(const fkt_env *e, const char *name, const uint8_t *b, size_t n);
/* Byte off of the file at path changed by xor with mask (a key file damaged, a write torn). */
void fkt_flip_byte(const char *path, long off, int mask);
/* PostgreSQL only (asserts it): the number of rows, in every table of e's database, whose
 * text rendering holds any w running bytes of b (n bytes; w 0: all n), in clear or as
 * bytea's hex: what the server's administrator reads with SELECT (the live rows, where
 * fkt_file_holds reads SQLite's file; dead tuples and WAL are the server's, see
 * tests/pg_restore_drill.sh). */
int fkt_pg_rows_hold(const fkt_env *e, const void *b, size_t n, size_t w);
/* Number of history rows with this action and result (NULL: any) and reason (NULL: any). */
int fkt_audit_count(fk_ctx *ctx, const char *action, const char *result, const char *reason);
/* The one integer a query returns (asserts it returns a row). */
int64_t fkt_scalar(fk_ctx *ctx, const char *sql);
/* The text the one-row query returns (static buffer). */
const char *fkt_text(fk_ctx *ctx, const char *sql);
/* Run sql on the terminal's own connection, as a statement of its own (asserts it ran). */
void fkt_exec_own(fk_ctx *ctx, const char *sql);

/* The store's writes, each in a transaction with a record of its own, as an operation makes
 * them (a change that is not on record does not commit). */
fk_status fkt_store_add(fk_ctx *ctx, const char *muni, fk_reg_kind kind, const json_t *doc,
			const char *by, int64_t at, int64_t *id, fk_error *err);
fk_status fkt_store_update(fk_ctx *ctx, int64_t id, fk_reg_kind kind, const json_t *doc,
			   const char *by, int64_t at, int *version, fk_error *err);
fk_status fkt_ledger_add(fk_ctx *ctx, const char *muni, const char *day, const json_t *p,
			 int64_t at, int64_t *id, fk_error *err);
fk_status fkt_doc_add(fk_ctx *ctx, const char *muni, const char *type, int64_t reg, const json_t *p,
		      int64_t at, int64_t *id, fk_error *err);

/* Move municipality code to bureau (a name) as fukuhon moves a row: checked, changed, sealed
 * and recorded in one transaction (core/trust). */
void fkt_municipality_move(fk_ctx *ctx, const char *code, const char *bureau);

/* Run sql on e's database behind the terminal's back, as an attacker with sqlite3 would
 * (another connection; asserts it ran). On PostgreSQL: as the server's administrator would,
 * through libpq as the superuser (sql in PostgreSQL's dialect where the two differ). */
void fkt_outside(const fkt_env *e, const char *sql);
/* The same past a trigger that forbids it, as an attacker with the file would: the trigger
 * dropped, sql run, the trigger put back with its exact text (so the pinned schema still
 * matches), in one transaction. On PostgreSQL the trigger is dropped with its function and
 * both are re-created from the catalogue's own definitions. */
void fkt_outside_past_trigger(const fkt_env *e, const char *trigger, const char *sql);

/* PostgreSQL only: rows kept and put back by the server's administrator (as sqlite3 keeps
 * them in an attached file): the rows query selects, in COPY's text (malloc'ed) ... */
char *fkt_pg_keep(const fkt_env *e, const char *query);
/* ... and, in one transaction of its own, pre (e.g. a DELETE) then kept copied into table;
 * with replica, no trigger fires (session_replication_role). */
void fkt_pg_put_back(const fkt_env *e, const char *pre, const char *table, const char *kept, int replica);

/* A value bound to the forger's statement: 'i' an integer (i), 't' text or 'b' bytes (p, n). */
typedef struct fkt_arg {
	char type;
	int64_t i;
	const void *p;
	int n;
} fkt_arg;
/* PostgreSQL only: sql (with SQLite's ?N placeholders) and the n values bound, as the server's
 * administrator writes with bound values: the superuser, on a session of its own kept for e
 * (until fkt_env_cleanup) whose session_replication_role is replica, so that no trigger fires
 * and nothing in the catalogue changes. 1 when it ran; 0 when the server refused the values
 * themselves (a CHECK constraint, text that is not UTF-8: what no one can store); any other
 * failure fails the test. */
int fkt_pg_outside_bound(const fkt_env *e, const char *sql, int n, const fkt_arg *a);

/* Run suite s; the exit status for main(). */
int fkt_run(Suite *s);

#define ck_assert_ok(expr, errp)                                                          \
	do {                                                                              \
		fk_status ck_st_ = (expr);                                                \
		ck_assert_msg(ck_st_ == FK_OK, "%s -> %s: %s", #expr, fk_status_name(ck_st_), \
			      (errp)->msg);                                               \
	} while (0)

#endif
