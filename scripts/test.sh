#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh - the whole test matrix: series checks, builds, bisectability, KUnit
# and boot tests.  Prints each stage with its wall time and ends with one line
# "N passed, N failed, N skipped".  Exit status 0 only if nothing failed.
. "$(dirname "$0")/lib.sh"
set +e

# Variants built and booted, and the kernel command lines each boots with.
# pwtest=probe: the interference probe on isolated CPU 3, which must see LRU
# work there in off mode and none in on mode (guest/pwtest-probe.c).
# pwtest=kunitmod: the KUnit suites loaded as modules after boot.
ISOL="isolcpus=nohz,domain,3 nohz_full=3"
VARIANTS="x86-pw x86-nopw x86-pw-lockdep-modules x86-up"
boot_args() {
	case $1 in
	x86-pw)
		printf '%s\n' "" "pwlocks=0" "pwlocks=1" "$ISOL" \
			"$ISOL pwlocks=0 pwtest=probe" "$ISOL pwtest=probe" \
			"$ISOL pwlocks=0 pwtest=probefifo" "$ISOL pwtest=probefifo" ;;
	x86-nopw)
		printf '%s\n' "" "$ISOL" "$ISOL pwtest=probe" ;;
	x86-pw-lockdep-modules)
		printf '%s\n' "" "pwlocks=0" "pwlocks=1" "pwlocks=bogus" "$ISOL" \
			"$ISOL pwlocks=0 pwtest=smoke,probe pwprobe_rounds=20" \
			"$ISOL pwtest=smoke,probe pwprobe_rounds=20" \
			"pwlocks=0 pwtest=kunitmod" "pwlocks=1 pwtest=kunitmod" ;;
	x86-up)
		printf '%s\n' "" "pwtest=smoke" ;;
	esac
}
KUNIT_ARGS=("pwlocks=0" "pwlocks=1")

passed=0 failed=0 skipped=0
T0=$(date +%s)

# run NAME CMD...: one test; its output is shown, its verdict counted.
run() {
	local name=$1 t=$(date +%s); shift
	if "$@"; then
		passed=$((passed + 1)); echo "  PASS $name ($(($(date +%s) - t))s)"
		return 0
	fi
	failed=$((failed + 1)); echo "  FAIL $name ($(($(date +%s) - t))s)"
	return 1
}
skip() { skipped=$((skipped + 1)); echo "  SKIP $1 ($2)"; }
stage() { echo; echo "=== $* [$(($(date +%s) - T0))s]"; }

stage "setup"
if ! run setup "$REPO/scripts/setup.sh"; then
	echo; echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi

stage "series: git am, round trip, checkpatch"
run series "$REPO/scripts/check-series.sh"
run checkpatch "$REPO/scripts/checkpatch.sh"

stage "guest initramfs"
run initramfs "$REPO/scripts/mkinitramfs.sh"

for v in $VARIANTS; do
	stage "$v: build and boot"
	if run "build $v" "$REPO/scripts/build.sh" "$v"; then
		while IFS= read -r args; do
			# shellcheck disable=SC2086
			run "boot $v [${args:-default}]" "$REPO/scripts/boot.sh" "$v" $args
		done < <(boot_args "$v")
	else
		while IFS= read -r args; do
			skip "boot $v [${args:-default}]" "build failed"
		done < <(boot_args "$v")
	fi
done

for arch in um x86_64; do
	stage "KUnit: $arch, 4 CPUs"
	for args in "${KUNIT_ARGS[@]}"; do
		run "kunit $arch [$args]" "$REPO/scripts/kunit.sh" "$arch" $args
	done
done

stage "W=1: no warnings in the C files the series touches"
run "W=1 x86-pw-lockdep-modules" "$REPO/scripts/build-w1.sh" x86-pw-lockdep-modules

stage "bisectability: every patch builds (x86-pw)"
run "build each patch" "$REPO/scripts/build-each.sh" x86-pw

stage "done"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
