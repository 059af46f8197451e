/* Health for monitors and supervisors: the newest records of the history, the file system and the lockdown, each with its level (R-DETECT). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "db.h"
#include "disposal.h"
#include "gate.h"
#include "alert.h"
#include "healthcheck.h"
#include "lockdown.h"
#include "pki_admin.h"
#include "util.h"

static const char *const names[FK_HC_COUNT] = {
#define FK_HC_NAME(id, name, title) name,
	FK_HC_LIST(FK_HC_NAME)
#undef FK_HC_NAME
};
static const char *const titles[FK_HC_COUNT] = {
#define FK_HC_TITLE(id, name, title) title,
	FK_HC_LIST(FK_HC_TITLE)
#undef FK_HC_TITLE
};

const char *fk_hc_name(fk_hc_id id)
{
	return (unsigned)id < FK_HC_COUNT ? names[id] : "?";
}

const char *fk_hc_title(fk_hc_id id)
{
	return (unsigned)id < FK_HC_COUNT ? titles[id] : "?";
}

const char *fk_hc_level_name(fk_hc_level l)
{
	static const char *const n[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	return (unsigned)l <= FK_HC_UNKNOWN ? n[l] : "UNKNOWN";
}

/* The newest record of an operation that was carried out (a refusal is not a check), through
 * the index on the action (sql: audit_log_action): one step back from the end of the index,
 * however long the history. */
static const char SQL_NEWEST[] =
	"SELECT ts_ns, result FROM audit_log WHERE action = ?1 AND result <> 'denied' "
	"ORDER BY seq DESC LIMIT 1";

static fk_status newest(fk_ctx *ctx, const char *action, int64_t *ts, int *ok, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_NEWEST, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, action, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	*ts = 0;
	*ok = 0;
	if (rc == SQLITE_ROW) {
		*ts = fk_sql_column_int64(st, 0);
		*ok = !strcmp((const char *)fk_sql_column_text(st, 1), "success");
	}
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading the history");
}

static void set(fk_hc_item *it, fk_hc_level l, const char *what, const char *arg, long long n)
{
	it->level = l;
	it->what = what;
	fk_copy_str(it->arg, sizeof it->arg, arg ? arg : "");
	it->n = n;
}

/* An event that should happen every max_age seconds (a check, a verification, a backup):
 * never → missing (warning), failed → critical, older than max_age → warning. */
static void event(fk_ctx *ctx, fk_hc_item *it, const char *action, int max_age, const char *missing)
{
	fk_error err;
	int ok;
	if (newest(ctx, action, &it->when, &ok, &err) != FK_OK) {
		set(it, FK_HC_UNKNOWN, FK_N_("could not be read: {a}"), err.msg, 0);
		return;
	}
	if (!it->when)
		set(it, FK_HC_WARNING, missing, NULL, 0);
	else if (!ok)
		set(it, FK_HC_CRITICAL, FK_N_("FAILED: see the history and run it again"), NULL, 0);
	else if (fk_ctx_now(ctx) - it->when > (int64_t)max_age * 1000000000)
		set(it, FK_HC_WARNING, FK_N_("passed, but longer ago than {n} day(s)"), NULL, max_age / 86400);
	else
		set(it, FK_HC_OK, FK_N_("passed"), NULL, 0);
}

static void disk(fk_ctx *ctx, fk_hc_item *it, const char *path)
{
	struct statvfs v;
	char size[64];
	if (statvfs(path, &v) != 0 || v.f_blocks == 0) {
		set(it, FK_HC_UNKNOWN, FK_N_("could not be measured: {a}"), strerror(errno), 0);
		return;
	}
	long long pct = (long long)(v.f_bavail * 100 / v.f_blocks);
	double gib = (double)v.f_bavail * (double)v.f_frsize / (1024.0 * 1024.0 * 1024.0);
	snprintf(size, sizeof size, "%.1f GiB", gib);
	fk_hc_level l = pct < ctx->cfg.disk_free_crit ? FK_HC_CRITICAL
		      : pct < ctx->cfg.disk_free_warn ? FK_HC_WARNING : FK_HC_OK;
	set(it, l, FK_N_("{n}% free ({a})"), size, pct);
}

/* The database's folder: where the file grows and where SQLite puts its journal. */
static void disk_db(fk_ctx *ctx, fk_hc_item *it)
{
	/* A PostgreSQL store's disk is its server's, watched there (docs/deployment.md): there is
	 * no folder of ours to measure. */
	if (fk_sql_is_pg(ctx->db)) {
		set(it, FK_HC_OK, FK_N_("on the store's server: watched there"), NULL, -1); /* -1: no figure */
		return;
	}
	char dir[4096];
	fk_copy_str(dir, sizeof dir, ctx->cfg.database);
	char *slash = strrchr(dir, '/');
	if (!slash)
		fk_copy_str(dir, sizeof dir, ".");
	else
		slash[slash == dir] = '\0'; /* "/x.db" → "/" */
	disk(ctx, it, dir);
}

/* One entry of the key folder: ours, and nobody else's to read (R-KEYS): files 0600, folders
 * 0700, nothing linked in. Returns why not, or NULL. */
static const char *unsafe(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "a symbolic link";
	if (st->st_uid != geteuid())
		return "owned by another user";
	if (S_ISDIR(st->st_mode))
		return (st->st_mode & 07777) == 0700 ? NULL : "a folder not of mode 0700";
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	return (st->st_mode & 077) ? "readable or writable by others (not 0600)" : NULL;
}

static void key_files(fk_ctx *ctx, fk_hc_item *it)
{
	char path[4200], why[224];
	struct stat st;
	const char *dir = ctx->cfg.key_dir, *bad;
	if (lstat(dir, &st) != 0) {
		set(it, FK_HC_CRITICAL, FK_N_("missing: {a}"), dir, 0);
		return;
	}
	if ((bad = unsafe(&st)) != NULL || !S_ISDIR(st.st_mode)) {
		snprintf(why, sizeof why, "%.160s: %s", dir, bad ? bad : "not a folder");
		set(it, FK_HC_CRITICAL, FK_N_("unsafe: {a}"), why, 0);
		return;
	}
	DIR *d = opendir(dir);
	if (!d) {
		set(it, FK_HC_UNKNOWN, FK_N_("could not be read: {a}"), strerror(errno), 0);
		return;
	}
	long long n = 0;
	struct dirent *e;
	why[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		n++;
		if (lstat(path, &st) != 0)
			bad = strerror(errno);
		else
			bad = unsafe(&st);
		if (bad && !why[0])
			snprintf(why, sizeof why, "%.120s: %s", e->d_name, bad);
	}
	closedir(d);
	if (why[0])
		set(it, FK_HC_CRITICAL, FK_N_("unsafe: {a}"), why, 0);
	else
		set(it, FK_HC_OK, FK_N_("{n} entries, each 0600 (folders 0700) and the service account's"), NULL, n);
}

static void pki(fk_ctx *ctx, fk_hc_item *it)
{
	fk_error err;
	fk_pki_state *st = malloc(sizeof *st);
	if (!st) {
		set(it, FK_HC_UNKNOWN, FK_N_("could not be read: {a}"), "out of memory", 0);
		return;
	}
	if (fk_pki_state_get(ctx, fk_ctx_now(ctx) / 1000000000, 0, st, &err) != FK_OK) {
		set(it, FK_HC_UNKNOWN, FK_N_("could not be read: {a}"), err.msg, 0);
	} else if (st->nwarn) {
		int past = 0;
		for (int i = 0; i < st->nwarn; i++)
			past |= st->warn[i].days < 0;
		set(it, past ? FK_HC_CRITICAL : FK_HC_WARNING,
		    FK_N_("{n} expiring or expired: fukuhonctl cert status"), st->warn[0].subject, st->nwarn);
		it->when = st->warn[0].when * 1000000000;
	} else {
		set(it, FK_HC_OK, FK_N_("none expiring"), NULL, 0);
	}
	free(st);
}

int64_t fk_health_open_alerts(fk_ctx *ctx)
{
	/* The intrusion detectors' alerts not yet acknowledged (core/admin/alert.h), counted for
	 * the person asking as the alerts screen counts them. */
	int64_t n = 0;
	fk_error err;
	fk_error_clear(&err);
	return fk_alert_count_open(ctx, &n, &err) == FK_OK ? n : -1;
}

static void alerts(fk_ctx *ctx, fk_hc_item *it)
{
	int64_t n = fk_health_open_alerts(ctx);
	if (n < 0)
		set(it, FK_HC_WARNING, FK_N_("could not be read"), NULL, 0);
	else if (n > 0)
		set(it, FK_HC_WARNING, FK_N_("{n} open"), NULL, (long long)n);
	else
		set(it, FK_HC_OK, FK_N_("none open"), NULL, 0);
}

static void lockdown(fk_ctx *ctx, fk_hc_item *it)
{
	fk_lockdown ld;
	fk_error err;
	if (fk_lockdown_get(ctx, &ld, &err) != FK_OK) {
		set(it, FK_HC_CRITICAL, FK_N_("could not be read: {a}"), err.msg, 0);
		return;
	}
	it->when = ld.since * 1000000000;
	if (ld.on)
		set(it, FK_HC_WARNING, FK_N_("IN FORCE: {a}"), ld.reason, 0);
	else
		set(it, FK_HC_OK, FK_N_("not in force"), NULL, 0);
}

/* A disposal leaves its keys in every older backup, wrapped under the master key of its time:
 * the rotation it makes due is shown until done, and the old master keys kept for those
 * backups until destroyed on schedule (R-DISPOSE, R-KEYS; docs/disposal.md). */
static void key_rotation(fk_ctx *ctx, fk_hc_item *it)
{
	fk_error err;
	int due;
	int64_t since;
	uint32_t kek;
	unsigned old = fk_keys_master_count(ctx->keys);
	old = old > 0 ? old - 1 : 0;
	if (fk_disposal_rotation_due(ctx, &due, &since, &kek, &err) != FK_OK) {
		set(it, FK_HC_UNKNOWN, FK_N_("could not be read: {a}"), err.msg, 0);
	} else if (due) {
		set(it, FK_HC_WARNING, FK_N_("DUE since a disposal: fukuhonctl key rotate --keep-old"), NULL, 0);
		it->when = since;
	} else if (old) {
		set(it, FK_HC_OK, FK_N_("{n} old master key(s) kept for older backups: fukuhonctl key "
					"destroy-old when they expire"), NULL, old);
	} else {
		set(it, FK_HC_OK, FK_N_("none due"), NULL, 0);
	}
}

/* Every check but the full one: cheap reads only. */
static void gather(fk_ctx *ctx, fk_hc_report *r)
{
	const fk_config *c = &ctx->cfg;
	for (int i = 0; i < FK_HC_COUNT; i++)
		r->item[i].id = (fk_hc_id)i;
	event(ctx, &r->item[FK_HC_INTEGRITY], fk_op_name(FK_OP_HEALTH_CHECK), c->health_check_max_age,
	      FK_N_("never run: fukuhonctl health --check"));
	event(ctx, &r->item[FK_HC_HISTORY], fk_op_name(FK_OP_HISTORY_VERIFY), c->health_verify_max_age,
	      FK_N_("never verified: fukuhonctl audit verify"));
	event(ctx, &r->item[FK_HC_CHECKPOINT], fk_op_name(FK_OP_HISTORY_CHECKPOINT),
	      c->health_checkpoint_max_age, FK_N_("never exported: fukuhonctl audit checkpoint --export"));
	/* Written by the backup commands (their records' names: backup.create, backup.verify). A
	 * PostgreSQL store's database is backed up and drilled on its server: what the terminal
	 * backs up there is its key folder (backup.keys). */
	int pg = fk_sql_is_pg(ctx->db);
	event(ctx, &r->item[FK_HC_BACKUP], pg ? "backup.keys" : "backup.create", c->health_backup_max_age,
	      FK_N_("no backup recorded"));
	if (pg)
		set(&r->item[FK_HC_BACKUP_VERIFY], FK_HC_OK, FK_N_("on the store's server: watched there"), NULL, 0);
	else
		event(ctx, &r->item[FK_HC_BACKUP_VERIFY], "backup.verify", c->health_backup_max_age,
		      FK_N_("no verified backup recorded"));
	disk_db(ctx, &r->item[FK_HC_DISK_DB]);
	disk(ctx, &r->item[FK_HC_DISK_KEYS], c->key_dir);
	if (fk_clock_synced())
		set(&r->item[FK_HC_CLOCK], FK_HC_OK, FK_N_("synchronised"), NULL, 0);
	else
		set(&r->item[FK_HC_CLOCK], FK_HC_WARNING,
		    FK_N_("NOT synchronised: times on record may be wrong (R-TIME)"), NULL, 0);
	key_files(ctx, &r->item[FK_HC_KEYS]);
	pki(ctx, &r->item[FK_HC_PKI]);
	alerts(ctx, &r->item[FK_HC_ALERTS]);
	lockdown(ctx, &r->item[FK_HC_LOCKDOWN]);
	key_rotation(ctx, &r->item[FK_HC_KEY_ROTATION]);
	/* Monitoring plugins' order of worst: critical, warning, unknown, ok. */
	static const int rank[] = {[FK_HC_OK] = 0, [FK_HC_UNKNOWN] = 1, [FK_HC_WARNING] = 2, [FK_HC_CRITICAL] = 3};
	r->level = FK_HC_OK;
	for (int i = 0; i < FK_HC_COUNT; i++)
		if (rank[r->item[i].level] > rank[r->level])
			r->level = r->item[i].level;
}

fk_status fk_health_report(fk_ctx *ctx, int check, fk_hc_report *r, fk_trust_fn fn, void *arg,
			   fk_error *err)
{
	memset(r, 0, sizeof *r);
	fk_authz_req q = {.op = FK_OP_HEALTH_VIEW};
	fk_status s = fk_gate_check(ctx, &q, ctx->cfg.terminal_id, check ? "check" : NULL, err);
	if (s == FK_OK && check) {
		s = fk_health_check_db(ctx, &r->full, fn, arg, err);
		r->ran_check = s == FK_OK;
	}
	if (s != FK_OK)
		return s;
	gather(ctx, r);
	/* Over a database that failed its checks nothing was recorded: the check's own
	 * finding stands for the integrity line. */
	if (r->ran_check && fk_trust_broken(ctx)) {
		set(&r->item[FK_HC_INTEGRITY], FK_HC_CRITICAL, FK_N_("FAILED now: {a}"), r->full.failed, 0);
		r->item[FK_HC_INTEGRITY].when = fk_ctx_now(ctx);
		r->level = FK_HC_CRITICAL;
	}
	return FK_OK;
}

fk_hc_level fk_health_level(fk_ctx *ctx)
{
	fk_hc_report *r = calloc(1, sizeof *r);
	if (!r)
		return FK_HC_UNKNOWN;
	gather(ctx, r);
	fk_hc_level l = r->level;
	free(r);
	return l;
}
