/* A package file opened frame by frame (docs/package-format.md; R-INTRANSIT, R-MUTUAL,
 * R-BATCH-PROTO): the signed manifest first, then only the chunk frames' headers, so that
 * memory holds at most one CMS object whatever the package's size. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "pkgfile.h"

#define N_(s) s

/* Spelled out, not generated from pkgfile.h's list, so that xgettext sees each sentence;
 * tests/test_cms.c checks that they are the list's. */
static const char *const fail_texts[] = {
	[FK_PKG_FAIL_NONE] = N_("opened"),
	[FK_PKG_FAIL_NOT_PACKAGE] = N_("not a fukuhon package"),
	[FK_PKG_FAIL_TRUNCATED] = N_("the package is truncated"),
	[FK_PKG_FAIL_FRAME] = N_("a part of the package is larger than allowed"),
	[FK_PKG_FAIL_CMS] = N_("the manifest could not be opened"),
	[FK_PKG_FAIL_MANIFEST] = N_("the manifest is malformed"),
	[FK_PKG_FAIL_SIGNER] = N_("the signer is not the municipality the manifest names"),
	[FK_PKG_FAIL_CHUNKS] = N_("the package does not have the chunks its manifest lists"),
	[FK_PKG_FAIL_CHUNK_CMS] = N_("a chunk could not be opened"),
	[FK_PKG_FAIL_CHUNK_HASH] = N_("a chunk does not match its hash in the manifest"),
};

const char *fk_pkg_fail_text(fk_pkg_fail f)
{
	if ((unsigned)f >= sizeof fail_texts / sizeof fail_texts[0])
		return N_("unknown reason");
	return fail_texts[f];
}

#define MAGIC_LEN 8
#define HEAD_LEN 4

struct fk_pkg {
	int fd;              /* a file, or -1 */
	const uint8_t *mem;  /* a buffer (borrowed), when fd is -1 */
	uint64_t size;       /* bytes in the file or the buffer */
	fk_cms_keys keys;    /* a copy; the arrays and the store stay the caller's */
	fk_manifest m;
	X509 *signer;
	uint8_t digest[32];
	uint64_t *off;       /* each chunk frame's body: where it starts */
	uint32_t *len;       /* and its length */
};

/* Bytes [off, off + n) of the package, as many as there are: *got says how many. */
static fk_status read_at(const fk_pkg *p, uint64_t off, uint8_t *buf, size_t n, size_t *got,
			 fk_error *err)
{
	*got = 0;
	if (p->fd < 0) {
		if (off < p->size) {
			uint64_t left = p->size - off;
			*got = left < n ? (size_t)left : n;
			memcpy(buf, p->mem + off, *got);
		}
		return FK_OK;
	}
	while (*got < n) {
		ssize_t r = pread(p->fd, buf + *got, n - *got, (off_t)(off + *got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fk_fail(err, FK_ERR_IO, "reading the package: %s", strerror(errno));
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return FK_OK;
}

static fk_status refuse(fk_error *err, fk_pkg_fail *why, fk_pkg_fail f)
{
	*why = f;
	return fk_fail(err, FK_ERR_INVALID, "package: %s", fk_pkg_fail_text(f));
}

/* The frame whose header starts at off: its body's length. A header cut short is a
 * truncation; a length of 0 or above FK_CMS_MAX is refused before anything is read. */
static fk_status frame_head(const fk_pkg *p, uint64_t off, uint32_t *len, fk_pkg_fail *why,
			    fk_error *err)
{
	uint8_t h[HEAD_LEN];
	size_t got;
	fk_status s = read_at(p, off, h, sizeof h, &got, err);
	if (s != FK_OK)
		return s;
	if (got < sizeof h)
		return refuse(err, why, FK_PKG_FAIL_TRUNCATED);
	uint32_t l = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (l == 0 || l > FK_CMS_MAX)
		return refuse(err, why, FK_PKG_FAIL_FRAME);
	if (off + HEAD_LEN + l > p->size)
		return refuse(err, why, FK_PKG_FAIL_TRUNCATED);
	*len = l;
	return FK_OK;
}

/* A frame's body, malloc'd (the caller frees it). */
static fk_status frame_body(const fk_pkg *p, uint64_t off, uint32_t len, uint8_t **out,
			    fk_pkg_fail *why, fk_error *err)
{
	uint8_t *b = malloc(len);
	if (!b)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory for a package frame");
	size_t got;
	fk_status s = read_at(p, off, b, len, &got, err);
	if (s == FK_OK && got < len)
		s = refuse(err, why, FK_PKG_FAIL_TRUNCATED); /* the file shrank under us */
	if (s != FK_OK) {
		free(b);
		return s;
	}
	*out = b;
	return FK_OK;
}

static fk_status magic(const fk_pkg *p, fk_pkg_fail *why, fk_error *err)
{
	uint8_t m[MAGIC_LEN];
	size_t got;
	fk_status s = read_at(p, 0, m, sizeof m, &got, err);
	if (s != FK_OK)
		return s;
	if (memcmp(m, FK_PKG_MAGIC, got) != 0)
		return refuse(err, why, FK_PKG_FAIL_NOT_PACKAGE);
	if (got < sizeof m)
		return refuse(err, why, FK_PKG_FAIL_TRUNCATED);
	return FK_OK;
}

static fk_status digest(const uint8_t *b, size_t n, uint8_t out[32], fk_error *err)
{
	unsigned int dl = 0;
	if (EVP_Digest(b, n, out, &dl, EVP_sha256(), NULL) != 1 || dl != 32)
		return fk_fail(err, FK_ERR_CRYPTO, "SHA-256 failed");
	return FK_OK;
}

/* Frame 0: decrypted, its signature and signer checked, the manifest parsed, the signer
 * being the municipality the manifest names. */
static fk_status open_manifest(fk_pkg *p, uint64_t *next, fk_pkg_fail *why, fk_cms_fail *cms_why,
			       fk_error *err)
{
	uint32_t len;
	uint8_t *body = NULL, *plain = NULL;
	size_t plen = 0;
	fk_status s = frame_head(p, MAGIC_LEN, &len, why, err);
	if (s == FK_OK)
		s = frame_body(p, MAGIC_LEN + HEAD_LEN, len, &body, why, err);
	if (s == FK_OK)
		s = digest(body, len, p->digest, err);
	if (s == FK_OK) {
		s = fk_cms_open(body, len, &p->keys, 1, &plain, &plen, &p->signer, cms_why, err);
		if (s == FK_ERR_INVALID) {
			*why = FK_PKG_FAIL_CMS;
			fk_fail_wrap(err, "package: %s", fk_pkg_fail_text(*why));
		}
	}
	free(body);
	if (s == FK_OK && fk_manifest_parse(plain, plen, &p->m, err) != FK_OK) {
		*why = FK_PKG_FAIL_MANIFEST;
		s = fk_fail_wrap(err, "package");
	}
	fk_wipe(plain, plen);
	free(plain);
	if (s != FK_OK)
		return s;
	char code[7];
	/* A terminal's export is signed by the terminal, not the municipality: only an opener
	 * that asked for exports takes one; the import never does (docs/package-format.md §13). */
	if (p->m.export_request > 0) {
		if (!p->keys.accept_export)
			return refuse(err, why, FK_PKG_FAIL_MANIFEST);
	} else if (fk_cms_cert_municipality(p->signer, code, NULL) != FK_OK ||
		   strcmp(code, p->m.municipality) != 0) {
		return refuse(err, why, FK_PKG_FAIL_SIGNER);
	}
	*next = MAGIC_LEN + HEAD_LEN + (uint64_t)len;
	return FK_OK;
}

/* The chunk frames' headers, their bodies skipped: as many as the manifest lists, and
 * nothing after the last. */
static fk_status scan_chunks(fk_pkg *p, uint64_t off, fk_pkg_fail *why, fk_error *err)
{
	int n = p->m.nchunks;
	p->off = calloc((size_t)n, sizeof *p->off);
	p->len = calloc((size_t)n, sizeof *p->len);
	if (!p->off || !p->len)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory for the package's chunks");
	for (int i = 0; i < n; i++) {
		if (off == p->size)
			return refuse(err, why, FK_PKG_FAIL_CHUNKS); /* fewer than listed */
		fk_status s = frame_head(p, off, &p->len[i], why, err);
		if (s != FK_OK)
			return s;
		p->off[i] = off + HEAD_LEN;
		off = p->off[i] + p->len[i];
	}
	if (off != p->size)
		return refuse(err, why, FK_PKG_FAIL_CHUNKS); /* more than listed, or bytes after */
	return FK_OK;
}

static fk_status open_common(fk_pkg *p, const fk_cms_keys *k, fk_pkg **out, fk_pkg_fail *why,
			     fk_cms_fail *cms_why, fk_error *err)
{
	p->keys = *k;
	uint64_t next = 0;
	fk_status s = magic(p, why, err);
	if (s == FK_OK)
		s = open_manifest(p, &next, why, cms_why, err);
	if (s == FK_OK)
		s = scan_chunks(p, next, why, err);
	if (s != FK_OK) {
		fk_pkg_close(p);
		return s;
	}
	*out = p;
	return FK_OK;
}

static fk_pkg *pkg_new(fk_pkg_fail *why, fk_cms_fail *cms_why, fk_pkg **out, fk_error *err)
{
	*out = NULL;
	*why = FK_PKG_FAIL_NONE;
	*cms_why = FK_CMS_NONE;
	fk_pkg *p = calloc(1, sizeof *p);
	if (!p) {
		fk_fail(err, FK_ERR_NOMEM, "out of memory opening a package");
		return NULL;
	}
	p->fd = -1;
	return p;
}

fk_status fk_pkg_open_file(const char *path, const fk_cms_keys *k, fk_pkg **out, fk_pkg_fail *why,
			   fk_cms_fail *cms_why, fk_error *err)
{
	fk_pkg *p = pkg_new(why, cms_why, out, err);
	if (!p)
		return FK_ERR_NOMEM;
	p->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (p->fd < 0 || fstat(p->fd, &st) != 0) {
		fk_status s = fk_fail(err, errno == ENOENT ? FK_ERR_NOTFOUND : FK_ERR_IO,
				      "cannot open the package %s: %s", path, strerror(errno));
		fk_pkg_close(p);
		return s;
	}
	if (!S_ISREG(st.st_mode)) {
		fk_pkg_close(p);
		return fk_fail(err, FK_ERR_IO, "the package %s is not a regular file", path);
	}
	p->size = (uint64_t)st.st_size;
	return open_common(p, k, out, why, cms_why, err);
}

fk_status fk_pkg_open_mem(const uint8_t *buf, size_t n, const fk_cms_keys *k, fk_pkg **out,
			  fk_pkg_fail *why, fk_cms_fail *cms_why, fk_error *err)
{
	fk_pkg *p = pkg_new(why, cms_why, out, err);
	if (!p)
		return FK_ERR_NOMEM;
	p->mem = buf;
	p->size = n;
	return open_common(p, k, out, why, cms_why, err);
}

void fk_pkg_close(fk_pkg *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	fk_manifest_clear(&p->m);
	X509_free(p->signer);
	free(p->off);
	free(p->len);
	free(p);
}

const fk_manifest *fk_pkg_manifest(const fk_pkg *p)
{
	return &p->m;
}

X509 *fk_pkg_signer(const fk_pkg *p)
{
	return p->signer;
}

const uint8_t *fk_pkg_digest(const fk_pkg *p)
{
	return p->digest;
}

fk_status fk_pkg_chunk(fk_pkg *p, int i, uint8_t **plain, size_t *n, fk_pkg_fail *why,
		       fk_cms_fail *cms_why, fk_error *err)
{
	*plain = NULL;
	*n = 0;
	*why = FK_PKG_FAIL_NONE;
	*cms_why = FK_CMS_NONE;
	if (i < 0 || i >= p->m.nchunks)
		return fk_fail(err, FK_ERR_USAGE, "the package has no chunk %d", i);
	uint8_t *body, *out = NULL, h[32];
	size_t len = 0;
	fk_status s = frame_body(p, p->off[i], p->len[i], &body, why, err);
	if (s != FK_OK)
		return s;
	s = fk_cms_open(body, p->len[i], &p->keys, 0, &out, &len, NULL, cms_why, err);
	free(body);
	if (s == FK_ERR_INVALID) {
		*why = FK_PKG_FAIL_CHUNK_CMS;
		fk_fail_wrap(err, "package: chunk %d could not be opened", i);
	}
	if (s == FK_OK)
		s = digest(out, len, h, err);
	/* The signed manifest vouches for the chunk: its length and hash, nothing less. */
	if (s == FK_OK && ((int64_t)len != p->m.chunks[i].bytes ||
			   memcmp(h, p->m.chunks[i].sha256, sizeof h) != 0)) {
		*why = FK_PKG_FAIL_CHUNK_HASH;
		s = fk_fail(err, FK_ERR_INVALID,
			    "package: chunk %d does not match its hash in the manifest", i);
	}
	if (s != FK_OK) {
		fk_wipe(out, len);
		free(out);
		return s;
	}
	*plain = out;
	*n = len;
	return FK_OK;
}

fk_status fk_pkg_lines(const uint8_t *plain, size_t n, fk_pkg_line_fn fn, void *arg,
		       fk_error *err)
{
	size_t at = 0;
	for (int64_t idx = 0; at < n; idx++) {
		const uint8_t *nl = memchr(plain + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - plain) : n;
		fk_status s = fn(arg, idx, (const char *)plain + at, end - at, err);
		if (s != FK_OK)
			return s;
		at = end + 1; /* past the newline; the last line's is optional */
	}
	return FK_OK;
}
