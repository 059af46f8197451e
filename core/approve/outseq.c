/* print.seq in the key folder (outseq.h): magic, the last serial (big-endian), and their MAC
 * (core/trust/sealfile.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "keyfile.h"
#include "outseq.h"
#include "sealfile.h"

#define BODY (8 + 8)
static const uint8_t MAGIC[8] = {'F', 'K', 'O', 'U', 'T', '0', '0', '1'};
static const char LABEL[] = "print.seq";

fk_status fk_outseq_get(fk_ctx *ctx, int64_t *last, fk_error *err)
{
	uint8_t buf[BODY + FK_MAC_LEN];
	int found;
	uint64_t v = 0;
	/* No file: no copy made yet on this terminal; the database's own outputs still count
	 * (printjob.c takes the larger). */
	fk_status s = fk_sealfile_read(ctx, FK_OUTSEQ_FILE, LABEL, MAGIC, buf, BODY, &found, err);
	for (int i = 0; s == FK_OK && found && i < 8; i++)
		v = v << 8 | buf[8 + i];
	*last = (int64_t)v;
	return s;
}

static fk_status put_locked(fk_ctx *ctx, int64_t serial, fk_error *err)
{
	uint8_t buf[BODY + FK_MAC_LEN];
	int64_t last;
	fk_status s = fk_outseq_get(ctx, &last, err);
	if (s != FK_OK || serial <= last)
		return s; /* only forward */
	for (int i = 0; i < 8; i++)
		buf[8 + i] = (uint8_t)((uint64_t)serial >> (56 - 8 * i));
	return fk_sealfile_write(ctx, FK_OUTSEQ_FILE, LABEL, MAGIC, buf, BODY, err);
}

fk_status fk_outseq_put(fk_ctx *ctx, int64_t serial, fk_error *err)
{
	/* Two terminals' jobs end in any order after their commits: the read and the write are
	 * one step under a lock on the key folder, or the later job's smaller serial could
	 * overwrite the earlier one's larger. */
	int fd;
	fk_status s = fk_keydir_lock(ctx->cfg.key_dir, LOCK_EX, &fd, err);
	if (s != FK_OK)
		return s;
	s = put_locked(ctx, serial, err);
	close(fd); /* releases the lock */
	return s;
}
