/* A package file or request body imported (importfile.h): opened and checked (pkgfile.h), its
 * chunks decrypted and their records parsed on the engine's second thread, staged and
 * published by the engine (import.h), the receipt signed with the receiving key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "importfile.h"
#include "jarena.h"
#include "receipt.h"
#include "util.h"

/* The receipt's ids of the opener's refusals: the lists' ids in lower case. */
static const char *const pkg_ids[] = {
#define PKG_ID(id, text) #id,
	FK_PKG_FAIL_LIST(PKG_ID)
#undef PKG_ID
};
static const char *const cms_ids[] = {
#define CMS_ID(id, text) #id,
	FK_CMS_FAIL_LIST(CMS_ID)
#undef CMS_ID
};

const char *fk_intake_fail_id(fk_pkg_fail why, fk_cms_fail cms_why)
{
	static char pkg_lower[sizeof pkg_ids / sizeof *pkg_ids][24];
	static char cms_lower[sizeof cms_ids / sizeof *cms_ids][24];
	/* The CMS layer's reason is the more precise one (a revoked signer, not "the manifest
	 * could not be opened"). */
	if (cms_why != FK_CMS_NONE && (unsigned)cms_why < sizeof cms_ids / sizeof *cms_ids)
		return fk_receipt_lower_id(cms_ids[cms_why], cms_lower[cms_why], sizeof cms_lower[cms_why]);
	if ((unsigned)why < sizeof pkg_ids / sizeof *pkg_ids)
		return fk_receipt_lower_id(pkg_ids[why], pkg_lower[why], sizeof pkg_lower[why]);
	return "?";
}

/* The receiving service's one check more (R-MUTUAL): the TLS client is the municipality that
 * signed the package, not another one relaying it. */
#define N_(s) s /* marked for gettext; translated at the edge */
static const char client_text[] = N_("the client that delivered the package is not the municipality that signed it");

const char *fk_intake_client_text(void)
{
	return client_text;
}

/* Its sentence, as the id (the CMS layer's when it gave one). */
static const char *fail_text(fk_pkg_fail why, fk_cms_fail cms_why)
{
	return cms_why != FK_CMS_NONE ? fk_cms_fail_text(cms_why) : fk_pkg_fail_text(why);
}

/* ---- the source: chunk i parsed into slot i % 2 (source.h) ---- */

typedef struct precord {
	fk_pkg_record r;
	fk_reject why;
	char detail[160];
} precord;

typedef struct slot {
	precord *v;
	size_t n, cap;
	fk_jarena trees; /* the records' JSON trees (jarena.h): freed all at once */
	fk_status st; /* of the parse: only running out of memory fails it */
} slot;

typedef struct fsrc {
	fk_pkg *pkg;
	slot s[2];
	fk_pkg_fail why; /* a chunk that could not be opened or did not match its hash */
	fk_cms_fail cms_why;
} fsrc;

static void slot_clear(slot *s)
{
	for (size_t i = 0; i < s->n; i++)
		fk_record_clear(&s->v[i].r);
	s->n = 0;
	fk_jarena_reset(&s->trees); /* no reference into it is left */
}

static fk_status parse_line(void *arg, int64_t index, const char *line, size_t n, fk_error *err)
{
	slot *s = arg;
	(void)index; /* the records are kept in order: their index is their place */
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		precord *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		s->v = v;
		s->cap = cap;
	}
	precord *p = &s->v[s->n];
	memset(p, 0, sizeof *p);
	fk_status st = fk_record_parse(line, n, &p->r, &p->why, p->detail, sizeof p->detail, err);
	if (st == FK_OK)
		s->n++;
	return st;
}

static fk_status load(void *arg, int chunk, fk_error *err)
{
	fsrc *f = arg;
	slot *s = &f->s[chunk % 2];
	uint8_t *plain = NULL;
	size_t n = 0;
	fk_pkg_fail why = FK_PKG_FAIL_NONE;
	fk_cms_fail cms_why = FK_CMS_NONE;
	slot_clear(s);
	fk_status st = fk_pkg_chunk(f->pkg, chunk, &plain, &n, &why, &cms_why, err);
	if (st == FK_ERR_INVALID) {
		/* The package is bad, not the store: the caller refuses it. Only this thread
		 * writes these, and the engine joins it before it reads them. */
		f->why = why != FK_PKG_FAIL_NONE ? why : FK_PKG_FAIL_CHUNK_CMS;
		f->cms_why = cms_why;
	}
	if (st == FK_OK) {
		fk_jarena_use(&s->trees);
		st = fk_pkg_lines(plain, n, parse_line, s, err);
		fk_jarena_use(NULL);
	}
	if (plain) {
		fk_wipe(plain, n); /* the municipality's records in clear */
		free(plain);
	}
	return st;
}

static fk_status each(void *arg, int chunk, fk_intake_record_fn fn, void *fnarg, fk_error *err)
{
	fsrc *f = arg;
	slot *s = &f->s[chunk % 2];
	fk_status st = FK_OK;
	for (size_t i = 0; i < s->n && st == FK_OK; i++)
		st = fn(fnarg, (int64_t)i, &s->v[i].r, s->v[i].why, s->v[i].detail, err);
	return st;
}

/* The last chunks' records and the arenas' pages given back once staged (the import's
 * 64 MB: the arenas keep their blocks from chunk to chunk, not into the sorts after). */
static void done(void *arg)
{
	fsrc *f = arg;
	for (int i = 0; i < 2; i++) {
		slot_clear(&f->s[i]);
		fk_jarena_free(&f->s[i].trees);
	}
}

/* ---- importing ---- */

static fk_status sign(const fk_intake_keys *k, fk_intake_result *res, uint8_t **der, size_t *dn,
		      fk_error *err)
{
	*der = NULL;
	*dn = 0;
	if (!res->receipt)
		return FK_OK;
	if (!k->sign_key || !k->sign_cert)
		return fk_fail(err, FK_ERR_CONFIG, "no receiving key to sign the receipt with");
	return fk_cms_sign((const uint8_t *)res->receipt, res->receipt_len, k->sign_key, k->sign_cert,
			   der, dn, err);
}

static fk_status import_pkg(fk_ctx *ctx, fk_pkg *pkg, const fk_intake_keys *k,
			   const fk_intake_origin *o, fk_intake_result *res, uint8_t **signed_receipt,
			   size_t *signed_len, fk_error *err)
{
	char signer[7] = "";
	fsrc f = {.pkg = pkg};
	*signed_receipt = NULL;
	*signed_len = 0;
	memset(res, 0, sizeof *res);
	fk_status st = fk_cms_cert_municipality(fk_pkg_signer(pkg), signer, err);
	if (st != FK_OK)
		return st;
	fk_intake_pkg p = {.m = fk_pkg_manifest(pkg), .digest = fk_pkg_digest(pkg), .signer = signer,
			   .src = {.load = load, .each = each, .done = done, .arg = &f}, .op = k->op, .origin = o};
	st = fk_intake_import(ctx, &p, res, err);
	done(&f);
	for (int i = 0; i < 2; i++)
		free(f.s[i].v);
	if (st != FK_OK && f.why != FK_PKG_FAIL_NONE) {
		/* A chunk that does not open or match its hash: the package can never be applied.
		 * What it staged goes, and it is refused. */
		int64_t removed;
		fk_error e;
		fk_intake_result_clear(res);
		if ((st = fk_intake_abandon(ctx, k->op, &removed, &e)) != FK_OK && st != FK_ERR_NOTFOUND) {
			*err = e;
			return st;
		}
		st = fk_intake_refuse(ctx, k->op, p.m, p.digest, signer, o,
				      fk_intake_fail_id(f.why, f.cms_why), fail_text(f.why, f.cms_why), res,
				      err);
	}
	if (st == FK_OK)
		st = sign(k, res, signed_receipt, signed_len, err);
	return st;
}

fk_status fk_intake_import_pkg(fk_ctx *ctx, fk_pkg *pkg, const fk_intake_keys *k,
			       fk_intake_result *res, uint8_t **signed_receipt, size_t *signed_len,
			       fk_error *err)
{
	fk_intake_origin o = {.source = k->source};
	return import_pkg(ctx, pkg, k, &o, res, signed_receipt, signed_len, err);
}

fk_status fk_intake_import_mem(fk_ctx *ctx, const uint8_t *buf, size_t n, const char *client,
			       const fk_intake_keys *k, fk_intake_result *res, uint8_t **signed_receipt,
			       size_t *signed_len, fk_error *err)
{
	fk_pkg *pkg = NULL;
	fk_pkg_fail why = FK_PKG_FAIL_NONE;
	fk_cms_fail cms_why = FK_CMS_NONE;
	char signer[7] = "";
	*signed_receipt = NULL;
	*signed_len = 0;
	memset(res, 0, sizeof *res);
	fk_intake_origin o = {.source = k->source, .buf = buf, .n = n};
	fk_status st = fk_pkg_open_mem(buf, n, k->open, &pkg, &why, &cms_why, err);
	if (st == FK_ERR_INVALID) {
		st = fk_intake_refuse(ctx, k->op, NULL, NULL, NULL, &o, fk_intake_fail_id(why, cms_why),
				      fail_text(why, cms_why), res, err);
		return st == FK_OK ? sign(k, res, signed_receipt, signed_len, err) : st;
	}
	if (st != FK_OK)
		return st;
	/* A signer certificate naming no municipality is no match either: refused as such. */
	if (client && (fk_cms_cert_municipality(fk_pkg_signer(pkg), signer, err) != FK_OK ||
		       strcmp(signer, client) != 0)) {
		st = fk_intake_refuse(ctx, k->op, fk_pkg_manifest(pkg), fk_pkg_digest(pkg), signer, &o,
				      "client", client_text, res, err);
		if (st == FK_OK)
			st = sign(k, res, signed_receipt, signed_len, err);
	} else {
		st = import_pkg(ctx, pkg, k, &o, res, signed_receipt, signed_len, err);
	}
	fk_pkg_close(pkg);
	return st;
}

fk_status fk_intake_import_file(fk_ctx *ctx, const char *path, const fk_intake_keys *k,
				fk_intake_result *res, uint8_t **signed_receipt, size_t *signed_len,
				fk_error *err)
{
	fk_pkg *pkg = NULL;
	fk_pkg_fail why = FK_PKG_FAIL_NONE;
	fk_cms_fail cms_why = FK_CMS_NONE;
	*signed_receipt = NULL;
	*signed_len = 0;
	memset(res, 0, sizeof *res);
	fk_intake_origin o = {.source = k->source ? k->source : path, .path = path};
	fk_status st = fk_pkg_open_file(path, k->open, &pkg, &why, &cms_why, err);
	if (st == FK_ERR_INVALID) {
		/* Refused before anything is known of it but why: on record, with a receipt. */
		st = fk_intake_refuse(ctx, k->op, NULL, NULL, NULL, &o, fk_intake_fail_id(why, cms_why),
				      fail_text(why, cms_why), res, err);
		return st == FK_OK ? sign(k, res, signed_receipt, signed_len, err) : st;
	}
	if (st != FK_OK)
		return st;
	st = import_pkg(ctx, pkg, k, &o, res, signed_receipt, signed_len, err);
	fk_pkg_close(pkg);
	return st;
}
