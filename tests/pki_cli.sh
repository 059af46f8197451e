#!/bin/sh
# fukuhonctl's receiving-side certificates end to end (issue 10; R-MUTUAL, R-ACCESS, R-LOG):
# a test PKI (tests/pki.sh) in a temporary folder; ca add/list/remove; crl add (a valid one,
# one forged with another key, an older one after a newer: refused); cert request → signed by
# the test CA with the openssl tools → cert install → status; a renewal keeps the previous
# certificate and key; a certificate that matches no pending key refused; warnings in cert
# status and status; CA rows added or altered with sqlite3 refused by the trust base.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
on_pg || command -v sqlite3 > /dev/null || { echo "sqlite3 not found: skipped"; exit 77; }
make_config
C=$FUKUHONCTL
P=$T/pki
DB=$T/db/fukuhon.db
sh "$top_srcdir/tests/pki.sh" "$P" 131016 receiver-ec:recv-ec > /dev/null 2>&1 || exit 99
$C init $TEST_INIT > /dev/null || exit 99
$C operator add sup --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C operator add op1 --role operator --bureau 東京法務局 > /dev/null || exit 99

# A CRL naming the test CA as its issuer but signed with another key (a forgery).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/other.key" 2> /dev/null || exit 99
(cd "$P" && openssl req -new -x509 -key other.key -out forged-ca.crt -days 30 \
	-subj "/O=fukuhon test/CN=Test municipal CA" -config ca.cnf -extensions v3_ca > /dev/null 2>&1 &&
	openssl ca -batch -config ca.cnf -cert forged-ca.crt -keyfile other.key -gencrl \
		-out forged.crl > /dev/null 2>&1) || exit 99

# ---- before anything is trusted ----
expect 0 $C cert status
contains "$T/out" "no municipal CA is trusted"
contains "$T/out" "there is no receiving certificate"
expect 0 $C status
lacks "$T/out" "WARNING"            # a terminal that receives nothing has nothing to warn of

# ---- CAs: administrators only; supervisors may read ----
FUKUHON_TEST_ACTOR=sup expect 1 $C ca add "$P/ca.crt"
contains "$T/err" "refused"
expect 1 $C ca add "$P/muni-131016.crt"
contains "$T/err" "not a CA certificate"
expect 1 $C ca add "$P/ca.key"
contains "$T/err" "not a certificate"
expect 0 $C ca add "$P/ca.crt"
contains "$T/out" "CA added (row"
expect 1 $C ca add "$P/ca.crt"
contains "$T/err" "trusted already"
FUKUHON_TEST_ACTOR=op1 expect 1 $C ca list
FUKUHON_TEST_ACTOR=sup expect 0 $C ca list
contains "$T/out" "CN=Test municipal CA,O=fukuhon test"
contains "$T/out" "none installed"
expect 0 $C ca list --json
contains "$T/out" '"crl": null'
expect 0 $C status
contains "$T/out" "no CRL of this CA is installed"

# ---- CRLs ----
expect 1 $C crl add "$P/forged.crl"
contains "$T/err" "not signed by a trusted CA"
FUKUHON_TEST_ACTOR=sup expect 1 $C crl add "$P/ca.crl"
expect 0 $C crl add "$P/ca.crl"
contains "$T/out" "CRL added"
expect 1 $C crl add "$P/ca.crl"
contains "$T/err" "installed already"
expect 0 $C crl add "$P/crl-1h.crl"   # number 2 after number 1
expect 1 $C crl add "$P/ca.crl"       # number 1 after 2: a rollback
contains "$T/err" "an older CRL cannot replace a newer one"
expect 0 $C ca list --json
contains "$T/out" '"number": "2"'
expect 0 $C status
contains "$T/out" "reaches its next update soon"
expect 0 $C status --json
contains "$T/out" '"id": "crl-soon"'

# ---- the receiving certificate ----
sign() { # CSR CRT DAYS [EXTENSIONS]
	openssl x509 -req -in "$1" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days "$3" \
		-extfile "$P/ca.cnf" -extensions "${4:-leaf_recv}" -out "$2" > /dev/null 2>&1 || exit 99
}
expect 1 $C cert install "$P/receiver.crt"
contains "$T/err" "no certificate request is pending"
FUKUHON_TEST_ACTOR=sup expect 1 $C cert request --out "$T/req1.csr"
[ ! -e "$T/keys/receiver/receiver-next.key" ] && ok || not_ok "a refused request left a key"
expect 1 $C cert request --subject "CN=no slash"
expect 1 $C cert request --subject "/XX=unknown"
contains "$T/err" "KEY=VALUE"
expect 0 $C cert request --out "$T/req1.csr"
contains "$T/out" "the current certificate keeps working"
[ "$(stat -c %a "$T/keys/receiver/receiver-next.key")" = 600 ] && ok || not_ok "pending key mode"
[ "$(stat -c %a "$T/req1.csr")" = 600 ] && ok || not_ok "CSR file mode"
expect 1 $C cert request --out "$T/req1.csr"   # never over a file
contains "$T/err" "req1.csr"
openssl req -in "$T/req1.csr" -noout -verify -subject > "$T/csr" 2>&1 && ok || not_ok "CSR does not verify"
contains "$T/csr" "fukuhon receiver test-terminal"
cp "$T/keys/receiver/receiver-next.key" "$T/first.key"
expect 0 $C cert request                 # again: the same pending key, the CSR to stdout
contains "$T/out" "BEGIN CERTIFICATE REQUEST"
cmp -s "$T/keys/receiver/receiver-next.key" "$T/first.key" && ok || not_ok "a second request replaced the pending key"
expect 0 $C cert status
contains "$T/out" "a request waits for its certificate"
expect 1 $C cert install "$P/receiver2.crt"   # another key's certificate
contains "$T/err" "not the pending request's key"
sign "$T/req1.csr" "$T/recv1.crt" 20
FUKUHON_TEST_ACTOR=sup expect 1 $C cert install "$T/recv1.crt"
expect 0 $C cert install "$T/recv1.crt"
contains "$T/out" "installed"
[ -e "$T/keys/receiver/receiver.key" ] && [ ! -e "$T/keys/receiver/receiver-next.key" ] && ok || not_ok "key files after the install"
cmp -s "$T/keys/receiver/receiver.key" "$T/first.key" && ok || not_ok "receiver.key is not the requested key"
expect 1 $C cert install "$T/recv1.crt"
contains "$T/err" "current one already"
FUKUHON_TEST_ACTOR=sup expect 0 $C cert status
contains "$T/out" "CN=fukuhon receiver test-terminal,O=fukuhon"
lacks "$T/out" "a request waits"
contains "$T/out" "expires soon"       # 20 days: within cert_warn_days
expect 0 $C status
contains "$T/out" "the receiving certificate expires soon"

# Japanese on a Japanese locale (the catalogue as built from po/ja.po).
mkdir -p "$T/locale/ja/LC_MESSAGES"
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	[ -f "$g" ] && { cp "$g" "$T/locale/ja/LC_MESSAGES/fukuhon.mo"; break; }
done
[ -f "$T/locale/ja/LC_MESSAGES/fukuhon.mo" ] || { echo "po/ja.gmo not built"; exit 99; }
LANGUAGE=ja FK_LOCALEDIR="$T/locale" expect 0 $C cert status
contains "$T/out" "受信用証明書"
contains "$T/out" "警告 受信用証明書の有効期限が近づいています"

# ---- renewal without downtime ----
expect 0 $C cert request --subject "/O=fukuhon/CN=fukuhon receiver 2027" --out "$T/req2.csr"
[ -e "$T/keys/receiver/receiver.key" ] && [ -e "$T/keys/receiver/receiver-next.key" ] && ok || not_ok "renewal: both keys"
expect 0 $C cert status --json
contains "$T/out" '"pending": true'
sign "$T/req2.csr" "$T/recv2.crt" 400
expect 0 $C cert install "$T/recv2.crt"
cmp -s "$T/keys/receiver/receiver-prev.key" "$T/first.key" && ok || not_ok "the previous key was not kept"
[ "$(stat -c %a "$T/keys/receiver/receiver-prev.key")" = 600 ] && ok || not_ok "previous key mode"
expect 0 $C cert status --json
contains "$T/out" '"subject": "CN=fukuhon receiver 2027,O=fukuhon"'
contains "$T/out" '"subject": "CN=fukuhon receiver test-terminal,O=fukuhon"'
lacks "$T/out" '"key": false'
lacks "$T/out" '"cert-soon"'
# A third certificate retires the first (one previous is kept).
expect 0 $C cert request --subject "/O=fukuhon/CN=fukuhon receiver 2028" --out "$T/req3.csr"
sign "$T/req3.csr" "$T/recv3.crt" 400
expect 0 $C cert install "$T/recv3.crt"
expect 0 $C cert status
lacks "$T/out" "receiver test-terminal"
[ "$(store_sql "SELECT count(*) FROM pki_item WHERE kind = 'receiver'")" = 2 ] && ok || not_ok "receiver rows"

# A key pair made elsewhere (the test PKI's receiver): installed with its key, kept as current.
expect 1 $C cert install "$P/receiver.crt" --key "$P/receiver2.key"
contains "$T/err" "not the certificate's"
expect 0 $C cert install "$P/receiver.crt" --key "$P/receiver.key"
cmp -s "$T/keys/receiver/receiver.key" "$P/receiver.key" && ok || {
	# the same key, re-encoded as PKCS#8: compare the public halves
	a=$(openssl pkey -in "$T/keys/receiver/receiver.key" -pubout 2>/dev/null)
	b=$(openssl pkey -in "$P/receiver.key" -pubout 2>/dev/null)
	[ -n "$a" ] && [ "$a" = "$b" ] && ok || not_ok "the imported key is not receiver.key"
}
[ "$(stat -c %a "$T/keys/receiver/receiver.key")" = 600 ] && ok || not_ok "imported key mode"
expect 0 $C cert status
contains "$T/out" "CN=fukuhon receiver receiver"
contains "$T/out" "fukuhon receiver 2028"     # the one before, kept
# An EC receiving certificate (P-256: ECDH key agreement, ECDSA receipts) with its key; an EC
# one whose keyUsage lacks keyAgreement is refused, and so is a key on another curve
# (docs/package-format.md: RSA-OAEP or ECDH on P-256/P-384).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec-ke.key" 2> /dev/null || exit 99
openssl req -new -key "$T/ec-ke.key" -subj "/CN=ec keyEncipherment" -out "$T/ec-ke.csr" 2> /dev/null || exit 99
sign "$T/ec-ke.csr" "$T/ec-ke.crt" 400   # leaf_recv: keyEncipherment, no keyAgreement
expect 1 $C cert install "$T/ec-ke.crt" --key "$T/ec-ke.key"
contains "$T/err" "not for key agreement"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$T/ec-521.key" 2> /dev/null || exit 99
openssl req -new -key "$T/ec-521.key" -subj "/CN=ec P-521" -out "$T/ec-521.csr" 2> /dev/null || exit 99
sign "$T/ec-521.csr" "$T/ec-521.crt" 400
expect 1 $C cert install "$T/ec-521.crt" --key "$T/ec-521.key"
contains "$T/err" "P-256 or P-384"
expect 0 $C cert install "$P/receiver-ec.crt" --key "$P/receiver-ec.key"
expect 0 $C cert status
contains "$T/out" "CN=fukuhon receiver receiver-ec"
# cert request --ec: an EC P-256 key and its CSR; asked again without --ec while it waits,
# refused (never another kind of key than asked for, never the pending key replaced)
expect 0 $C cert request --ec --subject "/O=fukuhon/CN=fukuhon receiver ec" --out "$T/req-ec.csr"
openssl req -in "$T/req-ec.csr" -noout -text > "$T/csr-ec" 2>&1 || exit 99
contains "$T/csr-ec" "P-256"
expect 1 $C cert request
contains "$T/err" "key is EC"
expect 0 $C cert request --ec
contains "$T/out" "BEGIN CERTIFICATE REQUEST"
sign "$T/req-ec.csr" "$T/recv-ec.crt" 400 leaf_recv_ec
expect 0 $C cert install "$T/recv-ec.crt"
expect 0 $C cert status
contains "$T/out" "CN=fukuhon receiver ec,O=fukuhon"
expect 0 $C audit list --action pki.cert_request --json
contains "$T/out" "EC P-256"

# ---- recorded, refusals too ----
expect 0 $C audit list --json
for a in pki.ca_add pki.ca_list pki.crl_add pki.cert_request pki.cert_install pki.cert_status; do
	contains "$T/out" "\"$a\""
done
expect 0 $C audit list --action pki.crl_add --result failed
contains "$T/out" "pki.crl_add"
expect 0 $C audit list --action pki.ca_add --result denied
contains "$T/out" "pki.ca_add"

# ---- the database changed with sqlite3 (or by the PostgreSQL server's administrator): the trust
# base refuses it, naming the row ----
# (each refusal is recorded in the altered database and anchored: the key folder goes back too)
store_snapshot good || exit 99
cp -a "$T/keys" "$T/good.keys"
restore() {
	store_restore good || not_ok "the store could not be put back"
	rm -rf "$T/keys"
	cp -a "$T/good.keys" "$T/keys"
}
CA=$(store_sql "SELECT id FROM pki_item WHERE kind = 'ca'")
# a CA added: another copy of the trusted one's columns (an attacker's own CA would do the same)
store_sql "INSERT INTO pki_item(kind, subject, serial, not_before, not_after, sha256, der, added_by, added_by_user, added_at, mac)
	SELECT kind, subject || ' 2', serial, not_before, not_after, sha256, der, added_by, added_by_user, added_at, mac
	FROM pki_item WHERE id = $CA" || exit 99
expect 1 $C ca list
contains "$T/err" "pki_item"
restore
# a CA altered: its subject; status --check examines it and names the row
store_sql "UPDATE pki_item SET subject = 'CN=Evil CA' WHERE id = $CA" || exit 99
expect 1 $C ca list
contains "$T/err" "pki_item"
expect 1 $C status --check
contains "$T/out" "pki_item row id=$CA does not match its MAC"
restore
# a CA's certificate replaced (the DER beside its sealed hash)
if on_pg; then der="'\\x3000'::bytea"; else der="X'3000'"; fi
store_sql "UPDATE pki_item SET der = $der WHERE id = $CA" || exit 99
expect 1 $C ca list
contains "$T/err" "not the one sealed with it"
restore
# the CRL removed (so that revocations would not count)
store_sql "DELETE FROM pki_item WHERE kind = 'crl'" || exit 99
expect 1 $C ca list
contains "$T/err" "pki_item"
restore
expect 0 $C ca list
contains "$T/out" "Test municipal CA"

# ---- removal: recorded, the rows go ----
FUKUHON_TEST_ACTOR=sup expect 1 $C ca remove "$CA"
expect 1 $C ca remove 999
contains "$T/err" "no trusted CA"
expect 0 $C ca remove "CN=Test municipal CA,O=fukuhon test"
[ "$(store_sql "SELECT count(*) FROM pki_item WHERE kind IN ('ca', 'crl')")" = 0 ] && ok || not_ok "CA rows left"
expect 0 $C audit list --action pki.ca_remove --result success
contains "$T/out" "pki.ca_remove"
expect 0 $C ca list --json
contains "$T/out" "[]"
expect 0 $C status --check
finish
