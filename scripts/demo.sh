#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what the series changes, shown on a real kernel: set up, build the
# patched x86_64 guest (PWLOCKS=y, with the osnoise tracer), boot it with CPU 3
# isolated (isolcpus=nohz,domain,3 nohz_full=3) once forced off (pwlocks=0,
# today's behaviour) and once in the mode isolation selects (on), and in each
# run the interference probe (the kselftest pwlocks:drain_isolated, guest/
# pwtest-probe) and rt-tests' oslat with the osnoise tracer during a drain
# storm (guest/pwtest-oslat).  Prints them side by side, plots the isolated
# CPU's worst gap per round off vs on (build/demo/worst-gap.png, gnuplot),
# then the probe's totals for every form of isolation, a cpuset partition
# included.
#
# The demo fails (exit status 1) on what the series owns: a drain work item
# or bh LRU IPI on CPU 3 with PW locks on, or a drain the probe could not
# see with them off.  Other noise on CPU 3 (vmstat_update in a run-time
# partition, the module unload's own IPIs) is reported, not judged.
# DEMO_NEGATIVE_CONTROL=1 shows that it does fail: only the on boot, with PW
# locks on (pwlocks=1) but CPU 3 left a housekeeping CPU, whose caches drains
# empty with work items there as in the base.  The probe, told CPU 3 is its
# isolated CPU, counts them and fails the boot; the control exits 0 if the
# demo failed for that reason and 1 if it passed or failed for another.
. "$(dirname "$0")/lib.sh"

V=x86-pw-osnoise
ISOL="isolcpus=nohz,domain,3 nohz_full=3"
# Under TCG the TSC drifts against the HPET when the host is loaded; the
# clocksource watchdog then marks it unstable, which keeps the tick on every
# nohz_full CPU from then on, in whichever boot it happens.  tsc=reliable,
# as real-time tuning guides advise, keeps the two modes comparable.
CLOCK=tsc=reliable
out=$BUILD/demo
"$REPO/scripts/setup.sh"
"$REPO/scripts/build.sh" $V
mkdir -p "$out"

declare -A log
modes="off on"
[ "${DEMO_NEGATIVE_CONTROL:-0}" = 1 ] && modes=on
for mode in $modes; do
	args="$ISOL $CLOCK pwtest=probe,probefifo,oslat pwprobe_verbose=1"
	[ $mode = off ] && args="$ISOL pwlocks=0 ${args#"$ISOL "}"
	[ "${DEMO_NEGATIVE_CONTROL:-0}" = 1 ] && args="pwlocks=1 ${args#"$ISOL "}"
	# shellcheck disable=SC2086
	log[$mode]=$(boot_log $V $args)
	if [ "${DEMO_NEGATIVE_CONTROL:-0}" = 1 ]; then
		# shellcheck disable=SC2086
		"$REPO/scripts/boot.sh" $V $args >&2 &&
			die "negative control: the demo passed with drain work on CPU 3"
		why=$(tr -d '\r' < "${log[on]}" | grep -m1 -E 'PW locks on, yet [1-9][0-9]* drain work') ||
			die "negative control: the demo failed, but not over drain work on CPU 3"
		echo "negative control: the demo fails as it must: ${why#*# }"
		exit 0
	fi
	# shellcheck disable=SC2086
	"$REPO/scripts/boot.sh" $V $args >&2 || die "boot [$args] failed"
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }
# probe_lines LOG KIND: the probe's per-entry lines of the SCHED_OTHER or
# SCHED_FIFO run (the test's header line names the spinner).
probe_lines() {
	tr -d '\r' < "$1" | awk -v k="$2" '/PW locks .*, isolated CPU/ { on = ($0 ~ "spinner " k) }
		on && /PROBE entry=/'
}
echo
echo "PW locks, x86_64 QEMU (TCG), 4 CPUs, CPU 3 isolated; a task on CPU 3 refills"
echo "its LRU, mlock and buffer-head caches (memfd, mlock, ext2 and a block device)"
echo "and its slab sheaves (pipes, files, a test module's cache with kfree_rcu), then"
echo "spins while CPU 0 makes the kernel drain or flush all CPUs (kselftest"
echo "pwlocks:drain_isolated)."
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
			l=$(probe_lines "${log[$mode]}" $kind | grep " entry=$entry ")
			printf '  %-17s %-4s %5s %4s %6s %7sus %7sus %8sus %8sus\n' "$entry" "$mode" \
				"$(field drain_work "$l")" "$(field bh_ipi "$l")" "$(field invol_cs "$l")" \
				"$(field gap_us_p50 "$l")" "$(field gap_us_max "$l")" \
				"$(field trigger_us_p50 "$l")" "$(field trigger_us_max "$l")"
		done
	done
done
echo
echo "Per entry point (SCHED_OTHER: 100 rounds, SCHED_FIFO: 5): work = drain work"
echo "items that ran on CPU 3 (lru_add_drain_per_cpu; slab: flush_cpu_sheaves,"
echo "flush_rcu_sheaf); ipi = bh LRU IPIs there; invol = the spinner's involuntary"
echo "context switches; gap = per round, the spinner's worst gap between two clock"
echo "reads (median and worst round); drain = time of the triggering syscall on"
echo "CPU 0 (median and worst round).  slab_shrink: every cache's"
echo "/sys/kernel/slab/*/shrink; cache_destroy: the module's cache destroyed and"
echo "created again; module_unload: rmmod, so kmem_cache_destroy() and"
echo "kvfree_rcu_barrier()."

# oslat and osnoise, same boots
echo
echo "rt-tests oslat on CPU 3, 10 rounds of 3 s, each with one drain storm (compaction,"
echo "drop_caches, every slab cache shrunk) from CPU 0 1 s in; the osnoise tracer on"
echo "CPU 3 (NO_OSNOISE_WORKLOAD) from 0.8 to about 2.1 s, oslat's own threads and"
echo "the idle task left out:"
printf '  %-4s %12s %12s %12s %14s  %s\n' mode "oslat p50" "oslat max" "noise total" \
	"noise events" "by source (count, total)"
declare -A oslat_max noise_us
for mode in off on; do
	lat=$(tr -d '\r' < "${log[$mode]}" | sed -n 's/^OSLAT .* max_us=\([0-9]*\)$/\1/p' | sort -n)
	n=$(wc -l <<< "$lat")
	oslat_max[$mode]=$(tail -1 <<< "$lat")
	noise=$(tr -d '\r' < "${log[$mode]}" | grep '^NOISE ')
	noise_us[$mode]=$(sed -n 's/.* total_us=\([0-9]*\)/\1/p' <<< "$noise" | paste -sd+ | bc)
	events=$(sed -n 's/.* count=\([0-9]*\) .*/\1/p' <<< "$noise" | paste -sd+ | bc)
	sources=$(sed -E 's/.* source=([^ ]*) count=([0-9]*) total_us=([0-9]*)/\3 \1 \2/' <<< "$noise" |
		sort -rn | head -4 | awk '{ printf "%s%s %d, %dus", (NR > 1 ? "; " : ""), $2, $3, $1 }')
	printf '  %-4s %10sus %10sus %10sus %14s  %s\n' $mode "$(sed -n "$(((n + 1) / 2))p" <<< "$lat")" \
		"${oslat_max[$mode]}" "${noise_us[$mode]}" "$events" "$sources"
done
printf '  ratio off/on: oslat max %.1fx, noise total %.1fx\n' \
	"$(echo "${oslat_max[off]} / ${oslat_max[on]}" | bc -l)" \
	"$(echo "${noise_us[off]} / ${noise_us[on]}" | bc -l)"
echo "(QEMU TCG emulates the CPUs: absolute microseconds are emulated time, several"
echo " times what hardware shows; the claim is the ratio between the modes, same"
echo " kernel, same boot parameters but pwlocks=0.)"

# The plot: every round's worst gap, off vs on.  Only whole GAP lines count
# (the console interleaves kernel messages); x is the entry point's place
# times the rounds plus the round.
for mode in off on; do
	tr -d '\r' < "${log[$mode]}" | awk '/PW locks .*, isolated CPU/ { on = /spinner SCHED_OTHER/ }
		on && match($0, /GAP entry=[a-z_]+ mode=[a-z]+ round=[0-9]+ gap_us=[0-9.]+$/) {
			split(substr($0, RSTART), f, /[ =]/)
			if (!(f[3] in place)) { place[f[3]] = n++; print f[3] > "/dev/stderr" }
			print place[f[3]] * 100 + f[7], f[9], f[3] }' \
		> "$out/gaps-$mode.dat" 2> "$out/entries-$mode"
done
xtics=$(awk '{ printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), $1, (NR - 1) * 100 + 50 }' "$out/entries-on")
gnuplot <<GP
set terminal pngcairo size 1100,520 font ",10" noenhanced
set output "$out/worst-gap.png"
set title "Isolated CPU 3: the spinner's worst gap per round while CPU 0 drains all CPUs (QEMU TCG)"
set ylabel "worst gap in the round (us, log scale)"
set xlabel "round, by drain entry point (100 rounds each)"
set logscale y
set grid ytics
set key top left
set xtics ($xtics) font ",8"
plot "$out/gaps-off.dat" using 1:2 with points pt 7 ps 0.5 lc rgb "#c0392b" title "pwlocks=0 (off: drain work queued on CPU 3)", \
     "$out/gaps-on.dat" using 1:2 with points pt 7 ps 0.5 lc rgb "#2471a3" title "on (the draining CPU takes CPU 3's lock)"
GP
echo
echo "Plot of every round's worst gap, off vs on: ${out#"$REPO"/}/worst-gap.png"
echo "Logs: ${log[off]#"$REPO"/}"
echo "      ${log[on]#"$REPO"/}"

# Every form of isolation, off and on: totals over the entry points.
# sum FIELD: FIELD summed over the entry points of the probe log $l.
sum() { probe_lines "$l" SCHED_OTHER | sed -n "s/.* $1=\([0-9]*\).*/\1/p" | paste -sd+ | bc; }
echo
echo "Every form of isolation of CPU 3 (100 rounds per entry point, 7 entry points):"
printf '  %-44s %-4s %6s %5s %6s %-s\n' "isolation" mode work ipi invol "other functions on CPU 3"
# The partition is made at run time, on a kernel booted with nothing isolated:
# on is pwlocks=auto, which makes CPU 3 ready when the partition isolates it.
for form in "nohz_full=3" "isolcpus=nohz,3" "isolcpus=domain,3" "$ISOL" \
	    "cpuset partition at run time"; do
	for mode in off on; do
		if [ "$form" = "cpuset partition at run time" ]; then
			args="pwlocks=$([ $mode = on ] && echo auto || echo 0) $CLOCK pwtest=partition"
		else
			args="$form $CLOCK pwtest=probe"
			[ $mode = off ] && args="$form pwlocks=0 $CLOCK pwtest=probe"
		fi
		# shellcheck disable=SC2086
		"$REPO/scripts/boot.sh" $V $args >&2 || die "boot [$args] failed"
		# shellcheck disable=SC2086
		l=$(boot_log $V $args)
		other=$(probe_lines "$l" SCHED_OTHER | sed -n 's/.* other: \(.*\)/\1/p' | sed 's/ ran:.*//' |
			tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd' ')
		printf '  %-44s %-4s %6s %5s %6s %-s\n' "$form" "$mode" "$(sum drain_work)" \
			"$(sum bh_ipi)" "$(sum invol_cs)" "${other:--}"
	done
done
echo "(other: work items and IPI callbacks that are not drains; e.g. vmstat_update"
echo " reaches CPUs that are not domain-isolated, and a run-time partition where it"
echo " was already running, and the module unload itself sends TLB flush and"
echo " rcu_barrier() IPIs to every CPU; on: the involuntary switches are the module"
echo " unload's too, or vmstat_update.  Reported, not judged: the demo fails only on"
echo " drain work with PW locks on.  make census lists them all.)"
