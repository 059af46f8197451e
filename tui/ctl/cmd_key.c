/* fukuhonctl key rotate (R-KEYS). */
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
	return ctl_close(ctx, rc);
}
