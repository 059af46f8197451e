/* The configuration file: a small "key = value" file (fukuhon.conf(5)). */
#ifndef FK_CONF_H
#define FK_CONF_H

#include "status.h"

#define FK_CONF_ENV "FUKUHON_CONFIG"
#define FK_PROMPT_TIMEOUT_MAX 900 /* seconds: the longest prompt_timeout */

typedef struct fk_config {
	char *path;        /* the file read (absolute or as given) */
	char *database;    /* relative paths are taken from the file's folder; or a PostgreSQL
			    * store's URI (postgresql://… or postgres://…, kept as written) */
	char *database_admin; /* "" or the PostgreSQL store's URI as its schema owner: what
			       * fukuhonctl init and migrate connect with (issue 14) */
	char *key_dir;
	char *data_dir;
	char *terminal_id;
	char *bureau;      /* the bureau this terminal serves (name, e.g. 東京法務局) */
	char *pam_service;
	char *auth_helper; /* fukuhon-authd's socket; "" = PAM in this process (issue 15) */
	char *language;    /* "ja", "en" or "auto" (from the locale) */
	int lock_failures; /* failures allowed before a lock */
	int lock_window;   /* seconds in which failures are counted */
	int lock_duration; /* seconds; 0 = until a supervisor unlocks */
	int lock_growth;   /* 1: each successive lock lasts twice as long */
	int idle_timeout;  /* seconds before the screen locks */
	int audit_checkpoint_records; /* a signed history checkpoint every N records … */
	int audit_checkpoint_minutes; /* … or every T minutes (R-LOGSEAL) */
	int fail_delay;    /* seconds: every failed sign-in takes at least this long */
	int prompt_timeout; /* seconds to answer the prompts of one sign-in attempt */
	int mouse;         /* 1: the console takes mouse clicks and the wheel */
	int crl_warn_days;  /* status and health warn this many days before a CRL's nextUpdate */
	int cert_warn_days; /* … and before the receiving certificate expires (issue 10) */
	/* The receiving service, fukuhon-receiver(8) (R-REALTIME): */
	char *receiver_listen;     /* address:port it listens on (TLS 1.3, client certificates) */
	int receiver_connections;  /* connections at once; more wait in the kernel's queue */
	int receiver_max_body;     /* bytes: the largest package it takes */
	int receiver_timeout;      /* seconds a connection may stay silent */
	int receiver_workers;      /* processes taking connections from one listening socket */
	/* The four-eyes workflow (docs/approvals.md, R-APPROVE, R-PRINT): */
	int approval_valid;        /* seconds an approval stays usable */
	char *print_spool;         /* folder (0700) the printed PDFs are written to */
	char *export_folder;       /* "" or folder (0700) the console writes exports and returns to */
	char *print_queue;         /* "" or ipp://… / ipps://…: the printer each copy is sent to */
	char *print_queue_ca;      /* "" (the system's CAs) or PEM file: whom ipps:// trusts */
	/* The detectors of intrusion (core/audit/detect.h, R-INTRUSION); 0 turns one off: */
	int alert_signin_failures;  /* failed sign-ins across accounts, all terminals … */
	int alert_terminal_failures; /* … and from this terminal, … */
	int alert_signin_window;    /* … within this many seconds */
	int alert_refusals;         /* refusals of one person … */
	int alert_refusals_window;  /* … within this many seconds */
	int alert_opens_per_hour;   /* registers one person opens within an hour */
	/* Jurisdiction (docs/permissions.md, R-JURIS): 1 lets a 法務局's or 地方法務局's people be
	 * granted the municipalities of its 支局 too; 0 (default): each office only its own. */
	int parent_sees_branches;
	/* fukuhonctl health (R-DETECT): how old each last event may be before it warns, and the
	 * free space (percent of the file system) below which it warns or is critical */
	int health_check_max_age;      /* seconds: the last full check (status/health --check) */
	int health_verify_max_age;     /* seconds: the last audit verify */
	int health_checkpoint_max_age; /* seconds: the last audit checkpoint --export */
	int health_backup_max_age;     /* seconds: the last backup, and the last verify of one */
	int disk_free_warn;            /* percent */
	int disk_free_crit;            /* percent */
} fk_config;

/* Which file: path if given, else $FUKUHON_CONFIG, else SYSCONFDIR/fukuhon.conf. */
const char *fk_config_default_path(const char *path);

/* Read the file into cfg (defaults for what it does not set). Unknown keys,
 * duplicates, malformed lines and bad values are refused with the line number. */
fk_status fk_config_load(const char *path, fk_config *cfg, fk_error *err);

/* Parse text as if it were the file at path (for tests and init). */
fk_status fk_config_parse(const char *text, const char *path, fk_config *cfg, fk_error *err);

void fk_config_free(fk_config *cfg);

/* 1 when a database value names a PostgreSQL store (postgresql://… or postgres://…). */
int fk_config_is_store_uri(const char *v);

#endif
