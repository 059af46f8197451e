-- 015: the reception ledger newest first in the order its dates are shown (issue 11, item 6):
-- by 受付日, then the time received, then id (the index's rowid), so that a page is read from
-- the index instead of sorting every entry of the municipality (44 ms at 100,000 entries,
-- 0.1 ms with it). Documents are ordered by (received_at, id): notification_muni serves them.
CREATE INDEX ledger_order ON ledger_entry(municipality, accepted_on, received_at);
