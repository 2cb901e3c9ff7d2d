#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-postmortem: a vmcore of the x86_64 test guest while it holds
# io_uring pins (the guest job of make check's gdb test), read by
#  - drgn (tools/mm/gup_pin_tracking_drgn.py under Debian 13's drgn 0.0.31,
#    scripts/drgn.sh) on the dump as QEMU wrote it, and again once
#    scripts/vmcore_vaddr.py gave it virtual addresses;
#  - gdb (lx-gup-pin-stats, lx-gup-pinned) on both: on the physical one it
#    must say that it cannot read the kernel (not "off"), on the other show
#    what debugfs showed.
# Each is checked against the debugfs files the guest printed just before
# the dump (scripts/postmortem_compare.py). Ends "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

O=$BUILD/x86-guest
D=$BUILD/postmortem
RES=$D/results
rm -rf "$RES"
mkdir -p "$RES"
start=$(date +%s)

flock "$BUILD/.x86-guest.lock" bash "$TOP/scripts/x86.sh" guest ||
	die "guest kernel build failed"
[ -e "$O/vmlinux-gdb.py" ] || die "no $O/vmlinux-gdb.py (CONFIG_GDB_SCRIPTS)"
bash "$TOP/scripts/initramfs.sh" || die "initramfs build failed"
bash "$TOP/scripts/drgn.sh" setup || die "no drgn"
apt_install gdb binutils qemu-system-x86

log=$D/guest.log core=$D/vmcore sock=$D/qmp.sock
# A log of an earlier run would look ready before this guest has booted.
rm -f "$core" "$sock" "$log"
bash "$TOP/scripts/guest.sh" "$O/arch/x86/boot/bzImage" "$log" \
	"gup_pin_tracking=stacks kunit.enable=0 gpt.job=gdb" 600 \
	-device vmcoreinfo -qmp "unix:$sock,server=on,wait=off" &
gpid=$!
for _ in $(seq 1200); do
	grep -aq '^GPT-GDB-READY' "$log" 2>/dev/null && break
	kill -0 "$gpid" 2>/dev/null || break
	sleep 0.5
done
grep -aq '^GPT-GDB-READY' "$log" || die "the guest job never got ready (see $log)"
t=$(date +%s)
python3 "$TOP/scripts/qmp_dump.py" --quit "$sock" "$core" || die "dump-guest-memory failed"
say "vmcore: $(($(stat -c %s "$core") >> 20)) MiB in $(($(date +%s) - t))s"
wait "$gpid" 2>/dev/null

# result NAME COMMAND...: one test, its output in $D/NAME.out.
result() {
	local name=$1
	shift
	if "$@" > "$D/$name.out" 2>&1; then
		echo "1 0 0" > "$RES/$name"
		say "postmortem $name: ok"
	else
		echo "0 1 0" > "$RES/$name"
		say "postmortem $name: FAILED (see $D/$name.out)"
		tail -n 20 "$D/$name.out" >&2
	fi
}

drgn_check() {	# drgn_check NAME: the drgn script on $core
	bash "$TOP/scripts/drgn.sh" -q -c "/host$core" -s "/host$O/vmlinux" \
		"/host$TOP/tools/mm/gup_pin_tracking_drgn.py" > "$D/$1.txt" 2>"$D/$1.err" ||
		{ cat "$D/$1.err"; return 1; }
	cat "$D/$1.err"
	python3 "$TOP/scripts/postmortem_compare.py" "$log" "$D/$1.txt" drgn "$O/vmlinux"
}

gdb_run() {	# gdb_run OUT: the lx-gup commands on $core
	timeout 300 gdb -batch -nx -ex "set pagination off" \
		-ex "file $O/vmlinux" -ex "source $O/vmlinux-gdb.py" \
		-ex "core-file $core" \
		-ex "lx-gup-pin-stats" -ex "lx-gup-pinned" > "$1" 2>&1
}

gdb_physical() {
	gdb_run "$D/gdb-physical.txt"
	cat "$D/gdb-physical.txt"
	! grep -q 'is off in this kernel\|^pinned_pages:' "$D/gdb-physical.txt" &&
		grep -q 'max_pfn reads 0' "$D/gdb-physical.txt"
}

gdb_check() {
	gdb_run "$D/gdb-vmcore.txt"
	python3 "$TOP/scripts/postmortem_compare.py" "$log" "$D/gdb-vmcore.txt" gdb "$O/vmlinux"
}

result drgn-physical drgn_check drgn-physical
result gdb-physical gdb_physical
result vmcore-vaddr python3 "$TOP/scripts/vmcore_vaddr.py" "$core"
result gdb-vmcore gdb_check
result drgn-vmcore drgn_check drgn-vmcore
[ -n "${KEEP_VMCORE:-}" ] || rm -f "$core"

read -r p f s < <(cat "$RES"/* | awk '{ p += $1; f += $2; s += $3 } END { print p+0, f+0, s+0 }')
say "check-postmortem took $(($(date +%s) - start))s"
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
