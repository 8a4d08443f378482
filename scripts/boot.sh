#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh VARIANT [--expect-report=REGEX] [KERNEL ARGS...] - boot
# build/VARIANT under QEMU (TCG, 4 CPUs) with the test initramfs, wait for the
# guest's completion marker and fail on any kernel report in the console log.
# With --expect-report, the first kernel report must match REGEX instead (a
# negative control; dots stand for spaces).  pwtest=<tests> in the arguments
# picks the guest tests (default: smoke).  Log: build/logs/VARIANT/<args>.log
# Benchmarks set BOOT_SMP (default 4 CPUs), BOOT_ACCEL (default
# tcg,thread=multi; thread=single with CONFIG_JUMP_LABEL) and BOOT_QEMU_ARGS
# (e.g. -icount shift=0,sleep=off).
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: boot.sh VARIANT [--expect-report=REGEX] [KERNEL ARGS...]}; shift
expect=
case ${1:-} in
--expect-report=*)	expect=${1#--expect-report=}; shift ;;
esac
args="$*"
timeout=${BOOT_TIMEOUT:-180}
kernel=$BUILD/$variant/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no kernel for $variant: run scripts/build.sh $variant"
"$REPO/scripts/mkinitramfs.sh"

# A modular variant's modules ride along as a second archive (build.sh).
initrd=$BUILD/initramfs.cpio
if [ -f "$BUILD/$variant/modules.cpio" ]; then
	initrd=$BUILD/$variant/initrd.cpio
	cat "$BUILD/initramfs.cpio" "$BUILD/$variant/modules.cpio" > "$initrd"
fi

log=$(boot_log "$variant" $args)
mkdir -p "$(dirname "$log")"

# Static branches patched at run time under multi-threaded TCG occasionally
# leave a stale int3 behind: such kernels get single-threaded TCG.
accel=tcg,thread=multi
grep -q '^CONFIG_JUMP_LABEL=y' "$BUILD/$variant/.config" && accel=tcg,thread=single

# One boot, until the guest powers off or the timeout.  A QEMU TCG guest very
# occasionally hangs in early boot: if init has not started within 90 s, the
# boot is retried once.  Anything that reached init is judged as is.
qemu() {
	# shellcheck disable=SC2086
	timeout --foreground "$timeout" qemu-system-x86_64 \
		-accel "${BOOT_ACCEL:-$accel}" ${BOOT_QEMU_ARGS:-} \
		-smp "${BOOT_SMP:-4}" -m 1G -nodefaults -display none \
		-no-reboot -serial "file:$log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic $args" &
	local pid=$! t=0
	while kill -0 $pid 2>/dev/null; do
		if [ $t -ge 90 ] && ! grep -q '^PWTEST: kernel' "$log" 2>/dev/null; then
			kill $pid
			wait $pid
			return 1
		fi
		sleep 1
		t=$((t + 1))
	done
	wait $pid || true
}

start=$(date +%s.%N)
qemu || { echo "boot $variant [$args]: init did not start in 90s, retrying" >&2; qemu; } || true
secs=$(echo "$(date +%s.%N) - $start" | bc)
mode=$(sed -n 's/^PWTEST: pwlocks mode: //p' "$log" | tr -d '\r')

fail=
# KCSAN kernels: a data race in code the series adds or changes fails the
# boot, others are listed as the base's (scripts/kcsan-verdict.py); the rest
# of the log is judged as usual.
scan=$log
if grep -q '^CONFIG_KCSAN=y' "$BUILD/$variant/.config"; then
	"$REPO/scripts/kcsan-verdict.py" "$TREE" "$BASE_TAG" "$log" > "$log.kcsan" ||
		fail="KCSAN report in code the series adds or changes"
	grep -v ' 0 in code the series' "$log.kcsan" >&2 || true
	scan=$log.clean
fi
first_report=$(grep -m1 -E "$KERNEL_BAD" "$scan" || true)
if [ -n "$fail" ]; then
	:
elif [ -n "$expect" ] && ! echo "$first_report" | grep -qE "$expect"; then
	fail="expected a kernel report matching '$expect', first report: ${first_report:-none}"
	[ -z "$first_report" ] || grep -nE -B3 -A25 "$KERNEL_BAD" "$scan" | head -60 >&2
elif [ -z "$expect" ] && [ -n "$first_report" ]; then
	fail="kernel report in console log"
	grep -nE -B3 -A25 "$KERNEL_BAD" "$scan" | head -60 >&2
elif ! grep -q 'PWTEST-DONE' "$log"; then
	fail="no completion marker within ${timeout}s"
	tail -30 "$log" >&2
elif ! grep -q 'PWTEST-DONE rc=0' "$log"; then
	fail="guest test failed: $(grep 'PWTEST: FAIL' "$log" | tr -d '\r' | xargs)"
	grep -E '^PWTEST|FAIL|error' "$log" | tail -30 >&2
fi
printf 'boot %-16s %-44s %s (%.0fs, mode: %s) log: %s\n' "$variant" "[${args:-default}]" \
	"${fail:+FAIL: }${fail:-ok}" "$secs" "${mode:-?}" "${log#"$REPO"/}"
[ -z "$fail" ]
