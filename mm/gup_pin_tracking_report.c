// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: what it tells a person. The line of a pinned page and
 * its stack, for the log and for debugfs, and the reports of misuse, in the
 * shape of KFENCE's: a first line "BUG: gup_pin_tracking: <misuse> in
 * <function>" that people and bots read alike, the details after it, then
 * the kernel is tainted and panic_on_warn honoured.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

/*
 * No prefix: a misuse report's first line names the tracker after "BUG: ",
 * as KFENCE's does, and the lines after it belong to it.
 */
#define pr_fmt(fmt) fmt

#include <linux/gup_pin_tracking.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/panic.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include <kunit/resource.h>
#include <kunit/test-bug.h>

#include "gup_pin_tracking_internal.h"

/* The names of enum gup_pin_misuse. */
#undef EM
#undef EMe
#define EM(a, b)	b,
#define EMe(a, b)	b

const char *const pintrack_misuse_names[GUP_PIN_NR_MISUSE] = {
	GUP_PIN_MISUSE_KINDS
};

static_assert(ARRAY_SIZE(pintrack_misuse_names) == GUP_PIN_NR_MISUSE);

/* === One page's line ====================================================== */

/**
 * pintrack_comm() - The command name of the process that pinned.
 * @tgid: The tgid word of a page's entry (struct pintrack_page).
 * @pinned_at: When the page was pinned (pintrack_now()).
 * @comm: Where to write the name.
 * @len: Size of @comm.
 *
 * The thread group with that id now is named only if it is the one that
 * pinned: it must be older than the pin (give or take a second) and its
 * start time must match the entry's tag. A process that took the number
 * after the pinner exited is not named. The two ages are taken each on its
 * own clock (start_time is ktime, pintrack_now() jiffies): how far the clocks
 * drifted apart since boot does not count.
 *
 * Context: Process context (task_lock() is taken); not under a bucket lock.
 * Return: 0, or -ESRCH (and "-" in @comm) if the pinner is gone.
 */
int pintrack_comm(u32 tgid, u32 pinned_at, char *comm, size_t len)
{
	struct task_struct *task;
	int ret = -ESRCH;

	strscpy(comm, "-", len);
	rcu_read_lock();
	task = pid_task(find_pid_ns(pintrack_tgid(tgid), &init_pid_ns),
			PIDTYPE_TGID);
	if (task && pintrack_birth(task) == tgid >> PINTRACK_TGID_BITS &&
	    div_u64(ktime_get_ns() - task->group_leader->start_time,
		    NSEC_PER_SEC) + 1 >= pintrack_age_secs(pinned_at)) {
		__get_task_comm(comm, len, task);
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

/**
 * pintrack_who() - " pid <tgid> comm <comm>" of an entry in stacks mode.
 * @buf: Where to write it, PINTRACK_WHO_LEN bytes.
 * @len: Size of @buf.
 * @snap: The entry.
 *
 * Context: As pintrack_comm().
 * Return: @buf, which is "" unless in stacks mode.
 */
const char *pintrack_who(char *buf, size_t len,
			 const struct pintrack_snap *snap)
{
	char comm[TASK_COMM_LEN];

	buf[0] = '\0';
	if (pintrack_stacks()) {
		pintrack_comm(snap->tgid, snap->pinned_at, comm, sizeof(comm));
		scnprintf(buf, len, " pid %u comm %s",
			  pintrack_tgid(snap->tgid), comm);
	}
	return buf;
}

/**
 * pintrack_page_line() - The line of a pinned page, as `pinned` shows it.
 * @buf: Where to write it.
 * @len: Size of @buf.
 * @pfn: The page.
 * @snap: Its entry.
 * @now: The time its age is taken at (pintrack_now()).
 * @who: pintrack_who() of the entry, or "" to leave it out.
 *
 * "pfn 0x<hex> pins <n>[ longterm] age <s>s[ pid <tgid> comm <comm>]": the
 * one format of a page for the log, `pinned`, `failures` and dump_page().
 *
 * Context: Any context.
 * Return: The length written.
 */
int pintrack_page_line(char *buf, size_t len, unsigned long pfn,
		       const struct pintrack_snap *snap, u32 now,
		       const char *who)
{
	return scnprintf(buf, len, "pfn 0x%lx pins %u%s age %lus%s", pfn,
			 pintrack_pins(snap->state),
			 snap->state & PINTRACK_LONGTERM ? " longterm" : "",
			 pintrack_secs(snap->pinned_at, now), who);
}

/**
 * pintrack_log_stack() - Print a saved stack to the kernel log.
 * @handle: The stack; nothing is printed for 0.
 *
 * Context: Any context.
 */
void pintrack_log_stack(depot_stack_handle_t handle)
{
	if (handle)
		stack_depot_print(handle);
}

/**
 * pintrack_seq_stack() - Print a saved stack to a debugfs file.
 * @m: The seq_file.
 * @handle: The stack; nothing is printed for 0.
 *
 * One frame a line, indented by eight spaces.
 *
 * Context: Process context.
 */
void pintrack_seq_stack(struct seq_file *m, depot_stack_handle_t handle)
{
	unsigned long *entries;
	unsigned int nr, i;

	if (!handle)
		return;
	nr = stack_depot_fetch(handle, &entries);
	for (i = 0; i < nr; i++)
		seq_printf(m, "        %pS\n", (void *)entries[i]);
}

/*
 * See gup_pin_track_dump_page(). The page's line without the pinner: its
 * stack is left to the tracker's own reports, which call dump_page() and
 * print it once.
 */
void __gup_pin_track_dump_page(const struct page *page)
{
	char line[PINTRACK_LINE_LEN];
	struct pintrack_snap snap;

	if (!pintrack_snapshot(page, &snap))
		return;
	pintrack_page_line(line, sizeof(line), page_to_pfn(page), &snap,
			   pintrack_now(), "");
	pr_warn("gup_pin_tracking: %s\n", line);
}

/**
 * pintrack_kunit_count() - Count a report in a KUnit test instead of
 *			    printing it.
 * @name: The named resource of the test ("gup_pin_tracking_reports",
 *	  "gup_pin_tracking_stale", "gup_pin_tracking_blocked",
 *	  "gup_pin_tracking_released").
 *
 * A KUnit test that provokes reports on purpose owns a named resource with
 * an int; reports made while it runs are counted there, as slub does for
 * "slab_errors". Without CONFIG_KUNIT, kunit_get_current_test() is NULL
 * and this is "return false".
 *
 * Context: Any context.
 * Return: true if the report was counted and must not be printed.
 */
bool pintrack_kunit_count(const char *name)
{
	struct kunit_resource *resource;
	struct kunit *test = kunit_get_current_test();

	if (!test)
		return false;
	resource = kunit_find_named_resource(test, name);
	if (!resource)
		return false;
	(*(int *)resource->data)++;
	kunit_put_resource(resource);
	return true;
}

/* === Stacks: where GUP ends and its caller begins ========================= */

/*
 * The functions of GUP and of the tracker's hooks, [start, end) each,
 * found with kallsyms at boot: GUP's pin and unpin entry points, the
 * static functions of mm/gup.c that call a hook, and the hooks. On a
 * stack, the run of frames in them that starts at the innermost hook
 * ends at the caller of GUP.
 */
static struct {
	unsigned long start, end;
} pintrack_gup_entries[26] __ro_after_init;

/* Static functions of mm/gup.c that call a hook, when not inlined. */
static const char *const pintrack_gup_statics[] __initconst = {
	"__gup_longterm_locked", "gup_fast_fallback",
	"__get_user_pages_locked",
};

/**
 * pintrack_gup_entries_init() - Find GUP's functions and the hooks.
 *
 * Context: Early boot, once.
 */
void __init pintrack_gup_entries_init(void)
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
		(unsigned long)__gup_pin_track_page,
		(unsigned long)__gup_pin_track_pages,
		(unsigned long)__gup_pin_track_folio,
		(unsigned long)__gup_pin_track_added,
		(unsigned long)__gup_unpin_track_page,
		(unsigned long)__gup_unpin_track_pages,
		(unsigned long)__gup_unpin_track_range,
		(unsigned long)__gup_unpin_track_folio,
		(unsigned long)__gup_unpin_track_folios,
		(unsigned long)__gup_pin_track_free,
	};
	unsigned long size, off, fn;
	unsigned int i, n = 0;

	BUILD_BUG_ON(ARRAY_SIZE(fns) + ARRAY_SIZE(pintrack_gup_statics) !=
		     ARRAY_SIZE(pintrack_gup_entries));
	for (i = 0; i < ARRAY_SIZE(fns) + ARRAY_SIZE(pintrack_gup_statics);
	     i++) {
		if (i < ARRAY_SIZE(fns))
			fn = fns[i];
		else
			fn = kallsyms_lookup_name(pintrack_gup_statics[i -
							ARRAY_SIZE(fns)]);
		/* A static function may be inlined: nothing to find. */
		if (!fn || !kallsyms_lookup_size_offset(fn, &size, &off))
			continue;
		pintrack_gup_entries[n].start = fn - off;
		pintrack_gup_entries[n++].end = fn - off + size;
	}
}

/**
 * pintrack_in_gup_entry() - Is an address in GUP's entry points or a hook?
 * @addr: A return address of a stack.
 *
 * Context: Any context.
 * Return: true if @addr lies in a pin or unpin function of GUP or in one
 * of the tracker's hooks.
 */
bool pintrack_in_gup_entry(unsigned long addr)
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
 * The frame after the run of GUP's and the hooks' frames that starts at
 * the innermost of them (a pin or unpin function may call another:
 * unpin_user_pages_dirty_lock() calls unpin_user_pages()): the code that
 * pinned or unpinned. Frames further out (in an interrupt, those of the
 * task it interrupted) do not count. With no such frame, the one after
 * @hook.
 *
 * Context: Any context.
 * Return: The index of that frame, 0 if there is none.
 */
unsigned int pintrack_stack_start(const unsigned long *entries,
				  unsigned int nr, unsigned long hook)
{
	unsigned int i = 0;

	while (i < nr && !pintrack_in_gup_entry(entries[i]))
		i++;
	if (i == nr) {
		for (i = 0; i < nr; i++)
			if (entries[i] == hook)
				return i + 1 < nr ? i + 1 : 0;
		return 0;
	}
	while (i < nr && pintrack_in_gup_entry(entries[i]))
		i++;
	return i < nr ? i : 0;
}

/* === Misuse reports ======================================================= */

#define PINTRACK_REPORT_FRAMES	64

/*
 * Is @ip on the page allocator's free path? A page freed while pinned is
 * reported from there, and the caller that freed it is the one to name.
 */
static bool pintrack_in_free_path(unsigned long ip)
{
	static const char *const prefixes[] = {
		"__free_pages", "free_unref_", "free_pages", "__folio_put",
		"folio_put", "folios_put", "put_page", "__put_page",
		"release_pages", "free_huge_folio",
	};
	char buf[64];
	unsigned int i;

	scnprintf(buf, sizeof(buf), "%ps", (void *)ip);
	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (str_has_prefix(buf, prefixes[i]))
			return true;
	return false;
}

/*
 * The index of the frame that misused the API, as KFENCE's
 * get_stack_skipnr() finds the caller of the allocator: the one after
 * the run of GUP's and the hooks' frames that starts at the innermost of
 * them, and after the page allocator's free path that called a hook.
 */
static unsigned int pintrack_report_skipnr(const unsigned long *entries,
					   unsigned int nr)
{
	unsigned int i = 0;

	while (i < nr && !pintrack_in_gup_entry(entries[i]))
		i++;
	while (i < nr && (pintrack_in_gup_entry(entries[i]) ||
			  pintrack_in_free_path(entries[i])))
		i++;
	return i < nr ? i : 0;
}

static DEFINE_RATELIMIT_STATE(pintrack_report_rs, 5 * HZ, 10);

/**
 * pintrack_report() - Report a misuse found by a hook call.
 * @out: What the call found: the kind, the pfn and the page's entry.
 *
 * "BUG: gup_pin_tracking: <misuse> in <function>", <function> being the
 * first frame outside the tracker and GUP (the caller that misused it):
 * one title for every repeat of one bug, for syzkaller and CI bots. Then
 * the pfn and the page's line (with the pinner in stacks mode), the page
 * dumped, the pinner's stack in stacks mode and the current stack.
 * Rate-limited; every report taints the kernel (TAINT_BAD_PAGE) and
 * honours panic_on_warn, printed or not.
 *
 * Context: Any context, with no lock of the tracker held.
 */
void pintrack_report(const struct pintrack_out *out)
{
	unsigned long entries[PINTRACK_REPORT_FRAMES];
	char line[PINTRACK_LINE_LEN], who[PINTRACK_WHO_LEN];
	unsigned int nr, skip;

	if (pintrack_kunit_count("gup_pin_tracking_reports"))
		return;
	if (__ratelimit(&pintrack_report_rs)) {
		nr = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
		skip = pintrack_report_skipnr(entries, nr);
		/* The pinner's name takes task_lock(): in a task only. */
		who[0] = '\0';
		if (!in_task() && pintrack_stacks())
			scnprintf(who, sizeof(who), " pid %u",
				  pintrack_tgid(out->snap.tgid));
		else
			pintrack_who(who, sizeof(who), &out->snap);
		pintrack_page_line(line, sizeof(line), out->pfn, &out->snap,
				   pintrack_now(), who);

		pr_err("==================================================================\n");
		pr_err("BUG: gup_pin_tracking: %s in %ps\n\n",
		       pintrack_misuse_names[out->what],
		       nr ? (void *)entries[skip] : NULL);
		pr_err("%s: %s\n", pintrack_misuse_names[out->what], line);
		dump_page(pfn_to_page(out->pfn), "gup_pin_tracking");
		if (out->snap.stack) {
			pr_err("page last pinned by:\n");
			pintrack_log_stack(out->snap.stack);
		}
		pr_err("\n");
		stack_trace_print(entries + skip, nr - skip, 0);
		pr_err("\n");
		dump_stack_print_info(KERN_ERR);
		pr_err("==================================================================\n");
	}
	/* Rate-limited or not, a misuse taints and may panic. */
	check_panic_on_warn("gup_pin_tracking");
	add_taint(TAINT_BAD_PAGE, LOCKDEP_STILL_OK);
}
