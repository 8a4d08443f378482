#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what the series changes, shown on a real kernel: set up, build the
# patched x86_64 guest (PWLOCKS=y), boot it with CPU 3 isolated
# (isolcpus=nohz,domain,3 nohz_full=3) once forced to off mode (pwlocks=0,
# today's behaviour) and once in the mode isolation selects (on), run the
# interference probe in each, and print the two side by side.
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
	log[$mode]=$BUILD/logs/x86-pw/$(echo "$args" | tr -c 'A-Za-z0-9=,.\n-' _).log
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }
echo
echo "PW locks, x86_64 QEMU (TCG), 4 CPUs, CPU 3 isolated; a task on CPU 3 refills"
echo "its LRU/mlock batches, then spins while CPU 0 makes the kernel drain all CPUs."
for mode in off on; do
	echo "  $mode: $(grep -m1 -o 'pwlocks: .* mode ([^)]*)' "${log[$mode]}")"
done
for kind in SCHED_OTHER SCHED_FIFO; do
	echo
	echo "spinner $kind:"
	printf '  %-17s | %-34s | %-34s\n' "" "off (pwlocks=0, today)" "on (isolation selects it)"
	printf '  %-17s | %6s %5s %9s %10s | %6s %5s %9s %10s\n' entry point \
		"work" "invol" "gap max" "drain p50" "work" "invol" "gap max" "drain p50"
	for entry in compact_memory drop_caches fadvise_dontneed blkflsbuf; do
		row=$(printf '  %-17s' "$entry")
		for mode in off on; do
			l=$(awk -v k="$kind" '/^PROBE mode=/ { on = ($0 ~ "spinner=" k) }
				on && /^PROBE entry=/' "${log[$mode]}" | grep " entry=$entry " | tr -d '\r')
			row+=$(printf ' | %6s %5s %7sus %8sus' "$(field lru_work "$l")" \
				"$(field invol_cs "$l")" "$(field gap_us_max "$l")" \
				"$(field trigger_us_p50 "$l")")
		done
		echo "$row"
	done
done
echo
echo "work: LRU/mlock drain work items run on CPU 3; invol: the spinner's involuntary"
echo "context switches; gap max: its worst gap between two clock reads; drain p50: median"
echo "time of the triggering syscall on CPU 0.  Logs: ${log[off]#"$REPO"/}, ${log[on]#"$REPO"/}"
