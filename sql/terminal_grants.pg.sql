-- PostgreSQL 15: what a terminal's role may do in the store (issue 14; R-ACCESS, R-MUTUAL).
-- Run by the schema's owner (fukuhonctl init and migrate, with database_admin) in the same
-- transaction as the migrations, after them; idempotent, so that every run sets the whole list
-- again. A terminal logs in as a role of its own (its certificate's CN) that is a member of
-- fukuhon_terminal and holds nothing else (docs/deployment.md, build-aux/pg-roles.sh).
-- Least privilege: no CREATE on the schema, no ownership, no TRIGGER, TRUNCATE or REFERENCES,
-- and on each table only the statements (and for UPDATE the columns) some operation of the
-- product runs on it: read from core's statements, checked by running the PostgreSQL tests as
-- such a role (tests/pg_roles.sh). A new table, or a column a new operation sets, needs its
-- line here. Privileges are not part of the pinned schema (core/db/schema.c): they stop a
-- terminal's role from changing the schema; the row MACs and the pinned catalogue catch what
-- the server's own administrator may still do. REVOKE ALL on a table takes its columns'
-- privileges too, so a column dropped from a list below loses its grant at the next run.

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

-- Rows added. The history and its checkpoints are only ever appended to (their triggers refuse
-- a change too); the others are then changed or removed as below.
GRANT INSERT ON alert, approval_request, audit_checkpoint, audit_log, bureau, credential,
	data_key, export_output, ledger_entry, lockout, meta, municipality, municipality_stats,
	notification_doc, operator, package, package_refused, package_reject, permission_grant,
	pki_item, prefecture, print_output, register, register_index, register_order, register_ref,
	register_version, return_item, staged_change, trust_state TO fukuhon_terminal;

-- Rows changed: only the columns some operation sets. mac is each sealed row's MAC, set after
-- every insert and change (core/trust: fk_trust_seal) and again at a master-key rotation;
-- keys, names of the sealed tables' owners and what a row is about are never changed.
GRANT UPDATE (mac) ON export_output, ledger_entry, notification_doc, package_reject,
	prefecture, print_output, register_ref TO fukuhon_terminal;
GRANT UPDATE (ack_note, acked_at, acked_by, acked_by_user, mac) ON alert TO fukuhon_terminal;
GRANT UPDATE (decided_at, decided_by, decided_by_user, decision_reason, executed_at, state,
	valid_until, mac) ON approval_request TO fukuhon_terminal;
GRANT UPDATE (parent_id, mac) ON bureau TO fukuhon_terminal;
GRANT UPDATE (revoked_at, revoked_by, revoked_by_user, mac) ON credential TO fukuhon_terminal;
GRANT UPDATE (destroyed_at, kek_id, wrapped) ON data_key TO fukuhon_terminal;
GRANT UPDATE (failures, first_failure, last_failure, last_terminal, lock_count, locked_until,
	pending, recent, mac) ON lockout TO fukuhon_terminal;
GRANT UPDATE (value, mac) ON meta TO fukuhon_terminal;
GRANT UPDATE (bureau_id, key_id, name, mac) ON municipality TO fukuhon_terminal;
GRANT UPDATE (n, last_received) ON municipality_stats TO fukuhon_terminal;
GRANT UPDATE (display_name, enabled, updated_at, mac) ON operator TO fukuhon_terminal;
GRANT UPDATE (chunks_staged, lines_staged, n_document, n_ledger, n_register, n_rejected,
	n_removal, n_unchanged, n_version, published_at, receipt, receipt_sha256, state, mac)
	ON package TO fukuhon_terminal;
GRANT UPDATE (last_at, times, mac) ON package_refused TO fukuhon_terminal;
GRANT UPDATE (expiry_recorded_at, revoke_reason, revoked_at, revoked_by, revoked_by_user, mac)
	ON permission_grant TO fukuhon_terminal;
GRANT UPDATE (slot, mac) ON pki_item TO fukuhon_terminal;
GRANT UPDATE (disposed_at, kind, received_at, version, mac) ON register TO fukuhon_terminal;
GRANT UPDATE (removed_by) ON register_index TO fukuhon_terminal;
GRANT UPDATE (ids, kind, n) ON register_order TO fukuhon_terminal;
GRANT UPDATE (content, mac) ON register_version TO fukuhon_terminal;
GRANT UPDATE (change, kind, received_at, reg_c_new, reg_c_old, reg_kind_old, reg_mac,
	reg_mac_old, reg_received_old, reg_version_old, sort_keys, tags_new, tags_old, version, mac)
	ON staged_change TO fukuhon_terminal;
GRANT UPDATE (gen, state, mac) ON trust_state TO fukuhon_terminal;

-- Rows removed: disposal (registers, their versions, references, ledger, documents, keys,
-- index and sort orders), a package abandoned or published (its staged changes and
-- rejects), a lockout cleared, a terminal fact or a trust item replaced.
GRANT DELETE ON data_key, ledger_entry, lockout, meta, notification_doc, package,
	package_reject, pki_item, register, register_index, register_order, register_ref,
	register_version, staged_change TO fukuhon_terminal;

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
