# Sourced by the benchmarks that import a package of 131016 (run_dispose_muni.sh,
# run_import_wait.sh, bench_receiver.sh): a fresh test terminal of 東京法務局 in $B that receives 131016's packages.
# Needs top_srcdir, B and C (fukuhonctl); sets P (the test PKI: tests/pki.sh) and exports the
# configuration and the test actor.

# bench_terminal ID [LINE…]: the configuration (terminal_id ID, and each LINE more), the
# terminal, its trust store and its receiving certificate; the test PKI has a certificate for
# each municipality in BENCH_MUNIS (default 131016).
bench_terminal() {
	cat > "$B/fukuhon.conf" <<CONF
database = db/fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = $1
bureau = 東京法務局
CONF
	shift
	for line in "$@"; do
		printf '%s\n' "$line" >> "$B/fukuhon.conf"
	done
	export FUKUHON_CONFIG="$B/fukuhon.conf" FUKUHON_TEST_ACTOR=admin FK_TOP_SRCDIR="$top_srcdir"
	P=$B/pki
	# shellcheck disable=SC2086
	sh "$top_srcdir/tests/pki.sh" "$P" ${BENCH_MUNIS:-131016} > /dev/null 2>&1
	"$C" init --admin admin --bureau 東京法務局 --mode test > /dev/null
	"$C" ca add "$P/ca.crt" > /dev/null
	"$C" crl add "$P/ca.crl" > /dev/null
	"$C" cert install "$P/receiver.crt" --key "$P/receiver.key" > /dev/null
}
