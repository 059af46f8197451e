/* Opening a terminal: configuration, keys, database, the trust base and the history, in order. */
#ifndef FK_TERMINAL_H
#define FK_TERMINAL_H

#include "ctx.h"
#include "status.h"

enum {
	FK_CTX_OPEN = 0,
	FK_CTX_INIT = 1,    /* create keys and database (fukuhonctl init) */
	/* open a database that fails its checks (an altered schema, rows or history that do not
	 * match the anchor), to report it (audit verify, status --check); nothing is written */
	FK_CTX_DIAGNOSE = 2,
};

/* Load the configuration (see fk_config_default_path), check and load the keys, open the
 * database, check it against the trust base (core/trust) and the history's keys. With
 * FK_CTX_INIT, create the key folder, the database, the trust base and the history keys
 * first (refusing if any already exists), load the reference data from data_dir, and record
 * both. Fails closed:
 * a database that does not match what this terminal last wrote is refused, naming why. */
fk_status fk_ctx_open(const char *config_path, int flags, fk_ctx **out, fk_error *err);

#endif
