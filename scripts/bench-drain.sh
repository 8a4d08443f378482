#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-drain.sh - what one lru_add_drain_all() costs its caller, PW locks
# off vs on, on the same kernel, as the number of CPUs holding batched folios
# grows: QEMU TCG with BENCH_CPUS (default "2 4 8 16") vCPUs, all but CPU 0
# isolated (isolcpus=nohz,domain,1-N nohz_full=1-N), so that with PW locks on
# CPU 0 drains every other CPU itself, and off queues work on each.
# guest/pwtest-drainbench times 1000 calls, every CPU holding batched folios
# and busy; BENCH_REPEAT (default 2) alternating boots per mode and size.
# Prints the medians and spread, the ratio off/on, and the per-CPU slope of
# each mode, from which bigger machines are extrapolated.  Absolute times are
# emulated (2 host cores run all the vCPUs); the ratios are the claim.
#
# BENCH_AGAINST=<commit of linux/> (v7-backup, say) also builds that version
# of the series in build/against/ and boots it with PW locks on beside this
# one's on boots: the "ref" rows, and on/ref per size.
#
# Then, exactly: PW locks on (and ref) once more per size under QEMU -icount
# (single-threaded TCG, 1 ns per instruction): the refilling threads sleep
# during a drain, so a call's time is CPU 0's instructions.
. "$(dirname "$0")/lib.sh"

variant=x86-pw-bench
repeat=${BENCH_REPEAT:-2}
"$REPO/scripts/build-bench.sh" "$variant" >&2
modes="0 1"
if [ -n "${BENCH_AGAINST:-}" ]; then
	ref_tree=$(worktree against)
	git -C "$ref_tree" checkout -q --detach "$(git -C "$TREE" rev-parse "$BENCH_AGAINST")"
	PW_TREE=$ref_tree PW_BUILD=$BUILD/against/build "$REPO/scripts/build-bench.sh" "$variant" >&2
	modes="0 1 ref"
fi
results=()
for n in ${BENCH_CPUS:-2 4 8 16}; do
	isol="isolcpus=nohz,domain,1-$((n - 1)) nohz_full=1-$((n - 1))"
	for i in $(seq "$repeat"); do
		for mode in $modes; do
			build=$BUILD
			[ "$mode" = ref ] && build=$BUILD/against/build
			args="$isol pwlocks=${mode/ref/1} pwtest=drainbench bench_run=$i"
			# shellcheck disable=SC2086
			PW_BUILD=$build BOOT_SMP=$n BOOT_TIMEOUT=600 "$REPO/scripts/boot.sh" "$variant" $args >&2 ||
				die "benchmark boot failed ($mode): $args"
			# shellcheck disable=SC2086
			results+=("$(grep -m1 '^DRAINBENCH' "$(BUILD=$build boot_log "$variant" $args)" |
				tr -d '\r' | sed "s/mode=on/mode=${mode/1/on}/")")
		done
	done
done

echo
echo "lru_add_drain_all() via BLKFLSBUF, $variant, QEMU TCG, CPUs 1.. isolated (microseconds per call)"
printf '%-5s %-4s %9s %9s %9s %9s %9s\n' cpus mode min p10 p50 p90 max
printf '%s\n' "${results[@]}" | python3 -c '
import sys, collections
p50 = collections.defaultdict(list)
for line in sys.stdin:
    v = dict(kv.split("=", 1) for kv in line.split()[1:])
    print("%-5s %-4s %9s %9s %9s %9s %9s" % (v["cpus"], v["mode"], v["us_min"], v["us_p10"],
          v["us_p50"], v["us_p90"], v["us_max"]))
    p50[int(v["cpus"]), v["mode"]].append(float(v["us_p50"]))
med = {k: sum(x) / len(x) for k, x in p50.items()}
sizes = sorted({c for c, _ in med})
print()
print("%-5s %12s %12s %8s" % ("cpus", "off p50", "on p50", "off/on"))
for c in sizes:
    print("%-5s %10.1fus %10.1fus %8.2f" % (c, med[c, "off"], med[c, "on"], med[c, "off"] / med[c, "on"]))
if any(m == "ref" for _, m in med):
    print()
    print("%-5s %12s %12s %8s" % ("cpus", "ref on p50", "on p50", "on/ref"))
    for c in sizes:
        print("%-5s %10.1fus %10.1fus %8.2f" % (c, med[c, "ref"], med[c, "on"], med[c, "on"] / med[c, "ref"]))
if len(sizes) > 1:
    lo, hi = sizes[0], sizes[-1]
    for mode in sorted({m for _, m in med}):
        print("per extra CPU, %s: %.1fus (%d to %d CPUs)" % (mode, (med[hi, mode] - med[lo, mode]) / (hi - lo), lo, hi))
'

echo
echo "PW locks on, instructions per lru_add_drain_all() (QEMU -icount: 1 ns = 1 instruction; median)"
for n in ${BENCH_CPUS:-2 4 8 16}; do
	isol="isolcpus=nohz,domain,1-$((n - 1)) nohz_full=1-$((n - 1))"
	line="cpus=$n"
	for mode in ${modes#0 }; do
		build=$BUILD
		[ "$mode" = ref ] && build=$BUILD/against/build
		args="$isol pwlocks=1 pwtest=drainbench bench_run=icount"
		# shellcheck disable=SC2086
		PW_BUILD=$build BOOT_ACCEL=tcg,thread=single BOOT_QEMU_ARGS="-icount shift=0,sleep=off" \
			BOOT_SMP=$n BOOT_TIMEOUT=900 "$REPO/scripts/boot.sh" "$variant" $args >&2 ||
			die "benchmark boot failed ($mode, icount): $args"
		# shellcheck disable=SC2086
		us=$(grep -m1 '^DRAINBENCH' "$(BUILD=$build boot_log "$variant" $args)" |
			sed -n 's/.* us_p50=\([0-9.]*\).*/\1/p')
		line="$line ${mode/1/on}=$(echo "$us * 1000 / 1" | bc)"
	done
	echo "$line"
done
