#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build an x86_64 kernel from tinyconfig + fragments, and the guest's
# initramfs (busybox-static, the static test programs, the jobs).
#   scripts/x86.sh [NAME [FRAGMENT...]]   (default: guest, the test kernel)
# The kernel lands in build/x86-NAME/arch/x86/boot/bzImage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NAME=${1:-guest}
shift || true
if [ $# -eq 0 ]; then
	set -- "$TOP/scripts/configs/x86-base.config" \
	       "$TOP/scripts/configs/x86-tracking.config" \
	       "$TOP/scripts/configs/x86-debug.config"
fi
TREE=${TREE:-$SRC}
O=$BUILD/x86-$NAME

# shellcheck disable=SC2086
apt_install $BUILD_DEPS busybox-static
[ "$TREE" != "$SRC" ] || bash "$TOP/scripts/tree.sh"
mkdir -p "$O"

stamp=$(cat "$@" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$O/.frag-stamp" 2>/dev/null)" != "$stamp" ] || [ ! -e "$O/.config" ]; then
	say "configuring $O (tinyconfig + $(basename -a "$@" | tr '\n' ' '))"
	make -s -C "$TREE" O="$O" ARCH=x86_64 tinyconfig >/dev/null
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$O" "$O/.config" "$@" >/dev/null
	make -s -C "$TREE" O="$O" ARCH=x86_64 olddefconfig >/dev/null
	# Every line of the fragments must have made it into the final config.
	missing=0
	for f in "$@"; do
		while read -r line; do
			case $line in
			CONFIG_*=n) want="# ${line%=n} is not set" ;;
			CONFIG_*) want=$line ;;
			*) continue ;;
			esac
			grep -qxF "$want" "$O/.config" || {
				say "warning: $line did not stick in $O/.config"
				missing=1
			}
		done < "$f"
	done
	[ "$missing" -eq 0 ] || say "(see the Kconfig dependencies of those options)"
	echo "$stamp" > "$O/.frag-stamp"
fi

say "building $O/arch/x86/boot/bzImage (ccache, -j$(nproc))"
start=$(date +%s)
make -C "$TREE" O="$O" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" bzImage 2>&1 |
	tee "$O/build.log" |
	grep -E '^\s+(CC|LD|AR)\s' | awk '{ n++; if (n % 200 == 0) printf "  ... %d objects (%s)\n", n, $2 }' >&2 || true
# Warnings from the files the series adds or touches (the log only has
# what was compiled this time).
grep -E '(gup_pin_tracking[^ :]*|mm/gup\.c|block/bio\.c|mm/page_alloc\.c|mm/debug\.c|mm/memory_hotplug\.c|mm/page_isolation\.c):[0-9]+:[0-9]+: warning' \
	"$O/build.log" >&2 && say "warning: the compiler warned about our files (above)"
make -s -C "$TREE" O="$O" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" bzImage ||
	die "kernel build failed in $O"
if grep -q '^CONFIG_GDB_SCRIPTS=y' "$O/.config"; then
	make -s -C "$TREE" O="$O" ARCH=x86_64 scripts_gdb ||
		die "make scripts_gdb failed in $O"
fi
say "kernel built in $(( $(date +%s) - start ))s: $(stat -c %s "$O/arch/x86/boot/bzImage") bytes"
