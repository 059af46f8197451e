#!/bin/sh
# Every string an operator can see is translated: po/ja.po is valid (msgfmt -c), has no
# untranslated or fuzzy entry, holds every msgid the sources listed in po/POTFILES.in mark,
# and every source file that marks strings is listed there.
. "$(dirname "$0")/lib.sh"
for p in msgfmt xgettext msgcmp; do
	command -v $p > /dev/null || { echo "$p not found: skipped"; exit 77; }
done
cd "$top_srcdir" || exit 99

# Valid, and complete as it stands.
if LC_ALL=C msgfmt -c --statistics -o /dev/null po/ja.po 2> "$T/stats"; then ok; else
	not_ok "msgfmt -c po/ja.po: $(cat "$T/stats")"
fi
lacks "$T/stats" "untranslated"
lacks "$T/stats" "fuzzy"

# Every msgid the sources mark (the options of po/Makevars), translated in po/ja.po.
opts=$(sed -n 's/^XGETTEXT_OPTIONS *= *//p' po/Makevars)
grep -v '^#' po/POTFILES.in | grep . > "$T/files"
# shellcheck disable=SC2086 # the options are words
if xgettext $opts --files-from="$T/files" -o "$T/fresh.pot" 2> "$T/xgettext"; then ok; else
	not_ok "xgettext: $(cat "$T/xgettext")"
fi
if LC_ALL=C msgcmp po/ja.po "$T/fresh.pot" 2> "$T/msgcmp"; then ok; else
	not_ok "po/ja.po lacks translations of the sources' strings: $(head -c 2000 "$T/msgcmp")"
fi

# Every file that marks strings is listed, so none is left out of the catalogue.
for f in $(grep -rlE '(^|[^A-Za-z0-9_])N?_\("' tui core ctl --include='*.c' --include='*.h'); do
	if grep -qxF "$f" "$T/files"; then ok; else not_ok "$f marks strings but is not in po/POTFILES.in"; fi
done
finish
