/* The receiving service's side in the core (issue 10; R-REALTIME, R-MUTUAL, R-INTRANSIT). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "importfile.h"
#include "pki.h"
#include "receive.h"
#include "tls.h"

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
