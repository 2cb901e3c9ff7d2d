// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: short-term pins held too long. A FOLL_PIN pin without
 * FOLL_LONGTERM promises to be let go soon (a direct I/O, a copy); a
 * periodic scan reports the pages whose short-term pin has been held longer
 * than stale_secs, once per pinning episode.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#define pr_fmt(fmt) "gup_pin_tracking: " fmt

#include <linux/debugfs.h>
#include <linux/gup_pin_tracking.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/page_ext.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"

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

VISIBLE_IF_KUNIT unsigned int pintrack_stale_secs;
EXPORT_SYMBOL_IF_KUNIT(pintrack_stale_secs);
static unsigned long pintrack_stale_scan_ns;	/* the last scan took */
static unsigned long pintrack_stale_scan_pages;	/* pages it looked at */

static void pintrack_stale_start(void);

/**
 * pintrack_stale_secs_set() - Set stale_secs (boot or debugfs).
 * @secs: The threshold in seconds, 0 for off.
 *
 * Context: Process context (or early boot).
 * Return: 0, or -EINVAL if @secs is above PINTRACK_STALE_SECS_MAX.
 */
VISIBLE_IF_KUNIT int pintrack_stale_secs_set(unsigned long secs)
{
	if (secs > PINTRACK_STALE_SECS_MAX)
		return -EINVAL;
	WRITE_ONCE(pintrack_stale_secs, secs);
	pintrack_stale_start();
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_stale_secs_set);

static int pintrack_stale_secs_param(const char *val,
				     const struct kernel_param *kp)
{
	unsigned long secs;

	if (kstrtoul(val, 0, &secs) || pintrack_stale_secs_set(secs)) {
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
		&pintrack_stale_secs, 0444);
MODULE_PARM_DESC(stale_secs, "report short-term pins held longer (0: off)");

static DEFINE_RATELIMIT_STATE(pintrack_stale_rs, 5 * HZ, 20);

static void pintrack_stale_report(unsigned long pfn,
				  const struct pintrack_snap *snap)
{
	char who[PINTRACK_WHO_LEN];

	pintrack_counter_add(PINTRACK_STALE_REPORTS, 1);
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
 * pintrack_stale_scan() - Report short-term pins held too long.
 *
 * One pass over every page with page_ext: a page whose short-term pin has
 * been held longer than stale_secs is reported once per pinning episode
 * (until its count drops to zero) and counted in stale_reports.
 *
 * Context: Process context, may sleep.
 * Return: The number of pages reported by this pass.
 */
VISIBLE_IF_KUNIT unsigned long pintrack_stale_scan(void)
{
	unsigned long secs = READ_ONCE(pintrack_stale_secs);
	unsigned long pfn, len, end = pintrack_max_pfn(), found = 0;
	u64 start = ktime_get_ns();
	u32 now = pintrack_now();

	if (!secs)
		return 0;
	for (pfn = 0; pfn < end; pfn += len) {
		len = pintrack_scan_len(pfn, end - pfn);
		found += pintrack_stale_chunk(pfn, len, now, secs);
		cond_resched();
	}
	WRITE_ONCE(pintrack_stale_scan_pages, end);
	WRITE_ONCE(pintrack_stale_scan_ns, ktime_get_ns() - start);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_stale_scan);

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
	unsigned long secs = clamp(READ_ONCE(pintrack_stale_secs) / 2UL,
				   1UL, PINTRACK_STALE_PERIOD_MAX);
	unsigned long busy = READ_ONCE(pintrack_stale_scan_ns);

	return max(secs * HZ,
		   nsecs_to_jiffies((u64)busy * PINTRACK_STALE_CPU_SHARE));
}

static void pintrack_stale_workfn(struct work_struct *work)
{
	if (!READ_ONCE(pintrack_stale_secs))
		return;
	pintrack_stale_scan();
	queue_delayed_work(system_unbound_wq, &pintrack_stale_work,
			   pintrack_stale_period());
}

/*
 * Apply a new stale_secs: start the periodic scan if it is set; a scan
 * that finds it 0 stops.
 */
static void pintrack_stale_start(void)
{
	if (gup_pin_tracking_enabled() && READ_ONCE(pintrack_stale_secs))
		mod_delayed_work(system_unbound_wq, &pintrack_stale_work,
				 pintrack_stale_period());
}

/**
 * pintrack_stale_stats() - The stale scan's lines of the stats file.
 * @m: The seq_file.
 *
 * stale_secs, and what the last scan took (0 before the first scan).
 *
 * Context: Process context.
 */
void pintrack_stale_stats(struct seq_file *m)
{
	seq_printf(m, "stale_secs: %u\n", READ_ONCE(pintrack_stale_secs));
	seq_printf(m, "stale_scan_usecs: %lu\n",
		   READ_ONCE(pintrack_stale_scan_ns) / NSEC_PER_USEC);
	seq_printf(m, "stale_scan_pages: %lu\n",
		   READ_ONCE(pintrack_stale_scan_pages));
}

static int pintrack_stale_secs_get(void *data, u64 *val)
{
	*val = READ_ONCE(pintrack_stale_secs);
	return 0;
}

static int pintrack_stale_secs_write(void *data, u64 val)
{
	if (val > ULONG_MAX)
		return -EINVAL;
	return pintrack_stale_secs_set(val);
}

/* Anything but a number fails with -EINVAL (kstrtoull) and changes nothing. */
DEFINE_DEBUGFS_ATTRIBUTE(pintrack_stale_secs_fops, pintrack_stale_secs_get,
			 pintrack_stale_secs_write, "%llu\n");

/**
 * pintrack_stale_debugfs() - Add the stale_secs file.
 * @dir: The tracker's debugfs directory.
 *
 * Context: Process context, while the debugfs files are created.
 */
void pintrack_stale_debugfs(struct dentry *dir)
{
	debugfs_create_file_unsafe("stale_secs", 0600, dir, NULL,
				   &pintrack_stale_secs_fops);
}

static int __init pintrack_stale_init(void)
{
	pintrack_stale_start();
	return 0;
}
late_initcall(pintrack_stale_init);
