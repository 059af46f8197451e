#!/bin/sh
# Make a demo terminal in ./demo (sample data, demo accounts under pam_wrapper) and start the console.
# Run through `make demo` (or ./autogen.sh demo). Nothing here touches /etc or system accounts.
# `make demo-shared` (build-aux/demo-shared.sh) makes its terminal A with it: DEMO_DIR names the
# terminal's folder, DEMO_DATABASE its store (a PostgreSQL URI), DEMO_TERMINAL_ID its id, and
# DEMO_QUIET=1 leaves the guide below to the caller.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
D=${DEMO_DIR:-$top_builddir/demo}
DATABASE=${DEMO_DATABASE:-fukuhon.db}
REGISTERS=${DEMO_REGISTERS:-5000}
# A store not yet made: SQLite's file is missing, or (a PostgreSQL store) this terminal has no keys.
case $DATABASE in
postgresql://*) made="$D/keys" ;;
*) made="$D/$DATABASE" ;;
esac

mkdir -p "$D/pam"
chmod 700 "$D"
if [ ! -f "$D/fukuhon.conf" ]; then
	cat > "$D/fukuhon.conf" <<CONF
# Demo terminal: a private database and key folder inside this folder.
database = $DATABASE
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = ${DEMO_TERMINAL_ID:-demo-terminal}
bureau = 東京法務局
language = ja
pam_service = fukuhon
CONF
fi
chmod 600 "$D/fukuhon.conf" # whatever the umask: a configuration others can write is refused
export FUKUHON_CONFIG="$D/fukuhon.conf"
C="$top_builddir/fukuhonctl"

# Demo accounts: user:password:service for pam_matrix (test PAM, never the system's).
cat > "$D/pam/passdb" <<'PASS'
tanaka:tanaka-demo:fukuhon
suzuki:suzuki-demo:fukuhon
sato:sato-demo:fukuhon
admin:admin-demo:fukuhon
PASS
chmod 600 "$D/pam/passdb"
moddir=${PAM_WRAPPER_MODDIR:-$(pkg-config --variable=modules pam_wrapper)}
for t in auth account password session; do
	echo "$t required $moddir/pam_matrix.so passdb=$D/pam/passdb"
done > "$D/pam/fukuhon"
for t in auth account password session; do echo "$t required pam_deny.so"; done > "$D/pam/other"

if [ ! -e "$made" ]; then
	# A demo terminal (R-TEST-ENV): its first administrator is admin, and on it (only on a
	# test or demo terminal) fukuhonctl acts as $FUKUHON_TEST_ACTOR without a sign-in.
	"$C" init --admin admin --bureau 東京法務局 --name "管理者" --mode demo
	export FUKUHON_TEST_ACTOR=admin
	"$C" operator add tanaka --role operator --bureau 東京法務局 --name "田中 一郎"
	"$C" operator add suzuki --role supervisor --bureau 東京法務局 --name "鈴木 花子"
	"$C" operator add sato --role auditor --bureau 東京法務局 --name "佐藤 次郎"
	# The fukuhon come in as municipalities send them (issue 10): signed, encrypted packages.
	# A test PKI stands in for the municipal CA (tests/pki.sh: test keys, never installed),
	# the bureau trusts it and its CRL, and this terminal gets its receiving certificate.
	P="$D/pki"
	MUNIS="131016 131024 131032 131041 131059 131067"
	sh "$top_srcdir/tests/pki.sh" "$P" $MUNIS > /dev/null
	"$C" ca add "$P/ca.crt" > /dev/null
	"$C" crl add "$P/ca.crl" > /dev/null
	"$C" cert install "$P/receiver.crt" --key "$P/receiver.key" > /dev/null
	per=$((REGISTERS / 6))
	echo "making signed, encrypted packages of $REGISTERS synthetic registers for 6 municipalities of 東京法務局 ..."
	mkdir -p "$D/packages"
	seed=1
	for m in $MUNIS; do
		# The first package of each: every register (a full re-send), with amendments
		# (several versions of a register), removals to 除籍, 受付帳 and 届書 entries.
		"$top_builddir/tests/fkpkg" -o "$D/packages/$m-1.fkp" --quiet --signer-key "$P/muni-$m.key" \
			--signer-cert "$P/muni-$m.crt" --to "$P/receiver.crt" --municipality "$m" \
			--sequence 1 --kind full --registers "$per" --versions $((per / 5)) \
			--removals $((per / 20)) --ledger $((per / 4)) --documents $((per / 4)) --seed $seed
		# Then one change sent as it happened (即時): a new register.
		"$top_builddir/tests/fkpkg" -o "$D/packages/$m-2.fkp" --quiet --signer-key "$P/muni-$m.key" \
			--signer-cert "$P/muni-$m.crt" --to "$P/receiver.crt" --municipality "$m" \
			--sequence 2 --kind immediate --registers 1 --first-ref $((per + 1)) --seed $((seed + 100))
		seed=$((seed + 1))
	done
	mkdir -m 700 -p "$D/receipts"
	"$C" import "$D"/packages/*.fkp --receipt-dir "$D/receipts"
	# File permissions (R-FILES): tanaka sees every municipality of the bureau; suzuki, the
	# supervisor, only 千代田区 and 中央区; the auditor and the administrator read no fukuhon.
	"$C" grant tanaka --all --kind koseki,joseki,ledger,documents --rights view,print \
		--reason "demo: 戸籍係の担当者" > /dev/null
	for m in 131016 131024; do
		"$C" grant suzuki --municipality $m --kind koseki,joseki,ledger,documents --rights view \
			--reason "demo: 監督者の確認用" > /dev/null
	done
fi

[ "${DEMO_QUIET:-}" = 1 ] || cat <<MSG

Demo terminal: $D
  configuration  $D/fukuhon.conf
  accounts (user / password / role):
    tanaka / tanaka-demo / operator     (田中 一郎)  may view every municipality of 東京法務局
    suzuki / suzuki-demo / supervisor   (鈴木 花子)  may view 千代田区 and 中央区 only
    sato   / sato-demo   / auditor      (佐藤 次郎)  reads the history, no fukuhon
    admin  / admin-demo  / administrator           manages the terminal, no fukuhon
  The passwords live only in $D/pam/passdb, for pam_wrapper; no system account is used.
  Sign in at the console with one of them (e.g. tanaka, then tanaka-demo); q then y signs out,
  Esc at the user name closes the console. Five wrong passwords lock an account for 30 minutes:
  FUKUHON_CONFIG=$D/fukuhon.conf FUKUHON_TEST_ACTOR=suzuki $C lockout list / lockout unlock USER --reason TEXT
  Its fukuhon came in as signed, encrypted packages: $D/packages (made with the test PKI in
  $D/pki), their signed receipts in $D/receipts.
  Administer it with: FUKUHON_CONFIG=$D/fukuhon.conf $C --user admin status
  (fukuhonctl signs you in like the console; on this demo terminal FUKUHON_TEST_ACTOR=admin
  skips the password)

MSG

[ "${DEMO_NO_TUI:-}" = 1 ] && exit 0
export LANG=${LANG:-C.UTF-8}
case "${LC_ALL:-$LANG}" in *UTF-8*|*utf8*) ;; *) export LC_ALL=C.UTF-8 ;; esac
export FK_LOCALEDIR="$top_builddir/demo/locale"
mkdir -p "$FK_LOCALEDIR/ja/LC_MESSAGES"
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	if [ -f "$g" ]; then cp "$g" "$FK_LOCALEDIR/ja/LC_MESSAGES/fukuhon.mo"; break; fi
done
wrapper=${PAM_WRAPPER_LIB:-$(pkg-config --libs pam_wrapper | sed 's/ *$//')}
# pam_wrapper needs both variables: the preload alone makes PAM spin forever.
exec env LD_PRELOAD="$wrapper" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$D/pam" \
	"$top_builddir/fukuhon" --config "$D/fukuhon.conf"
