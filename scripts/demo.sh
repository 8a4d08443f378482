#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what the series changes, shown on a real kernel: set up, build the
# patched x86_64 guest (PWLOCKS=y), boot it with CPU 3 isolated in off mode
# (pwlocks=0) and in the mode isolation selects, and summarise both boots.
. "$(dirname "$0")/lib.sh"

ISOL="isolcpus=nohz,domain,3 nohz_full=3"
"$REPO/scripts/setup.sh"
"$REPO/scripts/build.sh" x86-pw

summary=()
for args in "$ISOL pwlocks=0" "$ISOL"; do
	# shellcheck disable=SC2086
	"$REPO/scripts/boot.sh" x86-pw $args pwtest=smoke >&2 || die "boot [$args] failed"
	slug=$(echo "$args pwtest=smoke" | tr -c 'A-Za-z0-9=,.\n-' _)
	log=$BUILD/logs/x86-pw/$slug.log
	summary+=("$(printf '%-44s %s' "[$args]" \
		"$(sed -n 's/^PWTEST: pwlocks mode: //p' "$log" | tr -d '\r')")")
	why=$(grep -m1 -E 'pwlocks: ' "$log" | tr -d '\r' | sed 's/^\[[^]]*\] //' || true)
	[ -z "$why" ] || summary+=("$(printf '%-44s %s' "" "boot log: $why")")
done

echo
echo "PW locks on x86_64 QEMU (4 CPUs, CPU 3 isolated):"
printf '%s\n' "${summary[@]}"
