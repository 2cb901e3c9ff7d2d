#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the static guest programs and the initramfs:
# build/initramfs.cpio.gz with busybox, /init, /jobs and /bin/{gup_test,
# gup_pin_tracking}.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2086
apt_install $BUILD_DEPS busybox-static
bash "$TOP/scripts/tree.sh"
HDR=$BUILD/x86-headers
if [ ! -e "$HDR/.done" ] || [ "$SRC/.gpt-stamp" -nt "$HDR/.done" ]; then
	say "installing UAPI headers into $HDR"
	make -s -C "$SRC" O="$HDR" ARCH=x86_64 headers_install INSTALL_HDR_PATH="$HDR/usr"
	touch "$HDR/.done"
fi

ROOT=$BUILD/initramfs
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,jobs,proc,sys,dev,tmp,host,etc}
cp /bin/busybox "$ROOT/bin/busybox"
cp "$TOP/scripts/guest/init" "$ROOT/init"
chmod +x "$ROOT/init"
cp "$TOP"/scripts/guest/*.sh "$ROOT/jobs/"

ST=$SRC/tools/testing/selftests
CFLAGS="-static -O2 -Wall -I$HDR/usr/include -I$SRC -I$ST"
say "building static gup_test and gup_pin_tracking selftests"
# shellcheck disable=SC2086
gcc $CFLAGS -o "$ROOT/bin/gup_test" "$ST/mm/gup_test.c" "$ST/mm/vm_util.c" -lpthread
# shellcheck disable=SC2086
gcc $CFLAGS -o "$ROOT/bin/gup_pin_tracking" "$ST/mm/gup_pin_tracking.c"

(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$BUILD/initramfs.cpio.gz"
say "initramfs: $BUILD/initramfs.cpio.gz ($(stat -c %s "$BUILD/initramfs.cpio.gz") bytes)"
