// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: the debugfs files, for a person looking for pins.
 *
 *   /sys/kernel/debug/gup_pin_tracking/stats   - counters and configuration
 *   /sys/kernel/debug/gup_pin_tracking/pinned  - every pinned page (and its
 *                                                last pinner in stacks mode)
 *   /sys/kernel/debug/gup_pin_tracking/pinners - pinned pages grouped by
 *                                                their last pinner's stack
 *                                                (stacks mode)
 *   /sys/kernel/debug/gup_pin_tracking/stale_secs - report short-term pins
 *                                                held longer (0: off)
 *   /sys/kernel/debug/gup_pin_tracking/verify  - the tracked counts checked
 *                                                against upstream's own
 *   /sys/kernel/debug/gup_pin_tracking/failures - pinned pages that blocked
 *                                                a migration, newest first
 *
 * See Documentation/mm/gup_pin_tracking.rst.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gup_pin_tracking.h>
#include <linux/init.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page_ext.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stackdepot.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"

/*
 * Find the first pinned page at or after *@pfn and before @end; fills
 * *@snap with its entry. Returns false when there is none.
 */
static bool pintrack_find(unsigned long *pfn, unsigned long end,
			  struct pintrack_snap *snap)
{
	unsigned long p = *pfn;

	while (p < end) {
		unsigned long next = p + pintrack_chunk_len(p, end - p);

		p = pintrack_find_pinned(p, next, snap);
		if (p < next) {
			*pfn = p;
			return true;
		}
		cond_resched();
	}
	return false;
}

/**
 * gup_pin_tracking_stats_show() - Print the stats file.
 * @m: The seq_file.
 * @v: Unused.
 *
 * Context: Process context.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int gup_pin_tracking_stats_show(struct seq_file *m, void *v)
{
	unsigned long scan_ns, scan_pages;
	int i;

	seq_printf(m, "enabled: %d\n", gup_pin_tracking_enabled());
	seq_printf(m, "stacks: %d\n", gup_pin_tracking_stacks);
	for (i = 0; i < PINTRACK_NR_COUNTERS; i++)
		seq_printf(m, "%s: %ld\n", gup_pin_tracking_counter_names[i],
			   gup_pin_tracking_counter(i));
	seq_printf(m, "lock_buckets: %u\n", 1U << gup_pin_tracking_lock_bits);
	seq_printf(m, "page_ext_bytes_per_page: %zu\n",
		   gup_pin_tracking_ops.size);
	seq_printf(m, "stale_secs: %u\n",
		   READ_ONCE(gup_pin_tracking_stale_secs));
	scan_ns = gup_pin_tracking_stale_cost(&scan_pages);
	seq_printf(m, "stale_scan_usecs: %lu\n", scan_ns / NSEC_PER_USEC);
	seq_printf(m, "stale_scan_pages: %lu\n", scan_pages);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_stats_show);
DEFINE_SHOW_ATTRIBUTE(gup_pin_tracking_stats);

struct pintrack_pinned_iter {
	unsigned long pfn;
	unsigned long end;
	struct pintrack_snap snap;
};

static void *pintrack_pinned_find(struct seq_file *m, loff_t *pos)
{
	struct pintrack_pinned_iter *it = m->private;

	it->pfn = *pos;
	if (!pintrack_find(&it->pfn, it->end, &it->snap))
		return NULL;
	*pos = it->pfn;
	return it;
}

static void *pintrack_pinned_start(struct seq_file *m, loff_t *pos)
{
	struct pintrack_pinned_iter *it = m->private;

	if (!*pos)
		it->end = pintrack_max_pfn();
	return pintrack_pinned_find(m, pos);
}

static void *pintrack_pinned_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return pintrack_pinned_find(m, pos);
}

static void pintrack_pinned_stop(struct seq_file *m, void *v)
{
}

/* The entry of a pinned page: its line, then its last pinner's stack. */
static void pintrack_show_entry(struct seq_file *m, unsigned long pfn,
				const struct pintrack_snap *snap)
{
	char who[PINTRACK_WHO_LEN], line[PINTRACK_LINE_LEN];

	pintrack_page_line(line, sizeof(line), pfn, snap, pintrack_now(),
			   pintrack_who(who, sizeof(who), snap));
	seq_printf(m, "%s\n", line);
	pintrack_seq_stack(m, snap->stack);
}

/**
 * gup_pin_tracking_show_page() - Print the entry of the pinned file for a page.
 * @m: The seq_file.
 * @page: The page.
 *
 * Context: Process context.
 * Return: true if @page is pinned and an entry was printed.
 */
bool gup_pin_tracking_show_page(struct seq_file *m, struct page *page)
{
	struct pintrack_snap snap;

	pintrack_snapshot(page, &snap);
	if (!(snap.state & PINTRACK_COUNT_MASK))
		return false;
	pintrack_show_entry(m, page_to_pfn(page), &snap);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_show_page);

static int pintrack_pinned_show(struct seq_file *m, void *v)
{
	struct pintrack_pinned_iter *it = v;

	pintrack_show_entry(m, it->pfn, &it->snap);
	return 0;
}

static const struct seq_operations pintrack_pinned_sops = {
	.start = pintrack_pinned_start,
	.next = pintrack_pinned_next,
	.stop = pintrack_pinned_stop,
	.show = pintrack_pinned_show,
};

static int pintrack_pinned_open(struct inode *inode, struct file *file)
{
	struct pintrack_pinned_iter *it;

	it = __seq_open_private(file, &pintrack_pinned_sops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->end = pintrack_max_pfn();
	return 0;
}

static const struct file_operations pintrack_pinned_fops = {
	.open = pintrack_pinned_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/* === pinners ============================================================= */

/*
 * The pinned pages grouped by the stack of their last pinner, built when the
 * file is opened: one pass over memory, one group per distinct stack (an
 * xarray keyed by the depot handle while counting, then an array sorted by
 * pages). Memory is bounded by the number of distinct pinning stacks, not by
 * the number of pinned pages.
 */
#define PINTRACK_PINNERS_MAX		65536

struct pintrack_group {
	depot_stack_handle_t stack;
	unsigned long pages;
	unsigned long pins;
	unsigned long longterm;
	unsigned long oldest;	/* seconds */
};

struct pintrack_pinners {
	unsigned long nr;
	struct pintrack_group *groups;
};

static int pintrack_group_cmp(const void *a, const void *b)
{
	const struct pintrack_group *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages > y->pages ? -1 : 1;
	if (x->pins != y->pins)
		return x->pins > y->pins ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* Count the pinned page @snap into its group in @xa. */
static int pintrack_group_add(struct xarray *xa, unsigned long *nr,
			      const struct pintrack_snap *snap)
{
	struct pintrack_group *g = xa_load(xa, snap->stack);
	unsigned long age = pintrack_age_secs(snap->pinned_at);

	if (!g) {
		if (*nr >= PINTRACK_PINNERS_MAX)
			g = xa_load(xa, 0);
		if (!g) {
			g = kzalloc(sizeof(*g), GFP_KERNEL);
			if (!g)
				return -ENOMEM;
			g->stack = *nr >= PINTRACK_PINNERS_MAX ?
				   0 : snap->stack;
			if (xa_err(xa_store(xa, g->stack, g, GFP_KERNEL))) {
				kfree(g);
				return -ENOMEM;
			}
			(*nr)++;
		}
	}
	g->pages++;
	g->pins += snap->state & PINTRACK_COUNT_MASK;
	if (snap->state & PINTRACK_LONGTERM)
		g->longterm++;
	g->oldest = max(g->oldest, age);
	return 0;
}

static int pintrack_pinners_build(struct pintrack_pinners *p)
{
	unsigned long pfn = 0, end = pintrack_max_pfn(), nr = 0, i = 0, idx;
	struct pintrack_group *g;
	struct pintrack_snap snap;
	struct xarray xa;
	int ret = 0;

	xa_init(&xa);
	while (pintrack_find(&pfn, end, &snap)) {
		ret = pintrack_group_add(&xa, &nr, &snap);
		if (ret)
			goto out;
		pfn++;
	}
	p->groups = kvcalloc(nr, sizeof(*p->groups), GFP_KERNEL);
	if (nr && !p->groups) {
		ret = -ENOMEM;
		goto out;
	}
	xa_for_each(&xa, idx, g)
		p->groups[i++] = *g;
	p->nr = i;
	sort(p->groups, p->nr, sizeof(*p->groups), pintrack_group_cmp, NULL);
out:
	xa_for_each(&xa, idx, g)
		kfree(g);
	xa_destroy(&xa);
	return ret;
}

/**
 * gup_pin_tracking_pinners_show() - Print the pinners file.
 * @m: The seq_file; m->private is the struct pintrack_pinners built at open, or
 *     NULL to build (and free) one now.
 * @v: Unused.
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
VISIBLE_IF_KUNIT int gup_pin_tracking_pinners_show(struct seq_file *m, void *v)
{
	struct pintrack_pinners local = { }, *p = m->private;
	unsigned long i;
	int ret = 0;

	if (!p) {
		p = &local;
		ret = pintrack_pinners_build(p);
		if (ret)
			goto out;
	}
	for (i = 0; i < p->nr; i++) {
		struct pintrack_group *g = &p->groups[i];

		seq_printf(m, "pages %lu pins %lu longterm %lu oldest %lus\n",
			   g->pages, g->pins, g->longterm, g->oldest);
		if (g->stack)
			pintrack_seq_stack(m, g->stack);
		else
			seq_puts(m, "        (no stack recorded)\n");
		seq_putc(m, '\n');
	}
out:
	if (p == &local)
		kvfree(local.groups);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_pinners_show);

static int pintrack_pinners_open(struct inode *inode, struct file *file)
{
	struct pintrack_pinners *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret;

	if (!p)
		return -ENOMEM;
	ret = pintrack_pinners_build(p);
	if (!ret)
		ret = single_open(file, gup_pin_tracking_pinners_show, p);
	if (ret) {
		kvfree(p->groups);
		kfree(p);
	}
	return ret;
}

static int pintrack_pinners_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct pintrack_pinners *p = m->private;

	kvfree(p->groups);
	kfree(p);
	return single_release(inode, file);
}

static const struct file_operations pintrack_pinners_fops = {
	.open = pintrack_pinners_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = pintrack_pinners_release,
};

/* === stale_secs ========================================================== */

static int pintrack_stale_secs_get(void *data, u64 *val)
{
	*val = READ_ONCE(gup_pin_tracking_stale_secs);
	return 0;
}

static int pintrack_stale_secs_set(void *data, u64 val)
{
	if (val > ULONG_MAX)
		return -EINVAL;
	return gup_pin_tracking_stale_secs_set(val);
}

/* Anything but a number fails with -EINVAL (kstrtoull) and changes nothing. */
DEFINE_DEBUGFS_ATTRIBUTE(pintrack_stale_secs_fops, pintrack_stale_secs_get,
			 pintrack_stale_secs_set, "%llu\n");

/* Sum of the tracked counts of the pages of @folio. */
static unsigned long pintrack_folio_sum(struct folio *folio)
{
	struct page_ext_iter iter;
	struct page_ext *page_ext;
	unsigned long sum = 0;

	rcu_read_lock();
	for_each_page_ext(&folio->page, folio_nr_pages(folio), page_ext, iter)
		sum += pintrack_pins(READ_ONCE(pintrack_page(page_ext)->state));
	rcu_read_unlock();
	return sum;
}

/*
 * A mismatch is looked at again after 10, 20, 40 ... 640 ms (2.5 s in
 * all): a long-term pin is counted only once its migration check passes,
 * which can wait behind memory offlining for hundreds of milliseconds.
 */
#define PINTRACK_VERIFY_TRIES	10
/* At most this many mismatch lines: the output always fits its buffer. */
#define PINTRACK_VERIFY_LINES	512
#define PINTRACK_VERIFY_BUF		(PINTRACK_VERIFY_LINES * 96 + 256)

struct pintrack_verify {
	struct seq_file *m;
	unsigned long checked;
	unsigned long bad;
};

static __printf(2, 3) void pintrack_mismatch(struct pintrack_verify *v,
					     const char *fmt, ...)
{
	va_list args;

	if (v->bad++ >= PINTRACK_VERIFY_LINES)
		return;
	va_start(args, fmt);
	seq_vprintf(v->m, fmt, args);
	va_end(args);
}

/*
 * One look at the folio whose head is at @pfn, with a reference on it and
 * memory hotplug held off. Pins are counted after upstream takes them and
 * uncounted before upstream drops them, so the tracked sum never exceeds
 * upstream's count for long; a difference may be a pin or unpin in flight.
 * For a large folio the sum is bracketed by two reads of _pincount, so a
 * pin or unpin between them cannot pass for a match or a mismatch.
 * Returns true if it matches; fills *@tracked and *@upstream otherwise.
 */
static bool pintrack_verify_once(struct folio *folio, struct page *page,
				 unsigned long *tracked,
				 unsigned long *upstream)
{
	int before, after;

	if (folio_test_large(folio)) {
		before = atomic_read(&folio->_pincount);
		*tracked = pintrack_folio_sum(folio);
		after = atomic_read(&folio->_pincount);
		*upstream = after;
		return before == after && *tracked == after;
	}
	*tracked = pintrack_state(page) & PINTRACK_COUNT_MASK;
	/* Our own reference is not a pin reference. */
	*upstream = (folio_ref_count(folio) - 1) / GUP_PIN_COUNTING_BIAS;
	return *tracked <= *upstream;
}

/*
 * Check the folio whose first page is @pfn. Between tries it drops its
 * folio reference and memory hotplug, and looks the page up again after the
 * sleep: the folio may be freed, split or offlined meanwhile, which ends the
 * check without a report.
 */
static void pintrack_verify_folio(struct pintrack_verify *v, unsigned long pfn)
{
	unsigned long tracked = 0, upstream = 0;
	unsigned int order = 0;
	bool large = false;
	int try;

	for (try = 0; try < PINTRACK_VERIFY_TRIES; try++) {
		struct folio *folio;
		struct page *page;
		bool ok = true;

		if (try) {
			unsigned long us = 10000UL << min(try - 1, 6);

			usleep_range(us, us + us / 2);
		}
		get_online_mems();
		page = pfn_to_online_page(pfn);
		folio = page ? page_folio(page) : NULL;
		if (folio && folio_try_get(folio)) {
			/* Only the first page of a folio speaks for it. */
			if (page_folio(page) == folio &&
			    (!folio_test_large(folio) ||
			     &folio->page == page)) {
				large = folio_test_large(folio);
				order = folio_order(folio);
				ok = pintrack_verify_once(folio, page, &tracked,
							  &upstream);
			}
			folio_put(folio);
		}
		put_online_mems();
		if (ok)
			return;
	}
	if (large)
		pintrack_mismatch(v,
				  "pfn 0x%lx folio order %u: tracked pins %lu, folio pincount %lu\n",
				  pfn, order, tracked, upstream);
	else
		pintrack_mismatch(v, "pfn 0x%lx: tracked pins %lu, refcount allows at most %lu\n",
				  pfn, tracked, upstream);
}

/* Check the pages of one chunk from @pfn on, @len of them. */
static void pintrack_verify_chunk(struct pintrack_verify *v, unsigned long pfn,
				  unsigned long len)
{
	unsigned long i, heads[8];
	unsigned int nr_heads = 0, h;

	while (len) {
		unsigned long n = min(len, 64UL);
		struct page_ext_iter iter;
		struct page_ext *page_ext;
		struct page *page;

		/* Look under get_online_mems(); re-check folios without it. */
		get_online_mems();
		page = pfn_to_online_page(pfn);
		if (!page) {
			put_online_mems();
			return;
		}
		i = 0;
		rcu_read_lock();
		for_each_page_ext(page, n, page_ext, iter) {
			u32 state = READ_ONCE(pintrack_page(page_ext)->state);
			u32 count = pintrack_pins(state);
			bool dma_pinned = state & PINTRACK_DMA_PINNED;

			i = iter.index + 1;
			v->checked++;
			if (!count != !dma_pinned)
				pintrack_mismatch(v, "pfn 0x%lx: pins %u but DmaPinned %d\n",
						  pfn + iter.index, count, dma_pinned);
			if (count || PageHead(pfn_to_page(pfn + iter.index)))
				heads[nr_heads++] = pfn + iter.index;
			if (nr_heads == ARRAY_SIZE(heads))
				break;
		}
		rcu_read_unlock();
		put_online_mems();
		if (!i)
			return;
		for (h = 0; h < nr_heads; h++)
			pintrack_verify_folio(v, heads[h]);
		nr_heads = 0;
		pfn += i;
		len -= i;
	}
}

/**
 * gup_pin_tracking_verify() - Check every tracked page against upstream.
 * @m: Where to print the result and the mismatches (at most
 *     PINTRACK_VERIFY_LINES of them).
 *
 * For each page with page_ext: the DmaPinned bit is set exactly when the
 * count is non-zero; for a large folio the counts of its pages add up to its
 * _pincount; for a small folio each pin is backed by GUP_PIN_COUNTING_BIAS
 * references. A difference is re-checked for up to about 2.5 s (waits of
 * 10 ms, doubling to 640 ms) before it is reported, holding no reference
 * or hotplug lock while it waits.
 *
 * Context: Process context, may sleep.
 * Return: The number of mismatches.
 */
VISIBLE_IF_KUNIT unsigned long gup_pin_tracking_verify(struct seq_file *m)
{
	unsigned long pfn, end = pintrack_max_pfn();
	struct pintrack_verify v = { .m = m };

	for (pfn = 0; pfn < end; ) {
		unsigned long len = pintrack_chunk_len(pfn, end - pfn);

		pintrack_verify_chunk(&v, pfn, len);
		pfn += len;
		cond_resched();
	}
	if (v.bad > PINTRACK_VERIFY_LINES)
		seq_printf(m, "(%lu more mismatches not listed)\n",
			   v.bad - PINTRACK_VERIFY_LINES);
	seq_printf(m, "checked %lu mismatches %lu\n", v.checked, v.bad);
	return v.bad;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_verify);

static int pintrack_verify_show(struct seq_file *m, void *v)
{
	gup_pin_tracking_verify(m);
	return 0;
}

static int pintrack_verify_open(struct inode *inode, struct file *file)
{
	/* Big enough for any output: seq_read() never re-runs the walk. */
	return single_open_size(file, pintrack_verify_show, NULL,
				PINTRACK_VERIFY_BUF);
}

static const struct file_operations pintrack_verify_fops = {
	.open = pintrack_verify_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int pintrack_failures_open(struct inode *inode, struct file *file)
{
	return single_open(file, gup_pin_tracking_failures_show, NULL);
}

static const struct file_operations pintrack_failures_fops = {
	.open = pintrack_failures_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init gup_pin_tracking_debugfs_init(void)
{
	struct dentry *dir;

	if (!gup_pin_tracking_enabled())
		return 0;
	dir = debugfs_create_dir("gup_pin_tracking", NULL);
	debugfs_create_file("stats", 0444, dir, NULL,
			    &gup_pin_tracking_stats_fops);
	debugfs_create_file("pinned", 0400, dir, NULL, &pintrack_pinned_fops);
	debugfs_create_file("verify", 0400, dir, NULL, &pintrack_verify_fops);
	debugfs_create_file_unsafe("stale_secs", 0600, dir, NULL,
				   &pintrack_stale_secs_fops);
	debugfs_create_file("failures", 0400, dir, NULL,
			    &pintrack_failures_fops);
	if (gup_pin_tracking_stacks)
		debugfs_create_file("pinners", 0400, dir, NULL,
				    &pintrack_pinners_fops);
	return 0;
}
late_initcall(gup_pin_tracking_debugfs_init);
