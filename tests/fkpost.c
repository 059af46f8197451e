/* fkpost: a test client that plays a municipality delivering packages to fukuhon-receiver
 * (issue 10; R-REALTIME, R-MUTUAL). Test-only, never installed.
 *
 *   fkpost --port P --ca CA.crt [--cert C.crt --key C.key] [--new-connection]
 *          [--receipts DIR] [--tls12] [--path PATH] [--delay MS] FILE...
 *
 * POSTs each FILE to https://127.0.0.1:P/v1/packages (one connection kept alive, or one per
 * package), prints "FILE STATUS BYTES MS" per package, writes each 200's body to
 * DIR/<basename>.receipt, and at the end "requests N ok N rate R/s p50 X ms p99 Y ms max Z ms
 * cpu C ms" (C: this client's own CPU time, user and system, so that a benchmark can tell the
 * sender's share of a shared machine from the receiver's).
 * With --delay, a connection made says "connected" on stderr and waits MS milliseconds before
 * its request (a client holding a connection: the receiver's connection limit, tests/receiver.sh).
 * Exit 0 when every request got a response (whatever its status), 1 otherwise.
 *
 *   fkpost --port P --dribble MS SECONDS
 *
 * plays a slow sender (slowloris): a TCP connection that sends the start of a TLS handshake
 * one byte every MS milliseconds, each byte before any silence timeout, for at most SECONDS;
 * prints "dribble closed after X ms" when the receiver closes it, "dribble held X ms" when it
 * did not. Exit 0 either way (2: no connection). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	fclose(f);
	*n = len;
	return buf;
}

typedef struct conn {
	int fd;
	SSL *ssl;
} conn;

static void conn_close(conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

static int conn_open(conn *c, SSL_CTX *ctx, int port)
{
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	c->ssl = NULL;
	if (c->fd < 0)
		return -1;
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return -1;
	if (!(c->ssl = SSL_new(ctx)) || !SSL_set_fd(c->ssl, c->fd) ||
	    !SSL_set1_host(c->ssl, "localhost") || SSL_connect(c->ssl) != 1) {
		ERR_print_errors_fp(stderr);
		return -1;
	}
	return 0;
}

/* --dribble: never completes its handshake, never falls silent for long. */
static int dribble(int port, int ms, int seconds)
{
	/* A TLS record header and the start of a ClientHello: bytes a receiver must wait for. */
	static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
	conn c = {-1, NULL};
	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return 2;
	fputs("connected\n", stderr);
	double t0 = now_ms();
	for (size_t i = 0; now_ms() - t0 < seconds * 1e3; i++) {
		unsigned char b = i < sizeof hello ? hello[i] : 0, got;
		if (send(c.fd, &b, 1, MSG_NOSIGNAL) != 1)
			break;
		struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
		nanosleep(&d, NULL);
		/* closed by the receiver: end of stream (or a reset) where a ServerHello never came */
		ssize_t r = recv(c.fd, &got, 1, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			break;
	}
	double t = now_ms() - t0;
	printf("dribble %s %.0f ms\n", t < seconds * 1e3 ? "closed after" : "held", t);
	conn_close(&c);
	return 0;
}

static int write_all(SSL *ssl, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	while (n) {
		int w = SSL_write(ssl, p, n > 1 << 20 ? 1 << 20 : (int)n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One response: status code, its body (malloc'd). -1 on a broken connection. */
static int read_response(SSL *ssl, int *status, unsigned char **body, size_t *blen, int *close_after)
{
	char head[16384];
	size_t hl = 0;
	*body = NULL;
	*blen = 0;
	while (hl < sizeof head - 1) {
		int r = SSL_read(ssl, head + hl, 1);
		if (r <= 0)
			return -1;
		hl++;
		if (hl >= 4 && !memcmp(head + hl - 4, "\r\n\r\n", 4))
			break;
	}
	head[hl] = '\0';
	if (sscanf(head, "HTTP/1.%*d %d", status) != 1)
		return -1;
	long clen = 0;
	*close_after = 0;
	for (char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
		if (!strncasecmp(l + 2, "Content-Length:", 15))
			clen = strtol(l + 17, NULL, 10);
		if (!strncasecmp(l + 2, "Connection: close", 17))
			*close_after = 1;
	}
	if (clen < 0 || clen > (64L << 20))
		return -1;
	unsigned char *b = malloc((size_t)clen + 1);
	if (!b)
		return -1;
	size_t got = 0;
	while (got < (size_t)clen) {
		int r = SSL_read(ssl, b + got, (int)((size_t)clen - got));
		if (r <= 0) {
			free(b);
			return -1;
		}
		got += (size_t)r;
	}
	*body = b;
	*blen = got;
	return 0;
}

int main(int argc, char **argv)
{
	const char *ca = NULL, *cert = NULL, *key = NULL, *receipts = NULL, *upath = "/v1/packages";
	int port = 0, fresh = 0, tls12 = 0, delay = 0, first = argc;
	if (argc == 6 && !strcmp(argv[1], "--port") && !strcmp(argv[3], "--dribble"))
		return dribble(atoi(argv[2]), atoi(argv[4]), atoi(argv[5]));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ca") && i + 1 < argc)
			ca = argv[++i];
		else if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			cert = argv[++i];
		else if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key = argv[++i];
		else if (!strcmp(argv[i], "--receipts") && i + 1 < argc)
			receipts = argv[++i];
		else if (!strcmp(argv[i], "--path") && i + 1 < argc)
			upath = argv[++i];
		else if (!strcmp(argv[i], "--new-connection"))
			fresh = 1;
		else if (!strcmp(argv[i], "--tls12"))
			tls12 = 1;
		else if (!strcmp(argv[i], "--delay") && i + 1 < argc)
			delay = atoi(argv[++i]);
		else {
			first = i;
			break;
		}
	}
	if (!port || !ca || first >= argc) {
		fputs("usage: fkpost --port P --ca CA [--cert C --key K] [--new-connection] [--receipts DIR] [--tls12] FILE...\n", stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		return 2;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (tls12) /* to show the service refuses anything older than TLS 1.3 */
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (cert && (SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
		     SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1)) {
		ERR_print_errors_fp(stderr);
		return 2;
	}
	int n = argc - first, ok = 0, rc = 0;
	double *lat = calloc((size_t)n, sizeof *lat);
	if (!lat)
		return 2;
	conn c = {.fd = -1};
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		const char *path = argv[first + i];
		size_t len;
		unsigned char *pkg = slurp(path, &len);
		if (!pkg) {
			fprintf(stderr, "fkpost: cannot read %s\n", path);
			rc = 1;
			continue;
		}
		double s = now_ms();
		if (c.fd < 0 && conn_open(&c, ctx, port) != 0) {
			printf("%s connect-failed\n", path);
			conn_close(&c);
			free(pkg);
			rc = 1;
			continue;
		}
		if (delay > 0) {
			fputs("connected\n", stderr);
			struct timespec d = {delay / 1000, (long)(delay % 1000) * 1000000L};
			nanosleep(&d, NULL);
		}
		char head[256];
		int hn = snprintf(head, sizeof head,
				  "POST %s HTTP/1.1\r\nHost: localhost\r\n"
				  "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n", upath, len);
		int status = 0, close_after = 0;
		unsigned char *body = NULL;
		size_t blen = 0;
		/* A refusal (413) may come, and the connection close, before the body is all
		 * written: read the answer whatever the write did. */
		int wrote = write_all(c.ssl, head, (size_t)hn) == 0 && write_all(c.ssl, pkg, len) == 0;
		if (read_response(c.ssl, &status, &body, &blen, &close_after) != 0) {
			printf("%s broken\n", path);
			conn_close(&c);
			free(pkg);
			rc = 1;
			continue;
		}
		if (!wrote)
			close_after = 1;
		lat[ok++] = now_ms() - s;
		printf("%s %d %zu %.2f\n", path, status, blen, lat[ok - 1]);
		if (receipts && status == 200) {
			const char *base = strrchr(path, '/');
			char out[4096];
			snprintf(out, sizeof out, "%s/%s.receipt", receipts, base ? base + 1 : path);
			FILE *f = fopen(out, "wb");
			if (!f || fwrite(body, 1, blen, f) != blen || fclose(f) != 0)
				rc = 1;
		}
		free(body);
		free(pkg);
		if (fresh || close_after)
			conn_close(&c);
	}
	double total = now_ms() - t0;
	conn_close(&c);
	if (ok) {
		struct rusage ru;
		double cpu = 0;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
		qsort(lat, (size_t)ok, sizeof *lat, cmp_d);
		printf("requests %d ok %d rate %.1f/s p50 %.2f ms p99 %.2f ms max %.2f ms cpu %.1f ms\n", n,
		       ok, ok / (total / 1e3), lat[ok / 2], lat[(int)((ok - 1) * 0.99)], lat[ok - 1], cpu);
	}
	free(lat);
	SSL_CTX_free(ctx);
	return rc || ok < n;
}
