#!/bin/sh
# The core's layering, checked from its sources: no circle of includes between its files, and no
# folder including a header of a folder core/README.md's table does not let it call.
#
# A unit is a file without its extension (store.c and store.h are the unit core/store/store);
# unit A depends on unit B when A's .c or .h includes B's header (`#include "b.h"`, found by
# name among core/'s headers, as the flat -I list of Makefile.am finds it). Includes of
# headers outside core/ (config.h, system headers) are not the core's layering.
#
# The table in core/README.md lists the folders lowest first; its last column says whom each
# may call: folder names, "libc" (none), or "everything above". core/fk.h, the front-ends' one
# header, stands above every folder.
set -u
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top_srcdir" || exit 99
T=$(mktemp -d "${TMPDIR:-/tmp}/fklayer.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fail=0

# Every source of the core, generated ones too when they are here (an in-tree build).
find core -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort > "$T/files"
[ -s "$T/files" ] || { echo "FAIL: no core sources under $top_srcdir/core" >&2; exit 1; }

# "file header" for every quoted include.
while read -r f; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		sed "s|^|$f |"
done < "$T/files" > "$T/includes"

# The folders in order, with whom each may call: "folder allowed..." per line.
awk '
	/^\| `[a-z_]+\/` \|/ {
		n = split($0, col, "|")
		name = col[2]; gsub(/[ `\/]/, "", name)
		may = col[n - 1]
		allowed = ""
		m = split(may, w, ",")
		for (i = 1; i <= m; i++) {
			x = w[i]; gsub(/^ +| +$/, "", x); gsub(/[`\/]/, "", x)
			if (x == "libc" || x == "") continue
			if (x == "everything above") { allowed = allowed " " above; continue }
			if (!(x in seen)) {
				printf "core/README.md: %s may call %s, which is not above it\n", name, x > "/dev/stderr"
				bad = 1
			}
			allowed = allowed " " x
		}
		print name allowed
		seen[name] = 1
		above = above " " name
	}
	END { exit bad }
' core/README.md > "$T/layers" || fail=1
[ -s "$T/layers" ] || { echo "FAIL: no folder table in core/README.md" >&2; exit 1; }

# Resolve every include to a unit, check the folders' rules, and write the units' edges.
awk -v layers="$T/layers" -v files="$T/files" -v edges="$T/edges" '
	function unit(path) { sub(/\.[ch]$/, "", path); return path }
	function folder(path, p) {
		n = split(path, p, "/")
		return n == 2 ? "" : p[2] # core/fk.h stands above every folder
	}
	BEGIN {
		while ((getline line < layers) > 0) {
			n = split(line, w, " ")
			known[w[1]] = 1
			for (i = 2; i <= n; i++)
				may[w[1], w[i]] = 1
		}
		while ((getline path < files) > 0) {
			n = split(path, p, "/")
			if (p[n] !~ /\.h$/)
				continue
			if (p[n] in header) {
				printf "two headers named %s: %s and %s (the -I list finds one)\n", p[n], header[p[n]], path
				bad = 1
			}
			header[p[n]] = path
			if (n > 2 && !(p[2] in known) && !(p[2] in told)) {
				printf "folder core/%s/ is not in core/README.md\n", p[2]
				told[p[2]] = bad = 1
			}
		}
	}
	{
		name = $2
		sub(/^.*\//, "", name)
		if (!(name in header))
			next # not a core header
		to = header[name]
		a = folder($1); b = folder(to)
		if (a != "" && a != b && !((a, b) in may)) {
			printf "%s includes %s: %s/ may not call %s/ (core/README.md)\n", $1, to, a, b
			bad = 1
		}
		if (unit($1) != unit(to))
			print unit($1), unit(to) > edges
	}
	END { exit bad }
' "$T/includes" || fail=1

# A circle between units: tsort names the units of each one it meets.
touch "$T/edges"
if ! LC_ALL=C sort -u "$T/edges" | tsort > /dev/null 2> "$T/loops"; then
	echo "circles of includes between the core's units:"
	sed -n 's/^tsort: \(core\/.*\)/  \1/p; s/^tsort: .*input contains a loop:.*/ a circle:/p' "$T/loops"
	fail=1
fi

if [ "$fail" -ne 0 ]; then
	echo "FAIL: the core's layering is broken (core/README.md)" >&2
	exit 1
fi
echo "ok: $(wc -l < "$T/files") core sources, $(sort -u "$T/edges" | wc -l) unit dependencies, no circle, every folder within its rules"
exit 0
