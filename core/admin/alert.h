/* Intrusion alerts for the people who answer them (R-INTRUSION): the open count, the list,
 * and the acknowledgement with a note. The detectors that raise them are core/audit/detect.h. */
#ifndef FK_ALERT_H
#define FK_ALERT_H

#include <stdint.h>

#include "ctx.h"
#include "detect.h"
#include "status.h"

/* How many alerts are open (not acknowledged) for the acting person: a supervisor's bureau's
 * and those of every bureau (sign-in bursts); anyone else's count is the whole terminal's. A
 * count names nothing, so it is neither decided nor recorded by itself: the screen or command
 * that shows it is (view.home, health). */
fk_status fk_alert_count_open(fk_ctx *ctx, int64_t *n, fk_error *err);

/* The alerts a supervisor (of their bureau, and those of every bureau) or an administrator
 * (all) may see, newest first: the open ones, or with all every one; at most max into out
 * (*n of them). Decided and recorded (alert.list); each row checked against its MAC. */
fk_status fk_alert_list(fk_ctx *ctx, int all, fk_alert *out, int max, int *n, fk_error *err);

/* Acknowledge alert id with note (1 to FK_ALERT_NOTE_MAX characters, no control characters):
 * a supervisor of the alert's bureau or an administrator, never the person it is about
 * (alert.ack, recorded with the note). FK_ERR_INVALID: a bad note, or already acknowledged;
 * FK_ERR_NOTFOUND: no such alert; FK_ERR_DENIED: refused (recorded). */
fk_status fk_alert_ack(fk_ctx *ctx, int64_t id, const char *note, fk_error *err);

#endif
