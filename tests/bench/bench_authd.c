/* Benchmark: what fukuhon-authd adds to a sign-in (issue 15; target: p99 <= +5 ms). N whole
 * sign-ins (reservation, PAM authenticate, account, credentials, session, the recording) in
 * this process's libpam and through the helper at SOCKET, alternated; each signed out after.
 * Usage (under pam_wrapper, the helper too): bench_authd CONFIG USER PASSWORD SOCKET [N]. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char *password;

static int ask(void *arg, const char *prompt, int echo, char *buf, size_t len)
{
	(void)arg, (void)prompt, (void)echo;
	snprintf(buf, len, "%s", password);
	return 0;
}

static void tell(void *arg, const char *msg, int error)
{
	(void)arg, (void)msg, (void)error;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* One sign-in through helper ("": in this process), then its sign-out; the sign-in's ns, or -1. */
static int64_t one(fk_ctx *ctx, const char *user, const char *helper)
{
	fk_conv conv = {ask, tell, NULL};
	fk_session *s;
	fk_error err;
	char *was = ctx->cfg.auth_helper, *now = strdup(helper);
	if (!now)
		return -1;
	ctx->cfg.auth_helper = now;
	int64_t t0 = fk_mono_ns();
	fk_status st = fk_auth_signin(ctx, user, &conv, &s, &err);
	int64_t t = fk_mono_ns() - t0; /* the sign-in, as the operator waits for it */
	if (st == FK_OK)
		fk_auth_signout(ctx, s, "quit");
	ctx->cfg.auth_helper = was;
	free(now);
	if (st != FK_OK)
		fprintf(stderr, "bench_authd: sign-in: %s\n", err.msg);
	return st == FK_OK ? t : -1;
}

static void pct(int64_t *t, int n, double *p50, double *p99)
{
	qsort(t, (size_t)n, sizeof *t, cmp);
	*p50 = (double)t[n / 2] / 1e6;
	*p99 = (double)t[(n * 99 + 99) / 100 - 1] / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: bench_authd CONFIG USER PASSWORD SOCKET [N]\n");
		return 2;
	}
	int n = argc > 5 ? atoi(argv[5]) : 100;
	if (n < 1 || n > 100000)
		n = 100;
	password = argv[3];
	fk_ctx *ctx;
	fk_error err;
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK) {
		fprintf(stderr, "bench_authd: %s\n", err.msg);
		return 1;
	}
	double d50, d99, h50, h99;
	int64_t *d = calloc((size_t)n, sizeof *d), *h = calloc((size_t)n, sizeof *h);
	int rc = d && h ? 0 : -1;
	/* Alternated, so that the machine's other load falls on both alike. */
	for (int i = 0; rc == 0 && i < n; i++)
		if ((d[i] = one(ctx, argv[2], "")) < 0 || (h[i] = one(ctx, argv[2], argv[4])) < 0)
			rc = -1;
	fk_ctx_close(ctx);
	if (rc == 0)
		pct(d, n, &d50, &d99), pct(h, n, &h50, &h99);
	free(d);
	free(h);
	if (rc != 0)
		return 1;
	printf("sign-ins, %d each (each signed out after, untimed): in-process PAM p50 %.2f ms p99 %.2f ms; "
	       "through fukuhon-authd p50 %.2f ms p99 %.2f ms; added at p99 %+.2f ms (target <= +5 ms)\n",
	       n, d50, d99, h50, h99, h99 - d99);
	return h99 - d99 <= 5.0 ? 0 : 3;
}
