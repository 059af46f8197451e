/* Small files of the key folder bound to this terminal's trust key (R-LOGSEAL, R-PRINT): a
 * counter a restored older database must not roll back (print.seq; intake.seq is the same
 * kind of file) is kept as magic | body | MAC under a key from the trust key, so that nobody
 * without the key folder's trust key can make one the terminal accepts. */
#ifndef FK_SEALFILE_H
#define FK_SEALFILE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "ctx.h"
#include "status.h"

/* Read key_dir/name (exactly body + FK_MAC_LEN bytes) into buf and check that it starts with
 * magic (8 bytes) and matches its MAC under label. *found 0 (and FK_OK) when there is no
 * such file; FK_ERR_TAMPER naming the file when it does not match. */
fk_status fk_sealfile_read(fk_ctx *ctx, const char *name, const char *label, const uint8_t magic[8],
			   uint8_t *buf, size_t body, int *found, fk_error *err);
/* MAC buf's body (its first 8 bytes set to magic here) and write it atomically, 0600. */
fk_status fk_sealfile_write(fk_ctx *ctx, const char *name, const char *label, const uint8_t magic[8],
			    uint8_t *buf, size_t body, fk_error *err);

#endif
