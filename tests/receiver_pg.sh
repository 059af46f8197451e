#!/bin/sh
# fukuhon-receiver on a PostgreSQL store (issue 10 on issue 14's shared store; R-REALTIME,
# R-BATCH-ATOMIC, R-BATCH-PROTO, R-INTRANSIT): the service the municipalities deliver to,
# writing the store the bureau's terminals share. Two worker processes take packages from
# several municipalities at once (the store's write lock on PostgreSQL); a package delivered
# again gets the same receipt; one out of sequence is refused naming the expected sequence.
# Then the store's link breaks: the server ends every connection of the service between two
# packages (the next package is applied on a new connection), and the server is stopped (a
# package delivered meanwhile gets no receipt of success and nothing of it is applied; after the
# server is back the same package is applied once). The store counts through psql, and the
# history verifies. Skipped, saying so, without postgresql-15.
. "$(dirname "$0")/lib.sh"
receiver_tools
pg_part || { finish; exit; }
PORT=$((20000 + ($$ + 7919) % 20000))
pg_config "$T/fukuhon.conf" "receiver_listen = 127.0.0.1:$PORT
receiver_max_body = 65536
receiver_timeout = 10s
receiver_workers = 2"
C=$FUKUHONCTL
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" 131016 131024 131032 > /dev/null 2>&1 || exit 99
$C init $TEST_INIT > /dev/null || exit 99
expect 0 $C ca add "$P/ca.crt"
expect 0 $C crl add "$P/ca.crl"
expect 0 $C cert install "$P/receiver.crt" --key "$P/receiver.key"
psql_q() { $FK_PG_PSQL -A -t -c "$1"; }
# pgctl ARGS: the server's pg_ctl as its own user, from a folder it can enter
pgctl() { (cd / && $FK_PG_AS "$FK_PG_BIN/pg_ctl" "$@" > /dev/null); }

receipt() { # receipt json: the receiving side's signature checked, its content out
	openssl cms -verify -inform DER -in "$1" -CAfile "$P/ca.crt" -purpose any -out "$2" > /dev/null 2>&1
}
registers() { psql_q "SELECT count(*) FROM register WHERE municipality = '$1'"; }

"$RECV" > "$T/recv.log" 2>&1 &
rpid=$!
for i in $(seq 100); do [ "$(grep -c "listening on" "$T/recv.log")" = 2 ] && break; sleep 0.1; done
[ "$(grep -c "listening on 127.0.0.1:$PORT" "$T/recv.log")" = 2 ] && ok ||
	{ not_ok "the receiver did not start: $(cat "$T/recv.log")"; kill $rpid; finish; exit 1; }

# ---- three municipalities at once, each a full re-send then immediate packages ----
mkdir -m 700 "$T/r"
for m in 131016 131024 131032; do
	pkg "$m-1" $m 1 --kind full --registers 3 --seed ${m#1310}
	for s in 2 3 4 5; do pkg "$m-$s" $m $s --kind immediate --registers 1 --seed $s$m --first-ref $((s + 1000)); done
done
for m in 131016 131024 131032; do
	post $m --receipts "$T/r" "$T/$m-1.pkg" "$T/$m-2.pkg" "$T/$m-3.pkg" "$T/$m-4.pkg" "$T/$m-5.pkg" > "$T/post-$m" 2>&1 &
	eval "p$m=\$!"
done
for m in 131016 131024 131032; do
	eval "wait \$p$m" && ok || not_ok "the delivery of $m failed: $(cat "$T/post-$m")"
	[ "$(grep -c ' 200' "$T/post-$m")" = 5 ] && ok || not_ok "not every package of $m got 200: $(cat "$T/post-$m")"
	for s in 1 2 3 4 5; do
		receipt "$T/r/$m-$s.pkg.receipt" "$T/$m-$s.json" && grep -q '"state":"applied"' "$T/$m-$s.json" && ok ||
			not_ok "package $m-$s: no receipt of it applied"
	done
	[ "$(registers $m)" = 7 ] && ok || not_ok "$m holds $(registers $m) registers, not 7"
done

# ---- delivered again: the same receipt; out of sequence: refused, naming the expected one ----
mkdir -m 700 "$T/r2"
expect 0 post 131016 --receipts "$T/r2" "$T/131016-3.pkg"
receipt "$T/r2/131016-3.pkg.receipt" "$T/again.json" && cmp -s "$T/again.json" "$T/131016-3.json" && ok ||
	not_ok "delivered again, another receipt"
pkg skip 131016 7 --kind immediate --registers 1 --seed 77 --first-ref 1007
expect 0 post 131016 --receipts "$T/r" "$T/skip.pkg"
receipt "$T/r/skip.pkg.receipt" "$T/skip.json" && ok || not_ok "the refusal's receipt does not verify"
contains "$T/skip.json" '"state":"refused"'
contains "$T/skip.json" '"expected_sequence":6'
[ "$(registers 131016)" = 7 ] && ok || not_ok "a refused or repeated package changed the store"

# ---- the link to the store breaks between two packages: the next one is applied ----
psql_q "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" > "$T/killed"
[ "$(cat "$T/killed")" -ge 1 ] && ok || not_ok "no connection of the receiver to end: $(cat "$T/killed")"
pkg six 131016 6 --kind immediate --registers 1 --seed 66 --first-ref 1006
expect 0 post 131016 --receipts "$T/r" "$T/six.pkg"
contains "$T/out" "six.pkg 200"
receipt "$T/r/six.pkg.receipt" "$T/six.json" && grep -q '"state":"applied"' "$T/six.json" && ok ||
	not_ok "after the link broke, the next package was not applied: $(cat "$T/out") $(tail -3 "$T/recv.log")"
[ "$(registers 131016)" = 8 ] && ok || not_ok "after the link broke: $(registers 131016) registers, not 8"

# ---- the server stopped: a package gets no receipt of success, nothing of it is applied ----
pkg seven 131024 6 --kind immediate --registers 1 --seed 67 --first-ref 1006
pgctl -D "$FK_PG_DATA" -w -t 30 stop -m fast || not_ok "stopping the server"
rm -rf "$T/r3" && mkdir -m 700 "$T/r3"
post 131024 --receipts "$T/r3" "$T/seven.pkg" > "$T/down.out" 2>&1
if grep -q "seven.pkg 200" "$T/down.out" && [ -f "$T/r3/seven.pkg.receipt" ] &&
	receipt "$T/r3/seven.pkg.receipt" "$T/down.json" && grep -q '"state":"applied"' "$T/down.json"; then
	not_ok "a package was answered as applied while the store was down"
else ok; fi
kill -0 $rpid 2> /dev/null && ok || not_ok "the receiver ended when the store went down: $(tail -3 "$T/recv.log")"
pgctl -D "$FK_PG_DATA" -l "$FK_PG_DATA/pg.log" -w -t 60 start || not_ok "the server did not start again"
[ "$(registers 131024)" = 7 ] && ok || not_ok "the package delivered while the store was down left $(registers 131024) registers"
# delivered again once the store is back: applied once
expect 0 post 131024 --receipts "$T/r3" "$T/seven.pkg"
contains "$T/out" "seven.pkg 200"
receipt "$T/r3/seven.pkg.receipt" "$T/up.json" && grep -q '"state":"applied"' "$T/up.json" && ok ||
	not_ok "the package delivered again after the store came back was not applied: $(cat "$T/out") $(tail -3 "$T/recv.log")"
[ "$(registers 131024)" = 8 ] && ok || not_ok "after the store came back: $(registers 131024) registers, not 8"

kill -TERM $rpid
[ $failures = 0 ] || { echo "the receiver said:"; tail -20 "$T/recv.log"; } >&2
wait $rpid
# each package applied once: 5 of each municipality, then six and seven; nothing left staged
[ "$(psql_q "SELECT count(*) FROM package WHERE state = 'published'")" = 17 ] && ok ||
	not_ok "packages published: $(psql_q "SELECT count(*) FROM package WHERE state = 'published'") (17 expected)"
[ "$(psql_q "SELECT count(*) FROM package WHERE state = 'staging'")" = 0 ] && ok || not_ok "a package was left staged"
expect 0 $C audit verify
contains "$T/out" "history intact"
expect 0 $C status --check
finish
