#!/bin/sh
# The four-eyes workflow in the console, end to end in tmux at 80x24 in Japanese (R-APPROVE,
# R-PRINT, R-LOG; issue 12): an operator asks for a print from a register's screen with a
# reason; the request waits; it cannot be printed before approval; a supervisor sees the count
# on the home screen, opens the requests (O) and approves (A) with a reason; the operator prints
# it (p) once: a PDF in the spool whose text (pdftotext) is the register's layout as the console
# lays it out, with the requester and the approver marked; a second print refused. The core's rules are walked in
# tests/test_approve.c and tests/approve.sh; this proves the console reaches them. Then S: a copy
# left in the spool sent again to a printer (ippeveprinter) from the console, on record; one sent
# meanwhile by another session refused, the reason in Japanese.
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
as_tanaka() { FUKUHON_TEST_ACTOR=tanaka "$@"; }
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
# The PDF printed from the console is the register's layout as the console shows it, with the
# request's marks: its requester and its approver (R-PRINT).
if command -v pdftotext > /dev/null; then
	as_tanaka $C requests --json > "$T/req.json" || not_ok "requests --json"
	REG=$(tr -d ' \n' < "$T/req.json" | sed -n 's/.*"registers":\[{"register":\([0-9]*\).*/\1/p')
	pdf_is_layout "$(find "$T/spool" -name '*.pdf' -type f)" tanaka "$REG"
	for mark in "写し" "東京法務局" "申請番号1" "作成者tanaka" "承認者sato" "JST"; do
		contains "$T/pdf.flat" "$mark"
	done
else
	echo "pdftotext (poppler-utils) is missing: the PDF's text not checked"
fi
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

# ---- S: a copy left in the spool sent again to the printer (print resend) ----
# The copy above stayed in the spool (no printer then). With a printer (CUPS's ippeveprinter,
# as tests/print_ipp.sh): the copy the operator is asked about is sent meanwhile by another
# session, so the console's re-send is refused — and says why, in Japanese, on record; then a
# second print's copy left by a printer that refused it is sent again from the console: the
# printer gets it, the spool lets it go, the re-send is recorded.
SHIM="$top_builddir/tests/fake_avahi.so"
if command -v ippeveprinter > /dev/null && command -v ipptool > /dev/null && [ -f "$SHIM" ]; then
	mkdir -m 700 "$T/got" "$T/gotr" "$T/ippkeys"
	PIDS=""
	trap 'for p in $PIDS; do kill $p 2>/dev/null; done; tui_stop; store_drop; rm -rf "$T"' EXIT
	PA=$(free_port)
	ipp_printer "$PA" "$T/got" application/pdf
	PR=$(free_port) # answers, but takes jobs only from a signed-in user: every Print-Job refused
	ipp_printer "$PR" "$T/gotr" application/pdf -A
	N1=$(store_sql "SELECT number FROM print_output ORDER BY serial LIMIT 1")
	# a second print, its copy refused by the printer: left in the spool
	REG2=$(store_sql "SELECT id FROM register WHERE kind = 1 ORDER BY id DESC LIMIT 1")
	FUKUHON_TEST_ACTOR=tanaka $C request print --register "$REG2" --reason "本人からの請求" > "$T/out" || not_ok "request"
	ID2=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
	FUKUHON_TEST_ACTOR=sato $C approve "$ID2" --reason "確認済み" > /dev/null || not_ok "approve"
	make_config "language = ja
print_spool = spool
print_queue = ipp://localhost:$PR/ipp/print
approval_valid = 1h"
	expect 1 as_tanaka $C print "$ID2"
	[ "$(find "$T/spool" -name '*.pdf' -type f | wc -l)" = 2 ] && ok || not_ok "not two copies in the spool: $(ls -A "$T/spool")"
	make_config "language = ja
print_spool = spool
print_queue = ipp://localhost:$PA/ipp/print
approval_valid = 1h"
	tui_console $S "$FUKUHON_CONFIG"
	tui_sign_in $S tanaka
	tui_send $S O
	tui_wait $S "申請（印刷・書出し・廃棄）"
	tui_wait $S "実施済み"
	# the rows newest first: request 2's copy; the first request's is one row down
	tui_key $S Down
	tui_send $S S
	tui_wait $S "印刷スプールに残った写し 1 通"
	tui_wait $S "$N1"
	# sent meanwhile by another session of the same operator
	expect 0 as_tanaka $C print resend "$N1"
	tui_send $S y
	tui_wait $S "存在しないか、管轄外です。"
	tui_wait $S "$N1"
	# request 2's copy, from the console
	tui_key $S Up
	tui_send $S S
	tui_wait $S "写し 1 通"
	tui_send $S y
	tui_wait $S "印刷機へ再送しました: 1 通"
	[ -z "$(find "$T/spool" -type f)" ] && ok || not_ok "the spool keeps $(ls -A "$T/spool")"
	n=0
	until [ "$(find "$T/got" -type f -name '*.pdf' | wc -l)" -ge 2 ] || [ $n -ge 50 ]; do n=$((n + 1)); sleep 0.1; done
	[ "$(find "$T/got" -type f -name '*.pdf' | wc -l)" = 2 ] && ok || not_ok "the printer has $(ls "$T/got")"
	# nothing left to send: said so
	tui_send $S S
	tui_wait $S "印刷スプールに残っているものはありません"
	tui_key $S Escape
	tui_wait $S "市区町村"
	tui_sign_out $S
	tui_stop
	expect 0 $C audit list --action print.resend --json
	[ "$(grep -c '"result": "success"' "$T/out")" = 2 ] && ok || not_ok "print.resend successes: $(head -c 600 "$T/out")"
	[ "$(grep -c '"result": "denied"' "$T/out")" = 1 ] && ok || not_ok "print.resend refusals: $(head -c 600 "$T/out")"
	contains "$T/out" '"reason": "not-found"'
else
	echo "# ippeveprinter, ipptool or tests/fake_avahi.so missing: the console's re-send not walked"
fi
finish
