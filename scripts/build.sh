#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh VARIANT [MAKE TARGET...] - configure and build one guest variant:
# x86-* for x86_64 under QEMU, um-* for UML (benchmarks timed natively).
# Default target: the kernel (bzImage, or UML's linux), plus the modules (as
# build/VARIANT/modules.cpio) if the variant enables CONFIG_MODULES.
#
# A variant name lists its config fragments: "x86-pw-lockdep" is tinyconfig +
# configs/guest-x86_64.config + configs/pw.config + configs/lockdep.config,
# merged with the kernel's merge_config.sh, built in build/<variant>.  The
# fragment "base" builds the pristine base instead of the series.
# Every requested value must reach the final .config, except for symbols the
# tree does not define yet (so the same fragments build the plain base).
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build.sh VARIANT [TARGET...]}; shift
case $variant in
x86-*)	guest=guest-x86_64 image=bzImage ;;
um-*)	guest=guest-um image=linux; export ARCH=um ;;
*)	die "unknown variant '$variant' (expected x86|um-<fragment>[-<fragment>...])" ;;
esac
frags=("$REPO/configs/$guest.config")
for f in $(echo "${variant#*-}" | tr - ' '); do
	[ -f "$REPO/configs/$f.config" ] || die "variant $variant: no configs/$f.config"
	frags+=("$REPO/configs/$f.config")
done
out=$BUILD/$variant
cfg=$BUILD/.kconfig/$variant
# "base" builds the pristine base without the series, in its own worktree
# (unless the caller names a tree); build/VARIANT links to the result.
if [[ -$variant- == *-base-* ]] && [ -z "${PW_TREE:-}" ]; then
	TREE=$(worktree base)
	git -C "$TREE" checkout -q --detach "$BASE_TAG"
	out=$BUILD/base/build/$variant
	mkdir -p "$out"
	ln -sfn "base/build/$variant" "$BUILD/$variant"
fi
mkdir -p "$out" "$cfg"

# Generate the config in a scratch objtree; install it only if it changed,
# so an unchanged variant rebuilds nothing.
kmake "$cfg" tinyconfig
"$TREE/scripts/kconfig/merge_config.sh" -m -Q -O "$cfg" "$cfg/.config" "${frags[@]}" >/dev/null
kmake "$cfg" olddefconfig
PW_TREE=$TREE "$REPO/scripts/check-config.sh" "$cfg/.config" "${frags[@]}"
cmp -s "$cfg/.config" "$out/.config" || cp "$cfg/.config" "$out/.config"

targets=("${@:-$image}")
modular=
if [ $# = 0 ] && grep -q '^CONFIG_MODULES=y' "$out/.config"; then
	modular=y
	targets+=(modules)
fi
log "building $variant"
if ! kmake "$out" "${targets[@]}" > "$out/build.log" 2>&1; then
	grep -E 'error|warning' "$out/build.log" | head -40 >&2 || tail -40 "$out/build.log" >&2
	die "build of $variant failed (log: $out/build.log)"
fi

# Modules go to the guest as a second cpio archive, which the kernel unpacks
# over the test initramfs (scripts/boot.sh appends it).
# x86_64 guests also get the out-of-tree test modules of guest/kmod/, built
# from a copy under the build dir (the repository stays free of objects).
if [ -n "$modular" ]; then
	rm -rf "$out/modroot"
	kmake "$out" modules_install INSTALL_MOD_PATH="$out/modroot" >/dev/null
	if [ "$guest" = guest-x86_64 ]; then
		kmod=$(readlink -f "$out")/kmod
		mkdir -p "$kmod" && cp "$REPO"/guest/kmod/Kbuild "$REPO"/guest/kmod/*.c "$kmod/"
		{ kmake "$(readlink -f "$out")" M="$kmod" modules &&
		  kmake "$(readlink -f "$out")" M="$kmod" modules_install \
			INSTALL_MOD_PATH="$out/modroot"; } > "$out/kmod.log" 2>&1 ||
			{ cat "$out/kmod.log" >&2; die "guest/kmod does not build against $variant"; }
	fi
	(cd "$out/modroot" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out/modules.cpio"
fi
