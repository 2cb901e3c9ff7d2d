// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking, stacks mode (gup_pin_tracking=stacks): each pinned page
 * keeps the stack of its last pin call, in the stack depot, and the pinner's
 * thread group, so that reports and debugfs say who pinned it.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#define pr_fmt(fmt) "gup_pin_tracking: " fmt

#include <linux/gup_pin_tracking.h>
#include <linux/hash.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>

#include <kunit/visibility.h>

#ifdef CONFIG_UNWINDER_ORC
#include <asm/unwind.h>
#endif

#include "gup_pin_tracking_internal.h"

DEFINE_STATIC_KEY_FALSE(pintrack_stacks_key);

/*
 * Frames kept of a pinner's stack, from the caller of GUP's pin entry point:
 * the driver, io_uring's buffer registration, the bio's direct I/O, up to
 * the system call in the common cases. Below them the tracker's frames and
 * GUP's are unwound but not kept; PINTRACK_UNWIND_MAX bounds all of them.
 */
#define PINTRACK_STACK_DEPTH		8
#define PINTRACK_UNWIND_MAX		(PINTRACK_STACK_DEPTH + 8)

static depot_stack_handle_t pintrack_failure_handle __read_mostly;

static depot_stack_handle_t pintrack_depot_save(unsigned long *entries,
						unsigned int nr,
						unsigned long hook, gfp_t gfp)
{
	unsigned int start = pintrack_stack_start(entries, nr, hook);
	depot_stack_handle_t handle;

	handle = stack_depot_save(entries + start,
				  min(nr - start, PINTRACK_STACK_DEPTH), gfp);
	pintrack_counter_add(PINTRACK_STACK_UNWINDS, 1);
	return handle ? handle : pintrack_failure_handle;
}

/* The stack of a pin call, unwound. */
static noinline depot_stack_handle_t pintrack_unwind_save(unsigned long hook,
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
 * pintrack_stack_cache_init() - Allocate the stack cache.
 *
 * At boot in stacks mode, or by the KUnit tests; a second call does
 * nothing. Without the cache every stack is unwound.
 *
 * Context: Process context; may sleep.
 * Return: true if there is a cache.
 */
VISIBLE_IF_KUNIT bool pintrack_stack_cache_init(void)
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
			/* As pintrack_stack_start(): after the first run. */
			if (pintrack_in_gup_entry(ret) &&
			    (!start || start == n - 1))
				start = n;
			else if (ret == hook && !start)
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
		return pintrack_unwind_save(hook, gfp);
	depth = top - sp;
	preempt_disable();
	sc = pintrack_stack_cache_slot(ip, depth);
	if (pintrack_stack_cached(sc, ip, depth, top)) {
		handle = sc->handle;
		preempt_enable();
		pintrack_counter_add(PINTRACK_STACK_CACHE_HITS, 1);
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
VISIBLE_IF_KUNIT bool pintrack_stack_cache_init(void)
{
	return false;
}
#endif

/**
 * pintrack_save_stack() - Save the stack of a pin call.
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
noinline depot_stack_handle_t pintrack_save_stack(unsigned long ip, gfp_t gfp)
{
#ifdef CONFIG_UNWINDER_ORC
	/* Interrupts run on stacks of their own, and must not touch a cache. */
	if (READ_ONCE(pintrack_stack_cache) && in_task())
		return pintrack_save_stack_cached(ip, _RET_IP_, gfp);
#endif
	return pintrack_unwind_save(_RET_IP_, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_save_stack);

/**
 * pintrack_pinner() - The pinner, for the tgid word of an entry.
 *
 * Context: Process context.
 * Return: The current thread group id and, above it, a tag of the thread
 * group's start time (see struct pintrack_page).
 */
u32 pintrack_pinner(void)
{
	return pintrack_tgid(current->tgid) |
	       pintrack_birth(current) << PINTRACK_TGID_BITS;
}

/**
 * pintrack_stack_init() - Start stacks mode.
 *
 * Context: Early boot, once, before the tracker is enabled.
 */
void __init pintrack_stack_init(void)
{
	pintrack_stack_cache_init();
	pintrack_failure_handle = pintrack_unwind_save(_THIS_IP_, GFP_KERNEL);
	static_branch_enable(&pintrack_stacks_key);
}
