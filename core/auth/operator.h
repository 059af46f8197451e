/* Operators enrolled on this terminal (R-ENROL): user name, role, bureau, enabled. */
#ifndef FK_OPERATOR_H
#define FK_OPERATOR_H

#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef struct fk_operator {
	int64_t id;
	char username[72];
	char display[192]; /* decrypted display name */
	fk_role role;
	int64_t bureau_id;
	char bureau[64];
	int enabled;
	int64_t created_at, updated_at;
} fk_operator;

/* User names: 1–64 of [A-Za-z0-9._-], starting with a letter or digit (what
 * PAM and the history can show safely). */
fk_status fk_operator_name_valid(const char *user, fk_error *err);

/* The rows, inside the caller's write transaction and not recorded: the operations that
 * enrol, enable and disable are core/access/people.h. Insert: FK_ERR_EXISTS for a name
 * already enrolled whatever its case, FK_ERR_NOTFOUND for an unknown bureau. */
fk_status fk_operator_insert(fk_ctx *ctx, const char *user, fk_role role, const char *bureau,
			     const char *display, int64_t *id, fk_error *err);
fk_status fk_operator_write_enabled(fk_ctx *ctx, const char *user, int enabled, fk_error *err);
fk_status fk_operator_get(fk_ctx *ctx, const char *user, fk_operator *out, fk_error *err);

/* Every operator, by name (each row checked as read; not recorded: the screens and
 * commands list through fk_people_list, people.h). */
typedef int (*fk_operator_cb)(const fk_operator *op, void *arg);
fk_status fk_operator_list(fk_ctx *ctx, fk_operator_cb cb, void *arg, fk_error *err);

#endif
