/* fkcert: prints a register's 全部事項証明 layout lines as the console draws them (tui/doc.c:
 * opened through fk_access_register_open, laid out by fk_cert_lines), for tests that compare a
 * printed PDF with the console (tests/approve.sh; R-PRINT). A test tool, never installed. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "fk.h"

int main(int argc, char **argv)
{
	fk_ctx *ctx = NULL;
	fk_error err;
	fk_operator op;
	json_t *doc = NULL;
	fk_reg_info info;
	fk_lines lines = {0};
	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 4) {
		fprintf(stderr, "usage: fkcert CONFIG USER REGISTER-ID\n");
		return 2;
	}
	fk_status s = fk_ctx_open(argv[1], 0, &ctx, &err);
	if (s == FK_OK && (s = fk_operator_get(ctx, argv[2], &op, &err)) == FK_OK) {
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
		s = fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, strtoll(argv[3], NULL, 10), 0, &doc, &info, &err);
	}
	if (s == FK_OK)
		s = fk_cert_lines(doc, (int)info.kind, &lines, &err);
	for (int i = 0; s == FK_OK && i < lines.n; i++)
		puts(lines.v[i]);
	if (s != FK_OK)
		fprintf(stderr, "fkcert: %s\n", err.msg);
	fk_lines_free(&lines);
	json_decref(doc);
	fk_ctx_close(ctx);
	return s == FK_OK ? 0 : 1;
}
