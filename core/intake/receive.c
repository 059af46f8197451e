/* The receiving service's side in the core (issue 10; R-REALTIME, R-MUTUAL, R-INTRANSIT). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import.h"
#include "ops.h"
#include "importfile.h"
#include "pki.h"
#include "receive.h"
#include "tls.h"
#include "util.h"

fk_status fk_intake_tls(fk_ctx *ctx, SSL_CTX **out, fk_error *err)
{
	fk_pki *p = NULL;
	fk_status st = fk_pki_load(ctx, (int64_t)time(NULL), &p, err);
	if (st == FK_OK)
		st = fk_pki_ready(p, err);
	if (st == FK_OK)
		st = fk_pki_tls_server(p, out, err);
	fk_pki_free(p);
	return st;
}

fk_status fk_intake_receive(fk_ctx *ctx, fk_pki **pki, const uint8_t *body, size_t n, X509 *peer,
			    uint8_t **receipt, size_t *rn, fk_error *err)
{
	char client[7];
	*receipt = NULL;
	*rn = 0;
	/* The TLS layer verified the chain; the certificate must also name a municipality. */
	if (!peer)
		return fk_fail(err, FK_ERR_DENIED, "no verified client certificate");
	fk_status st = fk_cms_cert_municipality(peer, client, err);
	if (st != FK_OK)
		return st;
	ctx->order_memo_keep = 1; /* this connection publishes package after package */
	/* Kept across packages and loaded again when the rows or the keys changed: a CA
	 * removed, a CRL added or a certificate renewed takes effect at the next delivery, and
	 * each package is judged at its arrival (fk_pki_refresh). */
	st = fk_pki_refresh(ctx, (int64_t)time(NULL), pki, err);
	fk_pki *p = *pki;
	if (st == FK_OK)
		st = fk_pki_ready(p, err);
	fk_intake_result res;
	memset(&res, 0, sizeof res);
	if (st == FK_OK) {
		/* Where a refused package came from: the verified client certificate's subject
		 * (refused.h; shown sanitised, as any text from outside). */
		char subject[256] = "-";
		if (!X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject))
			fk_copy_str(subject, sizeof subject, "-");
		fk_intake_keys k = {.open = fk_pki_keys(p), .sign_key = fk_pki_sign_key(p),
				    .sign_cert = fk_pki_sign_cert(p), .op = FK_OP_RECEIVE,
				    .source = subject};
		st = fk_intake_import_mem(ctx, body, n, client, &k, &res, receipt, rn, err);
	}
	if (st == FK_OK && res.refused == FK_INTAKE_BUSY) {
		/* Nothing was done (the refusal is on record): the sender sends it again. */
		free(*receipt);
		*receipt = NULL;
		*rn = 0;
		st = fk_fail(err, FK_ERR_BUSY, "another package is being imported");
	}
	fk_intake_result_clear(&res);
	return st;
}
