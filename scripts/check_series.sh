#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-series: is the mailed series sound?
#  1. make patches, then `git am` of build/patches/ on a clean base gives
#     the same tree as the series branch;
#  2. every prefix of the series builds, with CONFIG_GUP_PIN_TRACKING=n and
#     =y (x86_64, tinyconfig + the bench fragments + KUnit): the objects
#     each patch touches per step, the whole kernel at the end;
#     sparse (C=2) on the new files reports nothing;
#  3. checkpatch --strict on every patch reports nothing but the findings
#     the cover letter justifies;
#  4. patches/series applies to the base with `quilt push -a`;
#  5. make htmldocs SPHINXDIRS=mm gives no warning about our files;
#  6. `make x86_64_defconfig gup_pin_tracking.config` on the series turns
#     tracking on by default (SERIES_DEFCONFIG_BOOT=1 also builds that
#     kernel and boots it: tracking on, pins counted, verify clean);
#  7. Debian's own amd64 config (linux-config-6.12) + the fragment keeps
#     every option of the fragment, and the touched objects build (W=1);
#  8. a note when base.conf is no longer the newest linux-source-6.12 in
#     Debian's archive.
# Ends with "check-series: N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

apt_install git quilt python3-sphinx python3-alabaster python3-yaml
bash "$TOP/scripts/patches.sh" >/dev/null || die "make patches failed"
R=$BUILD/patches-git
P=$BUILD/patches
G=(git -C "$R" -c user.name="GUP Pin Tracking Team"
   -c user.email=gup-pin-tracking@example.org -c core.autocrlf=false)
LOG=$BUILD/check-series
mkdir -p "$LOG"
pass=0 fail=0
ok() { say "PASS: $*"; pass=$((pass + 1)); }
bad() { say "FAIL: $*"; fail=$((fail + 1)); }

# 1. git am
"${G[@]}" checkout -q -f -B series-am base && "${G[@]}" clean -qfdx
if "${G[@]}" am -q $(ls "$P"/0*.patch | grep -v cover-letter) 2> "$LOG/am.log"; then
	if "${G[@]}" diff --quiet series series-am; then
		ok "git am of $(ls "$P"/0*.patch | grep -vc cover-letter) patches on base"
	else
		bad "git am gives a different tree than the series branch"
	fi
else
	"${G[@]}" am --abort 2>/dev/null
	bad "git am failed (see $LOG/am.log)"
fi

# 2. Builds of every prefix.
CFG=$TOP/scripts/configs
frags_n=("$CFG/x86-base.config" "$CFG/bench-off.config")
frags_y=("$CFG/x86-base.config" "$CFG/bench-on.config" "$CFG/series-y.config")
configure() { # configure O FRAGMENT...
	local o=$1
	shift
	mkdir -p "$o"
	make -s -C "$R" O="$o" ARCH=x86_64 tinyconfig >/dev/null &&
	"$R/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" "$@" >/dev/null &&
	make -s -C "$R" O="$o" ARCH=x86_64 olddefconfig >/dev/null
}
# Objects to build for a commit: the .c files it touches (kernel side),
# and the users of a header it touches (every tracker object for the
# tracker's own headers), as far as they exist at that commit.
objects() {
	local f o tracker="mm/gup_pin_tracking.o mm/gup_pin_tracking_report.o"
	tracker="$tracker mm/gup_pin_tracking_debugfs.o"
	for f in $("${G[@]}" diff --name-only "$1~1" "$1"); do
		case $f in
		tools/* | Documentation/* | scripts/*) ;;
		include/linux/gup_pin_tracking.h | include/linux/page_ext.h)
			# Its users at this commit (upstream's and the tracker's).
			"${G[@]}" grep -l "include <${f#include/}>" -- '*.c' |
				grep -v -e '^tools/' -e '^samples/' -e '^Documentation/' |
				sed 's/\.c$/.o/' ;;
		mm/gup_pin_tracking_internal.h | include/trace/events/gup_pin_tracking.h)
			echo "$tracker" ;;
		*.c) echo "${f%.c}.o" ;;
		esac
	done | tr ' ' '\n' | sort -u | while read -r o; do
		# Only what exists at this commit (a new file comes later).
		[ -n "$o" ] && [ -f "$R/${o%.o}.c" ] && echo "$o"
	done | tr '\n' ' '
}
# Is OBJ part of the build configured in O? (configured O OBJ) Looks for
# its obj-$(CONFIG_FOO) line in the Makefiles of its directory and their
# parents; an object with no such line (obj-y, a list) counts as built.
configured() {
	local o=$1 rel=${2##*/} dir=${2%/*} line sym
	while :; do
		line=$(grep -E "^obj-[^+:]*[+:]=.*[[:space:]]$rel([[:space:]]|$)" \
			"$R/$dir/Makefile" 2>/dev/null | head -n1)
		[ -n "$line" ] && break
		[ "$dir" = "${dir%/*}" ] && return 0
		rel=${dir##*/}/$rel
		dir=${dir%/*}
	done
	sym=$(sed -n 's/^obj-\$(\(CONFIG_[A-Za-z0-9_]*\)).*/\1/p' <<< "$line")
	[ -z "$sym" ] || grep -qE "^$sym=[ym]" "$o/.config"
}
commits=$("${G[@]}" rev-list --reverse base..series-am)
n=0
for c in $commits; do
	n=$((n + 1))
	"${G[@]}" checkout -q -f "$c"
	subj=$("${G[@]}" log -1 --format=%s "$c")
	all=$(objects "$c")
	for v in n y; do
		o=$BUILD/series-$v
		eval "frags=(\"\${frags_$v[@]}\")"
		# shellcheck disable=SC2154
		if ! configure "$o" "${frags[@]}" > "$LOG/$n-$v.log" 2>&1; then
			bad "patch $n ($subj) =$v: configuration failed"
			continue
		fi
		objs=
		for obj in $all; do
			configured "$o" "$obj" && objs="$objs $obj"
		done
		if [ -z "$objs" ]; then
			ok "patch $n =$v: no configured kernel object to build ($subj)"
			continue
		fi
		# shellcheck disable=SC2086
		if make -C "$R" O="$o" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" W=1 $objs \
			>> "$LOG/$n-$v.log" 2>&1; then
			ok "patch $n =$v: $objs"
		else
			bad "patch $n ($subj) =$v: build of $objs failed (see $LOG/$n-$v.log)"
		fi
	done
done
for v in n y; do
	if make -C "$R" O="$BUILD/series-$v" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" bzImage \
		> "$LOG/full-$v.log" 2>&1; then
		ok "whole series =$v: bzImage"
	else
		bad "whole series =$v: kernel build failed (see $LOG/full-$v.log)"
	fi
done
# sparse (as the build bots run it): lock context and address spaces of the
# new files, on the whole series with tracking =y.
apt_install sparse
if make -C "$R" O="$BUILD/series-y" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" C=2 \
	mm/gup_pin_tracking.o mm/gup_pin_tracking_report.o mm/gup_pin_tracking_debugfs.o \
	> "$LOG/sparse.log" 2>&1; then
	if grep -E 'gup_pin_tracking[^:]*:[0-9]+:[0-9]+: (warning|error)' "$LOG/sparse.log" \
		> "$LOG/sparse.out"; then
		bad "sparse: $(wc -l < "$LOG/sparse.out") findings in the new files: $(head -n2 "$LOG/sparse.out")"
	else
		ok "sparse (C=2): nothing in the new files"
	fi
else
	bad "sparse build failed (see $LOG/sparse.log)"
fi
# New warnings from our files in the W=1 object builds.
if grep -h -E '(gup_pin_tracking[^:]*|gup\.c|bio\.c|rsrc\.c|direct-io\.c|hugetlb\.c|page_alloc\.c|debug\.c|memory_hotplug\.c|page_isolation\.c):[0-9]+:[0-9]+: warning' \
	"$LOG"/[0-9]*-*.log | sort -u > "$LOG/warnings"; [ -s "$LOG/warnings" ]; then
	bad "W=1 warnings in touched files: $(head -n3 "$LOG/warnings")"
else
	ok "no W=1 warnings in the touched files"
fi
"${G[@]}" checkout -q -f series

# 3. checkpatch --strict. Justified in the cover letter: the kselftest
# harness's FIXTURE_DATA(pintrack) *self read as a product, the layout
# every trace event header has (TRACE_EVENT( name, then TP_PROTO(... on
# lines of their own), in include/trace/events/ only, the reuse of
# the cursor arguments that every for_each macro has, in mainline's
# for_each_page_ext() only, and the EM()/EMe() list of the misuse names
# (the pattern of include/trace/events/migrate.h); and MAINTAINERS for the
# x86 patch's arch/x86/kernel/unwind_cache.c, which X86 STACK UNWINDING's
# "F: arch/x86/kernel/unwind_*.c" covers.
for p in "$P"/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	"$R/scripts/checkpatch.pl" --strict --show-types --no-tree -q "$p" 2>&1 |
		awk -v patch="$(basename "$p")" 'BEGIN { RS = ""; ORS = "\n\n" }
		     /^WARNING:FILE_PATH_CHANGES:/ &&
		     patch ~ /^0005-x86-unwind-orc-/ { next }
		     /^CHECK:(OPEN_ENDED_LINE|PARENTHESIS_ALIGNMENT):/ &&
		     /FILE: include\/trace\/events\/gup_pin_tracking\.h:/ { next }
		     /^CHECK:MACRO_ARG_REUSE: Macro argument reuse .__(page_ext|iter|pgcount)./ &&
		     /#define for_each_page_ext\(/ { next }
		     /^ERROR:COMPLEX_MACRO:/ && /\+#define GUP_PIN_MISUSE_KINDS/ { next }
		     /^WARNING:(MACRO_ARG_UNUSED|TRAILING_SEMICOLON):/ &&
		     /\+#define EMe?\(a, b\)/ { next }
		     { print }' > "$LOG/cp.out"
	left=$(grep -E '^(ERROR|WARNING|CHECK):' "$LOG/cp.out" |
		grep -v -e "CHECK:SPACING: spaces preferred around that '\*' (ctx:WxV)")
	if [ -n "$left" ]; then
		bad "checkpatch $(basename "$p"): $left"
	elif grep -q "ctx:WxV" "$LOG/cp.out" && ! grep -q 'FIXTURE_DATA(pintrack) \*self' "$p"; then
		bad "checkpatch $(basename "$p"): a '*' spacing finding outside FIXTURE_DATA"
	else
		ok "checkpatch --strict $(basename "$p")"
	fi
done

# 4. quilt push -a on a copy of the base (hard links: patch(1) replaces
# the files it changes rather than writing through the links).
Q=$BUILD/quilt-check
rm -rf "$Q"
cp -al "$BUILD/base" "$Q"
if (cd "$Q" && QUILT_PATCHES="$TOP/patches" quilt push -a -q) > "$LOG/quilt.log" 2>&1; then
	ok "quilt push -a: $(grep -vc '^#' "$TOP/patches/series") patches"
else
	bad "quilt push -a failed (see $LOG/quilt.log)"
fi
rm -rf "$Q"

# 5. Sphinx, on the whole series.
D=$BUILD/htmldocs
if make -C "$R" O="$D" SPHINXDIRS=mm htmldocs > "$LOG/htmldocs.log" 2>&1 &&
   [ -s "$D/Documentation/output/mm/gup_pin_tracking.html" ]; then
	# mm/index.rst has warnings of its own in a SPHINXDIRS=mm build (links
	# out of mm/); ours would name gup_pin_tracking (the document, the
	# header's kernel-doc or the toctree entry).
	if grep -i -E 'warning|error' "$LOG/htmldocs.log" | grep 'gup_pin_tracking' > "$LOG/htmldocs.ours"; then
		bad "htmldocs warnings about our files: $(head -n3 "$LOG/htmldocs.ours")"
	else
		ok "htmldocs SPHINXDIRS=mm: no warning from our files ($(grep -ci warning "$LOG/htmldocs.log") elsewhere)"
	fi
else
	bad "htmldocs SPHINXDIRS=mm failed (see $LOG/htmldocs.log)"
fi

# 6. The distro fragment on the base's own defconfig.
DC=$BUILD/series-defconfig
if make -s -C "$R" O="$DC" ARCH=x86_64 x86_64_defconfig gup_pin_tracking.config \
	> "$LOG/defconfig.log" 2>&1; then
	missing=
	for o in CONFIG_GUP_PIN_TRACKING=y CONFIG_GUP_PIN_TRACKING_ENABLE_DEFAULT=y \
		 CONFIG_PAGE_EXTENSION=y CONFIG_DEBUG_FS=y; do
		grep -qx "$o" "$DC/.config" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then
		ok "x86_64_defconfig + gup_pin_tracking.config: tracking on by default"
	else
		bad "x86_64_defconfig + gup_pin_tracking.config lacks:$missing"
	fi
else
	bad "make x86_64_defconfig gup_pin_tracking.config failed (see $LOG/defconfig.log)"
fi
if [ "${SERIES_DEFCONFIG_BOOT:-0}" = 1 ]; then
	if make -C "$R" O="$DC" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" bzImage \
		> "$LOG/defconfig-build.log" 2>&1; then
		[ -e "$BUILD/initramfs.cpio.gz" ] || bash "$TOP/scripts/initramfs.sh" >/dev/null
		# No boot parameter: the fragment's default turns tracking on.
		if GUEST_SMP=2 bash "$TOP/scripts/guest.sh" "$DC/arch/x86/boot/bzImage" \
			"$LOG/defconfig-boot.log" "gpt.job=defconfig" 900 &&
		   grep -q 'gup_pin_tracking: enabled' "$LOG/defconfig-boot.log"; then
			ok "defconfig kernel boots with tracking on and counts pins"
		else
			bad "defconfig kernel boot (see $LOG/defconfig-boot.log)"
		fi
	else
		bad "defconfig kernel build failed (see $LOG/defconfig-build.log)"
	fi
fi

# 7. Debian's own amd64 kernel config (linux-config-6.12) + the fragment:
# every option of the fragment survives olddefconfig, and the objects the
# series touches build with it (W=1, no warning from them).
apt_install linux-config-6.12
DEB_CFG=$(ls /usr/src/linux-config-6.12/config.amd64_none_amd64.xz 2>/dev/null)
DD=$BUILD/series-debian
if [ -z "$DEB_CFG" ]; then
	bad "no Debian amd64 config (package linux-config-6.12)"
else
	mkdir -p "$DD"
	xz -dc "$DEB_CFG" > "$DD/.config"
	# Debian signs modules with its own keys: not ours to build.
	"$R/scripts/config" --file "$DD/.config" --set-str SYSTEM_TRUSTED_KEYS "" \
		--set-str SYSTEM_REVOCATION_KEYS "" --set-str MODULE_SIG_KEY "certs/signing_key.pem"
	if make -s -C "$R" O="$DD" ARCH=x86_64 olddefconfig gup_pin_tracking.config \
		> "$LOG/debian.log" 2>&1; then
		missing=
		while read -r line; do
			case $line in CONFIG_*=*) grep -qx "$line" "$DD/.config" ||
				missing="$missing $line" ;; esac
		done < "$R/kernel/configs/gup_pin_tracking.config"
		if [ -z "$missing" ]; then
			ok "Debian amd64 config + gup_pin_tracking.config: every option of the fragment"
		else
			bad "Debian amd64 config + gup_pin_tracking.config lacks:$missing"
		fi
		objs="mm/gup_pin_tracking.o mm/gup_pin_tracking_debugfs.o mm/gup.o \
		      mm/page_alloc.o mm/hugetlb.o mm/page_ext.o mm/debug.o \
		      mm/memory_hotplug.o block/bio.o io_uring/rsrc.o fs/direct-io.o"
		# shellcheck disable=SC2086
		if make -C "$R" O="$DD" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" W=1 $objs \
			> "$LOG/debian-build.log" 2>&1; then
			if grep -E '(gup_pin_tracking[^:]*|gup\.c|bio\.c|rsrc\.c|direct-io\.c|hugetlb\.c|page_alloc\.c|page_ext\.c|debug\.c|memory_hotplug\.c):[0-9]+:[0-9]+: warning' \
				"$LOG/debian-build.log" | grep -v "^In file" > "$LOG/debian-warnings" &&
			   [ -s "$LOG/debian-warnings" ]; then
				bad "Debian config W=1: warnings (see $LOG/debian-warnings)"
			else
				ok "Debian config: the touched objects build with W=1"
			fi
		else
			bad "Debian config: build of the touched objects failed (see $LOG/debian-build.log)"
		fi
	else
		bad "Debian config + gup_pin_tracking.config: olddefconfig failed (see $LOG/debian.log)"
	fi
fi

# 8. How far behind the archive the series is: base.conf pins one
# linux-source-6.12; say so when Debian has a newer one (a note for
# distro users, not a failure: the series is tested on the pinned one).
newest=$(apt-cache madison "$BASE_PKG" 2>/dev/null | awk '{ print $3 }' |
	sort -V | tail -n1)
if [ -z "$newest" ]; then
	say "NOTE: no $BASE_PKG in the package lists (apt-get update?)"
elif [ "$newest" = "$BASE_VERSION" ]; then
	ok "base.conf pins $BASE_PKG $BASE_VERSION, the newest in the archive"
else
	say "NOTE: base.conf pins $BASE_PKG $BASE_VERSION; the archive has $newest: the series is tested on an older 6.12"
fi

echo "check-series: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
