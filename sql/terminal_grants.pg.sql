-- PostgreSQL 15: what a terminal's role may do in the store (issue 14; R-ACCESS, R-MUTUAL).
-- Run by the schema's owner (fukuhonctl init and migrate, with database_admin) in the same
-- transaction as the migrations, after them; idempotent, so that every run sets the whole list
-- again. A terminal logs in as a role of its own (its certificate's CN) that is a member of
-- fukuhon_terminal and holds nothing else (docs/deployment.md, build-aux/pg-roles.sh).
-- Least privilege: no CREATE on the schema, no ownership, no TRIGGER, TRUNCATE or REFERENCES,
-- and each table only the statements some operation of the product runs on it (found by
-- running the PostgreSQL tests as such a role). Privileges are not part of the pinned schema
-- (core/db/schema.c): they stop a terminal's role from changing the schema, the row MACs and
-- the pinned catalogue catch what the server's own administrator may still do.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fukuhon_terminal') THEN
		-- Needs CREATEROLE; without it the server's administrator makes the role first.
		CREATE ROLE fukuhon_terminal NOLOGIN;
	END IF;
END $$;

-- Nothing for anyone but what follows: the schema, its tables, sequence and functions.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, fukuhon_terminal;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, fukuhon_terminal;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC, fukuhon_terminal;
GRANT USAGE ON SCHEMA public TO fukuhon_terminal;

-- Every table is read (screens, the trust base's table digests, verification).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO fukuhon_terminal;

-- The history and its checkpoints: appended to, never changed (their triggers refuse it too).
GRANT INSERT ON audit_log, audit_checkpoint TO fukuhon_terminal;
-- Rows only ever added.
GRANT INSERT ON package_reject, return_item TO fukuhon_terminal;
-- Rows added and changed, never removed (grants are revoked by their end date, operators
-- disabled, requests decided, outputs marked).
GRANT INSERT, UPDATE ON alert, approval_request, bureau, credential, export_output,
	municipality, municipality_stats, operator, package_refused, permission_grant,
	prefecture, print_output, trust_state TO fukuhon_terminal;
-- Rows added and removed, never changed (disposal removes them).
GRANT INSERT, DELETE ON ledger_entry, notification_doc, register_ref TO fukuhon_terminal;
-- Rows added, changed and removed: keys (disposal destroys them), lockout counts, the
-- terminal facts, packages and their staged changes, registers, their versions, index and
-- sort orders (disposal, re-tagging, a municipality moved to another bureau).
GRANT INSERT, UPDATE, DELETE ON data_key, lockout, meta, package, pki_item, register,
	register_index, register_order, register_version, staged_change TO fukuhon_terminal;

-- The row keys' carrier (fk_rowid: setval and nextval; lastval reads it).
GRANT USAGE, UPDATE ON SEQUENCE fk_last_rowid TO fukuhon_terminal;
-- Called from the statistics triggers' bodies and from reads; trigger functions themselves
-- need no EXECUTE (PostgreSQL checks it when the trigger is made, by the owner).
GRANT EXECUTE ON FUNCTION fk_stats_add(text, bigint, bigint), fk_visible(text),
	fk_visible_new(text, bigint) TO fukuhon_terminal;

-- The schema a terminal builds the expected catalogue in and rolls back (core/db/schema.c):
-- made once here, so that a terminal needs no CREATE on the database; the pinned schema
-- refuses anything left in it.
CREATE SCHEMA IF NOT EXISTS fk_expected;
REVOKE ALL ON SCHEMA fk_expected FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA fk_expected TO fukuhon_terminal;
