#!/bin/sh
# Turn the numbered migrations (sql/NNN_name.sql) into a C table, so the binary
# carries its schema and cannot be run against a stray copy of it.
set -eu
echo '/* Generated from the sql/NNN_name.sql files by sql/embed.sh: do not edit. */'
echo '#include "migrations.h"'
echo 'const struct fk_migration fk_migrations[] = {'
for f in "$@"; do
	base=$(basename "$f")
	num=$(echo "$base" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
	printf '\t{%s, "%s",\n' "$num" "$base"
	# Escape backslashes and quotes, keep one C string literal per line.
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t "/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '};'
echo "const unsigned fk_migration_count = $#;"
