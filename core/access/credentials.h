/* Making, revoking and listing the credentials of scripts (R-AUTH, R-ACCESS, R-LOG): each an
 * operation through the gate, decided on the acting person's row and recorded. The rows and
 * files are core/auth/credential.h; the sign-in with one is fk_auth_credential_signin. */
#ifndef FK_CREDENTIALS_H
#define FK_CREDENTIALS_H

#include "credential.h"
#include "ctx.h"
#include "status.h"

/* Administrators: a credential name acting for user (enrolled and enabled), allowed the
 * commands in list ("status,audit verify"; never a credential command): its secret written
 * to <key_dir>/credentials/NAME, its row sealed, the making recorded (credential.add) with
 * for whom and what. The file is removed again when the operation does not commit. */
fk_status fk_credential_add(fk_ctx *ctx, const char *name, const char *user, const char *list,
			    fk_error *err);

/* Administrators: mark name revoked (recorded: credential.revoke), then remove its file. A
 * file that cannot be removed is reported (FK_ERR_IO) though the revocation stands: a revoked
 * row refuses the file whatever it holds. */
fk_status fk_credential_revoke(fk_ctx *ctx, const char *name, fk_error *err);

/* Auditors and administrators: every credential (the listing recorded first). */
fk_status fk_credential_list(fk_ctx *ctx, fk_cred_cb cb, void *arg, fk_error *err);

#endif
