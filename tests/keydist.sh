#!/bin/sh
# The bureau's keys across several terminals after enrolment (issue 14; R-KEYS, R-LOG,
# R-LOGSEAL, R-TAKEOUT): a master-key rotation at one terminal, what another terminal that
# lacks the new key then does (refuses, naming the key and what to do, and changes nothing),
# the new key carried to it (`key export` again, `key import --update`), the old key destroyed
# there, and a terminal retired (`terminal retire`).
#
# SQLite (two key folders over one file, as tests/enrol.sh; a single writer at a time, so A
# prepares its packages before B writes): a package made before a rotation is refused at B's
# first import with the missing key named, B's folder left empty; B enrolled with a current
# package; `--update` refused on a folder not enrolled, for a package of another bureau's
# store (its trust key differs), one for another terminal, a tampered one and an expired one,
# each leaving B's folder as it was; an update that adds nothing is on record.
#
# PostgreSQL (both terminals write the store): A rotates; B's status, its re-computation of the
# search tags and its own rotation are refused naming master key 2, B's folder and the store
# unchanged (no master key 2 of B's own: two different keys under one id would leave each
# terminal unable to read what the other re-wrapped); B updated from A's new package: the key
# added, B's own history keys and anchor byte-identical, on record at both terminals; B reads
# every register again; B destroys its old key; a package older than a second rotation is
# refused as stale. Then A retires B: B's programs refuse to open the store, a process of B's
# left running writes a record after the retirement and `audit verify` reports it (and passes
# without it), B's chain is witnessed at its last record; retiring oneself, an unknown
# terminal, a second time and as an operator are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/enrol_lib.sh"
terminal_a
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" terminal-a:terminal terminal-b:terminal terminal-c:terminal \
	terminal-x:terminal > /dev/null 2>&1 || exit 99
mkdir -m 700 "$T/out.d"
snap() { (cd "$1" && for f in $(ls -A | sort); do [ -f "$f" ] && printf '%s %s\n' "$f" "$(sha256sum < "$f")"; done) }

# ---- SQLite: A, its packages before and after a rotation ----
expect 0 $C init $TEST_INIT
expect 0 $C demo-data --registers 4 --seed 7
mkdir -m 700 "$T/keys/store"
cp "$P/terminal-a.crt" "$T/keys/store/client.crt"
cp "$P/terminal-a.key" "$T/keys/store/client.key"
expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/old.pkg"
expect 0 $C key rotate
contains "$T/out" "master key 2 is current"
expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/b.pkg"
expect 0 $C key export --for "$P/terminal-c.crt" --out "$T/out.d/c.pkg"
expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/short.pkg" --valid 1s
tamper_copy "$T/out.d/b.pkg" "$T/tampered.pkg"
other_bureau_pkg

# ---- B: the package from before the rotation refused at its first import ----
terminal_b
B expect 1 $C key import "$T/out.d/old.pkg" --from "$P/terminal-a.crt"
contains "$T/err" "Master key 2 is not in this terminal's key folder"
contains "$T/err" "key import --update"
[ "$(ls -A "$T/b/keys")" = store ] && [ ! -e "$T/b/audit-initial-key" ] && ok ||
	not_ok "a stale first import left $(ls -A "$T/b/keys")"
# --update on a folder that is not an enrolled terminal's
B expect 1 $C key import --update "$T/out.d/b.pkg" --from "$P/terminal-a.crt"
contains "$T/err" "is not an enrolled terminal's"
[ "$(ls -A "$T/b/keys")" = store ] && ok || not_ok "an update of a folder not enrolled wrote $(ls -A "$T/b/keys")"
# the current package: enrolled
sleep 1.2 # short.pkg was valid for one second
B expect 0 $C key import "$T/out.d/b.pkg" --from "$P/terminal-a.crt"
cmp -s "$T/keys/master-00000002.key" "$T/b/keys/master-00000002.key" && ok || not_ok "B's master key 2"
snap "$T/b/keys" > "$T/b.before"
# --update refused as the first import is: each one line, B's folder as it was
upd_refused() { # WHY FILE ARGS...
	why=$1 file=$2
	shift 2
	B expect 1 $C key import --update "$file" "$@"
	contains "$T/err" "$why"
	[ $(wc -l < "$T/err") = 1 ] && ok || not_ok "update ($why): more than one line: $(cat "$T/err")"
	snap "$T/b/keys" > "$T/b.after"
	cmp -s "$T/b.before" "$T/b.after" && ok || not_ok "update ($why) changed B's key folder"
}
upd_refused "encrypted to another recipient" "$T/out.d/c.pkg" --from "$P/terminal-a.crt"
upd_refused "cannot be opened" "$T/tampered.pkg" --from "$P/terminal-a.crt"
upd_refused "expired" "$T/out.d/short.pkg" --from "$P/terminal-a.crt"
upd_refused "signed by another terminal" "$T/out.d/b.pkg" --from "$P/terminal-c.crt"
upd_refused "differs from this terminal's" "$T/out.d/x.pkg" --from "$P/terminal-x.crt"
B expect 2 $C key import --update "$T/out.d/b.pkg" --from "$P/terminal-a.crt" --audit-key-out "$T/k0"
# an update that adds nothing: on record all the same
B expect 0 $C key import --update "$T/out.d/b.pkg" --from "$P/terminal-a.crt"
contains "$T/out" "0 master key(s) added (none)"
B expect 0 $C audit list --action key.import --result success --json
contains "$T/out" "master keys added=none"
snap "$T/b/keys" > "$T/b.after"
# the shared keys and B's checkpoint key as they were (audit.key and the anchor move with B's
# own records: B's history, verified with its K0 below on PostgreSQL, shows they were kept)
for f in audit-sign.key index.key trust.key master-00000002.key; do
	grep -q "^$f $(grep "^$f " "$T/b.before" | cut -d' ' -f2)" "$T/b.after" && ok || not_ok "the update changed B's $f"
done

# ---- PostgreSQL ----
pg_part || { finish; exit $?; }
pg_terminals
ASIGN="--signer-cert $T/pa/keys/store/terminal-a.crt --signer-key $T/pa/keys/store/terminal-a.key"
BKEY="--cert $T/pb/keys/store/terminal-b.crt --key $T/pb/keys/store/terminal-b.key"
psql_q() { $FK_PG_PSQL -A -t -c "$1"; }
PA expect 0 $C init $TEST_INIT
PA expect 0 $C demo-data --registers 4 --seed 5
PA expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/pg1.pkg" $ASIGN
PB expect 0 $C key import "$T/out.d/pg1.pkg" --from "$P/terminal-a.crt" $BKEY
PB expect 0 $C operator add suzuki --role operator --bureau 東京法務局
# a process of B's that stays open (a console left running): it opened holding master key 1
mkfifo "$T/guard.in"
: > "$T/guard.out"
timeout 300 "$top_builddir/tests/fkpgguard" "$T/pb/fukuhon.conf" < "$T/guard.in" > "$T/guard.out" 2> "$T/guard.err" &
GUARD=$!
exec 7> "$T/guard.in"
wait_line() { # N: until guard.out has N lines (30 s)
	i=0
	while [ "$(wc -l < "$T/guard.out")" -lt "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
}
echo tx >&7
wait_line 1

# ---- A rotates: B lacks master key 2 ----
PA expect 0 $C key rotate
contains "$T/out" "master key 2 is current"
# B's open process rotating now would make a master key 2 of its own: refused
echo rotate >&7
wait_line 2
contains "$T/guard.out" "refused: Master key 2 is not in this terminal's key folder"
snap "$T/pb/keys" > "$T/pb.before"
keks() { psql_q "SELECT kek_id || ':' || count(*) FROM data_key WHERE wrapped IS NOT NULL GROUP BY kek_id ORDER BY kek_id" | tr '\n' ' '; }
KEKS=$(keks)
[ "$KEKS" = "2:$(psql_q "SELECT count(*) FROM data_key WHERE wrapped IS NOT NULL") " ] && ok || not_ok "after A's rotation: $KEKS"
for cmd in "status" "reindex --tags" "key rotate"; do
	PB expect 1 $C $cmd
	contains "$T/err" "Master key 2 is not in this terminal's key folder: another terminal rotated the master key"
	contains "$T/err" "key import --update FILE --from THAT-CERT"
done
# fail closed: nothing of B's changed, no master key 2 of its own, the store as A left it (the
# anchor keeps the store's generation B saw at each open, as every open on a shared store does)
snap "$T/pb/keys" | grep -v '^trust.anchor ' > "$T/pb.after"
grep -v '^trust.anchor ' "$T/pb.before" > "$T/pb.before.keys"
cmp -s "$T/pb.before.keys" "$T/pb.after" && ok || not_ok "B's refused commands changed its key folder: $(diff "$T/pb.before" "$T/pb.after" | grep "^[<>]" | cut -c1-20 | tr "\n" " ")"
[ ! -e "$T/pb/keys/master-00000002.key" ] && ok || not_ok "B made a master key 2 of its own"
[ "$(keks)" = "$KEKS" ] && ok || not_ok "the store's data keys moved: $(keks)"
[ "$(psql_q "SELECT value FROM meta WHERE key = 'kek_current'")" = 2 ] && ok || not_ok "kek_current moved"

# ---- the new key carried to B ----
PA expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/pg2.pkg" $ASIGN
PA expect 0 $C key export --for "$P/terminal-c.crt" --out "$T/out.d/pgc.pkg" $ASIGN
PB expect 1 $C key import --update "$T/out.d/pgc.pkg" --from "$P/terminal-a.crt" $BKEY
contains "$T/err" "encrypted to another recipient"
PB expect 0 $C key import --update "$T/out.d/pg2.pkg" --from "$P/terminal-a.crt" $BKEY
contains "$T/out" "1 master key(s) added (2)"
cmp -s "$T/pa/keys/master-00000002.key" "$T/pb/keys/master-00000002.key" && ok || not_ok "B's master key 2 is not A's"
[ "$(stat -c %a "$T/pb/keys/master-00000002.key")" = 600 ] && ok || not_ok "master key 2's mode at B"
[ -e "$T/pb/keys/master-00000001.key" ] && ok || not_ok "the update removed B's old master key"
snap "$T/pb/keys" > "$T/pb.after"
for f in audit-sign.key index.key trust.key; do
	grep -q "^$f $(grep "^$f " "$T/pb.before" | cut -d' ' -f2)" "$T/pb.after" && ok || not_ok "the update changed B's $f"
done
psql_q "SELECT terminal || ' ' || action FROM audit_log WHERE action IN ('key.export', 'key.import') AND result = 'success' ORDER BY seq" > "$T/rec"
contains "$T/rec" "pg-terminal-a key.export"
[ "$(grep -c 'pg-terminal-b key.import' "$T/rec")" = 2 ] && ok || not_ok "B's update is not on record: $(cat "$T/rec")"
PB expect 0 $C audit list --action key.import --result success --json
contains "$T/out" "master keys added=2"
PB expect 0 $C reindex --tags
contains "$T/out" "search tags recomputed for 4 registers: 0 added"
# B's old key, destroyed on B's side too (every data key is under master key 2)
PB expect 0 $C key destroy-old --reason "A が鍵を更新した"
contains "$T/out" "1 old master key(s) destroyed"
[ ! -e "$T/pb/keys/master-00000001.key" ] && ok || not_ok "B's master key 1 was not destroyed"

# ---- a second rotation: the package from before it is refused as stale ----
PA expect 0 $C key rotate
contains "$T/out" "master key 3 is current"
PB expect 1 $C key import --update "$T/out.d/pg2.pkg" --from "$P/terminal-a.crt" $BKEY
contains "$T/err" "aster key 3"
[ ! -e "$T/pb/keys/master-00000003.key" ] && ok || not_ok "a stale package made master key 3"
PA expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/pg3.pkg" $ASIGN
PB expect 0 $C key import --update "$T/out.d/pg3.pkg" --from "$P/terminal-a.crt" $BKEY
contains "$T/out" "1 master key(s) added (3)"
PB expect 0 $C status
PB expect 0 $C audit verify --key "$T/pb/audit-initial-key" --other-key "$T/pa/audit-initial-key"
contains "$T/out" "history intact"

# ---- retiring B ----
# B's process still open across its retirement (a console on a machine stolen while on)
echo tx >&7
wait_line 3
B_LAST=$(psql_q "SELECT max(seq) FROM audit_log WHERE terminal = 'pg-terminal-b'")
PA expect 1 env FUKUHON_TEST_ACTOR=suzuki $C terminal retire pg-terminal-b --reason "盗難"
PA expect 1 $C terminal retire pg-terminal-a --reason "盗難"
contains "$T/err" "cannot retire itself"
PA expect 1 $C terminal retire pg-terminal-z --reason "盗難"
contains "$T/err" "has written no record"
PA expect 2 $C terminal retire pg-terminal-b
PA expect 0 $C terminal retire pg-terminal-b --reason "盗難"
contains "$T/out" "its chain ends at record $B_LAST"
PA expect 1 $C terminal retire pg-terminal-b --reason "盗難"
contains "$T/err" "already retired"
psql_q "SELECT terminal || ' ' || operator || ' ' || action || ' ' || object_id || ' ' || result FROM audit_log WHERE action = 'terminal.retire' ORDER BY seq" > "$T/rec"
contains "$T/rec" "pg-terminal-a suzuki terminal.retire pg-terminal-b denied"
contains "$T/rec" "pg-terminal-a admin terminal.retire pg-terminal-b success"
# A's seal after the retirement witnesses B's last record: B's chain is closed at it
WIT=$(psql_q "SELECT row_refs FROM audit_log WHERE terminal = 'pg-terminal-a' AND kind = 2 ORDER BY seq DESC LIMIT 1")
BHEX=$(printf pg-terminal-b | od -An -tx1 | tr -d ' \n')
case $WIT in *"witness $BHEX $B_LAST "*) ok ;; *) not_ok "A's seal after the retirement witnesses '$WIT', not B's record $B_LAST" ;; esac
# B's programs refuse the store now
PB expect 1 $C status
contains "$T/err" "Terminal pg-terminal-b was retired"
PA expect 0 $C audit verify --key "$T/pa/audit-initial-key" --other-key "$T/pb/audit-initial-key"
contains "$T/out" "history intact"
# ... but the one left running writes on: reported by verify
echo record >&7
wait_line 4
[ "$(tail -n 1 "$T/guard.out")" = ok ] && ok || not_ok "B's open process did not write: $(cat "$T/guard.out" "$T/guard.err")"
exec 7>&-
wait $GUARD
PA expect 1 $C audit verify --key "$T/pa/audit-initial-key" --other-key "$T/pb/audit-initial-key"
contains "$T/out" "record after retirement"
contains "$T/out" "written by terminal pg-terminal-b after its retirement"
# the mark is a sealed row: deleted by the server's administrator, A refuses the store
psql_q "DELETE FROM meta WHERE key = 'terminal.retired.pg-terminal-b'" > /dev/null
PA expect 1 $C status
finish
