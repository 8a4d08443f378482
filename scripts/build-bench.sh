#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-bench.sh VARIANT - build VARIANT (scripts/build.sh; it needs the
# bench fragment, for CONFIG_MODULES) and the out-of-tree benchmark module
# bench/pw_bench.ko against it, into the modules archive the guest receives.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build-bench.sh VARIANT}
out=$BUILD/$variant
"$REPO/scripts/build.sh" "$variant"
[[ $variant == um-* ]] && export ARCH=um
[[ -$variant- != *-base-* ]] || TREE=$(worktree base)
# Built from a copy under the build dir: the repository stays free of objects.
src=$(readlink -f "$out")/pw_bench
mkdir -p "$src" && cp "$REPO/bench/Kbuild" "$REPO/bench/pw_bench.c" "$src/"
kmake "$(readlink -f "$out")" M="$src" modules > "$out/bench.log" 2>&1 ||
	{ cat "$out/bench.log" >&2; die "bench/pw_bench.ko does not build against $variant"; }
kmake "$(readlink -f "$out")" M="$src" modules_install \
	INSTALL_MOD_PATH="$out/modroot" >> "$out/bench.log" 2>&1
(cd "$out/modroot" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out/modules.cpio"
