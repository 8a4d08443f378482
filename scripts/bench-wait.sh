#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-wait.sh - what the task on an isolated CPU waits for while other CPUs
# drain its LRU batch: a kthread on CPU 3 (isolcpus=nohz,domain,3
# nohz_full=3) adds folios to the LRU for 5 s (bench/pw_bench.ko test=wait),
# with and without CPUs 1 and 2 making the kernel drain all CPUs in a loop
# (compaction, drop_caches), PW locks off and on, BENCH_REPEAT (default 3)
# boots each.  Reports the worst single folio_add_lru() call (with PW locks
# on: its wait for a remote drainer holding the batch lock) and the worst gap
# between two calls (time lost to anything else, such as a drain work item).
# QEMU TCG, 4 vCPUs on 2 host cores: absolute times are emulated.
#
# Then the drainer's side (bench/pw_bench.ko test=irqwait), under QEMU
# -icount (time counts instructions: 1 ns each), 2 CPUs: CPU 0 takes CPU 1's
# PW lock while CPU 1 holds it for 20 ms, a 10 us hrtimer due on CPU 0 all the
# while; then the same wait in spin_lock_irqsave() on a plain spinlock, as v7
# waited.  How often the timer fired during the wait, and its worst lateness:
# the drainer's interrupt-off time.
. "$(dirname "$0")/lib.sh"

variant=x86-pw-bench
repeat=${BENCH_REPEAT:-3}
"$REPO/scripts/build-bench.sh" "$variant" >&2
rows=()
for i in $(seq "$repeat"); do
	for storm in 0 1; do
		for mode in 0 1; do
			args="isolcpus=nohz,domain,3 nohz_full=3 pwlocks=$mode pwtest=bench"
			args="$args pwbench_test=wait pwbench_storm=$storm bench_run=$i"
			# shellcheck disable=SC2086
			"$REPO/scripts/boot.sh" "$variant" $args >&2 || die "benchmark boot failed: $args"
			# shellcheck disable=SC2086
			log=$(boot_log "$variant" $args)
			rows+=("mode=$mode storm=$storm $(grep -m1 -o 'PWBENCH op=wait.*' "$log" | tr -d '\r')")
		done
	done
done

echo
echo "Owner on isolated CPU 3 calling folio_add_lru() for 5 s, $variant, QEMU TCG 4 CPUs"
printf '%s\n' "${rows[@]}" | python3 -c '
import sys, collections, statistics
r = collections.defaultdict(list)
for line in sys.stdin:
    v = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    r["on" if v["mode"] == "1" else "off", v["storm"] == "1"].append(v)
print("%-4s %-9s %10s %18s %18s" % ("mode", "storm", "calls", "worst call us", "worst gap us"))
for (mode, storm), vs in sorted(r.items()):
    call = sorted(int(v["worst_call_ns"]) / 1000 for v in vs)
    gap = sorted(int(v["worst_gap_ns"]) / 1000 for v in vs)
    print("%-4s %-9s %10d %8.0f (max %6.0f) %8.0f (max %6.0f)" % (mode, "drains" if storm else "none",
          statistics.median(int(v["calls"]) for v in vs), statistics.median(call), call[-1],
          statistics.median(gap), gap[-1]))
print("(medians of %d boots, worst in parentheses)" % len(next(iter(r.values()))))
'

args="pwlocks=1 tsc=reliable pwtest=bench pwbench_test=irqwait pwbench_args=cpu=1"
# shellcheck disable=SC2086
BOOT_ACCEL=tcg,thread=single BOOT_QEMU_ARGS="-icount shift=0,sleep=off" BOOT_SMP=2 \
	"$REPO/scripts/boot.sh" "$variant" $args >&2 || die "benchmark boot failed: $args"
echo
echo "A drainer on CPU 0 waiting 20 ms for CPU 1's lock, QEMU -icount (1 ns = 1 instruction), 2 CPUs"
# shellcheck disable=SC2086
grep -o 'PWBENCH op=irqwait.*' "$(boot_log "$variant" $args)" | tr -d '\r' | python3 -c '
import sys
print("%-18s %10s %22s %14s" % ("wait in", "wait us", "10 us timer fired", "worst late us"))
for line in sys.stdin:
    v = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    print("%-18s %10.0f %22s %14.0f" % (v["lock"], int(v["wait_ns"]) / 1000,
          v["fires_while_waiting"], int(v["max_timer_late_ns"]) / 1000))
'
