/* The operation table: names, objects and rules of every operation (ops.h). */
#include "config.h"

#include <string.h>

#include "ops.h"
#include "util.h"

static const fk_op_info table[FK_OP_COUNT] = {
	[FK_OP_NONE] = {"?", "-", FK_RULE_SYSTEM, 0, 1, 0},
#define FK_OP_ROW(id, name, otype, rule, mask, tx, diag) \
	[FK_OP_##id] = {name, otype, FK_RULE_##rule, mask, tx, diag},
	FK_OP_LIST(FK_OP_ROW)
#undef FK_OP_ROW
};

const fk_op_info *fk_op_get(fk_op op)
{
	return &table[(unsigned)op < FK_OP_COUNT ? op : FK_OP_NONE];
}

const char *fk_op_name(fk_op op)
{
	return fk_op_get(op)->name;
}

fk_op fk_op_find(const char *name)
{
	for (int i = 1; i < FK_OP_COUNT; i++)
		if (!strcmp(table[i].name, name))
			return (fk_op)i;
	return FK_OP_NONE;
}
