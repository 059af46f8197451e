/* Writing a fukuhon package (pkgwrite.h): chunks sealed and framed as they fill, into an
 * unlinked temporary file; the manifest signed last; the file written magic, manifest, chunks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cms.h"
#include "pkgfile.h"
#include "pkgwrite.h"

long fk_pkgw_test_fail_after = 0;

struct fk_pkgw {
	EVP_PKEY *key;
	X509 *cert;
	X509 *const *to;
	int nto;
	int64_t chunk_records;
	int tmp;          /* the sealed chunks' frames, unlinked */
	char *buf;        /* the chunk being filled */
	size_t len, cap;
	int64_t records, counts[FK_REC_TYPES + 1];
	fk_manifest m;    /* counts and chunks so far */
	int cap_chunks;
};

static fk_status io_fail(fk_error *err, int e, const char *what)
{
	return fk_fail(err, e == ENOSPC || e == EDQUOT ? FK_ERR_FULL : FK_ERR_IO, "%s: %s", what,
		       strerror(e));
}

fk_status fk_pkgw_write_all(int fd, const void *buf, size_t n, fk_error *err)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(err, w < 0 ? errno : EIO, "writing the package");
		p += w;
		n -= (size_t)w;
	}
	return FK_OK;
}

fk_status fk_pkgw_frame(int fd, const uint8_t *der, size_t len, fk_error *err)
{
	if (len < 1 || len > FK_CMS_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a package frame of %zu bytes (1 to %u allowed)", len,
			       FK_CMS_MAX);
	uint8_t h[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	fk_status s = fk_pkgw_write_all(fd, h, 4, err);
	return s == FK_OK ? fk_pkgw_write_all(fd, der, len, err) : s;
}

fk_status fk_pkgw_seal_chunk(const char *buf, size_t n, int64_t records, X509 *const *to, int nto,
			     uint8_t **der, size_t *derlen, fk_manifest_chunk *mc, fk_error *err)
{
	unsigned int dl = 0;
	if (n > FK_PKG_CHUNK_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a chunk of %zu bytes (at most %u)", n, FK_PKG_CHUNK_MAX);
	if (EVP_Digest(buf, n, mc->sha256, &dl, EVP_sha256(), NULL) != 1 || dl != 32)
		return fk_fail(err, FK_ERR_CRYPTO, "SHA-256 of a chunk failed");
	mc->records = records;
	mc->bytes = (int64_t)n;
	return fk_cms_seal((const uint8_t *)buf, n, NULL, NULL, to, nto, der, derlen, err);
}

fk_status fk_pkgw_begin(const char *dir, EVP_PKEY *sign_key, X509 *sign_cert, X509 *const *to,
			int nto, int64_t chunk_records, fk_pkgw **out, fk_error *err)
{
	*out = NULL;
	if (!sign_key || !sign_cert || nto < 1 || chunk_records < 1)
		return fk_fail(err, FK_ERR_INVALID, "a package needs a signer, a recipient and chunks");
	fk_pkgw *w = calloc(1, sizeof *w);
	if (!w)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	*w = (fk_pkgw){.key = sign_key, .cert = sign_cert, .to = to, .nto = nto,
		       .chunk_records = chunk_records, .tmp = -1};
	/* O_TMPFILE: the chunks never have a name, so a crash leaves nothing behind; where the
	 * file system has no O_TMPFILE, a named file unlinked at once comes closest. */
	w->tmp = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (w->tmp < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char path[4200];
		if ((size_t)snprintf(path, sizeof path, "%s/.chunks.XXXXXX", dir) < sizeof path &&
		    (w->tmp = mkstemp(path)) >= 0)
			unlink(path);
	}
	if (w->tmp < 0) {
		fk_status s = io_fail(err, errno, "no temporary file for the package's chunks");
		free(w);
		return s;
	}
	*out = w;
	return FK_OK;
}

static fk_status seal_current(fk_pkgw *w, fk_error *err)
{
	if (w->records == 0)
		return FK_OK;
	if (w->m.nchunks == FK_PKG_CHUNKS_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a package holds at most %d chunks", FK_PKG_CHUNKS_MAX);
	if (w->m.nchunks == w->cap_chunks) {
		int cap = w->cap_chunks ? w->cap_chunks * 2 : 64;
		fk_manifest_chunk *c = realloc(w->m.chunks, (size_t)cap * sizeof *c);
		if (!c)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		w->m.chunks = c;
		w->cap_chunks = cap;
	}
	uint8_t *der = NULL;
	size_t dl = 0;
	fk_status s = fk_pkgw_seal_chunk(w->buf, w->len, w->records, w->to, w->nto, &der, &dl,
					 &w->m.chunks[w->m.nchunks], err);
	if (s == FK_OK)
		s = fk_pkgw_frame(w->tmp, der, dl, err);
	free(der);
	if (s != FK_OK)
		return s;
	w->m.nchunks++;
	for (int t = 1; t <= FK_REC_TYPES; t++)
		w->m.counts[t] += w->counts[t];
	w->m.counts[0] += w->records;
	memset(w->counts, 0, sizeof w->counts);
	w->records = 0;
	w->len = 0;
	return FK_OK;
}

fk_status fk_pkgw_add(fk_pkgw *w, fk_rec_type t, const char *line, size_t n, fk_error *err)
{
	if (n + 1 > FK_PKG_LINE_MAX || t < FK_REC_REGISTER || t > FK_REC_TYPES)
		return fk_fail(err, FK_ERR_INVALID, "a record of %zu bytes (at most %u)", n, FK_PKG_LINE_MAX);
	fk_status s = FK_OK;
	if (w->records > 0 && (w->records == w->chunk_records || w->len + n + 1 > FK_PKG_CHUNK_MAX))
		s = seal_current(w, err);
	if (s != FK_OK)
		return s;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 1u << 16;
		while (cap < w->len + n + 1)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, line, n);
	w->buf[w->len + n] = '\n';
	w->len += n + 1;
	w->records++;
	w->counts[t]++;
	return FK_OK;
}

int64_t fk_pkgw_records(const fk_pkgw *w)
{
	return w->m.counts[0] + w->records;
}

int fk_pkgw_chunks(const fk_pkgw *w)
{
	return w->m.nchunks + (w->records > 0);
}

/* The final file's bytes, hashed as they go (and failing as a full disk would, in tests). */
typedef struct outw {
	int fd;
	EVP_MD_CTX *md;
	long written;
} outw;

static fk_status out_write(outw *o, const void *buf, size_t n, fk_error *err)
{
	if (fk_pkgw_test_fail_after && o->written + (long)n > fk_pkgw_test_fail_after)
		return io_fail(err, ENOSPC, "writing the package");
	fk_status s = fk_pkgw_write_all(o->fd, buf, n, err);
	if (s == FK_OK && EVP_DigestUpdate(o->md, buf, n) != 1)
		s = fk_fail(err, FK_ERR_CRYPTO, "hashing the package failed");
	o->written += (long)n;
	return s;
}

static fk_status out_frame(outw *o, const uint8_t *der, size_t len, fk_error *err)
{
	uint8_t h[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	fk_status s = out_write(o, h, 4, err);
	return s == FK_OK ? out_write(o, der, len, err) : s;
}

/* The chunks' frames, read back from the temporary file in pieces. */
static fk_status copy_chunks(fk_pkgw *w, outw *o, fk_error *err)
{
	if (lseek(w->tmp, 0, SEEK_SET) != 0)
		return io_fail(err, errno, "rewinding the package's chunks");
	uint8_t *buf = malloc(1u << 20);
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status s = FK_OK;
	for (;;) {
		ssize_t r = read(w->tmp, buf, 1u << 20);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			s = io_fail(err, errno, "reading back the package's chunks");
		if (r <= 0 || (s = out_write(o, buf, (size_t)r, err)) != FK_OK)
			break;
	}
	free(buf);
	return s;
}

fk_status fk_pkgw_finish(fk_pkgw *w, const fk_manifest *head, int fd, uint8_t sha256[32],
			 fk_error *err)
{
	fk_status s = seal_current(w, err);
	if (s == FK_OK && w->m.nchunks == 0)
		s = fk_fail(err, FK_ERR_INVALID, "a package has at least one record");
	if (s != FK_OK)
		return s;
	fk_manifest m = *head;
	memcpy(m.counts, w->m.counts, sizeof m.counts);
	m.nchunks = w->m.nchunks;
	m.chunks = w->m.chunks;
	char *json = NULL;
	size_t jl = 0;
	uint8_t *der = NULL;
	size_t dl = 0;
	outw o = {.fd = fd, .md = EVP_MD_CTX_new()};
	s = fk_manifest_dump(&m, &json, &jl, err);
	if (s == FK_OK)
		s = fk_cms_seal((const uint8_t *)json, jl, w->key, w->cert, w->to, w->nto, &der, &dl, err);
	free(json);
	if (s == FK_OK && (!o.md || EVP_DigestInit_ex(o.md, EVP_sha256(), NULL) != 1))
		s = fk_fail(err, FK_ERR_CRYPTO, "hashing the package failed");
	if (s == FK_OK)
		s = out_write(&o, FK_PKG_MAGIC, 8, err);
	if (s == FK_OK)
		s = out_frame(&o, der, dl, err);
	free(der);
	if (s == FK_OK)
		s = copy_chunks(w, &o, err);
	if (s == FK_OK && fsync(fd) != 0)
		s = io_fail(err, errno, "syncing the package");
	unsigned hl = 0;
	uint8_t h[EVP_MAX_MD_SIZE];
	if (s == FK_OK && (EVP_DigestFinal_ex(o.md, h, &hl) != 1 || hl != 32))
		s = fk_fail(err, FK_ERR_CRYPTO, "hashing the package failed");
	if (s == FK_OK && sha256)
		memcpy(sha256, h, 32);
	EVP_MD_CTX_free(o.md);
	return s;
}

void fk_pkgw_free(fk_pkgw *w)
{
	if (!w)
		return;
	if (w->tmp >= 0)
		close(w->tmp);
	free(w->buf);
	free(w->m.chunks);
	free(w);
}
