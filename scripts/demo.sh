#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what the series changes, shown on a real kernel: set up, build the
# patched x86_64 guest (PWLOCKS=y), boot it with CPU 3 isolated
# (isolcpus=nohz,domain,3 nohz_full=3) once forced off (pwlocks=0, today's
# behaviour) and once in the mode isolation selects (on), run the
# interference probe in each, and print the two side by side; then the
# probe's totals for every form of isolation, a cpuset partition included.
. "$(dirname "$0")/lib.sh"

ISOL="isolcpus=nohz,domain,3 nohz_full=3"
"$REPO/scripts/setup.sh"
"$REPO/scripts/build.sh" x86-pw

declare -A log
for mode in off on; do
	args="$ISOL pwtest=probe,probefifo"
	[ $mode = off ] && args="$ISOL pwlocks=0 pwtest=probe,probefifo"
	# shellcheck disable=SC2086
	"$REPO/scripts/boot.sh" x86-pw $args >&2 || die "boot [$args] failed"
	# shellcheck disable=SC2086
	log[$mode]=$(boot_log x86-pw $args)
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }
echo
echo "PW locks, x86_64 QEMU (TCG), 4 CPUs, CPU 3 isolated; a task on CPU 3 refills"
echo "its LRU, mlock and buffer-head caches (tmpfs, mlock, ext2) and its slab sheaves"
echo "(a test module's cache, kmalloc-64, kfree_rcu), then spins while CPU 0 makes the"
echo "kernel drain or flush all CPUs."
for mode in off on; do
	echo "  $mode: $(grep -m1 -o 'pwlocks: o[nf]* ([a-z]*)' "${log[$mode]}")"
done
for kind in SCHED_OTHER SCHED_FIFO; do
	echo
	echo "spinner $kind:"
	printf '  %-17s %-4s %5s %4s %6s %9s %9s %10s %10s\n' "entry point" mode work ipi invol \
		"gap p50" "gap max" "drain p50" "drain max"
	for entry in compact_memory drop_caches fadvise_dontneed blkflsbuf \
		     slab_shrink cache_destroy module_unload; do
		for mode in off on; do
			l=$(awk -v k="$kind" '/^PROBE mode=/ { on = ($0 ~ "spinner=" k) }
				on && /^PROBE entry=/' "${log[$mode]}" | grep " entry=$entry " | tr -d '\r')
			printf '  %-17s %-4s %5s %4s %6s %7sus %7sus %8sus %8sus\n' "$entry" "$mode" \
				"$(($(field lru_work "$l") + $(field slab_work "$l")))" \
				"$(field bh_ipi "$l")" "$(field invol_cs "$l")" \
				"$(field gap_us_p50 "$l")" "$(field gap_us_max "$l")" \
				"$(field trigger_us_p50 "$l")" "$(field trigger_us_max "$l")"
		done
	done
done
echo
echo "Per entry point (SCHED_OTHER: 100 rounds, SCHED_FIFO: 5): work = drain work"
echo "items that ran on CPU 3 (LRU, mlock, bh LRU: lru_add_drain_per_cpu; slab:"
echo "flush_cpu_sheaves, flush_rcu_sheaf); ipi = bh LRU IPIs there;"
echo "invol = the spinner's involuntary context switches;"
echo "gap = per round, the spinner's worst gap between two clock reads (median and worst"
echo "round); drain = time of the triggering syscall on CPU 0 (median and worst round)."
echo "slab_shrink: kmalloc-64 and the module's cache shrunk through sysfs;"
echo "cache_destroy: the module's cache destroyed (and created again);"
echo "module_unload: rmmod, so kmem_cache_destroy() and kvfree_rcu_barrier()."
echo "Logs: ${log[off]#"$REPO"/}"
echo "      ${log[on]#"$REPO"/}"

# Every form of isolation, off and on: totals over the 7 entry points.
# sum FIELD: FIELD summed over the entry points of the probe log $l.
sum() { grep '^PROBE entry=' "$l" | tr -d '\r' | sed -n "s/.* $1=\([0-9]*\).*/\1/p" |
	paste -sd+ | bc; }
echo
echo "Every form of isolation of CPU 3 (100 rounds per entry point, 7 entry points):"
printf '  %-44s %-4s %6s %5s %6s %-s\n' "isolation" mode work ipi invol "other work on CPU 3"
for form in "nohz_full=3" "isolcpus=nohz,3" "isolcpus=domain,3" "$ISOL" "cpuset partition"; do
	for mode in off on; do
		if [ "$form" = "cpuset partition" ]; then
			args="pwlocks=$([ $mode = on ] && echo 1 || echo 0) pwtest=partition"
		else
			args="$form pwtest=probe"
			[ $mode = off ] && args="$form pwlocks=0 pwtest=probe"
		fi
		# shellcheck disable=SC2086
		"$REPO/scripts/boot.sh" x86-pw $args >&2 || die "boot [$args] failed"
		# shellcheck disable=SC2086
		l=$(boot_log x86-pw $args)
		other=$(grep '^PROBE entry=' "$l" | tr -d '\r' | sed -n 's/.*other_work: \(.*\) ran:.*/\1/p' |
			tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd' ')
		printf '  %-44s %-4s %6s %5s %6s %-s\n' "$form" "$mode" "$(($(sum lru_work) + $(sum slab_work)))" \
			"$(sum bh_ipi)" "$(sum invol_cs)" "${other:--}"
	done
done
echo "(other work: not drains; e.g. vmstat_update reaches CPUs that are not domain-isolated,"
echo " and the module unload itself sends TLB flush and rcu_barrier() IPIs to every CPU;"
echo " on: the involuntary switches are the module unload's too, or vmstat_update)"
