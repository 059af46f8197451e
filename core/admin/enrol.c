/* Enrolling a terminal: the bureau's shared keys exported to its certificate and imported there (enrol.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain_keys.h"
#include "checkpoint.h"
#include "cms.h"
#include "crypto.h"
#include "enrol.h"
#include "gate.h"
#include "keyfile.h"
#include "keys.h"
#include "str.h"
#include "trust.h"
#include "util.h"

/* The signed and encrypted content:
 *   "FKENROL1" | header length (2 bytes) | header | archive
 * The header is ASCII lines "name=value\n": v=1, from= and to= (SHA-256 of the exporter's and
 * the recipient's certificates), terminal= (the exporter's id), created= and expires= (Unix
 * seconds). The archive is the key backup's (keybackup.c): per file, name length (2 bytes),
 * name, size (4 bytes), bytes; only the shared key files' names are accepted. */
static const uint8_t MAGIC[8] = {'F', 'K', 'E', 'N', 'R', 'O', 'L', '1'};
#define MAX_HEADER 1024
#define MAX_FILE 4096 /* a key file is 77 bytes; anything larger is not one */
#define MAX_FILES 64
#define MAX_PKG (256u << 10)

/* ---- certificates and keys ---- */

/* A private key file readable by its owner alone, as the key folder's are (libpq asks the same
 * of sslkey). */
static fk_status private_ok(const char *path, const struct stat *sb, fk_error *err)
{
	if (!S_ISREG(sb->st_mode) || (sb->st_mode & 077) || sb->st_uid != geteuid())
		return fk_fail(err, FK_ERR_KEYPERM,
			       "%s must be a regular file of this user that only it can read (0600)", path);
	return FK_OK;
}

static EVP_PKEY *read_key(const char *path, fk_error *err)
{
	char *buf = NULL;
	size_t n = 0;
	if (fk_read_file_checked(path, 1u << 16, private_ok, &buf, &n, err) != FK_OK)
		return NULL;
	BIO *b = BIO_new_mem_buf(buf, (int)n);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	fk_wipe(buf, n);
	free(buf);
	ERR_clear_error();
	if (!k)
		fk_fail(err, FK_ERR_INVALID, "%s holds no private key this program can read (PEM expected)", path);
	return k;
}

static int valid_at(X509 *c, int64_t now_s)
{
	time_t t = (time_t)now_s;
	return X509_cmp_time(X509_get0_notAfter(c), &t) > 0 && X509_cmp_time(X509_get0_notBefore(c), &t) <= 0;
}

static void cert_facts(X509 *c, char sha[65], char *subject, size_t len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	if (X509_digest(c, EVP_sha256(), d, &dl) == 1 && dl == 32)
		fk_hex(d, 32, sha);
	else
		fk_copy_str(sha, 65, "?");
	/* One line: names a terminal, nobody's data. */
	if (!X509_NAME_oneline(X509_get_subject_name(c), subject, (int)len))
		fk_copy_str(subject, len, "?");
}

/* The certificate's CN, the terminal's role on the store, for the record's object. */
static void cert_cn(X509 *c, char *out, size_t len)
{
	fk_copy_str(out, len, "-");
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, out, (int)len);
	if (n <= 0)
		fk_copy_str(out, len, "-");
}

/* Whether the new terminal's certificate can receive the keys. It is the certificate the
 * terminal authenticates to the store with: valid, an end entity's, for TLS client
 * authentication, its RSA key (RSA-OAEP) strong enough. */
static fk_status recipient_ok(X509 *c, int64_t now_s, fk_error *err)
{
	EVP_PKEY *pk = c ? X509_get0_pubkey(c) : NULL;
	uint32_t xku = c ? X509_get_extended_key_usage(c) : 0;
	if (!c)
		return fk_fail(err, FK_ERR_INVALID, "the new terminal's certificate cannot be read (PEM expected)");
	if (!valid_at(c, now_s))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_CERT_EXPIRED, NULL, 0);
	if (X509_check_ca(c) != 0)
		return fk_fail(err, FK_ERR_INVALID, "the certificate given is a CA's, not a terminal's");
	if (!(X509_get_extension_flags(c) & EXFLAG_XKUSAGE) || !(xku & XKU_SSL_CLIENT))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_CERT_NOT_CLIENT, NULL, 0);
	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		return fk_fail(err, FK_ERR_INVALID, "the new terminal's certificate does not hold an RSA key (RSA-OAEP is used)");
	if (EVP_PKEY_get_bits(pk) < FK_ENROL_MIN_RSA_BITS)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_CERT_WEAK, NULL, EVP_PKEY_get_bits(pk));
	if ((X509_get_extension_flags(c) & EXFLAG_KUSAGE) && !(X509_get_key_usage(c) & KU_KEY_ENCIPHERMENT))
		return fk_fail(err, FK_ERR_INVALID, "the new terminal's certificate is not for encryption (no keyEncipherment)");
	return FK_OK;
}

/* A terminal's certificate and key: readable, the key the certificate's, valid now. */
static fk_status own_pair(const char *cert_path, const char *key_path, int64_t now_s, X509 **cert,
			  EVP_PKEY **key, fk_error *err)
{
	*cert = fk_cms_read_cert(cert_path);
	*key = NULL;
	if (!*cert)
		return fk_fail(err, FK_ERR_INVALID, "%s holds no certificate (PEM expected)", cert_path);
	if (!valid_at(*cert, now_s))
		return fk_fail(err, FK_ERR_INVALID, "this terminal's certificate %s is expired or not yet valid",
			       cert_path);
	if (!(*key = read_key(key_path, err)))
		return err ? err->code : FK_ERR_INVALID;
	if (X509_check_private_key(*cert, *key) != 1) {
		ERR_clear_error();
		return fk_fail(err, FK_ERR_INVALID, "%s is not the key of %s", key_path, cert_path);
	}
	return FK_OK;
}

/* ---- the archive ---- */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static int put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap)
		return -1;
	memcpy(b->p + b->n, d, n);
	b->n += n;
	return 0;
}

/* One key file of the folder into the archive; it holds a key, so it is wiped. */
static fk_status add_file(struct buf *b, const char *dir, const char *name, fk_error *err)
{
	char *path = fk_path_join(dir, name, err), *data = NULL;
	size_t n = 0, nl = strlen(name);
	if (!path)
		return FK_ERR_NOMEM;
	fk_status st = fk_read_file(path, MAX_FILE, &data, &n, err);
	free(path);
	if (st != FK_OK)
		return st;
	uint8_t h[6] = {(uint8_t)(nl >> 8), (uint8_t)nl, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			(uint8_t)(n >> 8), (uint8_t)n};
	if (put(b, h, 2) || put(b, name, nl) || put(b, h + 2, 4) || put(b, data, n))
		st = fk_fail(err, FK_ERR_INTERNAL, "the key package is larger than planned");
	fk_wipe(data, n);
	free(data);
	return st;
}

/* The shared key files: every master key still held, the index key, the trust key. */
static fk_status pack(fk_ctx *ctx, struct buf *b, int *files, fk_error *err)
{
	fk_status st = FK_OK;
	unsigned n = fk_keys_master_count(ctx->keys);
	for (unsigned i = 0; st == FK_OK && i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "master-%08u.key", (unsigned)fk_keys_master_id_at(ctx->keys, i));
		if ((st = add_file(b, ctx->cfg.key_dir, name, err)) == FK_OK)
			(*files)++;
	}
	const char *other[] = {"index.key", FK_TRUST_KEY_FILE};
	for (size_t i = 0; st == FK_OK && i < 2; i++)
		if ((st = add_file(b, ctx->cfg.key_dir, other[i], err)) == FK_OK)
			(*files)++;
	return st;
}

/* ---- export ---- */

static fk_status seal_package(fk_ctx *ctx, const fk_enrol_export *x, X509 *to, X509 *cert, EVP_PKEY *key,
			      int64_t now_s, fk_enrol_result *res, fk_error *err)
{
	char from_sha[65], subj[256];
	struct buf b = {0};
	b.cap = 8 + 2 + MAX_HEADER + MAX_FILES * (6 + 32 + MAX_FILE);
	if (!(b.p = malloc(b.cap)))
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	cert_facts(cert, from_sha, subj, sizeof subj);
	res->expires = now_s + x->valid_s;
	char head[MAX_HEADER];
	int hl = snprintf(head, sizeof head, "v=1\nfrom=%s\nto=%s\nterminal=%s\ncreated=%lld\nexpires=%lld\n",
			  from_sha, res->sha256, ctx->cfg.terminal_id, (long long)now_s, (long long)res->expires);
	fk_status st = FK_OK;
	uint8_t hlen[2] = {(uint8_t)(hl >> 8), (uint8_t)hl};
	if (hl < 0 || hl >= (int)sizeof head || put(&b, MAGIC, 8) || put(&b, hlen, 2) || put(&b, head, (size_t)hl))
		st = fk_fail(err, FK_ERR_INTERNAL, "the key package's header is too long");
	if (st == FK_OK)
		st = pack(ctx, &b, &res->files, err);
	uint8_t *der = NULL;
	size_t dl = 0;
	if (st == FK_OK)
		st = fk_cms_seal(b.p, b.n, key, cert, &to, 1, &der, &dl, err);
	fk_wipe(b.p, b.cap);
	free(b.p);
	if (st == FK_OK)
		st = fk_write_new(x->out, der, dl, err);
	free(der);
	return st;
}

fk_status fk_key_export(fk_ctx *ctx, const fk_enrol_export *x, fk_enrol_result *res, fk_error *err)
{
	memset(res, 0, sizeof *res);
	int64_t now_s = fk_ctx_now(ctx) / 1000000000;
	char oid[96], detail[900], dcert[4200], dkey[4200];
	X509 *to = fk_cms_read_cert(x->for_cert), *cert = NULL;
	EVP_PKEY *key = NULL;
	if (to) {
		cert_cn(to, oid, sizeof oid);
		cert_facts(to, res->sha256, res->subject, sizeof res->subject);
	} else
		fk_copy_str(oid, sizeof oid, "-");
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_KEY_EXPORT};
	fk_status st = fk_gate_begin(ctx, &g, &r, oid, err);
	if (st != FK_OK) {
		X509_free(to);
		return st;
	}
	snprintf(dcert, sizeof dcert, "%s/%s", ctx->cfg.key_dir, FK_ENROL_CERT_DEFAULT);
	snprintf(dkey, sizeof dkey, "%s/%s", ctx->cfg.key_dir, FK_ENROL_KEY_DEFAULT);
	st = recipient_ok(to, now_s, err);
	if (st == FK_OK && (x->valid_s < 1 || x->valid_s > FK_ENROL_MAX_VALID))
		st = fk_fail(err, FK_ERR_USAGE, "a key package is valid for 1 second to 7 days");
	if (st == FK_OK)
		st = own_pair(x->signer_cert ? x->signer_cert : dcert, x->signer_key ? x->signer_key : dkey,
			      now_s, &cert, &key, err);
	if (st == FK_OK && X509_cmp(cert, to) == 0)
		st = fk_fail(err, FK_ERR_INVALID, "the new terminal's certificate is this terminal's own");
	if (st == FK_OK)
		st = seal_package(ctx, x, to, cert, key, now_s, res, err);
	EVP_PKEY_free(key);
	X509_free(cert);
	X509_free(to);
	/* The other terminal named by its certificate; never a key. */
	snprintf(detail, sizeof detail, "for=%.255s sha256=%s out=%.300s files=%d expires=%lld", res->subject,
		 res->sha256[0] ? res->sha256 : "-", x->out, res->files, (long long)res->expires);
	return fk_gate_end(ctx, &g, st, detail, err);
}

/* ---- import ---- */

struct fk_enrol_pkg {
	fk_enrol_result info;
	uint8_t *plain; /* the decrypted content: holds the keys until freed */
	size_t plen, archive;
	/* what install wrote, for undo */
	char *key_dir, *k0_path, *pub_path;
	char written[MAX_FILES + 3][32];
	int nwritten, made_dir, wrote_k0, wrote_pub;
	void *each; /* fk_enrol_pkg_each's callback while it walks */
};

/* A header line's value ("" when missing). */
static void header_value(const char *h, size_t n, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	out[0] = '\0';
	for (size_t at = 0; at < n;) {
		const char *end = memchr(h + at, '\n', n - at);
		size_t ll = end ? (size_t)(end - (h + at)) : n - at;
		if (ll > nl && !memcmp(h + at, name, nl) && h[at + nl] == '=') {
			size_t vl = ll - nl - 1 < len - 1 ? ll - nl - 1 : len - 1;
			memcpy(out, h + at + nl + 1, vl);
			out[vl] = '\0';
			return;
		}
		at += ll + 1;
	}
}

/* A shared key file's name, and only that: a package cannot plant a history key, an anchor
 * or a file outside the folder. */
static int shared_name(const char *s, size_t n)
{
	if ((n == 9 && !memcmp(s, "index.key", 9)) || (n == 9 && !memcmp(s, FK_TRUST_KEY_FILE, 9)))
		return 1;
	if (n != 19 || memcmp(s, "master-", 7) || memcmp(s + 15, ".key", 4))
		return 0;
	for (size_t i = 7; i < 15; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Walk the archive: every entry well formed and shared; the index and trust keys and a
 * master key present. fn (may be NULL) gets each. */
typedef fk_status (*entry_fn)(fk_enrol_pkg *p, const char *name, const uint8_t *d, size_t n, fk_error *err);
static fk_status walk(fk_enrol_pkg *p, entry_fn fn, fk_error *err)
{
	const uint8_t *a = p->plain + p->archive;
	size_t n = p->plen - p->archive, at = 0;
	int index = 0, trust = 0, master = 0, files = 0;
	fk_status st = FK_OK;
	while (st == FK_OK && at < n) {
		if (n - at < 2)
			return fk_fail(err, FK_ERR_CORRUPT, "the key package's archive is damaged");
		size_t nl = (size_t)a[at] << 8 | a[at + 1];
		if (n - at - 2 < nl + 4 || !shared_name((const char *)a + at + 2, nl))
			return fk_fail(err, FK_ERR_CORRUPT, "the key package holds a file that is not a shared key");
		char name[32];
		memcpy(name, a + at + 2, nl);
		name[nl] = '\0';
		const uint8_t *q = a + at + 2 + nl;
		size_t sz = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
		if (n - at - 6 - nl < sz || sz > MAX_FILE || ++files > MAX_FILES)
			return fk_fail(err, FK_ERR_CORRUPT, "the key package's archive is damaged");
		index += !strcmp(name, "index.key");
		trust += !strcmp(name, FK_TRUST_KEY_FILE);
		master += name[0] == 'm';
		if (fn)
			st = fn(p, name, q + 4, sz, err);
		at += 6 + nl + sz;
	}
	if (st == FK_OK && (index != 1 || trust != 1 || master < 1))
		st = fk_fail(err, FK_ERR_CORRUPT, "the key package lacks a shared key (index, trust or master)");
	p->info.files = files;
	return st;
}

struct each_arg {
	fk_enrol_entry_fn fn;
	void *arg;
};

static fk_status each_entry(fk_enrol_pkg *p, const char *name, const uint8_t *d, size_t n, fk_error *err)
{
	const struct each_arg *a = p->each;
	return a->fn(a->arg, name, d, n, err);
}

/* The header: for this terminal, from the named one, not expired. */
static fk_status check_header(fk_enrol_pkg *p, X509 *from, X509 *me, int64_t now_s, fk_error *err)
{
	if (p->plen < 10 || memcmp(p->plain, MAGIC, 8) != 0)
		return fk_fail(err, FK_ERR_CORRUPT, "not a key package of this program");
	size_t hl = (size_t)p->plain[8] << 8 | p->plain[9];
	if (hl > MAX_HEADER || p->plen - 10 < hl)
		return fk_fail(err, FK_ERR_CORRUPT, "the key package's header is damaged");
	const char *h = (const char *)p->plain + 10;
	p->archive = 10 + hl;
	char v[8], fsha[65], tsha[65], to[80], fr[80], exp[24], subj[256];
	header_value(h, hl, "v", v, sizeof v);
	header_value(h, hl, "from", fr, sizeof fr);
	header_value(h, hl, "to", to, sizeof to);
	header_value(h, hl, "terminal", p->info.terminal, sizeof p->info.terminal);
	header_value(h, hl, "expires", exp, sizeof exp);
	cert_facts(from, fsha, p->info.subject, sizeof p->info.subject);
	fk_copy_str(p->info.sha256, sizeof p->info.sha256, fsha);
	cert_facts(me, tsha, subj, sizeof subj);
	char *end = NULL;
	p->info.expires = strtoll(exp, &end, 10);
	if (strcmp(v, "1") != 0 || !exp[0] || *end)
		return fk_fail(err, FK_ERR_CORRUPT, "the key package's header is damaged");
	/* Inside the signature: a package signed for another terminal and re-encrypted to this one
	 * names that other terminal. */
	if (strcmp(to, tsha) != 0)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_NOT_FOR_US, NULL, 0);
	if (strcmp(fr, fsha) != 0)
		return fk_fail(err, FK_ERR_INVALID, "the key package names another exporting terminal");
	if (now_s >= p->info.expires)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_ENROL_EXPIRED, NULL, 0);
	return FK_OK;
}

static fk_status read_package(const char *file, uint8_t **der, size_t *n, fk_error *err)
{
	char *raw = NULL;
	fk_status st = fk_read_file(file, MAX_PKG, &raw, n, err);
	*der = (uint8_t *)raw;
	return st;
}

fk_status fk_key_import_open(const char *file, const char *from_cert, const char *my_cert,
			     const char *my_key, int64_t now_s, fk_enrol_pkg **out, fk_error *err)
{
	*out = NULL;
	fk_enrol_pkg *p = calloc(1, sizeof *p);
	X509 *from = fk_cms_read_cert(from_cert), *me = NULL, *signer = NULL;
	EVP_PKEY *key = NULL;
	uint8_t *der = NULL;
	size_t dl = 0;
	fk_cms_fail why = FK_CMS_NONE;
	fk_status st = p ? FK_OK : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (st == FK_OK && !from)
		st = fk_fail(err, FK_ERR_INVALID, "%s holds no certificate (PEM expected)", from_cert);
	if (st == FK_OK)
		st = own_pair(my_cert, my_key, now_s, &me, &key, err);
	if (st == FK_OK)
		st = read_package(file, &der, &dl, err);
	if (st == FK_OK) {
		fk_cms_keys k = {.keys = &key, .certs = &me, .nkeys = 1, .now = now_s, .pinned = from};
		st = fk_cms_open(der, dl, &k, 1, &p->plain, &p->plen, &signer, &why, err);
		if (st == FK_ERR_INVALID && why == FK_CMS_UNTRUSTED)
			fk_fail_id(err, st, FK_MSG_ENROL_SIGNER, from_cert, 0);
		else if (st == FK_ERR_INVALID && why == FK_CMS_EXPIRED)
			fk_fail_id(err, st, FK_MSG_ENROL_SIGNER_EXPIRED, NULL, 0);
		else if (st == FK_ERR_INVALID && why == FK_CMS_NOT_FOR_US)
			fk_fail_id(err, st, FK_MSG_ENROL_OTHER_RECIPIENT, NULL, 0);
		else if (st == FK_ERR_INVALID)
			fk_fail_id(err, st, FK_MSG_ENROL_DAMAGED, NULL, 0);
	}
	if (st == FK_OK)
		st = check_header(p, from, me, now_s, err);
	if (st == FK_OK)
		st = walk(p, NULL, err);
	free(der);
	X509_free(signer);
	X509_free(from);
	X509_free(me);
	EVP_PKEY_free(key);
	if (st != FK_OK) {
		fk_enrol_pkg_free(p);
		return st;
	}
	*out = p;
	return FK_OK;
}

/* The folder: made 0700 when missing; refused when it holds any file (a folder of its own,
 * store/ with the TLS key, may be there already). */
static fk_status prepare_dir(fk_enrol_pkg *p, fk_error *err)
{
	struct stat sb;
	int dfd = -1;
	if (lstat(p->key_dir, &sb) != 0) {
		if (errno != ENOENT)
			return fk_io_fail(err, "cannot examine", p->key_dir);
		fk_status st = fk_mkdir_private(p->key_dir, err);
		if (st != FK_OK)
			return st;
		p->made_dir = 1;
	}
	fk_status st = fk_keydir_open(p->key_dir, &dfd, err);
	if (st != FK_OK)
		return st;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return fk_io_fail(err, "cannot read", p->key_dir);
	}
	struct dirent *e;
	while (st == FK_OK && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode))
			st = fk_fail_id(err, FK_ERR_EXISTS, FK_MSG_ENROL_FOLDER_NOT_EMPTY, p->key_dir, 0);
	}
	closedir(d);
	return st;
}

static fk_status write_shared(fk_enrol_pkg *p, const char *name, const uint8_t *d, size_t n, fk_error *err)
{
	fk_status st = fk_keyfile_write(p->key_dir, name, d, n, 1, err);
	if (st == FK_OK)
		fk_copy_str(p->written[p->nwritten++], sizeof p->written[0], name);
	return st;
}

/* This terminal's own history keys, as init makes them; K0 to the administrator. */
static fk_status own_keys(fk_enrol_pkg *p, const fk_config *cfg, fk_error *err)
{
	fk_chain_key k = {0, fk_now_ns(), {0}};
	fk_status st = fk_random(k.key, FK_KEY_LEN, err);
	if (st == FK_OK && (st = fk_chain_key_store(p->key_dir, &k, 1, err)) == FK_OK)
		fk_copy_str(p->written[p->nwritten++], sizeof p->written[0], FK_AUDIT_KEY_NAME);
	if (st == FK_OK && (st = fk_checkpoint_create_key(p->key_dir, err)) == FK_OK) {
		fk_copy_str(p->written[p->nwritten++], sizeof p->written[0], FK_AUDIT_SIGN_NAME);
		p->wrote_pub = 1;
	}
	if (st == FK_OK && (st = fk_chain_k0_write(p->k0_path, cfg->terminal_id, k.key, err)) == FK_OK) {
		p->wrote_k0 = 1;
		fk_copy_str(p->info.k0, sizeof p->info.k0, p->k0_path);
	}
	fk_wipe(&k, sizeof k);
	return st;
}

/* The anchor, from the store as found, every sealed row checked under the shared trust key. */
static fk_status anchor(fk_enrol_pkg *p, const char *config_path, fk_error *err)
{
	fk_ctx *ctx = NULL;
	fk_status st = fk_ctx_new(config_path, 0, &ctx, err);
	if (st == FK_OK) {
		fk_copy_str(p->written[p->nwritten++], sizeof p->written[0], FK_ANCHOR_NAME);
		st = fk_trust_open(ctx, FK_TRUST_ENROL, 0, err);
		if (st == FK_ERR_TAMPER)
			fk_fail_id(err, st, FK_MSG_ENROL_WRONG_STORE, NULL, 0);
	}
	fk_ctx_close(ctx);
	return st;
}

fk_status fk_key_import_install(fk_enrol_pkg *p, const char *config_path, const char *k0_path,
				fk_error *err)
{
	fk_config cfg;
	fk_status st = fk_config_load(config_path, &cfg, err);
	if (st != FK_OK)
		return st;
	p->key_dir = fk_strdup(cfg.key_dir, err);
	p->k0_path = k0_path ? fk_strdup(k0_path, err) : fk_chain_k0_default_path(cfg.key_dir, err);
	char *k0def = fk_chain_k0_default_path(cfg.key_dir, err), *pubdir = k0def ? fk_dirname(k0def, err) : NULL;
	p->pub_path = pubdir ? fk_path_join(pubdir, FK_CHECKPOINT_PUB_NAME, err) : NULL;
	free(k0def);
	free(pubdir);
	if (!p->key_dir || !p->k0_path || !p->pub_path)
		st = FK_ERR_NOMEM;
	if (st == FK_OK)
		st = prepare_dir(p, err);
	if (st == FK_OK)
		st = walk(p, write_shared, err);
	if (st == FK_OK)
		st = own_keys(p, &cfg, err);
	if (st == FK_OK)
		st = anchor(p, config_path, err);
	if (st != FK_OK)
		fk_key_import_undo(p);
	fk_config_free(&cfg);
	return st;
}

fk_status fk_key_import_record(fk_ctx *ctx, const fk_enrol_pkg *p, fk_error *err)
{
	char detail[700];
	fk_authz_req r = {.op = FK_OP_KEY_IMPORT};
	snprintf(detail, sizeof detail, "from=%.255s sha256=%s terminal=%.63s files=%d", p->info.subject,
		 p->info.sha256, p->info.terminal, p->info.files);
	return fk_gate_check(ctx, &r, p->info.terminal[0] ? p->info.terminal : "-", detail, err);
}

void fk_key_import_undo(fk_enrol_pkg *p)
{
	if (!p || !p->key_dir)
		return;
	for (int i = 0; i < p->nwritten; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", p->key_dir, p->written[i]);
		(void)unlink(path);
	}
	p->nwritten = 0;
	if (p->wrote_k0 && p->k0_path)
		(void)unlink(p->k0_path);
	if (p->wrote_pub && p->pub_path)
		(void)unlink(p->pub_path);
	p->wrote_k0 = p->wrote_pub = 0;
	if (p->made_dir)
		(void)rmdir(p->key_dir);
	p->made_dir = 0;
}

fk_status fk_enrol_pkg_each(fk_enrol_pkg *p, fk_enrol_entry_fn fn, void *arg, fk_error *err)
{
	struct each_arg a = {fn, arg};
	void *saved = p->each;
	p->each = &a;
	fk_status st = walk(p, each_entry, err);
	p->each = saved;
	return st;
}

const fk_enrol_result *fk_key_import_info(const fk_enrol_pkg *p)
{
	return &p->info;
}

void fk_enrol_pkg_free(fk_enrol_pkg *p)
{
	if (!p)
		return;
	if (p->plain)
		fk_wipe(p->plain, p->plen);
	free(p->plain);
	free(p->key_dir);
	free(p->k0_path);
	free(p->pub_path);
	free(p);
}
