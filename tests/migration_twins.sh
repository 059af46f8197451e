#!/bin/sh
# Every migration has its PostgreSQL twin (issue 14; docs/storage.md): sql/NNN_name.sql and
# sql/NNN_name.pg.sql side by side, both listed in Makefile.am (so that both are built in and
# shipped), and no twin without its migration. The next migration added alone fails here (and
# sql/embed.sh stops the build).
. "$(dirname "$0")/lib.sh"
for m in "$top_srcdir"/sql/[0-9][0-9][0-9]_*.sql; do
	case $m in
	*.pg.sql)
		[ -f "${m%.pg.sql}.sql" ] && ok || not_ok "$(basename "$m") is the twin of no migration" ;;
	*)
		twin=${m%.sql}.pg.sql
		[ -s "$twin" ] && ok || not_ok "$(basename "$m") has no PostgreSQL twin $(basename "$twin")"
		grep -q "sql/$(basename "$m")" "$top_srcdir/Makefile.am" && ok ||
			not_ok "$(basename "$m") is not in Makefile.am's MIGRATIONS"
		;;
	esac
done
grep -q '^MIGRATIONS_PG = $(MIGRATIONS:.sql=.pg.sql)$' "$top_srcdir/Makefile.am" && ok ||
	not_ok "Makefile.am does not derive the twins from MIGRATIONS"
# The twins are built into the program beside SQLite's text.
if [ -f "$top_builddir/core/db/sql_migrations.c" ]; then
	n=$(ls "$top_srcdir"/sql/[0-9][0-9][0-9]_*.pg.sql | wc -l)
	c=$(grep -c '^	 ,$' "$top_builddir/core/db/sql_migrations.c")
	[ "$n" = "$c" ] && ok || not_ok "core/db/sql_migrations.c holds $c PostgreSQL texts for $n twins"
fi
# embed.sh itself refuses a migration without a twin.
mkdir "$T/sql"
cp "$top_srcdir/sql/001_initial.sql" "$T/sql/"
if sh "$top_srcdir/sql/embed.sh" "$T/sql/001_initial.sql" > /dev/null 2> "$T/err"; then
	not_ok "sql/embed.sh embedded a migration without its twin"
else
	contains "$T/err" "has no PostgreSQL twin"
fi
finish
