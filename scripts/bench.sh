#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [VARIANT] - lru_add_drain_all() cost, off vs on mode, on the same
# kernel: boot VARIANT (default x86-pw) with pwlocks=0 and with pwlocks=1,
# alternately, BENCH_REPEAT times (default 2), each running
# guest/pwtest-drainbench (1000 timed calls, every CPU holding batched
# folios), and print the medians and spread side by side with their ratio.
. "$(dirname "$0")/lib.sh"

variant=${1:-x86-pw}
repeat=${BENCH_REPEAT:-2}
results=()
for i in $(seq "$repeat"); do
	for mode in 0 1; do
		"$REPO/scripts/boot.sh" "$variant" "pwlocks=$mode" pwtest=drainbench \
			"bench_run=$i" >&2 || die "benchmark boot failed"
		log=$BUILD/logs/$variant/pwlocks=${mode}_pwtest=drainbench_bench_run=$i.log
		results+=("$(grep -m1 '^DRAINBENCH' "$log" | tr -d '\r')")
	done
done

echo
echo "lru_add_drain_all() via BLKFLSBUF, $variant, QEMU TCG 4 CPUs (microseconds per call)"
printf '%-5s %-4s %7s %8s %8s %8s %8s\n' run mode min p10 p50 p90 max
printf '%s\n' "${results[@]}" | awk '
	{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		run = int((NR + 1) / 2)
		printf "%-5s %-4s %7s %8s %8s %8s %8s\n", run, v["mode"], v["us_min"],
		       v["us_p10"], v["us_p50"], v["us_p90"], v["us_max"]
		p50[v["mode"]] += v["us_p50"]; n[v["mode"]]++
	}
	END {
		if (n["on"] && n["off"])
			printf "median cost, off / on: %.2f (mean of %d run medians each)\n",
			       (p50["off"] / n["off"]) / (p50["on"] / n["on"]), n["on"]
	}'
