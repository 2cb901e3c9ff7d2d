#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: A/B benchmark of GUP pin tracking. Builds three non-debug
# x86_64 kernels from one config (vanilla 6.12, the series with
# CONFIG_GUP_PIN_TRACKING=n, and =y), boots the =y one off, on and stacks,
# and runs the workloads of scripts/guest/bench.sh in each of the five
# columns under QEMU -icount (guest time = instruction count) and, beside,
# by wall clock. Writes bench/results/bench.md, bench.json and bench.png.
# SMOKE=1: one short deterministic run of the test guest kernel only
# (used by make check so the harness cannot rot).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

apt_install fio qemu-system-x86 gnuplot-nox
if [ -n "${BENCH_JOB:-}" ]; then
	[ -r "$BENCH_JOB" ] || die "JOB=$BENCH_JOB: no such fio job file"
	BENCH_JOB=$(realpath "$BENCH_JOB")
	export BENCH_JOB
	say "user job: $BENCH_JOB (its rows are named job-<first section>)"
fi
bash "$TOP/scripts/tree.sh"
OUT=${BENCH_OUT:-$TOP/bench/results}
LOGS=$BUILD/bench
mkdir -p "$OUT" "$LOGS"
ICOUNT=(-icount shift=0,align=off,sleep=off -rtc base=2026-01-01,clock=vm)
CFG=$TOP/scripts/configs
RUNTIME=${BENCH_RUNTIME:-5}
WALL_REPS=${BENCH_WALL_REPS:-5}
WALL_RUNTIME=${BENCH_WALL_RUNTIME:-2}

boot() { # boot KERNEL LOGNAME "ARGS" [qemu args...]
	local kernel=$1 name=$2 args=$3
	shift 3
	# BENCH_REUSE=1: keep a finished run's log (after an interrupted bench).
	if [ "${BENCH_REUSE:-0}" = 1 ] && grep -q '^GUEST-EXIT: 0' "$LOGS/$name.log" 2>/dev/null; then
		say "reusing $LOGS/$name.log"
		return 0
	fi
	GUEST_SMP=${GUEST_SMP_BENCH:-1} GUEST_MEM=2G GUEST_INITRD=$BUILD/initramfs-bench.cpio.gz \
		bash "$TOP/scripts/guest.sh" "$kernel" "$LOGS/$name.log" \
		"norandmaps kunit.enable=0 gpt.no9p gpt.job=bench $args" 3000 "$@"
}

if [ "${SMOKE:-0}" = 1 ]; then
	bash "$TOP/scripts/x86.sh" guest || die "kernel build failed"
	bash "$TOP/scripts/initramfs.sh" || die "initramfs build failed"
	K=$BUILD/x86-guest/arch/x86/boot/bzImage
	boot "$K" smoke "gup_pin_tracking=on gpt.reps=1 gpt.runtime=1" "${ICOUNT[@]}" ||
		die "smoke boot failed"
	python3 "$TOP/scripts/bench_report.py" --smoke "$LOGS" "$BUILD/bench-smoke"
	exit $?
fi

start=$(date +%s)
TREE=$BUILD/base bash "$TOP/scripts/x86.sh" bench-vanilla "$CFG/x86-base.config" ||
	die "vanilla build failed"
bash "$TOP/scripts/x86.sh" bench-off "$CFG/x86-base.config" "$CFG/bench-off.config" ||
	die "series =n build failed"
bash "$TOP/scripts/x86.sh" bench-on "$CFG/x86-base.config" "$CFG/bench-on.config" ||
	die "series =y build failed"
bash "$TOP/scripts/initramfs.sh" || die "initramfs build failed"
say "kernels built in $(( $(date +%s) - start ))s"

k() { echo "$BUILD/x86-bench-$1/arch/x86/boot/bzImage"; }
# column name, kernel, boot parameter
COLS="vanilla:vanilla: off-compiled:off: on-booted-off:on:gup_pin_tracking=off on:on:gup_pin_tracking=on stacks:on:gup_pin_tracking=stacks"
for c in $COLS; do
	IFS=: read -r col kern param <<< "$c"
	boot "$(k "$kern")" "icount-$col" "$param gpt.reps=1 gpt.runtime=$RUNTIME" "${ICOUNT[@]}" ||
		say "warning: icount run of $col failed"
	boot "$(k "$kern")" "wall-$col" "$param gpt.reps=$WALL_REPS gpt.runtime=$WALL_RUNTIME" ||
		say "warning: wall-clock run of $col failed"
done
# Two threads on two vCPUs pinning disjoint buffers, vanilla and on, by
# wall clock with multi-threaded TCG. Not under -icount: it runs the vCPUs
# one at a time, so each thread's timed region also counts the other's
# instructions (make bench-scale measures scaling).
for c in vanilla:vanilla: on:on:gup_pin_tracking=on; do
	IFS=: read -r col kern param <<< "$c"
	GUEST_SMP_BENCH=2 boot "$(k "$kern")" "wall2-$col" "$param gpt.two=1 gpt.reps=$WALL_REPS" \
		-accel tcg,thread=multi ||
		say "warning: two-thread wall-clock run of $col failed"
done
# The same deterministic run again: it must repeat exactly.
boot "$(k on)" "icount-on-repeat" "gup_pin_tracking=on gpt.reps=1 gpt.runtime=$RUNTIME" "${ICOUNT[@]}"
for v in vanilla off on; do
	size "$BUILD/x86-bench-$v/vmlinux" | tail -n1 | awk -v v="$v" '{ print v, $1 }'
done > "$LOGS/text-sizes"
python3 "$TOP/scripts/bench_report.py" "$LOGS" "$OUT"
say "make bench took $(( $(date +%s) - start ))s; results in $OUT"
