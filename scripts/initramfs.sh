#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the static guest programs and the initramfs:
# build/initramfs.cpio.gz with busybox, /init, /jobs and /bin/{gup_test,
# gup_pin_tracking, gup_pin_tracking_sort, hold_pins, pagefree}.
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
# Where the host's fio finds its libraries, seen from the guest's /host.
if command -v fio >/dev/null; then
	ldd "$(command -v fio)" | awk '$3 ~ /^\// { print $3 }' | xargs -r -n1 dirname |
		sort -u | sed 's|^|/host|' | paste -sd: > "$ROOT/jobs/hostlibs"
fi

ST=$SRC/tools/testing/selftests
CFLAGS="-static -O2 -Wall -I$HDR/usr/include -I$SRC -I$ST"
say "building static gup_test and gup_pin_tracking selftests"
# glibc and the UAPI headers both define a few macros: keep the noise in a log.
# shellcheck disable=SC2086
gcc $CFLAGS -o "$ROOT/bin/gup_test" "$ST/mm/gup_test.c" "$ST/mm/vm_util.c" \
	-lpthread 2> "$BUILD/gup_test.cc.log" ||
	{ cat "$BUILD/gup_test.cc.log" >&2; die "gup_test build failed"; }
# shellcheck disable=SC2086
gcc $CFLAGS -o "$ROOT/bin/gup_pin_tracking" "$ST/mm/gup_pin_tracking.c" \
	2> "$BUILD/gup_pin_tracking.cc.log" ||
	{ cat "$BUILD/gup_pin_tracking.cc.log" >&2; die "selftest build failed"; }
# shellcheck disable=SC2086
gcc $CFLAGS -o "$ROOT/bin/gup_pin_tracking_sort" "$SRC/tools/mm/gup_pin_tracking_sort.c" \
	2> "$BUILD/gup_pin_tracking_sort.cc.log" ||
	{ cat "$BUILD/gup_pin_tracking_sort.cc.log" >&2; die "gup_pin_tracking_sort build failed"; }
for prog in hold_pins pagefree; do
	# shellcheck disable=SC2086
	gcc $CFLAGS -o "$ROOT/bin/$prog" "$TOP/scripts/guest/$prog.c" \
		2> "$BUILD/$prog.cc.log" ||
		{ cat "$BUILD/$prog.cc.log" >&2; die "$prog build failed"; }
done

# Written aside and renamed: a guest booting meanwhile reads a whole file.
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$BUILD/initramfs.cpio.gz.tmp"
mv "$BUILD/initramfs.cpio.gz.tmp" "$BUILD/initramfs.cpio.gz"
say "initramfs: $BUILD/initramfs.cpio.gz ($(stat -c %s "$BUILD/initramfs.cpio.gz") bytes)"

# The benchmark's initramfs also carries fio and its libraries in /opt/fio,
# so that no 9p I/O (not instruction-timed under -icount) happens in a
# benchmark boot: the same archive with a second one appended.
if command -v fio >/dev/null; then
	F=$BUILD/initramfs-fio
	rm -rf "$F"
	mkdir -p "$F/opt/fio"
	for f in "$(command -v fio)" /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		 $(ldd "$(command -v fio)" | awk '$3 ~ /^\// { print $3 }'); do
		cp -L "$f" "$F/opt/fio/"
	done
	# make bench JOB=<fio job file>: the user's own job, run in every column.
	if [ -n "${BENCH_JOB:-}" ]; then
		mkdir -p "$F/jobs"
		cp "$BENCH_JOB" "$F/jobs/user.fio"
	fi
	(cd "$F" && find . | cpio -o -H newc --quiet | gzip -1) > "$BUILD/fio.cpio.gz"
	cat "$BUILD/initramfs.cpio.gz" "$BUILD/fio.cpio.gz" > "$BUILD/initramfs-bench.cpio.gz.tmp"
	mv "$BUILD/initramfs-bench.cpio.gz.tmp" "$BUILD/initramfs-bench.cpio.gz"
	say "bench initramfs: $BUILD/initramfs-bench.cpio.gz ($(stat -c %s "$BUILD/initramfs-bench.cpio.gz") bytes)"
fi
