#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-scale: do the tracker's hashed bucket locks let CPUs pin at
# once? One guest of N vCPUs under multi-threaded TCG (-accel
# tcg,thread=multi; -icount runs the vCPUs one at a time and cannot show
# contention) runs N gup_test processes pinning their own memory at once
# (PIN_FAST, 512 pages a call, 4 KiB pages and THP) and N fio libaio
# O_DIRECT readers of null_blk, for three kernels of one config: vanilla,
# the tracker booted gup_pin_tracking=on, and a one-lock build of the
# tracker (every page on bucket 0, as the seed RFC's zone lock), each at
# N = 1, 2, 4, 8, 16 as far as the host has cores. Then the repeatable
# proxy: a CONFIG_LOCK_STAT guest of the tracker and of the one-lock build
# runs the pinning and the fio readers at N=2 and reports the bucket lock
# class's contentions per 1,000 pins. Writes bench/results/scale.md and
# scale.json.
#
# Wall-clock figures: run it on an otherwise idle machine.
#   SCALE_N="1 2"          the vCPU counts (default: 1 2 4 8 16, up to nproc)
#   SCALE_BOOTS=3          boots per kernel and N (the figure is the median)
#   SCALE_REPS=3           repetitions of each workload in a boot
#   SCALE_RUNTIME=2        fio seconds per repetition
#   SCALE_STEPS="build time lockstat report"  what to do (build: the five
#                          kernels and the initramfs, before any timing)
#   SCALE_LOCKSTAT_N=2     vCPUs of the lock_stat proxy
set -uo pipefail
. "$(dirname "$0")/lib.sh"

apt_install fio qemu-system-x86
CFG=$TOP/scripts/configs
LOGS=$BUILD/bench-scale
OUT=${BENCH_OUT:-$TOP/bench/results}
STEPS=${SCALE_STEPS:-build time lockstat report}
BOOTS=${SCALE_BOOTS:-3}
REPS=${SCALE_REPS:-3}
RUNTIME=${SCALE_RUNTIME:-2}
LS_N=${SCALE_LOCKSTAT_N:-2}
CORES=$(nproc)
ONELOCK=$BUILD/linux-onelock
LOCK=$BUILD/.x86-guest.lock
mkdir -p "$LOGS" "$OUT"

if [ -n "${SCALE_N:-}" ]; then
	NS=$SCALE_N
else
	NS=
	for n in 1 2 4 8 16; do
		[ "$n" -le "$CORES" ] && NS="$NS $n"
	done
fi
for n in $NS; do
	[ "$n" -le 16 ] || die "SCALE_N: at most 16 vCPUs (CONFIG_NR_CPUS=16)"
	[ "$n" -le "$CORES" ] ||
		say "warning: N=$n vCPUs on $CORES host cores: the vCPUs take turns"
done

step() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

# The one-lock build: a copy of build/linux (hard links) in which
# pintrack_lock() returns bucket 0's lock for every pfn. The copied header
# is replaced by a file of its own first, so build/linux keeps its link.
onelock_tree() {
	local f=mm/gup_pin_tracking_internal.h
	local want
	want=$(cat "$SRC/.gpt-stamp")
	[ "$(cat "$ONELOCK/.onelock-stamp" 2>/dev/null)" = "$want" ] && return 0
	say "making the one-lock tree $ONELOCK"
	rm -rf "$ONELOCK" "$ONELOCK.tmp"
	cp -al "$SRC" "$ONELOCK.tmp" || return 1
	rm -f "$ONELOCK.tmp/.gpt-stamp"
	cp "$SRC/$f" "$ONELOCK.tmp/$f.new" && mv "$ONELOCK.tmp/$f.new" "$ONELOCK.tmp/$f" ||
		return 1
	# In pintrack_lock(): no chunk, bucket 0.
	sed -i -e '/^\tu64 chunk = pfn >> PINTRACK_CHUNK_ORDER;$/d' \
	       -e 's/^\tu64 bucket = chunk \* GOLDEN_RATIO_64 >> pintrack_lock_shift;$/\tu64 bucket = 0;\t\/* make bench-scale: one lock *\//' \
		"$ONELOCK.tmp/$f"
	if [ "$(diff "$SRC/$f" "$ONELOCK.tmp/$f" | grep -c '^[<>]')" != 3 ] ||
	   grep -q 'chunk \* GOLDEN_RATIO_64' "$ONELOCK.tmp/$f"; then
		say "pintrack_lock() in $f no longer has the lines the sed edits"
		return 1
	fi
	echo "$want" > "$ONELOCK.tmp/.onelock-stamp"
	mv "$ONELOCK.tmp" "$ONELOCK"
}

# kernel NAME: where scale kernel NAME's bzImage is.
kernel() { echo "$BUILD/x86-scale-$1/arch/x86/boot/bzImage"; }

# One kernel build at a time on this machine: the other scripts take the
# same lock around theirs.
locked() { ( flock 9 || exit 1; "$@" ) 9> "$LOCK"; }

build() { # build NAME TREE FRAGMENT...
	local name=$1 tree=$2
	shift 2
	TREE=$tree locked bash "$TOP/scripts/x86.sh" "scale-$name" "$@" ||
		die "build of the $name kernel failed"
}

# build_onelock NAME FRAGMENT...: the one-lock tree built as seen at
# build/linux's own path (a bind mount in a mount namespace of this build
# only): every object but the six that include the tracker's internal
# header then has the command line of the hashed build and comes from
# ccache. Where unshare(1) is not allowed, a plain build from its own path.
build_onelock() {
	local name=$1
	shift
	if ! unshare -m --propagation private true 2>/dev/null; then
		build "$name" "$ONELOCK" "$@"
		return
	fi
	# $SRC/. is build/linux to make, and keeps x86.sh from running tree.sh.
	# shellcheck disable=SC2016
	TREE=$SRC/. locked unshare -m --propagation private bash -c \
		'mount --bind "$1" "$2" && shift 2 && exec bash "$@"' _ \
		"$ONELOCK" "$SRC" "$TOP/scripts/x86.sh" "scale-$name" "$@" ||
		die "build of the $name kernel failed"
}

build_kernels() {
	local base=("$CFG/x86-base.config" "$CFG/bench-on.config" "$CFG/scale.config")
	# tree.sh first: it also unpacks the base that vanilla is built from.
	locked bash "$TOP/scripts/tree.sh" || die "tree failed"
	build vanilla "$BUILD/base" "$CFG/x86-base.config" "$CFG/scale.config"
	locked onelock_tree || die "cannot make the one-lock tree"
	# What the tracker's kernels were built from, for the report.
	{
		echo "tracker kernels: $(git -C "$TOP" rev-parse --short HEAD)"
		git -C "$TOP" status --porcelain -- mm include arch kernel patches |
			sed 's/^/  uncommitted: /'
	} > "$LOGS/tree.txt"
	build on "$SRC" "${base[@]}"
	build_onelock onelock "${base[@]}"
	build lockstat-on "$SRC" "${base[@]}" "$CFG/lockstat.config"
	build_onelock lockstat-onelock "${base[@]}" "$CFG/lockstat.config"
	locked bash "$TOP/scripts/initramfs.sh" || die "initramfs build failed"
}

# boot KERNEL LOG N "ARGS": N vCPUs, N null_blk submit queues, 64 MiB a
# pinning worker beside 1.5 GiB for the rest. A boot that fails is tried
# once more (its log kept as LOG.failed): with many vCPUs on few host
# cores, a TCG vCPU has been seen to run a jump label's int3 after the
# patching finished (an oops in vanilla too).
boot() {
	local kernel=$1 log=$2 n=$3 args=$4 try
	for try in 1 2; do
		GUEST_SMP=$n GUEST_MEM=$((1536 + 64 * n))M \
		GUEST_INITRD=$BUILD/initramfs-bench.cpio.gz \
			bash "$TOP/scripts/guest.sh" "$kernel" "$log" \
			"norandmaps kunit.enable=0 gpt.no9p gpt.job=scale gpt.n=$n null_blk.submit_queues=$n $args" \
			1800 -accel tcg,thread=multi && return 0
		[ "$try" = 2 ] || mv "$log" "$log.failed"
	done
	return 1
}

machine_state() { # what else ran on the host, into the log
	echo "uptime: $(uptime)"
	echo "qemu: $(pgrep -c qemu-system || true) running"
}

start=$(date +%s)
say "N =$NS (this host has $CORES cores)"
if step build; then
	build_kernels
fi
if step time; then
	for b in $(seq "$BOOTS"); do
		for n in $NS; do
			for c in vanilla:vanilla: on:on:gup_pin_tracking=on \
				 onelock:onelock:gup_pin_tracking=on; do
				IFS=: read -r col kern param <<< "$c"
				log=$LOGS/time-$col-n$n-b$b.log
				machine_state > "$log.host"
				boot "$(kernel "$kern")" "$log" "$n" \
					"$param gpt.reps=$REPS gpt.runtime=$RUNTIME" ||
					say "warning: $col at N=$n (boot $b) failed"
				machine_state >> "$log.host"
			done
		done
	done
fi
if step lockstat; then
	for c in on onelock; do
		log=$LOGS/lockstat-$c-n$LS_N.log
		machine_state > "$log.host"
		boot "$(kernel "lockstat-$c")" "$log" "$LS_N" \
			"gup_pin_tracking=on gpt.lockstat=1 gpt.reps=$REPS" ||
			say "warning: lock_stat run of $c failed"
		machine_state >> "$log.host"
	done
fi
if step report; then
	python3 "$TOP/scripts/bench_scale_report.py" "$LOGS" "$OUT" "$CORES" ||
		die "report failed"
fi
say "make bench-scale took $(( $(date +%s) - start ))s; results in $OUT/scale.md"
