#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-each.sh VARIANT - bisectability: build VARIANT (vmlinux and modules)
# at every commit of the series but the last (that one is the regular
# build).  Uses the scratch worktree build/scratch/linux built in
# build/scratch/build/VARIANT: the same relative layout as linux/ and
# build/VARIANT, so ccache serves unchanged files.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build-each.sh VARIANT}
wt=$(worktree scratch)
commits=$(git -C "$TREE" rev-list --reverse "$BASE_TAG..HEAD~1" 2>/dev/null || true)
if [ -z "$commits" ]; then
	log "bisect: fewer than two patches, nothing to do"
	exit 0
fi

n=0
for c in $commits; do
	n=$((n + 1))
	git -C "$wt" checkout -q --detach "$c"
	subject=$(git -C "$wt" log -1 --format=%s)
	# vmlinux and the modules: what a patch can break; no image to pack,
	# no initramfs archive of the modules to make
	if ! PW_TREE=$wt PW_BUILD=$BUILD/scratch/build "$REPO/scripts/build.sh" "$variant" \
			vmlinux modules > /dev/null; then
		die "bisect: patch $n ($subject) does not build on its own"
	fi
	echo "bisect: patch $n builds: $subject"
done
