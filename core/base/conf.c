/* The configuration file: a small "key = value" file (fukuhon.conf(5)). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

#define CONF_MAX_BYTES (64 * 1024)

enum conf_type { T_PATH, T_STR, T_INT, T_SECS, T_BOOL };

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	int min, max;
};

#define STR_KEY(n, t) {#n, t, offsetof(fk_config, n), 0, 0}
#define INT_KEY(n, t, lo, hi) {#n, t, offsetof(fk_config, n), lo, hi}

/* One table drives parsing, validation and the man page's list. */
static const struct conf_key conf_keys[] = {
	STR_KEY(database, T_PATH),
	STR_KEY(key_dir, T_PATH),
	STR_KEY(data_dir, T_PATH),
	STR_KEY(terminal_id, T_STR),
	STR_KEY(bureau, T_STR),
	STR_KEY(pam_service, T_STR),
	STR_KEY(language, T_STR),
	INT_KEY(lock_failures, T_INT, 1, 100),
	INT_KEY(lock_window, T_SECS, 1, 7 * 86400),
	INT_KEY(lock_duration, T_SECS, 0, 365 * 86400),
	INT_KEY(lock_growth, T_BOOL, 0, 1),
	INT_KEY(idle_timeout, T_SECS, 10, 86400),
	INT_KEY(audit_checkpoint_records, T_INT, 1, 1000000),
	INT_KEY(audit_checkpoint_minutes, T_INT, 1, 7 * 24 * 60),
	INT_KEY(fail_delay, T_SECS, 1, 30),
	INT_KEY(prompt_timeout, T_SECS, 5, FK_PROMPT_TIMEOUT_MAX),
	INT_KEY(mouse, T_BOOL, 0, 1),
	INT_KEY(crl_warn_days, T_INT, 1, 90),
	INT_KEY(cert_warn_days, T_INT, 1, 365),
	STR_KEY(receiver_listen, T_STR),
	INT_KEY(receiver_connections, T_INT, 1, 10000),
	INT_KEY(receiver_max_body, T_INT, 4096, 64 << 20),
	INT_KEY(receiver_timeout, T_SECS, 1, 3600),
	INT_KEY(receiver_workers, T_INT, 1, 64),
	INT_KEY(approval_valid, T_SECS, 60, 30 * 86400),
	STR_KEY(print_spool, T_PATH),
	INT_KEY(alert_signin_failures, T_INT, 0, 100000),
	INT_KEY(alert_terminal_failures, T_INT, 0, 100000),
	INT_KEY(alert_signin_window, T_SECS, 1, 86400),
	INT_KEY(alert_refusals, T_INT, 0, 100000),
	INT_KEY(alert_refusals_window, T_SECS, 1, 86400),
	INT_KEY(alert_opens_per_hour, T_INT, 0, 1000000),
	INT_KEY(parent_sees_branches, T_BOOL, 0, 1),
	INT_KEY(health_check_max_age, T_SECS, 3600, 365 * 86400),
	INT_KEY(health_verify_max_age, T_SECS, 3600, 365 * 86400),
	INT_KEY(health_checkpoint_max_age, T_SECS, 3600, 365 * 86400),
	INT_KEY(health_backup_max_age, T_SECS, 3600, 365 * 86400),
	INT_KEY(disk_free_warn, T_INT, 1, 99),
	INT_KEY(disk_free_crit, T_INT, 0, 99),
	STR_KEY(auth_helper, T_PATH),
	STR_KEY(print_queue, T_STR),
	STR_KEY(print_queue_ca, T_PATH),
	STR_KEY(export_folder, T_PATH),
	STR_KEY(database_admin, T_STR),
};

const char *fk_config_default_path(const char *path)
{
	if (path && *path)
		return path;
	const char *env = getenv(FK_CONF_ENV);
	if (env && *env)
		return env;
	return FK_SYSCONFDIR "/fukuhon.conf";
}

static char **str_slot(fk_config *cfg, const struct conf_key *k)
{
	return (char **)(void *)((char *)cfg + k->offset);
}

static int *int_slot(fk_config *cfg, const struct conf_key *k)
{
	return (int *)(void *)((char *)cfg + k->offset);
}

static fk_status set_defaults(fk_config *cfg, fk_error *err)
{
	struct {
		char **slot;
		const char *value;
	} d[] = {
		{&cfg->database, FK_LOCALSTATEDIR "/lib/fukuhon/fukuhon.db"},
		{&cfg->key_dir, FK_SYSCONFDIR "/fukuhon/keys"},
		{&cfg->data_dir, FK_DATADIR},
		{&cfg->pam_service, "fukuhon"},
		{&cfg->language, "auto"},
		{&cfg->bureau, ""},
		{&cfg->receiver_listen, "127.0.0.1:8443"},
		{&cfg->print_spool, FK_LOCALSTATEDIR "/spool/fukuhon"},
		{&cfg->auth_helper, ""},
		{&cfg->print_queue, ""},
		{&cfg->print_queue_ca, ""},
		{&cfg->export_folder, ""},
		{&cfg->database_admin, ""},
	};
	for (size_t i = 0; i < FK_ARRAY_LEN(d); i++)
		if (!*d[i].slot && !(*d[i].slot = fk_strdup(d[i].value, err)))
			return FK_ERR_NOMEM;
	if (!cfg->terminal_id) {
		char host[HOST_NAME_MAX + 1] = "terminal";
		if (gethostname(host, sizeof host) != 0)
			fk_copy_str(host, sizeof host, "terminal");
		host[HOST_NAME_MAX] = '\0';
		if (!(cfg->terminal_id = fk_strdup(host, err)))
			return FK_ERR_NOMEM;
	}
	return FK_OK;
}

static void init_numbers(fk_config *cfg)
{
	cfg->lock_failures = 5;
	cfg->lock_window = 15 * 60;
	cfg->lock_duration = 30 * 60;
	cfg->lock_growth = 0;
	cfg->idle_timeout = 5 * 60;
	cfg->audit_checkpoint_records = 1000;
	cfg->audit_checkpoint_minutes = 60;
	cfg->fail_delay = 2;
	cfg->prompt_timeout = 120;
	cfg->crl_warn_days = 7;
	cfg->cert_warn_days = 30;
	cfg->mouse = 0; /* off: a captured mouse stops the terminal's own text selection */
	/* An immediate package holds a few records: 4 MiB is ample, and bulk deliveries come
	 * as files (fukuhonctl import). */
	cfg->receiver_connections = 64;
	cfg->receiver_max_body = 4 << 20;
	cfg->receiver_timeout = 30;
	cfg->receiver_workers = 1; /* one process; a machine with cores to spare sets more */
	cfg->approval_valid = 24 * 3600; /* a working day and the night after it (issue 12) */
	/* R-INTRUSION: well above a working day's mistakes, well below a guessing run. Ten failed
	 * sign-ins in five minutes at one terminal is two locked accounts' worth; twenty over the
	 * whole store is a wider run (on a store of one terminal: the same run, escalated); a
	 * counter clerk opens some tens of registers an hour, a script copying the store thousands. */
	cfg->alert_signin_failures = 20;
	cfg->alert_terminal_failures = 10;
	cfg->alert_signin_window = 5 * 60;
	cfg->alert_refusals = 5;
	cfg->alert_refusals_window = 10 * 60;
	cfg->alert_opens_per_hour = 200;
	cfg->parent_sees_branches = 0; /* each office its own: grants never cross offices */
	/* A weekly full check, history verification and checkpoint; a nightly backup (issue 13). */
	cfg->health_check_max_age = 7 * 86400;
	cfg->health_verify_max_age = 7 * 86400;
	cfg->health_checkpoint_max_age = 7 * 86400;
	cfg->health_backup_max_age = 2 * 86400;
	cfg->disk_free_warn = 20;
	cfg->disk_free_crit = 10;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Seconds with an optional unit: 90, 90s, 15m, 2h, 1d. */
static int parse_number(const char *v, enum conf_type t, long *out)
{
	if (t == T_BOOL) {
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			return *out = 1, 0;
		if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			return *out = 0, 0;
		return -1;
	}
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || n < 0 || n > INT_MAX)
		return -1;
	long mult = 1;
	if (t == T_SECS && *end) {
		switch (*end++) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return -1;
		}
	}
	if (*end || n > INT_MAX / mult)
		return -1;
	*out = n * mult;
	return 0;
}

int fk_config_is_store_uri(const char *v)
{
	return v && (!strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11));
}

static fk_status set_value(fk_config *cfg, const struct conf_key *k, const char *v,
			   const char *base, const char *path, int line, fk_error *err)
{
	if (k->type == T_PATH || k->type == T_STR) {
		if (!*v)
			return fk_fail(err, FK_ERR_CONFIG, "%s:%d: %s needs a value", path, line, k->name);
		/* A PostgreSQL store is named by its URI, which is no path to join (issue 14). */
		int path_like = k->type == T_PATH &&
				!(k->offset == offsetof(fk_config, database) && fk_config_is_store_uri(v));
		char *val = path_like ? fk_path_join(base, v, err) : fk_strdup(v, err);
		if (!val)
			return FK_ERR_NOMEM;
		free(*str_slot(cfg, k));
		*str_slot(cfg, k) = val;
		return FK_OK;
	}
	long n;
	if (parse_number(v, k->type, &n) != 0 || n < k->min || n > k->max)
		return fk_fail(err, FK_ERR_CONFIG, "%s:%d: %s = '%.40s' is not valid (%s %d..%d)",
			       path, line, k->name, v,
			       k->type == T_BOOL ? "yes/no," : k->type == T_SECS ? "seconds, or with s/m/h/d," : "a number",
			       k->min, k->max);
	*int_slot(cfg, k) = (int)n;
	return FK_OK;
}

static fk_status parse_line(fk_config *cfg, char *s, const char *base, const char *path,
			    int line, unsigned char *seen, fk_error *err)
{
	s = trim(s);
	if (!*s || *s == '#')
		return FK_OK;
	char *eq = strchr(s, '=');
	if (!eq)
		return fk_fail(err, FK_ERR_CONFIG, "%s:%d: expected 'key = value'", path, line);
	*eq = '\0';
	char *key = trim(s), *val = trim(eq + 1);
	for (size_t i = 0; i < FK_ARRAY_LEN(conf_keys); i++) {
		if (strcmp(conf_keys[i].name, key) != 0)
			continue;
		if (seen[i])
			return fk_fail(err, FK_ERR_CONFIG, "%s:%d: %s is set twice", path, line, key);
		seen[i] = 1;
		return set_value(cfg, &conf_keys[i], val, base, path, line, err);
	}
	return fk_fail(err, FK_ERR_CONFIG, "%s:%d: unknown setting '%.40s'", path, line, key);
}

fk_status fk_config_parse(const char *text, const char *path, fk_config *cfg, fk_error *err)
{
	memset(cfg, 0, sizeof *cfg);
	init_numbers(cfg);
	fk_status st = FK_ERR_NOMEM;
	char *copy = fk_strdup(text, err), *base = fk_dirname(path, err);
	if (!copy || !base || !(cfg->path = fk_strdup(path, err)))
		goto out;
	/* One flag per key: there are more keys than the bits of an int. */
	unsigned char seen[FK_ARRAY_LEN(conf_keys)] = {0};
	int line = 0;
	for (char *p = copy; p; line++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if ((st = parse_line(cfg, p, base, path, line + 1, seen, err)) != FK_OK)
			goto out;
		p = nl ? nl + 1 : NULL;
	}
	st = set_defaults(cfg, err);
	if (st == FK_OK && strcmp(cfg->language, "ja") && strcmp(cfg->language, "en") &&
	    strcmp(cfg->language, "auto"))
		st = fk_fail(err, FK_ERR_CONFIG, "%s: language must be ja, en or auto", path);
	/* fukuhon-authd runs the service "fukuhon" only (its constant, never the client's word):
	 * another name here would be silently ignored, so it is refused. */
	if (st == FK_OK && cfg->auth_helper[0] && strcmp(cfg->pam_service, "fukuhon"))
		st = fk_fail(err, FK_ERR_CONFIG, "%s: with auth_helper, pam_service must be fukuhon", path);
	/* Only IPP: a CUPS destination's name would depend on a local cupsd's configuration, which
	 * nobody here controls; a local queue is ipp://localhost:631/printers/NAME. */
	if (st == FK_OK && cfg->print_queue[0] && strncmp(cfg->print_queue, "ipp://", 6) != 0 &&
	    strncmp(cfg->print_queue, "ipps://", 7) != 0)
		st = fk_fail(err, FK_ERR_CONFIG, "%s: print_queue must be an ipp:// or ipps:// URI", path);
	/* The schema owner's connection is for PostgreSQL's init and migrate only (issue 14). */
	if (st == FK_OK && cfg->database_admin[0] &&
	    (!fk_config_is_store_uri(cfg->database_admin) || !fk_config_is_store_uri(cfg->database)))
		st = fk_fail(err, FK_ERR_CONFIG, "%s: database_admin must be a postgresql:// URI, and "
			     "database one too", path);
out:
	free(copy);
	free(base);
	if (st != FK_OK)
		fk_config_free(cfg);
	return st;
}

/* ---- who may have written it ---------------------------------------------- */

/* Whoever can write the configuration chooses the PAM service, the database
 * and the key folder. Like sshd's StrictModes: the file must be owned by root
 * or the running user and writable by its owner only, and so must every
 * folder above it, where someone else could otherwise put another file in
 * its place; a folder writable by others is fine with the sticky bit (/tmp),
 * which keeps them from renaming or removing what they do not own. */
static int trusted_uid(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static fk_status check_folder(const char *dir, const char *path, fk_error *err)
{
	struct stat sb;
	if (lstat(dir, &sb) != 0)
		return fk_fail(err, FK_ERR_CONFIG, "configuration file %s: cannot examine folder %s: %s",
			       path, dir, strerror(errno));
	if (!trusted_uid(sb.st_uid))
		return fk_fail(err, FK_ERR_CONFIG,
			       "configuration file %s lies in folder %s, owned by uid %u; it must be owned by "
			       "root or uid %u (the user running fukuhon)",
			       path, dir, (unsigned)sb.st_uid, (unsigned)geteuid());
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX))
		return fk_fail(err, FK_ERR_CONFIG,
			       "configuration file %s lies in folder %s, writable by group or others "
			       "(mode %04o); only its owner may write it (or set the sticky bit)",
			       path, dir, (unsigned)(sb.st_mode & 07777));
	return FK_OK;
}

/* dir (a real path: no symlink, no "..") and every folder above it. */
static fk_status check_folders(char *dir, const char *path, fk_error *err)
{
	size_t n = strlen(dir);
	for (;;) {
		char c = dir[n];
		dir[n] = '\0';
		fk_status st = check_folder(n ? dir : "/", path, err);
		dir[n] = c;
		if (st != FK_OK || n == 0)
			return st;
		while (n > 1 && dir[n - 1] != '/')
			n--;
		n = n > 1 ? n - 1 : 0; /* the parent; 0 stands for "/" */
	}
}

/* The folder a name lies in, resolved: new string. */
static char *real_folder(const char *name, fk_error *err)
{
	char *dir = fk_dirname(name, err), *real = dir ? realpath(dir, NULL) : NULL;
	if (dir && !real)
		fk_fail(err, FK_ERR_CONFIG, "configuration file %s: cannot resolve folder %s: %s", name,
			dir, strerror(errno));
	free(dir);
	return real;
}

static fk_status check_conf_file(const char *path, const struct stat *sb, fk_error *err)
{
	if (!trusted_uid(sb->st_uid))
		return fk_fail(err, FK_ERR_CONFIG,
			       "configuration file %s is owned by uid %u; it must be owned by root or uid %u "
			       "(the user running fukuhon)",
			       path, (unsigned)sb->st_uid, (unsigned)geteuid());
	if (sb->st_mode & (S_IWGRP | S_IWOTH))
		return fk_fail(err, FK_ERR_CONFIG,
			       "configuration file %s is writable by group or others (mode %04o); only its "
			       "owner may write it",
			       path, (unsigned)(sb->st_mode & 07777));
	char *file = realpath(path, NULL);
	if (!file)
		return fk_fail(err, FK_ERR_CONFIG, "configuration file %s: cannot resolve its path: %s",
			       path, strerror(errno));
	/* the folder holding the name given, and the one holding the file it leads to */
	char *linkdir = real_folder(path, err), *filedir = linkdir ? real_folder(file, err) : NULL;
	fk_status st = filedir ? check_folders(linkdir, path, err) : FK_ERR_CONFIG;
	if (st == FK_OK && strcmp(linkdir, filedir) != 0)
		st = check_folders(filedir, path, err);
	free(file);
	free(linkdir);
	free(filedir);
	return st;
}

fk_status fk_config_load(const char *path, fk_config *cfg, fk_error *err)
{
	path = fk_config_default_path(path);
	char *text;
	fk_status st = fk_read_file_checked(path, CONF_MAX_BYTES, check_conf_file, &text, NULL, err);
	if (st != FK_OK) {
		memset(cfg, 0, sizeof *cfg);
		return fk_fail_wrap(err, "configuration");
	}
	st = fk_config_parse(text, path, cfg, err);
	free(text);
	return st;
}

void fk_config_free(fk_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < FK_ARRAY_LEN(conf_keys); i++)
		if (conf_keys[i].type == T_PATH || conf_keys[i].type == T_STR) {
			free(*str_slot(cfg, &conf_keys[i]));
			*str_slot(cfg, &conf_keys[i]) = NULL;
		}
	free(cfg->path);
	cfg->path = NULL;
}
