#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check, x86_64 part: build the debug guest kernel (KASAN, lockdep,
# DEBUG_VM, KUnit built in), boot it under QEMU with gup_pin_tracking=on
# (KUnit at boot + the kselftest), =off and a bad value. Writes results to
# $BUILD/results/x86-*.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/scripts/logscan.sh"

RES=$BUILD/results
mkdir -p "$RES"
bash "$TOP/scripts/x86.sh" guest || { echo "0 1 0" > "$RES/x86-build"; exit 1; }
bash "$TOP/scripts/initramfs.sh" || { echo "0 1 0" > "$RES/x86-initramfs"; exit 1; }
KERNEL=$BUILD/x86-guest/arch/x86/boot/bzImage

# KUnit results in a console log: "<passed> <failed> <skipped>".
kunit_counts() {
	sed '/^GUEST-START/,$d' "$1" > "$1.boot"
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py parse --json="$1.kunit.json" "$1.boot" >/dev/null 2>&1)
	python3 "$TOP/scripts/kunit_counts.py" "$1.kunit.json"
}

# kselftest TAP results of the guest job: "<passed> <failed> <skipped>".
ksft_counts() {
	local p s f
	sed -n '/^GUEST-START/,$p' "$1" > "$1.job"
	p=$(grep -aE '^ok [0-9]+ ' "$1.job" | grep -avc '# SKIP')
	s=$(grep -aE '^ok [0-9]+ .*# SKIP' "$1.job" | wc -l)
	f=$(grep -acE '^not ok [0-9]+ ' "$1.job")
	echo "$p $s $f" | awk '{ print $1, $3, $2 }'
}

# Failures from the kernel log, and gup_pin_tracking misuse reports, which a
# clean workload must never produce.
log_failures() {
	local probs n=0
	probs=$(log_problems "$1")
	if [ -n "$probs" ]; then
		say "$(basename "$1"): kernel log problems:"
		printf '%s\n' "$probs" | head -20 >&2
		n=1
	fi
	if grep -aqE 'BUG: gup_pin_tracking: ' "$1"; then
		say "$(basename "$1"): misuse reported on a clean workload:"
		grep -aE 'BUG: gup_pin_tracking: ' "$1" | head >&2
		n=1
	fi
	echo "$n"
}

# run_mode NAME JOB "KERNEL ARGS" [QEMU ARGS...] (GUEST_MEM= in the
# environment sets the guest's memory)
run_mode() {
	local mode=$1 job=$2 log=$BUILD/x86-$1.log rc kp kf ks tp tf ts lf
	bash "$TOP/scripts/guest.sh" "$KERNEL" "$log" \
		"${3:-gup_pin_tracking=$mode} gpt.job=$job" "${GUEST_TIMEOUT:-1500}" \
		"${@:4}"
	rc=$?
	read -r kp kf ks < <(kunit_counts "$log")
	read -r tp tf ts < <(ksft_counts "$log")
	lf=$(log_failures "$log")
	say "x86 $mode: KUnit $kp passed, $kf failed, $ks skipped; kselftest $tp passed, $tf failed, $ts skipped; guest exit $rc"
	case "${3:-}" in *kunit.enable=0*) ;; *)
		[ $((kp + kf + ks)) -gt 0 ] ||
			{ say "x86 $mode: no KUnit results"; kf=$((kf + 1)); } ;;
	esac
	local bad=$((kf + tf + lf))
	[ "$rc" -eq 0 ] || bad=$((bad + 1))
	echo "$((kp + tp)) $bad $((ks + ts))" > "$RES/x86-$mode"
}

run_mode on check
# A long-held pin in ZONE_MOVABLE blocks offlining; the report names it.
# KASAN's shadow (an eighth of RAM) takes the top 256M of the 768M, which
# never offline: the rest leaves blocks to try.
run_mode offline offline \
	"gup_pin_tracking=stacks movablecore=768M kunit.enable=0"
# The stack cache serves the pins of system calls (the kselftest's
# repeated pins, its stress case): most stacks come from it, not from an
# unwind (stats after the job; x86's ORC has the cache).
read -r hits unwinds < <(awk -F': ' '/^stack_cache_hits: /{ h = $2 }
	/^stack_unwinds: /{ u = $2 } END { print h + 0, u + 0 }' "$BUILD/x86-offline.log")
if [ "$hits" -gt "$unwinds" ]; then
	echo "1 0 0" > "$RES/x86-stack-cache"
else
	say "x86 offline: stack cache hits $hits, unwinds $unwinds: the cache serves too few pins"
	echo "0 1 0" > "$RES/x86-stack-cache"
fi
say "x86 offline: stack cache hits $hits, unwinds $unwinds"
# Pinned user pages inside CMA areas make a cma_alloc() of the whole
# cma= area and a 1 GiB hugetlb page from hugetlb_cma= (__GFP_NOWARN) fail;
# the failures record names them. 1 GiB pages need -cpu max (pdpe1gb);
# with 6G both 1 GiB areas fit above 4 GiB (in 3G and 4G guests the
# cma= area or the initrd left no aligned 1 GiB for hugetlb_cma=).
GUEST_MEM=6G run_mode cma cma \
	"gup_pin_tracking=stacks cma=1G hugetlb_cma=1G kunit.enable=0" \
	-cpu max
# tools/mm/gup_pin_tracking_sort on the real debugfs text of the on and
# offline jobs (sort_check in scripts/guest/common.sh, while two processes
# hold pins): its sums against what debugfs and stats said.
if ! out=$(python3 "$TOP/scripts/sort_compare.py" "$BUILD/x86-on.log" \
		"$BUILD/x86-offline.log" 2> "$BUILD/x86-sort.log"); then
	say "x86 sort: gup_pin_tracking_sort disagrees with debugfs (see $BUILD/x86-sort.log):"
	grep -v ': ok ' "$BUILD/x86-sort.log" | head -20 >&2
fi
[ -n "$out" ] || out="0 1 0"
echo "$out" > "$RES/x86-sort"
if grep -q "gup_pin_tracking: enabled" "$BUILD/x86-on.log" &&
   grep -q "allocated [0-9]* bytes of page_ext" "$BUILD/x86-on.log"; then
	echo "1 0 0" > "$RES/x86-on-boot"
else
	say "x86 on: no 'enabled' or page_ext allocation line in the boot log"
	echo "0 1 0" > "$RES/x86-on-boot"
fi
run_mode off boot
if grep -q "gup_pin_tracking: enabled" "$BUILD/x86-off.log" ||
   grep -q "bytes of page_ext" "$BUILD/x86-off.log"; then
	say "x86 off: tracking started or page_ext was reserved"
	echo "0 1 0" > "$RES/x86-off-boot"
else
	echo "1 0 0" > "$RES/x86-off-boot"
fi
# A bad mode and a stale_secs past its bound (at HZ=1000, 2^30 s once
# gave a scan period of 0 jiffies): both refused with a clear message.
run_mode bogus boot \
	"gup_pin_tracking=bogus gup_pin_tracking.stale_secs=1073741824"
if grep -q "gup_pin_tracking: invalid value 'bogus'" "$BUILD/x86-bogus.log" &&
   ! grep -q "gup_pin_tracking: enabled" "$BUILD/x86-bogus.log"; then
	echo "1 0 0" > "$RES/x86-bogus-boot"
else
	say "x86 bogus: no clear message, or tracking started"
	echo "0 1 0" > "$RES/x86-bogus-boot"
fi
if grep -q "gup_pin_tracking: invalid value '1073741824' for gup_pin_tracking.stale_secs=" \
	"$BUILD/x86-bogus.log"; then
	echo "1 0 0" > "$RES/x86-bogus-stale-secs"
else
	say "x86 bogus: no clear message for gup_pin_tracking.stale_secs=1073741824"
	echo "0 1 0" > "$RES/x86-bogus-stale-secs"
fi

# A misuse report for people and bots: the KUnit case pintrack_test_report
# lets its report through (print_reports=1). Without panic_on_warn the
# report opens with its one-line title, the kernel is tainted with the
# bad-page flag (bit 5) and keeps running; with panic_on_warn=1 it panics.
REPORT_ARGS="gup_pin_tracking=on gup_pin_tracking_kunit.print_reports=1 kunit.filter_glob=gup_pin_tracking.pintrack_test_report gpt.job=taint"
run_report() {
	local log=$BUILD/x86-report.log kp kf ks taint
	bash "$TOP/scripts/guest.sh" "$KERNEL" "$log" "$REPORT_ARGS" 600
	read -r kp kf ks < <(kunit_counts "$log")
	taint=$(sed -n 's/^GPT-TAINTED \([0-9]*\).*/\1/p' "$log" | tail -n1)
	if [ "$kp" -eq 1 ] && [ "$kf" -eq 0 ] &&
	   grep -aqE 'BUG: gup_pin_tracking: unpin of a page with no pin in pintrack_bad_unpin[[:space:]]*$' "$log" &&
	   [ -n "$taint" ] && [ $((taint & 32)) -ne 0 ]; then
		say "x86 report: reported, tainted $taint (bad page), kept running"
		echo "1 0 0" > "$RES/x86-report"
	else
		say "x86 report: KUnit $kp passed $kf failed; title or taint ($taint) missing"
		echo "0 1 0" > "$RES/x86-report"
	fi
	log=$BUILD/x86-report-panic.log
	bash "$TOP/scripts/guest.sh" "$KERNEL" "$log" \
		"$REPORT_ARGS panic_on_warn=1" 600
	if grep -aq 'Kernel panic - not syncing: gup_pin_tracking: panic_on_warn set' "$log" &&
	   ! grep -aq '^GUEST-START' "$log"; then
		say "x86 report with panic_on_warn=1: the kernel panicked"
		echo "1 0 0" > "$RES/x86-report-panic"
	else
		say "x86 report with panic_on_warn=1: no panic"
		echo "0 1 0" > "$RES/x86-report-panic"
	fi
}
run_report

# Post-mortem: hold known pins (io_uring fixed buffers) in a stacks-mode
# guest, stop it under gdb, and check that lx-gup-pin-stats and
# lx-gup-pinned list exactly what debugfs showed just before.
run_gdb() {
	local O=$BUILD/x86-guest log=$BUILD/x86-gdb.log out=$BUILD/x86-gdb.out
	local port=$((20000 + RANDOM % 20000)) gpid i
	local core=$BUILD/x86-gdb.vmcore sock=$BUILD/x86-gdb.qmp
	if [ ! -e "$O/vmlinux-gdb.py" ]; then
		say "x86 gdb: no $O/vmlinux-gdb.py (CONFIG_GDB_SCRIPTS)"
		echo "0 1 0" > "$RES/x86-gdb"
		return
	fi
	apt_install gdb
	: > "$log"
	rm -f "$core" "$sock"
	bash "$TOP/scripts/guest.sh" "$KERNEL" "$log" \
		"gup_pin_tracking=stacks gup_pin_tracking.stale_secs=300 kunit.enable=0 gpt.job=gdb" 600 \
		-gdb "tcp:127.0.0.1:$port" \
		-device vmcoreinfo -qmp "unix:$sock,server=on,wait=off" &
	gpid=$!
	for i in $(seq 1200); do
		grep -aq '^GPT-GDB-READY' "$log" && break
		sleep 0.5
	done
	# A vmcore of the same pins, before gdb stops the VM: QEMU's physical
	# dump, given the kernel's virtual addresses for gdb.
	python3 "$TOP/scripts/qmp_dump.py" "$sock" "$core" &&
		python3 "$TOP/scripts/vmcore_vaddr.py" "$core" >&2
	timeout 300 gdb -batch -nx -ex "set pagination off" \
		-ex "file $O/vmlinux" -ex "source $O/vmlinux-gdb.py" \
		-ex "target remote 127.0.0.1:$port" \
		-ex "lx-gup-pin-stats" -ex "lx-gup-pinned" > "$out" 2>&1
	pkill -f "tcp:127.0.0.1:$port" 2>/dev/null
	wait "$gpid" 2>/dev/null
	if python3 "$TOP/scripts/gdb_compare.py" "$log" "$out"; then
		echo "1 0 0" > "$RES/x86-gdb"
	else
		say "x86 gdb: lx-gup-* disagree with debugfs (see $out)"
		echo "0 1 0" > "$RES/x86-gdb"
	fi
	# The same from the vmcore: pages, counts, flags and pinner stacks.
	if [ -s "$core" ] && timeout 300 gdb -batch -nx -ex "set pagination off" \
		-ex "file $O/vmlinux" -ex "source $O/vmlinux-gdb.py" \
		-ex "core-file $core" \
		-ex "lx-gup-pin-stats" -ex "lx-gup-pinned" > "$out.vmcore" 2>&1 &&
	   python3 "$TOP/scripts/postmortem_compare.py" "$log" "$out.vmcore" gdb "$O/vmlinux"; then
		echo "1 0 0" > "$RES/x86-gdb-vmcore"
	else
		say "x86 gdb: lx-gup-* on a vmcore disagree with debugfs (see $out.vmcore)"
		echo "0 1 0" > "$RES/x86-gdb-vmcore"
	fi
	rm -f "$core"
	# The stale_secs boot parameter reached debugfs.
	if grep -aq '^--- stale_secs 300' "$log"; then
		echo "1 0 0" > "$RES/x86-stale-param"
	else
		say "x86 gdb: gup_pin_tracking.stale_secs=300 did not show in stale_secs"
		echo "0 1 0" > "$RES/x86-stale-param"
	fi
	[ -z "$(log_problems "$log")" ] || {
		say "x86 gdb: kernel log problems"; echo "0 1 0" > "$RES/x86-gdb-log"; }
}
run_gdb
