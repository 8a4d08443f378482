#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-config.sh CONFIG FRAGMENT... - fail if a value a fragment asks for did
# not reach CONFIG (a dependency was missing), naming the symbol.  As with
# merge_config.sh, the last fragment naming a symbol wins.  Symbols the source
# tree does not define are reported and skipped.
. "$(dirname "$0")/lib.sh"

config=$1; shift
bad=0
while read -r line; do
	sym=$(echo "$line" | sed -E 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1/; s/=.*//')
	if ! grep -qxF "$line" "$config"; then
		[ "$line" = "# $sym is not set" ] && ! grep -q "^$sym=" "$config" && continue
		if ! git -C "$TREE" grep -qE "^(menu)?config ${sym#CONFIG_}\$" -- '*Kconfig*'; then
			echo "note: $sym is not defined in this tree (skipped)" >&2
			continue
		fi
		echo "config: asked for '$line', got '$(grep -E "^(# )?$sym[= ]" "$config" || echo unset)'" >&2
		bad=1
	fi
done < <(grep -hE '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)' "$@" |
	 awk '{ s = $0; sub(/^# /, "", s); sub(/[= ].*/, "", s); last[s] = $0 }
	      END { for (s in last) print last[s] }')
[ $bad = 0 ] || die "config $config does not match its fragments"
