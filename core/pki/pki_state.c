/* The state of the receiving side's trust material and its warnings (pki_admin.h). */
#include "config.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "pki_admin.h"
#include "pki_keys.h"
#include "str.h"
#include "util.h"

/* Marks a msgid for xgettext (po/Makevars: --keyword=N_); the edges translate it. */
#define N_(s) s

static const struct {
	const char *id, *text;
} WARN[FK_PKI_WARN_COUNT] = {
	[FK_PKI_WARN_NO_CA] = {"no-ca",
				 N_("no municipal CA is trusted: packages cannot be accepted (fukuhonctl ca add)")},
	[FK_PKI_WARN_NO_CERT] = {"no-cert",
				 N_("there is no receiving certificate (fukuhonctl cert request, then cert install)")},
	[FK_PKI_WARN_KEY_MISSING] = {"key-missing",
				 N_("the receiving certificate's key is missing from the key folder")},
	[FK_PKI_WARN_CERT_EXPIRED] = {"cert-expired",
				 N_("the receiving certificate has expired: renew it (fukuhonctl cert request)")},
	[FK_PKI_WARN_CERT_SOON] = {"cert-soon",
				 N_("the receiving certificate expires soon: renew it (fukuhonctl cert request)")},
	[FK_PKI_WARN_CRL_MISSING] = {"crl-missing",
				 N_("no CRL of this CA is installed: packages it vouches for are refused")},
	[FK_PKI_WARN_CRL_STALE] = {"crl-stale",
				 N_("the CA's CRL is past its next update: imports are refused until a new one is added")},
	[FK_PKI_WARN_CRL_SOON] = {"crl-soon",
				 N_("the CA's CRL reaches its next update soon: fetch a new one (fukuhonctl crl add)")},
	[FK_PKI_WARN_CA_EXPIRED] = {"ca-expired",
				 N_("the CA's certificate has expired: packages it vouches for are refused")},
	[FK_PKI_WARN_CA_SOON] = {"ca-soon",
				 N_("the CA's certificate expires soon: add its successor (fukuhonctl ca add)")},
};

const char *fk_pki_warn_text(fk_pki_warn w)
{
	return (unsigned)w < FK_PKI_WARN_COUNT ? WARN[w].text : "?";
}

const char *fk_pki_warn_id(fk_pki_warn w)
{
	return (unsigned)w < FK_PKI_WARN_COUNT ? WARN[w].id : "?";
}

/* Whole days from now to t, rounded down (a day and a half left is one; an hour ago is -1). */
static int64_t days_until(int64_t t, int64_t now)
{
	int64_t d = fk_sub_sat_i64(t, now);
	return d >= 0 ? d / 86400 : -((-(d + 1)) / 86400) - 1;
}

static void warn(fk_pki_state *s, fk_pki_warn what, const char *subject, int64_t when)
{
	if (s->nwarn >= FK_PKI_WARN_MAX)
		return;
	fk_pki_warning *w = &s->warn[s->nwarn++];
	w->what = what;
	fk_copy_str(w->subject, sizeof w->subject, subject ? subject : "");
	w->when = when;
	w->days = when ? days_until(when, s->now) : 0;
}

typedef struct gather {
	fk_ctx *ctx;
	fk_pki_state *st;
	int next_used; /* receiver-next.key is an installed certificate's key */
	EVP_PKEY *next;
} gather;

static fk_pki_ca_info *ca_of(fk_pki_state *st, int64_t id)
{
	for (int i = 0; i < st->nca; i++)
		if (st->ca[i].id == id)
			return &st->ca[i];
	return NULL;
}

static void receiver(gather *g, const fk_pki_item *it)
{
	fk_pki_cert_info *c = it->slot == FK_PKI_SLOT_CURRENT ? &g->st->current : &g->st->previous;
	c->present = 1;
	c->id = it->id;
	fk_copy_str(c->subject, sizeof c->subject, it->subject);
	fk_copy_str(c->serial, sizeof c->serial, it->serial);
	c->not_before = it->not_before;
	c->not_after = it->not_after;
	c->days = days_until(it->not_after, g->st->now);
	const unsigned char *p = it->der;
	X509 *x = d2i_X509(NULL, &p, (long)it->derlen);
	EVP_PKEY *k = x ? fk_pki_key_for(g->ctx->cfg.key_dir, x) : NULL;
	c->key_present = k != NULL;
	if (x && g->next && fk_pki_key_matches(g->next, x))
		g->next_used = 1;
	EVP_PKEY_free(k);
	X509_free(x);
}

static int each(const fk_pki_item *it, void *arg)
{
	gather *g = arg;
	fk_pki_state *st = g->st;
	if (it->kind == FK_PKI_RECEIVER) {
		receiver(g, it);
	} else if (it->kind == FK_PKI_CA && st->nca < FK_PKI_CA_MAX) {
		fk_pki_ca_info *c = &st->ca[st->nca++];
		c->id = it->id;
		fk_copy_str(c->subject, sizeof c->subject, it->subject);
		fk_copy_str(c->serial, sizeof c->serial, it->serial);
		c->not_after = it->not_after;
		c->days = days_until(it->not_after, st->now);
		fk_hex(it->sha256, 32, c->sha256);
	} else if (it->kind == FK_PKI_CRL) {
		/* Rows come by id: a CRL's CA was added before it. */
		fk_pki_ca_info *c = ca_of(st, it->ca_id);
		if (c) {
			c->has_crl = 1;
			fk_copy_str(c->crl_number, sizeof c->crl_number, it->serial);
			c->crl_this_update = it->not_before;
			c->crl_next_update = it->not_after;
			c->crl_days = days_until(it->not_after, st->now);
		}
	}
	return 0;
}

static void warnings(fk_ctx *ctx, fk_pki_state *st, int all)
{
	int64_t cert_win = (int64_t)ctx->cfg.cert_warn_days * 86400;
	int64_t crl_win = (int64_t)ctx->cfg.crl_warn_days * 86400;
	if (all && st->nca == 0)
		warn(st, FK_PKI_WARN_NO_CA, NULL, 0);
	if (all && !st->current.present)
		warn(st, FK_PKI_WARN_NO_CERT, NULL, 0);
	const fk_pki_cert_info *c = &st->current;
	if (c->present && !c->key_present)
		warn(st, FK_PKI_WARN_KEY_MISSING, c->subject, 0);
	if (c->present && c->not_after <= st->now)
		warn(st, FK_PKI_WARN_CERT_EXPIRED, c->subject, c->not_after);
	else if (c->present && fk_sub_sat_i64(c->not_after, st->now) <= cert_win)
		warn(st, FK_PKI_WARN_CERT_SOON, c->subject, c->not_after);
	for (int i = 0; i < st->nca; i++) {
		const fk_pki_ca_info *a = &st->ca[i];
		/* A CA past its end vouches for nobody: every signer under it is refused. */
		if (a->not_after <= st->now)
			warn(st, FK_PKI_WARN_CA_EXPIRED, a->subject, a->not_after);
		else if (fk_sub_sat_i64(a->not_after, st->now) <= cert_win)
			warn(st, FK_PKI_WARN_CA_SOON, a->subject, a->not_after);
		if (!a->has_crl)
			warn(st, FK_PKI_WARN_CRL_MISSING, a->subject, 0);
		else if (a->crl_next_update <= st->now)
			warn(st, FK_PKI_WARN_CRL_STALE, a->subject, a->crl_next_update);
		else if (fk_sub_sat_i64(a->crl_next_update, st->now) <= crl_win)
			warn(st, FK_PKI_WARN_CRL_SOON, a->subject, a->crl_next_update);
	}
}

fk_status fk_pki_state_get(fk_ctx *ctx, int64_t now, int all, fk_pki_state *out, fk_error *err)
{
	memset(out, 0, sizeof *out);
	out->now = now;
	gather g = {.ctx = ctx, .st = out};
	fk_error e;
	/* A pending key is receiver-next.key while it is no installed certificate's (an install
	 * cut short before its renames leaves the new current key under that name). */
	if (fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, &g.next, &e) != FK_OK)
		g.next = NULL;
	fk_status s = fk_pki_items(ctx, -1, 1, each, &g, err);
	out->pending = g.next && !g.next_used;
	EVP_PKEY_free(g.next);
	if (s == FK_OK)
		warnings(ctx, out, all);
	return s;
}
