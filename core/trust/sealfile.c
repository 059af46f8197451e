/* Key-folder files bound to the trust key (sealfile.h). */
#include "config.h"

#include <string.h>

#include "keyfile.h"
#include "sealfile.h"
#include "trust.h"

fk_status fk_sealfile_read(fk_ctx *ctx, const char *name, const char *label, const uint8_t magic[8],
			   uint8_t *buf, size_t body, int *found, fk_error *err)
{
	uint8_t mac[FK_MAC_LEN];
	*found = 0;
	fk_status s = fk_keyfile_read(ctx->cfg.key_dir, name, buf, body + FK_MAC_LEN, err);
	if (s == FK_ERR_NOKEY) {
		fk_error_clear(err);
		return FK_OK;
	}
	if (s == FK_OK)
		s = fk_trust_secret_hash(ctx, label, buf, body, mac, err);
	if (s != FK_OK)
		return s;
	if (memcmp(buf, magic, 8) != 0 || fk_memeq_ct(mac, buf + body, FK_MAC_LEN) != 0)
		return fk_fail(err, FK_ERR_TAMPER, "%s/%s does not match its MAC: it was changed "
			       "outside fukuhon", ctx->cfg.key_dir, name);
	*found = 1;
	return FK_OK;
}

fk_status fk_sealfile_write(fk_ctx *ctx, const char *name, const char *label, const uint8_t magic[8],
			    uint8_t *buf, size_t body, fk_error *err)
{
	memcpy(buf, magic, 8);
	fk_status s = fk_trust_secret_hash(ctx, label, buf, body, buf + body, err);
	return s == FK_OK ? fk_keyfile_write(ctx->cfg.key_dir, name, buf, body + FK_MAC_LEN, 0, err) : s;
}
