#!/bin/sh
# The four-eyes workflow in the console, end to end in tmux at 80x24 in Japanese (R-APPROVE,
# R-PRINT, R-LOG; issue 12): an operator asks for a print from a register's screen with a
# reason; the request waits; it cannot be printed before approval; a supervisor sees the count
# on the home screen, opens the requests (O) and approves (A) with a reason; the operator prints
# it (p) once: a PDF in the spool, a second print refused. The core's rules are walked in
# tests/test_approve.c and tests/approve.sh; this proves the console reaches them.
. "$(dirname "$0")/lib.sh"
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon sato:sato-pw:fukuhon
make_config "language = ja
print_spool = spool
approval_valid = 1h"
mkdir -m 700 "$T/spool"
ja_catalogue
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add sato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C demo-data --registers 200 --seed 7 > /dev/null || exit 99
$C grant tanaka --all --kind koseki --rights view,print --reason "窓口での写し交付" > /dev/null || exit 99

S=r
tui_console $S "$FUKUHON_CONFIG"

# ---- the operator asks, from the register's screen ----
tui_sign_in $S tanaka
tui_key $S Enter          # the first municipality's 戸籍
tui_wait $S "本籍"
tui_key $S Enter          # its first register
tui_wait $S "p: 印刷を申請"
tui_send $S p
tui_wait $S "印刷の理由"
tui_send $S "本人からの請求（窓口）"; tui_key $S Enter
tui_wait $S "印刷の申請 1 を作成しました"
tui_send $S O
tui_wait $S "申請（印刷・書出し・廃棄）"
tui_wait $S "承認待ち"
tui_wait $S "本人からの請求"
# not yet approved: the core refuses (and records) the print
tui_send $S p
tui_wait $S "この申請は承認されていません。"
# nobody decides their own request: said before any reason is asked
tui_send $S A
tui_wait $S "自分の申請は承認・却下できません"
tui_key $S Escape; tui_key $S Escape; tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S

# ---- the supervisor approves ----
tui_sign_in $S sato
tui_wait $S "承認待ちの申請 1 件（O で一覧）"
tui_send $S O
tui_wait $S "tanaka"
tui_key $S Enter
tui_wait $S "申請者"
tui_wait $S "第 1 版"
tui_key $S Escape
tui_wait $S "A: 承認"
tui_send $S A
tui_wait $S "承認の理由"
tui_send $S "本人確認済み"; tui_key $S Enter
tui_wait $S "申請 1 を承認しました。"
tui_wait $S "承認済み"
tui_key $S Escape
tui_wait $S "承認待ちの申請はありません"
tui_sign_out $S

# ---- the operator prints it, once ----
tui_sign_in $S tanaka
tui_send $S O
tui_wait $S "承認済み"
tui_send $S p
tui_wait $S "今印刷しますか"
tui_send $S y
tui_wait $S "印刷しました: 出力番号"
tui_wait $S "実施済み"
[ "$(find "$T/spool" -name '*.pdf' -type f | wc -l)" = 1 ] && ok || not_ok "no single PDF in the spool: $(ls -la "$T/spool")"
tui_send $S p
tui_wait $S "この申請は実行済みです"
[ "$(find "$T/spool" -name '*.pdf' -type f | wc -l)" = 1 ] && ok || not_ok "a second print wrote a file"
tui_key $S Escape
tui_wait $S "市区町村"
tui_sign_out $S
$TMUX_CMD kill-session -t $S
tui_stop

# every step is in the history under its person
expect 0 $C audit list --action print.execute --result success
contains "$T/out" "tanaka"
expect 0 $C audit list --action request.approve
contains "$T/out" "sato"
finish
