#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-w1.sh VARIANT - "no new warnings with W=1": recompile, with W=1, every
# C file the series adds or changes that VARIANT builds (the variant is
# -Werror, so any warning fails).  Run after build.sh VARIANT.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build-w1.sh VARIANT}
out=$BUILD/$variant
objs=()
skipped=()
while read -r f; do
	o=${f%.c}.o
	if [ -f "$out/$o" ]; then
		objs+=("$o")
	else
		skipped+=("$f")
	fi
done < <(git -C "$TREE" diff --name-only --diff-filter=AM "$BASE_TAG" HEAD -- '*.c')
[ ${#objs[@]} -gt 0 ] || { log "W=1: the series changes no C file $variant builds"; exit 0; }
[ ${#skipped[@]} = 0 ] || log "W=1: not built in $variant: ${skipped[*]}"

# Forced (-B would rebuild everything): remove the objects so make rebuilds them.
(cd "$out" && rm -f "${objs[@]}")
if ! kmake "$out" W=1 "${objs[@]}" > "$out/w1.log" 2>&1; then
	grep -E 'warning|error' "$out/w1.log" | head -40 >&2
	die "W=1: warnings in $variant (log: $out/w1.log)"
fi
echo "W=1: ${#objs[@]} file(s) clean in $variant: ${objs[*]}"
