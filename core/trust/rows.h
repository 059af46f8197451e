/* Row MACs and table digests: every row that decides access or meaning is bound by a keyed MAC,
 * and every such table by a keyed digest anchored in the key folder (docs/threat-model.md).
 *
 * A row's MAC is HMAC-SHA256(row key, table | each covered column with its type), stored in
 * the row's `mac` column: an attacker without the key folder cannot make a row the terminal
 * accepts, nor change one. Old copies of rows carry valid MACs, so each table also has a
 * digest: the number of rows and the sum (mod 2^256) of HMAC(digest key, table | row MAC)
 * over its rows. Writers move the digest with every row they seal or remove; the digest of
 * the committed state is kept in the anchor (anchor.h), where the database cannot reach it.
 * A table whose rows do not add up to its anchored digest had a row put back, removed or
 * added behind the terminal's back. */
#ifndef FK_ROWS_H
#define FK_ROWS_H

#include "sql.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "status.h"

/* The sealed tables: id, table, the column that finds one row (its key), and the covered
 * columns in MAC order (the key first). Small tables are checked whole whenever another
 * process wrote; the rows of the large ones are checked as they are read, and whole by
 * `audit verify` and `status --check`. The order is the anchor's: append only. */
#define FK_SEALED_TABLES(X)                                                       \
	X(META, "meta", "key", FK_COLS_META, 1)                                    \
	X(PREFECTURE, "prefecture", "id", FK_COLS_PREFECTURE, 1)                  \
	X(BUREAU, "bureau", "id", FK_COLS_BUREAU, 1)                              \
	X(MUNICIPALITY, "municipality", "code", FK_COLS_MUNICIPALITY, 1)          \
	X(OPERATOR, "operator", "id", FK_COLS_OPERATOR, 1)                        \
	X(GRANT, "permission_grant", "id", FK_COLS_GRANT, 1)                      \
	X(LOCKOUT, "lockout", "username", FK_COLS_LOCKOUT, 1)                     \
	X(REGISTER, "register", "id", FK_COLS_REGISTER, 0)                        \
	X(VERSION, "register_version", "id", FK_COLS_VERSION, 0)                  \
	X(LEDGER, "ledger_entry", "id", FK_COLS_LEDGER, 0)                        \
	X(DOC, "notification_doc", "id", FK_COLS_DOC, 0)                          \
	X(CREDENTIAL, "credential", "name", FK_COLS_CREDENTIAL, 1)                \
	X(PKI, "pki_item", "id", FK_COLS_PKI, 1)                                  \
	X(PACKAGE, "package", "id", FK_COLS_PACKAGE, 0)                           \
	X(REGISTER_REF, "register_ref", "id", FK_COLS_REGISTER_REF, 0)            \
	X(STAGED, "staged_change", "register_id", FK_COLS_STAGED, 0)              \
	X(PKG_REJECT, "package_reject", "id", FK_COLS_PKG_REJECT, 0)              \
	X(APPROVAL, "approval_request", "id", FK_COLS_APPROVAL, 1)                \
	X(PRINT_OUTPUT, "print_output", "id", FK_COLS_PRINT_OUTPUT, 0)            \
	X(REFUSED, "package_refused", "id", FK_COLS_REFUSED, 0)                 \
	X(EXPORT_OUTPUT, "export_output", "id", FK_COLS_EXPORT_OUTPUT, 0)          \
	X(ALERT, "alert", "id", FK_COLS_ALERT, 1)

/* The covered columns, for readers that check what they read: "SELECT " FK_COLS_X ", mac
 * FROM …" puts them where fk_trust_check expects them. */
#define FK_COLS_META "key, value"
#define FK_COLS_PREFECTURE "id, name, kana"
#define FK_COLS_BUREAU "id, name, kana, kind, parent_id, pref_id"
#define FK_COLS_MUNICIPALITY "code, pref_id, name, kana, bureau_id, key_id"
#define FK_COLS_OPERATOR "id, username, role, bureau_id, enabled, display_name, created_at, updated_at"
#define FK_COLS_GRANT                                                                        \
	"id, operator_id, municipality, kinds, rights, valid_from, valid_until, granted_by, "   \
	"granted_by_user, granted_at, reason, revoked_at, revoked_by, revoked_by_user, "       \
	"revoke_reason, expiry_recorded_at"
#define FK_COLS_LOCKOUT                                                                      \
	"username, failures, first_failure, last_failure, last_terminal, locked_until, "        \
	"lock_count, recent, pending"
#define FK_COLS_REGISTER "id, municipality, kind, key_id, version, received_at, disposed_at"
#define FK_COLS_VERSION "id, register_id, version, received_at, changed_by"
#define FK_COLS_LEDGER "id, municipality, key_id, received_at, accepted_on"
#define FK_COLS_DOC "id, municipality, key_id, doc_type, received_at, register_id"
#define FK_COLS_CREDENTIAL                                                                   \
	"name, operator_id, commands, secret_hash, created_by, created_by_user, created_at, "   \
	"revoked_at, revoked_by, revoked_by_user"
/* The receiving side's trust material (sql/010_pki.sql): the DER through its SHA-256. */
#define FK_COLS_PKI                                                                          \
	"id, kind, slot, ca_id, subject, serial, not_before, not_after, sha256, added_by, "     \
	"added_by_user, added_at"
/* Packages received (core/intake/, sql/011_intake.sql): everything that decides what a
 * package did and what its receipt says; the receipt itself through its SHA-256. */
#define FK_COLS_PACKAGE                                                                      \
	"id, municipality, sequence, kind, digest, state, chunks, chunks_staged, n_register, "  \
	"n_version, n_removal, n_ledger, n_document, n_unchanged, n_rejected, received_at, "    \
	"published_at, wm_register, wm_version, wm_ledger, wm_doc, wm_ref, receipt_sha256, "     \
	"lines_staged, wm_key"
#define FK_COLS_REGISTER_REF "id, municipality, ref, register_id"
#define FK_COLS_STAGED                                                                       \
	"register_id, package_id, change, version, kind, received_at, tags_old, tags_new, sort_keys"
#define FK_COLS_PKG_REJECT "id, package_id, chunk, line, ref, reason, detail"
/* The four-eyes workflow (core/approve/, sql/013_approval.sql): everything a request's
 * meaning and state rest on, the registers and versions it covers among them. */
#define FK_COLS_APPROVAL                                                                     \
	"id, kind, bureau_id, requester_id, requester_user, reason, items, n_items, created_at, " \
	"state, decided_by, decided_by_user, decided_at, decision_reason, valid_until, executed_at"
#define FK_COLS_PRINT_OUTPUT                                                                 \
	"id, request_id, register_id, version, bureau_id, year, serial, number, operator_user, " \
	"approver_user, printed_at, pages, sha256, file_name"
/* Packages refused as a whole (sql/012_refused.sql): every column but the MAC. */
#define FK_COLS_REFUSED                                                                      \
	"id, bureau_id, reason, municipality, sequence, kind, verified, digest, sha256, size, "  \
	"source, expected, received_at, last_at, times"
/* Exports carried out (sql/016_export.sql): every column but the MAC. */
#define FK_COLS_EXPORT_OUTPUT                                                                \
	"id, request_id, bureau_id, year, serial, number, operator_user, approver_user, "       \
	"exported_at, registers, recipient, recipient_sha256, sha256, file_name"
/* Intrusion alerts (sql/017_alerts.sql, core/audit/detect.h): every column but the MAC. */
#define FK_COLS_ALERT                                                                        \
	"id, detector, subject, bureau_id, terminal, count, threshold, window_s, raised_at, "    \
	"acked_by, acked_by_user, acked_at, ack_note"
/* Where each column stands among them (the ones readers use). */
enum { FK_C_MUNI_CODE, FK_C_MUNI_PREF, FK_C_MUNI_NAME, FK_C_MUNI_KANA, FK_C_MUNI_BUREAU, FK_C_MUNI_KEY };
enum {
	FK_C_GRANT_ID, FK_C_GRANT_OPERATOR, FK_C_GRANT_MUNI, FK_C_GRANT_KINDS, FK_C_GRANT_RIGHTS,
	FK_C_GRANT_FROM, FK_C_GRANT_UNTIL, FK_C_GRANT_BY, FK_C_GRANT_BY_USER, FK_C_GRANT_AT,
	FK_C_GRANT_REASON, FK_C_GRANT_REVOKED_AT, FK_C_GRANT_REVOKED_BY, FK_C_GRANT_REVOKED_BY_USER,
	FK_C_GRANT_REVOKE_REASON, FK_C_GRANT_EXPIRY_RECORDED, FK_C_GRANT_MAC
};
enum { FK_C_OP_ID, FK_C_OP_USER, FK_C_OP_ROLE, FK_C_OP_BUREAU, FK_C_OP_ENABLED, FK_C_OP_NAME,
       FK_C_OP_CREATED, FK_C_OP_UPDATED, FK_C_OP_MAC };
enum { FK_C_REG_ID, FK_C_REG_MUNI, FK_C_REG_KIND, FK_C_REG_KEY, FK_C_REG_VERSION, FK_C_REG_RECEIVED,
       FK_C_REG_DISPOSED, FK_C_REG_MAC };
enum { FK_C_CRED_NAME, FK_C_CRED_OPERATOR, FK_C_CRED_COMMANDS, FK_C_CRED_HASH, FK_C_CRED_BY,
       FK_C_CRED_BY_USER, FK_C_CRED_AT, FK_C_CRED_REVOKED_AT, FK_C_CRED_REVOKED_BY,
       FK_C_CRED_REVOKED_BY_USER, FK_C_CRED_MAC };

typedef enum fk_table {
#define FK_TABLE_ENUM(id, name, key, cols, small) FK_T_##id,
	FK_SEALED_TABLES(FK_TABLE_ENUM)
#undef FK_TABLE_ENUM
	FK_T_COUNT
} fk_table;

const char *fk_table_name(fk_table t);
int fk_table_small(fk_table t);
int fk_table_ncols(fk_table t);

/* A table's digest: how many rows, and the sum of their contributions. */
typedef struct fk_digest {
	uint64_t count;
	uint8_t sum[FK_MAC_LEN]; /* little-endian, mod 2^256 */
} fk_digest;

void fk_digest_add(fk_digest *d, const uint8_t c[FK_MAC_LEN]);
void fk_digest_sub(fk_digest *d, const uint8_t c[FK_MAC_LEN]);
int fk_digest_equal(const fk_digest *a, const fk_digest *b);

/* One column value as the MAC sees it (SQLite's types; REAL is never used). */
typedef struct fk_val {
	int type; /* SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL */
	int64_t i;
	const void *p;
	size_t n;
} fk_val;

#define FK_VAL_NULL ((fk_val){SQLITE_NULL, 0, NULL, 0})
#define FK_VAL_INT(v) ((fk_val){SQLITE_INTEGER, (v), NULL, 0})
#define FK_VAL_TEXT(s) ((fk_val){SQLITE_TEXT, 0, (s), strlen(s)})
#define FK_VAL_BLOB(b, len) ((fk_val){SQLITE_BLOB, 0, (b), (len)})

/* The keys of row MACs, of contributions and of secrets' keyed hashes (fk_secret_hash), kept
 * ready (one thread at a time). */
typedef struct fk_rowkeys {
	fk_mac *row, *digest, *secret;
} fk_rowkeys;

/* Derive them from the terminal's trust key. */
fk_status fk_rowkeys_init(fk_rowkeys *k, const uint8_t trust_key[FK_KEY_LEN], fk_error *err);
void fk_rowkeys_free(fk_rowkeys *k);

/* The MAC of a row of t whose covered columns are v[0..ncols-1]. */
/* The row as read (every covered column and the MAC after them, v[0..ncols]) as bytes, for
 * remembering it checked (memo.h); 0 when it does not fit in cap. */
size_t fk_row_bytes(fk_table t, const fk_val *v, uint8_t *buf, size_t cap);
fk_status fk_row_mac(fk_rowkeys *k, fk_table t, const fk_val *v, uint8_t mac[FK_MAC_LEN],
		     fk_error *err);
/* The keyed hash of a secret kept in the key folder (a script's credential), bound to label
 * (what the secret is for): a sealed row stores it, never the secret, and nobody without the
 * key folder can test a guess against it. */
fk_status fk_secret_hash(fk_rowkeys *k, const char *label, const uint8_t *secret, size_t n,
			 uint8_t out[FK_MAC_LEN], fk_error *err);
/* Its contribution to the table's digest. */
fk_status fk_row_contribution(fk_rowkeys *k, fk_table t, const uint8_t mac[FK_MAC_LEN],
			      uint8_t c[FK_MAC_LEN], fk_error *err);

/* Columns first..first+ncols of st (the covered columns, then mac) as values. */
void fk_row_vals(fk_stmt *st, int first, int ncols, fk_val *v);

/* "permission_grant row 12": which row, for messages (from the key column's value). */
void fk_row_describe(fk_table t, const fk_val *key, char *buf, size_t len);

/* SQL of the statements every sealed table has (string constants: cacheable). */
const char *fk_table_sql_one(fk_table t);  /* covered columns, mac WHERE key = ?1 */
const char *fk_table_sql_all(fk_table t);  /* covered columns, mac ORDER BY key */
const char *fk_table_sql_mac(fk_table t);  /* UPDATE … SET mac = ?2 WHERE key = ?1 */

#endif
