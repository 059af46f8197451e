-- 015, PostgreSQL 15: the twin of 015_ledger_order.sql (docs/storage.md).
CREATE INDEX ledger_order ON ledger_entry(municipality, accepted_on, received_at);
