#!/bin/sh
# Turn the numbered migrations (sql/NNN_name.sql) into a C table, so the binary
# carries its schema and cannot be run against a stray copy of it. Each migration
# has its PostgreSQL twin beside it (sql/NNN_name.pg.sql, docs/storage.md): a
# migration without one stops the build here.
set -eu
# --grants FILE first: also fk_pg_terminal_grants, a terminal role's privileges on PostgreSQL
# (sql/terminal_grants.pg.sql), which init and migrate set after the migrations.
grants=
if [ "${1:-}" = --grants ]; then
	grants=$2
	shift 2
fi
# literal FILE: the file as C string literals, one per line.
literal() {
	# Escape backslashes and quotes, keep one C string literal per line.
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t "/' -e 's/$/\\n"/' "$1"
}
for f in "$@"; do
	twin=${f%.sql}.pg.sql
	if [ ! -s "$twin" ]; then
		echo "$0: $f has no PostgreSQL twin $twin (docs/storage.md)" >&2
		exit 1
	fi
done
echo '/* Generated from the sql/NNN_name.sql and sql/NNN_name.pg.sql files by sql/embed.sh: do not edit. */'
echo '#include "migrations.h"'
echo 'const struct fk_migration fk_migrations[] = {'
for f in "$@"; do
	base=$(basename "$f")
	num=$(echo "$base" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
	printf '\t{%s, "%s",\n' "$num" "$base"
	literal "$f"
	printf '\t ,\n'
	literal "${f%.sql}.pg.sql"
	printf '\t},\n'
done
echo '};'
echo "const unsigned fk_migration_count = $#;"
if [ -n "$grants" ]; then
	echo 'const char fk_pg_terminal_grants[] ='
	literal "$grants"
	echo '	;'
fi
