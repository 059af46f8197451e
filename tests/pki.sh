#!/bin/sh
# A test PKI made with the openssl tools (issue 10; R-MUTUAL): never installed, never for real use.
#
#   tests/pki.sh DIR SPEC...
#
# makes, in DIR (0700; keys 0600):
#   ca.key ca.crt         the municipal CA ("Test 戸籍 municipal CA"), EC P-256, 10 years
#   ca.crl                its CRL (PEM), nextUpdate in 30 days (PKI_CRL_DAYS to change)
#   crl-1h.crl            the same CRL with nextUpdate in one hour: a check made "two hours
#                         later" (the core takes the time) sees a CRL past its nextUpdate
#   receiver.key receiver.crt   the receiving side's certificate (RSA 2048: CMS key transport;
#                         FK_PKI_RECEIVER=ec: EC P-256, CMS key agreement, keyAgreement)
#   receiver2.key receiver2.crt another receiver, to encrypt "to another recipient" (the same kind)
#   (mTLS: the client is a municipality's certificate, the server's is receiver.crt)
# and for each SPEC, CODE[:revoked|:expired]:
#   muni-CODE.key muni-CODE.crt  a municipality's signing certificate, EC P-256; the
#                         municipality code is the subject's serialNumber attribute
#                         (docs/package-format.md), the CN names it for people.
#   :revoked  listed in ca.crl      :expired  valid from 2 years ago to yesterday
#   :recv-ec, :recv-p384   instead, CODE.key CODE.crt: a receiving certificate with an EC key
#             on P-256 (P-384) for CMS key agreement (ECDH) and receipts (ECDSA): digitalSignature
#             and keyAgreement, as receiver.crt otherwise (tests/test_cms.c)
#   :enc      instead, muni-enc-CODE.key muni-enc-CODE.crt: the municipality's certificate to
#             encrypt to (RSA 2048, keyEncipherment), as a return is addressed (issue 12)
#   :terminal, :terminal-1024, :terminal-expired   instead, CODE.key CODE.crt (CN=CODE): a
#             terminal's TLS client certificate for the store, RSA 2048 (1024: too weak; or
#             expired yesterday), clientAuth and keyEncipherment: what a terminal's enrolment
#             package is encrypted to (issue 14, tests/enrol.sh)
# Spec-suffixed files drop the suffix: muni-131024.crt may be the revoked one.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [CODE[:revoked|:expired]]..." >&2; exit 2; }
dir=$1; shift
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
mkdir -p ca.db
: > ca.db/index.txt
[ -f ca.db/serial ] || echo 1000 > ca.db/serial
[ -f ca.db/crlnumber ] || echo 01 > ca.db/crlnumber
cat > ca.cnf <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = ca.db
database = ca.db/index.txt
new_certs_dir = ca.db
serial = ca.db/serial
crlnumber = ca.db/crlnumber
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
default_crl_days = ${PKI_CRL_DAYS:-30}
[ any ]
commonName = supplied
serialNumber = optional
organizationName = optional
[ leaf_sign ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_recv ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1
[ leaf_recv_ec ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1
[ leaf_terminal ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF

# FK_PKI_RSA_BITS=N (e.g. 3072, the production size): every key RSA of N bits — the CA's,
# the receivers' and the municipalities' — instead of P-256 and RSA 2048 (the benchmarks
# measure with it: tests/bench/bench_receiver.sh --key-bits).
# FK_PKI_RECEIVER=ec: the receivers' keys EC P-256 (key agreement) instead of RSA 2048 (the
# benchmark of the receiving service measures both: bench_receiver.sh --ec).
genkey() { # file ec|rsa|p384
	if [ "$2" = p384 ]; then
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" 2>/dev/null
	elif [ -n "${FK_PKI_RSA_BITS:-}" ]; then
		openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$FK_PKI_RSA_BITS" -out "$1" 2>/dev/null
	elif [ "$2" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
	fi
}

if [ ! -f ca.crt ]; then
	genkey ca.key ec
	openssl req -new -x509 -key ca.key -out ca.crt -days 3650 -sha256 \
		-subj "/O=fukuhon test/CN=Test municipal CA" -config ca.cnf -extensions v3_ca \
		-utf8 >/dev/null 2>&1
fi

sign() { # name subj ext [startdate enddate]
	openssl req -new -key "$1.key" -out "$1.csr" -subj "$2" -utf8 2>/dev/null
	if [ $# -ge 5 ]; then
		openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in "$1.csr" -out "$1.crt" \
			-extensions "$3" -startdate "$4" -enddate "$5" -notext -utf8 >/dev/null 2>&1
	else
		openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in "$1.csr" -out "$1.crt" \
			-extensions "$3" -days 825 -notext -utf8 >/dev/null 2>&1
	fi
	rm -f "$1.csr"
}

for r in receiver receiver2; do
	if [ ! -f $r.crt ]; then
		if [ "${FK_PKI_RECEIVER:-rsa}" = ec ]; then
			genkey $r.key ec
			sign $r "/O=fukuhon test/CN=fukuhon receiver $r" leaf_recv_ec
		else
			genkey $r.key rsa
			sign $r "/O=fukuhon test/CN=fukuhon receiver $r" leaf_recv
		fi
	fi
done

for spec in "$@"; do
	code=${spec%%:*}
	what=${spec#"$code"}
	case $what in
	:terminal*)
		bits=2048
		[ "$what" != :terminal-1024 ] || bits=1024
		openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$code.key" 2>/dev/null
		if [ "$what" = :terminal-expired ]; then
			sign "$code" "/O=fukuhon test/CN=$code" leaf_terminal \
				"$(date -u -d '2 years ago' +%Y%m%d%H%M%SZ)" "$(date -u -d 'yesterday' +%Y%m%d%H%M%SZ)"
		else
			sign "$code" "/O=fukuhon test/CN=$code" leaf_terminal
		fi
		continue ;;
	esac
	case $what in
	:recv-ec|:recv-p384)
		genkey "$code.key" "$([ "$what" = :recv-p384 ] && echo p384 || echo ec)"
		sign "$code" "/O=fukuhon test/CN=fukuhon receiver $code" leaf_recv_ec
		continue ;;
	esac
	if [ "$what" = ":enc" ]; then
		genkey "muni-enc-$code.key" rsa
		sign "muni-enc-$code" "/O=fukuhon test/serialNumber=$code/CN=municipality $code" leaf_recv
		continue
	fi
	genkey "muni-$code.key" ec
	case $what in
	:expired)
		start=$(date -u -d '2 years ago' +%Y%m%d%H%M%SZ)
		end=$(date -u -d 'yesterday' +%Y%m%d%H%M%SZ)
		sign "muni-$code" "/O=fukuhon test/serialNumber=$code/CN=municipality $code" leaf_sign "$start" "$end" ;;
	*)
		sign "muni-$code" "/O=fukuhon test/serialNumber=$code/CN=municipality $code" leaf_sign ;;
	esac
	if [ "$what" = ":revoked" ]; then
		openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -revoke "muni-$code.crt" \
			-crl_reason keyCompromise >/dev/null 2>&1
	fi
done

openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -gencrl -out ca.crl >/dev/null 2>&1
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -gencrl -crlhours 1 \
	-out crl-1h.crl >/dev/null 2>&1
chmod 600 ./*.key
