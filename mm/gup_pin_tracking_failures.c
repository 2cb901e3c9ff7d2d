// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: the pinned pages that blocked a migration. Memory
 * offlining, alloc_contig_range() and long-term pins that must first move a
 * page fail when a page is pinned; the tracker logs and records the pinned
 * pages among the folios that failed, and when each is let go.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#define pr_fmt(fmt) "gup_pin_tracking: " fmt

#include <linux/debugfs.h>
#include <linux/gup_pin_tracking.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/page_ext.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"

/*
 * The record of the pinned pages that blocked a migration: a ring of
 * PINTRACK_FAILURES records, allocated when tracking starts, newest
 * overwriting oldest (counted in failures_dropped). A record is "live" until
 * its page's count drops to zero; the page is marked PINTRACK_WATCHED
 * meanwhile, so that its last unpin (a slow path) finds the record. A page
 * is recorded once per pinning episode: a page that keeps blocking
 * (offlining retries) is timed from the first failure, even once its record
 * has been overwritten.
 *
 * pintrack_failures_lock nests inside a bucket lock (the release is
 * recorded under it, in any context) and nothing is taken inside it. The
 * release is printed after every lock is dropped (pintrack_failures_log()).
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
	/* The hook call that let it go, until it logs the release. */
	const struct pintrack_out *releaser;
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
 * pintrack_failures_init() - Allocate the record of failures.
 *
 * Context: Process context, while tracking starts.
 * Return: 0 or -ENOMEM (failures are then counted, not recorded).
 */
int pintrack_failures_init(void)
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
 * for @reason at @now. Under pintrack_failures_lock. Returns the record's
 * seq, 0 if none was written.
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
		pintrack_counter_add(PINTRACK_FAILURES_DROPPED, 1);
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

/* Log that @pfn (entry @snap at @now) blocked a migration for @reason. */
static void pintrack_blocked_log(unsigned long pfn,
				 const struct pintrack_snap *snap, u32 now,
				 enum migrate_reason reason)
{
	char who[PINTRACK_WHO_LEN], line[PINTRACK_LINE_LEN];

	pintrack_who(who, sizeof(who), snap);
	pintrack_page_line(line, sizeof(line), pfn, snap, now, who);
	pr_warn("%s: migration blocked by pinned %s\n",
		pintrack_reason(reason), line);
	if (snap->stack) {
		pr_warn("page last pinned by:\n");
		pintrack_log_stack(snap->stack);
	}
}

/**
 * pintrack_blocked() - Record a pinned page that blocked migration.
 * @page: The page, the first pinned page of its folio.
 * @refs: The folio's reference count at the failure.
 * @reason: Who wanted it migrated.
 * @warn: Log it too (rate-limited).
 *
 * A page already watched in this pinning episode is not recorded again.
 *
 * Context: Process context; takes @page's bucket lock.
 * Return: true if @page holds a tracked pin (and was recorded, unless it
 * was already in this pinning episode or the record could not be
 * allocated).
 */
VISIBLE_IF_KUNIT bool pintrack_blocked(struct page *page, int refs,
				       enum migrate_reason reason, bool warn)
{
	unsigned long pfn = page_to_pfn(page), flags;
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
	if (pintrack_pins(snap.state) && !(snap.state & PINTRACK_WATCHED)) {
		spin_lock(&pintrack_failures_lock);
		seq = pintrack_failure_add(pfn, &snap, refs, reason, now, warn);
		spin_unlock(&pintrack_failures_lock);
		if (seq)
			WRITE_ONCE(gp->state, gp->state | PINTRACK_WATCHED);
	}
	spin_unlock_irqrestore(lock, flags);
	page_ext_put(page_ext);
	if (!pintrack_pins(snap.state))
		return false;

	/*
	 * Logged once per pinning episode: offlining retries until it is let
	 * go. A record whose line the rate limit ate has a quiet release too.
	 */
	logged = warn && !(snap.state & PINTRACK_WATCHED) &&
		 (!pintrack_failures || seq);
	if (logged && !pintrack_kunit_count("gup_pin_tracking_blocked")) {
		logged = __ratelimit(&pintrack_migrate_rs);
		if (logged)
			pintrack_blocked_log(pfn, &snap, now, reason);
	}
	/*
	 * The pinner's name, with no lock held: __get_task_comm() takes
	 * task_lock(), which must not nest in a lock taken in hard interrupts.
	 */
	if (seq && (pintrack_stacks() || !logged)) {
		struct pintrack_failure *f;

		if (pintrack_stacks())
			pintrack_comm(snap.tgid, snap.pinned_at, comm,
				      sizeof(comm));
		spin_lock_irqsave(&pintrack_failures_lock, flags);
		f = &pintrack_failures[(seq - 1) % PINTRACK_FAILURES];
		if (f->seq == seq) {
			if (pintrack_stacks())
				strscpy(f->comm, comm, sizeof(f->comm));
			f->logged = logged;
		}
		spin_unlock_irqrestore(&pintrack_failures_lock, flags);
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_blocked);

/**
 * pintrack_failure_released() - A page that blocked a migration lost its pins.
 * @out: The hook call that let it go, which logs the release later.
 * @pfn: The page.
 * @freed: It was freed while pinned (reported as such, not logged here).
 *
 * Its live record gets the time of the release; the hook call's
 * pintrack_failures_log() adds the releasing stack and prints it once
 * every lock is dropped. Nothing is printed here.
 *
 * Context: Any context; under the page's bucket lock.
 */
void pintrack_failure_released(struct pintrack_out *out, unsigned long pfn,
			       bool freed)
{
	struct pintrack_failure *f;

	if (!pintrack_failures)
		return;
	spin_lock(&pintrack_failures_lock);
	f = pintrack_failure_find(pfn);
	if (f) {
		f->live = false;
		f->released = pintrack_now();
		if (!freed) {
			f->releaser = out;
			out->pending |= PINTRACK_OUT_RELEASED;
		}
	}
	spin_unlock(&pintrack_failures_lock);
}

/* What is logged of one release. */
struct pintrack_release {
	unsigned long pfn;
	enum migrate_reason reason;
	unsigned long secs;
};

#define PINTRACK_RELEASES_LOGGED	8

/**
 * pintrack_failures_log() - Log the releases a hook call recorded.
 * @out: The hook call.
 *
 * The records that @out let go get the releasing stack (stacks mode), the
 * stack of the first frame outside GUP; those whose failure was logged
 * say in the log how long after it the page was let go, and by whom.
 *
 * Context: Any context, with no lock of the tracker held.
 */
void pintrack_failures_log(struct pintrack_out *out)
{
	struct pintrack_release done[PINTRACK_RELEASES_LOGGED];
	unsigned long entries[16];	/* a rare path: more than a pin's */
	depot_stack_handle_t handle = 0;
	unsigned int nr = 0, start = 0, nr_done = 0, i;
	unsigned long flags;

	if (pintrack_stacks()) {
		nr = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
		start = pintrack_stack_start(entries, nr, 0);
		handle = stack_depot_save(entries + start, nr - start,
					  GFP_NOWAIT | __GFP_NOWARN);
	}
	spin_lock_irqsave(&pintrack_failures_lock, flags);
	for (i = 0; i < PINTRACK_FAILURES; i++) {
		struct pintrack_failure *f = &pintrack_failures[i];

		if (f->releaser != out)
			continue;
		f->releaser = NULL;
		f->unpin_stack = handle;
		/* A failure its caller kept quiet (__GFP_NOWARN): quiet end. */
		if (f->logged && nr_done < ARRAY_SIZE(done))
			done[nr_done++] = (struct pintrack_release) {
				.pfn = f->pfn,
				.reason = f->reason,
				.secs = pintrack_secs(f->at, f->released),
			};
	}
	spin_unlock_irqrestore(&pintrack_failures_lock, flags);

	for (i = 0; i < nr_done; i++) {
		if (pintrack_kunit_count("gup_pin_tracking_released") ||
		    !__ratelimit(&pintrack_release_rs))
			continue;
		pr_info("pfn 0x%lx that blocked %s was unpinned after %lus\n",
			done[i].pfn, pintrack_reason(done[i].reason),
			done[i].secs);
		if (nr > start) {
			pr_info("unpinned by:\n");
			stack_trace_print(entries + start, nr - start, 1);
		}
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
		pinned |= pintrack_blocked(pfn_to_page(pfn), refs,
						   reason, warn);
	}
	/* Pinned by a call that has not handed its pins over yet. */
	if (!pinned)
		pinned = pintrack_pin_in_flight(folio);
	pintrack_counter_add(pinned ? PINTRACK_MIGRATE_PINNED :
					PINTRACK_MIGRATE_OTHER, 1);
}

/*
 * See gup_pin_track_migrate_failed(). Each folio counts in
 * migrate_failures_pinned if it holds a tracked pin, else in
 * migrate_failures_other; its pinned pages (the first 16) are recorded.
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

/*
 * See gup_pin_track_range_failed(). Each folio of the range that holds a
 * tracked pin is counted in migrate_failures_pinned and its pinned pages
 * are recorded. A busy range is not a failed folio: one with no pin counts
 * nothing (the folios that failed to migrate were counted in
 * migrate_failures_other).
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
		if (pintrack_blocked(page, folio_ref_count(folio),
				     MR_CONTIG_RANGE, warn) &&
		    !counted) {
			counted = true;
			pinned++;
		}
	}
	pintrack_counter_add(PINTRACK_MIGRATE_PINNED, pinned);
}

/* One record of `failures`. */
static void pintrack_failure_show(struct seq_file *m,
				  const struct pintrack_failure *f)
{
	char line[PINTRACK_LINE_LEN];

	pintrack_page_line(line, sizeof(line), f->pfn, &f->snap, f->at, "");
	seq_printf(m, "%us %s: %s refs %d", f->at, pintrack_reason(f->reason),
		   line, f->refs);
	if (pintrack_stacks())
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
 * pintrack_failures_show() - Print the failures file.
 * @m: The seq_file.
 * @v: Unused.
 *
 * The records, newest first, copied out under the lock.
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
VISIBLE_IF_KUNIT int pintrack_failures_show(struct seq_file *m, void *v)
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
EXPORT_SYMBOL_IF_KUNIT(pintrack_failures_show);

static int pintrack_failures_open(struct inode *inode, struct file *file)
{
	return single_open(file, pintrack_failures_show, NULL);
}

static const struct file_operations pintrack_failures_fops = {
	.open = pintrack_failures_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * pintrack_failures_debugfs() - Add the failures file.
 * @dir: The tracker's debugfs directory.
 *
 * Context: Process context, while the debugfs files are created.
 */
void pintrack_failures_debugfs(struct dentry *dir)
{
	debugfs_create_file("failures", 0400, dir, NULL,
			    &pintrack_failures_fops);
}
