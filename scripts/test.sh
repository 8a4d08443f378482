#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh [--full] - the test matrix: series checks, builds, bisectability,
# KUnit, sparse and boot tests (make test, what CI runs).  --full adds the
# long variants (make test-full): KASAN, and KCSAN built with Clang, each
# booting the smoke, probe and hotplug tests in both modes, W=1 with Clang,
# and make demo's kernel (osnoise tracer, NUMA) running oslat off and on.  Prints each stage with its wall time and ends with one line
# "N passed, N failed, N skipped".  Exit status 0 only if nothing failed.
. "$(dirname "$0")/lib.sh"
set +e
full=
[ "${1:-}" = --full ] && full=--full
# The lockdep kernels' probe boots (100 rounds of module unloads) take over
# two minutes under single-threaded TCG.
export BOOT_TIMEOUT=${BOOT_TIMEOUT:-360}

# Variants built and booted, and the kernel command lines each boots with.
# pwexpect=on|off|none: the mode the command line must end in (guest/init).
# pwtest=probe: the interference probe on isolated CPU 3, for each form of
# isolation (pwprobe_strict=1 where domain isolation keeps all other kernel
# work off the CPU too): the series' kselftest pwlocks:drain_isolated under
# the kselftest runner, with the guest's extra refills and entry points
# (guest/pwtest-probe).  With PW locks on it must see no drain work on CPU 3,
# off it must see some at every entry point (LRU: compaction, drop_caches,
# fadvise, BLKFLSBUF; slab: shrink, cache destroy, module unload with
# kvfree_rcu_barrier()), 100 rounds each.  pwtest=partition makes CPU 3 a
# cpuset isolated partition at run time first.  pwtest=kselftest: the
# kselftest as an administrator runs it (no options), which must pass on,
# end as an expected failure off, and skip without an isolated CPU.
# pwtest=census: the kselftest with -a while stress-ng loads CPUs 0-2, and
# stat_refresh and the overcommit sysctl (make census).  pwtest=oslat
# (make test-full, the osnoise variant): rt-tests' oslat on CPU 3 during a
# drain storm, the osnoise tracer recording its noise; on, no kworker may
# interrupt it.
# pwtest=workcount: one drain work item per CPU and drain, as the base
# kernel queues.  pwtest=kunitmod: the KUnit suites loaded as modules after
# boot.  pwtest=hotplug: every CPU fills its caches while CPU 0 drains them
# all and CPUs 1-3 go offline and online; mlocked, unevictable, tmpfs and
# the test cache's counts end where they started.  pwtest=torture:
# locktorture's pw_* types.  pwtest=collapse:
# MADV_COLLAPSE on tmpfs with lockdep watching the i_pages lock.
# pwtest=nesting: the negative control, lockdep must report the LRU batch
# lock under i_pages (an expected report, see boot.sh).
ISOL="isolcpus=nohz,domain,3 nohz_full=3"
# Under TCG on a loaded host the clocksource watchdog may find the TSC
# skewed, mark it unstable and switch clocksources with stop_machine(), which
# preempts the probe's spinner (a strict failure seen in make test) and keeps
# the tick on nohz_full CPUs afterwards: the probe boots trust the TSC.
CLOCK=tsc=reliable
FORMS=("nohz_full=3 $CLOCK" "isolcpus=nohz,3 $CLOCK" "isolcpus=domain,3 $CLOCK pwprobe_strict=1"
       "$ISOL $CLOCK pwprobe_strict=1")
NESTING="--expect-report=SOFTIRQ-safe.->.SOFTIRQ-unsafe"
# Malformed and contradicting command lines: each must boot, warn
# (pwwarn=, guest/init) and end in the documented mode.
LONG=pwlocks=onononononononononononononononononononon
BAD_INPUT=("pwlocks= pwexpect=off pwwarn=malformed" "pwlocks pwexpect=off pwwarn=bare"
	   "pwlocks=2 pwexpect=off pwwarn=malformed" "pwlocks=-1 pwexpect=off pwwarn=malformed"
	   "pwlocks=onn pwexpect=off pwwarn=malformed" "$LONG pwexpect=off pwwarn=malformed"
	   "pwlocks=1 pwlocks=0 pwexpect=off pwwarn=twice"
	   "pwlocks=1 pwlocks=bogus pwexpect=on pwwarn=malformed,twice"
	   "nohz_full=3 pwlocks=0 pwexpect=off pwwarn=isolated"
	   "isolcpus=3 isolcpus=2 pwexpect=on pwwarn=housekeeping"
	   "nohz_full=2 nohz_full=3 pwexpect=on pwwarn=housekeeping" "isolcpus=2 nohz_full=3 pwexpect=on"
	   "isolcpus=7 pwexpect=off pwwarn=housekeeping"
	   "isolcpus=0-3 pwexpect=on pwwarn=housekeeping"
	   "nr_cpus=1 isolcpus=3 pwexpect=off pwwarn=housekeeping"
	   "maxcpus=1 $ISOL pwexpect=on pwtest=online,probe pwprobe_rounds=5")
# pwtest=torture: locktorture's pw_* types (guest/pwtest-torture); the
# negative control pw_lock_busted must fail with PW locks on.
BUSTED=("--expect-report=WARNING:.*lock_torture_writer" "pwlocks=1"
	"pwtest=torture" "pwtorture_types=pw_lock_busted" "pwtorture_expect=FAILURE")
# Slow kernels under TCG (PREEMPT_RT with lockdep, sanitizers): 20 rounds per
# entry point.
SLOW_ROUNDS="pwprobe_rounds=20"
VARIANTS="x86-pw x86-nopw-lockdep x86-pw-lockdep-modules-jumplabel-pwdefault x86-pw-lockdep-modules-rt x86-up x86-base"
FULL_VARIANTS="x86-pw-lockdep-modules-kasan x86-pw-modules-kcsan-clang x86-pw-osnoise"
boot_args() {
	local form
	case $1 in
	x86-pw)
		printf '%s\n' "pwexpect=off" "pwlocks=0 pwexpect=off" "pwlocks=1 pwexpect=on" \
			"pwlocks=auto pwexpect=off" "isolcpus=managed_irq,3 pwexpect=off" \
			"$ISOL pwexpect=on" "nohz_full=3 pwlocks=auto pwexpect=on" "${BAD_INPUT[@]}"
		for form in "${FORMS[@]}"; do
			printf '%s\n' "$form pwlocks=0 pwtest=probe" "$form pwtest=probe"
		done
		printf '%s\n' "pwlocks=0 $CLOCK pwtest=partition" "pwlocks=1 $CLOCK pwtest=partition" \
			"$ISOL pwlocks=0 pwtest=probefifo" "$ISOL pwtest=probefifo" \
			"pwtest=kselftest pwksft_expect=skip" \
			"$ISOL pwlocks=0 pwtest=kselftest pwksft_expect=xfail" \
			"$ISOL pwtest=kselftest pwksft_expect=pass" "$ISOL pwtest=census" \
			"pwlocks=0 pwtest=workcount" "pwlocks=1 pwtest=workcount" ;;
	x86-nopw-lockdep)
		printf '%s\n' "pwexpect=none" "$ISOL pwtest=smoke,probe pwprobe_rounds=20" \
			"pwtest=workcount,hotplug" ;;
	x86-pw-lockdep-modules-jumplabel-pwdefault)
		printf '%s\n' "pwexpect=on" "pwlocks=0 pwexpect=off" "pwlocks=bogus pwexpect=on" \
			"$ISOL pwlocks=0 pwtest=smoke,probe pwprobe_rounds=20" \
			"$ISOL pwtest=smoke,probe pwprobe_rounds=20" \
			"pwlocks=0 pwtest=collapse,kunitmod,torture,hotplug" \
			"pwlocks=1 pwtest=collapse,torture,hotplug" \
			"$ISOL pwlocks=auto pwtest=kunitmod,hotplug" "${BUSTED[*]}" \
			"$NESTING pwlocks=0 pwtest=nesting" "$NESTING pwlocks=1 pwtest=nesting" ;;
	x86-pw-lockdep-modules-rt)
		printf '%s\n' "pwexpect=on" "pwlocks=0 pwexpect=off" "pwlocks=1 pwexpect=on" \
			"$ISOL pwlocks=0 pwtest=smoke,probe,probefifo $SLOW_ROUNDS" \
			"$ISOL pwtest=smoke,probe,probefifo $SLOW_ROUNDS" \
			"pwlocks=0 pwtest=kunitmod,torture,hotplug" \
			"$ISOL pwtest=kunitmod,torture,hotplug" ;;
	x86-pw-lockdep-modules-kasan|x86-pw-modules-kcsan-clang)
		printf '%s\n' "$ISOL pwlocks=0 pwtest=smoke,probe,hotplug $SLOW_ROUNDS" \
			"$ISOL pwtest=smoke,probe,hotplug,torture $SLOW_ROUNDS" ;;
	x86-pw-osnoise)
		printf '%s\n' "$ISOL tsc=reliable pwlocks=0 pwtest=oslat" \
			"$ISOL tsc=reliable pwtest=oslat pwoslat_strict=1" ;;
	x86-up)
		printf '%s\n' "pwexpect=none" "pwtest=smoke" ;;
	x86-base)
		printf '%s\n' "pwtest=workcount" "$ISOL pwtest=probe" ;;
	esac
}
# On: with CPU 3 isolated, which the slab cases flush from other CPUs.
KUNIT_ARGS=("pwlocks=0" "pwlocks=1 isolcpus=domain,3")

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
if ! run setup "$REPO/scripts/setup.sh" $full; then
	echo; echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi

stage "series: git am, round trip, git send-email, checkpatch, docs"
run series "$REPO/scripts/check-series.sh"
run checkpatch "$REPO/scripts/checkpatch.sh"
run docs "$REPO/scripts/docs.sh"

stage "guest initramfs"
run initramfs "$REPO/scripts/mkinitramfs.sh"

for v in $VARIANTS ${full:+$FULL_VARIANTS}; do
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

for arch in um x86_64 x86_64-rt; do
	stage "KUnit: $arch, 4 CPUs"
	for args in "${KUNIT_ARGS[@]}"; do
		run "kunit $arch [$args]" "$REPO/scripts/kunit.sh" "$arch" $args
	done
done

stage "W=1: no warnings in the C files the series touches"
run "W=1 x86-pw-lockdep-modules-jumplabel-pwdefault" \
	"$REPO/scripts/build-w1.sh" x86-pw-lockdep-modules-jumplabel-pwdefault

stage "sparse: nothing new in the C files the series touches"
run "sparse x86-pw-lockdep-modules-jumplabel-pwdefault" \
	"$REPO/scripts/sparse.sh" x86-pw-lockdep-modules-jumplabel-pwdefault x86-base
if [ -n "$full" ]; then
	run "W=1 x86-pw-modules-kcsan-clang" "$REPO/scripts/build-w1.sh" x86-pw-modules-kcsan-clang
fi

stage "bisectability: every patch builds (x86-pw)"
run "build each patch" "$REPO/scripts/build-each.sh" x86-pw

stage "done"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
