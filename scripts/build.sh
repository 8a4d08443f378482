#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh VARIANT [MAKE TARGET...] - configure and build one x86_64 guest variant.
# Default target: bzImage, plus the modules (as build/VARIANT/modules.cpio) if
# the variant enables CONFIG_MODULES.
#
# A variant name lists its config fragments: "x86-pw-lockdep" is tinyconfig +
# configs/guest-x86_64.config + configs/pw.config + configs/lockdep.config,
# merged with the kernel's merge_config.sh, built in build/<variant>.
# Every requested value must reach the final .config, except for symbols the
# tree does not define yet (so the same fragments build the plain base).
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build.sh VARIANT [TARGET...]}; shift
case $variant in
x86-*)	;;
*)	die "unknown variant '$variant' (expected x86-<fragment>[-<fragment>...])" ;;
esac
frags=("$REPO/configs/guest-x86_64.config")
for f in $(echo "${variant#x86-}" | tr - ' '); do
	[ -f "$REPO/configs/$f.config" ] || die "variant $variant: no configs/$f.config"
	frags+=("$REPO/configs/$f.config")
done
out=$BUILD/$variant
cfg=$BUILD/.kconfig/$variant
mkdir -p "$out" "$cfg"

# Generate the config in a scratch objtree; install it only if it changed,
# so an unchanged variant rebuilds nothing.
kmake "$cfg" tinyconfig
"$TREE/scripts/kconfig/merge_config.sh" -m -Q -O "$cfg" "$cfg/.config" "${frags[@]}" >/dev/null
kmake "$cfg" olddefconfig
"$REPO/scripts/check-config.sh" "$cfg/.config" "${frags[@]}"
cmp -s "$cfg/.config" "$out/.config" || cp "$cfg/.config" "$out/.config"

targets=("${@:-bzImage}")
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
if [ -n "$modular" ]; then
	rm -rf "$out/modroot"
	kmake "$out" modules_install INSTALL_MOD_PATH="$out/modroot" >/dev/null
	(cd "$out/modroot" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out/modules.cpio"
fi
