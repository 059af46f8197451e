/* Retiring a terminal of a shared store (R-KEYS, R-LOGSEAL, R-LOG; docs/deployment.md,
 * "Retiring a terminal"): a machine decommissioned or stolen is closed out of the store.
 *
 * Recorded as terminal.retire by a supervisor or administrator of another terminal: the
 * retired terminal's last record (seq) is kept in a sealed meta row, "terminal.retired.<id>",
 * and a forced seal of this terminal's epoch follows, which on a shared store witnesses every
 * other terminal's head, the retired one's included: its chain is closed at that record, and
 * a cut below it is reported by audit verify as any witnessed record. Verify reports every
 * record under the retired id after the retirement; the retired terminal's own programs
 * refuse to open the store (FK_MSG_TERMINAL_RETIRED). That refusal binds an honest or
 * unmodified program only: on PostgreSQL the server's administrator drops the terminal's role
 * (and its certificate is revoked), and the bureau's shared keys that were on the machine are
 * replaced (key rotate, then key export/import --update to every remaining terminal). */
#ifndef FK_RETIRE_H
#define FK_RETIRE_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

#define FK_RETIRED_META "terminal.retired." /* followed by the terminal's id */

/* Retire terminal id (not this one; one that wrote at least one record) for reason (required,
 * one line, at most 400 bytes). *last_seq gets its last record. FK_ERR_EXISTS when already
 * retired, FK_ERR_NOTFOUND when it never wrote, FK_ERR_INVALID for this terminal itself. */
fk_status fk_terminal_retire(fk_ctx *ctx, const char *id, const char *reason, int64_t *last_seq,
			     fk_error *err);

/* Whether terminal id is retired: *seq its last record as retired (0: it is not). */
fk_status fk_terminal_retired(fk_ctx *ctx, const char *id, int64_t *seq, fk_error *err);

#endif
