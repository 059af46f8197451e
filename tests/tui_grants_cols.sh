#!/bin/sh
# The supervisor's grants screen at 80x24 and 120x36, in Japanese and English (issue 11, item 5;
# R-FILES): every row keeps what a review needs (operator, municipality by name, kinds, rights,
# the end in JST, or why the grant is not in force) and no two columns run together. At 120
# columns the state has a column of its own and the end says "all day". Golden screens in
# tests/golden/grants-cols-*.txt; regenerate with FK_GOLDEN_UPDATE=1 and review the diff.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam kato:kato-pw:fukuhon
make_config "language = ja"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 20 --seed 3 > /dev/null || exit 99
for u in tanaka yamada watanabe-kenichiro; do
	$C operator add $u --role operator --bureau 東京法務局 > /dev/null || exit 99
done
$C operator add kato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
g() { $C grant "$@" --reason cols > /dev/null || exit 99; }
g tanaka --all --kind koseki,joseki,ledger,documents --rights view
g yamada --municipality 131016 --kind ledger --rights view --until 2099-12-31
# the widest words: three kinds of four, three rights of four
g watanabe-kenichiro --municipality 131121 --kind joseki,ledger,documents --rights view,export,print --until 2099-06-30
g tanaka --municipality 132012 --kind koseki --rights view,print --until "2099-03-01 12:00"
g yamada --municipality 131016 --kind koseki,joseki --rights view --from 2098-01-01 --until 2099-01-31
g watanabe-kenichiro --municipality 131016 --kind koseki --rights view
$C revoke 6 --reason cols > /dev/null || exit 99
sed 's/^language = ja$/language = en/' "$FUKUHON_CONFIG" > "$T/en.conf"
ja_catalogue

# shot NAME CONFIG COLS ROWS: the grants screen of CONFIG at COLSxROWS against its golden copy
# (without the status line: the clock).
shot() {
	$TMUX_CMD kill-session -t s 2> /dev/null
	tui_keepalive
	$TMUX_CMD new-session -d -s s -x "$3" -y "$4" -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
		env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam" \
		UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 FK_LOCALEDIR="$T/locale" \
		"$FUKUHON" --config "$2"
	$TMUX_CMD set-option -t s remain-on-exit on > /dev/null
	case $1 in *-ja-*) user="ユーザー名:" home="市区町村" ;; *) user="User name:" home="Municipality" ;; esac
	tui_wait s "$user"
	tui_send s kato; tui_key s Enter
	tui_wait s "Password:"
	tui_send s kato-pw; tui_key s Enter
	tui_wait s "$home"
	tui_send s P
	tui_wait s "watana"
	tui_screen s | sed '$d' > "$T/$1.txt"
	golden_compare "$1"
	# ... and the effective permissions of grant 3's operator (three rights of four)
	tui_key s Down; tui_key s Down; tui_send s m
	tui_wait s "131121"
	tui_screen s | sed '$d' > "$T/matrix-$1.txt"
	golden_compare "matrix-$1"
}
shot grants-cols-ja-80x24 "$FUKUHON_CONFIG" 80 24
# Every row at 80 columns: the operator, the municipality by name, the end or the state.
for t in tanaka yamada 千代田区 世田谷区 八王子市 全市区町村 除籍・受付帳・届書 閲覧・書出し・印刷 \
	2099-12-31 2099-06-30 "2099-03-01 12:00" 開始前 取消済; do
	contains "$T/grants-cols-ja-80x24.txt" "$t"
done
# never glued: a space between the kinds and the rights, the rights and the end
grep -qE '届書 +閲覧・書出し・印刷 +2099-06-30' "$T/grants-cols-ja-80x24.txt" && ok ||
	not_ok "the columns of grant 3 run together at 80 columns"
# The matrix at 80 columns: the rights one character each with their legend, none cut.
contains "$T/matrix-grants-cols-ja-80x24.txt" "閲 閲覧、書 書出し、印 印刷、廃 廃棄"
grep -qE '131121 +世田谷区 +- +閲書印 +閲書印 +閲書印' "$T/matrix-grants-cols-ja-80x24.txt" && ok ||
	not_ok "the matrix row of 世田谷区 at 80 columns: $(grep 131121 "$T/matrix-grants-cols-ja-80x24.txt")"
grep "13" "$T/matrix-grants-cols-ja-80x24.txt" | grep -qF "…" && not_ok "a matrix row is cut at 80 columns" || ok
shot grants-cols-ja-120x36 "$FUKUHON_CONFIG" 120 36
contains "$T/matrix-grants-cols-ja-120x36.txt" "閲覧・書出し・印刷"
contains "$T/grants-cols-ja-120x36.txt" "2099-12-31（終日）"
shot grants-cols-en-80x24 "$T/en.conf" 80 24
# English words are longer: at 80 columns the lists give up the space after their commas.
for t in watana "all munic" "joseki,ledger,documents" "view,export,print" 2099-06-30 revoked "not yet in force"; do
	contains "$T/grants-cols-en-80x24.txt" "$t"
done
shot grants-cols-en-120x36 "$T/en.conf" 120 36
finish
