#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where do the instructions go? Boots a bench kernel twice under -icount
# with a QEMU plugin (scripts/insnprof.c) that counts executed instructions
# per translation block, runs one workload with two repetition counts, and
# prints the per-function difference: the cost of the extra repetitions
# alone, per unit of work. Not a test; a tool for make bench's findings.
#   scripts/prof.sh KERNEL-NAME WORKLOAD [PARAM] [UNITS-PER-REP]
#   e.g. scripts/prof.sh on pin-fast-512 gup_pin_tracking=on 16384
# KERNEL-NAME is vanilla, off or on (build/x86-bench-NAME, from make bench).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KNAME=$1 WHAT=$2 PARAM=${3:-} UNITS=${4:-16384}
LO=${PROF_LO:-2} HI=${PROF_HI:-6}
KDIR=$BUILD/x86-bench-$KNAME
OUTD=$BUILD/prof
mkdir -p "$OUTD"
apt_install qemu-system-x86 curl
[ -e "$BUILD/initramfs-bench.cpio.gz" ] || bash "$TOP/scripts/initramfs.sh" ||
	die "initramfs build failed"

PLUGIN=$OUTD/insnprof.so
if [ ! -e "$PLUGIN" ]; then
	# The plugin API header is only in QEMU's source: take it from the
	# Debian source tarball of the installed QEMU.
	qv=$(dpkg-query -W -f='${Version}' qemu-system-x86 | sed 's/^[0-9]*://; s/-[^-]*$//')
	tarball=$OUTD/qemu_$qv.orig.tar.xz
	[ -e "$tarball" ] || curl -fsS -o "$tarball" \
		"http://deb.debian.org/debian/pool/main/q/qemu/qemu_$qv.orig.tar.xz" ||
		die "cannot fetch the QEMU source for qemu-plugin.h"
	tar -xJf "$tarball" -C "$OUTD" --wildcards '*/include/qemu/qemu-plugin.h' ||
		die "no qemu-plugin.h in $tarball"
	gcc -O2 -shared -fPIC -I"$(dirname "$(find "$OUTD" -name qemu-plugin.h | head -n1)")" \
		-o "$PLUGIN" "$TOP/scripts/insnprof.c" || die "plugin build failed"
fi

ICOUNT=(-icount shift=0,align=off,sleep=off -rtc base=2026-01-01,clock=vm)
for r in $LO $HI; do
	name=$KNAME-$WHAT-${PARAM:-default}-$r
	GUEST_SMP=1 GUEST_MEM=2G GUEST_INITRD=$BUILD/initramfs-bench.cpio.gz \
		bash "$TOP/scripts/guest.sh" "$KDIR/arch/x86/boot/bzImage" "$OUTD/$name.log" \
		"norandmaps kunit.enable=0 gpt.no9p gpt.job=prof gpt.prof=$WHAT gpt.reps=$r $PARAM" \
		1800 "${ICOUNT[@]}" -plugin "$PLUGIN,out=$OUTD/$name.prof,min=ffffffff80000000" ||
		die "profile run failed (see $OUTD/$name.log)"
done
python3 "$TOP/scripts/prof_report.py" "$KDIR/vmlinux" \
	"$OUTD/$KNAME-$WHAT-${PARAM:-default}-$LO.prof" \
	"$OUTD/$KNAME-$WHAT-${PARAM:-default}-$HI.prof" $(( (HI - LO) * UNITS ))
