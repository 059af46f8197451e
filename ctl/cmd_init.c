/* fukuhonctl init: create the key folder and the database, load reference data. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

/* init creates everything or nothing: a failure after the files were made
 * (bad reference data, full disk) removes what this run created. No data
 * was sealed under the new keys yet, so removing them loses nothing. */
static void undo(const fk_config *cfg, int made_keys, const char *k0_path)
{
	if (k0_path)
		unlink(k0_path);
	char *pub = fk_chain_k0_default_path(cfg->key_dir, NULL);
	if (pub && made_keys) {
		/* audit-sign.pub sits beside audit-initial-key */
		char *slash = strrchr(pub, '/');
		char path[4096];
		snprintf(path, sizeof path, "%.*s%s", slash ? (int)(slash - pub + 1) : 0, pub,
			 FK_CHECKPOINT_PUB_NAME);
		unlink(path);
	}
	free(pub);
	/* A PostgreSQL store is not a file: a schema made there stays (init then says the store
	 * already holds one; drop and create the database again). */
	const char *suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3 && !fk_config_is_store_uri(cfg->database); i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s%s", cfg->database, suffix[i]);
		unlink(path);
	}
	if (!made_keys)
		return;
	DIR *d = opendir(cfg->key_dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if ((n > 4 && !strcmp(e->d_name + n - 4, ".key")) || !strcmp(e->d_name, FK_ANCHOR_NAME)) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", cfg->key_dir, e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(cfg->key_dir);
}

static int exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

/* The first administrator proves who they are through PAM before anything is created
 * (a test or demo terminal is made by its test harness, and says so in its mode). */
static int bootstrap(ctl *c, const fk_config *cfg, const fk_bootstrap *b)
{
	if (b->mode && strcmp(b->mode, FK_MODE_PRODUCTION) != 0)
		return CTL_OK;
	return ctl_check_password(c, cfg->pam_service, cfg->auth_helper, b->admin);
}

int cmd_init(ctl *c, int argc, char **argv)
{
	const char *pos[1], *k0_out = NULL;
	fk_bootstrap b = {0};
	int npos;
	struct ctl_opt opts[] = {{"audit-key-out", 1, &k0_out}, {"admin", 1, &b.admin}, {"bureau", 1, &b.bureau},
				 {"name", 1, &b.display}, {"mode", 1, &b.mode}};
	if (ctl_parse(argc, argv, opts, 5, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (!b.admin || !b.bureau)
		return ctl_usage("usage: init --admin USER --bureau NAME [--name DISPLAY] [--mode test|demo] "
				 "[--audit-key-out FILE]");
	if (b.mode && strcmp(b.mode, FK_MODE_TEST) && strcmp(b.mode, FK_MODE_DEMO))
		return ctl_usage("--mode is test or demo (a production terminal has none)");
	fk_error err;
	fk_config cfg;
	fk_error_clear(&err);
	if (fk_config_load(c->config, &cfg, &err) != FK_OK)
		return ctl_fail(&err);
	int rc = bootstrap(c, &cfg, &b);
	if (rc != CTL_OK) {
		fk_config_free(&cfg);
		return rc;
	}
	int had_db = exists(cfg.database), had_keys = exists(cfg.key_dir);
	char *k0_path = k0_out ? fk_strdup(k0_out, &err) : fk_chain_k0_default_path(cfg.key_dir, &err);
	int k0_written = 0;
	if (!k0_path) {
		fk_config_free(&cfg);
		return ctl_fail(&err);
	}
	fk_ctx *ctx = NULL;
	int nb = 0, nm = 0;
	fk_status s = fk_terminal_create(c->config, &b, &ctx, &err);
	if (s == FK_OK)
		s = fk_audit_start(ctx, "fukuhonctl", &err);
	if (s == FK_OK)
		s = fk_refdata_counts(ctx, &nb, &nm, &err);
	if (s == FK_OK && ctx->cfg.bureau[0]) {
		fk_bureau found;
		s = fk_bureau_find(ctx, ctx->cfg.bureau, &found, &err);
	}
	if (s == FK_OK) {
		char detail[256];
		snprintf(detail, sizeof detail, "bureaus=%d municipalities=%d administrator=%s", nb, nm, b.admin);
		s = fk_audit_op(ctx, FK_OP_INIT, ctx->cfg.terminal_id, FK_RESULT_SUCCESS, "", detail, &err);
	}
	/* K0 leaves the terminal with the administrator (R-LOGSEAL). */
	if (s == FK_OK && (s = fk_audit_k0_write(ctx, k0_path, &err)) == FK_OK)
		k0_written = 1;
	if (s == FK_OK)
		s = fk_audit_stop(ctx, "fukuhonctl", &err);
	if (s == FK_OK) {
		printf("initialised terminal %s%s\n  database:  %s\n  keys:      %s\n"
		       "  reference: %d bureaus, %d municipalities\n  administrator: %s\n"
		       "  history initial key: %s\n",
		       ctx->cfg.terminal_id, b.mode ? (!strcmp(b.mode, FK_MODE_TEST) ? " (test)" : " (demo)") : "",
		       ctx->cfg.database, ctx->cfg.key_dir, nb, nm, b.admin, k0_path);
		printf("Keep a copy of the key folder off this terminal: without it the data cannot be read.\n"
		       "Move the history initial key off this terminal and keep it safe: "
		       "`fukuhonctl audit verify --key FILE` needs it.\n");
	}
	int opened = ctx != NULL;
	fk_ctx_close(ctx);
	/* EXISTS before the open: someone else's keys or database, not ours to remove. */
	if (s != FK_OK && !had_db && (s != FK_ERR_EXISTS || opened))
		undo(&cfg, !had_keys, k0_written ? k0_path : NULL);
	free(k0_path);
	fk_config_free(&cfg);
	return s == FK_OK ? CTL_OK : ctl_fail(&err);
}
