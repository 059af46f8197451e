#!/bin/sh
# The console's screen of packages received (受信パッケージ), end to end in tmux at 80x24: two
# packages made with tests/fkpkg and imported with fukuhonctl; a supervisor opens the screen
# and the package with rejected records — counts, kind, state, reasons in words, hostile text
# from the package drawn harmless; a resize; in Japanese; every view in the history (who may
# read it, and refusals, are walked in test_gate.c and test_packages.c) (issue 10; R-BATCH-PROTO, R-LOG, R-ACCESS, R-JURIS).
. "$(dirname "$0")/lib.sh"
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
FKPKG="$top_builddir/tests/fkpkg"
[ -x "$FKPKG" ] || { echo "no tests/fkpkg: skipped"; exit 77; }
make_pam kato:kato-pw:fukuhon tanaka:tanaka-pw:fukuhon
make_config "language = en"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
receiving_terminal 131016
$C operator add kato --role supervisor --bureau 東京法務局 > /dev/null || exit 99

pkg() {
	name=$1
	shift
	"$FKPKG" -o "$T/$name.pkg" --quiet --signer-key "$P/muni-131016.key" \
		--signer-cert "$P/muni-131016.crt" --to "$P/receiver.crt" --municipality 131016 "$@" ||
		exit 99
}
pkg full --sequence 1 --kind full --registers 20 --ledger 2
# the second: one good entry, and records the import rejects — one of them with an escape
# sequence (a red colour) in its type, which the rejection's detail repeats: stored as received,
# it must never reach the terminal raw
printf '%s\n' '{"type":"ledger","accepted_on":"2026-11-30","entry":{"受付番号":"2"}}' \
	'not json at all' '{"type":"\u001b[31mRED"}' '{"type":"register","ref":"K-\u001b"}' \
	> "$T/records.jsonl"
pkg delta --sequence 2 --kind delta --records "$T/records.jsonl" --chunk-records 2
$C import "$T/full.pkg" "$T/delta.pkg" > "$T/import" 2>&1 || { cat "$T/import" >&2; exit 99; }
contains "$T/import" "delta.pkg: applied: 1 accepted"

# start CONFIG [ENV]: a console at 80x24 under pam_wrapper (both variables: without
# PAM_WRAPPER=1 the preload spins; every wait below has a deadline).
start() {
	tui_keepalive
	$TMUX_CMD new-session -d -s e2e -x 80 -y 24 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
		"env LD_PRELOAD=$PAM_WRAPPER_LIB PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam \
		UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 ${2:-} \
		timeout --foreground 120 $FUKUHON --config $1; echo EXITED \$?; sleep 30" || not_ok "tmux could not start"
}
# sign_in USER PASSWORD USER-PROMPT
sign_in() {
	tui_wait e2e "$3"
	tui_send e2e "$1"; tui_key e2e Enter
	tui_wait e2e "Password"
	tui_send e2e "$2"; tui_key e2e Enter
}
shown() { tui_screen e2e > "$T/screen"; }
# sign_out_ja: the same in Japanese, from the packages' screen
sign_out_ja() {
	tui_key e2e Escape
	tui_wait e2e "市区町村"
	tui_key e2e q; tui_key e2e y
	tui_wait e2e "ユーザー名"
	tui_key e2e Escape
	tui_wait e2e "EXITED 0"
}
# sign_out: from the packages' screen back home, signed out, the console left
sign_out() {
	tui_wait e2e "Home"
	tui_key e2e q; tui_key e2e y
	tui_wait e2e "User name:"
	tui_key e2e Escape
	tui_wait e2e "EXITED 0"
}

start "$FUKUHON_CONFIG"
sign_in kato kato-pw "User name:"
tui_wait e2e "Home"
tui_key e2e R
tui_wait e2e "Packages received"
tui_wait e2e "Rejected"
shown
# newest first: the delta (sequence 2) above the full re-send (sequence 1)
grep -n "131016" "$T/screen" > "$T/rows"
[ "$(wc -l < "$T/rows")" = 2 ] && ok || not_ok "not two package rows: $(cat "$T/screen")"
head -1 "$T/rows" | grep -qE '131016 千代田区 +2 changes +published +1 +3' && ok ||
	not_ok "the delta's row: $(head -1 "$T/rows")"
tail -1 "$T/rows" | grep -qE '131016 千代田区 +1 full +published +22 +0' && ok ||
	not_ok "the full re-send's row: $(tail -1 "$T/rows")"
tui_key e2e Enter
tui_wait e2e "Package "
tui_wait e2e "The register id is missing"
shown
contains "$T/screen" "131016 千代田区   sequence 2   changes   published"
contains "$T/screen" "Accepted 1 (registers 0, versions 0, removals 0, ledger 1, documents 0)"
contains "$T/screen" "rejected 3"
contains "$T/screen" "receipt: signed, stored"
contains "$T/screen" "digest "
# the reasons in words, in the package's order (chunk 0 line 2, chunk 1 lines 1 and 2: chunks
# from 0, lines from 1, as in the receipt)
contains "$T/screen" "The record is not one JSON"
contains "$T/screen" "The record's type is unknown."
grep -qE '^ +0 +2 +- +The record is not one JSON' "$T/screen" && ok || not_ok "chunk 0 line 2: $(cat "$T/screen")"
contains "$T/screen" 'type: "'
contains "$T/screen" "[31m"
# the escape drawn harmless: no red colour reaches the terminal
$TMUX_CMD capture-pane -e -p -t e2e > "$T/screen-e"
if grep -q "$(printf '\033\\[31m')" "$T/screen-e"; then not_ok "the package's escape reached the terminal"; else ok; fi
# resized: the screen redraws at the new size and back
$TMUX_CMD resize-window -t e2e -x 100 -y 30
tui_wait e2e "Rejected records"
$TMUX_CMD resize-window -t e2e -x 80 -y 24
tui_wait e2e "Rejected records"
tui_wait e2e "The register id is missing"
tui_key e2e Escape
tui_wait e2e "Packages received"
tui_key e2e Escape
sign_out
$TMUX_CMD kill-session -t e2e

# R-LOG: each view is on record, by whom, the package opened by its id
$C audit list --action intake.list --json > "$T/list.json" 2>&1
contains "$T/list.json" '"operator": "kato"'
$C audit list --action intake.open --json > "$T/open.json" 2>&1
contains "$T/open.json" '"operator": "kato"'
contains "$T/open.json" 'sequence=2'

# Japanese: the operators' language (the catalogue as built from po/ja.po)
mkdir -p "$T/locale/ja/LC_MESSAGES"
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	[ -f "$g" ] && { cp "$g" "$T/locale/ja/LC_MESSAGES/fukuhon.mo"; break; }
done
[ -f "$T/locale/ja/LC_MESSAGES/fukuhon.mo" ] || { echo "po/ja.gmo not built"; exit 99; }
sed 's/^language = en$/language = ja/' "$FUKUHON_CONFIG" > "$T/ja.conf"
start "$T/ja.conf" "FK_LOCALEDIR=$T/locale"
sign_in kato kato-pw "ユーザー名"
tui_wait e2e "市区町村"
tui_key e2e R
tui_wait e2e "受信パッケージ"
tui_wait e2e "適用済"
shown
contains "$T/screen" "差分"
contains "$T/screen" "全件"
contains "$T/screen" "受信日時"
lacks "$T/screen" "published"
tui_key e2e Enter
tui_wait e2e "通番 2"
tui_wait e2e "拒否された記録 1 ページ目"
tui_wait e2e "戸籍の識別番号がない"
shown
contains "$T/screen" "受理 1 件"
lacks "$T/screen" "The record is not"
lacks "$T/screen" "Rejected"
tui_key e2e Escape
tui_wait e2e "受信パッケージ"
sign_out_ja
$TMUX_CMD kill-session -t e2e

# More packages than a screen holds: PgDn reads the next page (keyset: no row twice, none
# left out), PgUp the one before
seq=3
files=
while [ $seq -le 22 ]; do
	pkg "d$seq" --sequence $seq --kind delta --registers 1 --first-ref $((100 + seq))
	files="$files $T/d$seq.pkg"
	seq=$((seq + 1))
done
# shellcheck disable=SC2086 # the files are words
$C import $files > "$T/import" 2>&1 || { cat "$T/import" >&2; exit 99; }
start "$FUKUHON_CONFIG"
sign_in kato kato-pw "User name:"
tui_wait e2e "Home"
tui_key e2e R
tui_wait e2e "Page 1,"
tui_wait e2e "千代田区     22 changes"
shown
lacks "$T/screen" " full "
tui_key e2e NPage
tui_wait e2e "Page 2,"
tui_wait e2e " full "
shown
lacks "$T/screen" "千代田区     22 "
n1=$(grep -c "131016" "$T/screen")
tui_key e2e PPage
tui_wait e2e "Page 1,"
shown
n0=$(grep -c "131016" "$T/screen")
[ $((n0 + n1)) = 22 ] && ok || not_ok "pages of $n0 and $n1 rows, not the 22 packages"
tui_key e2e Escape
sign_out
$TMUX_CMD kill-session -t e2e

# Refused deliveries are rows too (sql/012_refused.sql): a sequence gap (sequence 30 after 22)
# delivered twice — one row, counted twice — and bytes that are no package; shown in Japanese
# with their reasons, filtered by state (t) and municipality (M), opened with everything known.
pkg gap --sequence 30 --kind delta --registers 1 --first-ref 900
printf 'not a package at all\n' > "$T/garbage.pkg"
for f in gap gap garbage; do
	$C import "$T/$f.pkg" > "$T/import" 2>&1 && { cat "$T/import" >&2; not_ok "$f.pkg was not refused"; }
done
contains "$T/import" "refused [not_package]"
start "$T/ja.conf" "FK_LOCALEDIR=$T/locale"
sign_in kato kato-pw "ユーザー名"
tui_wait e2e "市区町村"
tui_key e2e R
tui_wait e2e "受信パッケージ"
tui_wait e2e "×2"
shown
# newest first: the garbage (no manifest: "-"), then the gap with its reason and count
grep -n "拒否" "$T/screen" > "$T/rows"
[ "$(wc -l < "$T/rows")" -ge 2 ] && ok || not_ok "no refused rows: $(cat "$T/screen")"
# (issue 10: a reason too long for 80 columns shows its name, never a sentence cut before the
# words that say why; the whole of it is in the package's view)
grep -qE '^ *20[0-9-]+ [0-9:]+ +- +パッケージでない +拒否' "$T/screen" && ok ||
	not_ok "the garbage's row: $(cat "$T/screen")"
grep -qE '131016 +通番違い +拒否 +×2' "$T/screen" && ok || not_ok "the gap's row: $(cat "$T/screen")"
grep "拒否" "$T/screen" | grep -qF "…" && not_ok "a refused row is cut: $(grep 拒否 "$T/screen")" || ok
# t: applied only, staging only, refused only
tui_key e2e t
tui_wait e2e "適用済, すべての市区町村"
shown
lacks "$T/screen" "拒否 "
tui_key e2e t
tui_key e2e t
tui_wait e2e "拒否, すべての市区町村"
shown
lacks "$T/screen" "適用済 "
# M: the bureau's municipalities narrowed as typed (issue 10), one taken by its code (the
# garbage names none)
tui_key e2e M
tui_wait e2e "受信元の市区町村（名称・よみ・コード）: ［かな］"
tui_send e2e "1310"
tui_wait e2e "131016  千代田区"
tui_send e2e "16"
tui_gone e2e "131024  中央区"
tui_key e2e Enter
tui_wait e2e "拒否, 131016 千代田区"
shown
lacks "$T/screen" "パッケージでない"
contains "$T/screen" "×2"
tui_key e2e Enter
tui_wait e2e "期待する通番 23"
shown
contains "$T/screen" "131016 千代田区   通番 30"
contains "$T/screen" "拒否の理由: パッケージの通番が順番どおりではありません"
contains "$T/screen" "2 回"
contains "$T/screen" "SHA-256 $(sha256sum "$T/gap.pkg" | cut -c1-64)"
contains "$T/screen" "$(wc -c < "$T/gap.pkg") バイト、送信元 $T/gap.pkg"
tui_key e2e Escape
tui_wait e2e "拒否, 131016"
# M by its reading in romaji (みなと: 港区), then the first entry: every municipality again
tui_key e2e M
tui_wait e2e "受信元の市区町村（名称・よみ・コード）"
tui_send e2e "minato"
tui_wait e2e "［かな］ みなと"
tui_wait e2e "131032  港区"
tui_key e2e Enter
tui_wait e2e "拒否, 131032 港区"
shown
lacks "$T/screen" "×2"
tui_key e2e M
tui_wait e2e "受信元の市区町村（名称・よみ・コード）"
tui_key e2e Enter
tui_wait e2e "拒否, すべての市区町村"
tui_wait e2e "パッケージでない"
sign_out_ja

# Issue 11, item 6: a ledger entry fkpkg made links its register by ref; imported, the
# console's entry offers the register and opens it (the link resolved by the intake).
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || not_ok "operator add"
$C grant tanaka --municipality 131016 --kind koseki,joseki,ledger --rights view --reason e2e \
	> /dev/null || not_ok "grant"
$TMUX_CMD kill-session -t e2e
start "$FUKUHON_CONFIG"
sign_in tanaka tanaka-pw "User name:"
tui_wait e2e "Home"
tui_send e2e 3
tui_wait e2e "受付番号"
tui_key e2e Enter
tui_wait e2e "届出人"
tui_wait e2e "(Enter: open the register)"
tui_key e2e Enter
tui_wait e2e "Register "
tui_key e2e Escape; tui_key e2e Escape; tui_key e2e Escape
sign_out
finish
