/* The PostgreSQL driver behind core/db/sql.h (issue 14): libpq over mutually authenticated
 * TLS 1.3 (R-MUTUAL, R-INTRANSIT), SQLite's API and result codes on the outside.
 *
 * Connecting: the conninfo (URI or key=value) must ask sslmode=verify-full and name the
 * terminal's client certificate, its key and the CA that signed the server's certificate;
 * it must carry no password (the terminal authenticates by its certificate, pg_hba `cert`).
 * The driver adds, unless given: connect_timeout=5, and through `options` the session's
 * bounded waits (lock_timeout 5 s like SQLite's busy wait in db.c, statement_timeout 300 s
 * as a backstop against a hung server, idle_in_transaction_session_timeout 60 s so that a
 * frozen terminal does not hold the store's write lock for ever); it always sets
 * ssl_min_protocol_version=TLSv1.3, passfile=/dev/null and an empty password (so no
 * password from ~/.pgpass or PGPASSWORD is ever sent), and checks after connecting that TLS
 * 1.3 is in use. Settings passed in `options` survive PQreset, so a reconnected session has
 * the same bounds.
 *
 * Statements: `?` and `?NNN` become `$N` once, at prepare (fk_pg_rewrite); the statement is
 * prepared on the server under a per-connection unique name and deallocated at finalize.
 * Values go as text (integers in decimal) or binary (blobs), the server infers their types.
 * Results come as text; a column's type is read from its type OID.
 *
 * Large results (FK_SQL_LARGE): a server-side cursor, DECLARE … CURSOR FOR the statement with
 * its values, then FETCH FK_SQL_BATCH at a time, CLOSE at the end, reset or finalize. Not libpq's
 * single-row mode: that keeps the connection busy until the last row is read, and the core's
 * scans run other statements between their rows (a key looked up, a row re-sealed), as SQLite
 * lets them. Inside a transaction the cursor is the transaction's; outside one it is WITH HOLD
 * (the server keeps the result until CLOSE; the terminal still holds one batch).
 *
 * A dropped connection: the statement that meets it fails with SQLITE_IOERR; the server has
 * rolled back whatever transaction was open, so nothing is half-applied. Outside a
 * transaction the next statement reconnects once (PQreset) and statements are prepared again
 * lazily. Inside one, every statement fails until the caller's ROLLBACK (which then succeeds
 * and reconnects): the caller must learn that its transaction is gone. A statement that
 * failed is never retried by the driver: it may have been carried out before the link broke. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql_pg.h"
#include "sql_pgtext.h"

/* Type OIDs of the built-in types (PostgreSQL's pg_type.dat; fixed since 7.x). */
enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_OID = 26,
	OID_NUMERIC = 1700,
};

#define CONNECT_TIMEOUT_S "5"
/* search_path: the store's tables live in public, and nothing else may come before it (a
 * schema named after the role would otherwise shadow them); set at connect, it survives
 * PQreset and outranks an ALTER ROLE … SET (core/db/schema.c pins public's catalogue). */
#define SESSION_OPTIONS "-c lock_timeout=5000 -c statement_timeout=300000 " \
	"-c idle_in_transaction_session_timeout=60000 -c search_path=public"

struct fk_pg {
	PGconn *conn;
	int errcode;         /* extended SQLite code of the last failure */
	char errmsg[512];
	int changes;
	uint64_t next_id;    /* statement names */
	uint64_t generation; /* bumped at each reconnect: statements prepare again */
	int lost_in_tx;      /* the link broke inside a transaction: fail until ROLLBACK */
	int unsure;          /* the session's state is not known (a pipeline that could not be
			      * read to its end): never used again; reconnect at the next ready() */
	PGTransactionStatusType tx; /* the session's state after the last call that got an answer */
	/* Pipelined writes (fk_pg_pipeline_begin/end): statements sent and not yet answered, and
	 * the run's first failure with its message (kept apart: later calls set errmsg again). */
	int pipeline;
	int queued;
	int pipe_rc;
	char pipe_msg[512];
	int run_failed;      /* a run ended with a failure: every statement but ROLLBACK fails */
};

struct column_cache {
	unsigned char *data; /* a bytea's decoded bytes (NUL-terminated), or NULL */
	size_t len;
	int valid;
};

struct fk_pg_stmt {
	struct fk_pg *pg;
	char name[32];
	char *sql;           /* rewritten to $N */
	int nparams;
	char **values;       /* owned copies; NULL is SQL NULL */
	int *lengths;
	int *formats;        /* 1: binary (blobs) */
	unsigned char *unused; /* 1: a number the text never uses (bound, never sent) */
	uint64_t prepared;   /* the generation it was prepared in; 0: not on the server */
	int is_rollback;
	int is_write;        /* INSERT, UPDATE or DELETE without RETURNING: may go in a pipeline */
	int large;           /* FK_SQL_LARGE: through a cursor */
	int cursor;          /* a cursor is open on the server (named after the statement) */
	int last_batch;      /* the cursor's last FETCH gave fewer rows than asked */
	PGresult *desc;      /* PQdescribePrepared, fetched only if columns are asked before a step */
	PGresult *res;
	int row;             /* current row of res; -1 before the first */
	int ntuples;
	int executed;
	int done;            /* SQLITE_DONE or an error returned: the next step runs it again */
	struct column_cache *cache;
	int ncache;
};

/* ---- errors ---- */

/* libpq's messages run over several lines ("FATAL: …\nSSL connection has been closed…"):
 * one line, as every message of the core. */
static void one_line(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
}

static void set_err(struct fk_pg *pg, int code, const char *msg)
{
	pg->errcode = code;
	snprintf(pg->errmsg, sizeof pg->errmsg, "%s", msg ? msg : "");
	one_line(pg->errmsg);
}

static void set_ok(struct fk_pg *pg)
{
	pg->errcode = SQLITE_OK;
	pg->errmsg[0] = '\0';
}

/* Record a failed result. Only PostgreSQL's primary message is kept: the DETAIL of a
 * constraint failure quotes the row's values, which must not reach a log. */
static int fail_result(struct fk_pg *pg, const PGresult *res)
{
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		char msg[400];
		snprintf(msg, sizeof msg, "the connection to the store was lost: %s", PQerrorMessage(pg->conn));
		set_err(pg, SQLITE_IOERR, msg);
		return SQLITE_IOERR;
	}
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int code = fk_pg_sqlstate_code(state);
	set_err(pg, code, primary ? primary : PQerrorMessage(pg->conn));
	return code & 0xff ? code : SQLITE_ERROR;
}

/* ---- connecting ---- */

static int refuse(char *msg, size_t msglen, const char *why)
{
	if (msg && msglen)
		snprintf(msg, msglen, "%s", why);
	return SQLITE_CANTOPEN;
}

/* Copy libpq's message without its trailing newline. */
static void copy_msg(char *msg, size_t msglen, const char *what, const char *libpq)
{
	if (!msg || !msglen)
		return;
	snprintf(msg, msglen, "%s%s", what, libpq ? libpq : "");
	one_line(msg);
}

/* The server's notices (NOTICE, WARNING) would go to stderr, that is onto the console's
 * screen: the driver drops them. */
static void drop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static const char *opt(const PQconninfoOption *o, const char *key)
{
	for (; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val;
	return NULL;
}

static int empty(const char *s) { return !s || !*s; }

/* What a terminal's conninfo must say, checked before anything is sent. */
static int check_conninfo(const PQconninfoOption *o, char *msg, size_t msglen)
{
	const char *mode = opt(o, "sslmode");
	if (!mode || strcmp(mode, "verify-full") != 0)
		return refuse(msg, msglen, "the store's connection string must ask sslmode=verify-full "
					   "(TLS with the server's certificate and name checked)");
	if (empty(opt(o, "sslcert")) || empty(opt(o, "sslkey")))
		return refuse(msg, msglen, "the store's connection string must name the terminal's client "
					   "certificate and key (sslcert, sslkey)");
	if (empty(opt(o, "sslrootcert")) || strcmp(opt(o, "sslrootcert"), "system") == 0)
		return refuse(msg, msglen, "the store's connection string must name the CA of the store's "
					   "certificate (sslrootcert)");
	if (opt(o, "password") || opt(o, "sslpassword") || opt(o, "passfile"))
		return refuse(msg, msglen, "the store's connection string must carry no password: the "
					   "terminal signs in with its certificate");
	const char *minv = opt(o, "ssl_min_protocol_version");
	if (minv && strcmp(minv, "TLSv1.3") != 0)
		return refuse(msg, msglen, "the store's connection must use TLS 1.3 "
					   "(ssl_min_protocol_version=TLSv1.3)");
	const char *host = opt(o, "host"), *hostaddr = opt(o, "hostaddr");
	if ((empty(host) && empty(hostaddr)) || (host && host[0] == '/'))
		return refuse(msg, msglen, "the store's connection string must name a host: a local socket "
					   "has no TLS");
	return SQLITE_OK;
}

/* TLS really in use, at 1.3 (sslmode could not be weakened, but fail closed). */
static int check_tls(PGconn *conn)
{
	const char *proto = PQsslAttribute(conn, "protocol");
	return PQsslInUse(conn) && proto && strcmp(proto, "TLSv1.3") == 0;
}

int fk_pg_connect(const char *conninfo, struct fk_pg **out, char *msg, size_t msglen)
{
	*out = NULL;
	if (msg && msglen)
		msg[0] = '\0';
	char *perr = NULL;
	PQconninfoOption *o = PQconninfoParse(conninfo ? conninfo : "", &perr);
	if (!o) {
		/* libpq's parse message quotes the offending text, which may be anything: keep it out. */
		PQfreemem(perr);
		return refuse(msg, msglen, "the store's connection string cannot be read");
	}
	int rc = check_conninfo(o, msg, msglen);
	if (rc != SQLITE_OK) {
		PQconninfoFree(o);
		return rc;
	}
	/* Everything given, then what the driver adds or overrides. */
	size_t n = 0;
	for (const PQconninfoOption *p = o; p->keyword; p++)
		n++;
	const char **keys = calloc(n + 8, sizeof *keys);
	const char **vals = calloc(n + 8, sizeof *vals);
	char *options = NULL;
	if (!keys || !vals) {
		rc = SQLITE_NOMEM;
		goto done;
	}
	size_t k = 0;
	for (const PQconninfoOption *p = o; p->keyword; p++) {
		if (!p->val || strcmp(p->keyword, "options") == 0)
			continue;
		keys[k] = p->keyword;
		vals[k++] = p->val;
	}
	/* The caller's own -c settings come after ours and win. */
	const char *given = opt(o, "options");
	size_t olen = strlen(SESSION_OPTIONS) + (given ? strlen(given) + 1 : 0) + 1;
	options = malloc(olen);
	if (!options) {
		rc = SQLITE_NOMEM;
		goto done;
	}
	snprintf(options, olen, "%s%s%s", SESSION_OPTIONS, given ? " " : "", given ? given : "");
	keys[k] = "options", vals[k++] = options;
	if (!opt(o, "connect_timeout"))
		keys[k] = "connect_timeout", vals[k++] = CONNECT_TIMEOUT_S;
	keys[k] = "ssl_min_protocol_version", vals[k++] = "TLSv1.3";
	/* No password file either: a path under /dev/null cannot exist (libpq skips a missing
	 * file silently, but warns on stderr about /dev/null itself). */
	keys[k] = "passfile", vals[k++] = "/dev/null/none";
	keys[k] = "password", vals[k++] = "";
	keys[k] = "client_encoding", vals[k++] = "UTF8";
	if (!opt(o, "gssencmode"))
		keys[k] = "gssencmode", vals[k++] = "disable";
	keys[k] = NULL;
	vals[k] = NULL;

	PGconn *conn = PQconnectdbParams(keys, vals, 0);
	if (!conn) {
		rc = SQLITE_NOMEM;
		goto done;
	}
	PQsetNoticeProcessor(conn, drop_notice, NULL); /* kept across PQreset */
	if (PQstatus(conn) != CONNECTION_OK) {
		copy_msg(msg, msglen, "cannot connect to the store: ", PQerrorMessage(conn));
		PQfinish(conn);
		rc = SQLITE_CANTOPEN;
		goto done;
	}
	if (!check_tls(conn)) {
		refuse(msg, msglen, "the store's connection is not TLS 1.3");
		PQfinish(conn);
		rc = SQLITE_CANTOPEN;
		goto done;
	}
	struct fk_pg *pg = calloc(1, sizeof *pg);
	if (!pg) {
		PQfinish(conn);
		rc = SQLITE_NOMEM;
		goto done;
	}
	pg->conn = conn;
	pg->generation = 1;
	*out = pg;
	rc = SQLITE_OK;
done:
	free(options);
	free(keys);
	free(vals);
	PQconninfoFree(o);
	return rc;
}

void fk_pg_close(struct fk_pg *pg)
{
	if (!pg)
		return;
	PQfinish(pg->conn);
	free(pg);
}

/* After every call to the server: while the link holds, remember whether a transaction is
 * open; once it is found broken (by a statement, a DEALLOCATE, anything), a transaction that
 * was open is gone, and the caller must hear it before anything reconnects. */
static void track(struct fk_pg *pg)
{
	if (PQstatus(pg->conn) == CONNECTION_OK) {
		pg->tx = PQtransactionStatus(pg->conn);
		return;
	}
	if (pg->tx == PQTRANS_INTRANS || pg->tx == PQTRANS_INERROR || pg->tx == PQTRANS_ACTIVE)
		pg->lost_in_tx = 1;
	pg->tx = PQTRANS_IDLE;
}

/* An idle session's socket is readable only when the server said something unasked: a
 * notice, a parameter, or its last words before it closes (FATAL, then the end of the
 * stream). Read while it is readable (at most a few times: a chatty server must not hold us);
 * the end of the stream marks the connection bad. */
static void drain_idle(PGconn *conn)
{
	for (int i = 0; i < 4 && PQstatus(conn) == CONNECTION_OK; i++) {
		struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
		if (p.fd < 0 || poll(&p, 1, 0) <= 0)
			return;
		if (!PQconsumeInput(conn))
			return; /* the failure shows in PQstatus */
		while (!PQisBusy(conn)) { /* parse what came: an unasked error is a result */
			PGresult *r = PQgetResult(conn);
			if (!r)
				break;
			PQclear(r);
		}
	}
}

/* The session may take a statement now (a cursor's CLOSE, a DEALLOCATE, a description): not
 * after a loss, nor while its state is unsure, nor in a run (libpq would refuse it, and its
 * message would join the run's). */
static int usable(struct fk_pg *pg)
{
	return !pg->lost_in_tx && !pg->unsure && !pg->pipeline && PQstatus(pg->conn) == CONNECTION_OK;
}

/* Before a statement: a broken link outside a transaction is reconnected, once. */
static int ready(struct fk_pg *pg)
{
	if (pg->lost_in_tx) {
		set_err(pg, SQLITE_IOERR, "the connection to the store was lost inside a transaction: "
					  "roll it back");
		return SQLITE_IOERR;
	}
	/* A link the server ended while this session sat idle (a restart, pg_terminate_backend,
	 * an idle timeout) is found only by reading from it. Outside a transaction, look before
	 * the statement (PQconsumeInput does not block; it fails at the closed socket and marks
	 * the connection bad), so that the statement runs on a new session instead of failing
	 * with nothing done: a service that waits for work between packages would otherwise fail
	 * its next one. Inside a transaction the loss must reach the caller, so never there. */
	if (PQstatus(pg->conn) == CONNECTION_OK && pg->tx == PQTRANS_IDLE && !pg->unsure)
		drain_idle(pg->conn);
	if (PQstatus(pg->conn) == CONNECTION_OK && !pg->unsure)
		return SQLITE_OK;
	if (pg->unsure) /* its transaction was given up at the caller's ROLLBACK (rollback_lost) */
		pg->tx = PQTRANS_IDLE;
	else
		track(pg); /* a loss found outside any statement (finalize's DEALLOCATE) */
	if (pg->lost_in_tx)
		return ready(pg);
	PQreset(pg->conn);
	pg->unsure = 0;
	track(pg);
	if (PQstatus(pg->conn) != CONNECTION_OK || !check_tls(pg->conn)) {
		char m[400];
		snprintf(m, sizeof m, "cannot reconnect to the store: %s", PQerrorMessage(pg->conn));
		set_err(pg, SQLITE_IOERR, m);
		if (PQstatus(pg->conn) == CONNECTION_OK) {
			/* Connected without TLS 1.3 (cannot happen with the parameters checked at
			 * connect): never use it; this connection stays failed. */
			PQfinish(pg->conn);
			pg->conn = NULL;
		}
		return SQLITE_IOERR;
	}
	pg->generation++; /* the new session has none of our prepared statements */
	return SQLITE_OK;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* After the keyword w at p (any case, a whole word) and the space after it; NULL if none. */
static const char *keyword(const char *p, const char *w)
{
	size_t n = strlen(w);
	if (strncasecmp(p, w, n) != 0 || isalnum((unsigned char)p[n]) || p[n] == '_')
		return NULL;
	return skip_space(p + n);
}

/* A ROLLBACK of the whole transaction that leaves none open: ROLLBACK or ABORT [WORK |
 * TRANSACTION] [AND NO CHAIN]; not one TO a savepoint, of a PREPARED transaction, or AND CHAIN
 * (which begins the next transaction at once). Ignoring case and space; comments are not read
 * (the driver's callers write none). After a lost link the driver answers such a ROLLBACK
 * itself, and a caller must not go on believing it is in a transaction. */
static int is_rollback(const char *sql)
{
	const char *p = skip_space(sql), *q;
	if (!(q = keyword(p, "ROLLBACK")) && !(q = keyword(p, "ABORT")))
		return 0;
	p = q;
	if ((q = keyword(p, "WORK")) || (q = keyword(p, "TRANSACTION")))
		p = q;
	if (keyword(p, "TO") || keyword(p, "PREPARED"))
		return 0;
	if ((q = keyword(p, "AND")) && !keyword(q, "NO"))
		return 0;
	return 1;
}

/* COMMIT or END (of a transaction). */
static int is_commit(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	return strncasecmp(sql, "COMMIT", 6) == 0 || strncasecmp(sql, "END", 3) == 0;
}

/* INSERT, UPDATE or DELETE that returns no rows (no RETURNING anywhere in its text): the
 * statements a pipeline takes, whose only answer is done or failed. */
static int is_plain_write(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	if (strncasecmp(sql, "INSERT", 6) && strncasecmp(sql, "UPDATE", 6) && strncasecmp(sql, "DELETE", 6))
		return 0;
	return strcasestr(sql, "RETURNING") == NULL;
}

/* The caller's ROLLBACK after the link broke in its transaction: the server already rolled
 * back; reconnect (once; if that fails, the next statement tries again). */
static int rollback_lost(struct fk_pg *pg)
{
	pg->lost_in_tx = 0;
	pg->run_failed = 0;
	/* If reconnecting fails the rollback still holds (nothing of the transaction was
	 * applied); the next statement tries again. */
	(void)ready(pg);
	set_ok(pg);
	pg->changes = 0;
	return SQLITE_OK;
}

static void count_changes(struct fk_pg *pg, const PGresult *res)
{
	const char *cmd = PQcmdStatus((PGresult *)res);
	if (cmd && (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
		    strncmp(cmd, "DELETE", 6) == 0 || strncmp(cmd, "MERGE", 5) == 0))
		pg->changes = atoi(PQcmdTuples((PGresult *)res));
}

static int pipe_finish(struct fk_pg *pg);

/* After a run that failed, the transaction's only way on is its ROLLBACK: a failure found on
 * our side (a statement a pipeline does not take, a link that could not be read) sent nothing
 * to the server, which would commit the run's earlier statements; so until a ROLLBACK has
 * succeeded (rolled_back), every statement fails with the run's failure. The refusal's code
 * (never SQLITE_OK), or SQLITE_OK: go on. */
static int run_refuses(struct fk_pg *pg, int rollback)
{
	if (!pg->run_failed || rollback)
		return SQLITE_OK;
	int rc = pg->pipe_rc != SQLITE_OK ? pg->pipe_rc : SQLITE_ERROR;
	set_err(pg, rc, pg->pipe_msg);
	return rc;
}

/* A ROLLBACK the server took: the failed run's transaction is gone. */
static void rolled_back(struct fk_pg *pg, int rollback)
{
	if (rollback)
		pg->run_failed = 0;
}

int fk_pg_exec(struct fk_pg *pg, const char *sql)
{
	/* A caller that gives up half-way (its ROLLBACK) without ending its pipeline: ended here,
	 * its outcome dropped, as the transaction is. Anything else (a COMMIT) after a run that
	 * failed fails with the run's failure. */
	int rollback = is_rollback(sql);
	if (pg->pipeline)
		(void)pipe_finish(pg); /* a failure leaves run_failed set */
	if (pg->lost_in_tx && rollback)
		return rollback_lost(pg);
	int rc = run_refuses(pg, rollback);
	if (rc != SQLITE_OK)
		return rc;
	rc = ready(pg);
	if (rc != SQLITE_OK)
		return rc;
	PGresult *res = PQexec(pg->conn, sql);
	track(pg);
	ExecStatusType s = PQresultStatus(res);
	/* A COMMIT of a transaction a failed statement aborted is answered "ROLLBACK", without an
	 * error: on SQLite a failed statement leaves its transaction open and the COMMIT commits
	 * the rest, here nothing is committed. Say so, so that no caller that went on past a
	 * failure takes the rollback for its commit (fail closed). */
	if (res && s == PGRES_COMMAND_OK && is_commit(sql) && strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		PQclear(res);
		set_err(pg, SQLITE_ABORT, "the transaction had failed and was rolled back, not committed");
		return SQLITE_ABORT;
	}
	if (res && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY)) {
		count_changes(pg, res);
		PQclear(res);
		rolled_back(pg, rollback);
		set_ok(pg);
		return SQLITE_OK;
	}
	rc = fail_result(pg, res);
	PQclear(res);
	/* A ROLLBACK that met a broken link has its effect: the server rolled back. */
	if (pg->lost_in_tx && rollback)
		return rollback_lost(pg);
	return rc;
}

const char *fk_pg_errmsg(struct fk_pg *pg) { return pg->errcode == SQLITE_OK ? "not an error" : pg->errmsg; }
int fk_pg_errcode(struct fk_pg *pg) { return pg->errcode & 0xff; }
int fk_pg_extended_errcode(struct fk_pg *pg) { return pg->errcode; }
int fk_pg_changes(struct fk_pg *pg) { return pg->changes; }

/* lastval(): the value most recently given by any sequence in this session (a serial or
 * identity column's insert). It fails when no sequence was used yet, and a failure aborts an
 * open transaction, so inside one it runs under a savepoint. Queries that need the new id
 * had better say INSERT … RETURNING id, which costs no second round trip. 0 when unknown. */
int64_t fk_pg_last_insert_rowid(struct fk_pg *pg)
{
	if (!usable(pg))
		return 0;
	int in_tx = PQtransactionStatus(pg->conn) == PQTRANS_INTRANS;
	if (PQtransactionStatus(pg->conn) == PQTRANS_INERROR)
		return 0;
	PGresult *res = PQexec(pg->conn, in_tx ? "SAVEPOINT fk_lastval; SELECT lastval()" : "SELECT lastval()");
	track(pg);
	int64_t id = 0;
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (in_tx) {
		res = PQexec(pg->conn, ok ? "RELEASE SAVEPOINT fk_lastval"
					  : "ROLLBACK TO SAVEPOINT fk_lastval; RELEASE SAVEPOINT fk_lastval");
		track(pg);
		PQclear(res);
	}
	return id;
}

int fk_pg_get_autocommit(struct fk_pg *pg)
{
	if (pg->lost_in_tx || pg->run_failed) /* the caller's ROLLBACK is still due */
		return 0;
	switch (PQtransactionStatus(pg->conn)) {
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
	case PQTRANS_ACTIVE:
		return 0;
	default:
		return 1;
	}
}

/* ---- statements ---- */

static void drop_result(struct fk_pg_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->ntuples = 0;
	for (int i = 0; i < st->ncache; i++) {
		free(st->cache[i].data);
		st->cache[i] = (struct column_cache){0};
	}
}

/* A command's result (freed here): SQLITE_OK, or its failure recorded. */
static int command_done(struct fk_pg *pg, PGresult *res)
{
	track(pg);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? SQLITE_OK : fail_result(pg, res);
	PQclear(res);
	return rc;
}

/* A number the text never uses (a statement sharing its bindings with another, e.g. ?6
 * without ?1-?5 used) leaves PostgreSQL nothing to infer its type from: declare those text
 * (25), and let the server infer every other one. *out NULL when there are no parameters. */
static int param_types(const struct fk_pg_stmt *st, Oid **out)
{
	Oid *types = st->nparams > 0 ? calloc((size_t)st->nparams, sizeof *types) : NULL;
	*out = types;
	if (st->nparams > 0 && !types)
		return SQLITE_NOMEM;
	for (int i = 0; i < st->nparams; i++)
		types[i] = 25;
	for (const char *p = st->sql; types && *p; p++) {
		if (*p != '$' || p[1] < '0' || p[1] > '9')
			continue;
		long n = strtol(p + 1, NULL, 10);
		if (n >= 1 && n <= st->nparams)
			types[n - 1] = 0;
	}
	return SQLITE_OK;
}

/* Prepare on the server if this session does not have it yet. */
static int server_prepare(struct fk_pg_stmt *st)
{
	struct fk_pg *pg = st->pg;
	if (st->prepared == pg->generation)
		return SQLITE_OK;
	Oid *types;
	if (param_types(st, &types) != SQLITE_OK)
		return SQLITE_NOMEM;
	int rc = command_done(pg, PQprepare(pg->conn, st->name, st->sql, st->nparams, types));
	free(types);
	if (rc != SQLITE_OK)
		return rc;
	st->prepared = pg->generation;
	PQclear(st->desc);
	st->desc = NULL;
	return SQLITE_OK;
}

int fk_pg_prepare(struct fk_pg *pg, const char *sql, unsigned flags, struct fk_pg_stmt **out)
{
	/* every statement is kept on the server until finalize */
	*out = NULL;
	struct fk_pg_stmt *st = calloc(1, sizeof *st);
	if (!st)
		return SQLITE_NOMEM;
	st->pg = pg;
	st->row = -1;
	st->large = (flags & FK_SQL_LARGE) != 0;
	int rc = fk_pg_rewrite(sql, &st->sql, &st->nparams);
	if (rc != SQLITE_OK) {
		set_err(pg, rc, rc == SQLITE_RANGE ? "a placeholder's number is out of range" : "out of memory");
		free(st);
		return rc;
	}
	snprintf(st->name, sizeof st->name, "fk_s%" PRIu64, ++pg->next_id);
	st->is_rollback = is_rollback(st->sql);
	st->is_write = is_plain_write(st->sql);
	if (st->nparams > 0) {
		st->values = calloc((size_t)st->nparams, sizeof *st->values);
		st->lengths = calloc((size_t)st->nparams, sizeof *st->lengths);
		st->formats = calloc((size_t)st->nparams, sizeof *st->formats);
		st->unused = malloc((size_t)st->nparams);
		if (!st->values || !st->lengths || !st->formats || !st->unused) {
			fk_pg_finalize(st);
			return SQLITE_NOMEM;
		}
		memset(st->unused, 1, (size_t)st->nparams);
		for (const char *q = st->sql; *q; q++) {
			long n = *q == '$' && q[1] >= '0' && q[1] <= '9' ? strtol(q + 1, NULL, 10) : 0;
			if (n >= 1 && n <= st->nparams)
				st->unused[n - 1] = 0;
		}
	}
	/* Prepared now when the link allows, so a syntax or schema error shows at prepare as with
	 * SQLite; after a loss inside a transaction it waits (it may be the caller's ROLLBACK). */
	if (!pg->lost_in_tx && !pg->pipeline) { /* a pipeline takes only statements prepared before it */
		rc = ready(pg);
		if (rc == SQLITE_OK)
			rc = server_prepare(st);
		if (rc != SQLITE_OK) {
			fk_pg_finalize(st);
			return rc;
		}
	}
	set_ok(pg);
	*out = st;
	return SQLITE_OK;
}

/* CLOSE the statement's cursor if one is open and the session can still take it (an aborted
 * transaction or a lost link has dropped it already). */
static void close_cursor(struct fk_pg_stmt *st)
{
	struct fk_pg *pg = st->pg;
	if (!st->cursor)
		return;
	st->cursor = 0;
	if (!usable(pg) || PQtransactionStatus(pg->conn) == PQTRANS_INERROR)
		return;
	char q[48];
	snprintf(q, sizeof q, "CLOSE %s", st->name);
	PQclear(PQexec(pg->conn, q));
	track(pg);
}

void fk_pg_finalize(struct fk_pg_stmt *st)
{
	if (!st)
		return;
	struct fk_pg *pg = st->pg;
	close_cursor(st);
	drop_result(st);
	PQclear(st->desc);
	/* A failure (a dead link, an aborted transaction) only leaves the statement on the server
	 * until the session ends. */
	if (st->prepared == pg->generation && usable(pg) && PQtransactionStatus(pg->conn) != PQTRANS_INERROR) {
		char q[48];
		snprintf(q, sizeof q, "DEALLOCATE %s", st->name);
		PQclear(PQexec(pg->conn, q));
		track(pg);
	}
	for (int i = 0; i < st->nparams; i++)
		free(st->values[i]);
	free(st->values);
	free(st->lengths);
	free(st->formats);
	free(st->unused);
	free(st->cache);
	free(st->sql);
	free(st);
}

/* Room to decode nf columns of the current row. */
static int column_cache(struct fk_pg_stmt *st, int nf)
{
	if (nf <= st->ncache)
		return SQLITE_OK;
	struct column_cache *c = realloc(st->cache, (size_t)nf * sizeof *c);
	if (!c) {
		drop_result(st);
		set_err(st->pg, SQLITE_NOMEM, "out of memory");
		return SQLITE_NOMEM;
	}
	for (int i = st->ncache; i < nf; i++)
		c[i] = (struct column_cache){0};
	st->cache = c;
	st->ncache = nf;
	return SQLITE_OK;
}

/* FETCH the cursor's next batch into st->res; SQLITE_OK or a failure. */
static int fetch(struct fk_pg_stmt *st)
{
	struct fk_pg *pg = st->pg;
	char q[64];
	drop_result(st);
	snprintf(q, sizeof q, "FETCH %d FROM %s", FK_SQL_BATCH, st->name);
	PGresult *res = PQexec(pg->conn, q);
	track(pg);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = fail_result(pg, res);
		PQclear(res);
		st->cursor = 0; /* the failure aborted the transaction, or the link is gone */
		return rc;
	}
	st->res = res;
	st->ntuples = PQntuples(res);
	st->last_batch = st->ntuples < FK_SQL_BATCH;
	return SQLITE_OK;
}

/* DECLARE the statement's cursor with its current values, then FETCH the first batch. The
 * statement's text is parsed again by each DECLARE: a large scan runs once, not per screen. */
static int declare(struct fk_pg_stmt *st)
{
	struct fk_pg *pg = st->pg;
	int in_tx = PQtransactionStatus(pg->conn) == PQTRANS_INTRANS;
	size_t n = strlen(st->sql) + 80;
	char *q = malloc(n);
	if (!q) {
		set_err(pg, SQLITE_NOMEM, "out of memory");
		return SQLITE_NOMEM;
	}
	snprintf(q, n, "DECLARE %s NO SCROLL CURSOR %s FOR %s", st->name, in_tx ? "WITHOUT HOLD" : "WITH HOLD",
		 st->sql);
	/* The same text and declared types as the prepared statement: the same inference. */
	Oid *types;
	if (param_types(st, &types) != SQLITE_OK) {
		free(q);
		set_err(pg, SQLITE_NOMEM, "out of memory");
		return SQLITE_NOMEM;
	}
	int rc = command_done(pg, PQexecParams(pg->conn, q, st->nparams, types, (const char *const *)st->values,
						st->lengths, st->formats, 0));
	free(types);
	free(q);
	if (rc != SQLITE_OK)
		return rc;
	st->cursor = 1;
	return fetch(st);
}

/* ---- pipelined writes ----
 * A run of INSERTs or UPDATEs inside a transaction sent without waiting for each answer
 * (libpq's pipeline mode): one round trip for the run instead of one a statement. Loading
 * the reference data and sealing it were some 3,800 round trips of a terminal's creation.
 * The answers are read at every PIPE_SYNC_EVERY statements (so that neither side's buffers
 * fill while the other waits) and at the end; the first failure is the run's outcome, and
 * after it the server skips or refuses the rest, so nothing after it is applied either (the
 * caller rolls the transaction back). */
#define PIPE_SYNC_EVERY 256

static void pipe_fail(struct fk_pg *pg, int rc)
{
	if (pg->pipe_rc != SQLITE_OK)
		return;
	pg->pipe_rc = rc;
	snprintf(pg->pipe_msg, sizeof pg->pipe_msg, "%s", pg->errmsg);
}

/* The session's state is not known (answers unread, or pipeline mode not left): nothing
 * more is sent on it. Its transaction is lost, as with a broken link: every statement fails
 * until the caller's ROLLBACK, whose ready() reconnects. */
static void pipe_unsure(struct fk_pg *pg)
{
	pg->unsure = 1;
	pg->lost_in_tx = 1; /* a run is always inside a transaction (fk_pg_pipeline_begin) */
}

/* Read every answer up to the Sync sent. */
static void pipe_read(struct fk_pg *pg)
{
	int nulls = 0;
	for (;;) {
		PGresult *r = PQgetResult(pg->conn);
		if (!r) { /* the end of one statement's answers, or a lost link */
			if (PQstatus(pg->conn) != CONNECTION_OK) {
				pipe_fail(pg, fail_result(pg, NULL));
				break;
			}
			/* Each statement's answers end with one NULL and the Sync's answer has none,
			 * so two in a row mean libpq has nothing more to wait for (its error paths
			 * leave the link "OK" and the queue unread): the Sync's answer will not
			 * come, and reading on would spin. */
			if (++nulls > 1) {
				set_err(pg, SQLITE_IOERR, "the store's answers to a pipelined run ended "
							  "before its end");
				pipe_fail(pg, SQLITE_IOERR);
				pipe_unsure(pg);
				break;
			}
			continue;
		}
		nulls = 0;
		ExecStatusType rs = PQresultStatus(r);
		if (rs == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (rs == PGRES_PIPELINE_ABORTED) {
			/* skipped after an earlier failure, which is the one reported */
			if (pg->pipe_rc == SQLITE_OK) {
				set_err(pg, SQLITE_ERROR, "a pipelined statement was not run");
				pipe_fail(pg, SQLITE_ERROR);
			}
		} else if (rs != PGRES_COMMAND_OK) {
			pipe_fail(pg, fail_result(pg, r));
		}
		PQclear(r);
	}
}

/* Send a Sync and read every answer up to it. */
static void pipe_collect(struct fk_pg *pg)
{
	if (!PQpipelineSync(pg->conn))
		pipe_fail(pg, fail_result(pg, NULL)); /* pipe_finish finds the answers unread */
	else
		pipe_read(pg);
	pg->queued = 0;
	if (!pg->unsure)
		track(pg);
}

/* One statement of the run sent (execute's part in a pipeline). */
static int pipe_send(struct fk_pg_stmt *st)
{
	struct fk_pg *pg = st->pg;
	if (pg->pipe_rc != SQLITE_OK) { /* the run has failed already: stop the caller */
		set_err(pg, pg->pipe_rc, pg->pipe_msg);
		return pg->pipe_rc;
	}
	if (!st->is_write || st->large || st->prepared != pg->generation) {
		set_err(pg, SQLITE_MISUSE, "only a prepared INSERT, UPDATE or DELETE without RETURNING "
					   "goes in a pipeline");
		pipe_fail(pg, SQLITE_MISUSE);
		return SQLITE_MISUSE;
	}
	if (!PQsendQueryPrepared(pg->conn, st->name, st->nparams, (const char *const *)st->values,
				 st->lengths, st->formats, 0)) {
		int rc = fail_result(pg, NULL);
		pipe_fail(pg, rc);
		return rc;
	}
	pg->changes = 0; /* not known until the run's answers are read */
	if (++pg->queued >= PIPE_SYNC_EVERY)
		pipe_collect(pg);
	if (pg->pipe_rc != SQLITE_OK) {
		set_err(pg, pg->pipe_rc, pg->pipe_msg);
		return pg->pipe_rc;
	}
	set_ok(pg);
	return SQLITE_OK; /* no result: fk_pg_step answers SQLITE_DONE */
}

/* Read what is left and leave pipeline mode; the run's outcome. */
static int pipe_finish(struct fk_pg *pg)
{
	if (pg->queued > 0 && !pg->unsure)
		pipe_collect(pg);
	if (!pg->unsure && !PQexitPipelineMode(pg->conn) && PQstatus(pg->conn) == CONNECTION_OK) {
		/* still in pipeline mode, with answers unread: no later statement could run on it */
		set_err(pg, SQLITE_IOERR, PQerrorMessage(pg->conn));
		pipe_fail(pg, SQLITE_IOERR);
		pipe_unsure(pg);
	}
	pg->pipeline = 0;
	if (!pg->unsure)
		track(pg);
	int rc = pg->pipe_rc;
	if (rc != SQLITE_OK) {
		pg->run_failed = 1;
		set_err(pg, rc, pg->pipe_msg);
	} else {
		set_ok(pg);
	}
	return rc;
}

int fk_pg_pipeline_begin(struct fk_pg *pg)
{
	if (pg->pipeline) {
		set_err(pg, SQLITE_MISUSE, "a pipeline is running already");
		return SQLITE_MISUSE;
	}
	int rc = run_refuses(pg, 0); /* the last run failed: its transaction only rolls back */
	if (rc != SQLITE_OK)
		return rc;
	rc = ready(pg);
	if (rc != SQLITE_OK)
		return rc;
	if (PQtransactionStatus(pg->conn) != PQTRANS_INTRANS) {
		set_err(pg, SQLITE_MISUSE, "a pipeline runs inside a transaction");
		return SQLITE_MISUSE;
	}
	if (!PQenterPipelineMode(pg->conn)) {
		set_err(pg, SQLITE_ERROR, PQerrorMessage(pg->conn));
		return SQLITE_ERROR;
	}
	pg->pipeline = 1;
	pg->queued = 0;
	pg->pipe_rc = SQLITE_OK;
	pg->pipe_msg[0] = '\0';
	set_ok(pg);
	return SQLITE_OK;
}

int fk_pg_pipeline_end(struct fk_pg *pg)
{
	if (!pg->pipeline) {
		set_err(pg, SQLITE_MISUSE, "no pipeline is running");
		return SQLITE_MISUSE;
	}
	return pipe_finish(pg);
}

/* Run the statement (first step after a reset). The whole result is fetched at once (enough
 * for the screens' pages and the store's lookups), or, for FK_SQL_LARGE, its first batch
 * through a cursor. */
static int execute(struct fk_pg_stmt *st)
{
	struct fk_pg *pg = st->pg;
	if (pg->pipeline && st->is_rollback) /* as fk_pg_exec's: it ends the run, dropping its outcome */
		(void)pipe_finish(pg);
	if (pg->pipeline)
		return pipe_send(st);
	if (pg->lost_in_tx && st->is_rollback)
		return rollback_lost(pg);
	int rc = run_refuses(pg, st->is_rollback);
	if (rc != SQLITE_OK)
		return rc;
	rc = ready(pg);
	if (rc == SQLITE_OK)
		rc = server_prepare(st);
	if (rc != SQLITE_OK)
		return rc;
	if (st->large) {
		if ((rc = declare(st)) != SQLITE_OK)
			return rc;
		if ((rc = column_cache(st, PQnfields(st->res))) != SQLITE_OK)
			return rc;
		set_ok(pg);
		return SQLITE_OK;
	}
	PGresult *res = PQexecPrepared(pg->conn, st->name, st->nparams, (const char *const *)st->values,
				       st->lengths, st->formats, 0);
	track(pg);
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		rc = fail_result(pg, res);
		PQclear(res);
		if (pg->lost_in_tx && st->is_rollback)
			return rollback_lost(pg);
		return rc;
	}
	count_changes(pg, res);
	rolled_back(pg, st->is_rollback);
	st->res = res;
	st->ntuples = PQntuples(res);
	if ((rc = column_cache(st, PQnfields(res))) != SQLITE_OK)
		return rc;
	set_ok(pg);
	return SQLITE_OK;
}

int fk_pg_step(struct fk_pg_stmt *st)
{
	if (st->done) /* SQLite's auto-reset: a step after DONE or an error runs it again */
		fk_pg_reset(st);
	if (!st->executed) {
		st->executed = 1;
		int rc = execute(st);
		if (rc != SQLITE_OK) {
			st->done = 1;
			return rc;
		}
		if (!st->res) { /* a ROLLBACK after a lost link */
			st->done = 1;
			return SQLITE_DONE;
		}
	}
	for (int i = 0; i < st->ncache; i++) {
		free(st->cache[i].data);
		st->cache[i] = (struct column_cache){0};
	}
	if (st->row + 1 < st->ntuples) {
		st->row++;
		return SQLITE_ROW;
	}
	if (st->cursor && !st->last_batch) {
		int rc = fetch(st);
		if (rc != SQLITE_OK) {
			st->done = 1;
			return rc;
		}
		if (st->ntuples > 0) {
			st->row = 0;
			return SQLITE_ROW;
		}
	}
	close_cursor(st);
	st->done = 1;
	return SQLITE_DONE;
}

int fk_pg_reset(struct fk_pg_stmt *st)
{
	close_cursor(st);
	drop_result(st);
	st->executed = 0;
	st->done = 0;
	return SQLITE_OK;
}

int fk_pg_clear_bindings(struct fk_pg_stmt *st)
{
	for (int i = 0; i < st->nparams; i++) {
		free(st->values[i]);
		st->values[i] = NULL;
		st->lengths[i] = 0;
		st->formats[i] = 0;
	}
	return SQLITE_OK;
}

int fk_pg_bind_parameter_count(struct fk_pg_stmt *st) { return st->nparams; }

static int bind(struct fk_pg_stmt *st, int i, const void *p, size_t n, int format)
{
	if (i < 1 || i > st->nparams) {
		set_err(st->pg, SQLITE_RANGE, "column index out of range");
		return SQLITE_RANGE;
	}
	char *v = NULL;
	/* A number the text never uses (declared text, server_prepare) is sent as NULL: a blob
	 * sent there would be read as text, and refused when it is not UTF-8 (a statement that
	 * shares its bindings with another: core/intake/pkgrow.c SQL_SAVE and its ?5). */
	if (st->unused[i - 1])
		p = NULL;
	if (p) {
		v = malloc(n + 1);
		if (!v)
			return SQLITE_NOMEM;
		if (n)
			memcpy(v, p, n);
		v[n] = '\0';
	}
	free(st->values[i - 1]);
	st->values[i - 1] = v;
	st->lengths[i - 1] = (int)n;
	st->formats[i - 1] = format;
	return SQLITE_OK;
}

int fk_pg_bind_int64(struct fk_pg_stmt *st, int i, int64_t v)
{
	char s[24];
	int n = snprintf(s, sizeof s, "%" PRId64, v);
	return bind(st, i, s, (size_t)n, 0);
}

int fk_pg_bind_text(struct fk_pg_stmt *st, int i, const char *s, int n)
{
	if (!s)
		return fk_pg_bind_null(st, i);
	return bind(st, i, s, n < 0 ? strlen(s) : (size_t)n, 0);
}

int fk_pg_bind_blob(struct fk_pg_stmt *st, int i, const void *p, int n)
{
	if (!p) /* SQLite's rule: a NULL pointer binds NULL, whatever the length */
		return fk_pg_bind_null(st, i);
	return bind(st, i, p, n > 0 ? (size_t)n : 0, 1);
}

int fk_pg_bind_null(struct fk_pg_stmt *st, int i) { return bind(st, i, NULL, 0, 0); }

/* Column names before any step need the statement's description (one round trip, kept). */
static const PGresult *columns(struct fk_pg_stmt *st)
{
	if (st->res)
		return st->res;
	if (!st->desc && st->prepared == st->pg->generation && usable(st->pg)) {
		PGresult *d = PQdescribePrepared(st->pg->conn, st->name);
		track(st->pg);
		if (PQresultStatus(d) == PGRES_COMMAND_OK)
			st->desc = d;
		else
			PQclear(d);
	}
	return st->desc;
}

int fk_pg_column_count(struct fk_pg_stmt *st)
{
	const PGresult *r = columns(st);
	return r ? PQnfields(r) : 0;
}

const char *fk_pg_column_name(struct fk_pg_stmt *st, int i)
{
	const PGresult *r = columns(st);
	return r && i >= 0 && i < PQnfields(r) ? PQfname(r, i) : NULL;
}

static int on_row(const struct fk_pg_stmt *st, int i)
{
	return st->res && st->row >= 0 && st->row < st->ntuples && i >= 0 && i < PQnfields(st->res);
}

int fk_pg_column_type(struct fk_pg_stmt *st, int i)
{
	if (!on_row(st, i) || PQgetisnull(st->res, st->row, i))
		return SQLITE_NULL;
	switch (PQftype(st->res, i)) {
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_BOOL:
	case OID_NUMERIC:
	case OID_OID:
		return SQLITE_INTEGER;
	case OID_BYTEA:
		return SQLITE_BLOB;
	default:
		return SQLITE_TEXT;
	}
}

static int is_bool(const struct fk_pg_stmt *st, int i) { return PQftype(st->res, i) == OID_BOOL; }

int64_t fk_pg_column_int64(struct fk_pg_stmt *st, int i)
{
	if (!on_row(st, i) || PQgetisnull(st->res, st->row, i))
		return 0;
	const char *v = PQgetvalue(st->res, st->row, i);
	if (is_bool(st, i))
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A bytea's text form (hex: \x0a1b…, the server's default since 9.0) decoded once per row. */
static const struct column_cache *decoded(struct fk_pg_stmt *st, int i)
{
	struct column_cache *c = &st->cache[i];
	if (c->valid)
		return c;
	const char *v = PQgetvalue(st->res, st->row, i);
	size_t n = (size_t)PQgetlength(st->res, st->row, i);
	if (n < 2 || v[0] != '\\' || v[1] != 'x' || (n - 2) % 2)
		return NULL; /* bytea_output = escape is not supported: the driver never sets it */
	size_t len = (n - 2) / 2;
	unsigned char *d = malloc(len + 1);
	if (!d)
		return NULL;
	for (size_t k = 0; k < len; k++) {
		int hi = hexval((unsigned char)v[2 + 2 * k]), lo = hexval((unsigned char)v[3 + 2 * k]);
		if (hi < 0 || lo < 0) {
			free(d);
			return NULL;
		}
		d[k] = (unsigned char)(hi << 4 | lo);
	}
	d[len] = '\0';
	c->data = d;
	c->len = len;
	c->valid = 1;
	return c;
}

const unsigned char *fk_pg_column_text(struct fk_pg_stmt *st, int i)
{
	if (!on_row(st, i) || PQgetisnull(st->res, st->row, i))
		return NULL;
	if (PQftype(st->res, i) == OID_BYTEA) {
		const struct column_cache *c = decoded(st, i);
		return c ? c->data : NULL;
	}
	if (is_bool(st, i)) /* SQLite's text of an integer 1 or 0 */
		return (const unsigned char *)(PQgetvalue(st->res, st->row, i)[0] == 't' ? "1" : "0");
	return (const unsigned char *)PQgetvalue(st->res, st->row, i);
}

const void *fk_pg_column_blob(struct fk_pg_stmt *st, int i)
{
	return fk_pg_column_text(st, i);
}

int fk_pg_column_bytes(struct fk_pg_stmt *st, int i)
{
	if (!on_row(st, i) || PQgetisnull(st->res, st->row, i))
		return 0;
	if (PQftype(st->res, i) == OID_BYTEA) {
		const struct column_cache *c = decoded(st, i);
		return c ? (int)c->len : 0;
	}
	if (is_bool(st, i))
		return 1;
	return PQgetlength(st->res, st->row, i);
}
