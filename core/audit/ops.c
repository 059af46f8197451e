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

/* Marks a msgid for xgettext (po/Makevars: --keyword=N_); the edges translate it. */
#define N_(s) s

/* What each operation is called where people read the history: beside the table, indexed by
 * the same ids, so that an operation added without a name shows as a hole that
 * tests/test_reasons.c finds (and without a translation in po/ja.po, the same). */
static const char *const labels[FK_OP_COUNT] = {
	[FK_OP_NONE] = N_("Unknown operation"),
	[FK_OP_VIEW_HOME] = N_("Home viewed"),
	[FK_OP_REGISTER_PAGE] = N_("Register list page viewed"),
	[FK_OP_LEDGER_PAGE] = N_("Ledger page viewed"),
	[FK_OP_DOC_PAGE] = N_("Document page viewed"),
	[FK_OP_REGISTER_LIST] = N_("Registers listed"),
	[FK_OP_REGISTER_SEARCH] = N_("Registers searched"),
	[FK_OP_COUNTS] = N_("Counts"),
	[FK_OP_REGISTER_OPEN] = N_("Register opened"),
	[FK_OP_REGISTER_VERSIONS] = N_("Register versions listed"),
	[FK_OP_REGISTER_COMPARE] = N_("Versions compared"),
	[FK_OP_REGISTER_EXPORT] = N_("Register exported"),
	[FK_OP_REGISTER_PRINT] = N_("Register printed"),
	[FK_OP_REGISTER_DISPOSE] = N_("Register disposed of"),
	[FK_OP_LEDGER_LIST] = N_("Ledger listed"),
	[FK_OP_LEDGER_OPEN] = N_("Ledger entry opened"),
	[FK_OP_DOC_LIST] = N_("Documents listed"),
	[FK_OP_DOC_OPEN] = N_("Document opened"),
	[FK_OP_GRANT_ADD] = N_("Grant made"),
	[FK_OP_GRANT_REVOKE] = N_("Grant revoked"),
	[FK_OP_GRANT_LIST] = N_("Grants listed"),
	[FK_OP_GRANT_OPERATORS] = N_("Operators with grants listed"),
	[FK_OP_GRANT_MATRIX] = N_("Permission table viewed"),
	[FK_OP_GRANT_EXPIRED] = N_("Grant expired"),
	[FK_OP_HISTORY_VIEW] = N_("History viewed"),
	[FK_OP_HISTORY_LIST] = N_("History listed"),
	[FK_OP_HISTORY_EXPORT] = N_("History exported"),
	[FK_OP_HISTORY_VERIFY] = N_("History verified"),
	[FK_OP_HISTORY_CHECKPOINT] = N_("History checkpoint written"),
	[FK_OP_HISTORY_SEAL] = N_("History sealed"),
	[FK_OP_SIGNIN] = N_("Sign-in"),
	[FK_OP_SIGNOUT] = N_("Sign-out"),
	[FK_OP_SESSION_LOCK] = N_("Screen locked"),
	[FK_OP_SESSION_UNLOCK] = N_("Screen unlocked"),
	[FK_OP_PASSWORD_CHANGE] = N_("Password changed"),
	[FK_OP_LOCKOUT_VIEW] = N_("Lockouts viewed"),
	[FK_OP_LOCKOUT_UNLOCK] = N_("Account unlocked"),
	[FK_OP_LOCKOUT_RESERVE] = N_("Sign-in attempt counted"),
	[FK_OP_LOCKOUT_LOCK] = N_("Account locked"),
	[FK_OP_LOCKOUT_EXPIRE] = N_("Lock expired"),
	[FK_OP_OPERATOR_ADD] = N_("Operator added"),
	[FK_OP_OPERATOR_ENABLE] = N_("Operator enabled"),
	[FK_OP_OPERATOR_DISABLE] = N_("Operator disabled"),
	[FK_OP_OPERATOR_LIST] = N_("Operators listed"),
	[FK_OP_CREDENTIAL_ADD] = N_("Script credential made"),
	[FK_OP_CREDENTIAL_REVOKE] = N_("Script credential revoked"),
	[FK_OP_CREDENTIAL_LIST] = N_("Script credentials listed"),
	[FK_OP_BUREAU_LIST] = N_("Bureaus listed"),
	[FK_OP_MUNICIPALITY_LIST] = N_("Municipalities listed"),
	[FK_OP_STATUS_VIEW] = N_("Terminal status viewed"),
	[FK_OP_KEY_ROTATE] = N_("Master key rotated"),
	[FK_OP_KEY_ANNOUNCE] = N_("Master key announced"),
	[FK_OP_REINDEX] = N_("Search index rebuilt"),
	[FK_OP_DEMO_DATA] = N_("Demo data loaded"),
	[FK_OP_INIT] = N_("Terminal initialised"),
	[FK_OP_TERMINAL_CREATE] = N_("Terminal created"),
	[FK_OP_REFERENCE_LOAD] = N_("Reference data loaded"),
	[FK_OP_TRUST_ADOPT] = N_("Trust anchor adopted"),
	[FK_OP_INDEX_KEY_ADOPT] = N_("Index key adopted"),
	[FK_OP_PROGRAM_START] = N_("Program started"),
	[FK_OP_PROGRAM_STOP] = N_("Program stopped"),
	[FK_OP_PKI_CA_ADD] = N_("CA added"),
	[FK_OP_PKI_CA_REMOVE] = N_("CA removed"),
	[FK_OP_PKI_CA_LIST] = N_("CAs listed"),
	[FK_OP_PKI_CRL_ADD] = N_("CRL added"),
	[FK_OP_PKI_CERT_REQUEST] = N_("Certificate requested"),
	[FK_OP_PKI_CERT_INSTALL] = N_("Certificate installed"),
	[FK_OP_PKI_CERT_STATUS] = N_("Certificate status viewed"),
	[FK_OP_IMPORT] = N_("Package imported"),
	[FK_OP_IMPORT_ABANDON] = N_("Import abandoned"),
	[FK_OP_RECEIVE] = N_("Package received"),
	[FK_OP_PACKAGE_LIST] = N_("Packages listed"),
	[FK_OP_PACKAGE_OPEN] = N_("Package opened"),
	[FK_OP_REQUEST_PRINT] = N_("Print requested"),
	[FK_OP_REQUEST_EXPORT] = N_("Export requested"),
	[FK_OP_REQUEST_DISPOSE] = N_("Disposal requested"),
	[FK_OP_REQUEST_RETURN] = N_("Return requested"),
	[FK_OP_REQUEST_APPROVE] = N_("Request approved"),
	[FK_OP_REQUEST_REJECT] = N_("Request rejected"),
	[FK_OP_REQUEST_EXPIRE] = N_("Approval expired"),
	[FK_OP_REQUEST_LIST] = N_("Requests listed"),
	[FK_OP_PRINT_EXECUTE] = N_("Print carried out"),
	[FK_OP_PRINT_COPY] = N_("Copy printed"),
	[FK_OP_EXPORT_EXECUTE] = N_("Export carried out"),
	[FK_OP_EXPORT_PACKAGE] = N_("Export package written"),
	[FK_OP_ALERT_RAISE] = N_("Alert raised"),
	[FK_OP_ALERT_LIST] = N_("Alerts viewed"),
	[FK_OP_ALERT_ACK] = N_("Alert acknowledged"),
	[FK_OP_JURIS_LIST] = N_("Jurisdictions listed"),
	[FK_OP_JURIS_ASSIGN] = N_("Municipality assigned to an office"),
	[FK_OP_JURIS_IMPORT] = N_("Jurisdiction table imported"),
	[FK_OP_JURIS_MOVE] = N_("Municipality moved to another office"),
	[FK_OP_JURIS_OFFICE_ADD] = N_("Branch office added"),
	[FK_OP_HEALTH_VIEW] = N_("Health viewed"),
	[FK_OP_HEALTH_CHECK] = N_("Full health check done"),
	[FK_OP_LOCKDOWN_ON] = N_("Lockdown turned on"),
	[FK_OP_LOCKDOWN_OFF] = N_("Lockdown turned off"),
	[FK_OP_LOCKDOWN_VIEW] = N_("Lockdown state viewed"),
	[FK_OP_BACKUP_CREATE] = N_("Backup made"),
	[FK_OP_BACKUP_VERIFY] = N_("Backup verified"),
	[FK_OP_BACKUP_RESTORE] = N_("Restored from a backup"),
	[FK_OP_BACKUP_KEYS] = N_("Key folder backed up"),
	[FK_OP_BACKUP_PRUNE] = N_("Old backups removed"),
	[FK_OP_DISPOSE_EXECUTE] = N_("Disposal carried out"),
	[FK_OP_DISPOSE_REGISTER] = N_("Register crypto-erased"),
	[FK_OP_DISPOSE_REAPPLY] = N_("Disposal applied again after a restore"),
	[FK_OP_PRINT_SEND] = N_("Printed copy sent to the printer"),
	[FK_OP_REQUEST_DISPOSE_MUNI] = N_("Disposal of a municipality requested"),
	[FK_OP_RETURN_EXECUTE] = N_("Return carried out"),
	[FK_OP_RETURN_PACKAGE] = N_("Return package written"),
	[FK_OP_DISPOSE_MUNI_EXECUTE] = N_("Disposal of a municipality carried out"),
	[FK_OP_DISPOSE_MUNI_BATCH] = N_("Part of a municipality disposed of"),
	[FK_OP_REINDEX_TAGS] = N_("Search tags recomputed"),
	[FK_OP_STORE_RECOVER] = N_("Store restored by its server taken back into use"),
	[FK_OP_MIGRATE] = N_("Schema migrated"),
	[FK_OP_MUNI_REOPEN] = N_("Municipality re-opened after its disposal"),
	[FK_OP_KEY_ROTATION_DUE] = N_("Master-key rotation due after a disposal"),
	[FK_OP_KEY_DESTROY_OLD] = N_("Old master keys destroyed"),
	[FK_OP_PRINT_RESEND] = N_("Copy left in the spool sent again"),
	[FK_OP_KEY_EXPORT] = N_("Shared keys exported to a new terminal"),
	[FK_OP_KEY_IMPORT] = N_("Shared keys imported from another terminal"),
	[FK_OP_RETURN_STEP] = N_("Step of a return"),
	[FK_OP_MUNI_REOPEN_STEP] = N_("Step of a municipality's re-opening"),
	[FK_OP_TERMINAL_RETIRE] = N_("Terminal retired"),
	[FK_OP_RETURN_CANCEL] = N_("Return given up"),
};

const char *fk_op_label(fk_op op)
{
	return (unsigned)op < FK_OP_COUNT ? labels[op] : NULL;
}

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
