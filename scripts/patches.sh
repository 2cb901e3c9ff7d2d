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

# The new files of the tracker come in by feature: the states of
# scripts/split.sh, one per feature diff of patches/features/.
S=$BUILD/split-patches
[ -e "$S" ] && [ ! -e "$S/.split-states" ] && rm -rf "$S"
bash "$TOP/scripts/split.sh" states "$S"
SPLIT_FILES=$(sed -n '/^SPLIT_FILES="/,/"$/p' "$TOP/scripts/split.sh" | tr -d '"' |
	sed 's/^SPLIT_FILES=//')

# step PATCH "FILES" [FEATURE]: apply one series patch, add its new files
# whole and, with FEATURE, bring the core's files (SPLIT_FILES) to that
# feature's state (core: the first); commit with the patch's message.
step() {
	local patch=$1 files=$2 feature=${3:-} msg=$TOP/patches/$1 subject body f
	"${G[@]}" apply --index "$TOP/patches/$patch" || die "$patch does not apply"
	for f in $files; do
		mkdir -p "$R/$(dirname "$f")"
		cp "$TOP/$f" "$R/$f"
		"${G[@]}" add -f "$f"
	done
	if [ -n "$feature" ]; then
		for f in $SPLIT_FILES; do
			mkdir -p "$R/$(dirname "$f")"
			cp "$S/$feature/$f" "$R/$f"
			"${G[@]}" add -f "$f"
		done
	fi
	subject=$(sed -n 's/^Subject: \[PATCH\] //p' "$msg" | head -n1)
	body=$(awk 'f && /^Signed-off-by:/ { exit } f { print } /^Subject:/ { f = 1 }' "$msg")
	printf '%s\n%s\n\nSigned-off-by: %s\n' "$subject" "$body" "$ID" |
		"${G[@]}" commit -q -F -
}

step 0001-mm-page_ext-add-page_ext_lookup-and-an-iteration-API.patch ""
step 0002-mm-gup_pin_tracking-register-the-page_ext-tracker.patch \
	"include/linux/gup_pin_tracking.h" core
"${G[@]}" commit -q --amend -F - <<'MSG'
mm/gup_pin_tracking: count FOLL_PIN pins of every page in page_ext

Upstream knows the exact pin count of a large folio (_pincount) and can
only guess for a small one (GUP_PIN_COUNTING_BIAS in the refcount), and
nothing says which page of a folio is pinned. Add a page_ext client that
keeps, for every base page, the number of FOLL_PIN pins, a DmaPinned bit
set exactly while the count is non-zero, a long-term flag and the time
of the last pin, and answers page_dma_pin_count() and page_dma_pinned().

Counts are updated under an array of irq-safe spinlocks hashed on the
2 MiB chunk of the pfn. A hook call walks its pages in runs of entries
of one chunk, so the pages of a THP or a bio segment cost one
page_ext_lookup() and one lock acquisition; chunks never cross a memory
section, so the entries of a run follow each other (page_ext_next()).
Every release names the page it releases and takes the pin from that
page only, never from another page of its folio. The hooks are
static-key inline wrappers in include/linux/gup_pin_tracking.h with
empty stubs when CONFIG_GUP_PIN_TRACKING=n; the next patch calls them
from mm/gup.c and adds the tracked half of unpin_user_folio_pages(),
__unpin_user_folio_pages(), there.

Misuse is detected here and counted in errors: an unpin of a page with
no tracked pin (pins are never taken from another page), a folio-level
release of more pins than the folio's first page holds, pin references
dropped with put_page(), a page freed while pinned and a full count.
What a hook call finds under a bucket lock is recorded and acted on
once the locks are dropped.

The features that follow each add a file of their own (the misuse
report, stacks mode, the debugfs files, the failures record, the stale
scan, the trace events); the core calls them through the hooks at the
end of mm/gup_pin_tracking_internal.h, which are inline no-ops until
the feature's patch makes them prototypes.

gup_pin_tracking=off (the default) reserves no page_ext memory; =on
costs 8 bytes a page. Entries stay 8-byte aligned for the page_ext
clients after this one.

This re-does "mm: tracking get_user_pages() pages" (RFC v2, 2018),
which kept the flag and count in struct page under a zone lock.

Signed-off-by: GUP Pin Tracking Team <gup-pin-tracking@example.org>
MSG
step 0003-mm-gup-count-FOLL_PIN-pins-and-unpins-in-the-pin-tracker.patch ""
step 0004-mm-report-pages-freed-while-pinned-and-print-tracked-pins.patch \
	mm/gup_pin_tracking_report.c 0004-report
step 0005-x86-unwind-orc-cache-values-derived-from-the-current-stack.patch \
	"arch/x86/kernel/unwind_cache.c"
step 0006-mm-gup_pin_tracking-select-the-stack-depot-for-stacks-mode.patch \
	mm/gup_pin_tracking_stack.c 0006-stacks
step 0007-mm-gup_pin_tracking-add-the-debugfs-files.patch \
	mm/gup_pin_tracking_debugfs.c
step 0008-mm-name-the-pinned-pages-that-block-migration.patch \
	mm/gup_pin_tracking_failures.c 0008-failures
step 0009-mm-gup_pin_tracking-report-short-term-pins-held-too-long.patch \
	mm/gup_pin_tracking_stale.c 0009-stale
step 0010-mm-gup_pin_tracking-list-the-trace-event-header.patch \
	include/trace/events/gup_pin_tracking.h 0010-tracepoints
step 0011-mm-gup_pin_tracking-add-KUnit-tests.patch \
	"mm/tests/gup_pin_tracking_kunit.c mm/tests/.kunitconfig"
step 0012-selftests-mm-add-a-gup_pin_tracking-test.patch \
	"tools/testing/selftests/mm/gup_pin_tracking.c"
step 0013-scripts-gdb-add-lx-gup-pinned-and-lx-gup-pin-stats.patch \
	"scripts/gdb/linux/gup_pin_tracking.py"
step 0014-Documentation-mm-add-gup_pin_tracking.patch \
	"Documentation/mm/gup_pin_tracking.rst"
step 0015-kernel-configs-add-gup_pin_tracking.config.patch \
	"kernel/configs/gup_pin_tracking.config"
step 0016-tools-mm-add-gup_pin_tracking_sort.patch \
	"tools/mm/gup_pin_tracking_sort.c"
step 0017-tools-mm-add-gup_pin_tracking_drgn.py.patch \
	"tools/mm/gup_pin_tracking_drgn.py"

# The series must carry exactly the tree make check tests: every file it
# changes as in build/linux, and every new file of the repo.
for f in $("${G[@]}" diff --name-only base series) \
	 $(cd "$TOP" && find arch mm include Documentation tools kernel scripts/gdb -type f); do
	cmp -s "$R/$f" "$SRC/$f" || die "the series and build/linux differ in $f"
done

rm -rf "$OUT"
"${G[@]}" format-patch -q --cover-letter --base=base -o "$OUT" base..series
cover=$(ls "$OUT"/0000-cover-letter.patch)
python3 "$TOP/scripts/cover.py" "$cover" "$TOP" "$("${G[@]}" diff --stat base series | tail -n 40)"
say "series: $(ls "$OUT" | wc -l) files in $OUT"
ls "$OUT"
