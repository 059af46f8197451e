/* The core context: configuration, database, keys and the acting identity of one process. */
#ifndef FK_CTX_H
#define FK_CTX_H

#include "sql.h"
#include <stdint.h>

#include "conf.h"
#include "crypto.h"
#include "keys.h"
#include "status.h"

typedef enum fk_role {
	FK_ROLE_NONE = 0,
	FK_ROLE_OPERATOR,
	FK_ROLE_SUPERVISOR,
	FK_ROLE_AUDITOR,
	FK_ROLE_ADMIN,
} fk_role;

const char *fk_role_id(fk_role r); /* "operator" … */
int fk_role_parse(const char *s);  /* -1 when unknown */

/* Who is acting: an enrolled person signed in at the console or the command line, or
 * nobody (operator_id 0, user "-"). */
typedef struct fk_actor {
	int64_t operator_id; /* 0: nobody */
	char user[72];
	fk_role role;
	int64_t bureau_id;
} fk_actor;

/* Statements prepared once per connection. The gate walk (tests/test_gate.c), which uses every
 * operation on one connection as a long-lived console could, needed more than 256. */
#define FK_STMT_CACHE 512

typedef struct fk_ctx fk_ctx;
typedef struct fk_trust fk_trust;

/* What the layer above the store does at the edges of every outermost write transaction
 * (core/trust): check the database before anything is read or written, anchor what is
 * committed. The store calls them; it does not know what they do. */
typedef struct fk_tx_hooks {
	fk_status (*begin)(fk_ctx *ctx, fk_error *err);     /* after BEGIN IMMEDIATE */
	fk_status (*precommit)(fk_ctx *ctx, fk_error *err); /* before COMMIT */
	void (*committed)(fk_ctx *ctx);                     /* after COMMIT */
	void (*rolledback)(fk_ctx *ctx);                    /* after a ROLLBACK or failed COMMIT */
	void (*close)(fk_ctx *ctx);                         /* at fk_ctx_close */
} fk_tx_hooks;

struct fk_ctx {
	fk_config cfg;
	fk_sql *db;
	fk_keyring *keys;
	fk_actor actor;
	char tty[64];
	char session[33]; /* random hex id of this process's session */
	int tx_depth;
	int snapshot; /* a read snapshot is open (fk_ctx_snapshot_begin): no write may begin */
	/* Row ids handed out inside the current write transaction: the AAD of a
	 * sealed value names its row, so the id must be known before the insert. */
	int64_t next_key_id, next_register_id, next_version_id;
	/* During a bulk load, search tags are collected and sorted into the index
	 * once at the end (store.c): in memory (bulk_buf, bulk_n entries of a tag and
	 * its register id), or in a temporary table once there are too many
	 * (bulk_tags: 0 none, 1 in memory, 2 in the table). */
	int bulk_tags;
	uint8_t *bulk_buf;
	size_t bulk_n, bulk_cap;
	int64_t terminal_key_id;
	uint8_t terminal_key[FK_KEY_LEN];
	struct {
		const char *sql;
		fk_stmt *stmt;
	} stmts[FK_STMT_CACHE];
	unsigned nstmts;
	/* The sealed history (audit_chain.c). clock is a test hook for the wall
	 * clock (NULL: fk_now_ns); audit_epoch_ns the key epoch's length (0: an
	 * hour). Right after FK_CTX_INIT, audit_k0 holds the initial history key
	 * for the administrator (fk_audit_k0_write); it is wiped at close. */
	int64_t (*clock)(void);
	int64_t audit_epoch_ns;
	int audit_k0_held;
	uint8_t audit_k0[FK_KEY_LEN];
	/* The pinned schema (core/db/schema.h, fk_schema_guard): the schema cookie and the
	 * re-prepare count of the statement that watches schema reloads when the
	 * schema last matched the migrations' (schema_seen 0: not yet);
	 * schema_report > 0 while audit verify takes its lock over a schema whose
	 * differences it reports itself. */
	int schema_seen, schema_report, schema_prepares;
	int64_t schema_cookie;
	const fk_tx_hooks *hooks;
	fk_trust *trust; /* core/trust's state; NULL until fk_trust_open */
	/* Sort keys of registers read while a batch of list changes runs (core/store/order.c,
	 * fk_order_memo); NULL otherwise. */
	struct fk_order_memo *order_memo;
	/* Set by a service that publishes package after package (fk_intake_receive): the memo is
	 * kept from one publishing to the next, each entry used after another connection wrote
	 * only once its register is found still at the same version (fk_order_memo_keep); freed
	 * at close through order_memo_free, set with it. */
	int order_memo_keep;
	void (*order_memo_free)(fk_ctx *ctx);
	/* Told how every outermost write transaction ended (1 committed, 0 rolled back) and, with
	 * -1, the close: core/audit/detect.c tells syslog of the alerts a transaction raised only
	 * once they are committed (a rolled-back alert never happened). NULL: nothing to tell. */
	void (*tx_notes)(fk_ctx *ctx, int outcome);
	struct fk_alert_notes *alert_notes;
};

enum {
	FK_CTX_NEW_CREATE = 1,   /* create the key folder and the database */
	FK_CTX_NEW_UNPINNED = 2, /* open even an altered schema (to report it: nothing is written) */
	FK_CTX_NEW_COPY = 4,     /* fk_ctx_new_copy: a copy, read only */
};

/* Load the configuration (see fk_config_default_path), check and load the keys and open
 * the database, with flags as above. The rest of opening a terminal — the history's keys,
 * the trust base — is fk_ctx_open (core/admin/terminal.h). */
fk_status fk_ctx_new(const char *config_path, int flags, fk_ctx **out, fk_error *err);
/* The same, over a copy of the database at db_path (a backup) opened read only
 * (FK_DB_READONLY) instead of the configured one: the keys are this terminal's. */
fk_status fk_ctx_new_copy(const char *config_path, const char *db_path, fk_ctx **out, fk_error *err);
void fk_ctx_close(fk_ctx *ctx);

/* The wall clock through the test hook: UTC ns. */
int64_t fk_ctx_now(const fk_ctx *ctx);

/* Who acts from now on: an enrolled person (as their row says at sign-in; every decision
 * reads the row again), or nobody. Only sign-in (auth.h) and the terminal's creation set a
 * person. */
void fk_ctx_act_as(fk_ctx *ctx, int64_t operator_id, const char *user, fk_role role, int64_t bureau_id);
void fk_ctx_act_as_nobody(fk_ctx *ctx);

/* A prepared statement for sql, cached by the address of sql (so pass string
 * constants), reset and with its bindings cleared. */
fk_status fk_ctx_stmt(fk_ctx *ctx, const char *sql, fk_stmt **out, fk_error *err);
/* The same for a statement whose result may be large (every register of a municipality, a
 * whole table): on PostgreSQL its rows come through a cursor (FK_SQL_LARGE, core/db/sql.h). */
fk_status fk_ctx_stmt_large(fk_ctx *ctx, const char *sql, fk_stmt **out, fk_error *err);

/* Nestable write transaction: the outermost begin takes the write lock
 * (BEGIN IMMEDIATE), the outermost end commits (ok) or rolls back. */
fk_status fk_ctx_begin(fk_ctx *ctx, fk_error *err);
fk_status fk_ctx_end(fk_ctx *ctx, fk_status st, fk_error *err);

/* A long read that must not hold the write lock (a municipality's return, approve/): one
 * consistent moment of the store (fk_db_begin_snapshot) until fk_ctx_snapshot_end. Outside any
 * write transaction only; a write begun inside it fails (it could not commit anyway). */
fk_status fk_ctx_snapshot_begin(fk_ctx *ctx, fk_error *err);
void fk_ctx_snapshot_end(fk_ctx *ctx);

/* For fk_ctx_begin, right after BEGIN IMMEDIATE: when the schema cookie
 * (PRAGMA schema_version) or this connection's loaded schema changed since
 * the schema was last found pinned (or it never was), fk_schema_check again.
 * Two cached statements and two integer compares when nothing changed. While
 * ctx->schema_report is set, a difference is let through (the caller,
 * audit verify, reports every one itself). */
fk_status fk_schema_guard(fk_ctx *ctx, fk_error *err);

/* The one integer of a one-row query (sql a string constant, no bindings). */
fk_status fk_ctx_int64(fk_ctx *ctx, const char *sql, int64_t *out, fk_error *err, const char *what);

/* The row of sql (one binding, ?1 = id) for id: FK_OK and *found 1 with *out on the row (the
 * caller reads it, then fk_sql_reset), or FK_OK and *found 0 (the caller says what was not
 * found); a database failure as fk_db_fail(what). */
fk_status fk_ctx_row(fk_ctx *ctx, const char *sql, int64_t id, fk_stmt **out, int *found, fk_error *err,
		     const char *what);

/* Step a statement expecting SQLITE_DONE; map failures. */
fk_status fk_ctx_exec(fk_ctx *ctx, fk_stmt *st, fk_error *err, const char *what);


/* Seal / open small terminal-owned values (operator names, audit details)
 * under the terminal's data key; aad names the row. */
fk_status fk_ctx_seal(fk_ctx *ctx, const char *aad, const char *plain, uint8_t **out,
		      size_t *outlen, fk_error *err);
fk_status fk_ctx_open_sealed(fk_ctx *ctx, const char *aad, const uint8_t *blob, size_t len,
			     char **out, fk_error *err);

#endif
