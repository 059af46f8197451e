# Shared helpers for the shell tests: a private temporary terminal and assertions.
set -u
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$top_srcdir}
FUKUHONCTL="$top_builddir/fukuhonctl"
FUKUHON="$top_builddir/fukuhon"
failures=0
checks=0

# The configurations written below must not be writable by others, or they are refused.
umask 022
T=$(mktemp -d "${TMPDIR:-/tmp}/fktest.XXXXXX") || exit 99
trap 'tui_stop; store_drop; rm -rf "$T"' EXIT

# ---- the store a test terminal is made on: SQLite (default) or PostgreSQL (issue 14) ----
# FK_TEST_PG names the env file of a running cluster (tests/pg/cluster.sh start DIR writes
# DIR/env; tests/shells_pg.sh sets it): then make_config makes a fresh database of this test's
# own on that cluster instead of db/fukuhon.db, and drops it on exit (store_drop, in the EXIT
# traps). The terminal connects as its own restricted role (terminal-a: a member of
# fukuhon_terminal only), the schema's owner (terminal1) makes and migrates the schema
# (database_admin), as docs/deployment.md sets a bureau's store up. What a test reads or writes
# behind the product's back goes through store_sql / store_forge below, written once for both.
STORE_DB=
if [ -n "${FK_TEST_PG:-}" ]; then
	[ -r "$FK_TEST_PG" ] || { echo "FK_TEST_PG=$FK_TEST_PG: no readable env file of tests/pg/cluster.sh"; exit 99; }
	. "$FK_TEST_PG"
	# one database a test: its name from the script's and the process's (unique on the cluster)
	STORE_PG=fks_$(basename "$0" .sh | tr -c 'a-z0-9_\n' _)_$$
fi

# on_pg: true when this test's store is PostgreSQL.
on_pg() { [ -n "${FK_TEST_PG:-}" ]; }

# sqlite_only REASON: true on SQLite; on PostgreSQL false, after saying which check is skipped
# and why (tests/shells_pg.sh counts these lines). Use: sqlite_only "the WAL's bytes" || return
sqlite_only() {
	on_pg || return 0
	echo "SKIP-ON-PG: $(basename "$0"): $1"
	return 1
}

# store_uri ROLE-CONNINFO: the cluster's URI (".../fk?...") turned to this test's database.
store_uri() { printf '%s' "$1" | sed "s|/fk?|/$STORE_PG?|"; }

# store_create: this test's database, made once (make_config may run more than once; on
# SQLite the file stays the same too): owned by the schema's owner, its CONNECT and TEMPORARY
# for the terminals' group role only (build-aux/pg-roles.sh group, as for a bureau's store).
store_create() {
	[ -z "$STORE_DB" ] || return 0
	$FK_PG_PSQL -c "CREATE DATABASE \"$STORE_PG\" OWNER terminal1" > /dev/null &&
		sh "$top_srcdir/build-aux/pg-roles.sh" group "$STORE_PG" | $FK_PG_PSQL -f - > /dev/null ||
		{ echo "could not make the database $STORE_PG on the test cluster"; exit 99; }
	STORE_DB=$STORE_PG
}

# store_drop: this test's database and its snapshots gone (nothing on SQLite: the files go
# with $T).
store_drop() {
	[ -n "${STORE_DB:-}" ] || return 0
	for d in "$STORE_DB" $STORE_SNAPS; do
		$FK_PG_PSQL -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" > /dev/null 2>&1 || true
	done
	STORE_DB= STORE_SNAPS=
}
STORE_SNAPS=

# store_snapshot NAME: the whole store as it is now, kept as NAME (the file copied after a
# checkpoint of its WAL, or a database made from this one as its template); store_restore NAME
# puts it back in place, the store's name unchanged. The key folder is the caller's to keep.
# On PostgreSQL a template may have no session: a console's connection is ended (refused while
# the copy is made) and the console connects again, as after any dropped connection.
store_snapshot() {
	if on_pg; then
		$FK_PG_PSQL -c "DROP DATABASE IF EXISTS \"${STORE_DB}_$1\"" \
			-c "ALTER DATABASE \"$STORE_DB\" ALLOW_CONNECTIONS false" \
			-c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$STORE_DB'" \
			-c "CREATE DATABASE \"${STORE_DB}_$1\" TEMPLATE \"$STORE_DB\" OWNER terminal1" \
			-c "ALTER DATABASE \"$STORE_DB\" ALLOW_CONNECTIONS true" > /dev/null || return 1
		STORE_SNAPS="$STORE_SNAPS ${STORE_DB}_$1"
	else
		sqlite3 -cmd ".timeout 10000" "$T/db/fukuhon.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null &&
			rm -rf "$T/db.$1" && cp -a "$T/db" "$T/db.$1"
	fi
}
store_restore() {
	if on_pg; then
		# a database's own privileges (CONNECT for the terminals) are not copied from its template
		$FK_PG_PSQL -c "DROP DATABASE IF EXISTS \"$STORE_DB\" WITH (FORCE)" \
			-c "CREATE DATABASE \"$STORE_DB\" TEMPLATE \"${STORE_DB}_$1\" OWNER terminal1" > /dev/null &&
			sh "$top_srcdir/build-aux/pg-roles.sh" group "$STORE_DB" | $FK_PG_PSQL -f - > /dev/null
	else
		rm -rf "$T/db" && cp -a "$T/db.$1" "$T/db"
	fi
}

# store_sql SQL...: each statement as the attacker or the test reads and writes the store
# behind the product: sqlite3 on the file, or psql as the server's administrator on this
# test's database; rows as "a|b" lines, NULL empty, on both. Triggers fire (see store_forge).
store_sql() {
	if on_pg; then
		for q in "$@"; do
			psql "$FK_PG_ADMIN dbname=$STORE_DB" -X -q -A -t -v ON_ERROR_STOP=1 -c "$q" || return 1
		done
	else
		sqlite3 -cmd ".timeout 10000" "$T/db/fukuhon.db" "$@"
	fi
}

# store_forge SQL: SQL run past the store's triggers, as a forger who can write the store does
# (sqlite3's .dbconfig enable_trigger off; PostgreSQL's session_replication_role = replica,
# which only a superuser may set), in one transaction on PostgreSQL.
store_forge() {
	if on_pg; then
		psql "$FK_PG_ADMIN dbname=$STORE_DB" -X -q -A -t -v ON_ERROR_STOP=1 -1 \
			-c "SET LOCAL session_replication_role = replica" -c "$1"
	else
		sqlite3 -cmd ".timeout 10000" "$T/db/fukuhon.db" ".dbconfig enable_trigger off" "$1"
	fi
}

# store_keep NAME TABLE WHERE: TABLE's rows matching WHERE kept aside as NAME, as an attacker
# keeps an older copy (on SQLite the whole file, as sqlite3's .backup makes it; on PostgreSQL
# the rows, COPY's text); store_put_back NAME TABLE WHERE puts them back over what is there
# now (INSERT OR REPLACE: the rows matching WHERE removed, the kept ones inserted; on
# PostgreSQL past the foreign keys, as sqlite3 with its foreign keys off, by the server's
# administrator with session_replication_role = replica).
store_keep() {
	if on_pg; then
		psql "$FK_PG_ADMIN dbname=$STORE_DB" -X -q -v ON_ERROR_STOP=1 \
			-c "\\copy (SELECT * FROM $2 WHERE $3) TO '$T/$1.copy'"
	else
		sqlite3 -cmd ".timeout 10000" "$T/db/fukuhon.db" ".backup '$T/$1.db'"
	fi
}
store_put_back() {
	if on_pg; then
		psql "$FK_PG_ADMIN dbname=$STORE_DB" -X -q -v ON_ERROR_STOP=1 -1 \
			-c "SET LOCAL session_replication_role = replica" -c "DELETE FROM $2 WHERE $3" \
			-c "\\copy $2 FROM '$T/$1.copy'"
	else
		sqlite3 -cmd ".timeout 10000" "$T/db/fukuhon.db" "ATTACH '$T/$1.db' AS old" \
			"INSERT OR REPLACE INTO $2 SELECT * FROM old.$2 WHERE $3"
	fi
}

# pg_rows_hold TEXT: on PostgreSQL, true when a live row of any table of the store holds TEXT
# (case aside; a bytea is dumped as lower-case hex, so bytes are looked for as their hex): what
# is left to look for where there is no one file whose bytes to read.
pg_rows_hold() { pg_rows_dump && grep -qiF -- "$1" "$T/rows.dump"; }
# pg_rows_dump: every live row of the store as its server's administrator reads it, in $T/rows.dump.
pg_rows_dump() {
	"$FK_PG_BIN/pg_dump" -d "$FK_PG_ADMIN dbname=$STORE_DB" --data-only -n public > "$T/rows.dump" 2> "$T/rows.err" ||
		{ not_ok "pg_dump of the store failed"; return 1; }
}

# sql_hex EXPR: the SQL of EXPR's bytes as upper-case hex on this backend.
sql_hex() { if on_pg; then echo "upper(encode($1, 'hex'))"; else echo "hex($1)"; fi; }

# A test terminal: created by its first administrator, "admin" (R-TEST-ENV); on it, and only
# on a test or demo terminal, fukuhonctl takes who acts from $FUKUHON_TEST_ACTOR instead of a
# PAM sign-in. Tests that act as someone else set it per command.
TEST_INIT="--admin admin --bureau 東京法務局 --mode test"
export FUKUHON_TEST_ACTOR=admin

# Write a configuration for a terminal inside $T (extra lines from $1).
# On PostgreSQL (FK_TEST_PG) the database is this test's own on the cluster (store_create).
make_config() {
	if on_pg; then
		store_create
		dbline="database = $(store_uri "$FK_PG_CONNINFO_A")
database_admin = $(store_uri "$FK_PG_CONNINFO_OWNER")"
	else
		dbline="database = db/fukuhon.db"
	fi
	cat > "$T/fukuhon.conf" <<CONF
$dbline
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = test-terminal
bureau = 東京法務局
${1:-}
CONF
	export FUKUHON_CONFIG="$T/fukuhon.conf"
}

# pg_config FILE [LINES]: a terminal's configuration on the PostgreSQL store of $FK_PG_CONNINFO
# (tests/pg/cluster.sh's env), its key folder beside FILE, extra lines from LINES; exported.
pg_config() {
	cat > "$1" <<CONF
database = $FK_PG_CONNINFO
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = pg-terminal
bureau = 東京法務局
language = en
${2:-}
CONF
	export FUKUHON_CONFIG="$1"
}

# The receiving service's tests (receiver.sh, receiver_ec.sh, receiver_pg.sh): FKPKG, FKPOST and RECV set, or
# the test skipped when openssl or one of them is missing.
receiver_tools() {
	command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
	FKPKG="$top_builddir/tests/fkpkg"
	FKPOST="$top_builddir/tests/fkpost"
	RECV="$top_builddir/fukuhon-receiver"
	[ -x "$FKPKG" ] && [ -x "$FKPOST" ] && [ -x "$RECV" ] || { echo "test tools not built: skipped"; exit 77; }
}

# pg_terminal_config FILE [LINES]: pg_config, the terminal on its own role (terminal-a: member
# of fukuhon_terminal only) and the schema's owner for init and migrate (database_admin).
pg_terminal_config() {
	pg_config "$@"
	{ grep -v '^database = ' "$1"; echo "database = $FK_PG_CONNINFO_A"
	  echo "database_admin = $FK_PG_CONNINFO_OWNER"; } > "$1.new" && mv "$1.new" "$1"
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

# receiving_terminal MUNI...: a test terminal that receives from MUNI (tests/pki.sh's CA, CRL
# and receiving certificate in $P, installed); exits 99 when it cannot be made.
receiving_terminal() {
	P=$T/pki
	sh "$top_srcdir/tests/pki.sh" "$P" "$@" > /dev/null 2>&1 || exit 99
	"$FUKUHONCTL" init $TEST_INIT > /dev/null || exit 99
	"$FUKUHONCTL" ca add "$P/ca.crt" > /dev/null || exit 99
	"$FUKUHONCTL" crl add "$P/ca.crl" > /dev/null || exit 99
	"$FUKUHONCTL" cert install "$P/receiver.crt" --key "$P/receiver.key" > /dev/null || exit 99
}

# ---- a municipality delivering to fukuhon-receiver (tests/pki.sh's PKI in $P; $PORT) ----
# pkg NAME MUNI SEQUENCE [fkpkg options]: $T/NAME.pkg, signed by MUNI, to the receiving certificate
pkg() {
	name=$1 muni=$2 seq=$3
	shift 3
	"$top_builddir/tests/fkpkg" -o "$T/$name.pkg" --quiet --signer-key "$P/muni-$muni.key" \
		--signer-cert "$P/muni-$muni.crt" --to "$P/receiver.crt" --municipality "$muni" --sequence "$seq" "$@" ||
		not_ok "fkpkg could not make $name"
}
# post MUNI [fkpost options] FILE...: delivered over TLS as MUNI
post() {
	muni=$1
	shift
	"$top_builddir/tests/fkpost" --port "$PORT" --ca "$P/ca.crt" --cert "$P/muni-$muni.crt" --key "$P/muni-$muni.key" "$@"
}

# ---- PostgreSQL: the same test again on a shared store (issue 14) ----
# pg_start: a throwaway PostgreSQL 15 cluster (tests/pg/cluster.sh) for the rest of the test,
# stopped on exit before the console's tmux server and $T go; FK_PG_CONNINFO and the rest in
# the environment. 77 where postgresql-15 is not installed (the caller says it skips).
pg_start() {
	PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || return 99
	trap 'store_drop; sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; tui_stop; rm -rf "$T"' EXIT
	sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD" || return $?
	. "$PGD/env"
}

# pg_part: pg_start for a test's PostgreSQL part, saying why when it cannot run; 0 when it can.
pg_part() {
	pg_start
	case $? in
	0) return 0 ;;
	77) echo "PostgreSQL part skipped: postgresql-15 is not installed (apt-get install postgresql-15)" ;;
	*) not_ok "the PostgreSQL cluster did not start" ;;
	esac
	return 1
}

# pg_pass_cluster: the one cluster a pass of tests on PostgreSQL shares (tests/units_pg.sh,
# tests/shells_pg.sh), stopped on exit whatever happens; exits 77 where postgresql-15 is not
# installed. A test's cluster, not a store: durability off (a terminal made in 1.2 s instead of
# 3.5 s) changes nothing the product does or checks. FK_PG_PASS=off skips both passes (77):
# .ci/run's make distcheck, after the same passes ran on the same sources twice.
pg_pass_cluster() {
	if [ "${FK_PG_PASS:-full}" = off ]; then
		echo "skipped: FK_PG_PASS=off (the passes on PostgreSQL ran elsewhere)"
		exit 77
	fi
	PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
	trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; rm -rf "$T"' EXIT
	sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD"
	case $? in
	0) ;;
	77) echo "SKIP: postgresql-15 is not installed (apt-get install postgresql-15; .ci/run installs it)"; exit 77 ;;
	*) echo "the PostgreSQL cluster did not start"; exit 99 ;;
	esac
	. "$PGD/env"
	$FK_PG_PSQL -c "ALTER SYSTEM SET fsync = off" -c "ALTER SYSTEM SET full_page_writes = off" \
		-c "SELECT pg_reload_conf()" > /dev/null || { echo "the cluster's settings failed"; exit 99; }
}

# conf_on DIR DATABASE: $T/fukuhon.conf as make_config wrote it, in DIR (a terminal of its own:
# its key folder and history key there) on DATABASE.
conf_on() {
	mkdir -p "$1"
	{ grep -v '^database = ' "$T/fukuhon.conf"; echo "database = $2"; } > "$1/fukuhon.conf"
}

# pdf_is_layout PDF ACTOR REG: the text of PDF (pdftotext) holds the console's layout lines of
# register REG as ACTOR sees them (tests/fkcert: fk_cert_lines), in order; whitespace aside, the
# one thing pdftotext does not keep. Its text without whitespace in $T/pdf.flat, for the marks.
pdf_is_layout() {
	pdftotext -layout -enc UTF-8 "$1" "$T/pdf.txt" && ok || not_ok "pdftotext $1"
	FUKUHON_TEST_ACTOR=$2 "$top_builddir/tests/fkcert" "$FUKUHON_CONFIG" "$2" "$3" > "$T/lines.txt" || not_ok "fkcert $3"
	[ "$(wc -l < "$T/lines.txt")" -gt 5 ] && ok || not_ok "fkcert gave $(wc -l < "$T/lines.txt") lines"
	# (sed, not tr: tr works on bytes and would cut the ideographic space's bytes out of others)
	sed -e 's/[[:space:]]//g' -e 's/　//g' < "$T/pdf.txt" | tr -d '\n' > "$T/pdf.flat"
	rest=$(cat "$T/pdf.flat")
	missing=0
	while IFS= read -r line; do
		l=$(printf '%s' "$line" | sed -e 's/[[:space:]]//g' -e 's/　//g' | tr -d '\n')
		[ -n "$l" ] || continue
		case "$rest" in
		*"$l"*) rest=${rest#*"$l"} ;;
		*) missing=$((missing + 1)); echo "not in the PDF (in order): $line" >&2 ;;
		esac
	done < "$T/lines.txt"
	[ "$missing" = 0 ] && ok || not_ok "$missing layout lines missing from the PDF"
}

# print_copy REG: a copy of register REG asked for by tanaka, approved by sato and printed
# (a print_spool configured); its output number in $NUMBER.
print_copy() {
	expect 0 env FUKUHON_TEST_ACTOR=tanaka "$FUKUHONCTL" request print --register "$1" --reason "本人からの請求"
	id=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
	expect 0 env FUKUHON_TEST_ACTOR=sato "$FUKUHONCTL" approve "$id" --reason "確認済み"
	expect 0 env FUKUHON_TEST_ACTOR=tanaka "$FUKUHONCTL" print "$id" --json
	NUMBER=$(sed -n 's/.*"number": "\([^"]*\)".*/\1/p' "$T/out" | head -n 1)
}

# ---- PAM under pam_wrapper + pam_matrix (no system account, nothing under /etc) ----
# make_pam USER:PASSWORD:SERVICE ...: service files and password files in $T/pam:
#   fukuhon          pam_matrix for auth, account, password and session
#   fukuhon-multi    a TEXT_INFO (pam_echo), the password (masked, with pam_matrix's verbose
#                    messages), then a one-time code (visible: pam_matrix echo) from $T/pam/otpdb
#   fukuhon-expired  like fukuhon, but pam_debug makes pam_acct_mgmt say PAM_NEW_AUTHTOK_REQD
#   other            pam_deny
# Skips the test (77) where pam_wrapper is not installed.
# bench_terminal: the benchmarks' test terminal with tanaka (password tanaka-pw) enrolled and
# in pam_matrix's password file.
bench_terminal() {
	make_pam tanaka:tanaka-pw:fukuhon
	make_config "language = en"
	"$FUKUHONCTL" init $TEST_INIT > /dev/null
	"$FUKUHONCTL" operator add tanaka --role operator --bureau 東京法務局 > /dev/null
}

make_pam() {
	if [ -z "${PAM_WRAPPER_LIB:-}" ] || [ -z "${PAM_WRAPPER_MODDIR:-}" ]; then
		echo "pam_wrapper is not available: skipped"
		exit 77
	fi
	mkdir -p "$T/pam"
	: > "$T/pam/passdb"
	for a in "$@"; do echo "$a" >> "$T/pam/passdb"; done
	: >> "$T/pam/otpdb"
	chmod 600 "$T/pam/passdb" "$T/pam/otpdb"
	m="$PAM_WRAPPER_MODDIR/pam_matrix.so"
	p="passdb=$T/pam/passdb"
	for t in auth account password session; do echo "$t required $m $p"; done > "$T/pam/fukuhon"
	{
		echo "auth optional pam_echo.so file=$T/pam/banner"
		echo "auth required $m $p verbose"
		echo "auth required $m passdb=$T/pam/otpdb echo"
		for t in account password session; do echo "$t required $m $p"; done
	} > "$T/pam/fukuhon-multi"
	echo "Test stack: password, then one-time code" > "$T/pam/banner"
	{
		echo "auth required $m $p"
		echo "account required $m $p"
		echo "account required pam_debug.so acct=new_authtok_reqd"
		echo "password required $m $p"
		echo "session required $m $p"
	} > "$T/pam/fukuhon-expired"
	for t in auth account password session; do echo "$t required pam_deny.so"; done > "$T/pam/other"
}

# Two tests' PAM processes starting at once can share pam_wrapper's folder and read each other's
# password files: tests/pam_serial.so, preloaded first, takes them one at a time (its comment).
if [ -n "${PAM_WRAPPER_LIB:-}" ] && [ -f "$top_builddir/tests/pam_serial.so" ]; then
	case $PAM_WRAPPER_LIB in
	*pam_serial.so*) ;;
	*) PAM_WRAPPER_LIB="$top_builddir/tests/pam_serial.so:$PAM_WRAPPER_LIB" ;;
	esac
fi
# Run a command under pam_wrapper: both variables, or pam_authenticate spins forever.
pam_env() {
	env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam" "$@"
}

# ctl_as USER PASSWORD ARGS...: fukuhonctl signed in as USER through pam_wrapper, the password on
# standard input ($PAM: the environment; CTL_AS_TIMEOUT seconds, default 60).
PAM="env LD_PRELOAD=${PAM_WRAPPER_LIB:-} PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1"
ctl_as() {
	u=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" | timeout "${CTL_AS_TIMEOUT:-60}" $PAM "$FUKUHONCTL" --user "$u" --password-stdin "$@"
}

# ---- the console in tmux: own socket, polls with deadlines, no bare sleeps ----
TMUX_CMD="${TMUX_BIN:-tmux} -S $T/tmux.sock -f /dev/null"

# tui_start NAME CMD...: start CMD in a detached 100x30 session NAME.
tui_start() {
	name=$1
	shift
	tui_keepalive
	$TMUX_CMD new-session -d -s "$name" -x 100 -y 30 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 "$@"
	$TMUX_CMD set-option -t "$name" remain-on-exit on > /dev/null
}

# tui_keepalive: an idle session that keeps the tmux server up. Killing the last session makes
# the server exit asynchronously, and a new-session racing that exit fails ("no server running").
tui_keepalive() {
	$TMUX_CMD has-session -t keep 2> /dev/null || $TMUX_CMD new-session -d -s keep -x 20 -y 5 "sleep 86400"
}

tui_screen() { $TMUX_CMD capture-pane -p -t "$1"; }

# tui_wait NAME TEXT [SECONDS]: until the screen shows TEXT (default deadline 15 s).
tui_wait() {
	deadline=$(( $(date +%s) + ${3:-15} ))
	while ! tui_screen "$1" 2>/dev/null | grep -qF -- "$2"; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			not_ok "screen of $1 never showed '$2'; it shows:"
			tui_screen "$1" >&2
			return 1
		fi
		sleep 0.05
	done
	ok
}

# tui_gone NAME TEXT [SECONDS]: until the screen no longer shows TEXT (a key's effect is drawn
# after the key arrives: a capture taken at once may still show the screen before it).
tui_gone() {
	deadline=$(( $(date +%s) + ${3:-15} ))
	while tui_screen "$1" 2>/dev/null | grep -qF -- "$2"; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			not_ok "screen of $1 still shows '$2':"
			tui_screen "$1" >&2
			return 1
		fi
		sleep 0.05
	done
	ok
}

# tui_send NAME KEYS...: type literal text; tui_key NAME KEY: one named key.
tui_send() { $TMUX_CMD send-keys -t "$1" -l "$2"; }
tui_key() { $TMUX_CMD send-keys -t "$1" "$2"; }

# tui_dead NAME: until the program in NAME has exited.
tui_dead() {
	deadline=$(( $(date +%s) + ${2:-15} ))
	until [ "$($TMUX_CMD display-message -p -t "$1" '#{pane_dead}' 2>/dev/null)" = 1 ]; do
		if [ "$(date +%s)" -ge "$deadline" ]; then not_ok "$1 did not exit"; return 1; fi
		sleep 0.05
	done
	ok
}

# ja_catalogue: the Japanese catalogue as built from po/ja.po, under $T/locale (FK_LOCALEDIR).
ja_catalogue() {
	mkdir -p "$T/locale/ja/LC_MESSAGES"
	for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
		[ -f "$g" ] && { cp "$g" "$T/locale/ja/LC_MESSAGES/fukuhon.mo"; break; }
	done
	[ -f "$T/locale/ja/LC_MESSAGES/fukuhon.mo" ] || { echo "po/ja.gmo not built"; exit 99; }
}

# tui_console NAME CONFIG: a console at 80x24 (the smallest the brief promises) under
# pam_wrapper, in CONFIG's language with the catalogue of ja_catalogue.
tui_console() {
	tui_keepalive
	$TMUX_CMD new-session -d -s "$1" -x 80 -y 24 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
		env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam" \
		UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 FK_LOCALEDIR="$T/locale" \
		"$FUKUHON" --config "$2"
	$TMUX_CMD set-option -t "$1" remain-on-exit on > /dev/null
}

# golden_compare NAME: $T/NAME.txt (a screen as captured) against tests/golden/NAME.txt;
# with FK_GOLDEN_UPDATE=1 it replaces the golden copy instead (then review the diff).
golden_compare() {
	if [ "${FK_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$T/$1.txt" "$top_srcdir/tests/golden/$1.txt"
		ok
	elif diff -u "$top_srcdir/tests/golden/$1.txt" "$T/$1.txt" > "$T/$1.diff"; then
		ok
	else
		not_ok "screen $1 differs from the golden copy:"
		cat "$T/$1.diff" >&2
	fi
}

tui_stop() { $TMUX_CMD kill-server 2> /dev/null || true; }

# tui_sign_in SESSION USER: from the Japanese sign-in screen to home, the password USER-pw (make_pam)
tui_sign_in() {
	tui_wait "$1" "ユーザー名"
	tui_send "$1" "$2"; tui_key "$1" Enter
	tui_wait "$1" "Password"
	tui_send "$1" "$2-pw"; tui_key "$1" Enter
	tui_wait "$1" "市区町村"
}
# tui_sign_in_en SESSION USER: the same from the English sign-in screen
tui_sign_in_en() {
	tui_wait "$1" "User name:"
	tui_send "$1" "$2"; tui_key "$1" Enter
	tui_wait "$1" "Password:"
	tui_send "$1" "$2-pw"; tui_key "$1" Enter
	tui_wait "$1" "Home"
}
# tui_sign_out SESSION: from home back to the sign-in screen
tui_sign_out() {
	tui_send "$1" q
	tui_wait "$1" "サインアウトしますか？ (y/n)"
	tui_send "$1" y
	tui_wait "$1" "ユーザー名"
}

# ipp_printer PORT DIR FORMATS [OPTION]: an IPP Everywhere printer on loopback (CUPS's ippeveprinter,
# keeping what it receives in DIR; its own keys for ipps in $KEYS, default $T/ippkeys, nothing in
# $HOME); DNS-SD made a no-op by the shim $SHIM (tests/fake_avahi.so). Its pid is added to PIDS:
# the caller's EXIT trap kills them. Used by print_ipp.sh and tui_requests.sh.
ipp_printer() {
	# -c true: the job "printed" at once (without a command it pretends to print for 5-15 s)
	LD_PRELOAD="$SHIM" HOME="$T" ippeveprinter ${4:-} -p "$1" -d "$2" -k -f "$3" -K "${KEYS:-$T/ippkeys}" \
		-c /bin/true -n localhost fkprinter > "$2.log" 2>&1 &
	PIDS="$PIDS $!"
	n=0
	until ipptool -q "ipp://localhost:$1/ipp/print" get-printer-attributes.test 2> /dev/null; do
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "ippeveprinter did not start: $(cat "$2.log")"; exit 99; }
		sleep 0.1
	done
}
# a free port: the kernel's choice for a listening socket, then closed
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# return_terminal PKI: a test terminal ready for a municipality's return (tests/return.sh,
# tests/tamper_return.sh): tanaka (operator, asks and carries out) and sato (supervisor), the
# receiving certificate and the CA of PKI (made by tests/pki.sh) with its CRL, 40 demo
# registers, tanaka's grant; M the municipality with the most registers, N its registers, and
# its own certificate for encryption ($T/muni.crt, key $T/muni.key; its code as serialNumber)
return_terminal() {
	sh "$top_srcdir/tests/pki.sh" "$1" 131016 > /dev/null 2>&1 || exit 99
	return_store "$T" "$1"
	M=$(store_sql "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1")
	N=$(store_sql "SELECT count(*) FROM register WHERE municipality = '$M'")
	openssl req -new -newkey rsa:2048 -nodes -keyout "$T/muni.key" -subj "/O=fukuhon test/serialNumber=$M/CN=municipality $M" \
		-out "$T/muni.csr" > /dev/null 2>&1 || exit 99
	openssl x509 -req -in "$T/muni.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" -CAcreateserial -days 30 \
		-extfile "$1/ca.cnf" -extensions leaf_recv -out "$T/muni.crt" > /dev/null 2>&1 || exit 99
}

# return_store DIR PKI: the store $FUKUHON_CONFIG names made a returning terminal: 40 demo
# registers, tanaka (operator, asks) and sato (supervisor, approves), the receiving certificate
# (its request and certificate in DIR) and the test CA of PKI with its CRL.
return_store() {
	expect 0 $FUKUHONCTL init $TEST_INIT
	expect 0 $FUKUHONCTL operator add tanaka --role operator --bureau 東京法務局
	expect 0 $FUKUHONCTL operator add sato --role supervisor --bureau 東京法務局
	expect 0 $FUKUHONCTL cert request --out "$1/recv.csr"
	openssl x509 -req -in "$1/recv.csr" -CA "$2/ca.crt" -CAkey "$2/ca.key" -CAcreateserial -days 30 \
		-extfile "$2/ca.cnf" -extensions leaf_recv -out "$1/recv.crt" > /dev/null 2>&1 || exit 99
	expect 0 $FUKUHONCTL cert install "$1/recv.crt"
	expect 0 $FUKUHONCTL ca add "$2/ca.crt"
	expect 0 $FUKUHONCTL crl add "$2/ca.crl"
	expect 0 $FUKUHONCTL demo-data --registers 40 --seed 7
	expect 0 $FUKUHONCTL grant tanaka --all --kind koseki,joseki,ledger,documents --rights view,export,dispose --reason "返還と廃棄の担当"
}

# keep_pristine / restore: the terminal as it is now (database and key folder: the key folder
# holds the anchor and the history key, which move on with every record; putting it back is
# the test's, not the attacker's), put back before each attack of a tamper test; kept again,
# it replaces the copy kept before.
keep_pristine() {
	sqlite3 -cmd ".timeout 10000" "$T/db/fukuhon.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
	rm -rf "$T/db.pristine" "$T/keys.pristine"
	cp -a "$T/db" "$T/db.pristine"
	cp -a "$T/keys" "$T/keys.pristine"
}
restore() {
	rm -rf "$T/db" "$T/keys"
	cp -a "$T/db.pristine" "$T/db"
	cp -a "$T/keys.pristine" "$T/keys"
}
