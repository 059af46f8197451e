#!/bin/sh
# Printing to a printer over IPP (issue 12; R-PRINT, R-APPROVE): print_queue names an IPP
# Everywhere printer (CUPS's ippeveprinter on loopback, keeping what it receives); an approved
# print of two registers sends each copy as its own job through libcups, each send recorded
# with the printer's job id (print.send), the copies leave the spool; what the printer received
# is the PDF with the marks (pdftotext). A printer that is not there, one that does not take
# PDF, and an ipps:// printer whose certificate does not verify each fail the print before
# anything is made: a clear message (in Japanese too), the request still approved, the output
# number not used (the next print gets it), the failure on record. A printer that refuses the
# copies leaves them in the spool; once it takes jobs again the requester sends one again
# (print resend): the printer gets the copy on record (its SHA-256), no new number is used, the
# re-send is recorded; someone else's copy, an unknown number and a copy already sent are
# refused and recorded (after the approval's validity: tests/test_approve.c); two re-sends of
# one copy started together send it once and refuse the other.
. "$(dirname "$0")/lib.sh"
for p in ippeveprinter ipptool pdftotext sqlite3; do
	command -v $p > /dev/null || { echo "$p is missing (cups-ipp-utils, poppler-utils): skipped"; exit 77; }
done
SHIM="$top_builddir/tests/fake_avahi.so"
[ -f "$SHIM" ] || { echo "tests/fake_avahi.so is not built"; exit 99; }
C=$FUKUHONCTL
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
mkdir -m 700 "$T/spool" "$T/got" "$T/got2" "$T/got3" "$T/ippkeys"
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; tui_stop; store_drop; rm -rf "$T"' EXIT

P1=$(free_port)
ipp_printer "$P1" "$T/got" application/pdf
P2=$(free_port)
ipp_printer "$P2" "$T/got2" image/pwg-raster
P3=$(free_port) # answers, but takes jobs only from a signed-in user: every Print-Job refused
ipp_printer "$P3" "$T/got3" application/pdf -A
P3PID=$!
DEAD=$(free_port)
# an ipps:// printer whose certificate a CA of our own issued for localhost
mkdir -m 700 "$T/ca" "$T/got4" "$T/keys4"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca/ca.key" -out "$T/ca/ca.crt" -days 2 \
	-subj "/CN=fukuhon test printer CA" > /dev/null 2>&1 || exit 99
openssl req -newkey rsa:2048 -nodes -keyout "$T/keys4/localhost.key" -out "$T/ca/p.csr" \
	-subj "/CN=localhost" > /dev/null 2>&1 || exit 99
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$T/ca/ext"
openssl x509 -req -in "$T/ca/p.csr" -CA "$T/ca/ca.crt" -CAkey "$T/ca/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/ca/ext" -out "$T/keys4/localhost.crt" > /dev/null 2>&1 || exit 99
P4=$(free_port)
KEYS="$T/keys4" ipp_printer "$P4" "$T/got4" application/pdf

conf() {
	make_config "print_spool = spool
print_queue = $1
approval_valid = 1h
${2:-}"
}
conf "ipp://localhost:$P1/ipp/print"
expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C demo-data --registers 3 --seed 7
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,print --reason "窓口での写し交付"
REGS=$(store_sql "SELECT id FROM register ORDER BY id LIMIT 2" | paste -sd , -)
approved() {
	expect 0 as tanaka $C request print --register "$REGS" --reason "本人からの請求"
	ID=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
	expect 0 as sato $C approve "$ID" --reason "確認済み"
}

# ---- refusals before anything is made: no file, no number, on record ----
approved
for q in "ipp://localhost:$DEAD/ipp/print" "ipp://localhost:$P2/ipp/print" "ipps://localhost:$P1/ipp/print"; do
	conf "$q"
	expect 1 as tanaka $C print "$ID"
	contains "$T/err" "The printer cannot take the print"
	contains "$T/err" "no output number was used"
done
contains "$T/err" "not trusted" # the ipps:// one: ippeveprinter's own certificate verifies against nothing
# in Japanese on a Japanese locale (the catalogue as built from po/ja.po)
mkdir -p "$T/locale/ja/LC_MESSAGES"
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	[ -f "$g" ] && { cp "$g" "$T/locale/ja/LC_MESSAGES/fukuhon.mo"; break; }
done
[ -f "$T/locale/ja/LC_MESSAGES/fukuhon.mo" ] || { echo "po/ja.gmo not built"; exit 99; }
conf "ipp://localhost:$P2/ipp/print"
LANGUAGE=ja FK_LOCALEDIR="$T/locale" expect 1 as tanaka $C print "$ID"
contains "$T/err" "印刷機が印刷を受け付けられません"
contains "$T/err" "出力番号も使われていません"
[ -z "$(find "$T/spool" -type f)" ] && ok || not_ok "a refused print left files: $(ls -A "$T/spool")"
[ -z "$(find "$T/got" "$T/got2" -type f -name '*.pdf')" ] && ok || not_ok "a refused print reached a printer"
[ "$(store_sql "SELECT count(*) FROM print_output")" = 0 ] && ok || not_ok "a refused print used numbers"
expect 0 $C audit list --action print.execute --json
[ "$(grep -c '"result": "failed"' "$T/out")" -ge 4 ] && ok || not_ok "the refusals are not on record: $(head -c 400 "$T/out")"

# ---- the print: each copy a job of its own, on record with its job id ----
conf "ipp://localhost:$P1/ipp/print"
expect 0 as tanaka $C print "$ID" --json
NUM1=$(sed -n 's/.*"number": "\([^"]*\)".*/\1/p' "$T/out" | head -n 1)
contains "$T/out" '"sent": 2'
contains "$T/out" '"unsent": 0'
JOB=$(sed -n 's/.*"printer_job": \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
[ "${JOB:-0}" -gt 0 ] && ok || not_ok "no printer job id: $(head -c 400 "$T/out")"
# the refusals used no number: the first copy has the first serial
case "$NUM1" in */000001) ok ;; *) not_ok "the first copy is $NUM1, not serial 1" ;; esac
[ -z "$(find "$T/spool" -type f)" ] && ok || not_ok "copies the printer took stay in the spool: $(ls -A "$T/spool")"
n=0
until [ "$(find "$T/got" -type f -name '*.pdf' | wc -l)" -ge 2 ] || [ $n -ge 50 ]; do n=$((n + 1)); sleep 0.1; done
[ "$(find "$T/got" -type f -name '*.pdf' | wc -l)" = 2 ] && ok || not_ok "the printer has $(ls "$T/got")"
for f in "$T"/got/*.pdf; do
	pdftotext -layout "$f" "$f.txt" 2> /dev/null || not_ok "$f is not a PDF"
	contains "$f.txt" "写し"
	contains "$f.txt" "tanaka"
	contains "$f.txt" "sato"
done
cat "$T"/got/*.txt > "$T/all.txt"
contains "$T/all.txt" "$NUM1"
expect 0 $C audit list --action print.send --json
[ "$(grep -c '"result": "success"' "$T/out")" = 2 ] && ok || not_ok "print.send records: $(head -c 400 "$T/out")"
contains "$T/out" "job=$JOB"
contains "$T/out" "$NUM1"
expect 0 $C audit list --action print.copy --json
[ "$(grep -c '"result": "success"' "$T/out")" = 2 ] && ok || not_ok "print.copy records"

# ---- a printer that answers but refuses the copies: they are recorded and stay in the spool ----
approved
conf "ipp://localhost:$P3/ipp/print"
expect 1 as tanaka $C print "$ID" --json
contains "$T/out" '"sent": 0'
contains "$T/out" '"unsent": 2'
contains "$T/err" "The printer did not take 2 of 2 copies"
[ "$(find "$T/spool" -type f -name 'fukuhon-*.pdf' | wc -l)" = 2 ] && ok || not_ok "the copies not sent are not in the spool: $(ls -A "$T/spool")"
[ "$(store_sql "SELECT count(*) FROM print_output")" = 4 ] && ok || not_ok "the copies not sent are not on record"
expect 0 $C audit list --action print.send --result failed --json
contains "$T/out" '"result": "failed"'
refused_again=$(store_sql "SELECT state FROM approval_request WHERE id = $ID")
[ "$refused_again" = executed ] && ok || not_ok "request $ID is $refused_again"

# ---- the copies left in the spool sent again (print resend): the same copy, on record ----
N3=$(store_sql "SELECT number FROM print_output WHERE request_id = $ID ORDER BY serial LIMIT 1")
SHA3=$(store_sql "SELECT sha256 FROM print_output WHERE number = '$N3'")
# someone else's copy (the approver's too) and a number nobody printed: refused, recorded
expect 1 as sato $C print resend "$N3"
contains "$T/err" "refused [not-requester]"
expect 1 as tanaka $C print resend "$(echo "$N3" | sed 's|/[0-9]*$|/999999|')"
contains "$T/err" "refused [not-found]"
# the printer comes back (the same address, now taking jobs): the requester sends the copy again
kill "$P3PID"
n=0
while ipptool -q "ipp://localhost:$P3/ipp/print" get-printer-attributes.test 2> /dev/null && [ $n -lt 100 ]; do n=$((n + 1)); sleep 0.1; done
mkdir -m 700 "$T/got5"
ipp_printer "$P3" "$T/got5" application/pdf
expect 0 as tanaka $C print resend "$N3" --json
contains "$T/out" "\"number\": \"$N3\""
n=0
until [ "$(find "$T/got5" -type f -name '*.pdf' | wc -l)" -ge 1 ] || [ $n -ge 50 ]; do n=$((n + 1)); sleep 0.1; done
GOT=$(find "$T/got5" -type f -name '*.pdf' | head -n 1)
[ -n "$GOT" ] && [ "$(sha256sum < "$GOT" | cut -d' ' -f1)" = "$SHA3" ] && ok || not_ok "the printer did not get the copy on record: $(ls "$T/got5")"
pdftotext -layout "$GOT" "$T/got5.txt" 2> /dev/null && contains "$T/got5.txt" "$N3"
[ "$(find "$T/spool" -type f -name 'fukuhon-*.pdf' | wc -l)" = 1 ] && ok || not_ok "the copy sent again is still in the spool: $(ls -A "$T/spool")"
# a re-send, not a new print: no number used, counted as print.resend, its send recorded
[ "$(store_sql "SELECT count(*) FROM print_output")" = 4 ] && ok || not_ok "a re-send made a new copy"
expect 0 $C audit list --action print.resend --json
[ "$(grep -c '"result": "success"' "$T/out")" = 1 ] && ok || not_ok "print.resend successes: $(head -c 400 "$T/out")"
[ "$(grep -c '"result": "denied"' "$T/out")" = 2 ] && ok || not_ok "print.resend refusals: $(head -c 400 "$T/out")"
contains "$T/out" "resend of the copy"
expect 0 $C audit list --action print.send --result success --json
contains "$T/out" "resend=1"
# sent once: the copy has left the spool
expect 1 as tanaka $C print resend "$N3"
contains "$T/err" "refused [not-found]"

# ---- two re-sends of the other copy at once (two commands started together): sent once ----
# The second is decided right after the first commits, while the first is still sending: without
# the claim (core/approve/resend.c) both found the copy in the spool and the printer got it twice.
N4=$(store_sql "SELECT number FROM print_output WHERE request_id = $ID ORDER BY serial DESC LIMIT 1")
[ "$N4" != "$N3" ] || not_ok "no second copy"
FUKUHON_TEST_ACTOR=tanaka $C print resend "$N4" > "$T/r1.out" 2> "$T/r1.err" &
R1=$!
FUKUHON_TEST_ACTOR=tanaka $C print resend "$N4" > "$T/r2.out" 2> "$T/r2.err" &
R2=$!
wait $R1; S1=$?
wait $R2; S2=$?
[ "$((S1 + S2))" = 1 ] && ok || not_ok "two re-sends at once ended $S1 and $S2 (one success, one refusal wanted)"
cat "$T/r1.err" "$T/r2.err" > "$T/both.err"
# the other refused as the copy is being sent (it met the claim) or as gone (it came after)
grep -qE 'refused \[(being-sent|not-found)\]' "$T/both.err" && ok || not_ok "the second re-send's refusal: $(cat "$T/both.err")"
expect 0 $C audit list --action print.resend --json
[ "$(grep -c '"result": "success"' "$T/out")" = 2 ] && ok || not_ok "print.resend successes after two at once: $(head -c 600 "$T/out")"
expect 0 $C audit list --action print.send --result success --json
[ "$(grep -c "$N4" "$T/out")" = 1 ] && ok || not_ok "copy $N4 sent $(grep -c "$N4" "$T/out") times"
[ -z "$(find "$T/spool" -type f)" ] && ok || not_ok "the spool keeps $(ls -A "$T/spool")"
n=0
until [ "$(find "$T/got5" -type f -name '*.pdf' | wc -l)" -ge 2 ] || [ $n -ge 50 ]; do n=$((n + 1)); sleep 0.1; done
[ "$(find "$T/got5" -type f -name '*.pdf' | wc -l)" = 2 ] && ok || not_ok "the printer has $(ls "$T/got5")"

# ---- ipps:// with a certificate that verifies against print_queue_ca ----
approved
conf "ipps://localhost:$P4/ipp/print" "print_queue_ca = $T/ca/ca.crt"
expect 0 as tanaka $C print "$ID" --json
contains "$T/out" '"sent": 2'
n=0
until [ "$(find "$T/got4" -type f -name '*.pdf' | wc -l)" -ge 2 ] || [ $n -ge 50 ]; do n=$((n + 1)); sleep 0.1; done
[ "$(find "$T/got4" -type f -name '*.pdf' | wc -l)" = 2 ] && ok || not_ok "the ipps printer has $(ls "$T/got4")"
# the same printer, its CA not given: the system's CAs do not know it
approved
conf "ipps://localhost:$P4/ipp/print"
expect 1 as tanaka $C print "$ID"
contains "$T/err" "not trusted"

# ---- print_queue must be IPP ----
conf "lpd://localhost/queue"
expect 1 as tanaka $C requests
contains "$T/err" "print_queue must be an ipp:// or ipps:// URI"
finish
