#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-cost.sh - what the owner CPU's LRU batch operations cost: base,
# PWLOCKS=n, and PWLOCKS=y booted off and on, and with pwlocks=auto and a CPU
# isolated, on a housekeeping CPU and on the isolated one, side by side.
#
# bench/pw_bench.ko times folio_add_lru() and the activation of LRU folios
# (folio_mark_accessed() -> folio_activate()), batch lock and amortised move
# included, and the slab fast path (kmalloc(64), kfree(), the pair,
# kmem_cache_alloc()/free(), and the same without sheaves), in cycles per call
# (min and median of 16 rounds of 3968 calls).
#  - Counted exactly: x86_64 under QEMU with -icount shift=0,sleep=off (the
#    TSC counts instructions, the same on every run), one CPU, on kernels
#    with static branches patched in (JUMP_LABEL=y, as distributions ship
#    them) and without (tinyconfig-like).
#  - Timed natively: UML (no static branch patching there), the host's TSC,
#    interleaved runs of the three kernels, BENCH_REPEAT (default 5) each.
# The ratios to base are the claim; absolute cycles depend on the host.
. "$(dirname "$0")/lib.sh"

repeat=${BENCH_REPEAT:-5}
# BENCH_JUMPLABEL_ONLY=1: leave out the JUMP_LABEL=n kernels (three builds);
# BENCH_ICOUNT_ONLY=1: leave out the UML timings (three more)
jls=("-jumplabel" "")
[ "${BENCH_JUMPLABEL_ONLY:-0}" = 1 ] && jls=("-jumplabel")
declare -A line runs

# One native UML run: the PWBENCH lines of VARIANT booted with ARGS.  The
# benchmark is built into these kernels (build_um) and runs as an initcall;
# without an init the kernel then stops.
um_run() {
	local variant=$1; shift
	local args="pw_bench.test=cost${*:+ $*}" log
	# shellcheck disable=SC2086
	log=$(boot_log "$variant" $args)
	mkdir -p "$(dirname "$log")"
	# shellcheck disable=SC2086
	timeout 120 "$BUILD/$variant/linux" mem=512M seccomp=on ncpus="${UM_CPUS:-1}" \
		init=/nonexistent \
		$args < /dev/null > "$log" 2>&1 || true
	grep -ho 'PWBENCH .*' "$log" | tr -d '\r' | grep . || die "no result from $variant $*: $log"
}

# A UML kernel with the benchmark built in: bench/pw_bench.c added to mm/ in
# a worktree of the base (um-base-bench) or of the series.
build_um() {
	local variant=$1 wt ref=$BRANCH
	wt=$(worktree umbench)
	[[ -$variant- != *-base-* ]] || ref=$BASE_TAG
	git -C "$wt" checkout -q --detach "$(git -C "$TREE" rev-parse "$ref")"
	cp "$REPO/bench/pw_bench.c" "$wt/mm/pw_bench.c"
	echo 'obj-y += pw_bench.o' >> "$wt/mm/Makefile"
	PW_TREE=$wt "$REPO/scripts/build.sh" "$variant" >&2
	git -C "$wt" checkout -q -- mm/Makefile
	rm -f "$wt/mm/pw_bench.c"
}

field() { sed -n "s/.*op=$1 .* $2=\([0-9]*\).*/\1/p" <<< "$3"; }

# The remote section of a drain: what an isolated CPU's task may wait for.
holds() {
	local k
	echo "  remote section (take a CPU's PW lock irqsave, move a full batch out, unlock):"
	for k in "$@"; do
		printf '    %-26s %6s\n' "$k" "$(field remote_section min "${line[$k]}")"
	done
}

table() {
	local title=$1; shift
	echo
	echo "$title"
	printf '  %-28s %22s %22s\n' "kernel" "folio_add_lru min/p50" "folio_activate min/p50"
	local k base_add base_act add act
	for k in "$@"; do
		add=$(field folio_add_lru min "${line[$k]}") act=$(field folio_activate min "${line[$k]}")
		[ -n "${base_add:-}" ] || { base_add=$add; base_act=$act; }
		printf '  %-28s %10s/%-5s x%-5s %10s/%-5s x%-5s\n' "$k" \
			"$add" "$(field folio_add_lru p50 "${line[$k]}")" \
			"$(echo "scale=3; $add / $base_add" | bc)" \
			"$act" "$(field folio_activate p50 "${line[$k]}")" \
			"$(echo "scale=3; $act / $base_act" | bc)"
	done
}

# The slab fast path, the same kernels: each operation's minimum and its
# ratio to the first kernel's; then, per kernel, what a cache without sheaves
# costs (a CPU whose sheaves are left unused pays that).
SLAB_OPS="kmalloc kfree kmalloc_kfree cache_alloc cache_free"
slab_table() {
	local title=$1; shift
	local k op v b
	declare -A base
	echo
	echo "$title"
	printf '  %-20s' kernel
	for op in $SLAB_OPS nosheaf_alloc nosheaf_free; do printf ' %14s' "$op"; done
	echo
	for k in "$@"; do
		printf '  %-20s' "$k"
		for op in $SLAB_OPS nosheaf_alloc nosheaf_free; do
			v=$(field "$op" min "${line[$k]}")
			b=${base[$op]:=$v}
			printf ' %6s x%-6s' "$v" "$(echo "scale=3; $v / $b" | bc)"
		done
		echo
	done
}

for jl in "${jls[@]}"; do
	for k in base nopw pw; do
		"$REPO/scripts/build-bench.sh" "x86-$k-bench$jl" >&2
	done
	line[base$jl]=$(icount_run "x86-base-bench$jl")
	line[nopw$jl]=$(icount_run "x86-nopw-bench$jl")
	line[off$jl]=$(icount_run "x86-pw-bench$jl" pwlocks=0)
	line[on$jl]=$(icount_run "x86-pw-bench$jl" pwlocks=1)
	# pwlocks=auto with CPU 1 isolated: on CPU 0, which is not ready, and on
	# CPU 1 (two vCPUs: the idle one adds no instructions to the count)
	line[auto-hk$jl]=$(ICOUNT_SMP=2 icount_run "x86-pw-bench$jl" pwlocks=auto isolcpus=1)
	line[auto-iso$jl]=$(ICOUNT_SMP=2 icount_run "x86-pw-bench$jl" pwlocks=auto isolcpus=1 \
			    pwbench_cpu=1)
done

table "x86_64, QEMU -icount (instructions per call, exact), JUMP_LABEL=y:" \
	base-jumplabel nopw-jumplabel off-jumplabel auto-hk-jumplabel auto-iso-jumplabel on-jumplabel
holds off-jumplabel auto-iso-jumplabel on-jumplabel
[ ${#jls[@]} = 1 ] ||
	table "x86_64, QEMU -icount (instructions per call, exact), JUMP_LABEL=n:" \
		base nopw off auto-hk auto-iso on
slab_table "Slab, x86_64, QEMU -icount (instructions per call, min), JUMP_LABEL=y:" \
	base-jumplabel nopw-jumplabel off-jumplabel auto-hk-jumplabel auto-iso-jumplabel on-jumplabel
[ ${#jls[@]} = 1 ] ||
	slab_table "Slab, x86_64, QEMU -icount (instructions per call, min), JUMP_LABEL=n:" \
		base nopw off auto-hk auto-iso on

[ "${BENCH_ICOUNT_ONLY:-0}" = 1 ] && exit 0

# Natively: UML kernels, interleaved, the best of BENCH_REPEAT runs each.
for k in base nopw pw; do
	build_um "um-$k-umbench"
done
for i in $(seq "$repeat"); do
	runs[base]+=$(um_run um-base-umbench)$'\n'
	runs[nopw]+=$(um_run um-nopw-umbench)$'\n'
	runs[off]+=$(um_run um-pw-umbench pwlocks=0)$'\n'
	runs[on]+=$(um_run um-pw-umbench pwlocks=1)$'\n'
	runs[auto-hk]+=$(UM_CPUS=2 um_run um-pw-umbench pwlocks=auto isolcpus=1)$'\n'
done
for k in base nopw off auto-hk on; do
	# the run with the lowest minimum, per operation
	line[um-$k]=$(for op in folio_add_lru folio_activate remote_section $SLAB_OPS \
			nosheaf_alloc nosheaf_free; do
		grep "op=$op " <<< "${runs[$k]}" | sort -t= -k5 -n | head -1
	done)
done
# UML's auto-hk: two CPUs, CPU 1 isolated and ready, the benchmark on CPU 0
table "UML on this host's CPU (cycles per call, best of $repeat interleaved runs), no static branches:" \
	um-base um-nopw um-off um-auto-hk um-on
holds um-off um-on
slab_table "Slab, UML on this host's CPU (cycles per call, best of $repeat interleaved runs):" \
	um-base um-nopw um-off um-auto-hk um-on
