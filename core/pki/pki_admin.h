/* The receiving side's trust material managed through the gate (R-MUTUAL, R-ACCESS, R-LOG):
 * each call is one row of core/audit/ops.h (pki.*), decided on the acting person's role and
 * recorded, refusals too. Administrators add and remove CAs and CRLs and renew the receiving
 * certificate; supervisors and auditors may also read the state (ops.h says why). */
#ifndef FK_PKI_ADMIN_H
#define FK_PKI_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "pki_item.h"
#include "status.h"

/* ---- warnings (status, health and cert status): enums, words at the edge (their
 * sentences in pki_state.c) ---- */

#define FK_PKI_WARN_LIST(X) \
	X(NO_CA) \
	X(NO_CERT) \
	X(KEY_MISSING) \
	X(CERT_EXPIRED) \
	X(CERT_SOON) \
	X(CRL_MISSING) \
	X(CRL_STALE) \
	X(CRL_SOON) \
	X(CA_EXPIRED) \
	X(CA_SOON)

typedef enum fk_pki_warn {
#define FK_PKI_WARN_ENUM(id) FK_PKI_WARN_##id,
	FK_PKI_WARN_LIST(FK_PKI_WARN_ENUM)
#undef FK_PKI_WARN_ENUM
	FK_PKI_WARN_COUNT
} fk_pki_warn;

/* The English sentence (N_-marked: the edges translate it) and a stable id ("crl-stale"). */
const char *fk_pki_warn_text(fk_pki_warn w);
const char *fk_pki_warn_id(fk_pki_warn w);

typedef struct fk_pki_warning {
	fk_pki_warn what;
	char subject[256]; /* the CA or the certificate ("" when none) */
	int64_t when;      /* seconds: the date it is about (0 when none) */
	int64_t days;      /* whole days from now to when (negative: passed) */
} fk_pki_warning;

#define FK_PKI_WARN_MAX 16

/* ---- the state ---- */

typedef struct fk_pki_cert_info {
	int present;
	int64_t id;
	char subject[256], serial[96];
	int64_t not_before, not_after, days; /* days: whole days left at now (negative: expired) */
	int key_present;                     /* its key is in the key folder */
} fk_pki_cert_info;

typedef struct fk_pki_ca_info {
	int64_t id;
	char subject[256], serial[96];
	int64_t not_after, days;
	char sha256[65];
	int has_crl;
	char crl_number[32];
	int64_t crl_this_update, crl_next_update, crl_days;
} fk_pki_ca_info;

typedef struct fk_pki_state {
	int64_t now; /* seconds */
	fk_pki_cert_info current, previous;
	int pending; /* a request's key (receiver-next.key) waits for its certificate */
	int nca;
	fk_pki_ca_info ca[FK_PKI_CA_MAX];
	int nwarn;
	fk_pki_warning warn[FK_PKI_WARN_MAX];
} fk_pki_state;

/* Gather the state at now (seconds) without recording (the caller's operation records:
 * status.view, pki.cert_status). With all, NO_CA and NO_CERT are warnings too (cert status);
 * without, a terminal that receives nothing (no CA, no certificate) has no warnings (status
 * and health). The warning windows are the configuration's crl_warn_days and cert_warn_days. */
fk_status fk_pki_state_get(fk_ctx *ctx, int64_t now, int all, fk_pki_state *out, fk_error *err);

/* ---- the operations ---- */

/* pki.ca_add: a CA certificate (PEM or DER bytes) trusted from now on; refused unless it is a
 * CA (basicConstraints CA:TRUE, may sign certificates and CRLs) valid at the time, and when
 * it is trusted already. Its row id in *id (may be NULL). */
fk_status fk_pki_ca_add(fk_ctx *ctx, const uint8_t *buf, size_t n, int64_t *id, fk_error *err);
/* pki.ca_remove: by row id (all digits) or exact subject; its CRL goes with it. */
fk_status fk_pki_ca_remove(fk_ctx *ctx, const char *which, fk_error *err);
/* pki.ca_list: each CA with its CRL. */
typedef int (*fk_pki_ca_cb)(const fk_pki_ca_info *ca, void *arg);
fk_status fk_pki_ca_list(fk_ctx *ctx, fk_pki_ca_cb cb, void *arg, fk_error *err);
/* pki.crl_add: a CRL that verifies against a trusted CA's key and is newer than the one it
 * replaces (a lower CRL number, or an earlier thisUpdate, is a rollback: refused); the same
 * CRL again is FK_ERR_EXISTS. *ca_id (may be NULL) gets its CA. */
fk_status fk_pki_crl_add(fk_ctx *ctx, const uint8_t *buf, size_t n, int64_t *ca_id, fk_error *err);

/* pki.cert_request: a new receiving key (receiver-next.key) and a CSR (PEM, malloc'd in
 * *csr) for subject ("/O=…/CN=…"; NULL: "/O=fukuhon/CN=fukuhon receiver <terminal id>"),
 * while the current key keeps working. A request pending already keeps its key: its CSR is
 * made again (a lost CSR is no reason to throw away a key a CA may be signing). */
fk_status fk_pki_cert_request(fk_ctx *ctx, const char *subject, char **csr, size_t *csrlen,
			      fk_error *err);
/* The same with the kind of key chosen: ec 0 RSA 3072 (RSA-OAEP key transport, what every
 * sender supports), 1 EC P-256 (ECDH key agreement and ECDSA receipts: a private-key
 * operation about a thirtieth of RSA 3072's, docs/package-format.md §3). A request pending
 * with a key of the other kind is refused (FK_ERR_EXISTS), never replaced. */
fk_status fk_pki_cert_request_key(fk_ctx *ctx, const char *subject, int ec, char **csr, size_t *csrlen,
				  fk_error *err);
/* pki.cert_install: the certificate of the pending key becomes current; the current one is
 * kept as previous (packages encrypted to it still open), the one before is retired (its row
 * and key removed). A certificate that matches no pending key, expired or not for key
 * encipherment is refused. */
fk_status fk_pki_cert_install(fk_ctx *ctx, const uint8_t *buf, size_t n, fk_error *err);
/* pki.cert_install with a key pair made elsewhere (a key and certificate the bureau already
 * has, or the test PKI's receiver.key): key is its private key (PEM, unencrypted; the caller
 * wipes it), which must be the certificate's. It becomes the pending key (refused while a
 * request is pending for another key), then is installed as above. */
fk_status fk_pki_cert_install_key(fk_ctx *ctx, const uint8_t *buf, size_t n, const uint8_t *key,
				  size_t keylen, fk_error *err);
/* pki.cert_status: the state at the clock's now, with every warning (all). */
fk_status fk_pki_cert_status(fk_ctx *ctx, fk_pki_state *out, fk_error *err);

#endif
