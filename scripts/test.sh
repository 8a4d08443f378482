#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh [--full] - the test matrix: series checks, builds and boots, W=1,
# sparse, bisectability (make test, what CI runs).  --full adds the long
# variants (make test-full): the production config with 100-round probes and
# the census, JUMP_LABEL with PW locks on by default, UP booted, the base,
# KASAN, KCSAN built with Clang, W=1 with Clang, make demo's kernel running
# oslat off and on, kunit.py on UML, x86_64 and x86_64 PREEMPT_RT, and the
# isolation race test's controls (scripts/race-control.sh).
# Prints each stage with its wall time, the total time (warning when it is
# over budget) and ends with one line "N passed, N failed, N skipped".  Exit
# status 0 only if nothing failed.  make test keeps the passes of checks that
# are a function of their inputs (run_kept below); make test-full and
# PW_RECHECK=1 redo them.
. "$(dirname "$0")/lib.sh"
set +e
full=
[ "${1:-}" = --full ] && full=--full
# A boot that runs several tests on a lockdep kernel under TCG takes up to
# five minutes on a loaded host; a hang fails it at this limit.
export BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}

# Variants built and booted, and the kernel command lines each boots with.
# make test builds three kernels, all with lockdep: PW locks built in
# (x86-pw-lockdep-modules, the main matrix), not built (-nopw, which shares
# every object the series does not touch with the first through ccache) and
# PREEMPT_RT.  make test-full adds the long variants: the production config
# (x86-pw, 100 rounds per probe, the census), JUMP_LABEL with PW locks on by
# default, UP, the base, the sanitizers and make demo's kernel.
#
# pwexpect=on|off|none: the mode the command line must end in (guest/init).
# pwtest=probe: the interference probe on isolated CPU 3, for each form of
# isolation (and strict where domain isolation keeps all other kernel work off
# the CPU too, STRICT below): the series' kselftest pwlocks:drain_isolated
# under the kselftest runner, with the guest's extra refills and entry points
# (guest/pwtest-probe).  With PW locks on it must see no drain work on CPU 3,
# off it must see some at every entry point (LRU: compaction, drop_caches,
# fadvise, BLKFLSBUF; slab: shrink, cache destroy, module unload with
# kvfree_rcu_barrier()).  pwtest=partition makes CPU 3 a cpuset isolated
# partition at run time first.  pwtest=isorace: CPU 3 made an isolated
# partition and a member again in a loop while CPU 1 drains and a task spins
# on CPU 3; no drain work may start on CPU 3 while it is isolated, and no
# drain may return with CPU 3's batch undrained, and /sys/kernel/pwlocks must
# list CPU 3 as remote (with pwlocks=auto also ready) exactly while it is
# isolated (with PW locks off, pwisorace_expect=inside: work must be seen
# there, the check's control).  Under pwlocks=auto nothing is isolated at
# boot: each isolation makes CPU 3 ready, each removal not ready again.
# pwtest=kselftest: the kselftest as an
# administrator runs it (no options), which must pass on, end as an expected
# failure off, and skip without an isolated CPU.  pwtest=census (make
# test-full): the kselftest with -a while stress-ng loads CPUs 0-2, and
# stat_refresh and the overcommit sysctl (make census).  pwtest=oslat (make
# test-full, the osnoise variant): rt-tests' oslat on CPU 3 during a drain
# storm, the osnoise tracer recording its noise.
# pwtest=workcount: one drain work item per CPU and drain, as the base kernel
# queues.  pwtest=kunitmod: the KUnit suites loaded as modules after boot.
# pwtest=hotplug: every CPU fills its caches while CPU 0 drains them all and
# CPUs 1-3 go offline and online; mlocked, unevictable, tmpfs and the test
# cache's counts end where they started.  pwtest=torture: locktorture's pw_*
# types.  pwtest=collapse: MADV_COLLAPSE on tmpfs with lockdep watching the
# i_pages lock.  pwtest=nesting: the negative control, lockdep must report the
# LRU batch lock under i_pages (an expected report, see boot.sh).
# pwtest=hang: the negative control of the hung-task detector, a test module's
# init blocks past a short hung-task timeout.
# pwtest=memcg: memcg's charge caches (guest/pwtest-memcg.c): a task fills an
# isolated CPU's stocks for a cgroup and spins there while CPU 0 lowers the
# cgroup's memory.high, writes memory.reclaim and removes it; pwmemcg= lists
# the CPUs (1p: CPU 1 made an isolated partition at run time) and what each
# must show: work (a nohz_full CPU the kernel still queues on), stranded
# (a domain-isolated CPU skipped: charges left, the cgroup dying) or clean
# (no work, nothing left, nothing dying).  MEMCG below: one boot per mode
# with CPU 2 nohz_full only and CPU 3 isolcpus=domain only; the probe boots
# add isolcpus=nohz (FORMS) and both together (ISOL).
ISOL="isolcpus=nohz,domain,3 nohz_full=3"
# Under TCG on a loaded host the clocksource watchdog may find the TSC
# skewed, mark it unstable and switch clocksources with stop_machine(), which
# preempts the probe's spinner (a strict failure seen in make test) and keeps
# the tick on nohz_full CPUs afterwards: the probe boots trust the TSC.
CLOCK=tsc=reliable
FORMS=("nohz_full=3 $CLOCK" "isolcpus=nohz,3 $CLOCK" "isolcpus=domain,3 $CLOCK")
# Strict (nothing at all may preempt the spinner, where domain isolation
# keeps other kernel work off CPU 3) on the production kernel only: on the
# lockdep kernel the CPU stopper (migration/3) preempted it once in a slab
# shrink round, which is not drain work and not the series' to remove.
STRICT=pwprobe_strict=1
MEMCG="isolcpus=domain,3 nohz_full=2 $CLOCK pwtest=memcg"
# A stranded stock is watched for 1 s in make test (10 drains), 3 s in full
MEMCG_WAIT=pwmemcg_wait_ms=1000
[ -z "$full" ] || MEMCG_WAIT=pwmemcg_wait_ms=3000
NESTING="--expect-report=SOFTIRQ-safe.->.SOFTIRQ-unsafe"
# Malformed and contradicting command lines: each must boot, warn
# (pwwarn=, guest/init) and end in the documented mode.
# They run no test (pwtest=none): the boot's mode and warnings are the check.
# pwlocks_test_parse (KUnit, pwtest=kunitmod) feeds pwlocks_parse() every
# malformed value, "2" and "-1" among them; the boots show the message, its
# cut-off for a long value and the fallback.
LONG=pwlocks=onononononononononononononononononononon
BAD_INPUT=("pwlocks= pwexpect=off pwwarn=malformed" "pwlocks pwexpect=off pwwarn=bare"
	   "$LONG pwexpect=off pwwarn=cut"
	   "pwlocks=1 pwlocks=bogus pwexpect=on pwwarn=malformed,twice"
	   "nohz_full=3 pwlocks=0 pwexpect=off pwwarn=isolated"
	   "isolcpus=2 nohz_full=3 pwexpect=on"
	   "isolcpus=7 pwexpect=off pwwarn=housekeeping"
	   "nr_cpus=1 isolcpus=3 pwexpect=off pwwarn=housekeeping")
# More of the same kinds, in make test-full
[ -z "$full" ] || BAD_INPUT+=("pwlocks=onn pwexpect=off pwwarn=malformed"
	   "pwlocks=1 pwlocks=0 pwexpect=off pwwarn=twice"
	   "isolcpus=3 isolcpus=2 pwexpect=on pwwarn=housekeeping"
	   "nohz_full=2 nohz_full=3 pwexpect=on pwwarn=housekeeping"
	   "isolcpus=0-3 pwexpect=on pwwarn=housekeeping")
BAD_INPUT+=("maxcpus=1 $ISOL pwexpect=on pwtest=online,probe pwprobe_rounds=5")
BAD_INPUT=("${BAD_INPUT[@]/%/ pwtest=none}")
BAD_INPUT[-1]=${BAD_INPUT[-1]% pwtest=none}
# pwtest=torture: locktorture's pw_* types (guest/pwtest-torture); the
# negative control pw_lock_busted must fail with PW locks on.
BUSTED=("--expect-report=WARNING:.*lock_torture_writer" "pwlocks=1"
	"pwtest=torture" "pwtorture_types=pw_lock_busted" "pwtorture_expect=FAILURE")
# The hung-task detector's negative control: insmod blocks for 25 s, past a 10 s
# hung-task timeout; the report must name it.
HANG=("--expect-report=blocked.for.more.than" "sysctl.kernel.hung_task_timeout_secs=10"
      "pwtest=hang")
# Rounds per probe entry point: make test 10 (each round drains through
# every entry point, so 70 drains must leave CPU 3 alone), make test-full 20
# (the kselftest's own default) and 100 on the production kernel (x86-pw).
ROUNDS="pwprobe_rounds=10"
[ -z "$full" ] || ROUNDS="pwprobe_rounds=20"
# With PW locks off (or not built) the probe is the control that shows it
# sees each entry point's drain, which every round queues: 5 rounds.
ROUNDS_OFF="pwprobe_rounds=5"
VARIANTS="x86-pw-lockdep-modules x86-lockdep-modules-nopw x86-pw-lockdep-modules-rt"
FULL_VARIANTS="x86-pw x86-pw-lockdep-modules-jumplabel-pwdefault x86-up x86-base
	       x86-pw-lockdep-modules-kasan x86-pw-modules-kcsan-clang x86-pw-osnoise"
boot_args() {
	local form
	case $1 in
	x86-pw-lockdep-modules)
		printf '%s\n' "pwlocks=auto pwexpect=off" "isolcpus=managed_irq,3 pwexpect=off pwtest=none" \
			"pwexpect=off pwtest=kselftest pwksft_expect=skip" "${BAD_INPUT[@]}"
		# Off, each form's control in make test-full; make test keeps one
		# (all forms, below)
		for form in "${FORMS[@]}"; do
			[ -z "$full" ] || echo "$form pwlocks=0 pwexpect=off pwtest=probe $ROUNDS_OFF"
			echo "$form pwexpect=on pwtest=probe,memcg pwmemcg=3=clean $ROUNDS"
		done
		printf '%s\n' \
			"$MEMCG pwlocks=0 pwexpect=off pwmemcg=1p=stranded,2=work,3=stranded $MEMCG_WAIT" \
			"$MEMCG pwlocks=auto pwexpect=on pwmemcg=1p=clean,2=clean,3=clean" \
			"$ISOL $CLOCK pwlocks=0 pwexpect=off pwtest=probe,probefifo,kselftest,memcg pwksft_expect=xfail pwmemcg=3=stranded $MEMCG_WAIT $ROUNDS_OFF" \
			"$ISOL $CLOCK pwlocks=auto pwexpect=on pwtest=probe,probefifo,kselftest,kunitmod,hotplug,memcg pwksft_expect=pass pwmemcg=3=clean $ROUNDS" \
			"pwlocks=0 $CLOCK pwexpect=off pwtest=isorace,partition pwisorace_expect=inside $ROUNDS_OFF" \
			"pwlocks=auto $CLOCK pwexpect=off pwtest=isorace,partition $ROUNDS" \
			"pwlocks=0 pwexpect=off pwtest=workcount,collapse,kunitmod,hotplug" \
			"pwlocks=1 pwexpect=on pwtest=workcount,collapse,torture" \
			"${BUSTED[*]}" "$NESTING pwlocks=0 pwtest=nesting" "$NESTING pwlocks=1 pwtest=nesting"
		# The hung-task detector's control: the harness, not the series
		[ -z "$full" ] || echo "${HANG[*]}" ;;
	x86-lockdep-modules-nopw)
		printf '%s\n' "pwexpect=none pwtest=workcount,hotplug" \
			"$ISOL pwtest=smoke,probe,memcg pwmemcg=3=stranded $MEMCG_WAIT $ROUNDS_OFF" \
			"$MEMCG pwexpect=none pwmemcg=1p=stranded,2=work,3=stranded $MEMCG_WAIT" ;;
	x86-pw-lockdep-modules-rt)
		# Off on PREEMPT_RT is local_lock, as without the series: its
		# probe control and KUnit run in make test-full
		printf '%s\n' "pwlocks=bogus pwexpect=on pwwarn=malformed pwtest=none" \
			"$ISOL pwlocks=1 pwexpect=on pwtest=smoke,probe,probefifo,memcg pwmemcg=3=clean $ROUNDS" \
			"pwlocks=auto pwexpect=off pwtest=isorace" \
			"$ISOL pwexpect=on pwtest=kunitmod,torture,hotplug"
		[ -z "$full" ] || printf '%s\n' \
			"$ISOL pwlocks=0 pwexpect=off pwtest=smoke,probe,probefifo,memcg pwmemcg=3=stranded $MEMCG_WAIT $ROUNDS_OFF" \
			"pwlocks=0 pwexpect=off pwtest=kunitmod,hotplug" ;;
	x86-pw)
		printf '%s\n' "pwexpect=off" "pwlocks=0 pwexpect=off" "pwlocks=1 pwexpect=on" \
			"$ISOL pwexpect=on" "nohz_full=3 pwlocks=auto pwexpect=on"
		for form in "${FORMS[@]:0:2}" "${FORMS[2]} $STRICT" "$ISOL $CLOCK $STRICT"; do
			printf '%s\n' "$form pwlocks=0 pwtest=probe" "$form pwtest=probe"
		done
		printf '%s\n' "pwlocks=0 $CLOCK pwtest=partition" "pwlocks=auto $CLOCK pwtest=partition" \
			"$ISOL pwlocks=0 pwtest=probefifo" "$ISOL pwtest=probefifo" \
			"$ISOL pwlocks=0 pwtest=kselftest pwksft_expect=xfail" \
			"$ISOL pwtest=kselftest pwksft_expect=pass" "$ISOL pwtest=census" \
			"pwlocks=0 pwtest=workcount" "pwlocks=1 pwtest=workcount" ;;
	x86-pw-lockdep-modules-jumplabel-pwdefault)
		printf '%s\n' "pwexpect=on" "pwlocks=bogus pwexpect=on" \
			"$ISOL pwlocks=0 pwtest=smoke,probe $ROUNDS" "$ISOL pwtest=smoke,probe $ROUNDS" \
			"pwlocks=0 pwexpect=off pwtest=collapse,kunitmod,torture,hotplug" \
			"pwlocks=1 pwtest=collapse,torture,hotplug" \
			"$ISOL pwlocks=auto pwexpect=on pwtest=kunitmod,hotplug" "${BUSTED[*]}" \
			"$NESTING pwlocks=0 pwtest=nesting" "$NESTING pwlocks=1 pwtest=nesting" ;;
	x86-pw-lockdep-modules-kasan|x86-pw-modules-kcsan-clang)
		printf '%s\n' "$ISOL pwlocks=0 pwtest=smoke,probe,hotplug $ROUNDS" \
			"$ISOL pwtest=smoke,probe,hotplug,torture $ROUNDS" ;;
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
# Cold: nothing in ccache yet (a new machine, or an empty PW_CACHE).  Budget:
# 60 minutes cold, 20 warm, on 2 cores (README).
cold=warm budget=20
[ "$(find "$CCACHE_DIR" -type f 2>/dev/null | head -100 | wc -l)" -ge 100 ] ||
	cold=cold budget=60

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

# Checks whose verdict is a function of their inputs alone: the patches,
# the base, the harness and the toolchain (the series' mails, checkpatch, the
# docs, sparse, the UP compile, every patch's build).  A pass is kept in
# $PW_CACHE/kept under a key over all of those; a later make test whose key
# matches prints the kept output instead of redoing the work.  Boots are never
# kept: they test concurrency, not a pure function.  A kernel tree with
# uncommitted changes, make test-full and PW_RECHECK=1 keep nothing.
KEPT=$PW_CACHE/kept
kept=0
inputs_key() {
	local checker=sparse
	[ -x "$PW_CACHE/sparse/sparse" ] && checker=$PW_CACHE/sparse/sparse
	[ -z "$(git -C "$TREE" status --porcelain)" ] || return 0
	{
		# the base and every commit's tree (bisectability builds each)
		git -C "$TREE" rev-parse "$BASE_TAG^{tree}"
		git -C "$TREE" log --format=%T "$BASE_TAG..HEAD"
		(cd "$REPO" && git ls-files -co --exclude-standard patches scripts configs guest \
			checkpatch.allow | LC_ALL=C sort | xargs sha256sum)
		gcc --version | head -1; ld --version | head -1; make --version | head -1
		"$checker" --version; sphinx-build --version; git --version; python3 --version
		perl -e 'print "$^V\n"'
	} 2>&1 | sha256sum | cut -c1-16
}
# run_kept NAME CMD...: run, unless a pass with the same inputs is kept.
run_kept() {
	local name=$1 f; shift
	f=$KEPT/$(echo "$name" | tr -c 'A-Za-z0-9=.\n-' _).$KEY
	if [ -n "$KEY" ] && [ -z "${PW_RECHECK:-}" ] && [ -s "$f" ]; then
		sed 1d "$f"
		passed=$((passed + 1)) kept=$((kept + 1))
		echo "  PASS $name (kept: $(head -1 "$f"), inputs $KEY unchanged)"
		return 0
	fi
	local tmp rc
	tmp=$(mktemp)
	run "$name" "$@" 2>&1 | tee "$tmp"
	rc=${PIPESTATUS[0]}
	# run counted in a subshell of the pipe: count here
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		if [ -n "$KEY" ]; then
			mkdir -p "$KEPT"
			{ echo "passed $(date -u '+%Y-%m-%d %H:%M') at commit" \
			       "$(git -C "$REPO" rev-parse --short HEAD)"
			  grep -vF "  PASS $name (" "$tmp"; } > "$f"
		fi
	else
		failed=$((failed + 1))
	fi
	rm -f "$tmp"
	return "$rc"
}
stage() { echo; echo "=== $* [$(($(date +%s) - T0))s]"; }
# The total time, a warning past the budget, and the closing count line.
finish() {
	local secs=$(($(date +%s) - T0))
	echo
	echo "make test${full:+-full}: $((secs / 60)) min $((secs % 60)) s, $cold" \
	     "(ccache: $CCACHE_DIR; $kept check(s) kept), $(date -u +%Y-%m-%d)," \
	     "commit $(git -C "$REPO" rev-parse --short HEAD)"
	if [ -z "$full" ] && [ $secs -gt $((budget * 60)) ]; then
		echo "WARNING: a $cold make test took more than $budget minutes on $(nproc) CPUs:" \
		     "move a long variant to make test-full (README, section Time)"
	fi
	echo "$passed passed, $failed failed, $skipped skipped"
}

stage "setup"
if ! run setup "$REPO/scripts/setup.sh" $full; then
	finish
	exit 1
fi

KEY=
[ -n "$full" ] || KEY=$(inputs_key)

stage "series: git am, round trip, git send-email, checkpatch, docs"
run_kept series "$REPO/scripts/check-series.sh"
run_kept checkpatch "$REPO/scripts/checkpatch.sh"
run_kept docs "$REPO/scripts/docs.sh"

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

# Uniprocessor (PWLOCKS depends on SMP: every helper is the local_lock or
# workqueue call it wraps): make test-full builds and boots it (x86-up
# above); make test leaves it out, for time.

# kunit.py's own kernels: the same suites run as modules in the lockdep and
# PREEMPT_RT guests above (pwtest=kunitmod, off and on), so make test-full.
if [ -n "$full" ]; then
	for arch in um x86_64 x86_64-rt; do
		stage "KUnit: $arch, 4 CPUs"
		for args in "${KUNIT_ARGS[@]}"; do
			run "kunit $arch [$args]" "$REPO/scripts/kunit.sh" "$arch" $args
		done
	done
fi

# The isolation race test's controls: pw_queue_on() with v7's order fails
# it, the same delay in v8's order passes it (two builds; make test-full).
if [ -n "$full" ]; then
	stage "pwtest=isorace controls: v7's decision order fails, v8's passes"
	run "race control" "$REPO/scripts/race-control.sh"
fi

stage "W=1: no warnings in the C files the series touches"
run "W=1 x86-pw-lockdep-modules" "$REPO/scripts/build-w1.sh" x86-pw-lockdep-modules
if [ -n "$full" ]; then
	run "W=1 x86-pw-lockdep-modules-jumplabel-pwdefault" \
		"$REPO/scripts/build-w1.sh" x86-pw-lockdep-modules-jumplabel-pwdefault
	run "W=1 x86-pw-modules-kcsan-clang" "$REPO/scripts/build-w1.sh" x86-pw-modules-kcsan-clang
fi

stage "sparse: nothing new in the C files the series touches"
# sparse_vs_base VARIANT: sparse against the base's files built with the same
# configuration, for which a prepared objtree is enough.
sparse_vs_base() {
	"$REPO/scripts/build.sh" x86-lockdep-modules-base prepare &&
		"$REPO/scripts/sparse.sh" "$1" x86-lockdep-modules-base
}
run_kept "sparse x86-pw-lockdep-modules" sparse_vs_base x86-pw-lockdep-modules
[ -z "$full" ] ||
	run "sparse x86-pw-lockdep-modules-jumplabel-pwdefault" sparse_vs_base x86-pw-lockdep-modules-jumplabel-pwdefault

stage "bisectability: every patch builds (x86-pw-lockdep-modules, with its test modules)"
run_kept "build each patch" "$REPO/scripts/build-each.sh" x86-pw-lockdep-modules

stage "done"
finish
[ $failed = 0 ]
