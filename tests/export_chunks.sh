#!/bin/sh
# An export of more registers than a chunk holds, opened on another terminal (issue 12;
# R-PRINT, R-APPROVE, docs/package-format.md §13): 2,100 registers of one municipality (a 支局
# is given 千代田区 alone and filled with demo registers) in one request, beyond the old limit
# of 1,000; the package has four chunks (1,000 records or 1 MiB each at most: here the MiB, about 520
# registers), each its own CMS object;
# the recipient, who trusts this terminal's CA (its store holds that CA and its CRL), opens it
# with the intake's opening code (tests/fkpkg open --export) and finds every register once,
# in the request's order. A print of as many is refused when asked for.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
make_config "approval_valid = 1h"
C=$FUKUHONCTL
P=$T/pki
FKPKG="$top_builddir/tests/fkpkg"
N=2100
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }

sh "$top_srcdir/tests/pki.sh" "$P" 131016 > /dev/null 2>&1 || exit 99
expect 0 $C init $TEST_INIT
expect 0 $C jurisdiction office add 千代田支局 --parent 東京法務局 --reason 試験
expect 0 $C jurisdiction assign 131016 --office 千代田支局 --reason 試験
expect 0 $C operator add tanaka --role operator --bureau 千代田支局
expect 0 $C operator add sato --role supervisor --bureau 千代田支局
expect 0 $C cert request --out "$T/recv.csr"
openssl x509 -req -in "$T/recv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$T/recv.crt" > /dev/null 2>&1 || exit 99
expect 0 $C cert install "$T/recv.crt"
expect 0 $C demo-data --registers $N --seed 5 --bureau 千代田支局
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,print,export --reason 試験
IDS=$(store_sql "SELECT id FROM register WHERE municipality = '131016' ORDER BY id DESC" | paste -sd , -)
[ "$(echo "$IDS" | tr ',' '\n' | wc -l)" = $N ] && ok || not_ok "the store has not $N registers of 131016"

# a print of 2,100 is more than one print request may name
expect 1 as tanaka $C request print --register "$IDS" --reason 印刷
contains "$T/err" "1-1000"
expect 0 as tanaka $C request export --register "$IDS" --reason "他庁からの照会"
contains "$T/out" "of $N register(s)"
expect 0 as sato $C approve 1 --reason 確認済み
mkdir -m 700 "$T/out.d"
expect 0 as tanaka $C export 1 --to "$P/receiver2.crt" --out "$T/out.d/big.fkpkg" --json
contains "$T/out" "\"registers\": $N"
contains "$T/out" '"chunks": 4'

# the recipient's side: its own key, and this terminal's CA and CRL as its trust store
expect 0 $FKPKG open --export --key "$P/receiver2.key" --cert "$P/receiver2.crt" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" --print "$T/out.d/big.fkpkg"
head -1 "$T/out" > "$T/head"
contains "$T/head" "opened 4 $N"
# every register once, in the request's order (a demo register's ref is FK-<its id>)
sed -n 's/^{"type":"register","ref":"\(FK-[0-9]*\)".*/\1/p' "$T/out" > "$T/refs"
echo "$IDS" | tr ',' '\n' | sed 's/^/FK-/' > "$T/want"
cmp -s "$T/refs" "$T/want" && ok || not_ok "the package's registers are not the request's: $(diff "$T/refs" "$T/want" | head -5)"
# each carries its content (compared with the store's, field by field, in tests/test_export.c)
[ "$(grep -c '"content":{' "$T/out")" = $N ] && ok || not_ok "records without content"
finish
