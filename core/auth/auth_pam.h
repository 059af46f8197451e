/* The PAM calls the sign-in makes, as a table: libpam by default, a fake in unit tests. */
#ifndef FK_AUTH_PAM_H
#define FK_AUTH_PAM_H

#include <security/pam_appl.h>

typedef struct fk_pam_api {
	int (*start)(const char *service, const char *user, const struct pam_conv *conv,
		     pam_handle_t **pamh);
	int (*end)(pam_handle_t *pamh, int status);
	int (*set_item)(pam_handle_t *pamh, int type, const void *item);
	int (*authenticate)(pam_handle_t *pamh, int flags);
	int (*acct_mgmt)(pam_handle_t *pamh, int flags);
	int (*chauthtok)(pam_handle_t *pamh, int flags);
	int (*setcred)(pam_handle_t *pamh, int flags);
	int (*open_session)(pam_handle_t *pamh, int flags);
	int (*close_session)(pam_handle_t *pamh, int flags);
} fk_pam_api;

/* Use api instead of libpam (NULL: back to libpam), fail_ms instead of
 * fail_delay as the least time of a refusal, prompt_ms instead of
 * prompt_timeout as the core's deadline for answers (-1: the configured
 * values). For tests only. */
void fk_auth_test_hooks(const fk_pam_api *api, int fail_ms, int prompt_ms);

#endif
