/* Whether a package stages (visible.h): its watermark rows in meta. */
#include "config.h"

#include "meta.h"
#include "visible.h"

fk_status fk_store_staging(fk_ctx *ctx, int *on, fk_error *err)
{
	char buf[32];
	fk_error e;
	fk_status s = fk_meta_get(ctx, FK_VISIBLE_KEY_REGISTER, buf, sizeof buf, &e);
	*on = s == FK_OK;
	if (s == FK_OK || s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (err)
		*err = e;
	return s;
}

fk_status fk_store_not_staging(fk_ctx *ctx, fk_error *err)
{
	int on;
	fk_status s = fk_store_staging(ctx, &on, err);
	if (s == FK_OK && on)
		return fk_fail(err, FK_ERR_BUSY,
			       "a package is being imported: try again when it is published or abandoned");
	return s;
}
