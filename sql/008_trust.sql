-- 008: authenticated state (R-ACCESS, R-FILES, R-JURIS, R-LOCKOUT, R-LOGSEAL; docs/threat-model.md).
-- Every row that decides access or meaning carries a keyed MAC of its columns (core/trust/rows.h
-- lists the columns); the key is in the key folder, so a row the attacker writes or changes
-- is refused. Each table's digest is anchored in the key folder (core/trust/anchor.h).
ALTER TABLE meta ADD COLUMN mac BLOB;
ALTER TABLE prefecture ADD COLUMN mac BLOB;
ALTER TABLE bureau ADD COLUMN mac BLOB;
ALTER TABLE municipality ADD COLUMN mac BLOB;
ALTER TABLE operator ADD COLUMN mac BLOB;
ALTER TABLE permission_grant ADD COLUMN mac BLOB;
ALTER TABLE lockout ADD COLUMN mac BLOB;
ALTER TABLE register ADD COLUMN mac BLOB;
ALTER TABLE register_version ADD COLUMN mac BLOB;
ALTER TABLE ledger_entry ADD COLUMN mac BLOB;
ALTER TABLE notification_doc ADD COLUMN mac BLOB;
-- The sealed rows a record's operation changed, with their new MACs ("table key mac", ';'
-- between rows): verification finds a row put back to an older copy by comparing it with
-- the latest record that wrote it. Covered by the record's MAC (format 2).
ALTER TABLE audit_log ADD COLUMN row_refs TEXT;
-- User names are unique whatever their case: TANAKA and tanaka are one person to PAM's
-- administrators and would otherwise have two lockout counters. Names are ASCII
-- (core/auth/operator.c), where NFKC changes nothing and case folding is lower().
CREATE UNIQUE INDEX operator_name_folded ON operator(lower(username));
