/* intake.seq in the key folder (seqanchor.h): a table of entries in two slots, each with its
 * MAC, written in place.
 *
 * Why two slots: the table is written after every package's commit, and writing it as a new
 * file (fsync, rename, fsync of the folder) was a quarter of the receiving service's CPU per
 * package (docs/import.md). A slot is written over the older of the two and made durable with
 * one fdatasync; the other still holds the table before, whole, so a write cut short by a
 * power cut leaves the last table that was complete (the torn slot fails its MAC), never
 * none. The newer valid slot, by its generation, is the table. Only the used part of a slot
 * is written and MAC'd (its header and entries), a page or two for a bureau's municipalities.
 *
 * A file of the first format (FKSEQ001: one table, written by renaming) is read as it is and
 * replaced by the two-slot file at its next write. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "keyfile.h"
#include "sealfile.h"
#include "seqanchor.h"
#include "trust.h"
#include "util.h"

/* More municipalities than any one bureau with its 支局s has. */
#define SLOTS 1024
#define ENTRY (8 + 8 + 32) /* code (6 + 2 zero), sequence (big-endian), digest */

/* The first format: magic, count, entries, MAC over all before it. */
#define BODY1 (8 + 4 + SLOTS * ENTRY)
#define FILE1_LEN (BODY1 + FK_MAC_LEN)
static const uint8_t MAGIC1[8] = {'F', 'K', 'S', 'E', 'Q', '0', '0', '1'};
static const char LABEL1[] = "intake.seq";

/* A slot: MAC, then what it covers: magic, generation (big-endian), count, the count's entries.
 * Slot 1 starts on a page of its own (4096), so that no sector or page holds parts of both
 * and a write torn in one cannot reach the other. */
#define HEAD (8 + 8 + 4)
#define SLOT_LEN (FK_MAC_LEN + HEAD + SLOTS * ENTRY)
#define SLOT_STRIDE ((SLOT_LEN + 4095) / 4096 * 4096)
#define FILE2_LEN (2 * SLOT_STRIDE)
static const uint8_t MAGIC2[8] = {'F', 'K', 'S', 'E', 'Q', '0', '0', '2'};
static const char LABEL2[] = "intake.seq/2";

/* The table as read: its entries, and where it came from. */
struct table {
	uint64_t gen;   /* the slot's generation; 0: no file or the first format */
	int slot;       /* the slot holding it; -1: none (no file, or the first format) */
	uint32_t n;
	uint8_t entries[SLOTS * ENTRY];
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
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

static size_t slot_used(uint32_t n)
{
	return FK_MAC_LEN + HEAD + (size_t)n * ENTRY;
}

static fk_status tampered(fk_ctx *ctx, fk_error *err)
{
	return fk_fail(err, FK_ERR_TAMPER, "%s/%s does not match its MAC: it was changed outside fukuhon",
		       ctx->cfg.key_dir, FK_SEQ_FILE);
}

/* One slot of the two-slot file (len bytes read of it; fewer when it could not be read): 1
 * when whole and authentic (then its table in t). */
static int slot_valid(fk_ctx *ctx, const uint8_t *s, size_t len, struct table *t, fk_status *st,
		      fk_error *err)
{
	uint8_t mac[FK_MAC_LEN];
	const uint8_t *h = s + FK_MAC_LEN;
	if (len < FK_MAC_LEN + HEAD)
		return 0;
	uint32_t n = get32(h + 16);
	if (memcmp(h, MAGIC2, 8) != 0 || n > SLOTS || len < slot_used(n))
		return 0;
	if ((*st = fk_trust_secret_hash(ctx, LABEL2, h, HEAD + (size_t)n * ENTRY, mac, err)) != FK_OK)
		return 0;
	if (fk_memeq_ct(mac, s, FK_MAC_LEN) != 0)
		return 0;
	t->gen = get64(h + 8);
	t->n = n;
	memcpy(t->entries, h + HEAD, (size_t)n * ENTRY);
	return 1;
}

/* The first format's table, checked: a sealed key-folder file (sealfile.h, whose layout it
 * has: magic and body, the MAC over both after them). */
static fk_status read1(fk_ctx *ctx, struct table *t, fk_error *err)
{
	int found = 0;
	uint8_t *file = malloc(FILE1_LEN);
	if (!file)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status st = fk_sealfile_read(ctx, FK_SEQ_FILE, LABEL1, MAGIC1, file, BODY1, &found, err);
	if (st == FK_OK && found && get32(file + 8) > SLOTS)
		st = tampered(ctx, err);
	if (st == FK_OK && found) {
		t->n = get32(file + 8);
		memcpy(t->entries, file + 12, (size_t)t->n * ENTRY);
	}
	free(file);
	return st;
}

/* Up to len bytes at off of fd (fewer at an error: a slot a crash left unreadable is a
 * slot that fails, as a torn one); the count read. */
static size_t read_at(int fd, uint8_t *buf, size_t len, off_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = pread(fd, buf + done, len - done, off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	return done;
}

/* The two-slot file's table: each slot read on its own (its header, then its used part), the
 * newer whole one taken. One that fails its MAC, or cannot be read, is the write a crash cut
 * short (or a slot never written yet), as long as the other holds. */
static fk_status parse2(fk_ctx *ctx, int fd, struct table *t, fk_error *err)
{
	fk_status st = FK_OK;
	uint8_t *buf = malloc(SLOT_LEN);
	struct table *other = malloc(sizeof *other);
	int valid[2] = {0, 0};
	if (!buf || !other) {
		free(buf);
		free(other);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	for (int i = 0; i < 2 && st == FK_OK; i++) {
		off_t at = (off_t)i * SLOT_STRIDE;
		size_t got = read_at(fd, buf, FK_MAC_LEN + HEAD, at);
		if (got == FK_MAC_LEN + HEAD && get32(buf + FK_MAC_LEN + 16) <= SLOTS) {
			size_t used = slot_used(get32(buf + FK_MAC_LEN + 16));
			got += read_at(fd, buf + got, used - got, at + (off_t)got);
		}
		valid[i] = slot_valid(ctx, buf, got, i == 0 ? t : other, &st, err);
	}
	if (st == FK_OK && valid[1] && (!valid[0] || other->gen > t->gen)) {
		memcpy(t, other, sizeof *t);
		t->slot = 1;
	} else if (valid[0]) {
		t->slot = 0;
	}
	free(other);
	free(buf);
	if (st != FK_OK)
		return st;
	return valid[0] || valid[1] ? FK_OK : tampered(ctx, err);
}

/* The file opened on *fd (for writing too with rw), of either format; *fd -1 and *len 0 when
 * there is none. */
static fk_status open_file(fk_ctx *ctx, int rw, int *fd, size_t *len, fk_error *err)
{
	int dfd = -1;
	*fd = -1;
	*len = 0;
	fk_status st = fk_keydir_open(ctx->cfg.key_dir, &dfd, err);
	if (st != FK_OK)
		return st;
	const size_t sizes[2] = {FILE2_LEN, FILE1_LEN};
	for (int i = 0; i < 2; i++) {
		st = rw ? fk_keyfile_open_rw(dfd, ctx->cfg.key_dir, FK_SEQ_FILE, (off_t)sizes[i], fd, err)
			: fk_keyfile_open(dfd, ctx->cfg.key_dir, FK_SEQ_FILE, (off_t)sizes[i], fd, err);
		if (st == FK_OK)
			*len = sizes[i];
		if (st != FK_ERR_CORRUPT) /* the wrong size: try the other format's */
			break;
	}
	close(dfd);
	if (st == FK_ERR_CORRUPT) /* neither size: truncated or damaged, never taken for none */
		return fk_fail(err, FK_ERR_CORRUPT, "%s/%s is neither %d bytes (two slots) nor %d (the "
			       "first format): truncated or damaged; restore the key folder from its "
			       "backup", ctx->cfg.key_dir, FK_SEQ_FILE, FILE2_LEN, FILE1_LEN);
	if (st == FK_OK || st == FK_ERR_NOKEY)
		fk_error_clear(err);
	return st == FK_ERR_NOKEY ? FK_OK : st;
}

/* The table on file (an empty one when there is none); the file left open on *fd for put. */
static fk_status load(fk_ctx *ctx, int rw, int *fd, struct table *t, fk_error *err)
{
	size_t len = 0;
	memset(t, 0, sizeof *t);
	t->slot = -1;
	fk_status st = open_file(ctx, rw, fd, &len, err);
	if (st != FK_OK || *fd < 0)
		return st;
	if (len == FILE2_LEN)
		return parse2(ctx, *fd, t, err);
	close(*fd); /* the first format is replaced by a new file at the next write (write_table) */
	*fd = -1;
	return read1(ctx, t, err);
}

static uint8_t *slot(struct table *t, const char *muni)
{
	for (uint32_t i = 0; i < t->n; i++) {
		uint8_t *e = t->entries + (size_t)i * ENTRY;
		if (memcmp(e, muni, 6) == 0)
			return e;
	}
	return NULL;
}

fk_status fk_seqanchor_get(fk_ctx *ctx, const char *muni, int64_t *seq, uint8_t digest[32],
			   int *found, fk_error *err)
{
	*found = 0;
	struct table *t = malloc(sizeof *t);
	if (!t)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	/* Read without the key folder's lock first: a writer holds it across its fdatasync, and
	 * an import reads this inside its write transaction. A slot being written meanwhile fails
	 * its MAC and the other is taken, the table as it was before that write. Only a read
	 * that spans two writes can find both slots mid-write (tampering, by its look): then
	 * again under the lock, shared, where no write is under way. */
	int dfd = -1, fd = -1;
	fk_status s = load(ctx, 0, &fd, t, err);
	if (fd >= 0)
		close(fd);
	if (s == FK_ERR_TAMPER || s == FK_ERR_IO) {
		fd = -1;
		fk_error_clear(err);
		s = fk_keydir_lock(ctx->cfg.key_dir, LOCK_SH, &dfd, err);
		if (s == FK_OK)
			s = load(ctx, 0, &fd, t, err);
		if (fd >= 0)
			close(fd);
		if (dfd >= 0)
			close(dfd);
	}
	uint8_t *e = s == FK_OK ? slot(t, muni) : NULL;
	if (e) {
		*found = 1;
		*seq = (int64_t)get64(e + 8);
		memcpy(digest, e + 16, 32);
	}
	free(t);
	return s;
}

/* t written as a slot of generation t->gen + 1 into buf (slot_used(t->n) bytes). */
static fk_status make_slot(fk_ctx *ctx, const struct table *t, uint8_t *buf, fk_error *err)
{
	uint8_t *h = buf + FK_MAC_LEN;
	memcpy(h, MAGIC2, 8);
	put64(h + 8, t->gen + 1);
	put32(h + 16, t->n);
	memcpy(h + HEAD, t->entries, (size_t)t->n * ENTRY);
	return fk_trust_secret_hash(ctx, LABEL2, h, HEAD + (size_t)t->n * ENTRY, buf, err);
}

/* The changed table written: over the older slot in place with one fdatasync; or, when there
 * is no two-slot file yet, as a new file (its slot 0; slot 1 empty) by fk_keyfile_write's
 * rename, whose syncs make it durable. */
static fk_status write_table(fk_ctx *ctx, int fd, const struct table *t, fk_error *err)
{
	if (fd >= 0 && t->slot >= 0) {
		uint8_t *buf = malloc(SLOT_LEN);
		if (!buf)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		fk_status st = make_slot(ctx, t, buf, err);
		off_t at = t->slot == 0 ? SLOT_STRIDE : 0;
		size_t n = slot_used(t->n), done = 0;
		while (st == FK_OK && done < n) {
			ssize_t w = pwrite(fd, buf + done, n - done, at + (off_t)done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				st = fk_fail(err, FK_ERR_IO, "cannot write %s/%s: %s", ctx->cfg.key_dir,
					     FK_SEQ_FILE, w < 0 ? strerror(errno) : "nothing written");
			else
				done += (size_t)w;
		}
		if (st == FK_OK && fdatasync(fd) != 0)
			st = fk_fail(err, FK_ERR_IO, "cannot sync %s/%s: %s", ctx->cfg.key_dir,
				     FK_SEQ_FILE, strerror(errno));
		free(buf);
		return st;
	}
	uint8_t *file = calloc(1, FILE2_LEN);
	if (!file)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status st = make_slot(ctx, t, file, err);
	if (st == FK_OK)
		st = fk_keyfile_write(ctx->cfg.key_dir, FK_SEQ_FILE, file, FILE2_LEN, 0, err);
	free(file);
	return st;
}

fk_status fk_seqanchor_put(fk_ctx *ctx, const char *muni, int64_t seq, const uint8_t digest[32],
			   fk_error *err)
{
	struct table *t = malloc(sizeof *t);
	if (!t)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	/* The table is read, changed and written again after the package's commit, outside the
	 * write lock: two writers (the receiving service's workers, a `fukuhonctl import` beside
	 * it) doing so at once would each write the table they read, and one municipality's
	 * entry would go back. The three steps are one under the key folder's lock. */
	int dfd = -1, fd = -1;
	fk_status s = fk_keydir_lock(ctx->cfg.key_dir, LOCK_EX, &dfd, err);
	if (s == FK_OK)
		s = load(ctx, 1, &fd, t, err);
	uint8_t *e = s == FK_OK ? slot(t, muni) : NULL;
	if (s == FK_OK && !(e && (int64_t)get64(e + 8) >= seq)) { /* only forward */
		if (!e && t->n >= SLOTS)
			s = fk_fail(err, FK_ERR_FULL, "%s holds no more municipalities", FK_SEQ_FILE);
		if (s == FK_OK && !e) {
			e = t->entries + (size_t)t->n++ * ENTRY;
			memset(e, 0, 8);
			memcpy(e, muni, 6);
		}
		if (s == FK_OK) {
			put64(e + 8, (uint64_t)seq);
			memcpy(e + 16, digest, 32);
			s = write_table(ctx, fd, t, err);
		}
	}
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd); /* lets the lock go */
	free(t);
	return s;
}
