#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU (TCG) with the initramfs and run a guest job.
#   scripts/guest.sh KERNEL LOG "KERNEL ARGS" [TIMEOUT] [extra qemu args]
# The console goes to LOG; exit status: the job's, or 124 on time-out,
# or 125 if the guest never reported one.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KERNEL=$1 LOG=$2 ARGS=$3 TIMEOUT=${4:-1200}
shift 4 || shift $#
apt_install qemu-system-x86
MEM=${GUEST_MEM:-2G}
SMP=${GUEST_SMP:-2}
INITRD=${GUEST_INITRD:-$BUILD/initramfs.cpio.gz}

say "booting ${KERNEL#"$BUILD"/} with: $ARGS (log: ${LOG#"$TOP"/})"
start=$(date +%s)
timeout --foreground "$TIMEOUT" qemu-system-x86_64 \
	-m "$MEM" -smp "$SMP" -nographic -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=7 $ARGS" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
	"$@" < /dev/null > "$LOG" 2>&1
rc=$?
say "guest ran $(( $(date +%s) - start ))s"
[ "$rc" -eq 124 ] && { say "guest timed out after ${TIMEOUT}s"; exit 124; }
status=$(sed -n 's/^GUEST-EXIT: \([0-9]*\).*/\1/p' "$LOG" | tail -n1)
[ -n "$status" ] || { say "guest did not report an exit status"; exit 125; }
exit "$status"
