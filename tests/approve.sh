#!/bin/sh
# The four-eyes workflow end to end with fukuhonctl (R-APPROVE, R-PRINT, R-LOG): an operator
# asks for a print, a supervisor of the bureau approves it (not the requester, not another
# bureau's), the operator prints it once; the PDF's text is the console's layout (fk_cert_lines
# through tests/fkcert) with every mark; page 1 is not blank; a spool that is not the service
# account's alone refuses the job and consumes nothing.
. "$(dirname "$0")/lib.sh"
for p in pdftotext pdftoppm pdfinfo pdffonts; do
	command -v $p > /dev/null || { echo "$p (poppler-utils) is missing: skipped"; exit 77; }
done
make_config "print_spool = spool
approval_valid = 1h"
mkdir -m 700 "$T/spool"
C=$FUKUHONCTL
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
# refused REASON CMD...: exit 1 with the refusal's recorded reason named
refused() { why=$1; shift; expect 1 "$@"; contains "$T/err" "refused [$why]"; }

expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add suzuki --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C operator add kato --role supervisor --bureau 大阪法務局
expect 0 $C demo-data --registers 3 --seed 7
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,print --reason "窓口での写し交付"
expect 0 $C grant suzuki --all --kind koseki,joseki --rights view --reason "閲覧のみ"
REG=$(store_sql "SELECT min(id) FROM register")

# ---- the request: fixed registers and versions, the right needed ----
refused no-grant as suzuki $C request print --register "$REG" --reason "印刷したい"
expect 2 as tanaka $C request print --register "$REG"
refused not-found as tanaka $C request print --register "$REG" 999999 --reason "ない戸籍"
expect 0 as tanaka $C request print --register "$REG" --reason "本人からの請求（窓口）"
contains "$T/out" "request 1:"
ID=1

# ---- the decision: a supervisor of the bureau, never the requester ----
expect 0 as sato $C requests --waiting --json
contains "$T/out" '"state": "waiting"'
contains "$T/out" '"requester": "tanaka"'
refused role as tanaka $C approve $ID --reason "自分で承認"
refused jurisdiction as kato $C approve $ID --reason "他局"
refused not-approved as tanaka $C print $ID
expect 0 as sato $C approve $ID --reason "確認済み"
contains "$T/out" "approved"
refused not-waiting as sato $C reject $ID --reason "やはり却下"
refused not-requester as suzuki $C print $ID

# ---- the print: once, into the spool ----
expect 0 as tanaka $C print $ID --json
contains "$T/out" '"number": "'
PDF=$(sed -n 's/.*"file": "\([^"]*\)".*/\1/p' "$T/out" | head -n 1)
NUMBER=$(sed -n 's/.*"number": "\([^"]*\)".*/\1/p' "$T/out" | head -n 1)
PAGES=$(sed -n 's/.*"pages": \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
[ -f "$PDF" ] && ok || not_ok "no PDF at '$PDF'"
[ "$(stat -c %a "$PDF")" = 600 ] && ok || not_ok "PDF mode $(stat -c %a "$PDF")"
[ -z "$(find "$T/spool" -name '.print.*')" ] && ok || not_ok "temporary files left in the spool"
refused already-executed as tanaka $C print $ID
[ "$(find "$T/spool" -type f | wc -l)" = 1 ] && ok || not_ok "a second print wrote a file"
# the copy in the spool as its requester lists it; a re-send that died while sending leaves it
# claimed (".sending", its lock gone): listed as interrupted, for the operator to send again
expect 0 as tanaka $C requests --json
tr -d ' \n' < "$T/out" | grep -qF "\"spooled\":[{\"number\":\"$NUMBER\",\"state\":\"waiting\",\"interrupted\":false}]" && ok ||
	not_ok "the copy is not listed waiting: $(cat "$T/out")"
mv "$PDF" "$PDF.sending"
expect 0 as tanaka $C requests --json
tr -d ' \n' < "$T/out" | grep -qF "\"state\":\"interrupted\",\"interrupted\":true" && ok ||
	not_ok "the claimed copy is not listed interrupted: $(cat "$T/out")"
mv "$PDF.sending" "$PDF"

# The text of the PDF is the console's layout, in order, with every mark on the page.
pdf_is_layout "$PDF" tanaka "$REG"
for mark in "写し" "東京法務局" "出力番号$NUMBER" "申請番号1" "作成者tanaka" "承認者sato" "JST" "1/${PAGES}頁" "${PAGES}/${PAGES}頁" "内容"; do
	contains "$T/pdf.flat" "$mark"
done
# A4, set in IPAmj明朝 (embedded), the pages the job reported
pdfinfo "$PDF" > "$T/info" && contains "$T/info" "(A4)" && contains "$T/info" "Pages:           $PAGES"
pdffonts "$PDF" > "$T/fonts" && contains "$T/fonts" "IPAmjMincho"
# every page numbered and marked
[ "$(grep -c "出力番号 $NUMBER .*/ *$PAGES *頁" "$T/pdf.txt")" = "$PAGES" ] && ok || not_ok "not every page of $PAGES is numbered and marked"
# Page 1 drawn at 30 dpi: not blank (dark pixels of text and rules).
pdftoppm -r 30 -png -f 1 -l 1 "$PDF" "$T/page" && [ -s "$T/page-1.png" ] && ok || not_ok "pdftoppm -png"
pdftoppm -r 30 -gray -f 1 -l 1 "$PDF" "$T/gray" || not_ok "pdftoppm -gray"
dark=$(od -An -v -tu1 "$T/gray-1.pgm" | tr -s ' ' '\n' | awk '$1 != "" && $1 < 128 {n++} END {print n + 0}')
[ "$dark" -gt 200 ] && ok || not_ok "page 1 looks blank ($dark dark pixels)"

# ---- on record: the request, the decision, the copy, the execution, the refusals ----
expect 0 $C audit list --action print.copy --json
contains "$T/out" "$NUMBER"
expect 0 $C audit list --action request.approve
contains "$T/out" "denied"
expect 0 $C audit list --action print.execute
contains "$T/out" "already-executed"

# ---- a spool that is not the service account's alone: refused, nothing consumed ----
expect 0 as tanaka $C request print --register "$REG" --reason "二通目"
expect 0 as sato $C approve 2 --reason "確認済み"
chmod 755 "$T/spool"
expect 1 as tanaka $C print 2
contains "$T/err" "mode 0700"
[ "$(find "$T/spool" -type f | wc -l)" = 1 ] && ok || not_ok "a refused job left a file"
mv "$T/spool" "$T/spool.away"
expect 1 as tanaka $C print 2
contains "$T/err" "cannot be used"
mv "$T/spool.away" "$T/spool"
chmod 700 "$T/spool"
expect 0 as tanaka $C print 2 --json
NUMBER2=$(sed -n 's/.*"number": "\([^"]*\)".*/\1/p' "$T/out" | head -n 1)
[ "${NUMBER2##*/}" = "$(printf '%06d' $((${NUMBER##*/} + 1)))" ] && ok ||
	not_ok "the failed job consumed a number: $NUMBER then $NUMBER2"
# the counter in the key folder, MAC'd, 0600
[ "$(stat -c %a "$T/keys/print.seq")" = 600 ] && ok || not_ok "print.seq mode"

# ---- a rejection, and the lists ----
refused no-grant as tanaka $C request dispose --register "$REG" --reason "保存期間満了"
expect 0 as tanaka $C request print --register "$REG" --reason "三通目"
expect 0 as sato $C reject 3 --reason "必要性が確認できない"
contains "$T/out" "rejected"
refused not-approved as tanaka $C print 3
expect 0 as tanaka $C requests --mine
contains "$T/out" "executed"
contains "$T/out" "rejected"
expect 0 as suzuki $C requests
lacks "$T/out" "tanaka"
expect 0 as sato $C requests --waiting
lacks "$T/out" "tanaka"

expect 0 $C status --check
finish
