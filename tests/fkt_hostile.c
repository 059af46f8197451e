/* Test tool: add a register whose fields carry escape sequences, C1 controls, bidi overrides,
 * surrogate-free odd characters (𠮷, IVS, 外字) and references to characters outside Unicode
 * (〓[MJ:…], 〓[KT:…]: drawn as marked placeholders) — data that must be drawn safely. */
#include "config.h"

#include <stdio.h>

#include "fk.h"

int main(int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	if (argc != 2 || fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK) {
		fprintf(stderr, "usage: fkt_hostile CONFIG\n");
		return 2;
	}
	json_error_t je;
	json_t *doc = json_pack_ex(&je, 0,
		"{s:s, s:{s:s, s:s}, s:[{s:s, s:s}], s:[{s:s, s:s, s:s, s:s, s:s, s:b, s:[{s:s, s:s, s:{s:s}}]}]}",
		"honseki", "東京都千代田区\x1b[2J\x1b]0;PWNED\x07一番地",
		"hittosha", "name", "\xe2\x80\xae" "悪意\xc2\x9b" "〓[MJ:012345]", "reading", "あくい たろう",
		"jiko", "type", "編製", "date", "2001-04-01",
		"persons", "name", "葛\xf3\xa0\x84\x80\xee\x80\x80〓[KT:123456]", "reading", "たろう", "birth", "1970-01-01",
		"relation", "長男", "spouse", "", "removed", 0,
		"events", "type", "出生", "date", "1970-01-01", "detail", "届出人", "父\x1b[5m\r\n\t");
	int64_t id;
	/* Written as an operation writes: with its record, in one transaction. */
	int rc = doc && fk_ctx_begin(ctx, &err) == FK_OK;
	if (rc) {
		fk_status s = fk_store_add(ctx, "131016", FK_KIND_KOSEKI, doc, "test",
					   INT64_C(1791000000) * 1000000000, &id, &err);
		if (s == FK_OK)
			s = fk_audit(ctx, "test.write", "register", "hostile", FK_RESULT_SUCCESS, "", NULL, &err);
		rc = fk_ctx_end(ctx, s, &err) == FK_OK;
	}
	if (!rc)
		fprintf(stderr, "fkt_hostile: %s\n", doc ? err.msg : je.text);
	else
		printf("%lld\n", (long long)id);
	json_decref(doc);
	fk_ctx_close(ctx);
	return rc ? 0 : 1;
}
