#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fill in the cover letter of make patches."""
import os
import sys

cover, top = sys.argv[1], sys.argv[2]
bench = os.path.join(top, "bench", "results", "bench.md")
table = open(bench).read() if os.path.exists(bench) else \
    "(no bench/results/bench.md yet: run make bench)\n"

blurb = f"""\
Who pinned this page, and is it still pinned? Pin leaks (a driver that
never calls unpin_user_page()), double unpins and pins dropped with
put_page() corrupt refcounts silently today; folio_maybe_dma_pinned() is
a guess for small folios and says nothing about which page of a large
folio is pinned or by whom, and "why won't this memory block offline"
has no answer in the log.

This series keeps, for every base page, the exact number of FOLL_PIN
pins, a DmaPinned bit and the time of the last pin in page_ext (and, if
asked, the last pinner's stack and process), reports misuse when it
happens (a KFENCE-style "BUG: gup_pin_tracking: <misuse> in <function>"
report that taints the kernel and honours panic_on_warn, so that
syzkaller and CI bots pick it up), lists the pinned pages with their age
and pinner in debugfs, groups them by pinning stack (pinners) and by
process (processes: who holds the most), reports short-term pins held
longer than stale_secs, verifies the counts against upstream's own
(_pincount and the GUP_PIN_COUNTING_BIAS refcount), prints the count in
dump_page(), names the pinned page (and later who let it go) when
offlining or alloc_contig_range() fails, emits pin/unpin/misuse trace
events, and gives the kernel's gdb scripts lx-gup-pinned and
lx-gup-pin-stats for a stopped or crashed kernel.

Prior art: "mm: tracking get_user_pages() pages" (John Hubbard, RFC v2,
2018) kept PageDmaPinned and dma_pinned_count in the LRU fields of
struct page under a per-zone lock and lost 3.6-7.9% of fio IOPS. The
"page pin owner" RFC (2021) recorded pinners in page_owner style. This
series differs: struct page is not touched (page_ext only); updates
take an array of hashed, irq-safe spinlocks (hashed on the 2 MiB chunk,
one cache line each: a run of a hook call's pages in one chunk takes one
lock and one inline page_ext lookup, so a THP or a bio segment takes one
lock), never a zone lock; it is
compiled only with CONFIG_GUP_PIN_TRACKING and off unless booted with
gup_pin_tracking=on|stacks, and then costs no page_ext memory and a
static-key no-op on the pin paths.

Hooks count pins where the final pages[] array is handed back (fast
path, __gup_longterm_locked()), folio pins in memfd_pin_folios(), the
extra pin of fs/direct-io.c on its page, and releases at the top of each
exported unpin function. Attribution is exact on large folios: every
release names its page (bio completion and same-page merges, io_uring
registered buffers, the long-term migration loop pass the page down) and
takes its pin from that page only, so a double unpin is reported on the
page it hits, with that page's own pinner. hugetlb folios freed while
pinned are caught in free_huge_folio().

Benchmark (make bench: QEMU -icount, guest time = instructions, so the
figures repeat exactly; wall clock beside is noisy):

{table}
The series: page_ext_lookup() and the page_ext iterators of Linux 6.16;
the tracker that counts pins (page_ext state, locks, the one walker, the
queries) with its MAINTAINERS entry; its hooks in mm/gup.c, with the
bio, io_uring and direct-io releases that must name their pages in the
same step; then one patch per feature, each adding its own file and
turning the core's inline no-op hook for it into a call: misuse reports
(page and hugetlb free, dump_page()), the pinners' stacks, the debugfs
files, the migration failure record, the stale pin scan, the trace
events;
then KUnit, the selftest, the gdb commands, the documentation, the
config fragment and tools/mm/gup_pin_tracking_sort, which sorts and sums
the debugfs files as page_owner_sort does page_owner. Each patch that adds a file adds it to MAINTAINERS, and
every prefix builds with the tracker =n and =y.

Testing: KUnit on UML with KASAN, lockdep and DEBUG_VM (booted on,
stacks, off and with a bad value); the x86_64 guest with KASAN, lockdep
and DEBUG_VM running KUnit at boot and the new selftest on null_blk,
io_uring fixed buffers (several in one THP or hugetlb folio, released in
every order), a readv sharing a THP page in flight, udmabuf, fork,
munmap, gup_test, the trace events, a stress of all of them with memory
blocks going offline, stale pins and the post-mortem gdb commands
against debugfs. checkpatch --strict reports nothing but: "Macro
argument reuse" on for_each_page_ext() (mainline's, as every for_each
macro), "spaces preferred
around that '*'" on FIXTURE_DATA(pintrack) *self in the selftest, which is
the kselftest harness's own macro (checkpatch reads it as a product),
"Lines should not end with a '('" / "Alignment should match open
parenthesis" in include/trace/events/gup_pin_tracking.h, the layout of
every trace event header, and the EM()/EMe() list of the misuse names
(as MIGRATE_REASON in include/trace/events/migrate.h and its users):
"Macros with complex values", "Argument ... is not used" and "macros
should not use a trailing semicolon"; and "added, moved or deleted
file(s), does MAINTAINERS need updating?" on the x86 patch, whose new
arch/x86/kernel/unwind_cache.c X86 STACK UNWINDING's
"F: arch/x86/kernel/unwind_*.c" already covers.
"""

s = open(cover).read()
s = s.replace("*** SUBJECT HERE ***", "mm: GUP pin tracking in page_ext")
s = s.replace("*** BLURB HERE ***", blurb)
open(cover, "w").write(s)
