#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-memcg.sh - what memcg's charge fast paths cost the owner CPU: base,
# PWLOCKS=n, and PWLOCKS=y booted off, with pwlocks=auto and CPU 1 isolated
# on a housekeeping CPU and on the isolated one, and on, side by side.
#
# bench/pw_bench.ko test=memcg, charging the memory cgroup /pwbench (made by
# guest/pwtest-bench), per call, min and median of 16 rounds of 3968 calls,
# preemption disabled: kmalloc(64) and kfree() with __GFP_ACCOUNT (the
# object stock's consume and refill, the page stock behind it once a page's
# worth), and a page allocated and freed without and with __GFP_ACCOUNT (the
# page stock's consume_stock() and refill_stock()).  Instructions, exactly:
# x86_64 under QEMU with -icount shift=0,sleep=off, JUMP_LABEL=y.  Its own
# kernels (the bench ones plus MEMCG): with MEMCG the LRU cost of
# bench-cost.sh would need charged folios, which a module cannot make.
. "$(dirname "$0")/lib.sh"

declare -A line
for k in base nopw pw; do
	"$REPO/scripts/build-bench.sh" "x86-$k-bench-jumplabel-memcg" >&2
done
line[base]=$(icount_run x86-base-bench-jumplabel-memcg pwbench_test=memcg)
line[nopw]=$(icount_run x86-nopw-bench-jumplabel-memcg pwbench_test=memcg)
line[off]=$(icount_run x86-pw-bench-jumplabel-memcg pwbench_test=memcg pwlocks=0)
line[auto-hk]=$(ICOUNT_SMP=2 icount_run x86-pw-bench-jumplabel-memcg pwbench_test=memcg pwlocks=auto isolcpus=1)
line[auto-iso]=$(ICOUNT_SMP=2 icount_run x86-pw-bench-jumplabel-memcg pwbench_test=memcg pwlocks=auto isolcpus=1 \
		 pwbench_cpu=1)
line[on]=$(icount_run x86-pw-bench-jumplabel-memcg pwbench_test=memcg pwlocks=1)

field() { sed -n "s/.*op=$1 .* $2=\([0-9]*\).*/\1/p" <<< "$3"; }
OPS="memcg_kmalloc memcg_kfree page_pair memcg_page_pair"
echo
echo "memcg charge paths, x86_64, QEMU -icount (instructions per call, min/p50, ratio of min to base), JUMP_LABEL=y:"
printf '  %-10s' kernel
for op in $OPS; do printf ' %22s' "$op"; done
echo
declare -A base
for k in base nopw off auto-hk auto-iso on; do
	printf '  %-10s' "$k"
	for op in $OPS; do
		v=$(field "$op" min "${line[$k]}")
		[ -n "$v" ] || die "no $op in the $k run"
		b=${base[$op]:=$v}
		printf ' %6s/%-6s x%-6s' "$v" "$(field "$op" p50 "${line[$k]}")" \
			"$(echo "scale=3; $v / $b" | bc)"
	done
	echo
done
