#!/bin/sh
# Lockout counted atomically across processes (issue 14; R-LOCKOUT, R-LOG): N fukuhonctl
# processes on one store fail the same person's sign-in K times each, all at once, through the
# real path (fk_auth_signin: reservation, PAM under pam_wrapper + pam_matrix, the failure
# counted in one write transaction). Then:
#  - below the limit, the lockout row counts exactly N*K and the history holds N*K refusals
#    of reason "auth": no count lost, no attempt failing for anything but the password;
#  - with a limit L < N*K, exactly L attempts reached PAM and were counted, the account is
#    locked once, and every other attempt was refused unasked ("reserved" or "locked").
# On SQLite (BEGIN IMMEDIATE) and on PostgreSQL (the store's advisory write lock; skipped with
# a message where postgresql-15 is not installed). What bites: core/db/db.c's fk_db_begin
# taking the lock (a plain BEGIN on both fails the test: attempts refused with "the operation
# history's last record is not the one this terminal wrote", two writers having forked the
# chain, and nothing counted); core/auth/lockout.c reading the state inside the transaction
# that writes it (a commit between load_current and the write lost a count on PostgreSQL, 23
# of 24; the window is narrow, so a run may miss it).
. "$(dirname "$0")/lib.sh"
unset FUKUHON_TEST_ACTOR
make_pam tanaka:tanaka-pw:fukuhon
C=$FUKUHONCTL
N=${RACE_PROCS:-8}
K=${RACE_TRIES:-5}

# conf DIR DATABASE LIMIT: a terminal in DIR on DATABASE; failures stay inside one day's
# window and a lock lasts until unlocked, so nothing expires during the test; no alerts.
conf() {
	make_config "language = en
lock_failures = $3
lock_window = 86400
lock_duration = 0
fail_delay = 1
alert_signin_failures = 0
alert_terminal_failures = 0"
	conf_on "$1" "$2"
	[ -z "${ADMIN_URI:-}" ] || echo "database_admin = $ADMIN_URI" >> "$1/fukuhon.conf"
}

# race CONF N K TAG: N processes, started together, each failing tanaka's sign-in K times in a
# row with a wrong password; each attempt's exit code and message kept in $T/attempts-TAG/.
race() {
	d=$T/attempts-$4
	rm -rf "$d"; mkdir -p "$d"
	i=0
	while [ $i -lt "$2" ]; do
		i=$((i + 1))
		(
			export FUKUHON_CONFIG="$1" CTL_AS_TIMEOUT=180
			while [ ! -e "$d/go" ]; do sleep 0.01; done
			k=0
			while [ $k -lt "$3" ]; do
				k=$((k + 1))
				ctl_as tanaka wrong-pw status > /dev/null 2> "$d/err.$i.$k"
				echo $? > "$d/rc.$i.$k"
			done
		) &
	done
	start=$(date +%s%N)
	touch "$d/go"
	wait
	echo "$4: $2 processes x $3 failed sign-ins in $((($(date +%s%N) - start) / 1000000)) ms"
}

# admin CONF ARGS...: fukuhonctl as the test terminal's administrator (no PAM, R-TEST-ENV).
admin() { f=$1; shift; expect 0 env FUKUHON_CONFIG="$f" FUKUHON_TEST_ACTOR=admin timeout 180 "$C" "$@"; }
aslist() { f=$1; shift; env FUKUHON_CONFIG="$f" FUKUHON_TEST_ACTOR=admin timeout 180 "$C" "$@"; }

# failures_of CONF: tanaka's failures as the lockout row says (lockout list --json).
failures_of() {
	aslist "$1" lockout list --json |
		awk '/"user": "tanaka"/ { f = 1 } f && /"failures"/ { gsub(/[^0-9]/, ""); print; exit }'
}

# count_records CONF ACTION REASON: records of ACTION about tanaka with REASON in the history
# (text columns: seq, time, operator, action, object type, object, result, reason).
count_records() {
	aslist "$1" audit list --action "$2" | awk -v r="$3" '$6 == "tanaka" && $8 == r' | wc -l | tr -d ' '
}

# every attempt of TAG refused as a sign-in (exit 1, "sign-in refused"), none for another reason
all_refused() {
	bad=0
	for f in "$T/attempts-$1"/err.*; do
		grep -q "sign-in refused" "$f" || { bad=$((bad + 1)); [ $bad -le 3 ] && echo "  $(basename "$f"): $(head -c 200 "$f")" >&2; }
	done
	[ $bad = 0 ] && ok || not_ok "$1: $bad of the attempts failed for another reason than the password"
}

# check CONF TAG LIMIT TOTAL: of TOTAL attempts, every one refused for its password alone;
# as many as the limit allows (all, or exactly LIMIT) reached PAM and were counted, once each,
# in the row and in the history; the rest were refused unasked; one lock at the limit.
check() {
	all_refused "$2"
	want=$4 locks=0
	[ "$3" -le "$4" ] && want=$3 locks=1
	got=$(failures_of "$1")
	[ "$got" = "$want" ] && ok || not_ok "$2: the lockout row counts ${got:-nothing}, not $want"
	got=$(count_records "$1" signin auth)
	[ "$got" = "$want" ] && ok || not_ok "$2: $got attempts reached PAM and were counted, not $want"
	unasked=$(( $(count_records "$1" signin reserved) + $(count_records "$1" signin locked) ))
	[ "$unasked" = $(($4 - want)) ] && ok || not_ok "$2: $unasked refused unasked, not $(($4 - want))"
	got=$(count_records "$1" lockout.lock failures)
	[ "$got" = $locks ] && ok || not_ok "$2: $got locks recorded, not $locks"
	[ $locks = 0 ] && return
	aslist "$1" lockout list --json > "$T/locks"
	grep -A6 '"user": "tanaka"' "$T/locks" | grep -q '"locked_until": "until-unlocked"' && ok ||
		not_ok "$2: tanaka is not locked: $(cat "$T/locks")"
}

# terminal DIR DATABASE LIMIT: a test terminal of its own in DIR (its key folder and initial
# history key there) on DATABASE, with tanaka enrolled.
terminal() {
	conf "$1" "$2" "$3"
	admin "$1/fukuhon.conf" init --admin admin --bureau 東京法務局 --mode test
	admin "$1/fukuhon.conf" operator add tanaka --role operator --bureau 東京法務局
}

# ---- SQLite: one file, BEGIN IMMEDIATE ----
terminal "$T/lite-count" db/fukuhon.db 100
race "$T/lite-count/fukuhon.conf" "$N" "$K" lite-count
check "$T/lite-count/fukuhon.conf" lite-count 100 $((N * K))
terminal "$T/lite-lock" db/fukuhon.db 5
race "$T/lite-lock/fukuhon.conf" "$N" 3 lite-lock
check "$T/lite-lock/fukuhon.conf" lite-lock 5 $((N * 3))

# ---- PostgreSQL: one shared store, the advisory write lock ----
pg_part || { finish; exit; }
# Each process builds the expected schema once (about a second, core/db/schema.c): fewer tries.
PK=${RACE_PG_TRIES:-3}
# Each store's terminal connects as a terminal's own role (member of fukuhon_terminal only), its
# init making the schema as the owner (database_admin): terminal-a on fk, terminal-b on fk2.
ADMIN_URI=$FK_PG_CONNINFO_OWNER
terminal "$T/pg-count" "$FK_PG_CONNINFO_A" 100
race "$T/pg-count/fukuhon.conf" "$N" "$PK" pg-count
check "$T/pg-count/fukuhon.conf" pg-count 100 $((N * PK))
# A second database of the same cluster, so that the count starts from nothing.
$FK_PG_PSQL -q -c "CREATE DATABASE fk2 OWNER terminal1" > /dev/null || not_ok "could not create fk2"
sh "$top_srcdir/build-aux/pg-roles.sh" group fk2 | $FK_PG_PSQL -q -f - > /dev/null || not_ok "fk2's group grants"
ADMIN_URI=$(printf '%s' "$FK_PG_CONNINFO_OWNER" | sed 's|/fk?|/fk2?|')
terminal "$T/pg-lock" "$(printf '%s' "$FK_PG_CONNINFO_B" | sed 's|/fk?|/fk2?|')" 5
race "$T/pg-lock/fukuhon.conf" "$N" "$PK" pg-lock
check "$T/pg-lock/fukuhon.conf" pg-lock 5 $((N * PK))
finish
