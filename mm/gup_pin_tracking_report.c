// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: what it tells a person. The line of a pinned page and
 * its stack, for the log and for debugfs; the record of the migrations that
 * pinned pages blocked (memory offlining, alloc_contig_range(), long-term
 * pins) and of their release; the report of short-term pins held too long.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#define pr_fmt(fmt) "gup_pin_tracking: " fmt

#include <linux/gup_pin_tracking.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/page_ext.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <kunit/resource.h>
#include <kunit/test-bug.h>
#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"

/* === One page's line ====================================================== */

/**
 * gup_pin_tracking_comm() - The command name of the process that pinned.
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
 * drifted apart since boot does not count (compared as times since boot,
 * an i386 TCG guest named its own live pinner "-").
 *
 * Context: Any context but hard interrupt; not under a bucket lock.
 * Return: 0, or -ESRCH (and "-" in @comm) if the pinner is gone.
 */
int gup_pin_tracking_comm(u32 tgid, u32 pinned_at, char *comm, size_t len)
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
 * Context: As gup_pin_tracking_comm().
 * Return: @buf, which is "" unless in stacks mode.
 */
const char *pintrack_who(char *buf, size_t len,
			 const struct pintrack_snap *snap)
{
	char comm[TASK_COMM_LEN];

	buf[0] = '\0';
	if (gup_pin_tracking_stacks) {
		gup_pin_tracking_comm(snap->tgid, snap->pinned_at, comm,
				      sizeof(comm));
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

/**
 * __gup_pin_track_dump_page() - dump_page() hook.
 * @page: The page being dumped.
 *
 * The page's line, as pintrack_page_line() prints it, without the pinner:
 * its stack is left to the tracker's own reports, which call dump_page()
 * and print it once.
 *
 * Context: Any context.
 */
void __gup_pin_track_dump_page(const struct page *page)
{
	char line[PINTRACK_LINE_LEN];
	struct pintrack_snap snap;

	if (!pintrack_snapshot(page, &snap))
		return;
	pintrack_page_line(line, sizeof(line), page_to_pfn(page), &snap,
			   pintrack_now(), "");
	pr_warn("%s\n", line);
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

/* === Finding pinned pages ================================================= */

/**
 * pintrack_find_pinned() - Find the first pinned page of a pfn range.
 * @pfn: The first pfn to look at.
 * @end: The pfn after the last one.
 * @snap: Filled with the entry of the page found.
 *
 * Context: Any context; reads the entries without their locks.
 * Return: The first pfn in [@pfn, @end) with a tracked pin, or @end.
 */
unsigned long pintrack_find_pinned(unsigned long pfn, unsigned long end,
				   struct pintrack_snap *snap)
{
	while (pfn < end) {
		unsigned long len = pintrack_chunk_len(pfn, end - pfn);
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

/* === Migration failures =================================================== */

/*
 * The record of the pinned pages that blocked a migration: a ring of
 * PINTRACK_FAILURES records, allocated when tracking starts, newest overwriting
 * oldest (counted in failures_dropped). A record is "live" until its page's
 * count drops to zero; the page is marked PINTRACK_WATCHED meanwhile, so that
 * its last unpin (a slow path) finds the record. One live record a page:
 * a page that keeps blocking (offlining retries) is timed from the first
 * failure of its pinning episode.
 *
 * pintrack_failures_lock nests inside a bucket lock (the release runs under it,
 * in any context) and nothing is taken inside it.
 */
#define PINTRACK_FAILURES		256

struct pintrack_failure {
	unsigned long pfn;
	struct pintrack_snap snap;	/* the page's entry at the failure */
	u64 seq;			/* 1 + its number since boot */
	u32 at;				/* pintrack_now() of the failure */
	u32 released;			/* pintrack_now() of the release */
	int refs;			/* the folio's refcount then */
	enum migrate_reason reason;
	bool live;			/* pinned still: waits for its release */
	bool logged;			/* the failure went to the log */
	depot_stack_handle_t unpin_stack;	/* stacks mode: who let go */
	char comm[TASK_COMM_LEN];	/* stacks mode: the pinner then */
};

static struct pintrack_failure *pintrack_failures;
static u64 pintrack_failures_seq;		/* records written */
static DEFINE_SPINLOCK(pintrack_failures_lock);
static DEFINE_RATELIMIT_STATE(pintrack_migrate_rs, 5 * HZ, 10);
static DEFINE_RATELIMIT_STATE(pintrack_release_rs, 5 * HZ, 10);

static const char *pintrack_reason(enum migrate_reason reason)
{
	switch (reason) {
	case MR_MEMORY_HOTPLUG:
		return "memory offline";
	case MR_CONTIG_RANGE:
		return "alloc_contig_range";
	case MR_LONGTERM_PIN:
		return "longterm pin";
	default:
		return "migration";
	}
}

/**
 * gup_pin_tracking_failures_init() - Allocate the record of failures.
 *
 * Context: Process context, while tracking starts.
 * Return: 0 or -ENOMEM (failures are then counted, not recorded).
 */
int gup_pin_tracking_failures_init(void)
{
	pintrack_failures = kcalloc(PINTRACK_FAILURES,
				    sizeof(*pintrack_failures),
				    GFP_KERNEL | __GFP_NOWARN);
	return pintrack_failures ? 0 : -ENOMEM;
}

/* The live record of @pfn, or NULL. Under pintrack_failures_lock. */
static struct pintrack_failure *pintrack_failure_find(unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < PINTRACK_FAILURES; i++)
		if (pintrack_failures[i].live &&
		    pintrack_failures[i].pfn == pfn)
			return &pintrack_failures[i];
	return NULL;
}

/*
 * Record that @pfn (entry @snap, folio refcount @refs) blocked a migration
 * for @reason at @now, unless it has a live record already. Under
 * pintrack_failures_lock. Returns the record's seq, 0 if none was written.
 */
static u64 pintrack_failure_add(unsigned long pfn,
				const struct pintrack_snap *snap, int refs,
				enum migrate_reason reason, u32 now, bool warn)
{
	struct pintrack_failure *f;

	if (!pintrack_failures || pintrack_failure_find(pfn))
		return 0;
	f = &pintrack_failures[pintrack_failures_seq % PINTRACK_FAILURES];
	if (f->seq)
		gup_pin_tracking_count(PINTRACK_FAILURES_DROPPED, 1);
	*f = (struct pintrack_failure) {
		.pfn = pfn,
		.snap = *snap,
		.seq = ++pintrack_failures_seq,
		.at = now,
		.refs = refs,
		.reason = reason,
		.live = true,
		.logged = warn,
		.comm = "-",
	};
	return f->seq;
}

/**
 * gup_pin_tracking_blocked() - Record a pinned page that blocked migration.
 * @page: The page, the first pinned page of its folio.
 * @refs: The folio's reference count at the failure.
 * @reason: Who wanted it migrated.
 * @warn: Log it too (rate-limited).
 *
 * Context: Process context; takes @page's bucket lock.
 * Return: true if @page holds a tracked pin (and was recorded, unless it
 * has a live record already or the record could not be allocated).
 */
VISIBLE_IF_KUNIT bool gup_pin_tracking_blocked(struct page *page, int refs,
					       enum migrate_reason reason,
					       bool warn)
{
	unsigned long pfn = page_to_pfn(page), flags;
	char who[PINTRACK_WHO_LEN], line[PINTRACK_LINE_LEN];
	char comm[TASK_COMM_LEN];
	struct page_ext *page_ext;
	struct pintrack_snap snap;
	struct pintrack_page *gp;
	spinlock_t *lock;	/* the bucket lock of @pfn */
	bool logged;
	u64 seq = 0;
	u32 now;

	page_ext = page_ext_get(page);
	if (!page_ext)
		return false;
	gp = pintrack_page(page_ext);
	lock = pintrack_lock(pfn);
	spin_lock_irqsave(lock, flags);
	pintrack_read(gp, &snap);
	now = pintrack_now();
	if (snap.state & PINTRACK_COUNT_MASK) {
		spin_lock(&pintrack_failures_lock);
		seq = pintrack_failure_add(pfn, &snap, refs, reason, now, warn);
		spin_unlock(&pintrack_failures_lock);
		if (seq)
			WRITE_ONCE(gp->state, gp->state | PINTRACK_WATCHED);
	}
	spin_unlock_irqrestore(lock, flags);
	page_ext_put(page_ext);
	if (!(snap.state & PINTRACK_COUNT_MASK))
		return false;

	/*
	 * Logged once per record: offlining retries until it is let go. A
	 * record whose line the rate limit ate has a quiet release too.
	 */
	logged = warn && (!pintrack_failures || seq);
	if (logged && !pintrack_kunit_count("gup_pin_tracking_blocked")) {
		logged = __ratelimit(&pintrack_migrate_rs);
		if (logged) {
			pintrack_who(who, sizeof(who), &snap);
			pintrack_page_line(line, sizeof(line), pfn, &snap, now,
					   who);
			pr_warn("%s: migration blocked by pinned %s\n",
				pintrack_reason(reason), line);
			if (snap.stack) {
				pr_warn("page last pinned by:\n");
				pintrack_log_stack(snap.stack);
			}
		}
	}
	/*
	 * The pinner's name, with no lock held: __get_task_comm() takes
	 * task_lock(), which must not nest in a lock taken in hard interrupts.
	 */
	if (seq && (gup_pin_tracking_stacks || !logged)) {
		struct pintrack_failure *f;

		if (gup_pin_tracking_stacks)
			gup_pin_tracking_comm(snap.tgid, snap.pinned_at, comm,
					      sizeof(comm));
		spin_lock_irqsave(&pintrack_failures_lock, flags);
		f = &pintrack_failures[(seq - 1) % PINTRACK_FAILURES];
		if (f->seq == seq) {
			if (gup_pin_tracking_stacks)
				strscpy(f->comm, comm, sizeof(f->comm));
			f->logged = logged;
		}
		spin_unlock_irqrestore(&pintrack_failures_lock, flags);
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_blocked);

/**
 * pintrack_failure_released() - A page that blocked a migration lost its pins.
 * @pfn: The page.
 * @freed: It was freed while pinned (reported as such, not logged here).
 *
 * Its live record gets the time of the release and, in stacks mode, the
 * releasing stack; if the failure was logged, the log says how long after
 * it the page was let go.
 *
 * Context: Any context; under the page's bucket lock.
 */
noinline void pintrack_failure_released(unsigned long pfn, bool freed)
{
	unsigned long entries[16];	/* a rare path: more than a pin's */
	depot_stack_handle_t handle = 0;
	enum migrate_reason reason = MR_TYPES;
	struct pintrack_failure *f;
	unsigned int nr = 0, start = 0;
	u32 now = pintrack_now(), at = 0;
	bool logged = false;

	if (gup_pin_tracking_stacks && !freed) {
		nr = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
		/* From the caller of GUP's unpin function, as for pins. */
		start = pintrack_stack_start(entries, nr, 0);
		handle = stack_depot_save(entries + start, nr - start,
					  GFP_NOWAIT | __GFP_NOWARN);
	}
	spin_lock(&pintrack_failures_lock);
	f = pintrack_failures ? pintrack_failure_find(pfn) : NULL;
	if (f) {
		f->live = false;
		f->released = now;
		f->unpin_stack = handle;
		reason = f->reason;
		at = f->at;
		logged = f->logged;
	}
	spin_unlock(&pintrack_failures_lock);
	/* A failure its caller kept quiet (__GFP_NOWARN) has a quiet end. */
	if (!logged || freed ||
	    pintrack_kunit_count("gup_pin_tracking_released"))
		return;
	if (!__ratelimit(&pintrack_release_rs))
		return;
	pr_info("pfn 0x%lx that blocked %s was unpinned after %lus\n", pfn,
		pintrack_reason(reason), pintrack_secs(at, now));
	if (nr > start) {
		pr_info("unpinned by:\n");
		stack_trace_print(entries + start, nr - start, 1);
	}
}

static bool pintrack_folio_pinned(struct folio *folio)
{
	unsigned long end = folio_pfn(folio) + folio_nr_pages(folio);
	struct pintrack_snap snap;

	return pintrack_find_pinned(folio_pfn(folio), end, &snap) < end;
}

/*
 * Record the pinned pages of @folio, which could not be migrated, the first
 * PINTRACK_FOLIO_RECORDS of them: a 1 GiB folio pinned whole must not flush the
 * record of everything else. Count the folio either way.
 */
#define PINTRACK_FOLIO_RECORDS	16

static void pintrack_folio_blocked(struct folio *folio,
				   enum migrate_reason reason, bool warn)
{
	unsigned long pfn = folio_pfn(folio), end = pfn + folio_nr_pages(folio);
	int refs = folio_ref_count(folio);
	struct pintrack_snap snap;
	bool pinned = false;
	unsigned int nr;

	for (nr = 0; nr < PINTRACK_FOLIO_RECORDS; nr++, pfn++) {
		pfn = pintrack_find_pinned(pfn, end, &snap);
		if (pfn == end)
			break;
		pinned |= gup_pin_tracking_blocked(pfn_to_page(pfn), refs,
						   reason, warn);
	}
	gup_pin_tracking_count(pinned ? PINTRACK_MIGRATE_PINNED :
					PINTRACK_MIGRATE_OTHER, 1);
}

/**
 * __gup_pin_track_migrate_failed() - Record pinned pages that blocked
 *				      migration.
 * @folios: The folios, linked by ->lru, that could not be migrated.
 * @reason: Who wanted them migrated.
 * @warn: Log the pinned pages too.
 *
 * Each folio counts in migrate_failures_pinned if it holds a tracked pin,
 * else in migrate_failures_other; its pinned pages (the first 16) are
 * recorded in `failures` (and logged if @warn) with their pin count, the
 * long-term flag, the age of the pin, the folio's refcount and, in stacks
 * mode, the pinner's pid, comm and stack. When its count drops to zero the
 * record (and the log) say how long after the failure and, in stacks mode,
 * by whom.
 *
 * Context: Process context.
 */
void __gup_pin_track_migrate_failed(struct list_head *folios,
				    enum migrate_reason reason, bool warn)
{
	struct folio *folio;

	list_for_each_entry(folio, folios, lru) {
		/*
		 * alloc_contig_range() goes on to find the range busy, and
		 * __gup_pin_track_range_failed() records the pinned folios
		 * then, with those compaction did not even isolate: here only
		 * the others are counted, so that none counts twice.
		 */
		if (reason == MR_CONTIG_RANGE && pintrack_folio_pinned(folio))
			continue;
		pintrack_folio_blocked(folio, reason, warn);
	}
}

/**
 * __gup_pin_track_range_failed() - Record pinned pages in a busy range.
 * @start_pfn: First pfn of the range.
 * @end_pfn: End of the range (exclusive).
 * @warn: Log the pinned pages too.
 *
 * Each folio of the range that holds a tracked pin is counted in
 * migrate_failures_pinned and its pinned pages are recorded, as by
 * __gup_pin_track_migrate_failed(). A busy range is not a failed folio: one
 * with no pin counts nothing (the folios that failed to migrate were
 * counted in migrate_failures_other).
 *
 * Context: Process context, may sleep.
 */
void __gup_pin_track_range_failed(unsigned long start_pfn,
				  unsigned long end_pfn, bool warn)
{
	unsigned long pfn, pinned = 0;
	struct folio *last = NULL;
	bool counted = false;
	unsigned int nr = 0;

	for (pfn = start_pfn; pfn < end_pfn; pfn++) {
		struct page *page;
		struct folio *folio;

		if (!(pfn % PINTRACK_CHUNK_PAGES))
			cond_resched();
		page = pfn_to_online_page(pfn);
		if (!page || !page_dma_pin_count(page))
			continue;
		folio = page_folio(page);
		if (folio != last) {
			last = folio;
			counted = false;
			nr = 0;
		}
		if (nr++ >= PINTRACK_FOLIO_RECORDS)
			continue;
		if (gup_pin_tracking_blocked(page, folio_ref_count(folio),
					     MR_CONTIG_RANGE, warn) &&
		    !counted) {
			counted = true;
			pinned++;
		}
	}
	gup_pin_tracking_count(PINTRACK_MIGRATE_PINNED, pinned);
}

/* One record of `failures`. */
static void pintrack_failure_show(struct seq_file *m,
				  const struct pintrack_failure *f)
{
	char line[PINTRACK_LINE_LEN];

	pintrack_page_line(line, sizeof(line), f->pfn, &f->snap, f->at, "");
	seq_printf(m, "%us %s: %s refs %d", f->at, pintrack_reason(f->reason),
		   line, f->refs);
	if (gup_pin_tracking_stacks)
		seq_printf(m, " pid %u comm %s", pintrack_tgid(f->snap.tgid),
			   f->comm);
	if (!f->live)
		seq_printf(m, " unpinned after %lus",
			   pintrack_secs(f->at, f->released));
	seq_putc(m, '\n');
	pintrack_seq_stack(m, f->snap.stack);
	if (!f->live && f->unpin_stack) {
		seq_puts(m, "    unpinned by:\n");
		pintrack_seq_stack(m, f->unpin_stack);
	}
	seq_putc(m, '\n');
}

/**
 * gup_pin_tracking_failures_show() - Print the failures file.
 * @m: The seq_file.
 * @v: Unused.
 *
 * The records, newest first, copied out under the lock.
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int gup_pin_tracking_failures_show(struct seq_file *m, void *v)
{
	struct pintrack_failure *copy;
	unsigned long flags;
	u64 seq, i, nr;

	if (!pintrack_failures)
		return 0;
	copy = kvmalloc_array(PINTRACK_FAILURES, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	spin_lock_irqsave(&pintrack_failures_lock, flags);
	memcpy(copy, pintrack_failures, PINTRACK_FAILURES * sizeof(*copy));
	seq = pintrack_failures_seq;
	spin_unlock_irqrestore(&pintrack_failures_lock, flags);
	nr = min_t(u64, seq, PINTRACK_FAILURES);
	for (i = 0; i < nr; i++) {
		u64 slot = (seq - 1 - i) % PINTRACK_FAILURES;

		pintrack_failure_show(m, &copy[slot]);
	}
	kvfree(copy);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_failures_show);

/* === Stale short-term pins ================================================ */

/*
 * At most a year: the threshold is compared in seconds and the scan period
 * is at most PINTRACK_STALE_PERIOD_MAX, so nothing overflows on 32-bit either.
 */
#define PINTRACK_STALE_SECS_MAX	(365U * 24 * 3600)
#define PINTRACK_STALE_PERIOD_MAX	600UL	/* seconds */
/*
 * A scan may take at most 1/PINTRACK_STALE_CPU_SHARE of the time between
 * two.
 */
#define PINTRACK_STALE_CPU_SHARE	100

unsigned int gup_pin_tracking_stale_secs;
static unsigned long pintrack_stale_scan_ns;	/* the last scan took */
static unsigned long pintrack_stale_scan_pages;	/* pages it looked at */

/**
 * gup_pin_tracking_stale_secs_set() - Set stale_secs (boot or debugfs).
 * @secs: The threshold in seconds, 0 for off.
 *
 * Context: Process context (or early boot).
 * Return: 0, or -EINVAL if @secs is above PINTRACK_STALE_SECS_MAX.
 */
int gup_pin_tracking_stale_secs_set(unsigned long secs)
{
	if (secs > PINTRACK_STALE_SECS_MAX)
		return -EINVAL;
	WRITE_ONCE(gup_pin_tracking_stale_secs, secs);
	gup_pin_tracking_stale_start();
	return 0;
}

static int pintrack_stale_secs_param(const char *val,
				     const struct kernel_param *kp)
{
	unsigned long secs;

	if (kstrtoul(val, 0, &secs) || gup_pin_tracking_stale_secs_set(secs)) {
		pr_err("invalid value '%s' for gup_pin_tracking.stale_secs= (expected 0 to %u seconds), stale pin reports stay off\n",
		       val, PINTRACK_STALE_SECS_MAX);
		return -EINVAL;
	}
	return 0;
}

static const struct kernel_param_ops pintrack_stale_secs_ops = {
	.set = pintrack_stale_secs_param,
	.get = param_get_uint,
};

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "gup_pin_tracking."
/* Read-only here: it is changed through debugfs (stale_secs). */
module_param_cb(stale_secs, &pintrack_stale_secs_ops,
		&gup_pin_tracking_stale_secs, 0444);
MODULE_PARM_DESC(stale_secs, "report short-term pins held longer (0: off)");

static DEFINE_RATELIMIT_STATE(pintrack_stale_rs, 5 * HZ, 20);

static void pintrack_stale_report(unsigned long pfn,
				  const struct pintrack_snap *snap)
{
	char who[PINTRACK_WHO_LEN];

	gup_pin_tracking_count(PINTRACK_STALE_REPORTS, 1);
	if (pintrack_kunit_count("gup_pin_tracking_stale"))
		return;
	if (!__ratelimit(&pintrack_stale_rs))
		return;
	pr_warn("short-term pin held %lus pfn 0x%lx pins %u%s\n",
		pintrack_age_secs(snap->pinned_at), pfn,
		pintrack_pins(snap->state),
		pintrack_who(who, sizeof(who), snap));
	if (snap->stack) {
		pr_warn("page last pinned by:\n");
		pintrack_log_stack(snap->stack);
	}
}

/*
 * Is @state a short-term pin held more than @limit seconds at @now, not yet
 * reported? Long-term pins (io_uring fixed buffers, RDMA, VFIO) are never
 * stale.
 */
static bool pintrack_is_stale(u32 state, u32 pinned_at, u32 now,
			      unsigned long limit)
{
	if (!(state & PINTRACK_COUNT_MASK) ||
	    (state & (PINTRACK_LONGTERM | PINTRACK_STALE)))
		return false;
	return pintrack_secs(pinned_at, now) > limit;
}

/* Mark and report the stale pins of the @len pages from @pfn. */
static unsigned long pintrack_stale_chunk(unsigned long pfn, unsigned long len,
					  u32 now, unsigned long limit)
{
	struct page *page = pfn_to_online_page(pfn);
	spinlock_t *lock = pintrack_lock(pfn);	/* the chunk's lock */
	unsigned long flags, found = 0;
	struct page_ext_iter iter;
	struct page_ext *page_ext;

	if (!page)
		return 0;
	rcu_read_lock();
	for_each_page_ext(page, len, page_ext, iter) {
		struct pintrack_page *gp = pintrack_page(page_ext);
		struct pintrack_snap snap;
		bool stale;

		/* Look unlocked; confirm and mark under the lock. */
		if (!pintrack_is_stale(READ_ONCE(gp->state),
				       READ_ONCE(gp->pinned_at), now, limit))
			continue;
		spin_lock_irqsave(lock, flags);
		stale = pintrack_is_stale(gp->state, gp->pinned_at, now, limit);
		if (stale) {
			WRITE_ONCE(gp->state, gp->state | PINTRACK_STALE);
			pintrack_read(gp, &snap);
		}
		spin_unlock_irqrestore(lock, flags);
		if (stale) {
			pintrack_stale_report(pfn + iter.index, &snap);
			found++;
		}
	}
	rcu_read_unlock();
	return found;
}

/**
 * gup_pin_tracking_stale_scan() - Report short-term pins held too long.
 *
 * One pass over every page with page_ext: a page whose short-term pin has
 * been held longer than stale_secs is reported once per pinning episode
 * (until its count drops to zero) and counted in stale_reports.
 *
 * Context: Process context, may sleep.
 * Return: The number of pages reported by this pass.
 */
VISIBLE_IF_KUNIT unsigned long gup_pin_tracking_stale_scan(void)
{
	unsigned long secs = READ_ONCE(gup_pin_tracking_stale_secs);
	unsigned long pfn, end = pintrack_max_pfn(), found = 0;
	u64 start = ktime_get_ns();
	u32 now = pintrack_now();

	if (!secs)
		return 0;
	for (pfn = 0; pfn < end; pfn += pintrack_chunk_len(pfn, end - pfn)) {
		unsigned long len = pintrack_chunk_len(pfn, end - pfn);

		found += pintrack_stale_chunk(pfn, len, now, secs);
		cond_resched();
	}
	WRITE_ONCE(pintrack_stale_scan_pages, end);
	WRITE_ONCE(pintrack_stale_scan_ns, ktime_get_ns() - start);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_stale_scan);

static void pintrack_stale_workfn(struct work_struct *work);
static DECLARE_DEFERRABLE_WORK(pintrack_stale_work, pintrack_stale_workfn);

/*
 * Scan twice per stale_secs, at least once a second and at most every
 * PINTRACK_STALE_PERIOD_MAX, but never so often that scanning takes more than
 * 1/PINTRACK_STALE_CPU_SHARE of a CPU: on a host with TiBs of memory a scan
 * takes long, and stale pins are then reported later.
 */
static unsigned long pintrack_stale_period(void)
{
	unsigned long secs = clamp(READ_ONCE(gup_pin_tracking_stale_secs) / 2UL,
				   1UL, PINTRACK_STALE_PERIOD_MAX);
	unsigned long busy = READ_ONCE(pintrack_stale_scan_ns);

	return max(secs * HZ,
		   nsecs_to_jiffies((u64)busy * PINTRACK_STALE_CPU_SHARE));
}

static void pintrack_stale_workfn(struct work_struct *work)
{
	if (!READ_ONCE(gup_pin_tracking_stale_secs))
		return;
	gup_pin_tracking_stale_scan();
	queue_delayed_work(system_unbound_wq, &pintrack_stale_work,
			   pintrack_stale_period());
}

/**
 * gup_pin_tracking_stale_start() - Apply a new stale_secs.
 *
 * Starts the periodic scan if stale_secs is set; a scan that finds it 0
 * stops.
 *
 * Context: Process context.
 */
void gup_pin_tracking_stale_start(void)
{
	if (gup_pin_tracking_enabled() &&
	    READ_ONCE(gup_pin_tracking_stale_secs))
		mod_delayed_work(system_unbound_wq, &pintrack_stale_work,
				 pintrack_stale_period());
}

/**
 * gup_pin_tracking_stale_cost() - What the last stale scan took.
 * @pages: Where to put the number of pfns it covered.
 *
 * Context: Any context.
 * Return: Its duration in nanoseconds (0 before the first scan).
 */
unsigned long gup_pin_tracking_stale_cost(unsigned long *pages)
{
	*pages = READ_ONCE(pintrack_stale_scan_pages);
	return READ_ONCE(pintrack_stale_scan_ns);
}

static int __init gup_pin_tracking_stale_init(void)
{
	gup_pin_tracking_stale_start();
	return 0;
}
late_initcall(gup_pin_tracking_stale_init);
