// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: the exact number of FOLL_PIN pins on every page, in page_ext.
 *
 * Upstream keeps an exact pin count per large folio (_pincount) and a biased
 * guess per small folio (GUP_PIN_COUNTING_BIAS in the refcount). This keeps a
 * count and a DmaPinned bit for every base page, so that a person can ask which
 * pages are pinned, how often and by whom, and so that unpins of pages that
 * hold no pin, pages freed while pinned and pins dropped with put_page() are
 * caught when they happen. See Documentation/mm/gup_pin_tracking.rst.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#define pr_fmt(fmt) "gup_pin_tracking: " fmt

#include <linux/gup_pin_tracking.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page_ext.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"
#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/gup_pin_tracking.h>
EXPORT_TRACEPOINT_SYMBOL_GPL(mm_gup_pin);
EXPORT_TRACEPOINT_SYMBOL_GPL(mm_gup_unpin);
EXPORT_TRACEPOINT_SYMBOL_GPL(mm_gup_pin_misuse);

/* === Boot switch ========================================================== */

enum pintrack_boot {
	PINTRACK_MODE_OFF,
	PINTRACK_MODE_ON,
	PINTRACK_MODE_STACKS,
};

static int pintrack_boot_mode __initdata =
	IS_ENABLED(CONFIG_GUP_PIN_TRACKING_ENABLE_DEFAULT) ?
	PINTRACK_MODE_ON : PINTRACK_MODE_OFF;

DEFINE_STATIC_KEY_FALSE(gup_pin_tracking_key);
EXPORT_SYMBOL_GPL(gup_pin_tracking_key);

static int __init early_gup_pin_tracking_param(char *buf)
{
	if (buf && !strcmp(buf, "off")) {
		pintrack_boot_mode = PINTRACK_MODE_OFF;
	} else if (buf && !strcmp(buf, "on")) {
		pintrack_boot_mode = PINTRACK_MODE_ON;
	} else if (buf && !strcmp(buf, "stacks")) {
		pintrack_boot_mode = PINTRACK_MODE_STACKS;
		stack_depot_request_early_init();
	} else {
		pr_err("invalid value '%s' for gup_pin_tracking= (expected off, on or stacks), tracking stays off\n",
		       buf ? buf : "");
		pintrack_boot_mode = PINTRACK_MODE_OFF;
	}
	return 0;
}
early_param("gup_pin_tracking", early_gup_pin_tracking_param);

static bool __init need_gup_pin_tracking(void)
{
	/* Only the "stacks" mode pays for the stack handle. */
	if (pintrack_boot_mode == PINTRACK_MODE_STACKS)
		gup_pin_tracking_ops.size = PINTRACK_PAGE_SIZE_STACKS;
	else
		gup_pin_tracking_ops.size = PINTRACK_PAGE_SIZE_ON;
	return pintrack_boot_mode != PINTRACK_MODE_OFF;
}

/* === Hashed locks ========================================================= */

/*
 * The count of a page is updated under one of an array of spinlocks, chosen by
 * hashing the number of the naturally aligned chunk of 2^PINTRACK_CHUNK_ORDER
 * pages (2 MiB with 4 KiB pages) that holds the pfn. Hashing the chunk rather
 * than the pfn lets a run of consecutive pages (a PMD-mapped THP, the pages of
 * one folio in a pin array, a bio segment) be updated under one lock
 * acquisition, while different chunks still spread over all buckets. A chunk
 * never crosses a memory section, so it also needs only one page_ext lookup.
 * The locks are taken with interrupts off: fast GUP pins with them off and bio
 * completion unpins from interrupt context. They never nest; the failures
 * record's lock (gup_pin_tracking_failures.c) nests inside one.
 */
#define PINTRACK_MIN_LOCKS		16U
#define PINTRACK_MAX_LOCKS		4096U

struct pintrack_bucket *pintrack_buckets __read_mostly;
unsigned int pintrack_lock_bits __read_mostly;
unsigned int pintrack_lock_shift __read_mostly;

/* === Counters ============================================================= */

const char *const pintrack_counter_names[PINTRACK_NR_COUNTERS] = {
	[PINTRACK_PINNED_PAGES]		= "pinned_pages",
	[PINTRACK_PINS]			= "pins",
	[PINTRACK_LONGTERM_PAGES]	= "longterm_pinned_pages",
	[PINTRACK_PINS_TOTAL]		= "pins_total",
	[PINTRACK_UNPINS_TOTAL]		= "unpins_total",
	[PINTRACK_ERRORS]		= "errors",
	[PINTRACK_STALE_REPORTS]	= "stale_reports",
	[PINTRACK_MIGRATE_PINNED]	= "migrate_failures_pinned",
	[PINTRACK_MIGRATE_OTHER]	= "migrate_failures_other",
	[PINTRACK_FAILURES_DROPPED]	= "failures_dropped",
	[PINTRACK_STACK_UNWINDS]	= "stack_unwinds",
	[PINTRACK_STACK_CACHE_HITS]	= "stack_cache_hits",
};

static_assert(ARRAY_SIZE(pintrack_counter_names) == PINTRACK_NR_COUNTERS);

static DEFINE_PER_CPU(long, pintrack_counters[PINTRACK_NR_COUNTERS]);

/**
 * pintrack_counter_read() - Sum of one counter over all CPUs.
 * @idx: The counter.
 *
 * The per-CPU parts are read one after the other, not at one instant: a
 * page pinned on a CPU already read and unpinned on one not yet read is
 * seen unpinned but not pinned. The gauges (pinned_pages, pins,
 * longterm_pinned_pages) are therefore clamped at zero, as
 * percpu_counter_sum_positive() does.
 *
 * Context: Any context.
 * Return: The sum.
 */
long pintrack_counter_read(enum pintrack_counter idx)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(pintrack_counters[idx], cpu);
	if (idx <= PINTRACK_LONGTERM_PAGES && sum < 0)
		return 0;
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_counter_read);

/**
 * pintrack_counter_add() - Add to one counter.
 * @idx: The counter.
 * @n: What to add.
 *
 * Context: Any context.
 */
void pintrack_counter_add(enum pintrack_counter idx, long n)
{
	this_cpu_add(pintrack_counters[idx], n);
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_counter_add);

/*
 * Counter changes of one hook call, added to the counters once. Only
 * always-inline code touches it, so it lives in registers.
 */
struct pintrack_delta {
	int pages;	/* pages whose count left zero (negative: went back) */
	int pins;	/* pins added (negative: dropped) */
	int longterm;	/* pages that became long-term pinned (or stopped) */
};

static __always_inline void pintrack_delta_add(struct pintrack_delta *d,
					       struct pintrack_delta more)
{
	d->pages += more.pages;
	d->pins += more.pins;
	d->longterm += more.longterm;
}

/* What a hook call did, for the pins_total and unpins_total counters. */
enum pintrack_event {
	PINTRACK_EV_PIN,	/* every pin added counts in pins_total */
	PINTRACK_EV_UNPIN,	/* every pin dropped counts in unpins_total */
	PINTRACK_EV_FREE,	/* pins dropped by a free are not unpins */
};

/* Add the changes of a hook call to the counters; one this_cpu_add() each. */
static __always_inline void pintrack_count(const struct pintrack_delta *d,
					   enum pintrack_event ev)
{
	this_cpu_add(pintrack_counters[PINTRACK_PINNED_PAGES], d->pages);
	this_cpu_add(pintrack_counters[PINTRACK_PINS], d->pins);
	this_cpu_add(pintrack_counters[PINTRACK_LONGTERM_PAGES], d->longterm);
	if (ev == PINTRACK_EV_PIN)
		this_cpu_add(pintrack_counters[PINTRACK_PINS_TOTAL], d->pins);
	else if (ev == PINTRACK_EV_UNPIN)
		this_cpu_sub(pintrack_counters[PINTRACK_UNPINS_TOTAL], d->pins);
}

/*
 * What the slow paths left, with every lock dropped and interrupts as the
 * caller had them: the error count, the misuse report, the log of the
 * watched pages let go.
 */
static noinline void pintrack_finish_slow(struct pintrack_out *out)
{
	if (out->pending & PINTRACK_OUT_ERRORS)
		this_cpu_add(pintrack_counters[PINTRACK_ERRORS], out->errors);
	if (out->pending & PINTRACK_OUT_REPORT)
		pintrack_report(out);
	if (out->pending & PINTRACK_OUT_RELEASED)
		pintrack_failures_log(out);
}

/* The end of a hook call: the counters, then what its slow paths left. */
static __always_inline void pintrack_finish(const struct pintrack_delta *d,
					    struct pintrack_out *out,
					    enum pintrack_event ev)
{
	pintrack_count(d, ev);
	if (unlikely(out->pending))
		pintrack_finish_slow(out);
}

/* === Updating counts ====================================================== */

/*
 * A hook call applies one operation to its pages with pintrack_walk(): the
 * pages of one chunk share one acquisition of the chunk's bucket lock (at
 * most PINTRACK_RUN_MAX of them, to bound the time with interrupts off),
 * and a page that follows the previous one in memory takes the next entry.
 * pintrack_update_fast() does the common cases of a page in a few
 * instructions, pintrack_update_slow() the rest (misuse, a page whose
 * release is logged, and every page of a call in stacks mode or with its
 * trace event on). Counter changes are added once per call; misuse and
 * releases are printed once the locks are dropped. A call of one page, the
 * most common, takes pintrack_one() inline and the walk only if the fast
 * path turned the page down.
 */
#define PINTRACK_RUN_MAX	PINTRACK_CHUNK_PAGES

/* What a hook call does to each page. */
enum pintrack_op {
	PINTRACK_OP_PIN,	/* add one pin */
	PINTRACK_OP_UNPIN,	/* drop the call's @refs pins */
};

/*
 * How a walk treats its pages: a constant in each caller, so that the
 * loops test nothing that cannot change within a call.
 */
struct pintrack_mode {
	enum pintrack_op op;
	u32 longterm;		/* pins: PINTRACK_LONGTERM for FOLL_LONGTERM */
	bool check_refs;	/* unpins: look for put_page() misuse */
	bool full;		/* every page through pintrack_update_slow() */
	bool range;		/* consecutive pages from a pfn, not an array */
};

/* A hook call: what its slow path needs, set up once. */
struct pintrack_call {
	unsigned long ip;		/* the hook's caller, for the events */
	u32 now;			/* pins: pintrack_now() */
	u32 longterm;			/* pins: PINTRACK_LONGTERM or 0 */
	/* Pins in stacks mode: pintrack_pinner() and the pinner's stack. */
	u32 tgid;
	depot_stack_handle_t stack;
	/* Unpins: the pins dropped from each page, the misuse of fewer. */
	u32 refs;
	enum gup_pin_misuse what;
};

/*
 * Note a misuse @what of the page at @pfn whose state is @state, under its
 * bucket lock. Every one is counted; only the first of a page is reported,
 * and of those the first of the call, once the locks are dropped. Returns
 * PINTRACK_REPORTED if the page is to be marked reported, else 0.
 */
static noinline u32 pintrack_misuse(struct pintrack_out *out,
				    const struct pintrack_page *gp, u32 state,
				    unsigned long pfn, enum gup_pin_misuse what)
{
	trace_mm_gup_pin_misuse(pfn, what);
	if (!(out->pending & PINTRACK_OUT_ERRORS)) {
		out->pending |= PINTRACK_OUT_ERRORS;
		out->errors = 0;
	}
	out->errors++;
	if (state & PINTRACK_REPORTED)
		return 0;
	if (!(out->pending & PINTRACK_OUT_REPORT)) {
		out->pending |= PINTRACK_OUT_REPORT;
		out->pfn = pfn;
		out->what = what;
		pintrack_read(gp, &out->snap);
	}
	return PINTRACK_REPORTED;
}

/*
 * The pinning episode of the page at @pfn, whose state was @state, ends:
 * its last pins go, by an unpin or by a free (@freed).
 */
static __always_inline void pintrack_episode_end(struct pintrack_delta *d,
						 struct pintrack_out *out,
						 u32 state, unsigned long pfn,
						 bool freed)
{
	d->pages--;
	d->longterm -= !!(state & PINTRACK_LONGTERM);
	/* It blocked a migration: its record says when it went. */
	if (unlikely(state & PINTRACK_WATCHED))
		pintrack_failure_released(out, pfn, freed);
}

/*
 * A small folio holds GUP_PIN_COUNTING_BIAS references per pin. If it holds
 * fewer than its tracked pins need, pin references were dropped with
 * put_page(). Called before upstream drops the pins being released.
 */
static __always_inline bool pintrack_refs_dropped(struct page *page, u32 count)
{
	/*
	 * Only a small folio: not a tail page, nor a head page (nor the fake
	 * head of an HVO hugetlb tail, which is one too). Then @page is its
	 * folio.
	 */
	if (READ_ONCE(page->compound_head) & 1)
		return false;
	if (test_bit(PG_head, &page->flags))
		return false;
	return (unsigned long)page_ref_count(page) <
	       (unsigned long)count * GUP_PIN_COUNTING_BIAS;
}

/*
 * The common cases of one page, @page with entry @gp, under its bucket
 * lock: a pin of a page whose count is not full, and an unpin of a page
 * that holds a pin, is not the last pin of a watched page and, if
 * @m.check_refs, still holds the references of its pins. False otherwise,
 * having changed nothing.
 */
static __always_inline bool pintrack_update_fast(struct pintrack_delta *d,
						 struct pintrack_page *gp,
						 struct page *page, u32 now,
						 const struct pintrack_mode m)
{
	u32 state = gp->state;
	u32 count = pintrack_pins(state);

	if (m.op == PINTRACK_OP_PIN) {
		if (unlikely(count == PINTRACK_COUNT_MASK))
			return false;
		d->pages += !count;
		d->pins++;
		d->longterm += !!(m.longterm & ~state);
		WRITE_ONCE(gp->state,
			   (state + 1) | PINTRACK_DMA_PINNED | m.longterm);
		WRITE_ONCE(gp->pinned_at, now);
		return true;
	}
	if (unlikely(!count))
		return false;
	if (m.check_refs && unlikely(pintrack_refs_dropped(page, count)))
		return false;
	if (likely(count == 1)) {
		/* The last pin: a watched page has its release logged. */
		if (unlikely(state & (PINTRACK_WATCHED | PINTRACK_LONGTERM))) {
			if (state & PINTRACK_WATCHED)
				return false;
			d->longterm--;
		}
		d->pages--;
		state &= PINTRACK_REPORTED;
	} else {
		state--;
	}
	d->pins--;
	WRITE_ONCE(gp->state, state);
	return true;
}

/*
 * Everything else of one page: misuse, a watched page's release, the
 * trace events and, in stacks mode, the pinner. Returns the counter
 * changes; out of line, so that the walks keep theirs in registers.
 */
static noinline struct pintrack_delta
pintrack_update_slow(struct pintrack_out *out, const struct pintrack_call *c,
		     struct pintrack_page *gp, struct page *page,
		     unsigned long pfn, enum pintrack_op op)
{
	struct pintrack_delta d = { };
	u32 state = gp->state;
	u32 count = pintrack_pins(state);
	u32 drop;

	if (op == PINTRACK_OP_PIN) {
		/* A full count takes no more pins. */
		if (unlikely(count == PINTRACK_COUNT_MASK)) {
			state |= pintrack_misuse(out, gp, state, pfn,
						 GUP_PIN_MISUSE_OVERFLOW);
			WRITE_ONCE(gp->state, state);
			return d;
		}
		d.pages = !count;
		d.pins = 1;
		d.longterm = !!(c->longterm & ~state);
		state = (state + 1) | PINTRACK_DMA_PINNED | c->longterm;
		WRITE_ONCE(gp->state, state);
		WRITE_ONCE(gp->pinned_at, c->now);
		if (pintrack_stacks()) {
			WRITE_ONCE(gp->stack, c->stack);
			WRITE_ONCE(gp->tgid, c->tgid);
		}
		trace_mm_gup_pin(pfn, count + 1, state & PINTRACK_LONGTERM,
				 c->ip);
		return d;
	}
	/* Pins are never taken from another page: too few is misuse. */
	drop = min(count, c->refs);
	if (likely(drop)) {
		if (unlikely(pintrack_refs_dropped(page, count)))
			state |= pintrack_misuse(out, gp, state, pfn,
						 GUP_PIN_MISUSE_PUT_PAGE);
		trace_mm_gup_unpin(pfn, count - drop,
				   state & PINTRACK_LONGTERM, c->ip);
		d.pins = -drop;
		if (drop == count) {
			pintrack_episode_end(&d, out, state, pfn, false);
			state &= PINTRACK_REPORTED;
		} else {
			state -= drop;
		}
	}
	if (unlikely(drop != c->refs))
		state |= pintrack_misuse(out, gp, state, pfn, c->what);
	WRITE_ONCE(gp->state, state);
	return d;
}

/*
 * Apply @m to @n pages: @pages[0..@n) (NULL entries and the shared zero
 * page skipped), or with @m.range the @n consecutive pages from @pfn. A
 * run is the pages of one chunk: one lock, one page_ext_lookup(),
 * and the entries of its other pages follow in the chunk's section (the
 * next one for the page after the previous one).
 */
static __always_inline void pintrack_walk(struct pintrack_delta *d,
					  struct pintrack_out *out,
					  const struct pintrack_call *c,
					  struct page **pages,
					  unsigned long pfn, unsigned long n,
					  const struct pintrack_mode m)
{
	const u32 now = c->now;
	unsigned long i = 0;

	while (i < n) {
		struct page *page = m.range ? pfn_to_page(pfn + i) : pages[i];
		unsigned long p, p0, chunk, end, len, limit, flags;
		struct pintrack_page *gp, *gp0;
		spinlock_t *lock;	/* the bucket lock of the run's chunk */

		if (!page || (!m.range && is_zero_pfn(page_to_pfn(page)))) {
			i++;
			continue;
		}
		p = page_to_pfn(page);
		chunk = p >> PINTRACK_CHUNK_ORDER;
		end = min(n, i + PINTRACK_RUN_MAX);
		lock = pintrack_lock(p);
		spin_lock_irqsave(lock, flags);
		rcu_read_lock();
		gp = pintrack_lookup(p);
		gp0 = gp;
		p0 = p;
		while (gp) {
			/*
			 * The pages one after the other, to the chunk's end
			 * and, in an array, to the next zero page: GUP hands
			 * it out unpinned, and it may follow a user page.
			 */
			len = pintrack_chunk_len(p, end - i);
			if (!m.range && my_zero_pfn(0) - p < len)
				len = my_zero_pfn(0) - p;
			limit = i + len;
			for (;;) {
				struct pintrack_delta slow;

				if (m.full ||
				    unlikely(!pintrack_update_fast(d, gp, page,
								   now, m))) {
					slow = pintrack_update_slow(out, c, gp,
								    page, p,
								    m.op);
					pintrack_delta_add(d, slow);
				}
				if (++i == limit)
					break;
				if (!m.range && pages[i] != page + 1)
					break;
				gp = pintrack_skip(gp, 1);
				page++;
				p++;
			}
			if (m.range || i == end)
				break;
			/* Another page of the same chunk, the same section. */
			page = pages[i];
			if (!page)
				break;
			p = page_to_pfn(page);
			if (p >> PINTRACK_CHUNK_ORDER != chunk ||
			    unlikely(is_zero_pfn(p)))
				break;
			gp = pintrack_skip(gp0, p - p0);
		}
		rcu_read_unlock();
		spin_unlock_irqrestore(lock, flags);
		/*
		 * A page without page_ext (ZONE_DEVICE memory, say) is
		 * skipped; in a range, with the rest of its chunk, which lies
		 * in the same section.
		 */
		if (!gp0)
			i += m.range ? pintrack_chunk_len(p, n - i) : 1;
	}
}

/*
 * One page, the most common call (a 4 KiB direct I/O, unpin_user_page()):
 * the fast path alone, with nothing in memory. False if it turned the page
 * down, having changed nothing: the caller walks it instead.
 */
static __always_inline bool pintrack_one(struct pintrack_delta *d,
					 struct page *page,
					 const struct pintrack_mode m)
{
	unsigned long pfn = page_to_pfn(page), flags;
	struct pintrack_page *gp;
	spinlock_t *lock;	/* the bucket lock of @pfn */
	bool done = true;
	u32 now = 0;

	/* Upstream never pins the shared zero page. */
	if (unlikely(is_zero_pfn(pfn)))
		return true;
	/*
	 * The entry and the time before the lock, so that fewer values live
	 * across the lock calls: RCU keeps the entry (mm/page_ext.c frees
	 * it after synchronize_rcu()), the lock guards only what is in it,
	 * and the time may be a little older than the pin, as in a walk.
	 */
	rcu_read_lock();
	gp = pintrack_lookup(pfn);
	if (likely(gp)) {
		if (m.op == PINTRACK_OP_PIN)
			now = pintrack_now();
		lock = pintrack_lock(pfn);
		spin_lock_irqsave(lock, flags);
		done = pintrack_update_fast(d, gp, page, now, m);
		spin_unlock_irqrestore(lock, flags);
	}
	rcu_read_unlock();
	return done;
}

/* === Hooks ================================================================ */

/*
 * Pins of more than one page, or in stacks mode (@stack, saved once per
 * call) or with the pin event on (@full), or the one page pintrack_one()
 * turned down: out of line, so that the one-page path in the hooks needs
 * few registers.
 */
static noinline void pintrack_pin_walk(struct page **pages, unsigned long n,
				       u32 longterm, bool full,
				       unsigned long ip,
				       depot_stack_handle_t stack)
{
	const struct pintrack_call c = {
		.ip = ip,
		.now = pintrack_now(),
		.longterm = longterm,
		.tgid = pintrack_stacks() ? pintrack_pinner() : 0,
		.stack = stack,
	};
	const struct pintrack_mode full_mode = {
		.op = PINTRACK_OP_PIN, .full = true,
	};
	const struct pintrack_mode longterm_mode = {
		.op = PINTRACK_OP_PIN, .longterm = PINTRACK_LONGTERM,
	};
	const struct pintrack_mode mode = { .op = PINTRACK_OP_PIN };
	struct pintrack_delta d = { };
	struct pintrack_out out;

	out.pending = 0;
	if (full)
		pintrack_walk(&d, &out, &c, pages, 0, n, full_mode);
	else if (longterm)
		pintrack_walk(&d, &out, &c, pages, 0, n, longterm_mode);
	else
		pintrack_walk(&d, &out, &c, pages, 0, n, mode);
	pintrack_finish(&d, &out, PINTRACK_EV_PIN);
}

/* The stack of a pin call in stacks mode, 0 otherwise. */
#define pintrack_pin_stack()						\
	(pintrack_stacks() ?						\
	 pintrack_save_stack(_RET_IP_, GFP_NOWAIT | __GFP_NOWARN) : 0)

/*
 * gup_pin_track_pages() of one page; @ip is the caller of the pin entry
 * point. The fast path inline, the walk only if it turned the page down
 * or every pin is to be seen (stacks mode, the pin event).
 */
void __gup_pin_track_page(struct page *page, unsigned int gup_flags,
			  unsigned long ip)
{
	u32 longterm = gup_flags & FOLL_LONGTERM ? PINTRACK_LONGTERM : 0;
	const struct pintrack_mode m = {
		.op = PINTRACK_OP_PIN, .longterm = longterm,
	};
	struct pintrack_delta d = { };

	if (!(gup_flags & FOLL_PIN) || !page)
		return;
	if (likely(!pintrack_stacks() && !trace_mm_gup_pin_enabled()) &&
	    likely(pintrack_one(&d, page, m))) {
		pintrack_count(&d, PINTRACK_EV_PIN);
		return;
	}
	pintrack_pin_walk(&page, 1, longterm, true, ip, pintrack_pin_stack());
}
EXPORT_SYMBOL_IF_KUNIT(__gup_pin_track_page);

/*
 * gup_pin_track_pages() of more than one page (one goes to
 * __gup_pin_track_page(), but any number is counted right).
 */
void __gup_pin_track_pages(struct page **pages, unsigned long npages,
			   unsigned int gup_flags, unsigned long ip)
{
	if (!(gup_flags & FOLL_PIN))
		return;
	pintrack_pin_walk(pages, npages,
			  gup_flags & FOLL_LONGTERM ? PINTRACK_LONGTERM : 0,
			  pintrack_stacks() || trace_mm_gup_pin_enabled(), ip,
			  pintrack_pin_stack());
}
EXPORT_SYMBOL_IF_KUNIT(__gup_pin_track_pages);

/* See gup_pin_track_folio(). */
void __gup_pin_track_folio(struct folio *folio, unsigned int gup_flags,
			   unsigned long ip)
{
	struct page *page = &folio->page;

	pintrack_pin_walk(&page, 1, gup_flags & FOLL_LONGTERM ?
			  PINTRACK_LONGTERM : 0, true, ip,
			  pintrack_pin_stack());
}

/* See gup_pin_track_added(). */
void __gup_pin_track_added(struct page *page, unsigned long ip)
{
	pintrack_pin_walk(&page, 1, 0, true, ip, pintrack_pin_stack());
}

/* Do the @n pages from @pfn all lie in one large folio? */
static bool pintrack_in_large_folio(unsigned long pfn, unsigned long n)
{
	struct folio *folio = page_folio(pfn_to_page(pfn));

	return folio_test_large(folio) &&
	       pfn + n <= folio_pfn(folio) + folio_nr_pages(folio);
}

/*
 * Unpins of @pages or, if it is NULL, of the @n consecutive pages from
 * @pfn; @refs pins from each page, @what if one holds fewer. Out of line,
 * as pintrack_pin_walk().
 */
static noinline void pintrack_unpin_walk(struct page **pages,
					 unsigned long pfn, unsigned long n,
					 u32 refs, enum gup_pin_misuse what,
					 bool full, unsigned long ip)
{
	const struct pintrack_call c = { .ip = ip, .refs = refs, .what = what };
	const struct pintrack_mode full_mode = {
		.op = PINTRACK_OP_UNPIN, .full = true, .range = !pages,
	};
	const struct pintrack_mode pages_mode = {
		.op = PINTRACK_OP_UNPIN, .check_refs = true,
	};
	/* The pages of a large folio hold no references of their own. */
	const struct pintrack_mode large_mode = {
		.op = PINTRACK_OP_UNPIN, .range = true,
	};
	const struct pintrack_mode range_mode = {
		.op = PINTRACK_OP_UNPIN, .check_refs = true, .range = true,
	};
	struct pintrack_delta d = { };
	struct pintrack_out out;

	/* Upstream never pins the shared zero page. */
	if (!pages && is_zero_pfn(pfn))
		return;
	out.pending = 0;
	if (full || refs != 1)
		pintrack_walk(&d, &out, &c, pages, pfn, n, full_mode);
	else if (pages)
		pintrack_walk(&d, &out, &c, pages, 0, n, pages_mode);
	else if (pintrack_in_large_folio(pfn, n))
		pintrack_walk(&d, &out, &c, NULL, pfn, n, large_mode);
	else
		pintrack_walk(&d, &out, &c, NULL, pfn, n, range_mode);
	pintrack_finish(&d, &out, PINTRACK_EV_UNPIN);
}

/*
 * gup_unpin_track_pages() and gup_unpin_track_range() of one page (NULL
 * skipped). The fast path inline, the walk only if it turned the page
 * down or the unpin event is on.
 */
void __gup_unpin_track_page(struct page *page, unsigned long ip)
{
	const struct pintrack_mode m = {
		.op = PINTRACK_OP_UNPIN, .check_refs = true,
	};
	struct pintrack_delta d = { };

	if (!page)
		return;
	if (likely(!trace_mm_gup_unpin_enabled()) &&
	    likely(pintrack_one(&d, page, m))) {
		pintrack_count(&d, PINTRACK_EV_UNPIN);
		return;
	}
	pintrack_unpin_walk(NULL, page_to_pfn(page), 1, 1,
			    GUP_PIN_MISUSE_NO_PIN, true, ip);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_page);

/*
 * gup_unpin_track_pages() of other than one page; @ip is the caller of the
 * unpin entry point.
 */
void __gup_unpin_track_pages(struct page **pages, unsigned long npages,
			     unsigned long ip)
{
	pintrack_unpin_walk(pages, 0, npages, 1, GUP_PIN_MISUSE_NO_PIN,
			    trace_mm_gup_unpin_enabled(), ip);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_pages);

/* gup_unpin_track_range() of other than one page. */
void __gup_unpin_track_range(struct page *page, unsigned long npages,
			     unsigned long ip)
{
	pintrack_unpin_walk(NULL, page_to_pfn(page), npages, 1,
			    GUP_PIN_MISUSE_NO_PIN,
			    trace_mm_gup_unpin_enabled(), ip);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_range);

/*
 * See gup_unpin_track_folio(). Only a folio-level pin (memfd_pin_folios())
 * is released this way, and it is counted on the folio's first page: the
 * pins are taken from there. A release of more pins than that page holds
 * is reported.
 */
void __gup_unpin_track_folio(struct folio *folio, unsigned long refs,
			     unsigned long ip)
{
	if (refs)
		pintrack_unpin_walk(NULL, folio_pfn(folio), 1,
				    min_t(unsigned long, refs,
					  PINTRACK_COUNT_MASK),
				    GUP_PIN_MISUSE_FOLIO, true, ip);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_folio);

/* See gup_unpin_track_folios(). */
void __gup_unpin_track_folios(struct folio **folios, unsigned long nfolios,
			      unsigned long ip)
{
	unsigned long i, j;

	for (i = 0; i < nfolios; i = j) {
		for (j = i + 1; j < nfolios; j++)
			if (folios[i] != folios[j])
				break;
		if (folios[i])
			pintrack_unpin_walk(NULL, folio_pfn(folios[i]), 1,
					    min_t(unsigned long, j - i,
						  PINTRACK_COUNT_MASK),
					    GUP_PIN_MISUSE_FOLIO, true, ip);
	}
}

/*
 * Drop the pins of the @nr pages from @pfn being freed, chunk by chunk. The
 * caller is in an RCU read-side section.
 */
static noinline void pintrack_free_pinned(unsigned long pfn, unsigned long nr)
{
	struct pintrack_delta d = { };
	struct pintrack_out out;

	out.pending = 0;
	while (nr) {
		unsigned long len = pintrack_chunk_len(pfn, nr);
		spinlock_t *lock = pintrack_lock(pfn);	/* the chunk's lock */
		struct page_ext_iter iter;
		struct page_ext *page_ext;
		unsigned long flags;

		spin_lock_irqsave(lock, flags);
		for_each_page_ext(pfn_to_page(pfn), len, page_ext, iter) {
			struct pintrack_page *gp = pintrack_page(page_ext);
			u32 state = gp->state;
			u32 count = pintrack_pins(state);

			if (count) {
				pintrack_misuse(&out, gp, state,
						pfn + iter.index,
						GUP_PIN_MISUSE_FREED);
				d.pins -= count;
				pintrack_episode_end(&d, &out, state,
						     pfn + iter.index, true);
			}
			/* The next user of the page starts afresh. */
			WRITE_ONCE(gp->state, 0);
		}
		spin_unlock_irqrestore(lock, flags);
		pfn += len;
		nr -= len;
	}
	pintrack_finish(&d, &out, PINTRACK_EV_FREE);
}

/*
 * Check the 2^@order pages from @page being freed, chunk by chunk: a chunk
 * without page_ext does not end the check.
 */
static noinline void pintrack_free_check(struct page *page, unsigned int order)
{
	unsigned long start = page_to_pfn(page), end = start + (1UL << order);
	unsigned long pfn, len;
	struct page_ext_iter iter;
	struct page_ext *page_ext;

	rcu_read_lock();
	for (pfn = start; pfn < end; pfn += len) {
		len = pintrack_chunk_len(pfn, end - pfn);
		/* Nobody pins a page whose refcount is zero: look unlocked. */
		for_each_page_ext(pfn_to_page(pfn), len, page_ext, iter) {
			if (unlikely(READ_ONCE(pintrack_page(page_ext)->state))) {
				pintrack_free_pinned(start, 1UL << order);
				goto out;
			}
		}
	}
out:
	rcu_read_unlock();
}

/*
 * See gup_pin_track_free(). A page freed with a non-zero count is reported
 * and its count dropped, so the counters stay true; the per-page report
 * flag is cleared for the next user of the page. A clean order-0 page
 * costs a lookup and a read, and no call.
 */
void __gup_pin_track_free(struct page *page, unsigned int order)
{
	struct pintrack_page *gp;
	u32 state = 0;

	if (order)
		goto check;
	rcu_read_lock();
	gp = pintrack_lookup(page_to_pfn(page));
	if (gp)
		state = READ_ONCE(gp->state);
	rcu_read_unlock();
	if (likely(!state))
		return;
check:
	pintrack_free_check(page, order);
}

/* === Pin calls in flight ================================================== */

/*
 * The pin calls that may sleep between taking a pin and handing it to the
 * tracker, each in the list of the CPU it started on. Only process
 * context takes these locks; a call that ended on another CPU takes its
 * list's lock from there.
 */
struct pintrack_calls {
	spinlock_t lock;		/* protects @list */
	struct list_head list;
};

static DEFINE_PER_CPU(struct pintrack_calls, pintrack_calls);

/*
 * See gup_pin_track_begin() and gup_pin_track_folios_begin(): a call with
 * @pages counts only with FOLL_PIN in @gup_flags, one with @folios always.
 */
void __gup_pin_track_begin(struct gup_pin_track_call *call,
			   struct page **pages, struct folio **folios,
			   unsigned long nr, unsigned int gup_flags)
{
	struct pintrack_calls *calls;

	if (!folios && (!pages || !(gup_flags & FOLL_PIN)))
		return;
	call->pages = pages;
	call->folios = folios;
	call->nr = nr;
	call->cpu = raw_smp_processor_id();
	calls = per_cpu_ptr(&pintrack_calls, call->cpu);
	spin_lock(&calls->lock);
	list_add(&call->node, &calls->list);
	spin_unlock(&calls->lock);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_pin_track_begin);

/* See gup_pin_track_end(). */
void __gup_pin_track_end(struct gup_pin_track_call *call)
{
	struct pintrack_calls *calls = per_cpu_ptr(&pintrack_calls, call->cpu);

	spin_lock(&calls->lock);
	list_del(&call->node);
	spin_unlock(&calls->lock);
	call->cpu = -1;
}
EXPORT_SYMBOL_IF_KUNIT(__gup_pin_track_end);

/*
 * A call with more entries is taken to hold pins of any folio, rather
 * than searched under its list's lock: a bound on the time with
 * preemption off (a 1 GiB registration has 262144 entries).
 */
#define PINTRACK_CALL_SCAN_MAX	4096

/* May @call's array name a page of @folio? */
static bool pintrack_call_has(const struct gup_pin_track_call *call,
			      const struct folio *folio)
{
	unsigned long first = (unsigned long)&folio->page;
	unsigned long size = folio_nr_pages(folio) * sizeof(struct page);
	unsigned long i;

#if defined(CONFIG_SPARSEMEM) && !defined(CONFIG_SPARSEMEM_VMEMMAP)
	/* Its struct pages, as addresses: contiguous within a section. */
	size = min(folio_nr_pages(folio), PAGES_PER_SECTION) *
	       sizeof(struct page);
#endif

	if (call->nr > PINTRACK_CALL_SCAN_MAX)
		return true;
	/*
	 * The entries the call has not filled yet hold what the caller left
	 * there: compared, never followed. One left from an earlier call on
	 * the same folio exempts it until this call ends.
	 */
	for (i = 0; i < call->nr; i++) {
		if (call->folios) {
			if (READ_ONCE(call->folios[i]) == folio)
				return true;
		} else if ((unsigned long)READ_ONCE(call->pages[i]) - first <
			   size) {
			return true;
		}
	}
	return false;
}

/**
 * pintrack_pin_in_flight() - May a pin call in flight hold uncounted pins
 *			      of a folio?
 * @folio: The folio.
 *
 * True while a pin call that has (or may have) put a page of @folio in
 * its array has not yet handed its pins to the tracker: until then the
 * folio's _pincount may be above its tracked pins.
 *
 * Context: Process context.
 * Return: true if such a call is in flight.
 */
bool pintrack_pin_in_flight(const struct folio *folio)
{
	const struct gup_pin_track_call *call;
	bool found = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pintrack_calls *calls = per_cpu_ptr(&pintrack_calls, cpu);

		spin_lock(&calls->lock);
		list_for_each_entry(call, &calls->list, node) {
			found = pintrack_call_has(call, folio);
			if (found)
				break;
		}
		spin_unlock(&calls->lock);
		if (found)
			break;
	}
	return found;
}

/* === Queries ============================================================== */

/* See page_dma_pin_count(). */
unsigned int __page_dma_pin_count(const struct page *page)
{
	return pintrack_pins(pintrack_state(page));
}
EXPORT_SYMBOL_GPL(__page_dma_pin_count);

/* See page_dma_pinned(). */
bool __page_dma_pinned(const struct page *page)
{
	struct pintrack_snap snap;

	if (!pintrack_snapshot(page, &snap))
		return folio_maybe_dma_pinned((struct folio *)page_folio(page));
	return snap.state & PINTRACK_DMA_PINNED;
}
EXPORT_SYMBOL_GPL(__page_dma_pinned);

/**
 * pintrack_longterm() - Was a long-term pin taken on a page?
 * @page: The page.
 *
 * Context: Any context.
 * Return: true if a long-term pin was taken on @page since it was last
 * unpinned completely (see PINTRACK_LONGTERM).
 */
bool pintrack_longterm(const struct page *page)
{
	return pintrack_state(page) & PINTRACK_LONGTERM;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_longterm);

/**
 * pintrack_max_pfn() - End of the last populated zone.
 *
 * Context: Any context.
 * Return: A pfn at or past which no page has page_ext.
 */
unsigned long pintrack_max_pfn(void)
{
	unsigned long end = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		end = max(end, zone_end_pfn(zone));
	return end;
}

/**
 * pintrack_find_pinned() - Find the first pinned page of a pfn range.
 * @pfn: The first pfn to look at.
 * @end: The pfn after the last one.
 * @snap: Filled with the entry of the page found.
 *
 * Offline memory and ZONE_DEVICE subsections are skipped.
 *
 * Context: Any context; reads the entries without their locks.
 * Return: The first pfn in [@pfn, @end) with a tracked pin, or @end.
 */
unsigned long pintrack_find_pinned(unsigned long pfn, unsigned long end,
				   struct pintrack_snap *snap)
{
	while (pfn < end) {
		unsigned long len = pintrack_scan_len(pfn, end - pfn);
		struct page *page = pfn_to_online_page(pfn);
		struct page_ext_iter iter;
		struct page_ext *page_ext;

		if (!page) {
			pfn += len;
			continue;
		}
		rcu_read_lock();
		for_each_page_ext(page, len, page_ext, iter) {
			pintrack_read(pintrack_page(page_ext), snap);
			if (pintrack_pins(snap->state)) {
				rcu_read_unlock();
				return pfn + iter.index;
			}
		}
		rcu_read_unlock();
		pfn += len;
	}
	return end;
}

/* === Initialization ======================================================= */

static void __init init_gup_pin_tracking(void)
{
	unsigned int i, nr;

	if (pintrack_boot_mode == PINTRACK_MODE_OFF)
		return;

	nr = clamp_t(unsigned int, roundup_pow_of_two(4 * nr_cpu_ids),
		     PINTRACK_MIN_LOCKS, PINTRACK_MAX_LOCKS);
	/* A power-of-two size: kmalloc() aligns it to the cache line. */
	pintrack_buckets = kmalloc_array(nr, sizeof(*pintrack_buckets),
					 GFP_KERNEL | __GFP_NOWARN);
	if (!pintrack_buckets) {
		pr_err("cannot allocate %u locks, tracking stays off\n", nr);
		return;
	}
	for (i = 0; i < nr; i++)
		spin_lock_init(&pintrack_buckets[i].lock);
	pintrack_lock_bits = ilog2(nr);
	pintrack_lock_shift = 64 - pintrack_lock_bits;
	for_each_possible_cpu(i) {
		struct pintrack_calls *calls = per_cpu_ptr(&pintrack_calls, i);

		spin_lock_init(&calls->lock);
		INIT_LIST_HEAD(&calls->list);
	}

	pintrack_gup_entries_init();
	if (pintrack_boot_mode == PINTRACK_MODE_STACKS)
		pintrack_stack_init();
	pintrack_failures_init();
	static_branch_enable(&gup_pin_tracking_key);
	pr_info("enabled%s: %zu bytes of page_ext per page, %u lock buckets\n",
		pintrack_stacks() ? " with stacks" : "",
		gup_pin_tracking_ops.size, nr);
}

struct page_ext_operations gup_pin_tracking_ops = {
	.size = PINTRACK_PAGE_SIZE_ON,
	.need = need_gup_pin_tracking,
	.init = init_gup_pin_tracking,
};
