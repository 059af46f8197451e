/* Health for monitors and supervisors: each check with its level, Nagios/Icinga style (R-DETECT, issue 13). */
#ifndef FK_HEALTHCHECK_H
#define FK_HEALTHCHECK_H

#include <stdint.h>

#include "ctx.h"
#include "health.h"
#include "status.h"

/* The levels, numbered as monitoring plugins exit: 0 ok, 1 warning, 2 critical, 3 unknown. */
typedef enum fk_hc_level { FK_HC_OK, FK_HC_WARNING, FK_HC_CRITICAL, FK_HC_UNKNOWN } fk_hc_level;

/* X(id, name for --json and the plugin lines, English title: a msgid the console translates) */
#define FK_HC_LIST(X)                                                              \
	X(INTEGRITY, "integrity", FK_N_("Full check of the database"))                    \
	X(HISTORY, "history", FK_N_("History verified"))                                  \
	X(CHECKPOINT, "checkpoint", FK_N_("History checkpoint exported"))                 \
	X(BACKUP, "backup", FK_N_("Last backup"))                                         \
	X(BACKUP_VERIFY, "backup_verify", FK_N_("Last backup verified"))                  \
	X(DISK_DB, "disk_database", FK_N_("Free space of the database's folder"))        \
	X(DISK_KEYS, "disk_keys", FK_N_("Free space of the key folder"))                  \
	X(CLOCK, "clock", FK_N_("Clock synchronisation"))                                 \
	X(KEYS, "key_files", FK_N_("Key files"))                                          \
	X(PKI, "certificates", FK_N_("Certificates and CRLs"))                            \
	X(ALERTS, "alerts", FK_N_("Open alerts"))                                         \
	X(LOCKDOWN, "lockdown", FK_N_("Lockdown"))                                        \
	X(KEY_ROTATION, "key_rotation", FK_N_("Master-key rotation after a disposal"))

typedef enum fk_hc_id {
#define FK_HC_ENUM(id, name, title) FK_HC_##id,
	FK_HC_LIST(FK_HC_ENUM)
#undef FK_HC_ENUM
	FK_HC_COUNT
} fk_hc_id;

typedef struct fk_hc_item {
	fk_hc_id id;
	fk_hc_level level;
	const char *what; /* an English template (msgid) with {a} and {n}, fk_msg_expand */
	char arg[224];    /* {a}: stored or measured text (untrusted: shown sanitised) */
	long long n;      /* {n} */
	int64_t when;     /* UTC ns of the event the check is about (the last check, backup…); 0: none */
} fk_hc_item;

typedef struct fk_hc_report {
	fk_hc_level level; /* the worst: critical, then warning, then unknown, then ok */
	int ran_check;     /* --check: the full check ran now (its result is INTEGRITY's) */
	fk_health full;    /* what the full check found, when it ran */
	fk_hc_item item[FK_HC_COUNT];
} fk_hc_report;

const char *fk_hc_name(fk_hc_id id);
const char *fk_hc_title(fk_hc_id id);         /* English msgid */
const char *fk_hc_level_name(fk_hc_level l);  /* "OK", "WARNING", "CRITICAL", "UNKNOWN" */

/* health.view (supervisors, auditors, administrators; recorded): every check, from the newest
 * records of the history (through its index: no scan, ≤ 1 s on a 1M-register store) and the
 * file system. With check, also the full check first (PRAGMA quick_check, every sealed row and
 * digest; slow), its outcome recorded as health.check, which later reports find; fn (may be
 * NULL) is called for each problem it finds. */
fk_status fk_health_report(fk_ctx *ctx, int check, fk_hc_report *r, fk_trust_fn fn, void *arg,
			   fk_error *err);

/* The level alone, for the supervisor's home: whether anything needs attention, without
 * recording a view (it is part of the recorded home). FK_HC_UNKNOWN when it cannot be found. */
fk_hc_level fk_health_level(fk_ctx *ctx);

/* The number of open intrusion alerts the person may see (core/admin/alert.h); -1 when they
 * could not be read. */
int64_t fk_health_open_alerts(fk_ctx *ctx);

#endif
