#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# export.sh [DIR] - write the working tree's series (pwlocks-base..HEAD) as
# git format-patch output to DIR (default: patches/).  The cover letter keeps
# the subject, prefix and text of DIR's existing 0000-cover-letter.patch; dates,
# ids and abbreviations are fixed so an unchanged series exports byte-identical.
. "$(dirname "$0")/lib.sh"

dest=${1:-$REPO/patches}
[ -z "$(git -C "$TREE" status --porcelain -uno)" ] ||
	die "$TREE has uncommitted changes: commit them (one commit per patch) first"

[ -n "$(git -C "$TREE" rev-list "$BASE_TAG..HEAD")" ] || die "no commits on $BASE_TAG in $TREE"
cover=$REPO/patches/0000-cover-letter.patch
prefix=PATCH
if [ -f "$cover" ]; then
	prefix=$("$REPO/scripts/cover-text.py" prefix < "$cover")
	git -C "$TREE" config "branch.$BRANCH.description" \
		"$("$REPO/scripts/cover-text.py" description < "$cover")"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Fixed dates, ids and abbreviations (git's default length grows with the
# object count): no churn between machines or clones.
GIT_COMMITTER_DATE=$(git -C "$TREE" log -1 --format=%aD) \
git -C "$TREE" -c core.abbrev=12 format-patch -q --cover-letter --cover-from-description=subject \
	--zero-commit --no-signature --base="$BASE_TAG" --subject-prefix="$prefix" \
	-o "$tmp" "$BASE_TAG..HEAD"
mkdir -p "$dest"
rm -f "$dest"/*.patch
mv "$tmp"/*.patch "$dest"/
log "exported $(($(ls "$dest"/*.patch | wc -l) - 1)) patch(es) to $dest"
