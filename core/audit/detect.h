/* The detectors of intrusion (R-INTRUSION): bursts of failed sign-ins, repeated refusals of one
 * person, unusual bulk viewing; each alert a sealed row of its own, recorded and told to syslog.
 *
 * They run on every record of the history (audit.c), inside the transaction that writes it, so
 * that an alert is committed with the record that raised it or not at all. Each counts recent
 * records of the history over an index (sql/017_alerts.sql), at most as many as its threshold,
 * and raises an alert for a subject at most once per window (no storm). The thresholds are the
 * configuration's alert_* keys (fukuhon.conf(5)); 0 turns a detector off. */
#ifndef FK_DETECT_H
#define FK_DETECT_H

#include <stdint.h>

#include "audit_chain.h"
#include "ctx.h"
#include "status.h"

#define FK_ALERT_NOTE_MAX 200 /* characters of an acknowledgement's note */

/* The detectors, as recorded in alert.detector. */
#define FK_ALERT_DETECTORS(X)                                                              \
	X(SIGNIN_BURST, "signin-burst")       /* failed sign-ins, every account and terminal */ \
	X(SIGNIN_TERMINAL, "signin-terminal") /* failed sign-ins at this terminal */            \
	X(REFUSALS, "refusals")               /* refusals of one person */                      \
	X(BULK_VIEW, "bulk-view")             /* registers opened by one person in an hour */

typedef enum fk_alert_detector {
#define FK_ALERT_DET_ENUM(id, name) FK_ALERT_##id,
	FK_ALERT_DETECTORS(FK_ALERT_DET_ENUM)
#undef FK_ALERT_DET_ENUM
	FK_ALERT_DETECTOR_COUNT
} fk_alert_detector;

const char *fk_alert_detector_id(fk_alert_detector d); /* "signin-burst" …; "?" out of range */
int fk_alert_detector_parse(const char *id);            /* -1 when unknown */

/* One alert as stored (sql/017_alerts.sql). */
typedef struct fk_alert {
	int64_t id;
	fk_alert_detector detector;
	char subject[97];   /* "*", a terminal's id or a user name */
	int64_t bureau_id;  /* 0: every bureau's supervisors */
	char terminal[64];  /* where it was raised */
	int64_t count, threshold, window_s, raised_at;
	int64_t acked_by, acked_at; /* acked_at 0: open */
	char acked_by_user[72];
	char note[801];
} fk_alert;

/* Called for each record appended (audit.c), in its transaction: the detectors the record
 * concerns count, and raise what reaches its threshold. FK_OK when nothing was due or the
 * alert is written and recorded; a failure fails the record (fail closed). */
fk_status fk_alert_observe(fk_ctx *ctx, const fk_chain_entry *e, fk_error *err);

/* Where the alerts are told once committed: syslog (LOG_AUTHPRIV, ident "fukuhon") unless a
 * test sets a sink (NULL: syslog again). The text names no one but the person an alert is
 * about (their user name) and counts: never a user name typed at a failed sign-in. */
typedef void (*fk_alert_sink)(int priority, const char *text);
void fk_alert_set_sink(fk_alert_sink sink);

#endif
