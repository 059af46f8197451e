/* Opening a terminal: configuration, keys, database, the trust base and the history, in order. */
#ifndef FK_TERMINAL_H
#define FK_TERMINAL_H

#include "ctx.h"
#include "status.h"

enum {
	FK_CTX_OPEN = 0,
	/* open a database that fails its checks (an altered schema, rows or history that do not
	 * match the anchor), to report it (audit verify, status --check); nothing is written */
	FK_CTX_DIAGNOSE = 2,
};

/* Load the configuration (see fk_config_default_path), check and load the keys, open the
 * database, check it against the trust base (core/trust) and the history's keys. Fails
 * closed: a database that does not match what this terminal last wrote is refused, naming
 * why. Nobody acts yet: a person signs in (auth.h) before any operation but a public one. */
fk_status fk_ctx_open(const char *config_path, int flags, fk_ctx **out, fk_error *err);

/* Who and what a new terminal starts with (fukuhonctl init). */
typedef struct fk_bootstrap {
	const char *admin;   /* the first administrator: enrolled at creation */
	const char *bureau;  /* their bureau */
	const char *display; /* their name as shown (may be NULL) */
	const char *mode;    /* FK_MODE_PRODUCTION (NULL), FK_MODE_TEST or FK_MODE_DEMO (meta.h) */
} fk_bootstrap;

/* Create a terminal: the key folder, the database, the trust base and the history keys
 * (refusing if any already exists), its identity and mode, the reference data from data_dir
 * and the first administrator, each on record; *out acts as that administrator (whom the
 * caller has authenticated). K0, the history's initial key, is held in the context for
 * fk_audit_k0_write. */
fk_status fk_terminal_create(const char *config_path, const fk_bootstrap *b, fk_ctx **out,
			     fk_error *err);

#endif
