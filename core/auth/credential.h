/* Credentials of scripts (R-AUTH, R-ENROL, R-ACCESS): a secret in the key folder, and a sealed
 * row saying for whom it acts and which commands it may run, with a keyed hash of the secret.
 *
 * The attacker this answers can write the database but not the key folder: a row they add or
 * change fails its MAC (core/trust), and the hash it keeps proves nothing without the file.
 * The operations that make, revoke and list credentials are core/access/credentials.h; the
 * sign-in with one is fk_auth_credential_signin (auth.h). */
#ifndef FK_CREDENTIAL_H
#define FK_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "operator.h"
#include "status.h"

#define FK_CRED_FOLDER "credentials" /* <key_dir>/credentials/NAME: one file per credential */
#define FK_CRED_NAME_MAX 64
#define FK_CRED_COMMANDS_MAX 400
#define FK_CRED_SECRET_LEN 32

typedef struct fk_credential {
	char name[FK_CRED_NAME_MAX + 1];
	int64_t operator_id;
	char user[72]; /* the person it acts for */
	char commands[FK_CRED_COMMANDS_MAX + 1]; /* "status,audit verify" */
	uint8_t secret_hash[32];
	char created_by[72];
	int64_t created_at;
	int revoked;
	int64_t revoked_at;
	char revoked_by[72];
} fk_credential;

/* Names: 1-64 of [A-Za-z0-9._-], starting with a letter or digit (a file name in the key
 * folder, never a path, and safe to show). */
fk_status fk_cred_name_valid(const char *name, fk_error *err);

/* The commands a credential may run, as given ("status, audit verify"): each one or more
 * words of [a-z0-9-], no two alike, none a credential command (a credential never makes
 * another), at most 400 bytes; written to out as "status,audit verify". */
fk_status fk_cred_commands_parse(const char *list, char *out, size_t len, fk_error *err);
/* 1 when command (a command's name, "audit verify") is in c's list. */
int fk_cred_allows(const fk_credential *c, const char *command);

/* ---- rows and files, inside the caller's write transaction, not recorded ---- */

/* Make credential name for person (enrolled and enabled) allowed commands (parsed as above):
 * a fresh random secret written to <key_dir>/credentials/NAME (0600, the folder 0700) and the
 * sealed row with its keyed hash. *wrote_file is 1 once the file exists, so that a caller
 * whose transaction then fails removes it. FK_ERR_EXISTS for a name used before (whatever
 * its case), FK_ERR_NOTFOUND for a person not enrolled, FK_ERR_INVALID for a bad name or
 * list or a disabled person. */
fk_status fk_cred_insert(fk_ctx *ctx, const char *name, const char *user, const char *commands,
			 int *wrote_file, fk_error *err);
/* Mark name revoked by the acting person. *for_user: whom it acted for. FK_ERR_NOTFOUND for
 * an unknown name; FK_ERR_INVALID when it was revoked already (*was_revoked 1). */
fk_status fk_cred_write_revoked(fk_ctx *ctx, const char *name, char for_user[72], int *was_revoked,
				fk_error *err);

/* One credential, its row checked against its MAC. FK_ERR_NOTFOUND when there is none. */
fk_status fk_cred_get(fk_ctx *ctx, const char *name, fk_credential *out, fk_error *err);
/* Every credential, by name, each row checked as read. */
typedef int (*fk_cred_cb)(const fk_credential *c, void *arg);
fk_status fk_cred_each(fk_ctx *ctx, fk_cred_cb cb, void *arg, fk_error *err);

/* Whether the file <key_dir>/credentials/NAME holds the secret whose keyed hash c keeps
 * (compared in constant time): FK_OK, FK_ERR_AUTH when it holds another, or why it cannot be
 * read (FK_ERR_NOKEY: no file; FK_ERR_KEYPERM, FK_ERR_CORRUPT: the key folder's rules). */
fk_status fk_cred_secret_check(fk_ctx *ctx, const fk_credential *c, fk_error *err);

/* Remove the file of credential name (FK_ERR_NOKEY when there is none). */
fk_status fk_cred_file_remove(fk_ctx *ctx, const char *name, fk_error *err);

#endif
