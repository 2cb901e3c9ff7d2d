#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make run: build the x86_64 kernel with tracking, boot it under QEMU with
# gup_pin_tracking=on, drive real pinning I/O and print the tracking report.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

apt_install fio qemu-system-x86
bash "$TOP/scripts/x86.sh" guest || die "kernel build failed"
bash "$TOP/scripts/initramfs.sh" || die "initramfs build failed"
rc=0
# Once with tracking on, then with stacks (pid/comm, stacks, pinners).
for mode in ${MODES:-${MODE:-on stacks}}; do
	LOG=$BUILD/run-$mode.log
	say "make run: gup_pin_tracking=$mode"
	GUEST_SMP=${GUEST_SMP:-2} bash "$TOP/scripts/guest.sh" \
		"$BUILD/x86-guest/arch/x86/boot/bzImage" "$LOG" \
		"gup_pin_tracking=$mode kunit.enable=0 gpt.job=run ${EXTRA_ARGS:-}" "${GUEST_TIMEOUT:-1500}" ||
		rc=1
	# Show the guest's report: everything after the job started.
	sed -n '/^GUEST-START: run/,/^GUEST-EXIT/p' "$LOG" | tr -d '\r'
	grep -a "gup_pin_tracking:" "$LOG" | grep -v "^GUEST" | head -20 | sed 's/^/kernel: /'
	say "full console log: $LOG"
done
exit $rc
