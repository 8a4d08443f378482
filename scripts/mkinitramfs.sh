#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - build build/initramfs.cpio: busybox-static, guest/init, the
# guest's shell tests and its C programs compiled statically, and the series'
# kselftest (tools/testing/selftests/pwlocks, linked statically) installed by
# the kselftest Makefile at /kselftest with its runner; and, with the shared
# libraries they need, Debian's oslat (rt-tests) and stress-ng.
. "$(dirname "$0")/lib.sh"

out=$BUILD/initramfs.cpio
root=$BUILD/initramfs
ksft=$TREE/tools/testing/selftests
if [ -f "$out" ] &&
   [ -z "$(find "$REPO/guest" "$0" "$ksft/pwlocks" "$ksft/kselftest" -type f -newer "$out")" ]; then
	exit 0
fi

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$root/bin/busybox"
for applet in $(busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 755 "$REPO/guest/init" "$root/init"
for t in "$REPO"/guest/pwtest-*; do
	case $t in
	*.c)	gcc -static -O2 -Wall -Wextra -Werror -pthread -o "$root/bin/$(basename "$t" .c)" "$t" ;;
	*)	install -m 755 "$t" "$root/bin/" ;;
	esac
done
# Debian binaries with their libraries (ldd), at the same paths.
for bin in /usr/bin/oslat /usr/bin/stress-ng; do
	for f in "$bin" $(ldd "$bin" | grep -oE '/[^ ]+'); do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
done
make -s -C "$ksft" TARGETS=pwlocks LDFLAGS=-static O="$BUILD/kselftest" \
	KSFT_INSTALL_PATH="$root/kselftest" install >/dev/null
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
