#!/bin/sh
# docs/operations.md names exact commands for daily checks and emergencies (R-DOCS): every
# `fukuhonctl …` line in its code blocks must be a command fukuhonctl has, with options it
# accepts. A command renamed or an option dropped without the document following fails here.
. "$(dirname "$0")/lib.sh"
DOC="$top_srcdir/docs/operations.md"
[ -f "$DOC" ] || { echo "no $DOC"; exit 1; }
make_config
"$FUKUHONCTL" --help > "$T/help" 2>&1
# The commands and their usage lines: "  WORD [WORD] args" lines of the help.
grep '^  [a-z]' "$T/help" | sed 's/^  //' > "$T/usage"
awk '/^[[:space:]]*```/ { inblock = !inblock; next } inblock' "$DOC" |
	sed -n 's/^.*\(fukuhonctl .*\)$/\1/p' | sed 's/[[:space:]]*#.*$//' > "$T/lines"
n=$(wc -l < "$T/lines")
[ "$n" -ge 25 ] && ok || not_ok "only $n fukuhonctl lines in docs/operations.md"
while IFS= read -r line; do
	# Drop the program and the global options before the command.
	set -- $line
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--config | --user | --credential) shift 2 ;;
		--password-stdin) shift ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || { not_ok "no command in: $line"; continue; }
	# The longest command the help knows: two words, else one.
	u=$(grep -m1 "^$1 ${2:-@@} \|^$1 ${2:-@@}\$" "$T/usage")
	# else the one-word command (not "backup verify" for "backup DEST")
	[ -n "$u" ] || u=$(awk -v c="$1" '$1 == c && $2 !~ /^[a-z][a-z-]*$/ { print; exit }' "$T/usage")
	if [ -z "$u" ]; then
		not_ok "docs/operations.md names an unknown command: $line"
		continue
	fi
	cmd=$(printf '%s\n' "$u" | awk '{ if ($2 ~ /^[a-z][a-z-]*$/) print $1" "$2; else print $1 }')
	"$FUKUHONCTL" $cmd --help > "$T/out" 2>&1 && ok || not_ok "fukuhonctl $cmd --help failed"
	for w in "$@"; do
		case $w in
		--*)
			o=${w%%=*}
			if printf '%s\n' "$u" | grep -q -- "$o\\b"; then ok; else
				not_ok "docs/operations.md: '$line': fukuhonctl $cmd has no option $o"
			fi
			;;
		esac
	done
done < "$T/lines"
finish
