#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# race-control.sh - the controls of pwtest=isorace (make test-full): the
# same test on two kernels that differ from the series only in pw_queue_on(),
# built in a worktree of linux/ at its HEAD (build/race/):
#   v7  the decision's SRCU read-side section ends before queue_work_on(), as
#       v7 had it, and a caller that decided to queue sleeps 100 ms in
#       between, as a preempted one would: work must reach CPU 3 while it is
#       isolated, and the test must fail for that reason;
#   v8  the same 100 ms spent inside the section (mdelay()): the isolation
#       update's synchronize_srcu() waits for it, and the boot must pass.
# Without the delay the window is a few instructions wide, which the test has
# not been seen to hit under TCG (README, section "The isolation race").
. "$(dirname "$0")/lib.sh"

[ -z "$(git -C "$TREE" status --porcelain)" ] || die "commit the kernel tree first"
wt=$(worktree race)
variant=x86-pw-lockdep-modules
args="pwlocks=1 tsc=reliable pwexpect=on pwtest=isorace"
rc=0
for order in v7 v8; do
	git -C "$wt" checkout -q --detach "$(git -C "$TREE" rev-parse HEAD)"
	git -C "$wt" reset -q --hard
	git -C "$wt" apply "$REPO/scripts/race-control-$order.diff"
	log "race control $order: $(sed -n 's/^+.*\/\* \(.*\) \*\//\1/p' "$REPO/scripts/race-control-$order.diff")"
	PW_TREE=$wt PW_BUILD=$BUILD/race/build "$REPO/scripts/build.sh" $variant
	out=$BUILD/race/build/logs/$variant/$(echo "$args" | tr -c 'A-Za-z0-9=,.\n-' _).log
	rm -f "$out"
	booted=0
	PW_TREE=$wt PW_BUILD=$BUILD/race/build "$REPO/scripts/boot.sh" $variant $args || booted=$?
	cp "$out" "$out.$order"
	grep -E '^ISORACE' "$out" || true
	if [ $order = v7 ]; then
		# the guest test fails, for the race, and the kernel reports nothing
		grep -q '^ISORACE FAIL .* drain work items ran on CPU 3 while it was isolated' "$out" &&
			! grep -qE "$KERNEL_BAD" "$out" ||
			{ echo "race control v7: the test did not catch the race ($out.v7)" >&2; rc=1; }
	elif [ $booted != 0 ]; then
		echo "race control v8: the boot failed with the delay inside the section ($out.v8)" >&2
		rc=1
	fi
done
git -C "$wt" reset -q --hard
exit $rc
