/* fukuhonctl demo-data: synthetic registers for a bureau's municipalities. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"

static void progress(int64_t done, int64_t total, void *arg)
{
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r%lld / %lld registers", (long long)done, (long long)total);
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

int cmd_demo_data(ctl *c, int argc, char **argv)
{
	const char *regs = NULL, *seed = "1", *bureau = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"registers", 1, &regs}, {"seed", 1, &seed}, {"bureau", 1, &bureau}};
	if (ctl_parse(argc, argv, opts, 3, pos, 0, &npos) != 0)
		return CTL_USAGE;
	unsigned long long n, sd;
	if (!regs || parse_u64(regs, &n) != 0 || n == 0)
		return ctl_usage("usage: demo-data --registers N [--seed S] [--bureau NAME]");
	if (parse_u64(seed, &sd) != 0)
		return ctl_usage("--seed must be a non-negative integer");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	fk_demo_opts o = {(int64_t)n, sd, bureau, progress, NULL};
	fk_demo_stats st;
	fk_status s = fk_demo_generate(ctx, &o, &st, &err);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	if (s != FK_OK)
		rc = ctl_fail(&err);
	else
		printf("generated %lld registers (%lld 除籍) in %d municipalities: %lld persons, "
		       "%lld events (身分事項 and 戸籍事項), %lld ledger entries, %lld documents\n",
		       (long long)st.registers, (long long)st.joseki, st.municipalities,
		       (long long)st.persons, (long long)st.events, (long long)st.ledger,
		       (long long)st.docs);
	return rc;
}
