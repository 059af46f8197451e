#!/bin/sh
# Enrolling a terminal (issue 14; R-KEYS, R-MUTUAL, R-LOG, R-TAKEOUT): `fukuhonctl key export
# --for CERT` on terminal A and `key import FILE --from A-CERT` on terminal B.
#
# On SQLite, B's configuration names A's database file (one file two terminals share: the
# stand-in for a shared store on one machine) and a key folder of its own. Checked: the package
# (0600) and A's key.export record (the recipient's fingerprint and subject, no key); certificates
# refused at export (expired, not for TLS client authentication, an RSA key of 1024 bits); at
# import, a package for another terminal, a tampered one, an expired one, one signed by another
# terminal than --from, and one of another bureau's store (its trust key seals none of the
# store's rows) — each a one-line message and nothing written into B's key folder; then the
# import: the shared key files (master, index, trust) byte-identical with A's, B's own history
# keys and anchor different, modes 0600/0700, K0 written, key.import recorded by terminal-b
# with the exporter's fingerprint; a second import refused; B reading A's encrypted history
# details and every register's content through fukuhonctl (audit list, reindex --tags).
#
# On PostgreSQL (when postgresql-15 is installed; skipped otherwise, saying so): A initialises
# the shared store and adds registers, exports for B; B imports, opens the store and reads
# what A added: the history's encrypted details (audit list) and every register's content
# (reindex --tags decrypts each and finds the tags A computed: none added). A connects as the
# role terminal-a (init as the schema's owner, database_admin), B as terminal-b, each with its
# own TLS certificate (tests/pg/cluster.sh), and B's enrolment certificate is an RSA
# certificate of its own.
#
# Then A and B write the store in turn (operators added at each), each opens again after the
# other wrote, and each verifies both history chains with both K0s (the multi-writer trust
# base: a chain per terminal, the store's trust state; tests/multiterm_pg.sh tries its faults).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/enrol_lib.sh"
terminal_a
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$@"; }

# ---- the terminals' certificates (RSA: the package's key transport is RSA-OAEP) ----
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" terminal-a:terminal terminal-b:terminal terminal-c:terminal \
	terminal-x:terminal terminal-weak:terminal-1024 terminal-old:terminal-expired > /dev/null 2>&1 || exit 99
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }

# ---- terminal A: its store, a few registers, its TLS pair in the key folder's store/ ----
expect 0 $C init $TEST_INIT
expect 0 $C demo-data --registers 5 --seed 3
mkdir -m 700 "$T/keys/store"
cp "$P/terminal-a.crt" "$T/keys/store/client.crt"
cp "$P/terminal-a.key" "$T/keys/store/client.key"
mkdir -m 700 "$T/out.d"

# refused at export: nothing written, the failure on record
for bad in terminal-old:expired receiver:"not for TLS client" terminal-weak:"1024 bits"; do
	n=${bad%%:*}
	expect 1 $C key export --for "$P/$n.crt" --out "$T/out.d/$n.pkg"
	contains "$T/err" "${bad#*:}"
	[ $(wc -l < "$T/err") = 1 ] && ok || not_ok "export to $n: more than one line: $(cat "$T/err")"
	[ ! -e "$T/out.d/$n.pkg" ] && ok || not_ok "a refused export to $n left a file"
done
# this terminal's own certificate expired: it cannot sign
expect 1 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/old.pkg" --signer-cert "$P/terminal-old.crt" \
	--signer-key "$P/terminal-old.key"
contains "$T/err" "this terminal's certificate"
[ ! -e "$T/out.d/old.pkg" ] && ok || not_ok "an export by an expired certificate left a file"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'key.export' AND result <> 'success'")" = 4 ] && ok ||
	not_ok "the refused exports are not on record"

# ---- the exports: for B (the default signer: store/client.*), for C, and one that expires at once ----
expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/b.pkg"
contains "$T/out" "$(fp "$P/terminal-b.crt")"
[ "$(stat -c %a "$T/out.d/b.pkg")" = 600 ] && ok || not_ok "the package's mode"
expect 1 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/b.pkg"
expect 0 $C key export --for "$P/terminal-c.crt" --out "$T/out.d/c.pkg"
expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/short.pkg" --valid 1s
# the record: the recipient's fingerprint and subject, never key material
expect 0 $C audit list --action key.export --result success --json
cp "$T/out" "$T/rec"
contains "$T/rec" "sha256=$(fp "$P/terminal-b.crt")"
contains "$T/rec" "CN=terminal-b"
for k in "$T"/keys/*.key; do
	lacks "$T/rec" "$(od -An -tx1 -j13 -N32 "$k" | tr -d ' \n')"
done
# a package of another bureau's store (terminal X: its own keys) for B
other_bureau_pkg

# ---- terminal B: A's database, its own key folder (only store/ with its TLS pair) ----
terminal_b
untouched() {
	[ "$(ls -A "$T/b/keys")" = store ] && [ ! -e "$T/b/audit-initial-key" ] && ok ||
		not_ok "$1: B's key folder holds $(ls -A "$T/b/keys")"
}
refused() { # WHY FILE ARGS...: refused with one line naming WHY, nothing written
	why=$1 file=$2
	shift 2
	B expect 1 $C key import "$file" "$@"
	contains "$T/err" "$why"
	[ $(wc -l < "$T/err") = 1 ] && ok || not_ok "import ($why): more than one line: $(cat "$T/err")"
	untouched "$why"
}
tamper_copy "$T/out.d/b.pkg" "$T/tampered.pkg"
# C's package, decrypted by C and encrypted again to B (the content type put back, which
# AuthEnvelopedData does not authenticate): A's signature holds, the signed header names C
openssl cms -decrypt -binary -inform DER -in "$T/out.d/c.pkg" -recip "$P/terminal-c.crt" \
	-inkey "$P/terminal-c.key" -out "$T/sd.der" 2> /dev/null &&
	openssl cms -encrypt -binary -aes-256-gcm -in "$T/sd.der" -recip "$P/terminal-b.crt" \
		-keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 -outform DER -out "$T/fwd.pkg" 2> /dev/null &&
	perl -0777 -pi -e 's/\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01/\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02/' \
		"$T/fwd.pkg" || exit 99
cp "$P/terminal-b.key" "$T/loose.key"
chmod 644 "$T/loose.key"
sleep 1.2 # short.pkg was valid for one second
refused "encrypted to another recipient" "$T/out.d/c.pkg" --from "$P/terminal-a.crt"
refused "cannot be opened" "$T/tampered.pkg" --from "$P/terminal-a.crt"
refused "signed by another terminal" "$T/out.d/b.pkg" --from "$P/terminal-c.crt"
refused "expired" "$T/out.d/short.pkg" --from "$P/terminal-a.crt"
refused "made for another terminal" "$T/fwd.pkg" --from "$P/terminal-a.crt"
refused "only it can read" "$T/out.d/b.pkg" --from "$P/terminal-a.crt" --cert "$P/terminal-b.crt" --key "$T/loose.key"
refused "do not match the imported trust key" "$T/out.d/x.pkg" --from "$P/terminal-x.crt"
refused "not the key of" "$T/out.d/b.pkg" --from "$P/terminal-a.crt" --cert "$P/terminal-b.crt" --key "$P/terminal-c.key"
# said in the operator's language
ja_catalogue
B expect 1 env LANGUAGE=ja FK_LOCALEDIR="$T/locale" $C key import "$T/out.d/c.pkg" --from "$P/terminal-a.crt"
contains "$T/err" "この端末宛てではありません"
[ "$(sql "SELECT count(*) FROM audit_log WHERE terminal = 'terminal-b'")" = 0 ] && ok ||
	not_ok "a refused import wrote into the store"

# ---- the import ----
B expect 0 $C key import "$T/out.d/b.pkg" --from "$P/terminal-a.crt"
contains "$T/out" "3 shared key files imported"
contains "$T/out" "history initial key $T/b/audit-initial-key off"
for f in master-00000001.key index.key trust.key; do
	cmp -s "$T/keys/$f" "$T/b/keys/$f" && ok || not_ok "$f differs between A and B"
	[ "$(stat -c %a "$T/b/keys/$f")" = 600 ] && ok || not_ok "$f's mode"
done
for f in audit.key audit-sign.key trust.anchor; do
	[ -f "$T/b/keys/$f" ] && ! cmp -s "$T/keys/$f" "$T/b/keys/$f" && ok || not_ok "B's own $f"
done
[ "$(stat -c %a "$T/b/keys")" = 700 ] && ok || not_ok "B's key folder's mode"
[ -s "$T/b/audit-initial-key" ] && ! cmp -s "$T/audit-initial-key" "$T/b/audit-initial-key" && ok ||
	not_ok "B's history initial key"
B expect 0 $C audit list --action key.import --result success --json
cp "$T/out" "$T/rec"
[ "$(sql "SELECT terminal FROM audit_log WHERE action = 'key.import' AND result = 'success'")" = terminal-b ] && ok ||
	not_ok "key.import is not on record by terminal-b"
contains "$T/rec" "sha256=$(fp "$P/terminal-a.crt")"
contains "$T/rec" "terminal=terminal-a"
# a second import: the keys are there
B expect 1 $C key import "$T/out.d/b.pkg" --from "$P/terminal-a.crt"
contains "$T/err" "already holds files"
# B reads what A wrote encrypted: the history's details (under the terminal's data key, which
# the shared master key unwraps), and the registers A added
B expect 0 $C audit list --action key.export --json
contains "$T/out" "CN=terminal-b"
B expect 0 $C status --json
contains "$T/out" '"registers": 5'
# every register A added, decrypted at B and its search tags computed with the shared index
# key: the same tags as A's (none added)
B expect 0 $C reindex --tags
contains "$T/out" "search tags recomputed for 5 registers: 0 added"

# ---- PostgreSQL ----
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
	echo "PostgreSQL 15 is not installed: the shared-store part is skipped"
	finish
	exit $?
fi
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; rm -rf "$T"' EXIT
sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD" || exit $?
. "$PGD/env"
pg_terminals
PA expect 0 $C init $TEST_INIT
PA expect 0 $C demo-data --registers 4 --seed 5
PA expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/pg-b.pkg" \
	--signer-cert "$T/pa/keys/store/terminal-a.crt" --signer-key "$T/pa/keys/store/terminal-a.key"
PB expect 0 $C key import "$T/out.d/pg-b.pkg" --from "$P/terminal-a.crt" \
	--cert "$T/pb/keys/store/terminal-b.crt" --key "$T/pb/keys/store/terminal-b.key"
for f in master-00000001.key index.key trust.key; do
	cmp -s "$T/pa/keys/$f" "$T/pb/keys/$f" && ok || not_ok "PostgreSQL: $f differs between A and B"
done
$FK_PG_PSQL -A -t -c "SELECT terminal || ' ' || action FROM audit_log WHERE action LIKE 'key.%' AND result = 'success' ORDER BY seq" > "$T/rec"
contains "$T/rec" "pg-terminal-a key.export"
contains "$T/rec" "pg-terminal-b key.import"
PB expect 0 $C status --json
contains "$T/out" '"registers": 4'
PB expect 0 $C reindex --tags
contains "$T/out" "search tags recomputed for 4 registers: 0 added"
PB expect 0 $C audit list --action key.export --json
contains "$T/out" "CN=terminal-b"

# ---- the enrolled terminal and its exporter then write the shared store in turn ----
# (the multi-writer trust base: a chain per terminal, the store's trust state; each opens again
# after the other wrote, and each verifies both chains with both K0s)
PA expect 0 $C operator add sato --role supervisor --bureau 東京法務局
PB expect 0 $C operator add suzuki --role operator --bureau 東京法務局
PA expect 0 $C operator list --json
contains "$T/out" '"suzuki"'
PB expect 0 $C operator list --json
contains "$T/out" '"sato"'
PA expect 0 $C audit verify --key "$T/pa/audit-initial-key" --other-key "$T/pb/audit-initial-key"
contains "$T/out" "history intact"
PB expect 0 $C audit verify --key "$T/pb/audit-initial-key" --other-key "$T/pa/audit-initial-key"
contains "$T/out" "history intact"
finish
