/* fukuhonctl backup | backup verify | backup prune | restore | key backup | key restore (R-BACKUP);
 * migrate, which signs its person in the same way (the store may not open until it has run). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "ctl.h"
#include "keybackup.h"
#include "migrate.h"
#include "restore.h"

static void put_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* Each check as it is made, so that a refusal says which one failed. */
static void put_check(void *arg, const char *check, int ok, const char *msg)
{
	(void)arg;
	printf("%-10s%s ", check, ok ? "ok     " : "FAILED ");
	ctl_put(stdout, msg, 0);
	putchar('\n');
	fflush(stdout);
}

static int ask_new_pass(void *arg, char *buf, size_t len);

/* A PostgreSQL store's database is its server's to back up (pg_basebackup,
 * docs/operations-backup.md): what is the terminal's own is its key folder — the anchor, the
 * disposal ledger, intake.seq and print.seq that a restored store is brought back in step with —
 * written sealed under a passphrase as `key backup` does, into the file dest. */
static int backup_keys_only(fk_ctx *ctx, const char *dest, const char *pfd)
{
	fk_error err;
	int files;
	if (fk_key_backup(ctx, dest, ask_new_pass, (void *)pfd, &files, &err) != FK_OK)
		return ctl_fail(&err);
	printf("%d key files written, encrypted under the passphrase, to ", files);
	ctl_put(stdout, dest, 0);
	puts("\nthe database: a PostgreSQL store is backed up on its server (pg_basebackup); "
	     "after its restore, run 'fukuhonctl restore --database-restored'");
	return CTL_OK;
}

int cmd_backup(ctl *c, int argc, char **argv)
{
	const char *into = NULL, *pfd = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"into", 1, &into}, {"passphrase-fd", 1, &pfd}};
	if (ctl_parse(argc, argv, opts, 2, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if ((npos == 1) == (into != NULL))
		return ctl_usage("give the new folder (backup DEST) or the folder of dated backups (--into ROOT)");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	if (fk_sql_is_pg(ctx->db) && !into)
		return backup_keys_only(ctx, pos[0], pfd);
	/* --into: a new folder named after the terminal and the time, for a timer's nightly runs. */
	char dest[4096], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	int n = into ? snprintf(dest, sizeof dest, "%s/%s-%s%s", into, ctx->cfg.terminal_id, stamp,
				fk_sql_is_pg(ctx->db) ? ".keys" : "")
		     : snprintf(dest, sizeof dest, "%s", pos[0]);
	if (n < 0 || (size_t)n >= sizeof dest)
		return ctl_usage("the path is too long");
	if (fk_sql_is_pg(ctx->db))
		return backup_keys_only(ctx, dest, pfd);
	fk_error err;
	fk_backup_info info;
	if (fk_backup_create(ctx, dest, &info, &err) != FK_OK)
		return ctl_fail(&err);
	fputs("backup written to ", stdout);
	ctl_put(stdout, dest, 0);
	printf("\nhistory         %lld records\nbytes           %lld\nmanifest sha256 ",
	       (long long)info.state.head.seq, (long long)info.bytes);
	put_hex(info.manifest_sha, 32);
	putchar('\n');
	return CTL_OK;
}

int cmd_backup_verify(ctl *c, int argc, char **argv)
{
	const char *key = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"key", 1, &key}};
	if (ctl_parse(argc, argv, opts, 1, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage("give the backup's folder: backup verify DEST");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_backup_info info;
	if (fk_backup_verify(ctx, pos[0], key, put_check, NULL, &info, &err) != FK_OK)
		return ctl_fail(&err);
	printf("backup verified: %lld records, made ", (long long)info.state.head.seq);
	json_t *t = ctl_time_json(info.created_ns);
	printf("%s\n", t && json_is_string(t) ? json_string_value(t) : "?");
	json_decref(t);
	return CTL_OK;
}

int cmd_backup_prune(ctl *c, int argc, char **argv)
{
	const char *keep = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"keep", 1, &keep}};
	if (ctl_parse(argc, argv, opts, 1, pos, 1, &npos) != 0)
		return CTL_USAGE;
	char *end = NULL;
	long k = keep ? strtol(keep, &end, 10) : 0;
	if (npos != 1 || !keep || *end || k < 1 || k > 10000)
		return ctl_usage("backup prune ROOT --keep N (N: 1..10000)");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int removed;
	if (fk_backup_prune(ctx, pos[0], (int)k, &removed, &err) != FK_OK)
		return ctl_fail(&err);
	printf("%d old backup%s removed, the %ld newest kept\n", removed, removed == 1 ? "" : "s", k);
	return CTL_OK;
}

/* ---- passphrases: asked on the terminal without echo, or read from a descriptor ---- */

static int read_pass_line(FILE *in, char *buf, size_t len)
{
	if (!fgets(buf, (int)len, in))
		return -1;
	size_t n = strcspn(buf, "\n");
	if (buf[n] != '\n' && !feof(in)) {
		fk_wipe(buf, len);
		return -1; /* longer than we take: refused, not cut */
	}
	buf[n] = '\0';
	return 0;
}

static int ask_tty(FILE *tty, const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int fd = fileno(tty), hide = tcgetattr(fd, &old) == 0;
	fputs(prompt, tty);
	fflush(tty);
	if (hide) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		hide = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	int rc = read_pass_line(tty, buf, len);
	if (hide) {
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	return rc;
}

/* twice: a new passphrase, asked again to catch a typing error. */
static int get_pass(const char *fdarg, int twice, char *buf, size_t len)
{
	if (fdarg) {
		char *end;
		long fd = strtol(fdarg, &end, 10);
		FILE *in;
		if (*end || fd < 0 || fd > 1024 || !(in = fdopen((int)fd, "r")))
			return ctl_usage("--passphrase-fd takes an open descriptor's number");
		int rc = read_pass_line(in, buf, len);
		fclose(in);
		if (rc != 0)
			fprintf(stderr, "fukuhonctl: no passphrase could be read from descriptor %ld\n", fd);
		return rc == 0 ? CTL_OK : CTL_FAIL;
	}
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	FILE *tty = fd >= 0 ? fdopen(fd, "r+") : NULL;
	if (!tty) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "fukuhonctl: no terminal to ask the passphrase on (give --passphrase-fd N)\n");
		return CTL_FAIL;
	}
	char again[256];
	int rc = ask_tty(tty, "Passphrase: ", buf, len) == 0 ? CTL_OK : CTL_FAIL;
	if (rc == CTL_OK && twice && (ask_tty(tty, "Passphrase again: ", again, sizeof again) != 0 ||
				      strcmp(buf, again) != 0)) {
		fprintf(stderr, "fukuhonctl: the two passphrases differ\n");
		rc = CTL_FAIL;
	}
	fk_wipe(again, sizeof again);
	fclose(tty);
	return rc;
}

/* For the core, once the key backup is decided: a new passphrase, asked twice. */
static int ask_new_pass(void *arg, char *buf, size_t len)
{
	return get_pass(arg, 1, buf, len) == CTL_OK ? 0 : -1;
}

int cmd_key_backup(ctl *c, int argc, char **argv)
{
	const char *pfd = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"passphrase-fd", 1, &pfd}};
	if (ctl_parse(argc, argv, opts, 1, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage("give the new file: key backup DEST");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int files;
	if (fk_key_backup(ctx, pos[0], ask_new_pass, (void *)pfd, &files, &err) != FK_OK)
		return ctl_fail(&err);
	printf("%d key files written, encrypted under the passphrase, to ", files);
	ctl_put(stdout, pos[0], 0);
	putchar('\n');
	return CTL_OK;
}

int cmd_key_restore(ctl *c, int argc, char **argv)
{
	const char *pfd = NULL, *pos[2];
	int npos;
	struct ctl_opt opts[] = {{"passphrase-fd", 1, &pfd}};
	(void)c;
	if (ctl_parse(argc, argv, opts, 1, pos, 2, &npos) != 0)
		return CTL_USAGE;
	if (npos != 2)
		return ctl_usage("key restore SRC DIR (DIR: a new folder)");
	char pass[256];
	int rc = get_pass(pfd, 0, pass, sizeof pass);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int files;
	fk_status s = fk_key_restore(pos[0], pos[1], pass, strlen(pass), &files, &err);
	fk_wipe(pass, sizeof pass);
	if (s != FK_OK)
		return ctl_fail(&err);
	printf("%d key files restored into ", files);
	ctl_put(stdout, pos[1], 0);
	putchar('\n');
	return CTL_OK;
}

/* ---- restore ---- */

/* Who restores: signed in through PAM here (the database may be gone), and an administrator in
 * the backup (checked by the core); on a test or demo backup only, $FUKUHON_TEST_ACTOR. */
static int restorer(ctl *c, fk_restore_opts *o, char *name, size_t len)
{
	const char *test = getenv("FUKUHON_TEST_ACTOR");
	if (test && *test) {
		o->user = test;
		o->test_actor = 1;
		return CTL_OK;
	}
	struct passwd *pw = c->user ? NULL : getpwuid(getuid());
	snprintf(name, len, "%s", c->user ? c->user : pw ? pw->pw_name : "");
	o->user = name;
	fk_config cfg;
	fk_error err;
	if (fk_config_load(fk_config_default_path(c->config), &cfg, &err) != FK_OK)
		return ctl_fail(&err);
	int rc = ctl_check_password(c, cfg.pam_service, cfg.auth_helper, name);
	fk_config_free(&cfg);
	return rc;
}

/* restore --database-restored: a PostgreSQL store its server put back, taken into use again. */
static int recover(ctl *c, fk_restore_opts *o, fk_restore_result *r)
{
	fk_error err;
	if (fk_restore_recover(c->config, o, r, &err) != FK_OK) {
		free(r);
		return ctl_fail(&err);
	}
	printf("the store was put back to record %lld of the history; anchored again\n",
	       (long long)r->info.state.head.seq);
	if (r->lost_to >= r->lost_from)
		printf("lost:      records %lld-%lld this terminal wrote after the server's backup\n",
		       (long long)r->lost_from, (long long)r->lost_to);
	printf("disposed of again: %lld register(s), from the key folder's ledger\n", (long long)r->reapplied);
	puts("counters:  package sequences and output numbers continue from the key folder's");
	printf("verified:  %lld sealed rows, no problem\n", (long long)r->rep.rows);
	free(r);
	return CTL_OK;
}

int cmd_restore(ctl *c, int argc, char **argv)
{
	const char *force = NULL, *tail = NULL, *key = NULL, *restored = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"force", 0, &force}, {"tail-out", 1, &tail}, {"key", 1, &key},
				 {"database-restored", 0, &restored}};
	if (ctl_parse(argc, argv, opts, 4, pos, 1, &npos) != 0)
		return CTL_USAGE;
	if (restored ? npos != 0 : npos != 1)
		return ctl_usage("give the backup's folder (restore SRC), or --database-restored alone");
	fk_restore_opts o = {.force = force != NULL, .tail_out = tail, .k0_path = key};
	char name[72];
	int rc = restorer(c, &o, name, sizeof name);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_restore_result *r = calloc(1, sizeof *r);
	if (!r) {
		fputs("fukuhonctl: out of memory\n", stderr);
		return CTL_FAIL;
	}
	if (restored)
		return recover(c, &o, r);
	if (fk_restore(c->config, pos[0], &o, put_check, NULL, r, &err) != FK_OK) {
		rc = ctl_fail(&err);
		if (r->old_db[0] && !r->old_removed) {
			fputs("fukuhonctl: the database that was replaced is kept as ", stderr);
			ctl_put(stderr, r->old_db, 0);
			fputc('\n', stderr);
		}
		free(r);
		return rc;
	}
	printf("restored: the database holds the backup's %lld records and the record of this restore\n",
	       (long long)r->info.state.head.seq);
	if (r->tail[0]) {
		printf("old history: records %lld-%lld exported to ", (long long)r->lost_from, (long long)r->lost_to);
		ctl_put(stdout, r->tail, 0);
		putchar('\n');
	} else if (r->unreadable[0]) {
		fputs("old history: not read (", stdout);
		ctl_put(stdout, r->unreadable, 0);
		puts(")");
	} else {
		puts("old history: nothing after the backup's end");
	}
	if (r->old_db[0]) {
		fputs(r->old_removed ? "old database: removed, the restored one verified\n" : "old database: kept as ", stdout);
		if (!r->old_removed) {
			ctl_put(stdout, r->old_db, 0);
			putchar('\n');
		}
	}
	printf("verified:  %lld records, %lld sealed rows, no problem\n", (long long)r->rep.records,
	       (long long)r->rep.rows);
	free(r);
	return CTL_OK;
}

/* ---- migrate ---- */

int cmd_migrate(ctl *c, int argc, char **argv)
{
	const char *dry = NULL;
	struct ctl_opt opts[] = {{"dry-run", 0, &dry}};
	int npos;
	if (ctl_parse(argc, argv, opts, 1, NULL, 0, &npos) != 0)
		return CTL_USAGE;
	/* Signed in as for restore: a production store with pending migrations does not open. */
	fk_restore_opts o = {0};
	char name[72];
	int rc = restorer(c, &o, name, sizeof name);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_migrate_report *r = calloc(1, sizeof *r);
	if (!r) {
		fputs("fukuhonctl: out of memory\n", stderr);
		return CTL_FAIL;
	}
	if (fk_migrate(c->config, o.user, o.test_actor, dry != NULL, r, &err) != FK_OK) {
		free(r);
		return ctl_fail(&err);
	}
	printf("schema: the store %u, this program %u\n", r->have, r->want);
	for (int i = 0; i < r->npending; i++) {
		printf("%s %u ", r->applied ? "applied" : "pending", r->version[i]);
		ctl_put(stdout, r->name[i], 0);
		putchar('\n');
	}
	if (r->granted)
		puts("the terminals' privileges set (sql/terminal_grants.pg.sql)");
	if (!r->npending)
		puts("nothing to migrate");
	if (r->applied || r->granted)
		puts("recorded as maintenance.migrate");
	free(r);
	return CTL_OK;
}
