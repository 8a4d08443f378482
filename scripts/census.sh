#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# census.sh - what still reaches an isolated CPU from the memory manager, per
# form of isolation (nohz_full= alone, isolcpus=domain alone, both) and mode:
# boots x86-pw with guest/pwtest-census (the kselftest pwlocks:drain_isolated
# with -a, stress-ng on the housekeeping CPUs, stat_refresh, the overcommit
# sysctl) and prints, for every function that ran on CPU 3 (work items, IPI
# callbacks, timers), the entry points after which it did, per form and mode.
. "$(dirname "$0")/lib.sh"

V=x86-pw
FORMS=("nohz_full=3" "isolcpus=domain,3" "isolcpus=domain,3 nohz_full=3")
"$REPO/scripts/setup.sh"
"$REPO/scripts/build.sh" $V
"$REPO/scripts/mkinitramfs.sh"

data=$(mktemp)
trap 'rm -f "$data"' EXIT
col=0
for form in "${FORMS[@]}"; do
	for mode in off on; do
		col=$((col + 1))
		# tsc=reliable: see demo.sh (an unstable TSC keeps the tick on)
		args="$form tsc=reliable pwtest=census"
		[ $mode = off ] && args="$form pwlocks=0 tsc=reliable pwtest=census"
		# shellcheck disable=SC2086
		"$REPO/scripts/boot.sh" $V $args >&2 || die "boot [$args] failed"
		# shellcheck disable=SC2086
		# "col entry function" for every function, "col entry (drain work) N"
		tr -d '\r' < "$(boot_log $V $args)" | grep 'PROBE entry=' |
			awk -v c=$col '{ e = ""; for (i = 1; i <= NF; i++) {
				if ($i ~ /^entry=/) e = substr($i, 7)
				if ($i ~ /^drain_work=/ && substr($i, 12) > 0) print c, e, "(drain-work)"
				if ($i ~ /^bh_ipi=/ && substr($i, 8) > 0) print c, e, "(bh-LRU-IPI)"
				if ($i == "other:") o = 1; else if ($i == "ran:") o = 0
				else if (o) print c, e, $i }; o = 0 }' >> "$data"
	done
done

echo
echo "What ran on isolated CPU 3 (x86_64 QEMU TCG, 4 CPUs), by function, after which"
echo "entry points (3 rounds each; stress = stress-ng vm, mmap, madvise, memfd, mlock,"
echo "readahead, dentry on CPUs 0-2, 4 s a round):"
printf '%-26s' function
for form in "${FORMS[@]}"; do
	for mode in off on; do printf ' | %-22s' "${form//isolcpus=/} $mode"; done
done
echo
abbrev() { sed 's/compact_memory/cm/; s/drop_caches/dc/; s/fadvise_dontneed/fa/; s/slab_shrink/ss/;
	s/blkflsbuf/bf/; s/cache_destroy/cd/; s/module_unload/mu/; s/stat_refresh/sr/;
	s/overcommit/oc/; s/stress/st/'; }
for fn in $(awk '{ print $3 }' "$data" | sort -u); do
	printf '%-26s' "$fn"
	for c in $(seq 1 $col); do
		printf ' | %-22s' "$(awk -v c=$c -v f="$fn" '$1 == c && $3 == f { print $2 }' "$data" |
			abbrev | sort -u | paste -sd, | sed 's/^$/-/')"
	done
	echo
done
echo
echo "Entry points: cm compact_memory, dc drop_caches, fa fadvise, ss slab shrink,"
echo "bf BLKFLSBUF, cd cache destroy, mu module unload, sr stat_refresh write,"
echo "oc overcommit_memory 2 then 0, st stress-ng; (drain-work): the series' drain"
echo "work items (lru_add_drain_per_cpu, flush_cpu_sheaves, flush_rcu_sheaf)."
