/* Making, revoking and listing credentials of scripts, through the gate (R-AUTH, R-LOG). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "credentials.h"
#include "gate.h"
#include "util.h"

fk_status fk_credential_add(fk_ctx *ctx, const char *name, const char *user, const char *list,
			    fk_error *err)
{
	fk_gate g;
	int wrote = 0;
	char detail[FK_CRED_COMMANDS_MAX + 128];
	fk_authz_req r = {.op = FK_OP_CREDENTIAL_ADD};
	/* Only a valid name is recorded as the object (it is shown from the history). */
	int valid = fk_cred_name_valid(name, NULL) == FK_OK;
	fk_status s = fk_gate_begin(ctx, &g, &r, valid ? name : "-", err);
	if (s != FK_OK)
		return s;
	s = fk_cred_insert(ctx, name, user, list, &wrote, err);
	snprintf(detail, sizeof detail, "for %.64s commands=%.400s", user, list ? list : "");
	s = fk_gate_end(ctx, &g, s, detail, err);
	/* Not made: a secret left behind would name nothing, but it is a secret all the same. */
	if (s != FK_OK && wrote)
		(void)fk_cred_file_remove(ctx, name, NULL);
	return s;
}

fk_status fk_credential_revoke(fk_ctx *ctx, const char *name, fk_error *err)
{
	fk_gate g;
	int was_revoked = 0;
	char user[72], detail[96];
	fk_authz_req r = {.op = FK_OP_CREDENTIAL_REVOKE};
	int valid = fk_cred_name_valid(name, NULL) == FK_OK;
	fk_status s = fk_gate_begin(ctx, &g, &r, valid ? name : "-", err);
	if (s != FK_OK)
		return s;
	s = valid ? fk_cred_write_revoked(ctx, name, user, &was_revoked, err)
		  : fk_cred_name_valid(name, err);
	snprintf(detail, sizeof detail, "for %s", valid ? user : "?");
	s = fk_gate_end(ctx, &g, s, detail, err);
	/* The file goes once the row says revoked (a file left by an earlier failure too). */
	if (s == FK_OK || was_revoked) {
		fk_error rm;
		fk_status rs = fk_cred_file_remove(ctx, name, &rm);
		if (s == FK_OK && rs != FK_OK && rs != FK_ERR_NOKEY)
			return fk_fail(err, FK_ERR_IO, "credential %s is revoked, but its file stays: %s", name,
				       rm.msg);
	}
	return s;
}

fk_status fk_credential_list(fk_ctx *ctx, fk_cred_cb cb, void *arg, fk_error *err)
{
	fk_authz_req r = {.op = FK_OP_CREDENTIAL_LIST};
	/* Recorded before the rows go out: a callback cannot be taken back. */
	fk_status s = fk_gate_check(ctx, &r, "-", NULL, err);
	return s == FK_OK ? fk_cred_each(ctx, cb, arg, err) : s;
}
