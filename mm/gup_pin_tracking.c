// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: the exact number of FOLL_PIN pins on every page, in page_ext.
 *
 * Upstream keeps an exact pin count per large folio (_pincount) and a biased
 * guess per small folio (GUP_PIN_COUNTING_BIAS in the refcount). This keeps a
 * count and a DmaPinned bit for every base page, so that a person can ask which
 * pages are pinned, how often and by whom, and so that unpins of pages that
 * hold no pin, pages freed while pinned and pins dropped with put_page() are
 * reported when they happen. See Documentation/mm/gup_pin_tracking.rst.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#define pr_fmt(fmt) "gup_pin_tracking: " fmt

#include <linux/gup_pin_tracking.h>
#include <linux/hash.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page_ext.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include <kunit/test-bug.h>
#include <kunit/resource.h>
#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"
#include "internal.h"

/* === Boot switch ========================================================== */

enum gpt_mode {
	GPT_MODE_OFF,
	GPT_MODE_ON,
	GPT_MODE_STACKS,
};

static int gpt_boot_mode __initdata =
	IS_ENABLED(CONFIG_GUP_PIN_TRACKING_ENABLE_DEFAULT) ?
	GPT_MODE_ON : GPT_MODE_OFF;

bool gup_pin_tracking_stacks __read_mostly;

DEFINE_STATIC_KEY_FALSE(gup_pin_tracking_key);
EXPORT_SYMBOL_GPL(gup_pin_tracking_key);

static int __init early_gup_pin_tracking_param(char *buf)
{
	if (buf && !strcmp(buf, "off")) {
		gpt_boot_mode = GPT_MODE_OFF;
	} else if (buf && !strcmp(buf, "on")) {
		gpt_boot_mode = GPT_MODE_ON;
	} else if (buf && !strcmp(buf, "stacks")) {
		gpt_boot_mode = GPT_MODE_STACKS;
		stack_depot_request_early_init();
	} else {
		pr_err("invalid value '%s' for gup_pin_tracking= (expected off, on or stacks), tracking stays off\n",
		       buf ? buf : "");
		gpt_boot_mode = GPT_MODE_OFF;
	}
	return 0;
}
early_param("gup_pin_tracking", early_gup_pin_tracking_param);

static bool __init need_gup_pin_tracking(void)
{
	/* Only the "stacks" mode pays for the stack handle. */
	if (gpt_boot_mode == GPT_MODE_STACKS)
		gup_pin_tracking_ops.size = sizeof(struct gpt_page);
	else
		gup_pin_tracking_ops.size = sizeof(u32);
	return gpt_boot_mode != GPT_MODE_OFF;
}

/* === Hashed locks ========================================================= */

/*
 * The count of a page is updated under one of an array of spinlocks, chosen by
 * hashing the number of the naturally aligned chunk of 2^GPT_CHUNK_ORDER pages
 * (2 MiB with 4 KiB pages) that holds the pfn. Hashing the chunk rather than
 * the pfn lets a run of consecutive pages (a PMD-mapped THP, the pages of one
 * folio in a pin array, a bio segment) be updated under one lock acquisition,
 * while different chunks still spread over all buckets. A chunk never crosses
 * a memory section, so it also needs only one page_ext lookup. The locks are
 * taken with interrupts off: fast GUP pins with them off and bio completion
 * unpins from interrupt context. They never nest.
 */
#define GPT_MIN_LOCKS		16U
#define GPT_MAX_LOCKS		4096U

/* The bucket locks; each protects the page_ext state of its chunks. */
static spinlock_t *gpt_locks __read_mostly;
unsigned int gup_pin_tracking_lock_bits __read_mostly;

static inline spinlock_t *gpt_lock(unsigned long pfn)
{
	return &gpt_locks[hash_long(pfn >> GPT_CHUNK_ORDER,
				    gup_pin_tracking_lock_bits)];
}

/* === Counters ============================================================ */

const char *const gup_pin_tracking_counter_names[GPT_NR_COUNTERS] = {
	[GPT_PINNED_PAGES]	= "pinned_pages",
	[GPT_PINS]		= "pins",
	[GPT_LONGTERM_PAGES]	= "longterm_pinned_pages",
	[GPT_PINS_TOTAL]	= "pins_total",
	[GPT_UNPINS_TOTAL]	= "unpins_total",
	[GPT_ERRORS]		= "errors",
};

static_assert(ARRAY_SIZE(gup_pin_tracking_counter_names) == GPT_NR_COUNTERS);

static DEFINE_PER_CPU(long, gpt_counters[GPT_NR_COUNTERS]);

/*
 * Changes made by one hook call, added to the counters once. It lives on
 * the stack of hot paths, which CONFIG_INIT_STACK_ALL_ZERO clears: keep it
 * small.
 */
struct gpt_delta {
	int pages;
	int pins;
	int longterm;
	int errors;
	/* The first misuse seen, reported once the lock is dropped. */
	const char *bad_what;
	unsigned long bad_pfn;
	depot_stack_handle_t bad_stack;
};

/* What a hook call did, for the pins_total and unpins_total counters. */
enum gpt_event {
	GPT_EV_PIN,		/* every pin added counts in pins_total */
	GPT_EV_UNPIN,		/* every pin dropped counts in unpins_total */
	GPT_EV_FREE,		/* pins dropped by a free are not unpins */
};

/* One this_cpu_add() each: cheaper than testing for zero. */
static inline void gpt_add_delta(const struct gpt_delta *d,
				 enum gpt_event ev)
{
	this_cpu_add(gpt_counters[GPT_PINNED_PAGES], d->pages);
	this_cpu_add(gpt_counters[GPT_PINS], d->pins);
	this_cpu_add(gpt_counters[GPT_LONGTERM_PAGES], d->longterm);
	this_cpu_add(gpt_counters[GPT_ERRORS], d->errors);
	if (ev == GPT_EV_PIN)
		this_cpu_add(gpt_counters[GPT_PINS_TOTAL], d->pins);
	else if (ev == GPT_EV_UNPIN)
		this_cpu_sub(gpt_counters[GPT_UNPINS_TOTAL], d->pins);
}

/**
 * gup_pin_tracking_counter() - Sum of one counter over all CPUs.
 * @idx: The counter, an enum gpt_counter.
 *
 * Context: Any context.
 * Return: The sum, 0 for an unknown counter.
 */
long gup_pin_tracking_counter(unsigned int idx)
{
	long sum = 0;
	int cpu;

	if (WARN_ON_ONCE(idx >= GPT_NR_COUNTERS))
		return 0;
	for_each_possible_cpu(cpu)
		sum += per_cpu(gpt_counters[idx], cpu);
	return sum;
}

/* === Stacks =============================================================== */

#define GPT_STACK_DEPTH		16

static depot_stack_handle_t gpt_failure_handle __read_mostly;

/*
 * Saved once per pin call, not per page. stack_depot_save() may allocate with
 * GFP_NOWAIT, but the page allocator never pins, so this cannot recurse into
 * the tracker and needs no guard (unlike page_owner).
 */
static noinline depot_stack_handle_t gpt_save_stack(gfp_t gfp)
{
	unsigned long entries[GPT_STACK_DEPTH];
	depot_stack_handle_t handle;
	unsigned int nr;

	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 2);
	handle = stack_depot_save(entries, nr, gfp);
	return handle ? handle : gpt_failure_handle;
}

/* === Reports ============================================================== */

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * A KUnit test that provokes misuse on purpose owns a named resource
 * "gup_pin_tracking_reports"; reports made while it runs are counted there
 * instead of printed, as slub does for "slab_errors".
 */
static bool gpt_kunit_count_report(void)
{
	struct kunit_resource *resource;
	struct kunit *test = kunit_get_current_test();

	if (!test)
		return false;
	resource = kunit_find_named_resource(test, "gup_pin_tracking_reports");
	if (!resource)
		return false;
	(*(int *)resource->data)++;
	kunit_put_resource(resource);
	return true;
}
#else
static inline bool gpt_kunit_count_report(void)
{
	return false;
}
#endif

static DEFINE_RATELIMIT_STATE(gpt_report_rs, 5 * HZ, 10);

static noinline void gpt_report(const struct gpt_delta *d)
{
	struct page *page;

	if (gpt_kunit_count_report())
		return;
	if (!__ratelimit(&gpt_report_rs))
		return;
	page = pfn_to_page(d->bad_pfn);
	pr_err("%s pfn 0x%lx\n", d->bad_what, d->bad_pfn);
	dump_page(page, "gup_pin_tracking");
	if (d->bad_stack) {
		pr_err("page last pinned by:\n");
		stack_depot_print(d->bad_stack);
	}
	dump_stack();
}

/*
 * Record a misuse of @gp (under its bucket lock). Only the first misuse of a
 * page is printed; every one is counted.
 */
static void gpt_misuse(struct gpt_delta *d, struct gpt_page *gp,
		       unsigned long pfn, const char *what)
{
	d->errors++;
	if (gp->state & GPT_REPORTED)
		return;
	WRITE_ONCE(gp->state, gp->state | GPT_REPORTED);
	if (d->bad_what)
		return;
	d->bad_pfn = pfn;
	d->bad_what = what;
	d->bad_stack = gup_pin_tracking_stacks ? gp->stack : 0;
}

static __always_inline void gpt_finish(const struct gpt_delta *d,
				       enum gpt_event ev)
{
	gpt_add_delta(d, ev);
	if (unlikely(d->bad_what))
		gpt_report(d);
}

/* === Updating counts ====================================================== */

/*
 * A walk over the pages of one hook call. Pages of one chunk share one
 * page_ext lookup, whether or not they are consecutive; pages whose chunks
 * hash to the bucket already held share its acquisition (up to
 * GPT_WALK_BATCH updates, to bound the time with interrupts off). Counter
 * changes are added once at the end, and the first misuse is reported once
 * the lock is dropped.
 */
#define GPT_WALK_BATCH		GPT_CHUNK_PAGES

struct gpt_walk {
	struct gpt_delta d;
	/*
	 * While a chunk with page_ext is current, the tracking word of a pfn
	 * in it is at origin + pfn * page_ext_size: a chunk lies within one
	 * section (one node with FLATMEM), whose page_ext is one array.
	 */
	unsigned long origin;
	unsigned long chunk;	/* the current chunk, or ULONG_MAX */
	struct page_ext *base;	/* the page_ext reference held, or NULL */
	spinlock_t *lock;	/* the bucket lock held, or NULL */
	unsigned long flags;
	unsigned int batch;	/* updates under this acquisition */
#ifndef CONFIG_SPARSEMEM
	int nid;
#endif
};

/* Only what is read before it is written (no memset: this is a hot path). */
static __always_inline void gpt_walk_init(struct gpt_walk *w)
{
	w->d.pages = 0;
	w->d.pins = 0;
	w->d.longterm = 0;
	w->d.errors = 0;
	w->d.bad_what = NULL;
	w->chunk = ULONG_MAX;
	w->base = NULL;
	w->lock = NULL;
}

/* Drop the lock and the page_ext reference of @w, if held. */
static __always_inline void gpt_walk_release(struct gpt_walk *w)
{
	if (w->lock) {
		spin_unlock_irqrestore(w->lock, w->flags);
		w->lock = NULL;
	}
	if (w->base) {
		page_ext_put(w->base);
		w->base = NULL;
	}
	w->chunk = ULONG_MAX;
}

static __always_inline void gpt_walk_finish(struct gpt_walk *w,
					    enum gpt_event ev)
{
	gpt_walk_release(w);
	gpt_finish(&w->d, ev);
}

/* Is @page (at @pfn) in the current chunk of @w? */
static __always_inline bool gpt_walk_current(struct gpt_walk *w,
					     struct page *page,
					     unsigned long pfn)
{
	if (pfn >> GPT_CHUNK_ORDER != w->chunk)
		return false;
#ifndef CONFIG_SPARSEMEM
	if (page_to_nid(page) != w->nid)
		return false;
#endif
	return true;
}

/*
 * Slow path of gpt_walk_page(): @pfn is in another chunk than the current
 * one (or there is none), or the batch is full. A chunk without page_ext is
 * never made current, so its pages always come here and get NULL.
 */
static noinline struct gpt_page *gpt_walk_switch(struct gpt_walk *w,
						 struct page *page,
						 unsigned long pfn)
{
	unsigned long chunk = pfn >> GPT_CHUNK_ORDER;
	spinlock_t *lock;	/* the bucket lock of @pfn's chunk */

	if (gpt_walk_current(w, page, pfn)) {
		/* The batch is full: let interrupts in. */
		spin_unlock_irqrestore(w->lock, w->flags);
		spin_lock_irqsave(w->lock, w->flags);
		w->batch = 1;
		goto found;
	}
	lock = gpt_lock(pfn);
	if (w->base)
		page_ext_put(w->base);
	w->base = page_ext_get(page);
	if (w->lock && (lock != w->lock || !w->base)) {
		spin_unlock_irqrestore(w->lock, w->flags);
		w->lock = NULL;
	}
	if (!w->base) {
		w->chunk = ULONG_MAX;
		return NULL;
	}
	if (!w->lock) {
		spin_lock_irqsave(lock, w->flags);
		w->lock = lock;
		w->batch = 0;
	}
	w->batch++;
	w->chunk = chunk;
#ifndef CONFIG_SPARSEMEM
	w->nid = page_to_nid(page);
#endif
	w->origin = (unsigned long)gpt_page(w->base) - pfn * page_ext_size;
found:
	return (struct gpt_page *)(w->origin + pfn * page_ext_size);
}

/*
 * The tracking word of @page (whose pfn is @pfn) with its bucket lock held,
 * or NULL if the page has no page_ext.
 */
static __always_inline struct gpt_page *
gpt_walk_page(struct gpt_walk *w, struct page *page, unsigned long pfn)
{
	if (unlikely(!gpt_walk_current(w, page, pfn) ||
		     ++w->batch > GPT_WALK_BATCH))
		return gpt_walk_switch(w, page, pfn);
	return (struct gpt_page *)(w->origin + pfn * page_ext_size);
}

/* Add one pin to @gp, the page at @pfn. The caller holds the bucket lock. */
static __always_inline void gpt_pin_one(struct gpt_delta *d,
					struct gpt_page *gp, unsigned long pfn,
					bool longterm,
					depot_stack_handle_t stack)
{
	u32 state = gp->state;

	if (unlikely((state & GPT_COUNT_MASK) == GPT_COUNT_MASK)) {
		gpt_misuse(d, gp, pfn, "pin count overflow on");
		return;
	}
	if (!(state & GPT_COUNT_MASK))
		d->pages++;
	if (longterm && !(state & GPT_LONGTERM)) {
		d->longterm++;
		state |= GPT_LONGTERM;
	}
	WRITE_ONCE(gp->state, (state + 1) | GPT_DMA_PINNED);
	if (stack)
		WRITE_ONCE(gp->stack, stack);
	d->pins++;
}

/* Drop @drop pins from @gp. The caller holds the bucket lock. */
static __always_inline void gpt_drop(struct gpt_delta *d, struct gpt_page *gp, u32 drop)
{
	u32 state = gp->state;

	if ((state & GPT_COUNT_MASK) == drop) {
		d->pages--;
		if (state & GPT_LONGTERM)
			d->longterm--;
		state &= GPT_REPORTED;
	} else {
		state -= drop;
	}
	WRITE_ONCE(gp->state, state);
	d->pins -= drop;
}

/*
 * A small folio holds GUP_PIN_COUNTING_BIAS references per pin. If it holds
 * fewer than its tracked pins need, pin references were dropped with
 * put_page(). Called before upstream drops the pin being released.
 */
static __always_inline bool gpt_refs_dropped(struct page *page, u32 count)
{
	struct folio *folio = page_folio(page);

	if (folio_test_large(folio))
		return false;
	return (unsigned long)folio_ref_count(folio) <
	       (unsigned long)count * GUP_PIN_COUNTING_BIAS;
}

/*
 * Release one pin of @gp, the page @page at @pfn; the caller holds the
 * bucket lock. Returns false if the page holds no tracked pin.
 */
static __always_inline bool gpt_unpin_one(struct gpt_delta *d,
					  struct gpt_page *gp,
					  struct page *page, unsigned long pfn)
{
	u32 count = gp->state & GPT_COUNT_MASK;

	if (unlikely(!count))
		return false;
	if (unlikely(gpt_refs_dropped(page, count)))
		gpt_misuse(d, gp, pfn, "pin references dropped with put_page() on");
	gpt_drop(d, gp, 1);
	return true;
}

/*
 * Release up to @refs pins held anywhere in @folio, lowest page first. This
 * serves releases that name only the folio, and page releases whose pin was
 * counted on another page of the same folio (a folio-level pin, or a
 * folio-level release that took this page's pin earlier). Returns the number
 * released; *@tracked tells whether any page of the folio has page_ext.
 */
static unsigned long gpt_unpin_folio_pins(struct folio *folio,
					  unsigned long refs, bool *tracked)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned long end = pfn + folio_nr_pages(folio);
	unsigned long released = 0;
	struct gpt_walk w;

	gpt_walk_init(&w);
	*tracked = false;
	for (; pfn < end && released < refs; pfn++) {
		struct page *page = pfn_to_page(pfn);
		struct gpt_page *gp = gpt_walk_page(&w, page, pfn);
		u32 count, drop;

		if (!gp)
			continue;
		*tracked = true;
		count = gp->state & GPT_COUNT_MASK;
		drop = min_t(unsigned long, count, refs - released);
		if (!drop)
			continue;
		if (gpt_refs_dropped(page, count))
			gpt_misuse(&w.d, gp, pfn,
				   "pin references dropped with put_page() on");
		gpt_drop(&w.d, gp, drop);
		released += drop;
	}
	gpt_walk_finish(&w, GPT_EV_UNPIN);
	return released;
}

/* Report the unpin of something that holds no tracked pin. */
static void gpt_unpin_missing(struct page *page, const char *what)
{
	unsigned long pfn = page_to_pfn(page);
	struct gpt_page *gp;
	struct gpt_walk w;

	gpt_walk_init(&w);
	gp = gpt_walk_page(&w, page, pfn);
	if (gp)
		gpt_misuse(&w.d, gp, pfn, what);
	gpt_walk_finish(&w, GPT_EV_UNPIN);
}

/*
 * A page-level unpin found no pin on @page itself; the caller's walk is
 * released.
 */
static void gpt_unpin_miss(struct page *page)
{
	struct folio *folio = page_folio(page);
	bool tracked;

	if (folio_test_large(folio) &&
	    gpt_unpin_folio_pins(folio, 1, &tracked) == 1)
		return;
	gpt_unpin_missing(page, "unpin of a page that has no tracked pin,");
}

/* Release one pin of @page at @pfn within walk @w, with the miss fallback. */
static __always_inline void gpt_walk_unpin(struct gpt_walk *w,
					   struct page *page,
					   unsigned long pfn)
{
	struct gpt_page *gp = gpt_walk_page(w, page, pfn);

	if (!gp || gpt_unpin_one(&w->d, gp, page, pfn))
		return;
	gpt_walk_release(w);
	gpt_unpin_miss(page);
}

/* === Hooks ================================================================ */

/**
 * __gup_pin_track_pages() - Count pins handed back by a pin entry point.
 * @pages: The pages pinned.
 * @npages: Number of entries in @pages.
 * @gup_flags: The FOLL_* flags of the pin.
 *
 * One pin is counted on each page; the shared zero page is skipped, as
 * upstream never pins it. Nothing is counted without FOLL_PIN.
 *
 * Context: Process context; takes bucket locks with interrupts off.
 */
void __gup_pin_track_pages(struct page **pages, unsigned long npages,
			   unsigned int gup_flags)
{
	bool longterm = gup_flags & FOLL_LONGTERM;
	depot_stack_handle_t stack = 0;
	struct gpt_walk w;
	unsigned long i;

	if (!(gup_flags & FOLL_PIN))
		return;
	if (gup_pin_tracking_stacks)
		stack = gpt_save_stack(GFP_NOWAIT | __GFP_NOWARN);
	gpt_walk_init(&w);
	for (i = 0; i < npages; i++) {
		struct page *page = pages[i];
		unsigned long pfn;
		struct gpt_page *gp;

		if (!page)
			continue;
		pfn = page_to_pfn(page);
		if (is_zero_pfn(pfn))
			continue;
		gp = gpt_walk_page(&w, page, pfn);
		if (gp)
			gpt_pin_one(&w.d, gp, pfn, longterm, stack);
	}
	gpt_walk_finish(&w, GPT_EV_PIN);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_pin_track_pages);

/**
 * __gup_pin_track_folio() - Count one pin taken on a whole folio.
 * @folio: The folio; the pin is counted on its first page.
 * @gup_flags: The FOLL_* flags of the pin.
 *
 * Context: Any context; takes a bucket lock with interrupts off.
 */
void __gup_pin_track_folio(struct folio *folio, unsigned int gup_flags)
{
	struct page *page = &folio->page;
	depot_stack_handle_t stack = 0;
	unsigned long pfn;
	struct gpt_page *gp;
	struct gpt_walk w;

	if (is_zero_folio(folio))
		return;
	if (gup_pin_tracking_stacks)
		stack = gpt_save_stack(GFP_NOWAIT | __GFP_NOWARN);
	pfn = page_to_pfn(page);
	gpt_walk_init(&w);
	gp = gpt_walk_page(&w, page, pfn);
	if (gp)
		gpt_pin_one(&w.d, gp, pfn, gup_flags & FOLL_LONGTERM, stack);
	gpt_walk_finish(&w, GPT_EV_PIN);
}

/**
 * __gup_unpin_track_pages() - Account the release of an array of pins.
 * @pages: The pages being unpinned; NULL entries are skipped.
 * @npages: Number of entries in @pages.
 *
 * A page that holds no tracked pin takes one from another page of its folio
 * if that holds one, and is reported otherwise.
 *
 * Context: Any context; takes bucket locks with interrupts off.
 */
void __gup_unpin_track_pages(struct page **pages, unsigned long npages)
{
	struct gpt_walk w;
	unsigned long i;

	gpt_walk_init(&w);
	for (i = 0; i < npages; i++) {
		struct page *page = pages[i];
		unsigned long pfn;

		if (!page)
			continue;
		pfn = page_to_pfn(page);
		if (!is_zero_pfn(pfn))
			gpt_walk_unpin(&w, page, pfn);
	}
	gpt_walk_finish(&w, GPT_EV_UNPIN);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_pages);

/**
 * __gup_unpin_track_range() - Account the release of a range of pins.
 * @page: The first page.
 * @npages: Number of consecutive pages, one pin released on each.
 *
 * Context: Any context; takes bucket locks with interrupts off.
 */
void __gup_unpin_track_range(struct page *page, unsigned long npages)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long end = pfn + npages;
	struct gpt_walk w;

	if (is_zero_pfn(pfn))
		return;
	gpt_walk_init(&w);
	for (; pfn < end; pfn++)
		gpt_walk_unpin(&w, pfn_to_page(pfn), pfn);
	gpt_walk_finish(&w, GPT_EV_UNPIN);
}

/**
 * __gup_unpin_track_folio() - Account a release that names only a folio.
 * @folio: The folio.
 * @refs: Number of pins released.
 *
 * The pins are taken from whichever pages of @folio hold tracked pins. It is
 * misuse only if the folio holds none at all.
 *
 * Context: Any context; takes bucket locks with interrupts off.
 */
void __gup_unpin_track_folio(struct folio *folio, unsigned long refs)
{
	bool tracked;

	if (!refs || is_zero_folio(folio))
		return;
	if (!gpt_unpin_folio_pins(folio, refs, &tracked) && tracked)
		gpt_unpin_missing(&folio->page,
				  "unpin of a folio that has no tracked pin,");
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_folio);

/**
 * __gup_unpin_track_folios() - Account the release of an array of folios.
 * @folios: The folios; one pin released per entry, NULL entries skipped.
 * @nfolios: Number of entries in @folios.
 *
 * Context: Any context; takes bucket locks with interrupts off.
 */
void __gup_unpin_track_folios(struct folio **folios, unsigned long nfolios)
{
	unsigned long i, j;

	for (i = 0; i < nfolios; i = j) {
		for (j = i + 1; j < nfolios; j++)
			if (folios[i] != folios[j])
				break;
		if (folios[i])
			__gup_unpin_track_folio(folios[i], j - i);
	}
}

/**
 * __gup_pin_track_free() - Check pages being freed for tracked pins.
 * @page: The first page being freed.
 * @order: The order of the block.
 *
 * A page freed with a non-zero count is reported and its count dropped, so
 * the counters stay true. The per-page report flag is cleared for the next
 * user of the page.
 *
 * Context: Any context the page allocator frees in.
 */
void __gup_pin_track_free(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long nr = 1UL << order;

	while (nr) {
		unsigned long len = gpt_chunk_len(pfn, nr);
		struct page_ext *page_ext, *pe;
		struct gpt_delta d = {};
		unsigned long flags, i;
		spinlock_t *lock;	/* the bucket lock of the chunk */
		bool dirty = false;

		page_ext = page_ext_get(pfn_to_page(pfn));
		if (!page_ext)
			goto next;
		/* Nobody can pin a page whose refcount is zero: look unlocked. */
		for (i = 0, pe = page_ext; i < len && !dirty;
		     i++, pe = page_ext_next(pe))
			dirty = READ_ONCE(gpt_page(pe)->state);
		if (dirty) {
			lock = gpt_lock(pfn);
			spin_lock_irqsave(lock, flags);
			for (i = 0, pe = page_ext; i < len;
			     i++, pe = page_ext_next(pe)) {
				struct gpt_page *gp = gpt_page(pe);
				u32 count = gp->state & GPT_COUNT_MASK;

				if (count) {
					gpt_misuse(&d, gp, pfn + i,
						   "page freed while pinned,");
					gpt_drop(&d, gp, count);
				}
				WRITE_ONCE(gp->state, 0);
			}
			spin_unlock_irqrestore(lock, flags);
		}
		page_ext_put(page_ext);
		gpt_finish(&d, GPT_EV_FREE);
next:
		pfn += len;
		nr -= len;
	}
}

/* === Queries ============================================================== */

/**
 * __page_dma_pin_count() - Tracked pin count of a page.
 * @page: The page.
 *
 * Context: Any context.
 * Return: The number of FOLL_PIN pins counted on @page, 0 without page_ext.
 */
unsigned int __page_dma_pin_count(const struct page *page)
{
	return gpt_state(page) & GPT_COUNT_MASK;
}
EXPORT_SYMBOL_GPL(__page_dma_pin_count);

#if IS_ENABLED(CONFIG_KUNIT)
/* Only the KUnit tests ask; nothing else uses these two. */
/**
 * gup_pin_tracking_longterm() - Does a FOLL_LONGTERM pin hold a page?
 * @page: The page.
 *
 * The flag is set by a long-term pin and cleared when the count drops to 0.
 *
 * Context: Any context.
 * Return: true if a long-term pin was taken on @page since it was last
 * unpinned completely.
 */
VISIBLE_IF_KUNIT bool gup_pin_tracking_longterm(const struct page *page)
{
	return gpt_state(page) & GPT_LONGTERM;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_longterm);
#endif

/**
 * __gup_pin_track_dump_page() - dump_page() hook.
 * @page: The page being dumped.
 *
 * Context: Any context.
 */
void __gup_pin_track_dump_page(const struct page *page)
{
	struct page_ext *page_ext = page_ext_get(page);
	depot_stack_handle_t stack;
	u32 state;

	if (!page_ext)
		return;
	state = READ_ONCE(gpt_page(page_ext)->state);
	stack = gpt_page_stack(page_ext);
	page_ext_put(page_ext);
	pr_warn("pfn 0x%lx pins %lu%s%s\n", page_to_pfn(page),
		(unsigned long)(state & GPT_COUNT_MASK),
		state & GPT_LONGTERM ? " longterm" : "",
		state & GPT_DMA_PINNED ? " DmaPinned" : "");
	if (stack && (state & GPT_COUNT_MASK)) {
		pr_warn("page last pinned by:\n");
		stack_depot_print(stack);
	}
}

static DEFINE_RATELIMIT_STATE(gpt_migrate_rs, 5 * HZ, 10);

/* First pinned page of @folio: its pfn, state and pinner. */
static bool gpt_folio_first_pinned(struct folio *folio, unsigned long *pfnp,
				   u32 *statep, depot_stack_handle_t *stackp)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned long end = pfn + folio_nr_pages(folio);

	while (pfn < end) {
		unsigned long nr = gpt_chunk_len(pfn, end - pfn);
		struct page_ext *page_ext, *pe;
		unsigned long i;

		page_ext = page_ext_get(pfn_to_page(pfn));
		if (!page_ext) {
			pfn += nr;
			continue;
		}
		for (i = 0, pe = page_ext; i < nr; i++, pe = page_ext_next(pe)) {
			u32 state = READ_ONCE(gpt_page(pe)->state);

			if (state & GPT_COUNT_MASK) {
				*pfnp = pfn + i;
				*statep = state;
				*stackp = gpt_page_stack(pe);
				page_ext_put(page_ext);
				return true;
			}
		}
		page_ext_put(page_ext);
		pfn += nr;
	}
	return false;
}

/**
 * __gup_pin_track_migrate_failed() - Name pinned pages that blocked migration.
 * @folios: The folios, linked by ->lru, that memory offlining or
 *	    alloc_contig_range() could not migrate.
 * @why: Who wanted them migrated, for the message.
 *
 * For each folio that holds a tracked pin, log its first pinned page with
 * the pin count, the long-term flag and, in stacks mode, the pinner's stack.
 * Rate-limited.
 *
 * Context: Process context.
 */
void __gup_pin_track_migrate_failed(struct list_head *folios, const char *why)
{
	depot_stack_handle_t stack;
	struct folio *folio;
	unsigned long pfn;
	u32 state;

	list_for_each_entry(folio, folios, lru) {
		if (!gpt_folio_first_pinned(folio, &pfn, &state, &stack))
			continue;
		if (!__ratelimit(&gpt_migrate_rs))
			return;
		pr_warn("%s: migration blocked by pinned pfn 0x%lx pins %lu%s\n",
			why, pfn, (unsigned long)(state & GPT_COUNT_MASK),
			state & GPT_LONGTERM ? " longterm" : "");
		if (stack) {
			pr_warn("page last pinned by:\n");
			stack_depot_print(stack);
		}
	}
}

/* === Initialization ======================================================= */

static void __init init_gup_pin_tracking(void)
{
	unsigned int i, nr;

	if (gpt_boot_mode == GPT_MODE_OFF)
		return;

	nr = clamp_t(unsigned int, roundup_pow_of_two(4 * nr_cpu_ids),
		     GPT_MIN_LOCKS, GPT_MAX_LOCKS);
	gpt_locks = kmalloc_array(nr, sizeof(*gpt_locks), GFP_KERNEL);
	if (!gpt_locks) {
		pr_err("cannot allocate %u locks, tracking stays off\n", nr);
		return;
	}
	for (i = 0; i < nr; i++)
		spin_lock_init(&gpt_locks[i]);
	gup_pin_tracking_lock_bits = ilog2(nr);

	if (gpt_boot_mode == GPT_MODE_STACKS) {
		gpt_failure_handle = gpt_save_stack(GFP_KERNEL);
		gup_pin_tracking_stacks = true;
	}
	static_branch_enable(&gup_pin_tracking_key);
	pr_info("enabled%s: %zu bytes of page_ext per page, %u lock buckets\n",
		gup_pin_tracking_stacks ? " with stacks" : "",
		gup_pin_tracking_ops.size, nr);
}

struct page_ext_operations gup_pin_tracking_ops = {
	.size = sizeof(u32),
	.need = need_gup_pin_tracking,
	.init = init_gup_pin_tracking,
};
