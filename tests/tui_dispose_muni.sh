#!/bin/sh
# A whole municipality's disposal carried out from the console, in tmux at 80x24 in Japanese
# (R-DISPOSE 8(1)ク, R-APPROVE; docs/disposal.md): asked for and approved with fukuhonctl, the
# requester opens the requests (O), sees the request with the municipality's code, carries it out
# (x) after a confirmation naming the municipality, and is told how many registers went; the
# request is then carried out and every register of the municipality disposed of.
. "$(dirname "$0")/lib.sh"
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
on_pg || command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon sato:sato-pw:fukuhon
make_config "language = ja
approval_valid = 1h"
ja_catalogue
C=$FUKUHONCTL
DB="$T/db/fukuhon.db"
$C init $TEST_INIT > /dev/null || exit 99
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add sato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C demo-data --registers 50 --seed 7 > /dev/null || exit 99
$C grant tanaka --all --kind koseki,joseki,ledger,documents --rights view,dispose --reason "廃棄担当" > /dev/null || exit 99
M=$(store_sql "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1")
N=$(store_sql "SELECT count(*) FROM register WHERE municipality = '$M'")
FUKUHON_TEST_ACTOR=tanaka $C request dispose-municipality --municipality "$M" --reason "市町村からの廃棄請求" > /dev/null || exit 99
FUKUHON_TEST_ACTOR=sato $C approve 1 --reason "確認済み" > /dev/null || exit 99

S=m
tui_console $S "$FUKUHON_CONFIG"
tui_sign_in $S tanaka
tui_send $S O
tui_wait $S "$M"
tui_wait $S "承認済み"
tui_key $S Enter
tui_wait $S "市町村の全戸籍"
tui_key $S Escape
tui_wait $S "$M"
tui_send $S x
tui_wait $S "市町村 $M のすべて（申請 1）を今廃棄しますか"
tui_send $S y
tui_wait $S "市町村 $M を廃棄しました：戸籍 $N 件"
tui_wait $S "実施済み"
tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S
$TMUX_CMD kill-session -t $S
tui_stop

[ "$(store_sql "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NULL")" = 0 ] &&
	ok || not_ok "registers of $M left"
expect 0 $C audit list --action dispose-municipality.execute --result success
contains "$T/out" "tanaka"
finish
