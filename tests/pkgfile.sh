#!/bin/sh
# Package files opened as the import opens them (core/intake/pkgfile.c; R-INTRANSIT, R-MUTUAL,
# R-BATCH-PROTO): tests/fkpkg writes good and broken packages with tests/pki.sh's PKI, and each
# broken one is refused for its own reason; a 20,000-register package opens with memory far
# below its size.
. "$(dirname "$0")/lib.sh"
FKPKG="$top_builddir/tests/fkpkg"
[ -x "$FKPKG" ] || { echo "no tests/fkpkg: skipped"; exit 77; }
export FK_TOP_SRCDIR="$top_srcdir"
P="$T/pki"
sh "$top_srcdir/tests/pki.sh" "$P" 131016 131024:revoked 131032:expired 011002 ||
	{ echo "cannot make the test PKI"; exit 99; }
# Under AddressSanitizer freed chunks would wait in its quarantine and count as resident.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"

# make NAME MUNI [fkpkg options...]: a package signed by muni-MUNI for the receiver.
make_pkg() {
	name=$1 muni=$2
	shift 2
	"$FKPKG" -o "$T/$name.pkg" --quiet --signer-key "$P/muni-$muni.key" \
		--signer-cert "$P/muni-$muni.crt" --to "$P/receiver.crt" --municipality "$muni" \
		--created-at 2026-12-01T09:30:00Z "$@" || not_ok "fkpkg could not make $name"
}
# opens FILE WANT [open options...]: fkpkg open prints WANT (its first line, from the start).
opens() {
	file=$1 want=$2
	shift 2
	"$FKPKG" open --key "$P/receiver.key" --cert "$P/receiver.crt" --ca "$P/ca.crt" "$@" \
		"$file" > "$T/out" 2> "$T/err"
	case $(head -n 1 "$T/out") in
	"$want"*) ok ;;
	*) not_ok "$file: wanted '$want', got '$(head -n 1 "$T/out")' $(head -c 300 "$T/err")" ;;
	esac
}
CRL="--crl $P/ca.crl"

make_pkg good 131016 --registers 30 --versions 5 --removals 2 --ledger 4 --documents 4 --chunk-records 10
opens "$T/good.pkg" "opened 5 45 " $CRL
# Another bureau's municipality opens here: jurisdiction is the import's to judge, against the DB.
make_pkg other 011002 --registers 3
opens "$T/other.pkg" "opened 1 3 " $CRL

# Not a package, truncated anywhere, a frame larger than allowed or empty.
head -c 5000 /dev/urandom > "$T/garbage.pkg"
opens "$T/garbage.pkg" "refused NOT_PACKAGE NONE" $CRL
head -c 5 "$T/good.pkg" > "$T/cut5.pkg"
opens "$T/cut5.pkg" "refused TRUNCATED NONE" $CRL
: > "$T/empty.pkg"
opens "$T/empty.pkg" "refused TRUNCATED NONE" $CRL
head -c 200 "$T/good.pkg" > "$T/cut200.pkg"
opens "$T/cut200.pkg" "refused TRUNCATED NONE" $CRL
make_pkg cutend 131016 --registers 30 --chunk-records 10 --truncate -100
opens "$T/cutend.pkg" "refused TRUNCATED NONE" $CRL
printf 'FKPKG01\n\377\377\377\377' > "$T/huge.pkg"
opens "$T/huge.pkg" "refused FRAME NONE" $CRL
printf 'FKPKG01\n\000\200\000\001' > "$T/over.pkg" # FK_CMS_MAX + 1
opens "$T/over.pkg" "refused FRAME NONE" $CRL
printf 'FKPKG01\n\000\000\000\000' > "$T/zero.pkg"
opens "$T/zero.pkg" "refused FRAME NONE" $CRL
# Bytes after the last chunk, even ones shaped as a frame header.
cp "$T/good.pkg" "$T/bigchunk.pkg"
printf '\177\377\377\377' >> "$T/bigchunk.pkg"
opens "$T/bigchunk.pkg" "refused CHUNKS NONE" $CRL

# The manifest: not signed, to another recipient, signed by another municipality, by a
# revoked or expired certificate, with a stale or missing CRL, malformed.
make_pkg unsigned 131016 --registers 3 --unsigned-manifest
opens "$T/unsigned.pkg" "refused CMS UNSIGNED" $CRL
"$FKPKG" -o "$T/notus.pkg" --quiet --signer-key "$P/muni-131016.key" --signer-cert "$P/muni-131016.crt" \
	--to "$P/receiver2.crt" --municipality 131016 --registers 3
opens "$T/notus.pkg" "refused CMS NOT_FOR_US" $CRL
make_pkg wrongsigner 131016 --registers 3 --municipality 131024
opens "$T/wrongsigner.pkg" "refused SIGNER NONE" $CRL
make_pkg revoked 131024 --registers 3
opens "$T/revoked.pkg" "refused CMS REVOKED" $CRL
make_pkg expired 131032 --registers 3
opens "$T/expired.pkg" "refused CMS EXPIRED" $CRL
opens "$T/good.pkg" "refused CMS CRL_MISSING"
opens "$T/good.pkg" "refused CMS CRL_STALE" --crl "$P/crl-1h.crl" --now $(($(date +%s) + 7200))
opens "$T/good.pkg" "opened 5 45 " --crl "$P/crl-1h.crl"
make_pkg badcode 131016 --registers 3 --municipality 131017
opens "$T/badcode.pkg" "refused MANIFEST NONE" $CRL
contains "$T/err" "package: manifest: \"municipality\" is not a municipality code with its check digit"
make_pkg bigimmediate 131016 --registers 20 --kind immediate
opens "$T/bigimmediate.pkg" "refused MANIFEST NONE" $CRL
make_pkg immediate 131016 --registers 1 --kind immediate
opens "$T/immediate.pkg" "opened 1 1 " $CRL

# The chunks: one missing, one too many, bytes after the last, one altered, a wrong hash.
make_pkg dropped 131016 --registers 30 --chunk-records 10 --drop-chunk 1
opens "$T/dropped.pkg" "refused CHUNKS NONE" $CRL
make_pkg extra 131016 --registers 30 --chunk-records 10 --extra-chunk
opens "$T/extra.pkg" "refused CHUNKS NONE" $CRL
cp "$T/good.pkg" "$T/trailing.pkg"
printf 'x' >> "$T/trailing.pkg"
opens "$T/trailing.pkg" "refused CHUNKS NONE" $CRL
make_pkg corrupt 131016 --registers 30 --chunk-records 10 --corrupt-chunk 1
opens "$T/corrupt.pkg" "refused CHUNK_CMS DECRYPT chunk 1" $CRL
contains "$T/err" "package: chunk 1 could not be opened: cannot be decrypted (altered or truncated)"
make_pkg wronghash 131016 --registers 30 --chunk-records 10 --wrong-hash 2
opens "$T/wronghash.pkg" "refused CHUNK_HASH NONE chunk 2" $CRL

# Records as given, even ones the import will reject: packaged and opened as they are.
printf '%s\n' '{"type":"ledger","accepted_on":"2026-11-30","entry":{"受付番号":"1"}}' \
	'not json at all' '{"type":"nonsense"}' > "$T/records.jsonl"
printf '{"type":"register","ref":"K-\033[31m\377"}\n' >> "$T/records.jsonl" # ESC, a byte not UTF-8
make_pkg given 131016 --records "$T/records.jsonl" --chunk-records 2
opens "$T/given.pkg" "opened 2 4 " $CRL --print
tail -n +2 "$T/out" > "$T/given.out"
cmp -s "$T/given.out" "$T/records.jsonl" && ok || not_ok "the records given came back changed"
# Synthesised: each kind of record, versions amending registers, documents linked to them.
"$FKPKG" open --print --key "$P/receiver.key" --cert "$P/receiver.crt" --ca "$P/ca.crt" $CRL \
	"$T/good.pkg" > "$T/out" 2> "$T/err"
for want in '"type":"register"' '"type":"version"' '"type":"removal","ref":"K-0000030"' \
	'"type":"ledger"' '"type":"document","doc_type":' '"ref":"K-0000001","content":'; do
	contains "$T/out" "$want"
done
[ "$(grep -c '"type":"version"' "$T/out")" = 5 ] && ok || not_ok "not 5 versions in good.pkg"

# Memory stays bounded by a chunk, not the package (R-BATCH-PROTO; issue 10's 541 MB lesson).
make_pkg small 131016 --registers 10
opens "$T/small.pkg" "opened 1 10 " $CRL
base=$(sed -n 's/.*peak RSS \([0-9]*\) kB.*/\1/p' "$T/err")
make_pkg big 131016 --registers 20000
opens "$T/big.pkg" "opened 50 20000 " $CRL  # 400 registers a chunk (tests/fkpkg: 1 MiB at most)
peak=$(sed -n 's/.*peak RSS \([0-9]*\) kB.*/\1/p' "$T/err")
size=$(($(wc -c < "$T/big.pkg") / 1024))
echo "20,000 registers: package $size kB, peak RSS $peak kB (a 10-register one: $base kB)"
# Holding the whole package would grow it by more than its size; a chunk at a time (three
# copies of about 2 MB here) grows it by a few MB, some 12 MB under AddressSanitizer.
if [ -n "$peak" ] && [ -n "$base" ] && [ $((peak - base)) -lt $((size / 2)) ]; then ok; else
	not_ok "opening a $size kB package grew the peak RSS from $base to $peak kB"
fi
finish
