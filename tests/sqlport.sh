#!/bin/sh
# Every statement of core, its front-ends and its tests goes through the store's one layer,
# core/db/sql.h (issue 14): outside core/db/ no C source includes <sqlite3.h> or calls SQLite's
# API, except in the places build-aux/sql-port.sh lists as SQLite-only (--raw) and on lines that
# reach SQLite explicitly through fk_sql_lite(…). The tree is also what the conversion script
# makes of it (a second run changes nothing), so code written since is on the layer too.
# The checker is first run on a planted file, so that this test fails if it stops seeing one.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
PORT=$top_srcdir/build-aux/sql-port.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/sqlport.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

sh "$PORT" --raw > "$T/raw"

# Print FILE:LINE: TEXT for each use of SQLite's API in the C sources under $1 (relative names)
# outside the listed places.
scan() {
	root=$1
	(cd "$root" && for d in core tui ctl recv pam tests; do
		[ -d "$d" ] && find "$d" -type f \( -name '*.c' -o -name '*.h' \)
	done) | LC_ALL=C sort | while read -r f; do
		case $f in core/db/*) continue ;; esac
		grep -q 'sqlite3' "$root/$f" || continue
		res=$(awk -F'|' -v f="$f" '$2 == f { print $3 }' "$T/raw")
		[ "$res" = "*" ] && continue
		awk -v f="$f" -v res="$res" '
			BEGIN { nre = split(res, re, "\n"); inside = 0 }
			{
				if (!inside)
					for (i = 1; i <= nre; i++)
						if (re[i] != "" && $0 ~ re[i]) inside = 1
				api = $0 ~ /sqlite3_[a-z0-9_]*\(/ || $0 ~ /sqlite3(_[a-z_]+)? *\*/ || $0 ~ /<sqlite3\.h>/
				if (api && !inside && $0 !~ /fk_sql_lite\(/)
					printf "%s:%d: %s\n", f, NR, $0
				if (inside && $0 ~ /^}/) inside = 0
			}' "$root/$f"
	done
}

# The checker sees a planted call, type and include, and not one inside a listed place.
mkdir -p "$T/tree/core/store" "$T/tree/core/admin"
printf '#include <sqlite3.h>\nstatic int f(sqlite3_stmt *st)\n{\n\treturn sqlite3_step(st);\n}\n' \
	> "$T/tree/core/store/planted.c"
sed -n '/^static fk_status copy_db(/,/^}/p' "$top_srcdir/core/admin/backup.c" > "$T/tree/core/admin/backup.c"
scan "$T/tree" > "$T/planted"
[ "$(grep -c '^core/store/planted.c:' "$T/planted")" = 3 ] && ok "a planted use of SQLite is named (3 lines)" ||
	{ not_ok "a planted use of SQLite is named"; cat "$T/planted"; }
grep -q '^core/admin/backup.c' "$T/planted" && not_ok "a listed SQLite-only place is let through" ||
	ok "a listed SQLite-only place is let through"
[ -s "$T/tree/core/admin/backup.c" ] && ok "the listed place exists (core/admin/backup.c copy_db)" ||
	not_ok "core/admin/backup.c has no copy_db: update build-aux/sql-port.sh's list"

# The tree itself.
scan "$top_srcdir" > "$T/found"
if [ -s "$T/found" ]; then
	not_ok "SQLite used outside core/db/ and the listed places (go through core/db/sql.h):"
	sed 's/^/#   /' "$T/found"
else
	ok "outside core/db/ only the listed places use SQLite's API"
fi

# Every listed place is still there: a stale entry would let a new function of that name pass.
missing=0
while IFS='|' read -r kind path re why; do
	[ -f "$top_srcdir/$path" ] || { echo "# $path: listed but missing"; missing=1; continue; }
	[ "$re" = "*" ] && continue
	grep -q -e "$re" "$top_srcdir/$path" || { echo "# $path: no line matches $re"; missing=1; }
done < "$T/raw"
[ "$missing" = 0 ] && ok "every listed place exists" || not_ok "the list names places that are gone"

# A fixed point of the conversion: what a run would change is named.
if out=$(sh "$PORT" --check); then
	ok "build-aux/sql-port.sh changes nothing more"
else
	not_ok "build-aux/sql-port.sh would still convert:"
	echo "$out" | sed 's/^/#   /'
fi
echo "1..$n"
[ "$fails" = 0 ]
