// SPDX-License-Identifier: GPL-2.0
/*
 * A per-CPU cache of what a caller derives from the current task's stack
 * trace (for example its stack depot handle), exact by construction.
 *
 * An ORC unwind costs a table search and several checks a frame, thousands
 * of instructions for a deep stack, and a caller that saves the stack of
 * every call of a hot path (gup_pin_tracking=stacks) sees the same few
 * chains again and again. What the unwinder gives is a function of where it
 * starts (the caller's return address, stack pointer and frame pointer), of
 * the ORC data of the return addresses it finds, and of the stack words it
 * reads. So the cache keeps, with the value, where its caller's frame was
 * (the return address, and the stack pointer as a depth below the top of
 * the task stack) and the words the unwinder read that its result depends
 * on, as unwind_state's @observe tells them: every word of a call frame it
 * read, and a saved frame pointer (or the caller's) only if it then used
 * it to find a frame. A later call from a frame at that place, whose stack
 * holds those words still, would be unwound to the same stack: the value
 * is returned without unwinding. Words that hold addresses in the task
 * stack (saved frame pointers, a DRAP frame's saved CFA) are kept as
 * depths, so that tasks running the same code share entries.
 *
 * The stack ends at the system call's (or user exception's) registers, as
 * stack_trace_save() ends it, with their code segment kept. Refused, so
 * always unwound: interrupts (they run on stacks of their own and must not
 * see an entry half written), chains through an exception frame in the
 * kernel, through a return address that ftrace or a kretprobe replaced, or
 * outside core kernel and module text (init text, trampolines, BPF), with
 * an unwinder error or more than UNWIND_CACHE_READS words. A module going
 * away invalidates every entry: its text, and with it the ORC data of its
 * addresses, may be reused.
 */

#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/init.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rethook.h>
#include <linux/sched/task_stack.h>
#include <linux/stacktrace.h>

#include <asm/unwind.h>

#define UNWIND_CACHE_BITS	6
#define UNWIND_CACHE_READS	40

struct stack_trace_cache {
	unsigned long value;		/* 0: unused */
	unsigned long key;
	unsigned long ip;		/* the caller's return address */
	unsigned long bp;		/* the caller's frame pointer */
	u64 rel;			/* bit i: val[i] is a depth; see below */
	unsigned int depth;		/* the caller's stack pointer */
	unsigned int gen;
	unsigned int nr;
	u16 slot[UNWIND_CACHE_READS];	/* in words below the top */
	unsigned long val[UNWIND_CACHE_READS];
};

#define UNWIND_CACHE_BP_REL	63	/* bp is a depth */
#define UNWIND_CACHE_BP_USED	62	/* the unwinder used bp */

static atomic_t unwind_cache_gen = ATOMIC_INIT(0);

/* @v as kept: a depth in bytes below @top if it lies in the task stack. */
static __always_inline unsigned long unwind_cache_word(unsigned long v,
						       unsigned long top,
						       bool *rel)
{
	*rel = v < top && top - v <= THREAD_SIZE;
	return *rel ? top - v : v;
}

/* Does @c hold what the unwinder would read now, below @top? */
static bool unwind_cache_hit(const struct stack_trace_cache *c,
			     unsigned long key, unsigned long ip,
			     unsigned int depth, unsigned long bp,
			     unsigned long top)
{
	unsigned long want;
	unsigned int i;

	if (c->key != key || c->ip != ip || c->depth != depth || !c->value ||
	    c->gen != atomic_read(&unwind_cache_gen))
		return false;
	want = c->rel & BIT_ULL(UNWIND_CACHE_BP_REL) ? top - c->bp : c->bp;
	if (c->rel & BIT_ULL(UNWIND_CACHE_BP_USED) && bp != want)
		return false;
	for (i = 0; i < c->nr; i++) {
		want = c->rel & BIT_ULL(i) ? top - c->val[i] : c->val[i];
		if (READ_ONCE_NOCHECK(*((unsigned long *)top - c->slot[i])) !=
		    want)
			return false;
	}
	return true;
}

struct unwind_cache_walk {
	struct unwind_state state;
	struct stack_trace_cache *c;
	unsigned long top;
	unsigned long sp;		/* nothing below it may be read */
	/* The saved frame pointer read last, kept only once it is used. */
	unsigned long bp_addr, bp_val;
	bool bp_read;			/* bp_addr, bp_val hold it */
	bool bp_caller;			/* bp is still the caller's */
	bool exact;
};

/* Keep the word @val that the unwinder read at @addr, or refuse. */
static void unwind_cache_keep(struct unwind_cache_walk *w, unsigned long addr,
			      unsigned long val)
{
	struct stack_trace_cache *c = w->c;
	bool rel;

	if (c->nr == UNWIND_CACHE_READS || addr < w->sp || addr >= w->top ||
	    addr % sizeof(long)) {
		w->exact = false;
		return;
	}
	c->slot[c->nr] = (w->top - addr) / sizeof(long);
	c->val[c->nr] = unwind_cache_word(val, w->top, &rel);
	if (rel)
		c->rel |= BIT_ULL(c->nr);
	c->nr++;
}

/* unwind_state's @observe. */
static void unwind_cache_observe(struct unwind_state *state,
				 enum unwind_event event, unsigned long addr,
				 unsigned long val)
{
	struct unwind_cache_walk *w = container_of(state, typeof(*w), state);

	switch (event) {
	case UNWIND_READ:
		unwind_cache_keep(w, addr, val);
		break;
	case UNWIND_READ_BP:
		/* Callee-saved data, until a frame is found with it. */
		w->bp_addr = addr;
		w->bp_val = val;
		w->bp_read = true;
		w->bp_caller = false;
		break;
	case UNWIND_USE_BP:
		if (w->bp_caller)
			w->c->rel |= BIT_ULL(UNWIND_CACHE_BP_USED);
		else if (w->bp_read)
			unwind_cache_keep(w, w->bp_addr, w->bp_val);
		w->bp_read = false;
		break;
	}
}

/*
 * Is @ip text whose ORC data stays while a value is cached: core kernel or
 * module text, not a return address that ftrace or a kretprobe put there?
 */
static bool unwind_cache_text(unsigned long ip)
{
	struct module *mod;
	bool ret;

#ifdef CONFIG_FUNCTION_GRAPH_TRACER
	if (ip == (unsigned long)return_to_handler)
		return false;
#endif
#ifdef CONFIG_RETHOOK
	if (is_rethook_trampoline(ip))
		return false;
#endif
	if (is_kernel_text(ip))
		return true;
	preempt_disable();
	mod = __module_address(ip);
	ret = mod && within_module_core(ip, mod);
	preempt_enable();
	return ret;
}

/*
 * Unwind from the frame of the caller of stack_trace_cached() (@ip, @sp,
 * @bp) into @entries, what it depends on into @c. Return the number of
 * entries; false in *@keep if @c must not be kept.
 */
static unsigned int unwind_cache_fill(struct stack_trace_cache *c,
				      unsigned long *entries, unsigned long ip,
				      unsigned long sp, unsigned long bp,
				      unsigned long top, bool *keep)
{
	struct unwind_cache_walk w = { .c = c, .top = top, .sp = sp,
				       .bp_caller = true, .exact = true };
	struct unwind_state *state = &w.state;
	struct pt_regs *regs;
	unsigned int n = 0;
	unsigned long ret;
	bool rel;

	/* Through this code's frames to the caller's (@sp). */
	unwind_start(state, current, NULL, (unsigned long *)sp - 1);
	if (unwind_done(state) || state->regs || state->ip != ip ||
	    state->sp != sp || state->bp != bp)
		w.exact = false;
	c->bp = unwind_cache_word(bp, top, &rel);
	c->rel = rel ? BIT_ULL(UNWIND_CACHE_BP_REL) : 0;
	c->nr = 0;
	state->observe = unwind_cache_observe;
	while (!unwind_done(state)) {
		ret = unwind_get_return_address(state);
		if (!ret)
			break;
		if (!unwind_cache_text(ret))
			w.exact = false;
		entries[n++] = ret;
		if (n == STACK_TRACE_CACHE_FRAMES || !unwind_next_frame(state))
			break;
		regs = state->regs;
		if (regs) {
			/* The entry from user mode ends it (arch_stack_walk()). */
			if (regs == task_pt_regs(current) && user_mode(regs))
				unwind_cache_keep(&w, (unsigned long)&regs->cs,
						  regs->cs);
			else
				w.exact = false;
			break;
		}
		/* ftrace or a kretprobe found the real one elsewhere. */
		if (READ_ONCE_NOCHECK(*((unsigned long *)state->sp - 1)) !=
		    state->ip)
			w.exact = false;
	}
	state->observe = NULL;
	*keep = w.exact && !unwind_error(state);
	return n;
}

/* A miss: unwind, compute the value, keep it if the stack allows. */
static noinline unsigned long unwind_cache_miss(struct stack_trace_cache __percpu *cache,
						unsigned long key,
						stack_trace_cache_fn fn,
						void *data, unsigned long ip,
						unsigned long sp,
						unsigned long bp,
						unsigned long top)
{
	unsigned long entries[STACK_TRACE_CACHE_FRAMES];
	struct stack_trace_cache new;
	unsigned int nr;
	bool keep;

	new.key = key;
	new.ip = ip;
	new.depth = top - sp;
	new.gen = atomic_read(&unwind_cache_gen);
	nr = unwind_cache_fill(&new, entries, ip, sp, bp, top, &keep);
	new.value = fn(entries, nr, data);
	if (new.value && keep) {
		preempt_disable();
		*(this_cpu_ptr(cache) + hash_long(key ^ ip ^ new.depth,
						  UNWIND_CACHE_BITS)) = new;
		preempt_enable();
	}
	return new.value;
}

/* No cache, or not in task context: unwind, from the caller's frame. */
static noinline unsigned long unwind_cache_none(stack_trace_cache_fn fn,
						void *data, unsigned long ip)
{
	unsigned long entries[STACK_TRACE_CACHE_FRAMES + 2];
	unsigned int nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	unsigned int i = 0;

	while (i < nr && entries[i] != ip)
		i++;
	if (i == nr)
		i = 0;
	return fn(entries + i, min(nr - i, STACK_TRACE_CACHE_FRAMES), data);
}

/**
 * stack_trace_cache_alloc() - Allocate a stack trace cache.
 *
 * Context: Process context; may sleep.
 * Return: A per-CPU cache for stack_trace_cached(), or NULL.
 */
struct stack_trace_cache __percpu *stack_trace_cache_alloc(void)
{
	BUILD_BUG_ON(sizeof(struct stack_trace_cache) << UNWIND_CACHE_BITS >
		     PCPU_MIN_UNIT_SIZE);
	return __alloc_percpu(sizeof(struct stack_trace_cache) <<
			      UNWIND_CACHE_BITS,
			      __alignof__(struct stack_trace_cache));
}

/**
 * stack_trace_cache_free() - Free a stack trace cache.
 * @cache: From stack_trace_cache_alloc(), or NULL.
 *
 * The caller makes sure that no stack_trace_cached() call uses @cache any
 * more.
 *
 * Context: Process context.
 */
void stack_trace_cache_free(struct stack_trace_cache __percpu *cache)
{
	free_percpu(cache);
}

/**
 * stack_trace_cached() - A value derived from the current stack, cached.
 * @cache: From stack_trace_cache_alloc(), or NULL for no cache.
 * @key: The caller's key for the value (with the stack's place, the
 *	 cache's key), for example the return address of a hook.
 * @fn: Computes the value from the stack, as stack_trace_save() would
 *	give it from the caller's frame outward (the caller's return
 *	address first), at most STACK_TRACE_CACHE_FRAMES entries; 0 if it
 *	must not be kept.
 * @data: For @fn.
 *
 * This function's frame holds no array (which KASAN would realign): its
 * frame pointer gives the caller's frame exactly, and the unwinder, when
 * it misses, checks that.
 *
 * Context: Any context; only task context uses the cache.
 * Return: The value @fn returned for a stack that the unwinder would unwind
 * now exactly as it did then, if this CPU kept it; else @fn's value for the
 * stack unwound now.
 */
noinline unsigned long stack_trace_cached(struct stack_trace_cache __percpu *cache,
					  unsigned long key,
					  stack_trace_cache_fn fn, void *data)
{
	unsigned long *fp = __builtin_frame_address(0);
	unsigned long top = (unsigned long)task_stack_page(current) +
			    THREAD_SIZE;
	/* The caller's frame, as this function's prologue saved it. */
	unsigned long sp = (unsigned long)(fp + 2);
	unsigned long ip = READ_ONCE_NOCHECK(fp[1]);
	unsigned long bp = READ_ONCE_NOCHECK(fp[0]);
	struct stack_trace_cache *c;
	unsigned long value = 0;

	if (!cache || !in_task() || top - sp >= THREAD_SIZE)
		return unwind_cache_none(fn, data, ip);
	preempt_disable();
	c = this_cpu_ptr(cache) + hash_long(key ^ ip ^ (top - sp),
					    UNWIND_CACHE_BITS);
	if (unwind_cache_hit(c, key, ip, top - sp, bp, top))
		value = c->value;
	preempt_enable();
	return value ?: unwind_cache_miss(cache, key, fn, data, ip, sp, bp,
					  top);
}

#ifdef CONFIG_MODULES
static int unwind_cache_module(struct notifier_block *nb, unsigned long state,
			       void *data)
{
	if (state == MODULE_STATE_GOING)
		atomic_inc(&unwind_cache_gen);
	return NOTIFY_OK;
}

static struct notifier_block unwind_cache_nb = {
	.notifier_call = unwind_cache_module,
};

static int __init unwind_cache_init(void)
{
	return register_module_notifier(&unwind_cache_nb);
}
core_initcall(unwind_cache_init);
#endif
