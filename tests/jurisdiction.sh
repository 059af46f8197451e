#!/bin/sh
# fukuhonctl jurisdiction end to end (R-JURIS, R-LOG, R-ACCESS): 北海道 by subprefecture at
# init, a terminal of 函館地方法務局 with a 支局 of its own, assign, import refused whole and
# applied, the documented path for a terminal from before the table, and an assignment changed
# with sqlite3 refused (docs/threat-model.md).
. "$(dirname "$0")/lib.sh"
make_config "lock_failures = 2
lock_duration = 0"
sed -i 's/^bureau = .*/bureau = 函館地方法務局/' "$FUKUHON_CONFIG"
C=$FUKUHONCTL
DB="$T/db/fukuhon.db"

expect 0 $C init --admin admin --bureau 函館地方法務局 --mode test
expect 0 $C operator add ophk --role operator --bureau 函館地方法務局
expect 0 $C operator add suphk --role supervisor --bureau 函館地方法務局
expect 0 $C operator add kansa --role auditor --bureau 函館地方法務局

# ---- the default: 北海道 by 総合振興局/振興局 ----
expect 0 $C jurisdiction list --office 函館地方法務局
contains "$T/out" "012025  北海道"
contains "$T/out" "函館市"
lacks "$T/out" "011002"
[ "$(wc -l < "$T/out")" = 18 ] && ok || not_ok "函館: $(wc -l < "$T/out") municipalities, wanted 18 (渡島 11, 檜山 7)"
for o in 札幌法務局:80 旭川地方法務局:41 釧路地方法務局:50; do
	expect 0 $C jurisdiction list --office "${o%%:*}" --json
	n=$(grep -c '"code"' "$T/out")
	[ "$n" = "${o##*:}" ] && ok || not_ok "${o%%:*}: $n municipalities, wanted ${o##*:}"
done
expect 0 $C bureau list
contains "$T/out" "函館地方法務局"
FUKUHON_TEST_ACTOR=kansa expect 0 $C jurisdiction list --office 釧路地方法務局
FUKUHON_TEST_ACTOR=ophk expect 1 $C jurisdiction list
contains "$T/err" "refused [role]"
expect 1 $C jurisdiction list --office 架空法務局
contains "$T/err" "unknown bureau"

# ---- a 支局 of this bureau, and its own operator ----
FUKUHON_TEST_ACTOR=suphk expect 1 $C jurisdiction office add 江差支局 --parent 函館地方法務局 --reason 設置規則
contains "$T/err" "refused [role]"
expect 2 $C jurisdiction office add 江差支局 --parent 函館地方法務局
expect 0 $C jurisdiction office add 江差支局 --parent 函館地方法務局 --kana えさししきょく --reason "設置規則 別表第1"
contains "$T/out" "江差支局"
expect 1 $C jurisdiction office add 孫支局 --parent 江差支局 --reason x
contains "$T/err" "belongs to a 法務局 or 地方法務局"
expect 0 $C jurisdiction assign 013617 --office 江差支局 --reason "江差町は江差支局"
contains "$T/out" "013617: 函館地方法務局 -> 江差支局"
expect 0 $C operator add opes --role operator --bureau 江差支局
expect 0 $C grant opes --all --kind koseki --rights view --reason 江差
expect 0 $C permissions opes
contains "$T/out" "013617"
lacks "$T/out" "012025"
# parent_sees_branches = no (default): 函館's own people are not granted the 支局's
FUKUHON_TEST_ACTOR=suphk expect 1 $C grant ophk --municipality 013617 --kind koseki --rights view --reason x
contains "$T/err" "outside the jurisdiction"
FUKUHON_TEST_ACTOR=suphk expect 0 $C grant ophk --all --kind koseki --rights view --reason 函館
expect 0 $C permissions ophk
contains "$T/out" "012025"
lacks "$T/out" "013617"
# … and with parent_sees_branches = yes they are
echo "parent_sees_branches = yes" >> "$FUKUHON_CONFIG"
expect 0 $C permissions ophk
contains "$T/out" "013617"
lacks "$T/out" "012041"
sed -i '/^parent_sees_branches/d' "$FUKUHON_CONFIG"

# ---- assign: the next decision sees it ----
expect 0 $C jurisdiction assign 012033 --office 旭川地方法務局 --reason "試験: 小樽市を移す"
contains "$T/out" "012033: 札幌法務局 -> 旭川地方法務局"
expect 0 $C jurisdiction assign 012025 --office 札幌法務局 --reason "試験"
expect 0 $C permissions ophk
lacks "$T/out" "012025"
expect 0 $C jurisdiction assign 012025 --office 函館地方法務局 --reason "元に戻す"
expect 0 $C permissions ophk
contains "$T/out" "012025"
expect 1 $C jurisdiction assign 012026 --office 札幌法務局 --reason x
contains "$T/err" "check digit"
expect 1 $C jurisdiction assign 012025 --office 札幌法務局 --reason ""
FUKUHON_TEST_ACTOR=suphk expect 1 $C jurisdiction assign 012025 --office 札幌法務局 --reason x
contains "$T/err" "refused [role]"
expect 0 $C audit list --action jurisdiction.assign
contains "$T/out" "012033"
contains "$T/out" "denied"

# ---- import: every kind of bad line refuses the whole file; nothing applied ----
printf 'code,office\n012041,札幌法務局\n012026,札幌法務局\n999997,札幌法務局\n012068,架空法務局\n012041,釧路地方法務局\n01207,札幌法務局\n012076\n' > "$T/bad.csv"
expect 1 $C jurisdiction import "$T/bad.csv" --reason "試験"
contains "$T/err" "line 3: 012026 札幌法務局: the code's check digit is wrong [check-digit]"
contains "$T/err" "line 4: 999997 札幌法務局: no such municipality on this terminal [unknown-code]"
contains "$T/err" "line 5: 012068 架空法務局: no such office [unknown-office]"
contains "$T/err" "line 6: 012041 釧路地方法務局: the code is on an earlier line too [duplicate]"
contains "$T/err" "line 7: 01207 札幌法務局: the code is not six digits [bad-code]"
contains "$T/err" "line 8: 012076: not a line of two fields code,office [malformed]"
contains "$T/err" "6 problems in bad.csv, nothing applied"
expect 0 $C jurisdiction list --office 旭川地方法務局
contains "$T/out" "012041"
expect 1 $C jurisdiction import "$T/missing.csv" --reason x

# ---- a terminal from before the table: everything of 北海道 under 札幌, then the documented
# import (fukuhonctl(8), JURISDICTION) puts it right ----
{ echo code,office; awk -F, 'FNR > 1 { print $1 ",札幌法務局" }' "$top_srcdir/data/hokkaido-subprefectures.csv"; } > "$T/old.csv"
expect 0 $C jurisdiction import "$T/old.csv" --reason "as before"
expect 0 $C jurisdiction list --office 札幌法務局 --json
[ "$(grep -c '"code"' "$T/out")" = 189 ] && ok || not_ok "all of 北海道 under 札幌: $(grep -c '"code"' "$T/out")"
D=$top_srcdir/data
{ echo code,office; awk -F, 'NR == FNR { if (FNR > 1) o[$1] = $2; next } FNR > 1 { print $1 "," o[$3] }' \
	"$D/subprefecture-offices.csv" "$D/hokkaido-subprefectures.csv"; } > "$T/hokkaido.csv"
expect 0 $C jurisdiction import "$T/hokkaido.csv" --reason "総合振興局・振興局別の管轄"
contains "$T/out" "189 lines: 109 municipalities assigned to another office, 80 unchanged"
expect 0 $C jurisdiction list --office 函館地方法務局 --json
[ "$(grep -c '"code"' "$T/out")" = 18 ] && ok || not_ok "函館 after the import: $(grep -c '"code"' "$T/out")"
expect 0 $C audit list --action jurisdiction.move
[ "$(grep -c 'jurisdiction.move' "$T/out")" -ge 109 ] && ok || not_ok "moves on record: $(grep -c 'jurisdiction.move' "$T/out")"
# the 支局's 江差町 went back to 函館 with the table: assign it again
expect 0 $C jurisdiction assign 013617 --office 江差支局 --reason "別表第1"

# ---- lockouts: a supervisor sees and clears only their own bureau's (R-LOCKOUT) ----
if [ -n "${PAM_WRAPPER_LIB:-}" ] && [ -n "${PAM_WRAPPER_MODDIR:-}" ]; then
	make_pam ophk:ophk-pw:fukuhon
	expect 0 $C operator add suptk --role supervisor --bureau 東京法務局
	for i in 1 2; do
		echo wrong | pam_env env -u FUKUHON_TEST_ACTOR $C --user ophk --password-stdin grants > /dev/null 2>&1
	done
	FUKUHON_TEST_ACTOR=suptk expect 0 $C lockout list
	lacks "$T/out" "ophk"
	FUKUHON_TEST_ACTOR=suptk expect 1 $C lockout unlock ophk --reason "not mine"
	contains "$T/err" "refused [jurisdiction]"
	FUKUHON_TEST_ACTOR=suphk expect 0 $C lockout list
	contains "$T/out" "ophk"
	FUKUHON_TEST_ACTOR=suphk expect 0 $C lockout unlock ophk --reason "本人確認済み"
	for i in 1 2; do
		echo wrong | pam_env env -u FUKUHON_TEST_ACTOR $C --user ophk --password-stdin grants > /dev/null 2>&1
	done
	expect 0 $C lockout list
	contains "$T/out" "ophk"
	expect 0 $C lockout unlock ophk --reason "管理者が解除"
fi

# ---- an assignment changed with sqlite3 (or by the PostgreSQL server's administrator) is
# refused, naming the row ----
if on_pg || command -v sqlite3 > /dev/null; then
	expect 0 $C status --check
	store_snapshot pristine || not_ok "snapshot"
	store_sql "UPDATE municipality SET bureau_id = (SELECT id FROM bureau WHERE name = '函館地方法務局') WHERE code = '011002'"
	expect 1 $C status --check
	contains "$T/out" "municipality row code=011002"
	expect 1 $C permissions ophk
	contains "$T/err" "municipality row code=011002"
	store_restore pristine
	# a 地方法務局 made into a 支局 of this bureau, to reach its municipalities with the setting on
	store_sql "UPDATE bureau SET kind = '支局', parent_id = (SELECT id FROM bureau WHERE name = '函館地方法務局') WHERE name = '旭川地方法務局'"
	expect 1 $C status --check
	contains "$T/out" "bureau row id="
	store_restore pristine
	expect 0 $C status --check
fi
finish
