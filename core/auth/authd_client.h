/* The PAM calls through fukuhon-authd (docs/authd-protocol.md): an fk_pam_api whose every call
 * is one request on the helper's socket, the conversation answered here. */
#ifndef FK_AUTHD_CLIENT_H
#define FK_AUTHD_CLIENT_H

#include "auth_pam.h"

/* Why the last call through the helper failed, beside PAM's own answer. */
typedef enum fk_authd_trouble {
	FK_AUTHD_FINE,
	FK_AUTHD_DOWN,   /* the socket could not be reached: the helper is not running */
	FK_AUTHD_CRASHED, /* the helper went away or broke the protocol mid-transaction */
} fk_authd_trouble;

/* The tables: a sign-in (every step), and the first administrator's check (authenticate and
 * account only). Both ignore the service name they are given: the helper's is fixed. */
extern const fk_pam_api fk_authd_api;
extern const fk_pam_api fk_authd_check_api;

/* The socket the next start connects to. */
void fk_authd_use(const char *path);

/* The trouble of pamh's transaction, or of the last start when pamh is NULL. */
fk_authd_trouble fk_authd_trouble_of(pam_handle_t *pamh);

#endif
