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
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>

#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"

DEFINE_STATIC_KEY_FALSE(pintrack_stacks_key);

/*
 * Frames kept of a pinner's stack, from the caller of GUP's pin entry point:
 * the driver, io_uring's buffer registration, the bio's direct I/O, up to
 * the system call in the common cases. Below them the tracker's frames and
 * GUP's are unwound but not kept; STACK_TRACE_CACHE_FRAMES bounds all of
 * them.
 */
#define PINTRACK_STACK_DEPTH		8

static depot_stack_handle_t pintrack_failure_handle __read_mostly;

/*
 * Unwinding costs thousands of instructions (ORC: a table search and checks
 * per frame), and the pins of one call site come from the same few call
 * chains: where the architecture has one (x86's ORC), each CPU keeps the
 * handles of the stacks it saved in a stack_trace_cached() cache, which
 * returns one only for a stack the unwinder would unwind the same way.
 */
static struct stack_trace_cache __percpu *pintrack_stack_cache __read_mostly;

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
	struct stack_trace_cache __percpu *cache;

	if (READ_ONCE(pintrack_stack_cache))
		return true;
	cache = stack_trace_cache_alloc();
	/* Never used if another call's cache came first. */
	if (cache && cmpxchg(&pintrack_stack_cache, NULL, cache))
		stack_trace_cache_free(cache);
	return READ_ONCE(pintrack_stack_cache);
}

struct pintrack_stack_arg {
	unsigned long hook;
	gfp_t gfp;
	bool unwound;
};

/* The handle of an unwound stack; 0 (not kept) if it cannot be saved. */
static unsigned long pintrack_stack_handle(const unsigned long *entries,
					   unsigned int nr, void *data)
{
	struct pintrack_stack_arg *arg = data;
	unsigned int start = pintrack_stack_start(entries, nr, arg->hook);

	arg->unwound = true;
	pintrack_counter_add(PINTRACK_STACK_UNWINDS, 1);
	return stack_depot_save((unsigned long *)entries + start,
				min(nr - start, PINTRACK_STACK_DEPTH),
				arg->gfp);
}

/**
 * pintrack_save_stack() - Save the stack of a pin call.
 * @ip: The hook's return address: with the stack's place, the cache's key.
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
	struct pintrack_stack_arg arg = { .hook = _RET_IP_, .gfp = gfp };
	depot_stack_handle_t handle;

	handle = stack_trace_cached(READ_ONCE(pintrack_stack_cache), ip,
				    pintrack_stack_handle, &arg);
	if (!arg.unwound)
		pintrack_counter_add(PINTRACK_STACK_CACHE_HITS, 1);
	return handle ? handle : pintrack_failure_handle;
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
	unsigned long entries[4];
	unsigned int nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);

	pintrack_stack_cache_init();
	pintrack_failure_handle = stack_depot_save(entries, nr, GFP_KERNEL);
	static_branch_enable(&pintrack_stacks_key);
}
