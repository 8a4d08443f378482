#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh ARCH [KERNEL ARG...] - build KUnit (configs/kunit.config) with the
# kernel's kunit.py for ARCH (um: UML with 4 CPUs; x86_64: QEMU TCG with 4
# CPUs; x86_64-rt: the same with PREEMPT_RT), boot it with the given kernel
# arguments and judge the results: every expected suite must have run and
# every case passed (or skipped for the PW locks mode booted).
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: kunit.sh um|x86_64|x86_64-rt [KERNEL ARG...]}; shift
rt=
case $arch in
um)	out=$BUILD/um-kunit; run=(--kernel_args seccomp=on --kernel_args ncpus=4) ;;
x86_64)	out=$BUILD/x86-kunit; run=(--qemu_args "-smp 4")
	export PATH=$REPO/scripts/qemu-tcg:$PATH ;;
x86_64-rt)
	out=$BUILD/x86-rt-kunit; run=(--qemu_args "-smp 4") arch=x86_64 rt=y
	export PATH=$REPO/scripts/qemu-tcg:$PATH ;;
*)	die "unknown KUnit arch '$arch'" ;;
esac
mkdir -p "$out" "$BUILD/logs/kunit"

# Drop symbols the tree does not define yet, with their expectations.
kunitconfig=$out.kunitconfig expect=()
: > "$kunitconfig"
suite=
while read -r line; do
	case $line in
	"# expect: "*)	suite=${line#\# expect: }; continue ;;
	CONFIG_*)	sym=${line%%=*}
		if git -C "$TREE" grep -qE "^(menu)?config ${sym#CONFIG_}\$" -- '*Kconfig*'; then
			echo "$line" >> "$kunitconfig"
			[ -z "$suite" ] || expect+=("$suite")
		else
			echo "note: $sym is not defined in this tree (skipped)" >&2
		fi
		suite= ;;
	esac
done < "$REPO/configs/kunit.config"
[ -z "$rt" ] || printf '%s\n' CONFIG_EXPERT=y CONFIG_PREEMPT_RT=y >> "$kunitconfig"

kunit() {
	(cd "$TREE" && python3 tools/testing/kunit/kunit.py "$@" --arch="$arch" \
		--build_dir="$out")
}

log "building KUnit for $arch"
kunit build --kunitconfig="$kunitconfig" --make_options CC="ccache gcc" \
	--jobs="$JOBS" > "$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; die "KUnit build for $arch failed"; }

name=$arch${rt:+-rt}-$(echo "${*:-default}" | tr -c 'A-Za-z0-9=,.\n-' _)
raw=$BUILD/logs/kunit/$name.log
json=$BUILD/logs/kunit/$name.json
kargs=()
for a in "$@"; do kargs+=(--kernel_args "$a"); done
# A QEMU TCG guest very occasionally hangs in early boot, before any test
# runs (seen once in ~20 x86_64 boots): only that case, no KTAP output at
# all, is retried once.  Anything that reached the tests is judged as is.
for attempt in 1 2; do
	rm -f "$json"
	kunit exec "${run[@]}" "${kargs[@]}" --timeout=300 --raw_output=all > "$raw" 2>&1 || true
	grep -q '^KTAP version' "$raw" && break
	[ $attempt = 2 ] || echo "kunit $name: guest never reached the tests, retrying once" >&2
done
(cd "$TREE" && python3 tools/testing/kunit/kunit.py parse --json="$json" "$raw") > /dev/null 2>&1 || true
if grep -qE "$KERNEL_BAD" "$raw"; then
	grep -nE -B3 -A25 "$KERNEL_BAD" "$raw" | head -60 >&2
	echo "kunit $name: FAIL (kernel report in the log: build/logs/kunit/$name.log)"
	exit 1
fi
if ! "$REPO/scripts/kunit-verdict.py" "$json" "$raw" "${expect[@]}"; then
	grep -E 'not ok|Expected|crashed|error' "$raw" | head -30 >&2
	echo "log: build/logs/kunit/$name.log"
	exit 1
fi
