#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-arch: the series on the architectures a distro ships besides
# x86_64 (arm64 with 4K and 64K pages, i386 with HIGHMEM4G, s390x, ppc64le,
# riscv64):
#  1. build: the arch's defconfig + kernel/configs/gup_pin_tracking.config,
#     on the base without the series and on the series with
#     CONFIG_GUP_PIN_TRACKING=n and =y; `make prepare`, then only the
#     objects the series adds or touches (from patches/ and the new files)
#     with W=1 and sparse (C=2); a warning of the series' builds that the
#     base build does not have fails;
#  2. kunit: the gup_pin_tracking suite with the kernel's own runner under
#     QEMU (mm/tests/.kunitconfig without its UML lines, plus
#     scripts/arch/kunit-<arch>.config), booted gup_pin_tracking=on and
#     =stacks. A KASAN report, lockdep splat, WARN or BUG in the log fails,
#     and the cases that pin user memory must pass, not skip.
# CHECK_ARCH="arm64 s390x" and CHECK_ARCH_STEPS="build kunit" choose.
# Ends with one line "N passed, N failed, N skipped"; non-zero on failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/logscan.sh"

ARCHES=${CHECK_ARCH:-"arm64 arm64-64k s390x i386 ppc64le riscv64"}
STEPS=${CHECK_ARCH_STEPS:-"build kunit"}
JOBS=${CHECK_ARCH_JOBS:-2}
NICE=(nice -n 15)
AD=$TOP/scripts/arch
OUT=$BUILD/check-arch
mkdir -p "$OUT"

# shellcheck disable=SC2086
apt_install $BUILD_DEPS sparse gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu \
	gcc-s390x-linux-gnu gcc-riscv64-linux-gnu qemu-system-arm qemu-system-misc \
	qemu-system-ppc qemu-system-x86
bash "$TOP/scripts/tree.sh" >&2 || die "make tree failed"

pass=0 fail=0 skip=0
ok() { say "PASS: $*"; pass=$((pass + 1)); }
bad() { say "FAIL: $*"; fail=$((fail + 1)); }

# arch_params NAME: KARCH (ARCH=), CROSS (CROSS_COMPILE), DEFCONFIG,
# FRAG (extra fragment on the defconfig), QARCH (kunit.py --arch),
# QEMU_ARGS, KASAN (keep the .kunitconfig's KASAN lines), SPARSE, NO_THP
# (why the guest cannot have a PMD-sized THP: the THP case may skip).
arch_params() {
	FRAG='' QEMU_ARGS="-m 1024" KASAN=y DEFCONFIG=defconfig SPARSE=sparse NO_THP=''
	case $1 in
	arm64) KARCH=arm64 CROSS=aarch64-linux-gnu- QARCH=arm64 ;;
	arm64-64k)
		KARCH=arm64 CROSS=aarch64-linux-gnu- QARCH=arm64
		FRAG=$AD/arm64-64k.config QEMU_ARGS="-m 4096" ;;
	i386)
		KARCH=i386 CROSS='' QARCH=i386 DEFCONFIG=i386_defconfig
		FRAG=$AD/i386.config QEMU_ARGS="-m 2048" KASAN=n ;;
	s390x)
		KARCH=s390 CROSS=s390x-linux-gnu- QARCH=s390
		# Large pages need EDAT-1; -cpu qemu,edat=on says "Some features
		# requested in the CPU model are not available in the
		# configuration: edat" (QEMU 7.2, TCG). No THP, no hugetlb.
		NO_THP="QEMU's s390x TCG CPU has no EDAT-1 (no large pages)" ;;
	ppc64le)
		KARCH=powerpc CROSS=powerpc64le-linux-gnu- QARCH=powerpc
		DEFCONFIG=ppc64le_defconfig KASAN=n
		# POWER9: the radix MMU has 2M PMD pages for THP and hugetlb;
		# kunit's POWER8 (hash MMU) guest offers no 16M pages under TCG.
		QEMU_ARGS="-m 1024 -cpu power9" ;;
	riscv64)
		KARCH=riscv CROSS=riscv64-linux-gnu- QARCH=riscv KASAN=n
		SPARSE=$AD/sparse.sh ;;
	*) return 1 ;;
	esac
}

# --- 1. W=1 + sparse builds of the touched objects -----------------------

# The objects the series adds or touches: the .c files its patches edit
# (kernel side) and the new .c files the repo carries.
touched_objects() {
	{
		sed -n 's|^+++ b/\(.*\.c\)$|\1|p' "$TOP"/patches/*.patch
		(cd "$TOP" && git ls-files mm kernel include | grep '\.c$')
	} | grep -vE '^(tools|scripts|Documentation|samples)/' |
		sed 's/\.c$/.o/' | sort -u
}

# Is OBJ part of the build configured in O (the tree in SRCDIR)? Looks for
# its obj-$(CONFIG_FOO) line in the Makefiles of its directory and its
# parents (obj-$(CONFIG_FOO), or a list as memory-hotplug-$(CONFIG_FOO));
# an object with no such line counts as built.
configured() {
	local srcdir=$1 o=$2 rel=${3##*/} dir=${3%/*} line sym
	[ -e "$srcdir/${3%.o}.c" ] || return 1
	while :; do
		line=$(grep -E "^[a-z0-9_-]+-[^+:]*[+:]=.*[[:space:]]$rel([[:space:]]|$)" \
			"$srcdir/$dir/Makefile" 2>/dev/null | head -n1)
		[ -n "$line" ] && break
		[ "$dir" = "${dir%/*}" ] && return 0
		rel=${dir##*/}/$rel
		dir=${dir%/*}
	done
	sym=$(sed -n 's/^[a-z0-9_-]*-\$(\(CONFIG_[A-Za-z0-9_]*\)).*/\1/p' <<< "$line")
	[ -z "$sym" ] || grep -qE "^$sym=[ym]" "$o/.config"
}

kmake() { # kmake SRCDIR O ARGS...
	local srcdir=$1 o=$2
	shift 2
	"${NICE[@]}" make -C "$srcdir" O="$o" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
		CC="ccache ${CROSS}gcc" CHECK="$SPARSE" -j"$JOBS" "$@"
}

# The warnings of a build log, without line numbers (the series moves
# lines) and with paths relative to the tree: one per line, sorted.
warnings() {
	grep -aE '^[^ :]+:[0-9]+:([0-9]+:)? (warning|error):' "$1" |
		sed -E -e 's#^.*/build/(base|linux)/##' -e 's#^(\.\./)+(base|linux)/##' \
			-e 's/^([^ :]+):[0-9]+:([0-9]+:)? /\1: /' | sort -u
}

# build_one NAME VARIANT SRCDIR: configure, prepare, build the objects.
# VARIANT is base, n or y. Leaves $OUT/NAME-VARIANT.{log,warn,objs}.
build_one() {
	local name=$1 v=$2 srcdir=$3 o=$BUILD/arch-$1-$2 log=$OUT/$1-$2.log
	local frags=() objs='' obj
	[ -n "$FRAG" ] && frags+=("$FRAG")
	frags+=("$srcdir/kernel/configs/gup_pin_tracking.config")
	case $v in
	n) frags+=("$AD/tracking-n.config") ;;
	y) frags+=("$AD/tracking-y.config") ;;
	esac
	# The base has no fragment of ours: give it the same file.
	[ "$v" = base ] && frags[-1]=$TOP/kernel/configs/gup_pin_tracking.config &&
		frags+=("$AD/base.config")
	mkdir -p "$o"
	: > "$log"
	kmake "$srcdir" "$o" -s "$DEFCONFIG" >> "$log" 2>&1 &&
	"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" "${frags[@]}" \
		>> "$log" 2>&1 &&
	kmake "$srcdir" "$o" -s olddefconfig >> "$log" 2>&1 || {
		bad "$name $v: configuration failed (see $log)"; return 1; }
	case $v in
	n) grep -q '^CONFIG_GUP_PIN_TRACKING=y' "$o/.config" &&
		{ bad "$name n: tracking is on"; return 1; } ;;
	y) grep -q '^CONFIG_GUP_PIN_TRACKING=y' "$o/.config" ||
		{ bad "$name y: CONFIG_GUP_PIN_TRACKING did not stick (see $o/.config)"; return 1; } ;;
	esac
	kmake "$srcdir" "$o" prepare >> "$log" 2>&1 || {
		bad "$name $v: make prepare failed (see $log)"; return 1; }
	for obj in $(touched_objects); do
		configured "$srcdir" "$o" "$obj" && objs="$objs $obj"
	done
	echo "$objs" > "$OUT/$name-$v.objs"
	# shellcheck disable=SC2086
	kmake "$srcdir" "$o" W=1 C=2 $objs >> "$log" 2>&1 || {
		bad "$name $v: W=1 C=2 build of$objs failed (see $log)"; return 1; }
	warnings "$log" > "$OUT/$name-$v.warn"
	return 0
}

step_build() {
	local name=$1 v new
	arch_params "$name"
	build_one "$name" base "$BUILD/base" || return
	for v in n y; do
		rm -f "$OUT/$name-$v.new"
		build_one "$name" "$v" "$SRC" || continue
		new=$(comm -13 "$OUT/$name-base.warn" "$OUT/$name-$v.warn")
		if [ -n "$new" ]; then
			printf '%s\n' "$new" > "$OUT/$name-$v.new"
			bad "$name =$v: $(wc -l <<< "$new") new W=1/sparse warnings: $(head -n3 <<< "$new")"
		else
			ok "$name =$v: no new W=1/sparse warning in$(cat "$OUT/$name-$v.objs")"
		fi
	done
}

# --- 2. KUnit under QEMU --------------------------------------------------

# The suite's .kunitconfig without what only UML needs (options named UML,
# an option under a comment naming UML, and KASAN_VMALLOC=n, which arm64
# and s390 select with KASAN), without KASAN where it is not cheap, plus
# the arch's own lines.
kunitconfig() {
	awk -v kasan="$KASAN" '
		/^#/ { uml = /UML/; next }
		/UML/ || uml { uml = 0; next }
		/^CONFIG_KASAN_VMALLOC=/ { next }
		kasan != "y" && /^CONFIG_KASAN/ { next }
		{ print }' "$SRC/mm/tests/.kunitconfig"
	grep -v '^#' "$AD/kunit-$1.config"
}

# Cases that pin user memory: they must pass (not skip) when tracking is on.
PIN_CASES="pintrack_test_single_pin pintrack_test_batch_fast pintrack_test_batch_slow
	pintrack_test_longterm pintrack_test_concurrent pintrack_test_thp_user"

kunit_boot() { # kunit_boot NAME MODE CMD: run CMD, count, check the log
	local name=$1 mode=$2 kb=$BUILD/kunit-$1 json=$OUT/kunit-$1-$2.json
	local log=$OUT/kunit-$1-$2.log p f s c probs
	shift 2
	rm -f "$json" "$kb/test.log"
	"${NICE[@]}" "$@" --json="$json" > "$log.parsed" 2>&1
	grep -E '^\[[0-9:]+\] (\[|=|Testing complete|Elapsed)' "$log.parsed" | tail -4 >&2
	tr -d '\r' < "$kb/test.log" > "$log" 2>/dev/null || : > "$log"
	python3 "$AD/kunit_cases.py" "$json" > "$log.cases"
	read -r p f s < <(python3 "$TOP/scripts/kunit_counts.py" --strict "$json")
	if [ "$((p + f + s))" -le 1 ] && [ "$f" -le 1 ]; then
		bad "$name $mode: no KUnit result (see $log.parsed)"
		tail -n5 "$log.parsed" >&2
		return
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	say "$name gup_pin_tracking=$mode: $p passed, $f failed, $s skipped"
	grep ' FAIL$' "$log.cases" | sed 's/^/  failed: /' >&2
	grep -aoE 'ok [0-9]+ pintrack_[a-z0-9_]+ # SKIP.*' "$log" | sed 's/^ok [0-9]* /  skipped: /' >&2
	probs=$(log_problems "$log")
	if [ -n "$probs" ]; then
		bad "$name $mode: the kernel log has problems: $(head -n3 <<< "$probs")"
	fi
	if grep -q "gup_pin_tracking: enabled" "$log"; then
		ok "$name $mode: tracking started"
	else
		bad "$name $mode: tracking did not start (see $log)"
	fi
	for c in $PIN_CASES $([ "$mode" = stacks ] && echo pintrack_test_pinners); do
		if [ "$c" = pintrack_test_thp_user ] && [ -n "$NO_THP" ] &&
		   grep -qx "$c SKIP" "$log.cases"; then
			say "$name $mode: $c skipped as expected: $NO_THP"
			continue
		fi
		grep -qx "$c PASS" "$log.cases" ||
			bad "$name $mode: $c did not pass: $(grep -aoE "ok [0-9]+ $c( .*|$)" "$log" | head -n1)"
	done
	if [ "$KARCH" = i386 ]; then
		if grep -aqE 'HighMem +\[mem' "$log"; then
			ok "$name $mode: the guest has a HighMem zone"
		else
			bad "$name $mode: no HighMem zone in the guest (see $log)"
		fi
	fi
}

step_kunit() {
	local name=$1 kb=$BUILD/kunit-$1 kc=$BUILD/kunitconfig-$1 args
	arch_params "$name"
	mkdir -p "$kc"
	kunitconfig "$name" > "$kc/.kunitconfig"
	args=(--arch="$QARCH" --build_dir="$kb" --qemu_args="$QEMU_ARGS" --timeout=1200)
	[ -n "$CROSS" ] && args+=(--cross_compile="$CROSS")
	say "$name: building the KUnit kernel in $kb"
	if ! "${NICE[@]}" python3 "$SRC/tools/testing/kunit/kunit.py" build \
		--kunitconfig="$kc" --build_dir="$kb" --arch="$QARCH" \
		${CROSS:+--cross_compile="$CROSS"} --jobs="$JOBS" \
		--make_options CC="ccache ${CROSS}gcc" > "$OUT/kunit-$name-build.log" 2>&1; then
		bad "$name: KUnit kernel build failed (see $OUT/kunit-$name-build.log)"
		tail -n 15 "$OUT/kunit-$name-build.log" >&2
		return
	fi
	for mode in on stacks; do
		kunit_boot "$name" "$mode" python3 "$SRC/tools/testing/kunit/kunit.py" exec \
			"${args[@]}" --kernel_args="gup_pin_tracking=$mode" gup_pin_tracking
	done
}

cd "$SRC" || die "no tree in $SRC"
declare -A took
for name in $ARCHES; do
	arch_params "$name" || die "unknown arch $name (one of: arm64 arm64-64k s390x i386 ppc64le riscv64)"
	t0=$(date +%s)
	for step in $STEPS; do
		say "$name: $step"
		s0=$(date +%s)
		"step_$step" "$name"
		say "$name: $step took $(( $(date +%s) - s0 ))s"
	done
	took[$name]=$(( $(date +%s) - t0 ))
	say "$name took ${took[$name]}s"
done
for name in $ARCHES; do
	say "time: $name ${took[$name]}s"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
