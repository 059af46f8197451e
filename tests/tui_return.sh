#!/bin/sh
# A municipality's return carried out from the console, end to end in tmux at 80x24 in Japanese
# (R-DISPOSE 8(1)ク, R-APPROVE, R-PRINT 8(3), R-LOG; docs/disposal.md): the operator asks for
# the return from the home screen (E on the municipality) with a reason; a supervisor approves
# it in the console; the operator carries it out in the console (E on the requests): the
# municipality's certificate typed, the file named only inside the export folder (a name with
# a folder in it is refused and nothing written); the package (0600) opens with the
# municipality's key and holds every register; a second execution is refused; the disposal
# that follows the return is asked for on the executed return (x) and carried out from the
# requests; the history holds request, approval, execution and the refusal.
. "$(dirname "$0")/lib.sh"
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
on_pg || command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon sato:sato-pw:fukuhon
make_config "language = ja
approval_valid = 1h
export_folder = exports"
mkdir -m 700 "$T/exports"
ja_catalogue
C=$FUKUHONCTL
P=$T/pki
DB="$T/db/fukuhon.db"
FKPKG="$top_builddir/tests/fkpkg"
q() { store_sql "$1"; }
$C init $TEST_INIT > /dev/null || exit 99
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add sato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C demo-data --registers 40 --seed 7 > /dev/null || exit 99
$C grant tanaka --all --kind koseki,joseki,ledger,documents --rights view,export,dispose --reason "返還と廃棄の担当" > /dev/null || exit 99
M=$(q "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1")
N=$(q "SELECT count(*) FROM register WHERE municipality = '$M'")
# where M stands on the home screen: the bureau's municipalities by code
K=$(q "SELECT count(*) FROM municipality WHERE bureau_id = (SELECT bureau_id FROM municipality WHERE code = '$M') AND code < '$M'")
# the test PKI with M's own certificate to encrypt to (tests/pki.sh :enc), this terminal's
# receiving certificate (the package's signer) and the CA in the trust store
sh "$top_srcdir/tests/pki.sh" "$P" "$M:enc" > /dev/null 2>&1 || exit 99
$C cert request --out "$T/recv.csr" > /dev/null || exit 99
openssl x509 -req -in "$T/recv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$T/recv.crt" > /dev/null 2>&1 || exit 99
$C cert install "$T/recv.crt" > /dev/null || exit 99
$C ca add "$P/ca.crt" > /dev/null || exit 99
$C crl add "$P/ca.crl" > /dev/null || exit 99
MK="$P/muni-enc-$M.key"
MC="$P/muni-enc-$M.crt"

S=t
tui_console $S "$FUKUHON_CONFIG"
home_to_m() { i=0; while [ $i -lt "$K" ]; do tui_send $S j; i=$((i + 1)); done; }

# ---- the operator asks for the return, from the home screen ----
tui_sign_in $S tanaka
home_to_m
tui_send $S E
tui_wait $S "市町村 $M のデータを返還する理由"
tui_send $S "市町村からの返還請求"; tui_key $S Enter
tui_wait $S "返還の申請 1 を作成しました"
tui_sign_out $S

# ---- the supervisor approves it in the console ----
tui_sign_in $S sato
tui_wait $S "承認待ちの申請 1 件（O で一覧）"
tui_send $S O
tui_wait $S "$M"
tui_send $S A
tui_wait $S "承認の理由"
tui_send $S "請求書を確認"; tui_key $S Enter
tui_wait $S "申請 1 を承認しました。"
tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S

# ---- the operator carries it out in the console ----
tui_sign_in $S tanaka
tui_send $S O
tui_wait $S "承認済み"
# a file name with a folder in it: refused, nothing written, the request still approved
tui_send $S E
tui_wait $S "市町村の証明書（PEM ファイル）"
tui_send $S "$MC"; tui_key $S Enter
tui_wait $S "書出しフォルダ内のファイル名"
tui_key $S C-u; tui_send $S "../escaped.fkpkg"; tui_key $S Enter
tui_wait $S "パッケージの名前"
[ ! -e "$T/escaped.fkpkg" ] && [ -z "$(ls -A "$T/exports")" ] && ok || not_ok "a refused name wrote a file"
# the default name in the export folder
tui_send $S E
tui_wait $S "市町村の証明書（PEM ファイル）"
tui_send $S "$MC"; tui_key $S Enter
tui_wait $S "書出しフォルダ内のファイル名"
tui_wait $S "return-1.fkpkg"
tui_key $S Enter
tui_wait $S "返還しました: 出力番号"
tui_wait $S "戸籍 $N 件"
tui_wait $S "実施済み"
F="$T/exports/return-1.fkpkg"
[ -f "$F" ] && [ "$(stat -c %a "$F")" = 600 ] && ok || not_ok "no package of mode 0600: $(ls -la "$T/exports")"
# a second execution: refused by the core, recorded, no second file
tui_send $S E
tui_wait $S "この申請は実行済みです"
[ "$(ls -A "$T/exports" | wc -l)" = 1 ] && ok || not_ok "a second execution wrote a file"

# ---- the second step: the disposal after the return, asked for on the return (x) ----
tui_send $S x
tui_wait $S "返還 1 の後に市町村 $M のデータを廃棄する理由"
tui_send $S "返還済み"; tui_key $S Enter
tui_wait $S "廃棄の申請 2 を作成しました"
tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S
FUKUHON_TEST_ACTOR=sato $C approve 2 --reason "受領確認書を確認" > /dev/null || not_ok "approving the disposal"
tui_sign_in $S tanaka
tui_send $S O
tui_wait $S "承認済み"
tui_send $S x
tui_wait $S "市町村 $M のすべて（申請 2）を今廃棄しますか"
tui_send $S y
tui_wait $S "市町村 $M を廃棄しました：戸籍 $N 件"
tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S
$TMUX_CMD kill-session -t $S
tui_stop

# the package opens with the municipality's key and holds every register of it
expect 0 $FKPKG open --export --key "$MK" --cert "$MC" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" --print "$F"
[ "$(grep -c '"type":"register"' "$T/out")" = "$N" ] && ok || not_ok "register records: $(grep -c '"type":"register"' "$T/out"), wanted $N"
# every step on record under its person
expect 0 $C audit list --action request.return --result success
contains "$T/out" "tanaka"
expect 0 $C audit list --action request.approve --result success
contains "$T/out" "sato"
expect 0 $C audit list --action return.execute --result success
contains "$T/out" "tanaka"
expect 0 $C audit list --action return.execute --result denied --json
contains "$T/out" "already-executed"
expect 0 $C audit list --action return.package --json
contains "$T/out" "returned to municipality=$M"
[ "$(q "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NULL")" = 0 ] &&
	ok || not_ok "registers of $M left after the disposal"
expect 0 $C audit verify
finish
