#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# docs.sh - the documentation the series adds or changes builds with the
# kernel's Sphinx (make htmldocs for Documentation/locking and
# Documentation/admin-guide, which carries kernel-parameters.txt and the ABI)
# without a warning in those files, and scripts/kernel-doc -Wall has nothing
# to say about the C files the series adds.  The restricted build has ~180
# warnings of its own (references into directories it does not build): the
# ones that name none of the series' files are counted, not judged.
. "$(dirname "$0")/lib.sh"

out=$BUILD/docs
log=$BUILD/logs/htmldocs.log
mkdir -p "$out" "$(dirname "$log")"
changed=$(git -C "$TREE" diff --name-only "$BASE_TAG" HEAD)
added=$(git -C "$TREE" diff --name-only --diff-filter=A "$BASE_TAG" HEAD -- '*.c' '*.h')

make -C "$TREE" O="$out" SPHINXDIRS="locking admin-guide" htmldocs > "$log" 2>&1 ||
	{ tail "$log" >&2; die "docs: make htmldocs failed (log: $log)"; }
[ -s "$out/Documentation/output/locking/pwlocks.html" ] || die "docs: no pwlocks.html"
grep -q 'pwlocks/mode' "$out/Documentation/output/admin-guide/abi-testing.html" ||
	die "docs: the ABI entry is missing from the built ABI"

bad=0
warnings=$(grep -E 'WARNING|ERROR|CRITICAL' "$log" || true)
for f in $(echo "$changed" | grep -E '^(Documentation/|include/|kernel/)') pwlocks; do
	if grep -F "$f" <<< "$warnings"; then
		bad=1
	fi
done
[ $bad = 0 ] || die "docs: Sphinx warns about the series' files (above; log: $log)"
# shellcheck disable=SC2086
kd=$(cd "$TREE" && scripts/kernel-doc -none -Wall $added 2>&1)
[ -z "$kd" ] || { echo "$kd" >&2; die "docs: scripts/kernel-doc -Wall reports the above"; }
echo "docs: htmldocs (locking, admin-guide): no warning about the series' files" \
     "($(grep -c . <<< "$warnings") elsewhere); kernel-doc -Wall clean on $(wc -w <<< "$added") new files"
