/* fukuhonctl key rotate (R-KEYS) and reindex: maintenance of keys and indexes. */
#include "config.h"

#include <stdlib.h>

#include "ctl.h"

int cmd_key_rotate(ctl *c, int argc, char **argv)
{
	const char *batch = "1000", *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"batch", 1, &batch}};
	if (ctl_parse(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CTL_USAGE;
	char *end;
	long b = strtol(batch, &end, 10);
	if (*end || end == batch || b < 1 || b > 100000)
		return ctl_usage("--batch must be 1..100000");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t n;
	uint32_t id;
	if (fk_key_rotate(ctx, (int)b, &n, &id, &err) != FK_OK)
		rc = ctl_fail(&err);
	else
		printf("master key %u is current; %lld data keys re-wrapped; old master keys removed\n",
		       id, (long long)n);
	return rc;
}

/* fukuhonctl reindex: the register lists' sealed sort orders (core/store/order.h). */
int cmd_reindex(ctl *c, int argc, char **argv)
{
	const char *muni = NULL, *all = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"municipality", 1, &muni}, {"all", 0, &all}};
	if (ctl_parse(argc, argv, opts, 2, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (muni && all)
		return ctl_usage("give --municipality or --all, not both");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t lists, regs;
	if (fk_reindex(ctx, muni, all != NULL, &lists, &regs, &err) != FK_OK)
		rc = ctl_fail(&err);
	else
		printf("%lld lists rebuilt (%lld registers)%s\n", (long long)lists, (long long)regs,
		       lists || muni || all ? "" : ": every list was in step");
	return rc;
}
