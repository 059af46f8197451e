#!/bin/sh
# The SQL a PostgreSQL server's administrator runs for a fukuhon store with a role per terminal
# (issue 14; docs/deployment.md; R-ACCESS, R-MUTUAL). It only prints statements: read them,
# then feed them to psql as a superuser (or a role with CREATEROLE and CREATEDB):
#
#   build-aux/pg-roles.sh store DATABASE OWNER   once: the schema's owner (a login role, the
#                                                 administrator's certificate's CN), the group
#                                                 role fukuhon_terminal and the database
#   build-aux/pg-roles.sh group DATABASE         only the group role and what it may do with the
#                                                 database (connect, temporary tables): for a
#                                                 database made otherwise (part of `store`)
#   build-aux/pg-roles.sh terminal NAME          each terminal: a login role named as its
#                                                 certificate's CN (or its pg_ident.conf map),
#                                                 member of fukuhon_terminal and nothing else
#   build-aux/pg-roles.sh drop-terminal NAME     a terminal taken out of service
#
#   e.g.  sh build-aux/pg-roles.sh terminal terminal-a | psql -v ON_ERROR_STOP=1 -U postgres -d fk
#
# The privileges on the schema's tables are not here: the schema's owner sets them at every
# `fukuhonctl init` and `migrate` (sql/terminal_grants.pg.sql), as the schema changes.
# Names are checked (letters, digits, '-', '_', '.'; at most 63 bytes) and always quoted.
set -eu

usage() {
	echo "usage: $0 store DATABASE OWNER | group DATABASE | terminal NAME | drop-terminal NAME" >&2
	exit 2
}

# ident NAME: NAME as a quoted identifier, or a refusal.
ident() {
	case $1 in
	'' | *[!A-Za-z0-9_.-]*) echo "$0: '$1' is not a role or database name (A-Z a-z 0-9 _ . -)" >&2; exit 2 ;;
	esac
	[ ${#1} -le 63 ] || { echo "$0: '$1' is longer than 63 bytes" >&2; exit 2; }
	case $1 in
	postgres | pg_* | fukuhon_terminal | public) echo "$0: '$1' is a reserved name" >&2; exit 2 ;;
	esac
	printf '"%s"' "$1"
}

# The group role: no login, no attribute, nothing but what the database grants and the owner's
# sql/terminal_grants.pg.sql give it. Made only when missing (one cluster may hold several
# stores; each database grants it separately).
group_role() {
	cat <<SQL
SELECT 'CREATE ROLE fukuhon_terminal NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fukuhon_terminal') \\gexec
SQL
}

# What the group may do with the database itself: connect, and make the temporary tables a
# session's reads use; nobody else may connect (PostgreSQL grants PUBLIC CONNECT and TEMPORARY).
database_grants() {
	cat <<SQL
REVOKE ALL ON DATABASE $1 FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $1 TO fukuhon_terminal;
SQL
}

[ $# -ge 1 ] || usage
case $1 in
store)
	[ $# = 3 ] || usage
	db=$(ident "$2")
	owner=$(ident "$3")
	cat <<SQL
-- The schema's owner: the administrator's login (fukuhonctl init and migrate, database_admin);
-- it owns the database and everything fukuhon makes in it, and needs no other attribute.
CREATE ROLE $owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SQL
	group_role
	cat <<SQL
-- The owner may add and remove terminals' memberships (not create roles).
GRANT fukuhon_terminal TO $owner WITH ADMIN OPTION;
CREATE DATABASE $db OWNER $owner ENCODING 'UTF8' LOCALE 'C.UTF-8' TEMPLATE template0;
SQL
	database_grants "$db"
	;;
group)
	[ $# = 2 ] || usage
	db=$(ident "$2")
	group_role
	database_grants "$db"
	;;
terminal)
	[ $# = 2 ] || usage
	name=$(ident "$2")
	cat <<SQL
-- A terminal: logs in with its client certificate only (pg_hba.conf: hostssl ... cert), holds
-- no attribute and no object, and inherits only fukuhon_terminal's privileges.
CREATE ROLE $name LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
	IN ROLE fukuhon_terminal;
SQL
	;;
drop-terminal)
	[ $# = 2 ] || usage
	name=$(ident "$2")
	cat <<SQL
-- Its sessions end and it can log in no more; its rows (history, grants) stay, as they must.
REVOKE fukuhon_terminal FROM $name;
ALTER ROLE $name NOLOGIN;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$2';
SQL
	;;
*) usage ;;
esac
