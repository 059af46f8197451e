/* What readers may see while a package stages (issue 10; R-BATCH-ATOMIC). A package's rows
 * are written chunk by chunk in short transactions and published at once: while one stages,
 * the sealed meta rows intake.visible.<table> hold the highest id of each table that was
 * visible when staging began, and every reader of registers, versions, ledger entries,
 * documents and register refs leaves out the rows above it. With no package staging the rows
 * are absent (every row visible), so writers other than the import never move them; they
 * refuse to write while a package stages (fk_store_staging) instead, as their rows would be
 * hidden with the package's. The meta table is small and sealed: checked whole whenever
 * another process wrote (core/trust), so a watermark changed or removed outside fukuhon
 * stops the terminal. A reader's filter is one range on the integer primary key. */
#ifndef FK_VISIBLE_H
#define FK_VISIBLE_H

#include "ctx.h"
#include "status.h"

#define FK_VISIBLE_KEY_REGISTER "intake.visible.register"
#define FK_VISIBLE_KEY_VERSION "intake.visible.version"
#define FK_VISIBLE_KEY_LEDGER "intake.visible.ledger"
#define FK_VISIBLE_KEY_DOC "intake.visible.doc"
#define FK_VISIBLE_KEY_REF "intake.visible.ref"

/* The watermark as an SQL expression (a constant subquery: evaluated once a statement). */
#define FK_VISIBLE_SQL(key)                                                                        \
	"coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = '" key "'), "               \
	"9223372036854775807)"
#define FK_VIS_REGISTER FK_VISIBLE_SQL(FK_VISIBLE_KEY_REGISTER)
#define FK_VIS_VERSION FK_VISIBLE_SQL(FK_VISIBLE_KEY_VERSION)
#define FK_VIS_LEDGER FK_VISIBLE_SQL(FK_VISIBLE_KEY_LEDGER)
#define FK_VIS_DOC FK_VISIBLE_SQL(FK_VISIBLE_KEY_DOC)
#define FK_VIS_REF FK_VISIBLE_SQL(FK_VISIBLE_KEY_REF)

/* *on = 1 while a package stages (its watermarks are set). */
fk_status fk_store_staging(fk_ctx *ctx, int *on, fk_error *err);
/* FK_ERR_BUSY, saying why, while a package stages: for writers other than the import. */
fk_status fk_store_not_staging(fk_ctx *ctx, fk_error *err);

#endif
