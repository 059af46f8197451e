#!/bin/sh
# Disposal in the console, end to end in tmux at 80x24 in Japanese (R-DISPOSE, R-APPROVE;
# docs/disposal.md): an operator asks for the disposal of a register from its screen (x) with a
# reason; a supervisor approves it (O, A); the operator carries it out from the requests (x),
# asked to confirm with the number of registers; the register is disposed of (its key row holds
# no key material) and a second attempt is refused; the supervisor's home screen then says the
# master key's rotation is due. The core's rules are walked in
# tests/test_dispose.c and tests/dispose.sh; this proves the console reaches them.
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
$C grant tanaka --all --kind koseki --rights view,dispose --reason "保存期間満了の廃棄担当" > /dev/null || exit 99

S=d
tui_console $S "$FUKUHON_CONFIG"

# ---- the operator asks, from the register's screen ----
tui_sign_in $S tanaka
tui_key $S Enter          # the first municipality's 戸籍
tui_wait $S "本籍"
tui_key $S Enter          # its first register
tui_wait $S "x: 廃棄を申請"
tui_send $S x
tui_wait $S "廃棄の理由"
tui_send $S "保存期間満了"; tui_key $S Enter
tui_wait $S "廃棄の申請 1 を作成しました"
tui_key $S Escape; tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S

# ---- the supervisor approves ----
tui_sign_in $S sato
tui_send $S O
tui_wait $S "tanaka"
tui_send $S A
tui_wait $S "承認の理由"
tui_send $S "規程どおり"; tui_key $S Enter
tui_wait $S "申請 1 を承認しました。"
tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S

# ---- the operator carries it out, once ----
tui_sign_in $S tanaka
tui_send $S O
tui_wait $S "承認済み"
tui_send $S x
tui_wait $S "戸籍 1 件を今廃棄しますか"
tui_send $S y
tui_wait $S "戸籍 1 件を廃棄しました"
tui_wait $S "実施済み"
tui_send $S x
tui_wait $S "この申請は実行済みです"
tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S

# ---- the supervisor's home screen: the master key's rotation due after the disposal ----
tui_sign_in $S sato
tui_wait $S "要確認: 廃棄後のマスター鍵の更新が必要です"
tui_sign_out $S
$TMUX_CMD kill-session -t $S
tui_stop

[ "$(store_sql "SELECT count(*) FROM register r JOIN data_key k ON k.id = r.key_id WHERE r.disposed_at IS NOT NULL AND k.wrapped IS NULL")" = 1 ] &&
	ok || not_ok "no register disposed of with its key destroyed"
expect 0 $C audit list --action dispose.execute --result success
contains "$T/out" "tanaka"
finish
