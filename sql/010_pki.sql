-- 010: the receiving side's trust material (issue 10; R-MUTUAL, R-INTRANSIT; fukuhonctl(8)
-- THE RECEIVING SIDE'S CERTIFICATES). One table for the three kinds of item, each imported
-- by a recorded command (the terminal is offline: they arrive as files):
--   ca        a municipal CA this bureau trusts (signers of packages chain to one)
--   crl       the CA's current CRL (one per CA: a newer one replaces it, an older is refused)
--   receiver  the receiving certificate: slot 'current' (receipts are signed with it, packages
--             are encrypted to it) and 'previous' (kept through a renewal so that packages
--             encrypted to the old certificate still open). The private keys are never here:
--             they are files of the key folder (core/pki/pki_keys.c).
-- Sealed (core/trust/rows.h): the covered columns are everything that decides meaning, the
-- DER through its SHA-256 (the readers check the DER against it), so that the whole-table
-- checks stay cheap however large a CRL is. A CA added or changed with sqlite3, or an older
-- CRL put back, is refused naming the row.
CREATE TABLE pki_item (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL CHECK (kind IN ('ca', 'crl', 'receiver')),
	slot          TEXT CHECK (slot IN ('current', 'previous')),  -- receiver only
	ca_id         INTEGER REFERENCES pki_item(id),  -- crl only: the CA that signed it
	subject       TEXT NOT NULL,   -- RFC 2253 (a CRL: its issuer)
	serial        TEXT,            -- hex; a CRL: its CRL number (decimal) or NULL
	not_before    INTEGER NOT NULL, -- seconds; a CRL: thisUpdate
	not_after     INTEGER NOT NULL, -- seconds; a CRL: nextUpdate
	sha256        BLOB NOT NULL CHECK (length(sha256) = 32),
	der           BLOB NOT NULL,
	added_by      INTEGER NOT NULL REFERENCES operator(id),
	added_by_user TEXT NOT NULL,
	added_at      INTEGER NOT NULL,
	mac           BLOB,
	CHECK ((kind = 'receiver') = (slot IS NOT NULL)),
	CHECK ((kind = 'crl') = (ca_id IS NOT NULL))
);
CREATE UNIQUE INDEX pki_item_slot ON pki_item(slot) WHERE slot IS NOT NULL;
CREATE UNIQUE INDEX pki_item_crl ON pki_item(ca_id) WHERE ca_id IS NOT NULL;
