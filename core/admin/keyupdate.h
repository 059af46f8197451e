/* The bureau's keys brought up to date on a terminal already enrolled (R-KEYS, R-LOG): after a
 * master-key rotation at another terminal of the store, the new master key comes in a key
 * package like the first one (enrol.h), and `key import --update` adds it beside the keys the
 * terminal holds, its own history keys and anchor untouched (docs/deployment.md, "Keys after
 * enrolment").
 *
 * The package must agree with the terminal: the same index and trust keys (another bureau's
 * package, or altered keys, are refused), a master key it already holds byte for byte the same;
 * only master keys it lacks are written. Nothing is removed: an old master key this terminal
 * still holds is destroyed by its own `key destroy-old`, on the bureau's schedule. */
#ifndef FK_KEYUPDATE_H
#define FK_KEYUPDATE_H

#include "ctx.h"
#include "enrol.h"
#include "status.h"

typedef struct fk_key_update fk_key_update;

/* Check p against the key folder of config_path and write the master keys it lacks (0600).
 * FK_ERR_INVALID with one line when the folder is not an enrolled terminal's
 * (FK_MSG_ENROL_NOT_ENROLLED) or a shared key differs (FK_MSG_ENROL_OTHER_KEY); nothing is
 * written then. *out (freed by fk_key_update_free) says what was added. */
fk_status fk_key_update_install(fk_enrol_pkg *p, const char *config_path, fk_key_update **out,
				fk_error *err);

/* Administrators, on the store opened with the keys as now held: every master key the store
 * names (the announced one, and each a data key is wrapped under) must be held, or the package
 * is older than the store's last rotation (FK_MSG_ENROL_STALE). Recorded as key.import with the
 * exporter and the master keys added. */
fk_status fk_key_update_record(fk_ctx *ctx, const fk_enrol_pkg *p, const fk_key_update *u,
			       fk_error *err);

/* How many master keys were added, and their ids ("2,3"; "none"). */
int fk_key_update_added(const fk_key_update *u, const char **ids);

/* Remove the master keys fk_key_update_install added (the update could not be recorded). */
void fk_key_update_undo(fk_key_update *u);
void fk_key_update_free(fk_key_update *u);

#endif
