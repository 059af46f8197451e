/* The lockdown's state: one sealed meta row, so that a database edit can neither lift it nor hide it (R-INTRUSION). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockdown.h"
#include "meta.h"
#include "trust.h"
#include "util.h"

#define LOCKDOWN_KEY "lockdown"

/* "on|off <tab> seconds <tab> who <tab> reason": the reason last, so that it may hold anything
 * but a tab or a newline (refused before it is written). */
static fk_status parse(const char *v, fk_lockdown *out, fk_error *err)
{
	const char *t1 = strchr(v, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	const char *t3 = t2 ? strchr(t2 + 1, '\t') : NULL;
	char *end;
	if (!t3 || (strncmp(v, "on\t", 3) && strncmp(v, "off\t", 4)))
		return fk_fail(err, FK_ERR_CORRUPT, "the lockdown state is not readable");
	out->on = v[1] == 'n';
	out->since = strtoll(t1 + 1, &end, 10);
	if (end != t2 || (size_t)(t3 - t2 - 1) >= sizeof out->by)
		return fk_fail(err, FK_ERR_CORRUPT, "the lockdown state is not readable");
	memcpy(out->by, t2 + 1, (size_t)(t3 - t2 - 1));
	out->by[t3 - t2 - 1] = '\0';
	fk_copy_str(out->reason, sizeof out->reason, t3 + 1);
	return FK_OK;
}

fk_status fk_lockdown_peek(fk_ctx *ctx, fk_lockdown *out, fk_error *err)
{
	char v[FK_LOCKDOWN_REASON_MAX + 128];
	memset(out, 0, sizeof *out);
	fk_status s = fk_meta_get(ctx, LOCKDOWN_KEY, v, sizeof v, err);
	if (s == FK_ERR_NOTFOUND) /* never turned on: the row is written by the first "on" */
		return FK_OK;
	return s == FK_OK ? parse(v, out, err) : s;
}

fk_status fk_lockdown_get(fk_ctx *ctx, fk_lockdown *out, fk_error *err)
{
	memset(out, 0, sizeof *out);
	/* A row removed (or an older one put back) shows only in the table's digest: checked
	 * whenever another process wrote, before the row is believed. */
	fk_status s = fk_trust_current(ctx, err);
	return s == FK_OK ? fk_lockdown_peek(ctx, out, err) : s;
}

int fk_lockdown_in_force(fk_ctx *ctx)
{
	fk_lockdown ld;
	fk_error err;
	return fk_lockdown_get(ctx, &ld, &err) != FK_OK || ld.on;
}

fk_status fk_lockdown_put(fk_ctx *ctx, const fk_lockdown *ld, fk_error *err)
{
	char v[FK_LOCKDOWN_REASON_MAX + 128];
	int n = snprintf(v, sizeof v, "%s\t%" PRId64 "\t%s\t%s", ld->on ? "on" : "off", ld->since,
			 ld->by, ld->reason);
	if (n < 0 || (size_t)n >= sizeof v || strchr(ld->by, '\t'))
		return fk_fail(err, FK_ERR_INVALID, "the lockdown state does not fit");
	return fk_meta_set(ctx, LOCKDOWN_KEY, v, err);
}
