# SPDX-License-Identifier: GPL-2.0
# Shared settings for the harness scripts; sourced, never run.
#
# Layout:  $REPO/patches        the series (the product)
#          $REPO/linux          git-ignored kernel working tree (or $KERNEL_SRC)
#          $REPO/build/<name>   git-ignored O= build and run directories
#          $PW_CACHE            downloads, pristine base repo, ccache (outside the clone)

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PW_CACHE=${PW_CACHE:-$HOME/.cache/pwlocks}
TREE=${PW_TREE:-${KERNEL_SRC:-$REPO/linux}}
BUILD=${PW_BUILD:-$REPO/build}
BASE_TAG=pwlocks-base
BRANCH=${PW_BRANCH:-pwlocks}
JOBS=${JOBS:-$(nproc)}

export CCACHE_DIR=${CCACHE_DIR:-$PW_CACHE/ccache}
export CCACHE_BASEDIR=$REPO
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}

die() { echo "error: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

# Kernel reports that fail a test run: warnings, bugs, lockdep, context
# checks, hangs, stalls.
KERNEL_BAD='WARNING:|BUG:|Oops|Kernel panic|general protection fault|Call Trace:|'\
'sleeping function called from invalid context|DEBUG_LOCKS_WARN_ON|'\
'possible (recursive|circular) locking|inconsistent lock state|'\
'turning off the locking correctness validator|blocked for more than|'\
'rcu.*detected stalls|soft lockup|hard LOCKUP'

# The console log of scripts/boot.sh VARIANT ARGS...
boot_log() {
	local variant=$1; shift
	echo "$BUILD/logs/$variant/$(echo "${*:-default}" | tr -c 'A-Za-z0-9=,.\n-' _).log"
}

# icount_run VARIANT ARGS...: one benchmark boot under QEMU -icount (the
# guest TSC counts instructions, exactly), on one CPU (ICOUNT_SMP=2 for an
# isolated CPU's column: CPU 0 idles meanwhile); prints its PWBENCH lines.
icount_run() {
	local variant=$1; shift
	local args="pwtest=bench${*:+ $*}"
	# shellcheck disable=SC2086
	BOOT_ACCEL=tcg,thread=single BOOT_QEMU_ARGS="-icount shift=0,sleep=off" \
		BOOT_SMP=${ICOUNT_SMP:-1} \
		"$REPO/scripts/boot.sh" "$variant" $args >&2 || die "boot $variant $args failed"
	# shellcheck disable=SC2086
	grep -h '^PWBENCH' "$(boot_log "$variant" $args)" | tr -d '\r'
}

# Kernel make for an out-of-tree variant directory: GCC, or Debian's clang-19
# and lld (LLVM=-19) for variants named with "clang".
kmake() {
	local out=$1; shift
	local cc=(CC="ccache gcc")
	[[ -$(basename "$out")- != *-clang-* ]] || cc=(LLVM=-19 CC="ccache clang-19")
	make -C "$TREE" O="$out" "${cc[@]}" -j"$JOBS" -s "$@"
}

# A worktree of the kernel tree, $BUILD/NAME/linux, laid out like linux/ (so
# ccache serves its files too), created at the base on first use:
#   scratch  checks that must not touch the developer's checkout (round trip,
#            bisect builds), which move it around
#   base     the pristine base, for variants named with "base"
worktree() {
	local wt=$BUILD/$1/linux
	if [ "$(git -C "$wt" rev-parse --show-toplevel 2>/dev/null)" != "$wt" ]; then
		rm -rf "$wt"		# e.g. left over from a deleted linux/
		git -C "$TREE" worktree prune
		git -C "$TREE" worktree add -q --detach "$wt" "$BASE_TAG"
	fi
	echo "$wt"
}
