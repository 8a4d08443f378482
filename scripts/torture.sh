#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# torture.sh [SECONDS] - locktorture's pw_* types for SECONDS each (default
# 600; make test runs 10), under lockdep, with PW locks on and off, without
# and with PREEMPT_RT, CPUs going offline and online meanwhile
# (guest/pwtest-torture).  Each run must end "End of test: SUCCESS".
. "$(dirname "$0")/lib.sh"

secs=${1:-600}
export BOOT_TIMEOUT=$((3 * secs + 300))
rc=0
for v in x86-pw-lockdep-modules x86-pw-lockdep-modules-rt; do
	"$REPO/scripts/build.sh" "$v"
	for mode in pwlocks=0 pwlocks=1; do
		"$REPO/scripts/boot.sh" "$v" $mode pwtest=torture pwtorture_seconds="$secs" || rc=1
		grep -a 'PWTEST: torture' "$(boot_log "$v" $mode pwtest=torture pwtorture_seconds="$secs")" |
			sed 's/ \[debug\].*//; s/ acq_writer_lim.*//'
	done
done
exit $rc
