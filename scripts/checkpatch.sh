#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh - run the kernel's checkpatch.pl --strict on every patch of the
# series.  Any error, warning or check fails, unless checkpatch.allow lists it:
# "<patch file glob> <TYPE> <one-line reason>".
. "$(dirname "$0")/lib.sh"

allow=$REPO/checkpatch.allow
rc=0 n=0
for p in "$REPO"/patches/0*.patch; do
	[ -e "$p" ] || continue
	name=$(basename "$p")
	[ "$name" = 0000-cover-letter.patch ] && continue
	n=$((n + 1))
	ignore=
	while read -r glob type _reason; do
		# shellcheck disable=SC2254
		case $name in $glob) ignore="$ignore,$type" ;; esac
	done < <(grep -v '^#' "$allow" 2>/dev/null | grep .)
	# /usr/bin first: spdxcheck.py needs Debian's python3 with python3-ply.
	if ! out=$(cd "$TREE" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict --show-types --terse \
			--no-summary ${ignore:+--ignore "${ignore#,}"} "$p"); then
		rc=1
	fi
	if [ -n "$out" ]; then
		echo "$out"
		rc=1
	fi
done
[ $rc = 0 ] && echo "checkpatch: $n patch(es) clean (--strict)" || echo "checkpatch: FAIL"
exit $rc
