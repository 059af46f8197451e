/* intake.seq in the key folder (seqanchor.h): a fixed-size table of entries and its MAC. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "keyfile.h"
#include "seqanchor.h"
#include "trust.h"
#include "util.h"

/* More municipalities than any one bureau with its 支局s has. */
#define SLOTS 1024
#define ENTRY (8 + 8 + 32) /* code (6 + 2 zero), sequence (big-endian), digest */
#define BODY (8 + 4 + SLOTS * ENTRY)
#define FILE_LEN (BODY + FK_MAC_LEN)
static const uint8_t MAGIC[8] = {'F', 'K', 'S', 'E', 'Q', '0', '0', '1'};
static const char LABEL[] = "intake.seq";

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The file, checked; an empty table when there is none. */
static fk_status load(fk_ctx *ctx, uint8_t *buf, fk_error *err)
{
	uint8_t mac[FK_MAC_LEN];
	fk_status s = fk_keyfile_read(ctx->cfg.key_dir, FK_SEQ_FILE, buf, FILE_LEN, err);
	if (s == FK_ERR_NOKEY) {
		memset(buf, 0, FILE_LEN);
		memcpy(buf, MAGIC, 8);
		fk_error_clear(err);
		return FK_OK;
	}
	if (s != FK_OK)
		return s;
	if ((s = fk_trust_secret_hash(ctx, LABEL, buf, BODY, mac, err)) != FK_OK)
		return s;
	if (memcmp(buf, MAGIC, 8) != 0 || fk_memeq_ct(mac, buf + BODY, FK_MAC_LEN) != 0 ||
	    get32(buf + 8) > SLOTS)
		return fk_fail(err, FK_ERR_TAMPER, "%s/%s does not match its MAC: it was changed "
			       "outside fukuhon", ctx->cfg.key_dir, FK_SEQ_FILE);
	return FK_OK;
}

static fk_status put(fk_ctx *ctx, uint8_t *buf, const char *muni, int64_t seq,
		     const uint8_t digest[32], fk_error *err);

static uint8_t *slot(uint8_t *buf, const char *muni)
{
	uint32_t n = get32(buf + 8);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *e = buf + 12 + (size_t)i * ENTRY;
		if (memcmp(e, muni, 6) == 0)
			return e;
	}
	return NULL;
}

fk_status fk_seqanchor_get(fk_ctx *ctx, const char *muni, int64_t *seq, uint8_t digest[32],
			   int *found, fk_error *err)
{
	uint8_t *buf = malloc(FILE_LEN);
	*found = 0;
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status s = load(ctx, buf, err);
	uint8_t *e = s == FK_OK ? slot(buf, muni) : NULL;
	if (e) {
		*found = 1;
		*seq = (int64_t)get64(e + 8);
		memcpy(digest, e + 16, 32);
	}
	free(buf);
	return s;
}

fk_status fk_seqanchor_put(fk_ctx *ctx, const char *muni, int64_t seq, const uint8_t digest[32],
			   fk_error *err)
{
	uint8_t *buf = malloc(FILE_LEN);
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	/* The table is read, changed and written again after the package's commit, outside the
	 * write lock: two writers (the receiving service's workers, a `fukuhonctl import` beside
	 * it) doing so at once would each write the table they read, and one municipality's
	 * entry would go back. The three steps are one under a lock on the key folder (as
	 * fk_outseq_put's). */
	int fd = open(ctx->cfg.key_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return fk_fail(err, FK_ERR_IO, "cannot open %s: %s", ctx->cfg.key_dir, strerror(errno));
	}
	int rc;
	while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	fk_status s = rc == 0 ? put(ctx, buf, muni, seq, digest, err)
		: fk_fail(err, FK_ERR_IO, "cannot lock %s: %s", ctx->cfg.key_dir, strerror(errno));
	close(fd); /* releases the lock */
	free(buf);
	return s;
}

static fk_status put(fk_ctx *ctx, uint8_t *buf, const char *muni, int64_t seq,
		     const uint8_t digest[32], fk_error *err)
{
	fk_status s = load(ctx, buf, err);
	if (s != FK_OK)
		return s;
	uint8_t *e = slot(buf, muni);
	if (e && (int64_t)get64(e + 8) >= seq)
		return FK_OK; /* only forward */
	if (!e) {
		uint32_t n = get32(buf + 8);
		if (n >= SLOTS)
			return fk_fail(err, FK_ERR_FULL, "%s holds no more municipalities", FK_SEQ_FILE);
		e = buf + 12 + (size_t)n * ENTRY;
		n++;
		for (int i = 0; i < 4; i++)
			buf[8 + i] = (uint8_t)(n >> (24 - 8 * i));
		memset(e, 0, 8);
		memcpy(e, muni, 6);
	}
	put64(e + 8, (uint64_t)seq);
	memcpy(e + 16, digest, 32);
	if ((s = fk_trust_secret_hash(ctx, LABEL, buf, BODY, buf + BODY, err)) != FK_OK)
		return s;
	/* Written to a new name, then renamed over the old: two fsyncs, both needed and no more
	 * (strace: fsync of the new file, rename, fsync of the folder). The file's, before the
	 * rename: otherwise a power cut can leave the name pointing at a file whose blocks never
	 * reached the disk, which fails its MAC, and every package of every municipality is then
	 * refused until an administrator steps in. The folder's, after: the rename itself is
	 * durable only then; without it a power cut can bring back the previous table, which is
	 * safe for the import (a key folder behind the database is caught up by the package
	 * delivered again, import.h) but loses the record of the last package until the next
	 * write's folder fsync, a gap a restored backup could use. Nothing else syncs it: the
	 * table is not fsynced again, and its reads need none. An in-place two-slot write with one fdatasync
	 * (as the trust anchor does) would save one; not done here. */
	return fk_keyfile_write(ctx->cfg.key_dir, FK_SEQ_FILE, buf, FILE_LEN, 0, err);
}
