#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cost-disasm.sh [VARIANT...] - compile bench/pw_cost.c with the exact flags
# of each variant (kbuild's saved command for kernel/fork.o, which is all of
# the variant this builds) and print the disassembly of its local_lock and
# pw_lock_local callers.  Default: PWLOCKS=n and =y, with static branches
# patched in as in distribution kernels (configs/jumplabel.config).
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- x86-nopw-jumplabel x86-pw-jumplabel
for variant in "$@"; do
	out=$BUILD/$variant
	"$REPO/scripts/build.sh" "$variant" kernel/fork.o
	cmd=$(sed -n 's/^savedcmd_kernel\/fork.o := //p' "$out/kernel/.fork.o.cmd" 2>/dev/null) ||
		true
	[ -n "$cmd" ] || die "$variant: no kernel/.fork.o.cmd after the build"
	cmd=${cmd%%;*}		# the compiler only, not objtool
	src=$(echo "$cmd" | grep -oE '[^ ]*kernel/fork\.c')
	cmd=${cmd//-Wp,-MMD,kernel\/.fork.o.d/}
	cmd=${cmd//-DKBUILD_MODFILE=\'\"kernel\/fork\"\'/}
	cmd=${cmd//-o kernel\/fork.o/-o $out/pw_cost.o}
	cmd=${cmd//$src/$REPO/bench/pw_cost.c}
	(cd "$out" && eval "$cmd")
	# As kbuild does at link time: static branches become NOPs.
	if grep -q '^CONFIG_HAVE_JUMP_LABEL_HACK=y' "$out/.config"; then
		"$out/tools/objtool/objtool" --hacks=jump_label "$out/pw_cost.o"
	fi
	echo "=== $variant ($(grep -E '^(# )?CONFIG_PWLOCKS[= ]' "$out/.config" || echo 'no CONFIG_PWLOCKS'))"
	objdump -dr --no-show-raw-insn "$out/pw_cost.o" |
		sed -n '/<cost_[a-z_]*>:/,/^$/p' | sed 's/^ *[0-9a-f]*:\t/    /'
done
