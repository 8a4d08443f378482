#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# export.sh [DIR] - write the working tree's series (pwlocks-base..HEAD) as
# git format-patch output to DIR (default: patches/).  The cover letter keeps
# the subject, prefix and text of DIR's existing 0000-cover-letter.patch; dates,
# ids and abbreviations are fixed so an unchanged series exports byte-identical.
# Each patch gets the To: (maintainers) and Cc: (reviewers, lists) that
# scripts/get_maintainer.pl gives for it, the cover letter all of them, so the
# directory is ready for git send-email as it is.  Keyword matches are left
# out: a diff context that mentions dma_resv is no reason to mail DMA-BUF.
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
# recipients OPTIONS... PATCH...: get_maintainer.pl's addresses, one a line.
recipients() {
	(cd "$TREE" && scripts/get_maintainer.pl --no-rolestats --no-git --no-git-fallback --no-keywords "$@")
}
# add_header FILE NAME: NAME: with the addresses on stdin (folded), at the end
# of FILE's mail headers; nothing if there are none.
add_header() {
	local v
	v=$(awk 'NF && !seen[$0]++' | sed '1!s/^/ /; $!s/$/,/')
	[ -n "$v" ] || return 0
	awk -v h="$2: $v" '!done && /^$/ { print h; done = 1 } { print }' "$1" > "$1.tmp"
	mv "$1.tmp" "$1"
}
all=()
for p in "$tmp"/*.patch; do
	[ "${p##*/}" = 0000-cover-letter.patch ] || all+=("$p")
done
for p in "$tmp"/*.patch; do
	patches=("$p")
	[ "${p##*/}" = 0000-cover-letter.patch ] && patches=("${all[@]}")
	to=$(recipients --no-l --no-r "${patches[@]}")
	echo "$to" | add_header "$p" To
	recipients --no-m "${patches[@]}" | grep -vxF -e "$to" | add_header "$p" Cc
done
mkdir -p "$dest"
rm -f "$dest"/*.patch
mv "$tmp"/*.patch "$dest"/
log "exported $(($(ls "$dest"/*.patch | wc -l) - 1)) patch(es) to $dest"
