/* Credentials of scripts: the sealed rows and the secret files in the key folder (credential.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "crypto.h"
#include "db.h"
#include "keyfile.h"
#include "trust.h"
#include "util.h"

static const uint8_t FILE_MAGIC[8] = {'F', 'K', 'C', 'R', 'E', 'D', '0', '1'};
#define FILE_LEN (8 + FK_CRED_SECRET_LEN + FK_KEYFILE_SUM)

static const char SQL_TAKEN[] = "SELECT 1 FROM credential WHERE lower(name) = lower(?1)";
static const char SQL_INSERT[] =
	"INSERT INTO credential(name, operator_id, commands, secret_hash, created_by, created_by_user, "
	"created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_REVOKE[] =
	"UPDATE credential SET revoked_at = ?2, revoked_by = ?3, revoked_by_user = ?4 WHERE name = ?1";
/* The covered columns and the MAC first (checked as read), then the person's name. */
static const char SQL_SELECT[] =
	"SELECT c.name, c.operator_id, c.commands, c.secret_hash, c.created_by, c.created_by_user, "
	"c.created_at, c.revoked_at, c.revoked_by, c.revoked_by_user, c.mac, o.username "
	"FROM credential c LEFT JOIN operator o ON o.id = c.operator_id "
	"WHERE (CAST(?1 AS TEXT) IS NULL OR c.name = ?1) ORDER BY c.name";
enum { C_USERNAME = FK_C_CRED_MAC + 1 };

fk_status fk_cred_name_valid(const char *name, fk_error *err)
{
	size_t n = strlen(name);
	/* A file name in the key folder: no '/', and no leading '.' (the temporary files of
	 * atomic writes are ".NAME.tmp"). */
	if (n == 0 || n > FK_CRED_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n ||
	    name[0] == '.' || name[0] == '-')
		return fk_fail(err, FK_ERR_INVALID,
			       "a credential name must be 1-64 characters of A-Z a-z 0-9 . _ - "
			       "starting with a letter or digit");
	return FK_OK;
}

/* One command of a list, [b, e) trimmed, as single-spaced words of [a-z0-9-]: 0, or -1. */
static int command_word(const char *b, const char *e, char *out, size_t len)
{
	size_t n = 0;
	while (b < e && *b == ' ')
		b++;
	while (e > b && e[-1] == ' ')
		e--;
	if (b == e)
		return -1;
	for (const char *p = b; p < e; p++) {
		int word = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
		if (!word && !(*p == ' ' && p[1] != ' '))
			return -1;
		if (n + 1 >= len)
			return -1;
		out[n++] = *p;
	}
	out[n] = '\0';
	return 0;
}

/* 1 when command is one of list's comma-separated entries (exactly). */
static int listed(const char *list, const char *command)
{
	size_t n = strlen(command);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, command, n))
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

int fk_cred_allows(const fk_credential *c, const char *command)
{
	return listed(c->commands, command);
}

fk_status fk_cred_commands_parse(const char *list, char *out, size_t len, fk_error *err)
{
	size_t used = 0;
	out[0] = '\0';
	if (!list || !*list)
		return fk_fail(err, FK_ERR_INVALID, "a credential needs the list of commands it may run");
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		char one[64];
		if (command_word(p, p + n, one, sizeof one) != 0)
			return fk_fail(err, FK_ERR_INVALID, "'%.*s' is not a command name", (int)(n > 60 ? 60 : n), p);
		/* A stolen credential must not make itself another, nor outlive its revocation. */
		if (!strcmp(one, "credential") || !strncmp(one, "credential ", 11))
			return fk_fail(err, FK_ERR_INVALID, "a credential may not run '%s'", one);
		if (listed(out, one))
			return fk_fail(err, FK_ERR_INVALID, "'%s' is listed twice", one);
		size_t k = strlen(one);
		if (used + (used > 0) + k >= len || used + (used > 0) + k > FK_CRED_COMMANDS_MAX)
			return fk_fail(err, FK_ERR_INVALID, "the list of commands is longer than %d bytes",
				       FK_CRED_COMMANDS_MAX);
		if (used)
			out[used++] = ',';
		memcpy(out + used, one, k + 1);
		used += k;
		if (!p[n])
			return FK_OK;
		p += n + 1;
	}
}

static fk_status row_to_cred(fk_ctx *ctx, fk_stmt *st, fk_credential *c, fk_error *err)
{
	memset(c, 0, sizeof *c);
	/* For whom and what it may run decide access: the row must be what this terminal wrote. */
	fk_status s = fk_trust_check(ctx, FK_T_CREDENTIAL, st, 0, err);
	if (s != FK_OK)
		return s;
	const char *t;
	fk_copy_str(c->name, sizeof c->name, (const char *)fk_sql_column_text(st, FK_C_CRED_NAME));
	c->operator_id = fk_sql_column_int64(st, FK_C_CRED_OPERATOR);
	t = (const char *)fk_sql_column_text(st, C_USERNAME);
	fk_copy_str(c->user, sizeof c->user, t ? t : "?");
	fk_copy_str(c->commands, sizeof c->commands, (const char *)fk_sql_column_text(st, FK_C_CRED_COMMANDS));
	if (fk_sql_column_bytes(st, FK_C_CRED_HASH) == (int)sizeof c->secret_hash)
		memcpy(c->secret_hash, fk_sql_column_blob(st, FK_C_CRED_HASH), sizeof c->secret_hash);
	t = (const char *)fk_sql_column_text(st, FK_C_CRED_BY_USER);
	fk_copy_str(c->created_by, sizeof c->created_by, t ? t : "?");
	c->created_at = fk_sql_column_int64(st, FK_C_CRED_AT);
	c->revoked = fk_sql_column_type(st, FK_C_CRED_REVOKED_AT) != SQLITE_NULL;
	c->revoked_at = fk_sql_column_int64(st, FK_C_CRED_REVOKED_AT);
	t = (const char *)fk_sql_column_text(st, FK_C_CRED_REVOKED_BY_USER);
	fk_copy_str(c->revoked_by, sizeof c->revoked_by, t ? t : "");
	return FK_OK;
}

static fk_status select_creds(fk_ctx *ctx, const char *name, fk_cred_cb cb, void *arg, int *found,
			      fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_SELECT, &st, err);
	if (s != FK_OK)
		return s;
	if (name)
		fk_sql_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = SQLITE_DONE;
	*found = 0;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		fk_credential c;
		if ((s = row_to_cred(ctx, st, &c, err)) != FK_OK)
			break;
		(*found)++;
		if (cb(&c, arg))
			break;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading credentials");
	return s;
}

fk_status fk_cred_each(fk_ctx *ctx, fk_cred_cb cb, void *arg, fk_error *err)
{
	int found;
	return select_creds(ctx, NULL, cb, arg, &found, err);
}

static int copy_cred(const fk_credential *c, void *arg)
{
	*(fk_credential *)arg = *c;
	return 1;
}

fk_status fk_cred_get(fk_ctx *ctx, const char *name, fk_credential *out, fk_error *err)
{
	int found;
	fk_status s = select_creds(ctx, name, copy_cred, out, &found, err);
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no credential named %.64s", name);
	return s;
}

/* The hash is bound to the name: a file copied to another name is another secret. */
static fk_status secret_hash(fk_ctx *ctx, const char *name, const uint8_t *secret, uint8_t out[32],
			     fk_error *err)
{
	char label[16 + FK_CRED_NAME_MAX];
	snprintf(label, sizeof label, "credential:%s", name);
	return fk_trust_secret_hash(ctx, label, secret, FK_CRED_SECRET_LEN, out, err);
}

static char *cred_dir(fk_ctx *ctx, fk_error *err)
{
	return fk_path_join(ctx->cfg.key_dir, FK_CRED_FOLDER, err);
}

/* A fresh secret into <key_dir>/credentials/NAME, its keyed hash into hash. A file left
 * under the name by a run that died before its commit is replaced: the caller holds the
 * write lock and found no row of that name, so nothing can be using it. */
static fk_status write_secret(fk_ctx *ctx, const char *name, uint8_t hash[32], int *wrote,
			      fk_error *err)
{
	uint8_t buf[FILE_LEN];
	char *dir = NULL;
	fk_status s = fk_random(buf + 8, FK_CRED_SECRET_LEN, err);
	if (s == FK_OK)
		s = secret_hash(ctx, name, buf + 8, hash, err);
	if (s == FK_OK)
		s = fk_keydir_make(ctx->cfg.key_dir, FK_CRED_FOLDER, err);
	if (s == FK_OK && !(dir = cred_dir(ctx, err)))
		s = FK_ERR_NOMEM;
	if (s == FK_OK && (s = fk_keyfile_write_checked(dir, name, FILE_MAGIC, buf, sizeof buf, 0, err)) == FK_OK)
		*wrote = 1;
	fk_wipe(buf, sizeof buf);
	free(dir);
	return s;
}

static fk_status name_free(fk_ctx *ctx, const char *name, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_TAKEN, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	fk_sql_reset(st);
	if (rc == SQLITE_ROW)
		return fk_fail(err, FK_ERR_EXISTS, "credential %s exists or existed (a name is never used twice)",
			       name);
	return rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "finding the credential");
}

fk_status fk_cred_insert(fk_ctx *ctx, const char *name, const char *user, const char *commands,
			 int *wrote_file, fk_error *err)
{
	char list[FK_CRED_COMMANDS_MAX + 1];
	uint8_t hash[32];
	fk_operator op;
	fk_stmt *st;
	*wrote_file = 0;
	fk_status s = fk_cred_name_valid(name, err);
	if (s == FK_OK)
		s = fk_cred_commands_parse(commands, list, sizeof list, err);
	if (s == FK_OK)
		s = fk_operator_get(ctx, user, &op, err);
	if (s == FK_OK && !op.enabled)
		s = fk_fail(err, FK_ERR_INVALID, "operator %s is disabled", op.username);
	if (s == FK_OK)
		s = name_free(ctx, name, err);
	if (s == FK_OK)
		s = write_secret(ctx, name, hash, wrote_file, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, name, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, op.id);
	fk_sql_bind_text(st, 3, list, -1, SQLITE_STATIC);
	fk_sql_bind_blob(st, 4, hash, sizeof hash, SQLITE_STATIC);
	fk_sql_bind_int64(st, 5, ctx->actor.operator_id);
	fk_sql_bind_text(st, 6, ctx->actor.user, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 7, fk_ctx_now(ctx));
	if ((s = fk_ctx_exec(ctx, st, err, "storing the credential")) != FK_OK)
		return s;
	return fk_trust_seal(ctx, FK_T_CREDENTIAL, FK_VAL_TEXT(name), err);
}

fk_status fk_cred_write_revoked(fk_ctx *ctx, const char *name, char for_user[72], int *was_revoked,
				fk_error *err)
{
	fk_credential c;
	fk_stmt *st;
	*was_revoked = 0;
	for_user[0] = '\0';
	fk_status s = fk_cred_get(ctx, name, &c, err);
	if (s != FK_OK)
		return s;
	fk_copy_str(for_user, 72, c.user);
	if (c.revoked) {
		*was_revoked = 1;
		return fk_fail(err, FK_ERR_INVALID, "credential %s was revoked already", name);
	}
	if ((s = fk_trust_unseal(ctx, FK_T_CREDENTIAL, FK_VAL_TEXT(name), 0, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_REVOKE, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, name, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, fk_ctx_now(ctx));
	fk_sql_bind_int64(st, 3, ctx->actor.operator_id);
	fk_sql_bind_text(st, 4, ctx->actor.user, -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "revoking the credential")) != FK_OK)
		return s;
	return fk_trust_seal(ctx, FK_T_CREDENTIAL, FK_VAL_TEXT(name), err);
}

fk_status fk_cred_secret_check(fk_ctx *ctx, const fk_credential *c, fk_error *err)
{
	uint8_t buf[FILE_LEN], hash[32];
	char *dir = cred_dir(ctx, err);
	if (!dir)
		return FK_ERR_NOMEM;
	/* The key folder's rules: owner, 0600, one link, no symlink, checksum. */
	fk_status s = fk_keyfile_read_checked(dir, c->name, FILE_MAGIC, buf, sizeof buf, err);
	free(dir);
	if (s == FK_OK)
		s = secret_hash(ctx, c->name, buf + 8, hash, err);
	if (s == FK_OK && fk_memeq_ct(hash, c->secret_hash, sizeof hash) != 0)
		s = fk_fail(err, FK_ERR_AUTH, "the file of credential %s is not the one made for it", c->name);
	fk_wipe(buf, sizeof buf);
	fk_wipe(hash, sizeof hash);
	return s;
}

fk_status fk_cred_file_remove(fk_ctx *ctx, const char *name, fk_error *err)
{
	fk_status s = fk_cred_name_valid(name, err);
	char *dir = s == FK_OK ? cred_dir(ctx, err) : NULL;
	if (s == FK_OK && !dir)
		return FK_ERR_NOMEM;
	if (s == FK_OK)
		s = fk_keyfile_remove(dir, name, err);
	free(dir);
	return s;
}
