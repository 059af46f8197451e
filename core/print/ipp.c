/* Sending a printed copy to a printer over IPP (ipp.h): Get-Printer-Attributes before anything
 * is made, one Print-Job per copy; ipps:// verified with OpenSSL before a byte is sent. */
#include "config.h"

#include <arpa/inet.h>
#include <cups/cups.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ipp.h"

#define CONNECT_MS 10000   /* a printer that does not answer in 10 s is not there */
#define IO_SECONDS 60.0    /* a PDF of a register is at most a few MB */
#define BUSY_TRIES 240     /* 2 minutes of a busy printer, then the copy stays in the spool */

typedef struct conn {
	http_t *http;
	char host[256], resource[1024];
	int tls;
} conn;

static fk_status refused(fk_error *err, const char *why)
{
	char arg[96];
	snprintf(arg, sizeof arg, "%s", why && *why ? why : "?");
	return fk_fail_id(err, FK_ERR_IO, FK_MSG_PRINTER_REFUSED, arg, 0);
}

static fk_status last_error(fk_error *err)
{
	return refused(err, cupsLastErrorString());
}

/* The peer's certificate (the first of what libcups hands over) verified against the CAs,
 * for the host the URI names: what a browser would check, and libcups by default does not. */
static fk_status verify_peer(conn *c, const char *ca_file, fk_error *err)
{
	cups_array_t *creds = NULL;
	if (httpCopyCredentials(c->http, &creds) != 0 || !creds)
		return refused(err, "the printer presented no certificate");
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vc = X509_STORE_CTX_new();
	fk_status s = FK_OK;
	for (http_credential_t *h = cupsArrayFirst(creds); h && chain; h = cupsArrayNext(creds)) {
		const unsigned char *p = h->data;
		X509 *x = d2i_X509(NULL, &p, (long)h->datalen);
		if (!x)
			continue;
		if (!leaf)
			leaf = x;
		else if (!sk_X509_push(chain, x))
			X509_free(x);
	}
	httpFreeCredentials(creds);
	int loaded = store && (ca_file && *ca_file ? X509_STORE_load_file(store, ca_file)
						  : X509_STORE_set_default_paths(store));
	if (!leaf)
		s = refused(err, "the printer's certificate cannot be read");
	else if (!chain || !vc || !loaded || X509_STORE_CTX_init(vc, store, leaf, chain) != 1)
		s = refused(err, "the printer's certificate cannot be checked (print_queue_ca)");
	else {
		X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(vc);
		unsigned char addr[16];
		int is_ip = inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1;
		int named = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, c->host)
				  : X509_VERIFY_PARAM_set1_host(vp, c->host, 0);
		if (named != 1 || X509_verify_cert(vc) != 1) {
			char why[96];
			snprintf(why, sizeof why, "the printer's certificate is not trusted: %s",
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc)));
			s = refused(err, why);
		}
	}
	X509_STORE_CTX_free(vc);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	return s;
}

/* libcups's default asks for a password on the terminal: never, here (a console is on it). */
static const char *no_password(const char *prompt, http_t *http, const char *method,
			       const char *resource, void *data)
{
	(void)prompt, (void)http, (void)method, (void)resource, (void)data;
	return NULL;
}

static fk_status connect_to(const fk_ipp_queue *q, conn *c, fk_error *err)
{
	char scheme[16], userpass[256];
	int port = 0;
	memset(c, 0, sizeof *c);
	if (!q->uri || httpSeparateURI(HTTP_URI_CODING_ALL, q->uri, scheme, sizeof scheme, userpass,
				       sizeof userpass, c->host, sizeof c->host, &port, c->resource,
				       sizeof c->resource) < HTTP_URI_STATUS_OK)
		return fk_fail(err, FK_ERR_CONFIG, "print_queue is not a URI");
	c->tls = strcmp(scheme, "ipps") == 0;
	if (!c->tls && strcmp(scheme, "ipp") != 0)
		return fk_fail(err, FK_ERR_CONFIG, "print_queue must be ipp:// or ipps://");
	/* a password in the configuration's URI would be one more secret in a readable file */
	if (userpass[0])
		return fk_fail(err, FK_ERR_CONFIG, "print_queue must not hold a user or password");
	cupsSetPasswordCB2(no_password, NULL);
	c->http = httpConnect2(c->host, port, NULL, AF_UNSPEC,
			       c->tls ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_NEVER, 1, CONNECT_MS, NULL);
	if (!c->http)
		return last_error(err);
	httpSetTimeout(c->http, IO_SECONDS, NULL, NULL);
	fk_status s = c->tls ? verify_peer(c, q->ca_file, err) : FK_OK;
	if (s != FK_OK) {
		httpClose(c->http);
		c->http = NULL;
	}
	return s;
}

static ipp_t *new_request(ipp_op_t op, const char *uri, const char *user)
{
	ipp_t *r = ippNewRequest(op);
	if (!r)
		return NULL;
	ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
	ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
		     user && *user ? user : "fukuhon");
	return r;
}

static int takes_pdf(ipp_t *resp)
{
	ipp_attribute_t *a = ippFindAttribute(resp, "document-format-supported", IPP_TAG_MIMETYPE);
	return !a || ippContainsString(a, "application/pdf"); /* not said: let Print-Job decide */
}

fk_status fk_ipp_check(const fk_ipp_queue *q, fk_error *err)
{
	static const char *const want[] = {"printer-state", "printer-is-accepting-jobs",
					   "document-format-supported", "printer-state-message"};
	conn c;
	fk_status s = connect_to(q, &c, err);
	if (s != FK_OK)
		return s;
	ipp_t *req = new_request(IPP_OP_GET_PRINTER_ATTRIBUTES, q->uri, NULL);
	if (req)
		ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
			      (int)(sizeof want / sizeof *want), NULL, want);
	ipp_t *resp = req ? cupsDoRequest(c.http, req, c.resource) : NULL; /* frees req */
	if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING)
		s = last_error(err);
	else if (ippGetInteger(ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM), 0) == IPP_PSTATE_STOPPED)
		s = refused(err, "the printer is stopped");
	else if (!ippGetBoolean(ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN), 0))
		s = refused(err, "the printer is not accepting jobs");
	else if (!takes_pdf(resp))
		s = refused(err, "the printer does not take PDF");
	ippDelete(resp);
	httpClose(c.http);
	return s;
}

/* One Print-Job of the file; the response (NULL when none came). */
static ipp_t *print_job(conn *c, const fk_ipp_queue *q, const char *user, const char *title,
			const char *path)
{
	ipp_t *req = new_request(IPP_OP_PRINT_JOB, q->uri, user);
	if (!req)
		return NULL;
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, title);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL, "application/pdf");
	return cupsDoFileRequest(c->http, req, c->resource, path); /* frees req */
}

fk_status fk_ipp_send(const fk_ipp_queue *q, const char *user, const char *title, const char *path,
		      int *job_id, fk_error *err)
{
	conn c;
	*job_id = 0;
	fk_status s = connect_to(q, &c, err);
	if (s != FK_OK)
		return s;
	/* A printer without a queue of its own answers server-error-busy while it prints the
	 * previous copy: asked again every half second, for at most BUSY_TRIES times. */
	ipp_t *resp = print_job(&c, q, user, title, path);
	for (int tries = 0; resp && cupsLastError() == IPP_STATUS_ERROR_BUSY && tries < BUSY_TRIES; tries++) {
		ippDelete(resp);
		const struct timespec half = {0, 500000000L};
		nanosleep(&half, NULL);
		resp = print_job(&c, q, user, title, path);
	}
	int id = resp ? ippGetInteger(ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER), 0) : 0;
	if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING)
		s = last_error(err);
	else if (id < 1)
		s = refused(err, "the printer gave no job id");
	else
		*job_id = id;
	ippDelete(resp);
	httpClose(c.http);
	return s;
}
