#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make patches: export the work as a git format-patch series against the
# pinned base, with a cover letter, into build/patches/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

apt_install git
bash "$TOP/scripts/tree.sh"
R=$BUILD/patches-git
OUT=$BUILD/patches
ID="GUP Pin Tracking Team <gup-pin-tracking@example.org>"
G=(git -C "$R" -c user.name="GUP Pin Tracking Team"
   -c user.email=gup-pin-tracking@example.org -c core.autocrlf=false)

if ! "${G[@]}" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	say "making a git repository of the base in $R (once)"
	rm -rf "$R"
	mkdir -p "$R"
	cp -a "$BUILD/base/." "$R/"
	rm -f "$R/.version"
	"${G[@]}" init -q
	"${G[@]}" add -f -A  # Debian's .gitignore ignores everything
	"${G[@]}" commit -q -m "Linux $BASE_PKG $BASE_VERSION"
	"${G[@]}" tag base
fi
"${G[@]}" checkout -q -f -B series base
"${G[@]}" clean -qfdx

# step PATCH|- "FILES" ["SUBJECT" "BODY"]: apply one series patch and/or add
# new files, and commit with the patch's message (or the one given).
step() {
	local patch=$1 files=$2 subject=${3:-} body=${4:-} f
	if [ "$patch" != - ]; then
		"${G[@]}" apply --index "$TOP/patches/$patch" ||
			die "$patch does not apply"
		subject=$(sed -n 's/^Subject: \[PATCH\] //p' "$TOP/patches/$patch" | head -n1)
		body=$(awk 'f && /^Signed-off-by:/ { exit } f { print } /^Subject:/ { f = 1 }' \
			"$TOP/patches/$patch")
	fi
	for f in $files; do
		mkdir -p "$R/$(dirname "$f")"
		cp "$TOP/$f" "$R/$f"
		"${G[@]}" add -f "$f"
	done
	printf '%s\n%s\n\nSigned-off-by: %s\n' "$subject" "$body" "$ID" |
		"${G[@]}" commit -q -F -
}

step 0001-mm-page_ext-add-page_ext_lookup-and-an-iteration-API.patch ""
step 0002-mm-gup_pin_tracking-register-the-page_ext-tracker.patch \
	"include/linux/gup_pin_tracking.h mm/gup_pin_tracking.c \
	 mm/gup_pin_tracking_report.c mm/gup_pin_tracking_internal.h \
	 include/trace/events/gup_pin_tracking.h"
"${G[@]}" commit -q --amend -F - <<'MSG'
mm/gup_pin_tracking: track FOLL_PIN pins of every page in page_ext

Upstream knows the exact pin count of a large folio (_pincount) and can
only guess for a small one (GUP_PIN_COUNTING_BIAS in the refcount), and
nothing says which page of a folio is pinned or by whom. Add a page_ext
client that keeps, for every base page, the number of FOLL_PIN pins, a
DmaPinned bit set exactly while the count is non-zero, and a long-term
flag, and that reports unpins of pages without a pin, pages freed while
pinned and pin references dropped with put_page().

Counts are updated under an array of irq-safe spinlocks hashed on the
2 MiB chunk of the pfn. A hook call walks its pages in runs of entries
of one chunk, so the pages of a THP or a bio segment cost one
page_ext_lookup() and one lock acquisition; chunks never cross a memory
section, so the entries of a run follow each other (page_ext_next()).
Every release names the page it releases and takes the pin from that
page only: a release that finds no pin there is reported with that
page's own pinner, never hidden by borrowing another page's pin. The
hooks are static-key inline wrappers in include/linux/gup_pin_tracking.h
with empty stubs when CONFIG_GUP_PIN_TRACKING=n.

gup_pin_tracking=off (the default) reserves no page_ext memory; =on
costs 8 bytes a page (the state word and the time of the last pin),
=stacks 16 and also keeps the last pinner's stack (in stackdepot) and
thread group. Entries stay 8-byte aligned for the page_ext clients after
this one. A deferrable scan reports short-term pins held longer than
gup_pin_tracking.stale_secs, and the pinned pages that block a migration
are recorded until their last unpin (mm/gup_pin_tracking_report.c, with
the one printer of a page's line). Every counted pin and unpin, and every
misuse, is also a gup_pin_tracking:mm_gup_pin, :mm_gup_unpin or
:mm_gup_pin_misuse trace event.
Later patches add the hooks and the debugfs files.

This re-does "mm: tracking get_user_pages() pages" (RFC v2, 2018),
which kept the flag and count in struct page under a zone lock.

Signed-off-by: GUP Pin Tracking Team <gup-pin-tracking@example.org>
MSG
step 0003-mm-gup-count-FOLL_PIN-pins-in-the-pin-tracker.patch ""
step 0004-block-name-the-released-pages-for-the-pin-tracker.patch ""
step 0005-io_uring-rsrc-release-registered-buffer-pins-by-page.patch ""
step 0006-mm-report-pages-and-hugetlb-folios-freed-while-pinned.patch ""
step 0007-mm-gup_pin_tracking-add-the-debugfs-files.patch \
	"mm/gup_pin_tracking_debugfs.c"
step 0008-mm-debug-print-tracked-pins-in-dump_page.patch ""
step 0009-mm-name-the-pinned-pages-that-block-migration.patch ""
step 0010-mm-gup_pin_tracking-build-the-KUnit-tests.patch \
	"mm/tests/gup_pin_tracking_kunit.c mm/tests/.kunitconfig"
step 0011-selftests-mm-build-the-gup_pin_tracking-test.patch \
	"tools/testing/selftests/mm/gup_pin_tracking.c"
step 0012-scripts-gdb-add-lx-gup-pinned-and-lx-gup-pin-stats.patch \
	"scripts/gdb/linux/gup_pin_tracking.py"
step 0013-Documentation-mm-list-gup_pin_tracking.patch \
	"Documentation/mm/gup_pin_tracking.rst"
step 0014-kernel-configs-add-gup_pin_tracking.config.patch \
	"kernel/configs/gup_pin_tracking.config"

rm -rf "$OUT"
"${G[@]}" format-patch -q --cover-letter --base=base -o "$OUT" base..series
cover=$(ls "$OUT"/0000-cover-letter.patch)
python3 "$TOP/scripts/cover.py" "$cover" "$TOP" "$("${G[@]}" diff --stat base series | tail -n 40)"
say "series: $(ls "$OUT" | wc -l) files in $OUT"
ls "$OUT"
