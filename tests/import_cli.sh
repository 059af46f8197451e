#!/bin/sh
# fukuhonctl import end to end (issue 10; R-BATCH-PROTO, R-BATCH-ATOMIC, R-MUTUAL, R-INTRANSIT):
# the test PKI trusted and the receiving certificate installed with fukuhonctl; packages made
# by tests/fkpkg imported — one line each, a signed receipt beside each file (0600) or in
# --receipt-dir, never written over; a revoked signer, a sequence gap and a package delivered
# again; exit status 1 when any was refused.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
FKPKG="$top_builddir/tests/fkpkg"
[ -x "$FKPKG" ] || { echo "no tests/fkpkg: skipped"; exit 77; }
make_config
C=$FUKUHONCTL
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" 131016 131024:revoked > /dev/null 2>&1 || exit 99
$C init $TEST_INIT > /dev/null || exit 99
expect 0 $C ca add "$P/ca.crt"
expect 0 $C crl add "$P/ca.crl"
expect 0 $C cert install "$P/receiver.crt" --key "$P/receiver.key"

pkg() {
	name=$1 muni=$2
	shift 2
	"$FKPKG" -o "$T/$name.pkg" --quiet --signer-key "$P/muni-$muni.key" \
		--signer-cert "$P/muni-$muni.crt" --to "$P/receiver.crt" --municipality "$muni" "$@" ||
		not_ok "fkpkg could not make $name"
}
pkg good 131016 --sequence 1 --kind full --registers 60 --versions 10 --removals 3 --ledger 5 --documents 5 --chunk-records 16
pkg revoked 131024 --sequence 1 --kind full --registers 5
pkg gap 131016 --sequence 3 --kind delta --registers 5

mkdir -m 700 "$T/receipts"
expect 1 $C import "$T/good.pkg" "$T/revoked.pkg" "$T/gap.pkg" --receipt-dir "$T/receipts"
contains "$T/out" "good.pkg: applied: 83 accepted (60 registers, 10 versions, 3 removals, 5 ledger, 5 documents)"
contains "$T/out" "revoked.pkg: refused [revoked]"
contains "$T/out" "gap.pkg: refused [sequence]"
contains "$T/out" "expected sequence 2"
for f in good revoked gap; do
	[ "$(stat -c %a "$T/receipts/$f.pkg.receipt")" = 600 ] && ok || not_ok "$f's receipt is not 0600"
done
openssl cms -verify -inform DER -in "$T/receipts/good.pkg.receipt" -CAfile "$P/ca.crt" \
	-purpose any -out "$T/good.json" > /dev/null 2>&1 && ok || not_ok "the receipt does not verify"
contains "$T/good.json" '"state":"applied"'

# delivered again: the same receipt; beside the file when no folder is given
expect 0 $C import "$T/good.pkg"
contains "$T/out" "good.pkg: applied before"
openssl cms -verify -inform DER -in "$T/good.pkg.receipt" -CAfile "$P/ca.crt" -purpose any \
	-out "$T/again.json" > /dev/null 2>&1 && ok || not_ok "the second receipt does not verify"
cmp -s "$T/good.json" "$T/again.json" && ok || not_ok "a package delivered again got another receipt"
# a receipt is never written over
expect 1 $C import "$T/good.pkg"
contains "$T/err" "receipt could not be written"

# Japanese on a Japanese locale (the catalogue as built from po/ja.po), the reason's too
mkdir -p "$T/locale/ja/LC_MESSAGES" "$T/ja"
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	[ -f "$g" ] && { cp "$g" "$T/locale/ja/LC_MESSAGES/fukuhon.mo"; break; }
done
[ -f "$T/locale/ja/LC_MESSAGES/fukuhon.mo" ] || { echo "po/ja.gmo not built"; exit 99; }
LANGUAGE=ja FK_LOCALEDIR="$T/locale" expect 1 $C import "$T/gap.pkg" "$T/revoked.pkg" --receipt-dir "$T/ja"
contains "$T/out" "拒否 [sequence]: パッケージの通番が順番どおりではありません（次に送るべき通番 2）"
contains "$T/out" "拒否 [revoked]"
finish
