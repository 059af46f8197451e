#!/bin/sh
# fukuhonctl grant, revoke, grants, permissions end to end: grants recorded, refusals with
# exit codes, jurisdiction at grant time (R-FILES, R-JURIS, R-ACCESS, R-LOG).
. "$(dirname "$0")/lib.sh"
make_config
C=$FUKUHONCTL

expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add suzuki --role supervisor --bureau 東京法務局
expect 0 $C operator add kansa --role auditor --bureau 東京法務局
expect 0 $C operator add kanri --role administrator --bureau 東京法務局
expect 0 $C operator add sato --role operator --bureau 札幌法務局
expect 0 $C operator add yamada --role operator --bureau 東京法務局
expect 0 $C --help
contains "$T/out" "grant USER --municipality CODE|--all"
contains "$T/out" "revoke GRANT-ID --reason TEXT"

# granted: one municipality, Japanese kind names, time-limited
expect 0 $C grant tanaka --municipality 131016 --kind 戸籍,除籍 --rights view,print \
	--until 2099-12-31 --reason "千代田区の担当"
contains "$T/out" "grant 1: tanaka may view,print koseki,joseki in 131016"
# a date alone is a day of Japan, as in the console's grant dialog: --until lasts through the
# whole of it (ends at 2100-01-01 00:00 JST), --from starts at its beginning (R-FILES)
expect 0 $C grants --user tanaka --json
contains "$T/out" '"until": "2099-12-31T15:00:00Z"'
soon=$(date -u -d '+10 days' +%Y-%m-%d)
expect 0 $C grant tanaka --all --kind ledger,documents --rights view --until "$soon" --reason "受付帳の確認"
contains "$T/out" "grant 2"
expect 0 $C grant suzuki --all --kind koseki --rights view --from 2098-01-01 --reason later
expect 0 $C grants --user suzuki --json
contains "$T/out" '"from": "2097-12-31T15:00:00Z"'
# a time stays UTC, as before
expect 0 $C grant sato --all --kind joseki --rights view --until 2099-06-30T12:00Z --reason utc
expect 0 $C grants --user sato --json
contains "$T/out" '"until": "2099-06-30T12:00:00Z"'
expect 0 $C grant sato --municipality 011002 --kind koseki --rights view --reason 札幌

# refused (1): jurisdiction, roles that never receive grants, unknown names
expect 1 $C grant tanaka --municipality 011002 --kind koseki --rights view --reason x
contains "$T/err" "outside the jurisdiction"
expect 1 $C grant kansa --all --kind koseki --rights view --reason x
contains "$T/err" "auditor role never receives"
expect 1 $C grant kanri --all --kind koseki --rights view --reason x
expect 1 $C grant nobody --all --kind koseki --rights view --reason x
contains "$T/err" "no operator named nobody"
expect 1 $C grant tanaka --municipality 999999 --kind koseki --rights view --reason x
expect 1 $C grant tanaka --all --kind koseki --rights view --until 2001-01-01 --reason x
contains "$T/err" "already have ended"
# nobody grants to their own account: the person signed in is who acts (the supervisor,
# and an administrator that tries it on its own supervisor account is someone else again)
FUKUHON_TEST_ACTOR=suzuki expect 1 $C grant suzuki --all --kind koseki --rights view --reason x
contains "$T/err" "own permissions"
FUKUHON_TEST_ACTOR=kanri expect 1 $C grant kanri --all --kind koseki --rights view --reason x
contains "$T/err" "own permissions"
# a supervisor grants to its bureau's operators, recorded under its own name
FUKUHON_TEST_ACTOR=suzuki expect 0 $C grant yamada --municipality 131024 --kind koseki --rights view --reason 中央区
FUKUHON_TEST_ACTOR=kansa expect 1 $C grant tanaka --all --kind koseki --rights view --reason x
contains "$T/err" "auditor role cannot grant"

# bad usage (2)
expect 2 $C grant tanaka --kind koseki --rights view --reason x
expect 2 $C grant tanaka --all --municipality 131016 --kind koseki --rights view --reason x
expect 2 $C grant tanaka --all --kind passport --rights view --reason x
contains "$T/err" "passport"
expect 2 $C grant tanaka --all --kind koseki --rights fly --reason x
expect 2 $C grant tanaka --all --kind koseki --rights view
expect 2 $C grant tanaka --all --kind koseki --rights view --until tomorrow --reason x
# beyond what int64 ns hold: refused, not wrapped round into an active grant
expect 2 $C grant tanaka --all --kind koseki --rights view --from 2600-01-01 --reason x
contains "$T/err" "--from: '2600-01-01' is out of range"
expect 2 $C grant tanaka --all --kind koseki --rights view --until 2262-04-12 --reason x
contains "$T/err" "out of range"
expect 2 $C grant tanaka --all --kind koseki --rights view --from 2026-+1-01 --reason x
contains "$T/err" "is not a date"
expect 2 $C audit list --since 9999-12-31
contains "$T/err" "--since: '9999-12-31' is out of range"
expect 2 $C revoke 1
expect 2 $C revoke one --reason x
expect 2 $C grants --expiring soon

expect 0 $C grants --json
contains "$T/out" '"user": "tanaka"'
contains "$T/out" '"municipality": "131016"'
contains "$T/out" '"municipality": null'
contains "$T/out" '"koseki"'
contains "$T/out" '"until": "2099-12-31T15:00:00Z"'
contains "$T/out" '"state": "pending"'
contains "$T/out" '"reason": "千代田区の担当"'
expect 0 $C grants --user sato
contains "$T/out" "札幌市"
lacks "$T/out" "tanaka"
expect 0 $C grants --bureau 札幌法務局 --json
lacks "$T/out" '"tanaka"'
expect 0 $C grants --expiring 30 --json
contains "$T/out" '"id": 2'
lacks "$T/out" '"id": 1'
expect 0 $C permissions tanaka
contains "$T/out" "131016 千代田区"
contains "$T/out" "koseki=view,print"
contains "$T/out" "ledger=view"
expect 0 $C permissions suzuki --json
[ "$(tr -d ' \n' < "$T/out")" = "[]" ] && ok || not_ok "pending grant shows in the matrix"
expect 1 $C permissions nobody

expect 0 $C revoke 1 --reason "担当替え"
contains "$T/out" "revoked grant 1"
expect 1 $C revoke 1 --reason again
contains "$T/err" "already revoked"
expect 1 $C revoke 99 --reason none
expect 0 $C grants --user tanaka --json
contains "$T/out" '"state": "revoked"'
contains "$T/out" '"reason": "担当替え"'
expect 0 $C grants --active --json
lacks "$T/out" '"id": 1,'
expect 0 $C permissions tanaka
lacks "$T/out" "koseki="

# R-LOG: every grant, refusal and revoke is in the history
if on_pg || command -v sqlite3 > /dev/null 2>&1; then
	[ "$(store_sql "SELECT count(*) FROM audit_log WHERE action = 'grant.add' AND result = 'success'")" = 6 ] && ok || not_ok "grants recorded"
	[ "$(store_sql "SELECT count(*) FROM audit_log WHERE action = 'grant.add' AND result = 'success' AND operator = 'suzuki'")" = 1 ] && ok || not_ok "the supervisor's grant under its name"
	[ "$(store_sql "SELECT count(*) FROM audit_log WHERE action = 'grant.add' AND result = 'denied' AND reason = 'jurisdiction'")" -ge 1 ] && ok || not_ok "refusal recorded"
	[ "$(store_sql "SELECT count(*) FROM audit_log WHERE action = 'grant.revoke' AND result = 'success'")" = 1 ] && ok || not_ok "revoke recorded"
fi

# Dates as people in Japan write them (issue 11, item 4): 和暦 and slashes are days of Japan
# like YYYY-MM-DD; a year outside its era is a usage error, nothing granted.
expect 0 $C operator add wareki --role operator --bureau 東京法務局
expect 0 $C grant wareki --all --kind joseki --rights view --from 2098/1/1 --until 令和81年6月30日 --reason 和暦
expect 0 $C grants --user wareki --json
contains "$T/out" '"from": "2097-12-31T15:00:00Z"'
contains "$T/out" '"until": "2099-06-30T15:00:00Z"'
expect 2 $C grant wareki --all --kind koseki --rights view --until 平成32年1月1日 --reason x
contains "$T/err" "平成32年1月1日"

finish
