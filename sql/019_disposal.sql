-- Disposal carried out (issue 12; R-DISPOSE; docs/disposal.md). Every open compares the number
-- of destroyed data keys with the count it last saw beside the key folder's disposal ledger, so
-- that a data_key row put back from a backup is noticed without reading the ledger: this index
-- makes that count cheap whatever the number of keys.
CREATE INDEX data_key_destroyed ON data_key(id) WHERE wrapped IS NULL;
