#!/bin/sh
# Fuzzing: builds every tests/fuzz/fuzz_*.c with libFuzzer (clang -fsanitize=fuzzer,address,
# undefined) against the core's sources, compiled with clang in a scratch folder, and runs each
# for its share of SECONDS (default 60 in all) from its seed corpus tests/fuzz/corpus/<name
# without fuzz_>/ (and the dictionary tests/fuzz/<name>.dict when there is one). Exits 1 when one finds a crash, a leak, undefined behaviour or a hang,
# leaving the input that caused it (the path is printed): make it a test in tests/, then fix.
#
#   tests/fuzz/run.sh [SECONDS]
#
# config.h: the tree's own when it is configured (an in-tree build), else FK_TOP_BUILDDIR's,
# else a configure run in the scratch folder (from a clean clone: autoreconf first). Scratch
# folder: FK_FUZZ_DIR, default _build-fuzz/ at the top of the tree; new inputs the fuzzers find
# stay there (the corpus in the tree is only read). Extra libFuzzer options: FK_FUZZ_FLAGS.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
total=${1:-60}
work=${FK_FUZZ_DIR:-$top/_build-fuzz}
CC=${CC_FUZZ:-clang}
command -v "$CC" > /dev/null || { echo "fuzz: $CC not found" >&2; exit 77; }
mkdir -p "$work"
work=$(cd "$work" && pwd)

# ---- config.h ----
# Copied only when it changed, so that a second run recompiles nothing.
take() { cmp -s "$1" "$work/config.h" || cp "$1" "$work/config.h"; }
if [ -f "$top/config.h" ]; then
	take "$top/config.h"
elif [ -n "${FK_TOP_BUILDDIR:-}" ] && [ -f "$FK_TOP_BUILDDIR/config.h" ]; then
	take "$FK_TOP_BUILDDIR/config.h"
elif [ ! -f "$work/config.h" ]; then
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi > /dev/null 2>&1)
	mkdir -p "$work/conf"
	(cd "$work/conf" && "$top/configure" CC="$CC" > configure.log 2>&1) ||
		{ tail -20 "$work/conf/configure.log" >&2; exit 1; }
	cp "$work/conf/config.h" "$work/config.h"
fi

# ---- the core, as a library (the linker takes only what a harness uses) ----
# Every package the core's folders include (core/print/ draws PDFs with cairo and pango and
# sends them through libcups, core/db/ reaches PostgreSQL through libpq), as configure.ac's
# PKG_CHECK_MODULES name them; Debian 12's libcups2-dev has no .pc file, so -lcups by name.
pkgs="sqlite3 libpq libcrypto libssl jansson yajl liblz4 cairo cairo-pdf pangocairo"
libs="$(pkg-config --libs $pkgs) -lcups"
incs="-I$work -I$top/core"
for d in "$top"/core/*/; do incs="$incs -I${d%/}"; done
cat > "$work/Makefile" <<MK
CC = $CC
CFLAGS = -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \\
	-fno-sanitize-recover=all $incs $(pkg-config --cflags $pkgs) \\
	-DFK_DATADIR='"/nonexistent"' -DFK_SYSCONFDIR='"/nonexistent"' \\
	-DFK_LOCALSTATEDIR='"/nonexistent"' -DFK_LOCALEDIR='"/nonexistent"'
SRCS := \$(filter-out %/sql_migrations.c,\$(shell find $top/core -name '*.c'))
OBJS := \$(patsubst $top/%.c,%.o,\$(SRCS)) sql_migrations.o
libcore.a: \$(OBJS)
	rm -f \$@ && ar rcs \$@ \$(OBJS)
core/%.o: $top/core/%.c config.h
	@mkdir -p \$(@D) && echo "  CC \$<" && \$(CC) \$(CFLAGS) -MMD -MP -c \$< -o \$@
# The migrations as Makefile.am lists them: embed.sh finds each one's PostgreSQL twin itself.
MIGRATIONS := \$(sort \$(filter-out %.pg.sql,\$(wildcard $top/sql/[0-9]*.sql)))
sql_migrations.c: \$(MIGRATIONS) \$(wildcard $top/sql/[0-9]*.pg.sql) $top/sql/embed.sh
	sh $top/sql/embed.sh \$(MIGRATIONS) > \$@
fuzz_%: $top/tests/fuzz/fuzz_%.c libcore.a
	\$(CC) \$(CFLAGS) -fsanitize=fuzzer \$< libcore.a $libs -o \$@
-include \$(OBJS:.o=.d)
MK
harnesses=$(cd "$top/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
[ -n "$harnesses" ] || { echo "fuzz: no harness in tests/fuzz" >&2; exit 1; }
make -s -C "$work" -j"${FK_FUZZ_JOBS:-2}" $harnesses

# ---- run each for its share ----
count=$(echo "$harnesses" | wc -w)
each=$((total / count))
[ "$each" -ge 1 ] || each=1
status=0
for h in $harnesses; do
	name=${h#fuzz_}
	seeds="$top/tests/fuzz/corpus/$name"
	mkdir -p "$work/corpus-$name" "$work/crashes"
	[ -d "$seeds" ] || seeds=
	dict=
	[ -f "$top/tests/fuzz/$name.dict" ] && dict=-dict=$top/tests/fuzz/$name.dict
	echo "== $h: $each s (seeds: ${seeds:-none})"
	# shellcheck disable=SC2086 # the options are words
	if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		"$work/$h" -max_total_time="$each" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/crashes/$name-" $dict ${FK_FUZZ_FLAGS:-} \
		"$work/corpus-$name" $seeds > "$work/$h.log" 2>&1; then
		tail -60 "$work/$h.log"
		echo "FAIL: $h found a problem; its input: $(ls -t "$work/crashes/$name-"* 2>/dev/null | head -1)"
		status=1
	else
		grep -E "^stat::(number_of_executed_units|new_units_added)" "$work/$h.log" |
			sed "s/^/  /"
	fi
done
exit $status
