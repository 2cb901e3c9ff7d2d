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
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page_ext.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#ifdef CONFIG_UNWINDER_ORC
#include <asm/unwind.h>
#endif

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

bool gup_pin_tracking_stacks __read_mostly;

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
 * record's lock (gup_pin_tracking_report.c) nests inside one.
 */
#define PINTRACK_MIN_LOCKS		16U
#define PINTRACK_MAX_LOCKS		4096U

struct pintrack_bucket *pintrack_buckets __read_mostly;
unsigned int gup_pin_tracking_lock_bits __read_mostly;
unsigned int pintrack_lock_shift __read_mostly;

/* === Counters ============================================================= */

const char *const gup_pin_tracking_counter_names[PINTRACK_NR_COUNTERS] = {
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

static_assert(ARRAY_SIZE(gup_pin_tracking_counter_names) ==
	      PINTRACK_NR_COUNTERS);

static DEFINE_PER_CPU(long, pintrack_counters[PINTRACK_NR_COUNTERS]);

/**
 * gup_pin_tracking_counter() - Sum of one counter over all CPUs.
 * @idx: The counter, an enum pintrack_counter.
 *
 * Context: Any context.
 * Return: The sum, 0 for an unknown counter.
 */
long gup_pin_tracking_counter(unsigned int idx)
{
	long sum = 0;
	int cpu;

	if (WARN_ON_ONCE(idx >= PINTRACK_NR_COUNTERS))
		return 0;
	for_each_possible_cpu(cpu)
		sum += per_cpu(pintrack_counters[idx], cpu);
	return sum;
}

/**
 * gup_pin_tracking_count() - Add to one counter.
 * @idx: The counter, an enum pintrack_counter.
 * @n: What to add.
 *
 * Context: Any context.
 */
void gup_pin_tracking_count(unsigned int idx, long n)
{
	if (!WARN_ON_ONCE(idx >= PINTRACK_NR_COUNTERS))
		this_cpu_add(pintrack_counters[idx], n);
}

/* The names of enum gup_pin_misuse, from the list the trace event uses. */
#undef EM
#undef EMe
#define EM(a, b)	b,
#define EMe(a, b)	b

const char *const gup_pin_tracking_misuse_names[GUP_PIN_NR_MISUSE] = {
	GUP_PIN_MISUSE_KINDS
};

static_assert(ARRAY_SIZE(gup_pin_tracking_misuse_names) == GUP_PIN_NR_MISUSE);

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

/*
 * What the slow paths of a hook call leave for after its locks are
 * dropped; the hot paths only clear and test @pending.
 */
#define PINTRACK_OUT_ERRORS	BIT(0)	/* @errors is set */
#define PINTRACK_OUT_REPORT	BIT(1)	/* @what, @pfn, @stack: report them */

struct pintrack_out {
	unsigned int pending;
	int errors;			/* misuse seen */
	enum gup_pin_misuse what;	/* the first one worth a report */
	unsigned long pfn;
	depot_stack_handle_t stack;
};

/* What a hook call did, for the pins_total and unpins_total counters. */
enum pintrack_event {
	PINTRACK_EV_PIN,	/* every pin added counts in pins_total */
	PINTRACK_EV_UNPIN,	/* every pin dropped counts in unpins_total */
	PINTRACK_EV_FREE,	/* pins dropped by a free are not unpins */
};

/* === Stacks =============================================================== */

/*
 * Frames kept of a pinner's stack, from the caller of GUP's pin entry point:
 * the driver, io_uring's buffer registration, the bio's direct I/O, up to
 * the system call in the common cases. Below them the tracker's frames and
 * GUP's are unwound but not kept; PINTRACK_UNWIND_MAX bounds all of them.
 */
#define PINTRACK_STACK_DEPTH		8
#define PINTRACK_UNWIND_MAX		(PINTRACK_STACK_DEPTH + 8)

static depot_stack_handle_t pintrack_failure_handle __read_mostly;

/* GUP's pin and unpin entry points, [start, end) each, from kallsyms. */
static struct {
	unsigned long start, end;
} pintrack_gup_entries[13] __ro_after_init;

static void __init pintrack_stack_init(void)
{
	const unsigned long fns[] = {
		(unsigned long)pin_user_pages,
		(unsigned long)pin_user_pages_fast,
		(unsigned long)pin_user_pages_remote,
		(unsigned long)pin_user_pages_unlocked,
		(unsigned long)memfd_pin_folios,
		(unsigned long)unpin_user_page,
		(unsigned long)unpin_user_pages,
		(unsigned long)unpin_user_pages_dirty_lock,
		(unsigned long)unpin_user_page_range_dirty_lock,
		(unsigned long)unpin_folio,
		(unsigned long)unpin_user_folio,
		(unsigned long)unpin_folios,
		(unsigned long)__unpin_user_folio_pages,
	};
	unsigned long size, off;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(fns) != ARRAY_SIZE(pintrack_gup_entries));
	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		if (!kallsyms_lookup_size_offset(fns[i], &size, &off)) {
			pr_warn("no size for %ps: stacks keep GUP's frames\n",
				(void *)fns[i]);
			continue;
		}
		pintrack_gup_entries[i].start = fns[i] - off;
		pintrack_gup_entries[i].end = fns[i] - off + size;
	}
}

static bool pintrack_in_gup_entry(unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pintrack_gup_entries); i++)
		if (addr >= pintrack_gup_entries[i].start &&
		    addr < pintrack_gup_entries[i].end)
			return true;
	return false;
}

/**
 * pintrack_stack_start() - The first frame of a stack to keep.
 * @entries: The stack, innermost frame first.
 * @nr: Number of entries.
 * @hook: The return address into the tracker's hook, or 0.
 *
 * The frame above GUP's entry point (a pin or an unpin function) or, if no
 * frame is in one (a pin from a fault, a KUnit test), the one above @hook:
 * the stack starts at the code that pinned or unpinned.
 *
 * Context: Any context.
 * Return: The index of that frame, 0 if there is none.
 */
unsigned int pintrack_stack_start(const unsigned long *entries,
				  unsigned int nr, unsigned long hook)
{
	unsigned int i, start = 0;

	for (i = 0; i < nr; i++) {
		if (pintrack_in_gup_entry(entries[i]))
			return i + 1;
		if (entries[i] == hook && !start)
			start = i + 1;
	}
	return start;
}

static depot_stack_handle_t pintrack_depot_save(unsigned long *entries,
						unsigned int nr,
						unsigned long hook, gfp_t gfp)
{
	unsigned int start = pintrack_stack_start(entries, nr, hook);
	depot_stack_handle_t handle;

	handle = stack_depot_save(entries + start,
				  min(nr - start, PINTRACK_STACK_DEPTH), gfp);
	gup_pin_tracking_count(PINTRACK_STACK_UNWINDS, 1);
	return handle ? handle : pintrack_failure_handle;
}

/* The stack of a pin call, unwound. */
static noinline depot_stack_handle_t pintrack_save_stack(unsigned long hook,
							 gfp_t gfp)
{
	unsigned long entries[PINTRACK_UNWIND_MAX];
	unsigned int nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);

	return pintrack_depot_save(entries, nr, hook, gfp);
}

#ifdef CONFIG_UNWINDER_ORC
/*
 * Unwinding costs thousands of instructions (ORC: a table search and checks
 * per frame), and the pins of one call site come from the same few call
 * chains. So each CPU keeps a table of stacks it unwound, keyed by what
 * identifies a chain at the hook: its return address, and the depth of the
 * stack pointer in the task stack; a new stack takes the place its key
 * hashes to. A cached stack is used only if the stack slots where its
 * return addresses were found hold them still, and, for a frame that ORC
 * sizes from its frame pointer, the words where callees saved that frame
 * pointer hold it still: then the unwinder would read the same slots, one
 * frame after the other, and a hit gives the stack it would give. See
 * "Stacks" in Documentation/mm/gup_pin_tracking.rst.
 */
#define PINTRACK_STACK_CACHE_BITS	6
#define PINTRACK_STACK_FP_MAX		8

struct pintrack_stack_cache {
	unsigned long ip;
	unsigned int depth;		/* bytes below the top of the stack */
	depot_stack_handle_t handle;
	unsigned int nr;		/* return addresses to check; 0: unused */
	unsigned int nr_fp;		/* frame pointers to check */
	u16 slot[PINTRACK_UNWIND_MAX];	/* words below the top of the stack */
	unsigned long ret[PINTRACK_UNWIND_MAX];	/* what they hold */
	/* Slots that hold stack addresses, both in words below the top. */
	u16 fp_slot[PINTRACK_STACK_FP_MAX];
	u16 fp[PINTRACK_STACK_FP_MAX];
};

static struct pintrack_stack_cache __percpu *pintrack_stack_cache __read_mostly;

/**
 * gup_pin_tracking_stack_cache_init() - Allocate the stack cache.
 *
 * At boot in stacks mode, or by the KUnit tests; a second call does
 * nothing. Without the cache every stack is unwound.
 *
 * Context: Process context; may sleep.
 * Return: true if there is a cache.
 */
VISIBLE_IF_KUNIT bool gup_pin_tracking_stack_cache_init(void)
{
	struct pintrack_stack_cache __percpu *cache;

	if (READ_ONCE(pintrack_stack_cache))
		return true;
	cache = __alloc_percpu(sizeof(*cache) << PINTRACK_STACK_CACHE_BITS,
			       __alignof__(*cache));
	if (cache && cmpxchg(&pintrack_stack_cache, NULL, cache))
		free_percpu(cache);
	return READ_ONCE(pintrack_stack_cache);
}

/* The entry of @ip at @depth on this CPU. Preemption is off. */
static __always_inline struct pintrack_stack_cache *
pintrack_stack_cache_slot(unsigned long ip, unsigned int depth)
{
	return this_cpu_ptr(pintrack_stack_cache) +
	       hash_long(ip ^ depth, PINTRACK_STACK_CACHE_BITS);
}

/*
 * The word @slot words below @top. Other frames' slots, which KASAN may
 * have poisoned around them: not checked.
 */
static __always_inline unsigned long pintrack_stack_word(unsigned long top,
							 unsigned int slot)
{
	return READ_ONCE_NOCHECK(*((unsigned long *)top - slot));
}

/* Does @sc hold the stack of @ip at @depth, below @top? */
static bool pintrack_stack_cached(const struct pintrack_stack_cache *sc,
				  unsigned long ip, unsigned int depth,
				  unsigned long top)
{
	unsigned int i;

	if (sc->ip != ip || sc->depth != depth || !sc->nr)
		return false;
	for (i = 0; i < sc->nr; i++)
		if (pintrack_stack_word(top, sc->slot[i]) != sc->ret[i])
			return false;
	for (i = 0; i < sc->nr_fp; i++)
		if (pintrack_stack_word(top, sc->fp_slot[i]) !=
		    top - sc->fp[i] * sizeof(long))
			return false;
	return true;
}

/*
 * Record in @sc that the word at @p holds the stack address @addr, both
 * below @top. False if there is no room.
 */
static bool pintrack_stack_fp(struct pintrack_stack_cache *sc,
			      unsigned long top, unsigned long *p,
			      unsigned long addr)
{
	if (sc->nr_fp == PINTRACK_STACK_FP_MAX)
		return false;
	sc->fp_slot[sc->nr_fp] = (unsigned long *)top - p;
	sc->fp[sc->nr_fp++] = (top - addr) / sizeof(long);
	return true;
}

/*
 * The frame left, from @sp to @cfa, whose return address was at @slot: if
 * ORC sized it from its frame pointer @bp (16 bytes below @cfa after "push
 * %rbp; mov %rsp,%rbp", or with @cfa saved just below @bp in a frame that
 * gcc realigned with DRAP), record where a callee saved @bp: every word
 * from @low, the caller's stack pointer, up to @slot that holds it (the
 * save ORC reads, and any copy); for DRAP also the slot that holds @cfa.
 * Other frames may keep anything in %rbp, even an address in the frame,
 * but not one that meets either test. False if @sc cannot check the
 * frame: no word holds @bp, or there is no room.
 */
static bool pintrack_stack_frame(struct pintrack_stack_cache *sc,
				 unsigned long top, unsigned long low,
				 unsigned long *slot, unsigned long sp,
				 unsigned long bp, unsigned long cfa)
{
	bool drap, saved = false;
	unsigned long *p;

	if (bp < sp || bp >= cfa)
		return true;
	drap = READ_ONCE_NOCHECK(*((unsigned long *)bp - 1)) == cfa;
	if (cfa != bp + 2 * sizeof(long) && !drap)
		return true;
	for (p = slot - 1; p >= (unsigned long *)low; p--) {
		if (READ_ONCE_NOCHECK(*p) != bp)
			continue;
		if (!pintrack_stack_fp(sc, top, p, bp))
			return false;
		saved = true;
	}
	if (!saved)
		return false;
	return !drap || pintrack_stack_fp(sc, top, (unsigned long *)bp - 1,
					  cfa);
}

/*
 * Unwind the current task's stack into @sc: the return addresses above @sp,
 * the caller's stack pointer, each with the slot it was read from (in words
 * below @top), up to the last frame that pintrack_stack_start() keeps.
 * False if the chain cannot be cached, or does not reach @hook, the return
 * address into the hook.
 */
static noinline bool pintrack_unwind(struct pintrack_stack_cache *sc,
				     unsigned long hook, unsigned long sp,
				     unsigned long top)
{
	unsigned int n = 0, start = 0, end = PINTRACK_UNWIND_MAX;
	struct unwind_state state;
	bool exact = true;

	sc->nr_fp = 0;
	for (unwind_start(&state, current, NULL, NULL); !unwind_done(&state);) {
		unsigned long *slot = unwind_get_return_address_ptr(&state);
		unsigned long frame = state.sp, bp = state.bp, ret;
		/* Below @sp, this function's frames: gone once it returns. */
		bool mine = (unsigned long)slot < sp;

		ret = unwind_get_return_address(&state);
		if (!ret)
			break;
		if (!mine) {
			/* An exception frame, or a slot off this stack. */
			if (state.regs ||
			    top - (unsigned long)slot > THREAD_SIZE)
				exact = false;
			sc->ret[n] = ret;
			sc->slot[n++] = (unsigned long *)top - slot;
			if (ret == hook && !start)
				start = n;
			else if (pintrack_in_gup_entry(ret))
				start = n;
			if (start)
				end = min_t(unsigned int, PINTRACK_UNWIND_MAX,
					    start + PINTRACK_STACK_DEPTH);
			if (n == end)
				break;
		}
		unwind_next_frame(&state);
		if (!mine && !unwind_done(&state) &&
		    !pintrack_stack_frame(sc, top, sp, slot, frame, bp,
					  state.sp))
			exact = false;
	}
	sc->nr = n;
	return exact && start && !unwind_error(&state);
}

/* The stack of a pin call from a task, through this CPU's cache. */
static noinline depot_stack_handle_t
pintrack_save_stack_cached(unsigned long ip, unsigned long hook, gfp_t gfp)
{
	unsigned long sp = current_stack_pointer;
	unsigned long top = (unsigned long)task_stack_page(current) +
			    THREAD_SIZE;
	struct pintrack_stack_cache *sc, new;
	depot_stack_handle_t handle;
	unsigned int depth;

	if (top - sp >= THREAD_SIZE)
		return pintrack_save_stack(hook, gfp);
	depth = top - sp;
	preempt_disable();
	sc = pintrack_stack_cache_slot(ip, depth);
	if (pintrack_stack_cached(sc, ip, depth, top)) {
		handle = sc->handle;
		preempt_enable();
		gup_pin_tracking_count(PINTRACK_STACK_CACHE_HITS, 1);
		return handle;
	}
	preempt_enable();
	if (!pintrack_unwind(&new, hook, sp, top))
		return pintrack_depot_save(new.ret, new.nr, hook, gfp);
	new.ip = ip;
	new.depth = depth;
	new.handle = pintrack_depot_save(new.ret, new.nr, hook, gfp);
	/* Not the failure handle: the next pin may save the real stack. */
	if (new.handle != pintrack_failure_handle) {
		preempt_disable();
		*pintrack_stack_cache_slot(ip, depth) = new;
		preempt_enable();
	}
	return new.handle;
}
#else
VISIBLE_IF_KUNIT bool gup_pin_tracking_stack_cache_init(void)
{
	return false;
}
#endif
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_stack_cache_init);

/**
 * gup_pin_tracking_save_stack() - Save the stack of a pin call.
 * @ip: The hook's return address: with the stack's depth, the cache's key.
 * @gfp: For stack_depot_save().
 *
 * Saved once per pin call, not per page. stack_depot_save() may allocate with
 * GFP_NOWAIT, but the page allocator never pins, so this cannot recurse into
 * the tracker and needs no guard (unlike page_owner).
 *
 * Context: Any context.
 * Return: The stack's handle; the "failure" stack's if it cannot be saved.
 */
VISIBLE_IF_KUNIT noinline depot_stack_handle_t
gup_pin_tracking_save_stack(unsigned long ip, gfp_t gfp)
{
#ifdef CONFIG_UNWINDER_ORC
	/* Interrupts run on stacks of their own, and must not touch a cache. */
	if (READ_ONCE(pintrack_stack_cache) && in_task())
		return pintrack_save_stack_cached(ip, _RET_IP_, gfp);
#endif
	return pintrack_save_stack(_RET_IP_, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_save_stack);

/*
 * The pinner in stacks mode: the thread group id, and above it a tag of the
 * thread group's start time (see struct pintrack_page).
 */
static u32 pintrack_pinner(void)
{
	return pintrack_tgid(current->tgid) |
	       pintrack_birth(current) << PINTRACK_TGID_BITS;
}

/* === Reports ============================================================== */

static DEFINE_RATELIMIT_STATE(pintrack_report_rs, 5 * HZ, 10);
static noinline void pintrack_report(const struct pintrack_out *out)
{
	struct page *page;

	if (pintrack_kunit_count("gup_pin_tracking_reports"))
		return;
	if (!__ratelimit(&pintrack_report_rs))
		return;
	page = pfn_to_page(out->pfn);
	pr_err("%s: pfn 0x%lx\n", gup_pin_tracking_misuse_names[out->what],
	       out->pfn);
	dump_page(page, "gup_pin_tracking");
	if (out->stack) {
		pr_err("page last pinned by:\n");
		pintrack_log_stack(out->stack);
	}
	dump_stack();
}

/*
 * Record a misuse of @gp (under its bucket lock). Only the first misuse of a
 * page is printed; every one is counted.
 */
static noinline void pintrack_misuse(struct pintrack_out *out,
				     struct pintrack_page *gp,
				     unsigned long pfn,
				     enum gup_pin_misuse what)
{
	trace_mm_gup_pin_misuse(pfn, what);
	if (!(out->pending & PINTRACK_OUT_ERRORS)) {
		out->pending |= PINTRACK_OUT_ERRORS;
		out->errors = 0;
	}
	out->errors++;
	if (gp->state & PINTRACK_REPORTED)
		return;
	WRITE_ONCE(gp->state, gp->state | PINTRACK_REPORTED);
	if (out->pending & PINTRACK_OUT_REPORT)
		return;
	out->pending |= PINTRACK_OUT_REPORT;
	out->pfn = pfn;
	out->what = what;
	out->stack = gup_pin_tracking_stacks ? gp->stack : 0;
}

static noinline void pintrack_finish_slow(const struct pintrack_out *out)
{
	if (out->pending & PINTRACK_OUT_ERRORS)
		this_cpu_add(pintrack_counters[PINTRACK_ERRORS], out->errors);
	if (out->pending & PINTRACK_OUT_REPORT)
		pintrack_report(out);
}

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

/* The end of a hook call: the counters, then what its slow paths left. */
static __always_inline void pintrack_finish(const struct pintrack_delta *d,
					    const struct pintrack_out *out,
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
 * Each page goes through pintrack_update(): pintrack_update_fast() does the
 * common cases in a few instructions, pintrack_update_slow() the rest
 * (misuse, a page whose release is logged, and every page of a call in
 * stacks mode or with its trace event on). Counter changes are added once
 * per call, and the first misuse is reported once the locks are dropped.
 * A call of one page, the most common, takes pintrack_one() inline and the
 * walk only if the fast path turned the page down.
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

static DEFINE_STATIC_KEY_FALSE(pintrack_stacks_key);

/*
 * Drop @drop pins from @gp, the page at @pfn; @freed: the page is being
 * freed. The caller holds the lock.
 */
static __always_inline void pintrack_drop(struct pintrack_delta *d,
					  struct pintrack_page *gp,
					  unsigned long pfn, u32 drop,
					  bool freed)
{
	u32 state = gp->state;

	if (pintrack_pins(state) == drop) {
		d->pages--;
		d->longterm -= !!(state & PINTRACK_LONGTERM);
		/* It blocked a migration: its record says when it went. */
		if (unlikely(state & PINTRACK_WATCHED))
			pintrack_failure_released(pfn, freed);
		state &= PINTRACK_REPORTED;
	} else {
		state -= drop;
	}
	WRITE_ONCE(gp->state, state);
	d->pins -= drop;
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
	const struct pintrack_mode pin = {
		.op = PINTRACK_OP_PIN, .longterm = c->longterm,
	};
	struct pintrack_delta d = { };
	u32 state = gp->state;
	u32 count = pintrack_pins(state);
	u32 drop;

	if (op == PINTRACK_OP_PIN) {
		/* A full count takes no more pins. */
		if (!pintrack_update_fast(&d, gp, page, c->now, pin)) {
			pintrack_misuse(out, gp, pfn, GUP_PIN_MISUSE_OVERFLOW);
			return d;
		}
		if (static_branch_unlikely(&pintrack_stacks_key)) {
			WRITE_ONCE(gp->stack, c->stack);
			WRITE_ONCE(gp->tgid, c->tgid);
		}
		trace_mm_gup_pin(pfn, count + 1, gp->state & PINTRACK_LONGTERM,
				 c->ip);
		return d;
	}
	/* Pins are never taken from another page: too few is misuse. */
	drop = min(count, c->refs);
	if (likely(drop)) {
		if (unlikely(pintrack_refs_dropped(page, count)))
			pintrack_misuse(out, gp, pfn, GUP_PIN_MISUSE_PUT_PAGE);
		pintrack_drop(&d, gp, pfn, drop, false);
		trace_mm_gup_unpin(pfn, count - drop, state & PINTRACK_LONGTERM,
				   c->ip);
	}
	if (unlikely(drop != c->refs))
		pintrack_misuse(out, gp, pfn, c->what);
	return d;
}

/* One page of a walk: the fast path, else (or if @m.full) the slow one. */
static __always_inline void pintrack_update(struct pintrack_delta *d,
					    struct pintrack_out *out,
					    const struct pintrack_call *c,
					    struct pintrack_page *gp,
					    struct page *page,
					    unsigned long pfn, u32 now,
					    const struct pintrack_mode m)
{
	if (m.full || unlikely(!pintrack_update_fast(d, gp, page, now, m)))
		pintrack_delta_add(d, pintrack_update_slow(out, c, gp, page,
							   pfn, m.op));
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
				pintrack_update(d, out, c, gp, page, p, now, m);
				if (++i == limit)
					break;
				if (!m.range && pages[i] != page + 1)
					break;
				gp = pintrack_next(gp);
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
	spinlock_t *lock = pintrack_lock(pfn);	/* the bucket lock of @pfn */
	struct pintrack_page *gp;
	bool done = true;

	/* Upstream never pins the shared zero page. */
	if (unlikely(is_zero_pfn(pfn)))
		return true;
	spin_lock_irqsave(lock, flags);
	rcu_read_lock();
	gp = pintrack_lookup(pfn);
	if (likely(gp))
		done = pintrack_update_fast(d, gp, page,
					    m.op == PINTRACK_OP_PIN ?
					    pintrack_now() : 0, m);
	rcu_read_unlock();
	spin_unlock_irqrestore(lock, flags);
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
		.tgid = static_branch_unlikely(&pintrack_stacks_key) ?
			pintrack_pinner() : 0,
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

/* Count the pins of @pages, taken with @gup_flags, called from @ip. */
static __always_inline void pintrack_pin(struct page **pages,
					 unsigned long n,
					 unsigned int gup_flags,
					 unsigned long ip)
{
	u32 longterm = gup_flags & FOLL_LONGTERM ? PINTRACK_LONGTERM : 0;
	const struct pintrack_mode m = {
		.op = PINTRACK_OP_PIN, .longterm = longterm,
	};
	struct pintrack_delta d = { };

	if (!(gup_flags & FOLL_PIN))
		return;
	if (static_branch_unlikely(&pintrack_stacks_key)) {
		depot_stack_handle_t stack;

		stack = gup_pin_tracking_save_stack(_RET_IP_, GFP_NOWAIT |
						    __GFP_NOWARN);
		pintrack_pin_walk(pages, n, longterm, true, ip, stack);
	} else if (unlikely(trace_mm_gup_pin_enabled())) {
		pintrack_pin_walk(pages, n, longterm, true, ip, 0);
	} else if (n != 1 || !pages[0]) {
		pintrack_pin_walk(pages, n, longterm, false, ip, 0);
	} else if (unlikely(!pintrack_one(&d, pages[0], m))) {
		pintrack_pin_walk(pages, 1, longterm, true, ip, 0);
	} else {
		pintrack_count(&d, PINTRACK_EV_PIN);
	}
}

/**
 * __gup_pin_track_pages() - Count pins handed back by a pin entry point.
 * @pages: The pages pinned.
 * @npages: Number of entries in @pages.
 * @gup_flags: The FOLL_* flags of the pin.
 * @ip: The caller of the pin entry point, for the trace events.
 *
 * One pin is counted on each page; the shared zero page is skipped, as
 * upstream never pins it. Nothing is counted without FOLL_PIN.
 *
 * Context: Process context; takes bucket locks with interrupts off.
 */
void __gup_pin_track_pages(struct page **pages, unsigned long npages,
			   unsigned int gup_flags, unsigned long ip)
{
	pintrack_pin(pages, npages, gup_flags, ip);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_pin_track_pages);

/**
 * __gup_pin_track_folio() - Count one pin taken on a whole folio.
 * @folio: The folio; the pin is counted on its first page.
 * @gup_flags: The FOLL_* flags of the pin.
 * @ip: As for __gup_pin_track_pages().
 *
 * Context: Process context; takes a bucket lock with interrupts off.
 */
void __gup_pin_track_folio(struct folio *folio, unsigned int gup_flags,
			   unsigned long ip)
{
	struct page *page = &folio->page;

	pintrack_pin(&page, 1, gup_flags | FOLL_PIN, ip);
}

/**
 * __gup_pin_track_added() - Count a pin added with folio_add_pin().
 * @page: The page whose folio got the pin, and that its holder will unpin.
 * @ip: As for __gup_pin_track_pages().
 *
 * Context: Any context; takes a bucket lock with interrupts off.
 */
void __gup_pin_track_added(struct page *page, unsigned long ip)
{
	pintrack_pin(&page, 1, FOLL_PIN, ip);
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

/* Release one pin from each of @pages, called from @ip. */
static __always_inline void pintrack_unpin(struct page **pages,
					   unsigned long n, unsigned long ip)
{
	const struct pintrack_mode m = {
		.op = PINTRACK_OP_UNPIN, .check_refs = true,
	};
	struct pintrack_delta d = { };

	if (unlikely(trace_mm_gup_unpin_enabled()))
		pintrack_unpin_walk(pages, 0, n, 1, GUP_PIN_MISUSE_NO_PIN,
				    true, ip);
	else if (n != 1 || !pages[0])
		pintrack_unpin_walk(pages, 0, n, 1, GUP_PIN_MISUSE_NO_PIN,
				    false, ip);
	else if (unlikely(!pintrack_one(&d, pages[0], m)))
		pintrack_unpin_walk(pages, 0, 1, 1, GUP_PIN_MISUSE_NO_PIN,
				    true, ip);
	else
		pintrack_count(&d, PINTRACK_EV_UNPIN);
}

/**
 * __gup_unpin_track_pages() - Account the release of an array of pins.
 * @pages: The pages being unpinned; NULL entries are skipped.
 * @npages: Number of entries in @pages.
 * @ip: The caller of the unpin entry point, for the trace events.
 *
 * One pin is released from each page. A page that holds no tracked pin is
 * reported; pins are never taken from another page of its folio.
 *
 * Context: Any context; takes bucket locks with interrupts off.
 */
void __gup_unpin_track_pages(struct page **pages, unsigned long npages,
			     unsigned long ip)
{
	pintrack_unpin(pages, npages, ip);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_pages);

/**
 * __gup_unpin_track_range() - Account the release of a range of pins.
 * @page: The first page.
 * @npages: Number of consecutive pages, one pin released on each.
 * @ip: As for __gup_unpin_track_pages().
 *
 * Context: Any context; takes bucket locks with interrupts off.
 */
void __gup_unpin_track_range(struct page *page, unsigned long npages,
			     unsigned long ip)
{
	if (npages == 1)
		pintrack_unpin(&page, 1, ip);
	else
		pintrack_unpin_walk(NULL, page_to_pfn(page), npages, 1,
				    GUP_PIN_MISUSE_NO_PIN,
				    trace_mm_gup_unpin_enabled(), ip);
}
EXPORT_SYMBOL_IF_KUNIT(__gup_unpin_track_range);

/**
 * __gup_unpin_track_folio() - Account a release that names only a folio.
 * @folio: The folio.
 * @refs: Number of pins released.
 * @ip: As for __gup_unpin_track_pages().
 *
 * Only a folio-level pin (memfd_pin_folios()) is released this way, and it
 * is counted on the folio's first page: the pins are taken from there. A
 * release of more pins than that page holds is reported.
 *
 * Context: Any context; takes a bucket lock with interrupts off.
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

/**
 * __gup_unpin_track_folios() - Account the release of an array of folios.
 * @folios: The folios; one pin released per entry, NULL entries skipped.
 * @nfolios: Number of entries in @folios.
 * @ip: As for __gup_unpin_track_pages().
 *
 * Context: Any context; takes bucket locks with interrupts off.
 */
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
			u32 count = gp->state & PINTRACK_COUNT_MASK;

			if (count) {
				pintrack_misuse(&out, gp, pfn + iter.index,
						GUP_PIN_MISUSE_FREED);
				pintrack_drop(&d, gp, pfn + iter.index, count,
					      true);
			}
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

/**
 * __gup_pin_track_free() - Check pages being freed for tracked pins.
 * @page: The first page being freed.
 * @order: The order of the block.
 *
 * A page freed with a non-zero count is reported and its count dropped, so
 * the counters stay true. The per-page report flag is cleared for the next
 * user of the page. Called for every free, hugetlb folios returned to their
 * pool included: a clean order-0 page costs a lookup and a read, and
 * no call.
 *
 * Context: Any context the page allocator frees in.
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
	return pintrack_state(page) & PINTRACK_COUNT_MASK;
}
EXPORT_SYMBOL_GPL(__page_dma_pin_count);

/**
 * __page_dma_pinned() - Is a page pinned, by the tracked count?
 * @page: The page.
 *
 * Context: Any context.
 * Return: Whether the DmaPinned bit of @page is set. A page without page_ext
 * (ZONE_DEVICE memory, say) has no tracked count: for it, as with tracking
 * off, folio_maybe_dma_pinned() of its folio.
 */
bool __page_dma_pinned(const struct page *page)
{
	struct pintrack_snap snap;

	if (!pintrack_snapshot(page, &snap))
		return folio_maybe_dma_pinned((struct folio *)page_folio(page));
	return snap.state & PINTRACK_DMA_PINNED;
}
EXPORT_SYMBOL_GPL(__page_dma_pinned);

/**
 * gup_pin_tracking_longterm() - Was a long-term pin taken on a page?
 * @page: The page.
 *
 * The flag is set by a FOLL_LONGTERM pin and cleared when the count drops
 * to 0 (see PINTRACK_LONGTERM).
 *
 * Context: Any context.
 * Return: true if a long-term pin was taken on @page since it was last
 * unpinned completely.
 */
bool gup_pin_tracking_longterm(const struct page *page)
{
	return pintrack_state(page) & PINTRACK_LONGTERM;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_longterm);

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
	gup_pin_tracking_lock_bits = ilog2(nr);
	pintrack_lock_shift = 64 - gup_pin_tracking_lock_bits;

	if (pintrack_boot_mode == PINTRACK_MODE_STACKS) {
		gup_pin_tracking_stack_cache_init();
		pintrack_stack_init();
		pintrack_failure_handle = pintrack_save_stack(_THIS_IP_,
							      GFP_KERNEL);
		gup_pin_tracking_stacks = true;
		static_branch_enable(&pintrack_stacks_key);
	}
	gup_pin_tracking_failures_init();
	static_branch_enable(&gup_pin_tracking_key);
	pr_info("enabled%s: %zu bytes of page_ext per page, %u lock buckets\n",
		gup_pin_tracking_stacks ? " with stacks" : "",
		gup_pin_tracking_ops.size, nr);
}

struct page_ext_operations gup_pin_tracking_ops = {
	.size = PINTRACK_PAGE_SIZE_ON,
	.need = need_gup_pin_tracking,
	.init = init_gup_pin_tracking,
};
