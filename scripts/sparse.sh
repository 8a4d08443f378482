#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse.sh VARIANT BASE_VARIANT - sparse (C=2) reports nothing new in the C
# files the series adds or changes: checks those VARIANT builds, in the
# series tree, and the same files in the base tree with BASE_VARIANT's
# config; fails on a warning the base does not have (compared per file and
# message, without line numbers).  Run after build.sh of both variants.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: sparse.sh VARIANT BASE_VARIANT}
base_variant=${2:?usage: sparse.sh VARIANT BASE_VARIANT}
# scripts/setup.sh builds a recent enough sparse if the one on PATH is not.
checker=sparse
[ -x "$PW_CACHE/sparse/sparse" ] && checker=$PW_CACHE/sparse/sparse
[ "$(sh "$TREE/scripts/checker-valid.sh" "$checker" -m64 2>/dev/null)" = 1 ] ||
	die "$checker cannot check this kernel: run scripts/setup.sh"
out=$BUILD/$variant
objs=() skipped=()
while read -r f; do
	if [ -f "$out/${f%.c}.o" ]; then objs+=("${f%.c}.o"); else skipped+=("$f"); fi
done < <(git -C "$TREE" diff --name-only --diff-filter=AM "$BASE_TAG" HEAD -- '*.c')
[ ${#skipped[@]} = 0 ] || log "sparse: not built in $variant: ${skipped[*]}"

# file: severity: message, one per line, sorted; file relative to the tree
sparse_of() {
	local out=$1; shift
	kmake "$out" C=2 CHECK="$checker" "$@" 2>&1 | grep -E '^[^ :]+:[0-9]+:[0-9]+: (warning|error):' |
		sed -E "s#^$TREE/##; s#^(\\.\\./)+linux/##; s/^([^:]+):[0-9]+:[0-9]+: /\\1: /" |
		LC_ALL=C sort || true
}

sparse_of "$out" "${objs[@]}" > "$out/sparse.series"
base_objs=()
for o in "${objs[@]}"; do
	[ -f "$(worktree base)/${o%.o}.c" ] && base_objs+=("$o")
done
TREE=$(worktree base) sparse_of "$BUILD/$base_variant" "${base_objs[@]}" > "$out/sparse.base"

new=$(LC_ALL=C comm -23 "$out/sparse.series" "$out/sparse.base")
echo "sparse: ${#objs[@]} file(s) in $variant: $(wc -l < "$out/sparse.series") report(s)," \
     "$(wc -l < "$out/sparse.base") in the same base files, $(echo -n "$new" | grep -c '^' || true) new"
if [ -n "$new" ]; then
	echo "$new" >&2
	exit 1
fi
