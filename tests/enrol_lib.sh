# Helpers of the tests of enrolment and of the keys after it (tests/enrol.sh, tests/keydist.sh):
# sourced after tests/lib.sh; terminal_a first, then $P set to tests/pki.sh's certificates.

# terminal_a: skip without openssl or sqlite3; terminal A's configuration ($A_CONF, the
# environment's), its SQLite file $DB, $C the command.
terminal_a() {
	command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
	command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
	C=$FUKUHONCTL
	make_config
	sed -i 's/^terminal_id = .*/terminal_id = terminal-a/' "$T/fukuhon.conf"
	A_CONF=$T/fukuhon.conf
	DB=$T/db/fukuhon.db
}

# tamper_copy SRC DST: DST is SRC with one byte flipped near its end (inside the ciphertext).
tamper_copy() {
	cp "$1" "$2"
	printf '\001' | dd of="$2" bs=1 seek=$(($(stat -c %s "$2") - 40)) conv=notrunc 2> /dev/null
}

# other_bureau_pkg: a store of another bureau (terminal X, $T/x, keys of its own) and its key
# package for B, $T/out.d/x.pkg.
other_bureau_pkg() {
	mkdir -m 700 "$T/x"
	sed "s|^database = .*|database = $T/x/db/fukuhon.db|; s|^key_dir = .*|key_dir = $T/x/keys|; s|^terminal_id = .*|terminal_id = terminal-x|" \
		"$A_CONF" > "$T/x/fukuhon.conf"
	FUKUHON_CONFIG=$T/x/fukuhon.conf expect 0 $C init $TEST_INIT
	FUKUHON_CONFIG=$T/x/fukuhon.conf expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/out.d/x.pkg" \
		--signer-cert "$P/terminal-x.crt" --signer-key "$P/terminal-x.key"
}

# terminal_b: terminal B on A's SQLite file, its own key folder $T/b/keys holding only store/
# with its TLS pair; B CMD... runs CMD as B.
terminal_b() {
	mkdir -m 700 "$T/b" "$T/b/keys" "$T/b/keys/store"
	cp "$P/terminal-b.crt" "$T/b/keys/store/client.crt"
	cp "$P/terminal-b.key" "$T/b/keys/store/client.key"
	sed "s|^database = .*|database = $DB|; s|^key_dir = .*|key_dir = $T/b/keys|; s|^terminal_id = .*|terminal_id = terminal-b|" \
		"$A_CONF" > "$T/b/fukuhon.conf"
}
B() { FUKUHON_CONFIG=$T/b/fukuhon.conf "$@"; }

# pg_terminals: terminals pg-terminal-a and pg-terminal-b on the PostgreSQL store (pg_start),
# each on its own role (A the schema owner's as database_admin), key folders $T/pa/keys and $T/pb/keys holding their TLS pairs in
# store/; PA CMD... and PB CMD... run CMD as each.
pg_terminals() {
	mkdir -m 700 "$T/pa" "$T/pb" "$T/pa/keys" "$T/pa/keys/store" "$T/pb/keys" "$T/pb/keys/store"
	cp "$P/terminal-a.crt" "$P/terminal-a.key" "$T/pa/keys/store/"
	cp "$P/terminal-b.crt" "$P/terminal-b.key" "$T/pb/keys/store/"
	# Each terminal connects as its own role (terminal-a, terminal-b: members of
	# fukuhon_terminal only); A's init makes the schema as its owner (database_admin).
	for t in a b; do
		grep -v '^database =\|^key_dir =\|^terminal_id =' "$A_CONF" > "$T/p$t/fukuhon.conf"
		if [ $t = a ]; then uri=$FK_PG_CONNINFO_A; else uri=$FK_PG_CONNINFO_B; fi
		printf 'database = %s\nkey_dir = %s\nterminal_id = pg-terminal-%s\n' "$uri" "$T/p$t/keys" $t >> "$T/p$t/fukuhon.conf"
	done
	echo "database_admin = $FK_PG_CONNINFO_OWNER" >> "$T/pa/fukuhon.conf"
}
PA() { FUKUHON_CONFIG=$T/pa/fukuhon.conf "$@"; }
PB() { FUKUHON_CONFIG=$T/pb/fukuhon.conf "$@"; }
