#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-series.sh - patches/ applies to the pristine base with git am, and a
# re-export of the applied series is byte-identical to patches/ (so exporting
# an unchanged series causes no churn), and git send-email accepts patches/ as
# it is (a dry run: every mail, cover letter first, has its To: and Cc:).
. "$(dirname "$0")/lib.sh"

wt=$(worktree scratch)
git -C "$wt" am --abort 2>/dev/null || true
git -C "$wt" checkout -q -B "$BRANCH-roundtrip" "$BASE_TAG"
n=0
for p in "$REPO"/patches/0*.patch; do
	[ -e "$p" ] || continue
	[ "$(basename "$p")" = 0000-cover-letter.patch ] && continue
	n=$((n + 1))
	git -C "$wt" am -q "$p" > /dev/null 2>&1 || {
		git -C "$wt" am --abort
		die "series: $(basename "$p") does not apply to $BASE_TAG with git am"
	}
done
if [ $n = 0 ]; then
	echo "series: empty (the base alone)"
	exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
PW_TREE=$wt PW_BRANCH=$BRANCH-roundtrip "$REPO/scripts/export.sh" "$out" 2>/dev/null
if ! diff -ru "$REPO/patches" "$out" > "$out.diff"; then
	head -40 "$out.diff" >&2
	rm -f "$out.diff"
	die "series: re-export differs from patches/ (run make export and commit)"
fi
rm -f "$out.diff"
from=$(sed -n '/^From: /{N;s/^From: //;s/\n//;p;q}' "$REPO/patches/0000-cover-letter.patch")
(cd "$wt" && git send-email --dry-run --confirm=never --from="$from" "$REPO"/patches/0*.patch) \
	> "$out/send-email.log" 2>&1 ||
	{ tail "$out/send-email.log" >&2; die "series: git send-email refuses patches/"; }
sent=$(grep -c '^Dry-OK' "$out/send-email.log")
[ "$sent" = $((n + 1)) ] || die "series: git send-email would send $sent of $((n + 1)) mails"
[ "$(grep -c '^Cc: ' "$out/send-email.log")" = "$sent" ] || die "series: a mail without Cc:"
echo "series: $n patch(es) apply with git am; re-export is byte-identical;" \
     "git send-email --dry-run sends $sent mails"
