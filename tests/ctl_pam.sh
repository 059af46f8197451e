#!/bin/sh
# fukuhonctl on a PRODUCTION terminal (init without --mode, the first administrator checked
# through PAM) under pam_wrapper + pam_matrix: every command that needs a person refuses
# without one; the right password signs the person in and the history names them; wrong
# passwords count toward the lockout; disabled people, $FUKUHON_TEST_ACTOR, $SUDO_USER and
# demo-data get nothing; scripts' credentials work for their commands only and are refused
# when revoked, replaced, altered in the database, or their person is disabled or locked
# (R-AUTH, R-ENROL, R-ACCESS, R-LOCKOUT, R-TEST-ENV, R-LOG, R-KEYS).
. "$(dirname "$0")/lib.sh"
# This terminal is a production one: nobody acts by naming themselves in the environment.
unset FUKUHON_TEST_ACTOR
make_pam kanri:kanri-pw:fukuhon kanri2:kanri2-pw:fukuhon kansa:kansa-pw:fukuhon sato:sato-pw:fukuhon \
	tanaka:tanaka-pw:fukuhon
make_config "language = en
lock_failures = 3
lock_duration = 0
fail_delay = 1"
C=$FUKUHONCTL
DB=$T/db/fukuhon.db
# as USER PASSWORD COMMAND...: fukuhonctl signed in as USER, the password on standard input.
as() { ctl_as "$@"; }
# notty COMMAND...: fukuhonctl with no terminal to ask on and nothing on standard input.
notty() { timeout 60 setsid -w "$C" "$@" < /dev/null; }
# A script: no PAM at all, the credential only.
script() { timeout 60 "$C" --credential "$@"; }
# hist ACTION: the records of ACTION (text), as kanri reads them.
hist() { as kanri kanri-pw audit list --action "$1" > "$T/hist" 2> /dev/null; }

# ---- a production terminal: its first administrator proves who they are through PAM ----
printf 'wrong-pw\n' | timeout 60 $PAM "$C" --password-stdin init --admin kanri --bureau 東京法務局 > "$T/out" 2> "$T/err"
[ $? = 1 ] && ok || not_ok "init with a wrong password was not refused"
if on_pg; then
	[ "$(store_sql "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = 0 ] && ok ||
		not_ok "a refused init made tables in the store"
else
	[ -e "$DB" ] && not_ok "a refused init created the database" || ok
fi
printf 'kanri-pw\n' | timeout 60 $PAM "$C" --password-stdin init --admin kanri --bureau 東京法務局 > "$T/out" 2> "$T/err"
[ $? = 0 ] && ok || not_ok "init: $(cat "$T/err")"
lacks "$T/out" "(test)"

# R-AUTH, R-LOG: the right password works, and the history names the person, not root.
expect 0 as kanri kanri-pw status
hist status.view
grep -Eq ' kanri +status\.view +terminal .* success' "$T/hist" && ok || not_ok "status.view not under kanri: $(cat "$T/hist")"
as kanri kanri-pw audit list --json > "$T/all" 2> /dev/null
grep -q '"operator": "root"' "$T/all" && not_ok "a record names root" || ok
grep -q '"detail": "fukuhonctl [^ ]* uid=[0-9]* euid=[0-9]* loginuid=' "$T/all" && ok ||
	not_ok "program.start lacks the Unix side"

expect 0 as kanri kanri-pw operator add kanri2 --role administrator --bureau 東京法務局
expect 0 as kanri kanri-pw operator add kansa --role auditor --bureau 東京法務局
expect 0 as kanri kanri-pw operator add sato --role administrator --bureau 東京法務局
expect 0 as kanri kanri-pw operator add tanaka --role operator --bureau 東京法務局

# R-LOCKOUT: a wrong password is refused and counted (seen by another administrator: a
# sign-in of kanri's own would reset the count).
expect 1 as kanri wrong-1 status
contains "$T/err" "sign-in refused"
as kanri2 kanri2-pw lockout list --json > "$T/locks" 2> /dev/null
grep -A2 '"user": "kanri"' "$T/locks" | grep -q '"failures": 1' && ok || not_ok "the failure was not counted: $(cat "$T/locks")"

# R-TEST-ENV: $FUKUHON_TEST_ACTOR means nothing here, and no synthetic data goes in.
FUKUHON_TEST_ACTOR=kanri expect 1 notty status
contains "$T/err" "only on a test or demo terminal"
FUKUHON_TEST_ACTOR=kanri expect 1 as kanri kanri-pw operator list
expect 1 as kanri kanri-pw demo-data --registers 1
contains "$T/err" "only for test and demo terminals"
hist import.demo-data
contains "$T/hist" "denied  not-a-test-terminal"

# R-ENROL: a disabled person cannot use the command line, even with the password.
expect 0 as sato sato-pw status
expect 0 as kanri kanri-pw operator disable sato
expect 1 as sato sato-pw status
contains "$T/err" "sign-in refused"
hist signin
grep -Eq 'sato +failed +disabled' "$T/hist" && ok || not_ok "no disabled refusal for sato: $(cat "$T/hist")"

# $SUDO_USER, $USER and $LOGNAME name nobody: without --user the login name is asked for.
SUDO_USER=kanri USER=kanri LOGNAME=kanri expect 1 notty status
contains "$T/err" "no terminal to ask on"
printf 'kanri-pw\n' | SUDO_USER=kanri USER=kanri LOGNAME=kanri timeout 60 $PAM "$C" --password-stdin status > "$T/out" 2> "$T/err"
[ $? = 1 ] && ok || not_ok "SUDO_USER=kanri with kanri's password signed in: $(cat "$T/out")"

# R-LOCKOUT: lock_failures wrong passwords lock (until unlocked); then even the right one is
# refused; another administrator unlocks.
for i in 1 2 3; do expect 1 as kanri2 "bad-$i" status; done
expect 1 as kanri2 kanri2-pw status
as kanri kanri-pw lockout list > "$T/locks" 2> /dev/null
grep -E '^kanri2 ' "$T/locks" | grep -q 'until-unlocked' && ok || not_ok "kanri2 not locked: $(cat "$T/locks")"
expect 0 as kanri kanri-pw lockout unlock kanri2 --reason "identity checked"
expect 0 as kanri2 kanri2-pw status

# ---- credentials of scripts ----
expect 0 as kanri kanri-pw credential add nightly --as kansa --commands "status, audit verify"
F=$T/keys/credentials/nightly
[ "$(stat -c %a "$F")" = 600 ] && ok || not_ok "credential file mode $(stat -c %a "$F")"
[ "$(stat -c %a "$T/keys/credentials")" = 700 ] && ok || not_ok "credentials folder mode"
[ "$(stat -c %s "$F")" = 72 ] && ok || not_ok "credential file size"
cp -p "$F" "$T/nightly.copy"
# The secret is nowhere in the database.
secret=$(od -An -tx1 -j8 -N32 "$F" | tr -d ' \n')
[ ${#secret} = 64 ] && ok || not_ok "secret not read"
store_sql "SELECT lower($(sql_hex secret_hash)) FROM credential" > "$T/hashes" || not_ok "reading the credentials' rows"
grep -q "$secret" "$T/hashes" && not_ok "the secret is in the row" || ok
# Usage: only commands that need a person, never a credential command, a known command.
expect 2 as kanri kanri-pw credential add x --as kansa --commands "credential add"
expect 2 as kanri kanri-pw credential add x --as kansa --commands "bureau list"
expect 2 as kanri kanri-pw credential add x --as kansa --commands "status,format disk"
expect 2 as kanri kanri-pw credential add x --as kansa
expect 2 "$C" --credential nightly --user kansa status
# R-ACCESS: only administrators make them.
expect 1 as kansa kansa-pw credential add mine --as kansa --commands status
[ -e "$T/keys/credentials/mine" ] && not_ok "a refused credential left a file" || ok

# The script: its listed commands work, as the person, recorded as the credential's sign-in.
expect 0 script nightly status
expect 0 script nightly audit verify
hist signin
grep -Eq ' kansa +signin +operator +kansa +success credential' "$T/hist" && ok || not_ok "no credential sign-in: $(cat "$T/hist")"
as kanri kanri-pw audit list --action signin --json > "$T/signins" 2> /dev/null
contains "$T/signins" '"detail": "credential nightly for kansa: command=audit verify'
# Outside its list it is refused, whatever the person's role allows.
expect 1 script nightly audit list
contains "$T/err" "may not run 'audit list'"
expect 1 script nightly credential add more --as kanri --commands status
expect 1 script nightly operator add x1 --role operator --bureau 東京法務局
# Not a password for the person: PAM is never asked, and a name unknown is refused.
expect 1 script nobody status
contains "$T/err" "no credential named nobody"

# Another secret in the file (a valid credential file, another credential's) is refused.
expect 0 as kanri kanri-pw credential add other --as kansa --commands status
cat "$T/keys/credentials/other" > "$F"
expect 1 script nightly status
contains "$T/err" "is not the one made for it"
cat "$T/nightly.copy" > "$F"
expect 0 script nightly status

# The row changed with sqlite3 or by the PostgreSQL server's administrator (widening its commands): the trust base refuses, naming it.
store_sql "UPDATE credential SET commands = 'status,audit verify,audit list' WHERE name = 'nightly'"
expect 1 script nightly audit list
contains "$T/err" "credential row name=nightly"
expect 1 as kanri kanri-pw status
store_sql "UPDATE credential SET commands = 'status,audit verify' WHERE name = 'nightly'"
expect 0 script nightly status

# The person disabled, or locked, since: refused; back when enabled or unlocked.
expect 0 as kanri kanri-pw operator disable kansa
expect 1 script nightly status
contains "$T/err" "who is disabled"
expect 0 as kanri kanri-pw operator enable kansa
expect 0 script nightly status
for i in 1 2 3; do expect 1 as kansa "bad-$i" status; done
expect 1 script nightly status
contains "$T/err" "whose account is locked"
expect 0 as kanri kanri-pw lockout unlock kansa --reason "identity checked"
expect 0 script nightly status

# Revoked: the file goes, and a copy put back is refused.
expect 0 as kansa kansa-pw credential list
contains "$T/out" "nightly"
expect 0 as kanri kanri-pw credential revoke nightly
[ -e "$F" ] && not_ok "the revoked credential's file stays" || ok
expect 1 script nightly status
cp -p "$T/nightly.copy" "$F"
expect 1 script nightly status
contains "$T/err" "was revoked"
expect 0 as kanri kanri-pw credential list --json
grep -A8 '"name": "nightly"' "$T/out" | grep -q '"revoked": true' && ok || not_ok "nightly not listed revoked"
hist signin
for why in credential-command credential-unknown credential-mismatch disabled locked credential-revoked; do
	grep -Eq " failed +$why" "$T/hist" && ok || not_ok "no recorded refusal '$why'"
done

# ---- every command that needs a person refuses without one (walked from the command table) ----
$C --list-commands > "$T/commands" || not_ok "--list-commands"
grep '^public' "$T/commands" | cut -f2 | tr '\n' ',' > "$T/public"
# (restore, migrate and key import sign their person in themselves: the store may not open, or
# the keys may not exist, before they ran)
[ "$(cat "$T/public")" = "init,bureau list,municipality list,restore,migrate,key restore,key import," ] && ok || not_ok "public commands: $(cat "$T/public")"
# Arguments each command accepts, so that it gets as far as the sign-in.
sample() {
	case "$1" in
	"operator add") echo "x1 --role operator --bureau 東京法務局" ;;
	"operator disable" | "operator enable" | permissions) echo "kansa" ;;
	grant) echo "kansa --all --kind koseki --rights view --reason walk" ;;
	revoke) echo "1 --reason walk" ;;
	demo-data) echo "--registers 1" ;;
	"lockout unlock") echo "kansa --reason walk" ;;
	"alert ack") echo "1 --note walk" ;;
	"credential add") echo "walk --as kanri --commands status" ;;
	"credential revoke") echo "other" ;;
	"audit export") echo "--format jsonl" ;;
	"audit checkpoint") echo "--export $T/walk.checkpoint" ;;
	"cert install" | "ca add" | "crl add") echo "$T/fukuhon.conf" ;; # read, then refused
	"ca remove") echo "1" ;;
	backup | "backup verify") echo "$T/walk.backup" ;;
	"backup prune") echo "$T --keep 1" ;;
	"key backup") echo "$T/walk.keys" ;; # refused before the passphrase is asked
	"key export") echo "--for $T/fukuhon.conf --out $T/walk.fkkeys" ;; # refused by the gate
	"cert request") echo "--out $T/walk.csr" ;;
	"cert status" | "ca list") echo "" ;;
	import) echo "$T/fukuhon.conf" ;; # refused before the file is read
	"request print" | "request export" | "request dispose") echo "--register 1 --reason walk" ;;
	"request return" | "request dispose-municipality") echo "--municipality 131016 --reason walk" ;;
	requests) echo "" ;;
	approve | reject) echo "1 --reason walk" ;;
	print | dispose | dispose-municipality) echo "1" ;;
	"print resend") echo "1/2026/000001" ;; # no such copy: refused by the gate
	"return cancel") echo "1 --reason walk" ;; # no such request: refused by the gate
	return) echo "1 --to $T/fukuhon.conf --out $T/walk.fkpkg" ;; # refused by the gate
	export) echo "1 --to $T/fukuhon.conf --out $T/walk.fkpkg" ;; # refused by the gate
	"jurisdiction list") echo "--office 東京法務局" ;;
	"jurisdiction assign") echo "131016 --office 東京法務局 --reason walk" ;;
	"jurisdiction import") echo "$T/fukuhon.conf --reason walk" ;; # refused before the file is read
	"jurisdiction office add") echo "walk支局 --parent 東京法務局 --reason walk" ;;
	"lockdown on" | "lockdown off" | "key destroy-old") echo "--reason walk" ;;
	"municipality reopen") echo "131016 --reason walk" ;;
	"terminal retire") echo "walk-terminal --reason walk" ;; # refused by the gate
	health | "lockdown status" | status | "operator list" | grants | "lockout list" | "credential list" | "key rotate" | reindex | \
	"audit verify" | "audit list" | "alert list") echo "" ;;
	*) echo "NO-SAMPLE" ;;
	esac
}
# A grant to revoke (number 1), so that revoke reaches its decision.
expect 0 as kanri kanri-pw grant tanaka --all --kind koseki --rights view --reason walk
as kanri kanri-pw audit list > "$T/before" 2> /dev/null
last=$(tail -n 1 "$T/before" | awk '{print $1}')
walked=0
grep '^person' "$T/commands" | cut -f2 > "$T/person"
while IFS= read -r cmd; do
	args=$(sample "$cmd")
	if [ "$args" = NO-SAMPLE ]; then not_ok "no sample arguments for '$cmd' in ctl_pam.sh"; continue; fi
	walked=$((walked + 1))
	# health exits as a monitoring plugin: 2 (critical) when nobody can sign in, 3 (unknown)
	# when refused; every other command 1.
	nosignin=1 refused=1
	[ "$cmd" = health ] && nosignin=2 refused=3
	# shellcheck disable=SC2086 # the command's words and arguments split on purpose
	expect $nosignin notty $cmd $args
	contains "$T/err" "no terminal to ask on"
	# shellcheck disable=SC2086
	FUKUHON_TEST_ACTOR=kanri expect $nosignin notty $cmd $args
	contains "$T/err" "only on a test or demo terminal"
	# R-ACCESS: signed in, an operator (no staff role, no grant) is refused by the gate —
	# but for the list of their own requests (R-APPROVE), which every enrolled person has.
	if [ "$cmd" = requests ]; then
		# shellcheck disable=SC2086
		expect 0 as tanaka tanaka-pw $cmd $args
		walked=$((walked - 1))
		continue
	fi
	# shellcheck disable=SC2086
	expect $refused as tanaka tanaka-pw $cmd $args
	lacks "$T/err" "sign-in refused"
done < "$T/person"
[ "$walked" -ge 20 ] && ok || not_ok "only $walked commands walked"
# Each of the operator's refusals is a decision on record (none slipped past the gate).
as kanri kanri-pw audit list --json > "$T/all" 2> /dev/null
denied=$(grep -A5 '"operator": "tanaka"' "$T/all" | grep -c '"result": "denied"')
[ "$denied" = "$walked" ] && ok || not_ok "$walked commands walked as tanaka, $denied refusals recorded"
# Nothing they would do was done: since the listing before the walk, only starts, stops,
# seals, tanaka's sign-ins and refusals, the alert those refusals raised (R-INTRUSION: the
# terminal's own step), then the listings' own sign-ins and records.
as kanri kanri-pw audit list > "$T/since" 2> /dev/null
awk -v last="$last" '$1 > last && $4 ~ /^alert\.raise$/ && / refusals /' "$T/since" | grep -q . && ok ||
	not_ok "tanaka's refusals raised no alert"
awk -v last="$last" '$1 > last && $4 !~ /^(program\.start|program\.stop|audit\.seal|lockout\.reserve|signout|alert\.raise)$/' \
	"$T/since" | grep -Ev ' tanaka +signin +operator +tanaka +success | denied | tanaka +request\.list .* success ' > "$T/done"
[ "$(grep -c . "$T/done")" = 4 ] && ok || not_ok "the walk left records: $(cat "$T/done")"
[ "$(grep -Ec ' kanri +(signin|audit\.list) ' "$T/done")" = 4 ] && ok ||
	not_ok "the listings' own records are missing: $(cat "$T/done")"
[ -e "$T/keys/master-00000002.key" ] && not_ok "key rotate ran" || ok
[ -e "$T/keys/credentials/walk" ] && not_ok "credential add ran" || ok
[ -e "$T/walk.checkpoint" ] && not_ok "audit checkpoint ran" || ok
finish
