/* fukuhonctl key rotate (R-KEYS) and reindex: maintenance of keys and indexes. */
#include "config.h"

#include <libintl.h>
#include <stdlib.h>

#include "ctl.h"

#define _(s) gettext(s)

/* --batch N within 1..max: 0, or -1 when it is not. */
static int parse_batch(const char *text, long max, int *out)
{
	char *end;
	long b = strtol(text, &end, 10);
	if (*end || end == text || b < 1 || b > max)
		return -1;
	*out = (int)b;
	return 0;
}

int cmd_key_rotate(ctl *c, int argc, char **argv)
{
	const char *batch = "1000", *keep = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"batch", 1, &batch}, {"keep-old", 0, &keep}};
	if (ctl_parse(argc, argv, opts, 2, pos, 0, &npos) != 0)
		return CTL_USAGE;
	int b;
	if (parse_batch(batch, 100000, &b) != 0)
		return ctl_usage("--batch must be 1..100000");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t n;
	uint32_t id;
	if (fk_key_rotate_keep(ctx, b, keep != NULL, &n, &id, &err) != FK_OK)
		rc = ctl_fail(&err);
	else if (keep)
		printf(_("master key %u is current; %lld data keys re-wrapped; old master keys kept until "
			 "key destroy-old\n"), id, (long long)n);
	else
		printf(_("master key %u is current; %lld data keys re-wrapped; old master keys removed\n"),
		       id, (long long)n);
	return rc;
}

/* fukuhonctl key destroy-old: the old master keys kept by key rotate --keep-old, destroyed on
 * the schedule of docs/disposal.md. */
int cmd_key_destroy_old(ctl *c, int argc, char **argv)
{
	const char *reason = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"reason", 1, &reason}};
	if (ctl_parse(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (!reason)
		return ctl_usage("usage: key destroy-old --reason TEXT");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	unsigned n;
	if (fk_key_destroy_old(ctx, reason, &n, &err) != FK_OK)
		return ctl_fail(&err);
	printf(_("%u old master key(s) destroyed: backups wrapped under them can no longer be read\n"), n);
	return CTL_OK;
}

/* fukuhonctl reindex --tags: every register's search tags recomputed (core/store/retag.h). */
static int reindex_tags(ctl *c, const char *batch)
{
	int b;
	if (parse_batch(batch, 4096, &b) != 0)
		return ctl_usage("--batch must be 1..4096");
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	int64_t regs, added;
	if (fk_reindex_tags(ctx, b, &regs, &added, &err) != FK_OK)
		rc = ctl_fail(&err);
	else
		printf(_("search tags recomputed for %lld registers: %lld added\n"), (long long)regs,
		       (long long)added);
	return rc;
}

/* fukuhonctl reindex: the register lists' sealed sort orders (core/store/order.h), or with
 * --tags the search index's tags. */
int cmd_reindex(ctl *c, int argc, char **argv)
{
	const char *muni = NULL, *all = NULL, *tags = NULL, *batch = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"municipality", 1, &muni}, {"all", 0, &all}, {"tags", 0, &tags},
				 {"batch", 1, &batch}};
	if (ctl_parse(argc, argv, opts, 4, pos, 0, &npos) != 0)
		return CTL_USAGE;
	if (muni && all)
		return ctl_usage("give --municipality or --all, not both");
	if (tags && (muni || all))
		return ctl_usage("--tags covers every register: no --municipality or --all with it");
	if (batch && !tags)
		return ctl_usage("--batch goes with --tags");
	if (tags)
		return reindex_tags(c, batch ? batch : "200");
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
