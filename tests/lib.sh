# Shared helpers for the shell tests: a private temporary terminal and assertions.
set -u
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$top_srcdir}
FUKUHONCTL="$top_builddir/fukuhonctl"
FUKUHON="$top_builddir/fukuhon"
failures=0
checks=0

T=$(mktemp -d "${TMPDIR:-/tmp}/fktest.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT

# Write a configuration for a terminal inside $T (extra lines from $1).
make_config() {
	cat > "$T/fukuhon.conf" <<CONF
database = db/fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = test-terminal
bureau = 東京法務局
${1:-}
CONF
	export FUKUHON_CONFIG="$T/fukuhon.conf"
}

ok() { checks=$((checks + 1)); }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }

# expect CODE CMD...: run CMD, check its exit code; output in $T/out, $T/err.
expect() {
	want=$1
	shift
	"$@" > "$T/out" 2> "$T/err"
	got=$?
	if [ "$got" = "$want" ]; then ok; else
		not_ok "$* exited $got, wanted $want; stderr: $(head -c 300 "$T/err")"
	fi
}

# contains FILE TEXT
contains() {
	if grep -qF -- "$2" "$1"; then ok; else not_ok "$1 lacks '$2': $(head -c 300 "$1")"; fi
}

lacks() {
	if grep -qF -- "$2" "$1"; then not_ok "$1 contains '$2'"; else ok; fi
}

finish() {
	echo "$((checks - failures)) passed, $failures failed"
	[ "$failures" = 0 ]
}
