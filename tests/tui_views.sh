#!/bin/sh
# Issue 11, items 6 and 12 at 80x24, in Japanese and English: a ledger row opens its detail and
# the detail its register, decided and recorded like every view; the auditor's filter form
# refuses what it cannot read and finds the refusal; the verification says so plainly
# (R-FILES, R-LOG, R-LOGSEAL, R-TIME). Golden screens in tests/golden/ (times masked);
# regenerate with FK_GOLDEN_UPDATE=1 make check TESTS=tests/tui_views.sh and review them.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon yamada:yamada-pw:fukuhon sato:sato-pw:fukuhon kato:kato-pw:fukuhon
make_config "language = ja"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 1500 --seed 7 > /dev/null || exit 99
# tanaka may view everything; yamada only 千代田区's ledger, not its registers (R-FILES).
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add yamada --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add sato --role auditor --bureau 東京法務局 > /dev/null || exit 99
$C operator add kato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C grant tanaka --all --kind koseki,joseki,ledger,documents --rights view --reason e2e > /dev/null || exit 99
$C grant yamada --municipality 131016 --kind ledger --rights view --reason e2e > /dev/null || exit 99
sed 's/^language = ja$/language = en/' "$FUKUHON_CONFIG" > "$T/en.conf"

ja_catalogue
console() { tui_console "$@"; }
# sign_in NAME USER PASSWORD (the prompts in either language)
sign_in() {
	tui_send "$1" "$2"; tui_key "$1" Enter
	tui_wait "$1" "Password:"
	tui_send "$1" "$3"; tui_key "$1" Enter
}
# golden NAME SESSION: the pane without its status line (the clock), times and sequence
# numbers masked, against tests/golden/NAME.txt.
golden() {
	tui_screen "$2" | sed '$d' | sed -E \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} JST/YYYY-MM-DD hh:mm JST/g' \
		-e 's/^( +)[0-9]+( YYYY)/\1N\2/' > "$T/$1.txt"
	golden_compare "$1"
}

# ---- the ledger in Japanese: a row's detail, then its register (item 6) ----
console a "$FUKUHON_CONFIG"
tui_wait a "ユーザー名:"
sign_in a tanaka tanaka-pw
tui_wait a "ホーム"
# An empty search says what was looked for and how; the prompt edits like readline: C-a
# goes to the start, ← moves, C-u clears, ↑ brings back the last answer (item 8).
tui_send a /
tui_wait a "検索"
tui_send a 町; tui_key a C-a; tui_send a 緑; tui_key a Enter
# 本籍 by the town after the municipality (issue 11, item 8)
tui_wait a "本籍「緑町」で検索"
tui_wait a "区緑町"
tui_send a q
tui_wait a "ホーム"
tui_send a /
tui_wait a "検索"
tui_send a 無名町; tui_key a Enter
tui_wait a "該当なし：本籍が「無名町」で始まる戸籍はありません（都道府県か町名から入力）"
tui_send a q
tui_wait a "ホーム"
tui_send a /
tui_wait a "検索"
tui_send a abc; tui_key a C-u; tui_key a Up; tui_key a Left; tui_send a 木; tui_key a Enter
tui_wait a "該当なし：本籍が「無名木町」で始まる戸籍はありません（都道府県か町名から入力）"
tui_send a q
tui_wait a "ホーム"
# The part of each result that matched is marked (bold, underlined), not the rest.
tui_send a /
tui_wait a "検索"
tui_send a かねだ; tui_key a Enter
tui_wait a "金田"
$TMUX_CMD capture-pane -e -p -t a | grep -F "金田" | head -1 > "$T/marked"
if grep -qE "（$(printf '\033')\[[0-9;]*4[0-9;]*mかねだ" "$T/marked"; then ok; else
	not_ok "the matched reading is not marked: $(cat -v "$T/marked")"
fi
tui_send a q
tui_wait a "ホーム"
tui_send a 3
tui_wait a "受付帳情報（新しい順"
tui_wait a "受付番号"
golden ledger-ja a
# The order is the dates': 受付日 never rises going down the page.
tui_screen a | sed -n '4,21p' | grep -oE '^ [0-9]{4}-[0-9]{2}-[0-9]{2}' > "$T/dates"
if sort -r -c "$T/dates" 2> /dev/null && [ -s "$T/dates" ]; then ok; else not_ok "受付日 out of order: $(cat "$T/dates")"; fi
tui_key a Enter
tui_wait a "（Enter: この戸籍を開く）"
tui_wait a "令和"
golden ledger-entry-ja a
reg=$(tui_screen a | grep -oE '戸籍: [0-9]+' | head -1 | grep -oE '[0-9]+')
[ -n "$reg" ] && ok || not_ok "no register named in the entry"
tui_key a Enter
tui_wait a "全部事項証明"
tui_wait a "戸籍 $reg: 第"
tui_key a Escape
tui_wait a "（Enter: この戸籍を開く）"
tui_key a Up
tui_key a Enter
tui_wait a "この行には開くものがありません。"
tui_send a q; tui_send a q
tui_wait a "ホーム"
# The documents the same way: the type, the entry, its register.
tui_send a 4
tui_wait a "届書等情報（新しい順"
tui_wait a "届"
tui_key a Enter
tui_wait a "（Enter: この戸籍を開く）"
tui_wait a "種類  "
tui_key a Enter
tui_wait a "全部事項証明"
tui_send a q; tui_send a q; tui_send a q; tui_send a q; tui_send a y
tui_wait a "ユーザー名:"
$C audit list --action doc.open --operator tanaka --json > "$T/doc.json" 2>&1
contains "$T/doc.json" '"result": "success"'
# R-LOG: the entry and the register opened are on record, the register through the gate.
$C audit list --action ledger.open --operator tanaka --json > "$T/ledger.json" 2>&1
contains "$T/ledger.json" '"result": "success"'
$C audit list --action register.open --operator tanaka --json > "$T/open.json" 2>&1
contains "$T/open.json" "\"object_id\": \"$reg\""

# yamada may read the ledger but not the register it names: refused, with the reason, and on
# record (R-FILES: the link is no way around a grant).
sign_in a yamada yamada-pw
tui_wait a "ホーム"
# tanaka's searches went with tanaka's session: ↑ offers yamada nothing.
tui_send a /
tui_wait a "検索"
tui_key a Up; tui_send a "|"
tui_wait a "本籍）: ［かな］ |"
tui_screen a > "$T/prompt"
lacks "$T/prompt" "かねだ"
lacks "$T/prompt" "緑"
tui_key a Escape
tui_send a 3
tui_wait a "受付番号"
tui_key a Enter
tui_wait a "（Enter: この戸籍を開く）"
tui_key a Enter
tui_wait a "この操作の権限が付与されていません。監督者に相談してください。"
tui_send a q; tui_send a q; tui_send a q; tui_send a y
tui_wait a "ユーザー名:"
$C audit list --action register.open --operator yamada --result denied --json > "$T/denied.json" 2>&1
contains "$T/denied.json" '"reason": "no-grant"'

# ---- the supervisor's permission screens: kinds, rights and states in words (item 3) ----
sign_in a kato kato-pw
tui_wait a "ホーム"
tui_send a P
tui_wait a "局のすべての権限"
tui_wait a "全種別"
golden grants-ja a
tui_send a m
tui_wait a "tanaka の実効権限"
tui_wait a "131016  千代田区"
golden matrix-ja a
tui_send a q; tui_send a q; tui_send a q; tui_send a y
tui_wait a "ユーザー名:"

# ---- the auditor in Japanese (item 12) ----
sign_in a sato sato-pw
tui_wait a "新しい順 1 ページ目"
# filter ANSWER...: the form's five fields in turn (operator, action, result, from, to).
filter() {
	s=$1
	shift
	tui_send "$s" f
	for answer in "$@"; do
		tui_wait "$s" "（Enter:そのまま -:解除）:"
		[ -z "$answer" ] || tui_send "$s" "$answer"
		tui_key "$s" Enter
	done
}

filter a yamada 戸籍の閲覧 拒否 2000-01-01 2199-12-31
tui_wait a "操作者 yamada・操作 戸籍の閲覧・結果 拒否"
tui_wait a "拒否"
golden history-ja a
# What the form cannot read is refused in words; the filter in force stays.
filter a "" suzuki
tui_wait a "「suzuki」という操作はありません。"
tui_wait a "操作者 yamada・操作 戸籍の閲覧・結果 拒否"
filter a "" "" 結果
tui_wait a "結果ではありません：結果"
filter a "suzuki taro"
tui_wait a "ユーザー名ではありません：suzuki taro"
filter a "" "" "" 2026-13-01 ""
tui_wait a "「2026-13-01」は日付ではありません"
tui_wait a "操作者 yamada・操作 戸籍の閲覧・結果 拒否"
# The record: JST, 和暦, and UTC to the nanosecond only here; the reason in words.
tui_key a Enter
tui_wait a "日時（UTC）"
tui_wait a "この操作の権限が付与されていません。"
tui_wait a "戸籍の閲覧 (register.open)"
tui_screen a > "$T/record"
if grep -qE '日時（UTC） [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z' "$T/record"; then ok; else
	not_ok "no UTC time with nanoseconds: $(grep 日時 "$T/record")"
fi
if grep -qE '日時 [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} JST \(令和' "$T/record"; then ok; else
	not_ok "no JST time with 和暦: $(grep 日時 "$T/record")"
fi
tui_key a Escape
# A grant's record: its kinds and rights in words in the detail (item 3).
filter a - 権限の付与 - "" ""
tui_wait a "操作 権限の付与・"
tui_key a Enter
tui_wait a "kinds=受付帳 rights=閲覧"
tui_key a Escape
tui_send a V
tui_wait a "履歴は正常です："
tui_wait a "件すべての封印と連鎖を確認しました。"
# wrapped, not cut, at 80 columns (issue 11, item 5): the counts line ends on the screen
tui_wait a "まで確認済み（全"
tui_screen a | sed -n 2,8p > "$T/verify"
grep -q '…' "$T/verify" && not_ok "the verification's report is cut: $(grep '…' "$T/verify")" || ok
tui_key a Escape
tui_send a q; tui_send a y
tui_wait a "ユーザー名:"
tui_key a Escape
tui_stop

# ---- the same screens in English ----
console e "$T/en.conf"
tui_wait e "User name:"
sign_in e tanaka tanaka-pw
tui_wait e "Home"
tui_send e 3
tui_wait e "reception ledger (受付帳情報), newest first"
tui_wait e "受付番号"
golden ledger-en e
tui_key e Enter
tui_wait e "(Enter: open the register)"
golden ledger-entry-en e
tui_send e q; tui_send e q; tui_send e q; tui_send e y
tui_wait e "User name:"
sign_in e kato kato-pw
tui_wait e "Home"
tui_send e P
tui_wait e "all kinds"
golden grants-en e
tui_send e q; tui_send e q; tui_send e y
tui_wait e "User name:"
sign_in e sato sato-pw
tui_wait e "Newest first, page 1"
tui_send e f
for answer in yamada "Register opened" denied "" ""; do
	tui_wait e "(Enter: keep, -: clear):"
	[ -z "$answer" ] || tui_send e "$answer"
	tui_key e Enter
done
tui_wait e "Filter: operator yamada, action Register opened, resul"
golden history-en e
tui_send e q; tui_send e y
tui_wait e "User name:"
tui_key e Escape

# A history altered outside fukuhon: the verification says so plainly, where the first
# problem is, and what kind it is, in Japanese (R-LOGSEAL).
if on_pg || command -v sqlite3 > /dev/null; then
	store_forge "UPDATE audit_log SET action = 'register.nothing' WHERE seq = 3" > /dev/null || not_ok "store_forge"
	console b "$FUKUHON_CONFIG"
	tui_wait b "ユーザー名:"
	sign_in b sato sato-pw
	tui_wait b "新しい順 1 ページ目"
	tui_send b V
	tui_wait b "履歴に異常があります："
	tui_wait b "件中 1 件、最初は 3 番の記録です。"
	tui_wait b "管理者に連絡してください。異常は下の一覧のとおりです。"
	tui_wait b "3: 記録の封印が一致しません — "
fi
finish
