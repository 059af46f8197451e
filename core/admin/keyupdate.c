/* The bureau's keys brought up to date on an enrolled terminal: master keys added from a key package (keyupdate.h). */
#include "config.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anchor.h"
#include "crypto.h"
#include "db.h"
#include "gate.h"
#include "keyfile.h"
#include "keys.h"
#include "keyupdate.h"
#include "meta.h"
#include "str.h"
#include "util.h"

#define MAX_ADDED 64
#define MAX_FILE 4096

struct fk_key_update {
	char *key_dir;
	char want[MAX_ADDED][32]; /* the master keys the folder lacks */
	char added[MAX_ADDED][32]; /* those written so far (what undo removes) */
	int nwant, nadded;
	char ids[MAX_ADDED * 11 + 8];
};

/* A file of the folder, read whole (absent: *n = 0, FK_OK). */
static fk_status held(const fk_key_update *u, const char *name, char **buf, size_t *n, fk_error *err)
{
	char *path = fk_path_join(u->key_dir, name, err);
	*buf = NULL;
	*n = 0;
	if (!path)
		return FK_ERR_NOMEM;
	fk_status st = access(path, F_OK) == 0 ? fk_read_file(path, MAX_FILE, buf, n, err) : FK_OK;
	free(path);
	return st;
}

/* First pass: every file of the package agrees with the folder; nothing written. */
static fk_status agree(void *arg, const char *name, const uint8_t *d, size_t n, fk_error *err)
{
	fk_key_update *u = arg;
	char *have = NULL;
	size_t hn = 0;
	fk_status st = held(u, name, &have, &hn, err);
	int master = !strncmp(name, "master-", 7);
	if (st == FK_OK && !have && !master) /* the index and trust keys are held by every enrolled terminal */
		st = fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_NOT_ENROLLED, u->key_dir, 0);
	else if (st == FK_OK && have && (hn != n || CRYPTO_memcmp(have, d, n) != 0))
		st = fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_OTHER_KEY, name, 0);
	else if (st == FK_OK && !have && u->nwant >= MAX_ADDED)
		st = fk_fail(err, FK_ERR_CORRUPT, "the key package carries more master keys than planned");
	else if (st == FK_OK && !have)
		fk_copy_str(u->want[u->nwant++], sizeof u->want[0], name);
	if (have)
		fk_wipe(have, hn);
	free(have);
	return st;
}

/* Second pass: the master keys the folder lacks, written as the first import writes them. */
static fk_status add(void *arg, const char *name, const uint8_t *d, size_t n, fk_error *err)
{
	fk_key_update *u = arg;
	fk_status st = FK_OK;
	for (int i = 0; st == FK_OK && i < u->nwant; i++)
		if (!strcmp(u->want[i], name) && (st = fk_keyfile_write(u->key_dir, name, d, n, 1, err)) == FK_OK)
			fk_copy_str(u->added[u->nadded++], sizeof u->added[0], name);
	return st;
}

/* This terminal's own files: an enrolled (or initialised) terminal has them. */
static fk_status enrolled(const fk_key_update *u, fk_error *err)
{
	const char *own[] = {FK_AUDIT_KEY_NAME, FK_ANCHOR_NAME, "index.key", FK_TRUST_KEY_FILE};
	for (size_t i = 0; i < sizeof own / sizeof *own; i++) {
		char *path = fk_path_join(u->key_dir, own[i], err);
		int there = path && access(path, F_OK) == 0;
		free(path);
		if (!there)
			return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_NOT_ENROLLED, u->key_dir, 0);
	}
	return FK_OK;
}

fk_status fk_key_update_install(fk_enrol_pkg *p, const char *config_path, fk_key_update **out,
				fk_error *err)
{
	fk_config cfg;
	*out = NULL;
	fk_key_update *u = calloc(1, sizeof *u);
	if (!u)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status st = fk_config_load(config_path, &cfg, err);
	if (st == FK_OK) {
		u->key_dir = fk_strdup(cfg.key_dir, err);
		fk_config_free(&cfg);
		st = u->key_dir ? FK_OK : FK_ERR_NOMEM;
	}
	if (st == FK_OK)
		st = enrolled(u, err);
	if (st == FK_OK)
		st = fk_enrol_pkg_each(p, agree, u, err);
	if (st == FK_OK)
		st = fk_enrol_pkg_each(p, add, u, err);
	if (st != FK_OK) {
		fk_key_update_undo(u);
		fk_key_update_free(u);
		return st;
	}
	size_t at = 0;
	u->ids[0] = 0;
	for (int i = 0; i < u->nadded; i++)
		at += (size_t)snprintf(u->ids + at, sizeof u->ids - at, "%s%u", i ? "," : "",
				       (unsigned)strtoul(u->added[i] + 7, NULL, 10));
	if (!u->nadded)
		fk_copy_str(u->ids, sizeof u->ids, "none");
	*out = u;
	return FK_OK;
}

static const char SQL_KEKS[] = "SELECT kek_id FROM data_key WHERE wrapped IS NOT NULL GROUP BY kek_id";

/* Every master key the store names is held now: the announced one, and each a data key is
 * wrapped under. *missing: the first that is not (0: none). */
static fk_status store_keys_held(fk_ctx *ctx, uint32_t *missing, fk_error *err)
{
	char buf[16];
	fk_stmt *st;
	*missing = 0;
	fk_status s = fk_meta_get(ctx, "kek_current", buf, sizeof buf, err);
	if (s != FK_OK)
		return s;
	uint32_t want = (uint32_t)strtoul(buf, NULL, 10);
	if (!fk_keys_master(ctx->keys, want)) {
		*missing = want;
		return FK_OK;
	}
	if ((s = fk_ctx_stmt(ctx, SQL_KEKS, &st, err)) != FK_OK)
		return s;
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && !*missing) {
		uint32_t id = (uint32_t)fk_sql_column_int64(st, 0);
		if (!fk_keys_master(ctx->keys, id))
			*missing = id;
	}
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading the data keys' master keys");
	return FK_OK;
}

fk_status fk_key_update_record(fk_ctx *ctx, const fk_enrol_pkg *p, const fk_key_update *u,
			       fk_error *err)
{
	const fk_enrol_result *info = fk_key_import_info(p);
	char detail[900] = "";
	uint32_t missing = 0;
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_KEY_IMPORT};
	fk_status st = fk_gate_begin(ctx, &g, &r, info->terminal[0] ? info->terminal : "-", err);
	if (st != FK_OK)
		return st;
	st = store_keys_held(ctx, &missing, err);
	if (st == FK_OK && missing)
		st = fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_STALE, NULL, (long long)missing);
	/* The exporter named by its certificate, the keys by their ids; never a key. */
	snprintf(detail, sizeof detail, "update from=%.255s sha256=%s terminal=%.63s files=%d master keys added=%.100s",
		 info->subject, info->sha256, info->terminal, info->files, u->ids);
	return fk_gate_end(ctx, &g, st, detail, err);
}

int fk_key_update_added(const fk_key_update *u, const char **ids)
{
	*ids = u->ids;
	return u->nadded;
}

void fk_key_update_undo(fk_key_update *u)
{
	if (!u || !u->key_dir)
		return;
	for (int i = 0; i < u->nadded; i++) {
		fk_error e;
		(void)fk_keyfile_remove(u->key_dir, u->added[i], &e);
	}
	u->nadded = 0;
}

void fk_key_update_free(fk_key_update *u)
{
	if (!u)
		return;
	free(u->key_dir);
	free(u);
}
