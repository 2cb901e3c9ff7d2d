// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking: the debugfs files, for a person looking for pins.
 *
 *   /sys/kernel/debug/gup_pin_tracking/stats   - counters and configuration
 *   /sys/kernel/debug/gup_pin_tracking/pinned  - every pinned page (and its
 *                                                last pinner in stacks mode)
 *   /sys/kernel/debug/gup_pin_tracking/verify  - the tracked counts checked
 *                                                against upstream's own
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
#include <linux/stackdepot.h>

#include <kunit/visibility.h>

#include "gup_pin_tracking_internal.h"

/* End of the last populated zone: no pfn at or past it has page_ext. */
static unsigned long gpt_max_pfn(void)
{
	unsigned long end = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		end = max(end, zone_end_pfn(zone));
	return end;
}

/*
 * Find the first page at or after *@pfn that satisfies @want; fills *@state.
 * Returns false when there is none before @end.
 */
static bool gpt_find(unsigned long *pfn, unsigned long end, u32 *state,
		     bool (*want)(u32 state))
{
	unsigned long p = *pfn;

	while (p < end) {
		unsigned long len = gpt_chunk_len(p, end - p);
		struct page_ext *page_ext, *pe;
		struct page *page;
		unsigned long i;

		page = pfn_to_online_page(p);
		page_ext = page ? page_ext_get(page) : NULL;
		if (!page_ext) {
			p += len;
			continue;
		}
		for (i = 0, pe = page_ext; i < len; i++, pe = page_ext_next(pe)) {
			u32 s = READ_ONCE(gpt_page(pe)->state);

			if (want(s)) {
				page_ext_put(page_ext);
				*pfn = p + i;
				*state = s;
				return true;
			}
		}
		page_ext_put(page_ext);
		p += len;
		cond_resched();
	}
	return false;
}

static bool gpt_want_pinned(u32 state)
{
	return state & GPT_COUNT_MASK;
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
	int i;

	seq_printf(m, "enabled: %d\n", gup_pin_tracking_enabled());
	seq_printf(m, "stacks: %d\n", gup_pin_tracking_stacks);
	for (i = 0; i < GPT_NR_COUNTERS; i++)
		seq_printf(m, "%s: %ld\n", gup_pin_tracking_counter_names[i],
			   gup_pin_tracking_counter(i));
	seq_printf(m, "lock_buckets: %u\n", 1U << gup_pin_tracking_lock_bits);
	seq_printf(m, "page_ext_bytes_per_page: %zu\n",
		   gup_pin_tracking_ops.size);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_stats_show);
DEFINE_SHOW_ATTRIBUTE(gup_pin_tracking_stats);

static void gpt_show_stack(struct seq_file *m, depot_stack_handle_t handle)
{
	unsigned long *entries;
	unsigned int nr, i;

	if (!handle)
		return;
	nr = stack_depot_fetch(handle, &entries);
	for (i = 0; i < nr; i++)
		seq_printf(m, "        %pS\n", (void *)entries[i]);
}

struct gpt_pinned_iter {
	unsigned long pfn;
	unsigned long end;
	u32 state;
};

static void *gpt_pinned_find(struct seq_file *m, loff_t *pos)
{
	struct gpt_pinned_iter *it = m->private;

	it->pfn = *pos;
	if (!gpt_find(&it->pfn, it->end, &it->state, gpt_want_pinned))
		return NULL;
	*pos = it->pfn;
	return it;
}

static void *gpt_pinned_start(struct seq_file *m, loff_t *pos)
{
	struct gpt_pinned_iter *it = m->private;

	if (!*pos)
		it->end = gpt_max_pfn();
	return gpt_pinned_find(m, pos);
}

static void *gpt_pinned_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return gpt_pinned_find(m, pos);
}

static void gpt_pinned_stop(struct seq_file *m, void *v)
{
}

static void gpt_show_entry(struct seq_file *m, unsigned long pfn, u32 state)
{
	depot_stack_handle_t stack = 0;
	struct page_ext *page_ext;

	seq_printf(m, "pfn 0x%lx pins %lu%s\n", pfn,
		   (unsigned long)(state & GPT_COUNT_MASK),
		   state & GPT_LONGTERM ? " longterm" : "");
	if (!gup_pin_tracking_stacks)
		return;
	page_ext = page_ext_get(pfn_to_page(pfn));
	if (page_ext) {
		stack = gpt_page_stack(page_ext);
		page_ext_put(page_ext);
	}
	gpt_show_stack(m, stack);
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * gup_pin_tracking_show_page() - Print the entry of the pinned file for a page.
 * @m: The seq_file.
 * @page: The page.
 *
 * Context: Process context.
 * Return: true if @page is pinned and an entry was printed.
 */
VISIBLE_IF_KUNIT bool gup_pin_tracking_show_page(struct seq_file *m,
						 struct page *page)
{
	u32 state = gpt_state(page);

	if (!(state & GPT_COUNT_MASK))
		return false;
	gpt_show_entry(m, page_to_pfn(page), state);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_show_page);
#endif

static int gpt_pinned_show(struct seq_file *m, void *v)
{
	struct gpt_pinned_iter *it = v;

	gpt_show_entry(m, it->pfn, it->state);
	return 0;
}

static const struct seq_operations gpt_pinned_sops = {
	.start = gpt_pinned_start,
	.next = gpt_pinned_next,
	.stop = gpt_pinned_stop,
	.show = gpt_pinned_show,
};

static int gpt_pinned_open(struct inode *inode, struct file *file)
{
	struct gpt_pinned_iter *it;

	it = __seq_open_private(file, &gpt_pinned_sops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->end = gpt_max_pfn();
	return 0;
}

static const struct file_operations gpt_pinned_fops = {
	.open = gpt_pinned_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/* Sum of the tracked counts of the pages of @folio. */
static unsigned long gpt_folio_sum(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned long end = pfn + folio_nr_pages(folio);
	unsigned long sum = 0;

	while (pfn < end) {
		unsigned long nr = gpt_chunk_len(pfn, end - pfn);
		struct page_ext *page_ext, *pe;
		unsigned long i;

		page_ext = page_ext_get(pfn_to_page(pfn));
		if (page_ext) {
			for (i = 0, pe = page_ext; i < nr;
			     i++, pe = page_ext_next(pe))
				sum += READ_ONCE(gpt_page(pe)->state) &
				       GPT_COUNT_MASK;
			page_ext_put(page_ext);
		}
		pfn += nr;
	}
	return sum;
}

#define GPT_VERIFY_TRIES	10

/*
 * Check the folio whose head is @page against upstream's count. Pins are
 * counted after upstream takes them and uncounted before upstream drops them,
 * so the tracked sum never exceeds upstream's; a smaller sum may be a pin or
 * unpin in flight, and is reported only if it persists.
 */
static bool gpt_verify_folio(struct seq_file *m, unsigned long pfn,
			     struct page *page)
{
	struct folio *folio = page_folio(page);
	unsigned long tracked = 0, upstream = 0;
	bool large = false;
	int try;

	if (!folio_try_get(folio))
		return true;
	if (page_folio(page) != folio || (folio_test_large(folio) &&
					  &folio->page != page))
		goto ok;
	for (try = 0; try < GPT_VERIFY_TRIES; try++) {
		large = folio_test_large(folio);
		if (large) {
			tracked = gpt_folio_sum(folio);
			upstream = atomic_read(&folio->_pincount);
			if (tracked == upstream)
				goto ok;
		} else {
			tracked = __page_dma_pin_count(page);
			/* Our own reference is not a pin reference. */
			upstream = (folio_ref_count(folio) - 1) /
				   GUP_PIN_COUNTING_BIAS;
			if (tracked <= upstream)
				goto ok;
		}
		if (try + 1 < GPT_VERIFY_TRIES)
			usleep_range(10000, 20000);
	}
	folio_put(folio);
	if (large)
		seq_printf(m, "pfn 0x%lx folio order %u: tracked pins %lu, folio pincount %lu\n",
			   pfn, folio_order(folio), tracked, upstream);
	else
		seq_printf(m, "pfn 0x%lx: tracked pins %lu, refcount allows at most %lu\n",
			   pfn, tracked, upstream);
	return false;
ok:
	folio_put(folio);
	return true;
}

/**
 * gup_pin_tracking_verify() - Check every tracked page against upstream.
 * @m: Where to print the result and one line per mismatch.
 *
 * For each page with page_ext: the DmaPinned bit is set exactly when the
 * count is non-zero; for a large folio the counts of its pages add up to its
 * _pincount; for a small folio each pin is backed by GUP_PIN_COUNTING_BIAS
 * references.
 *
 * Context: Process context, may sleep.
 * Return: The number of mismatches.
 */
VISIBLE_IF_KUNIT unsigned long gup_pin_tracking_verify(struct seq_file *m)
{
	unsigned long pfn, end = gpt_max_pfn();
	unsigned long checked = 0, bad = 0;
	u32 state;

	for (pfn = 0; pfn < end; ) {
		unsigned long len = gpt_chunk_len(pfn, end - pfn);
		struct page *page = pfn_to_online_page(pfn);
		struct page_ext *page_ext = page ? page_ext_get(page) : NULL;
		unsigned long i;

		if (!page_ext) {
			pfn += len;
			continue;
		}
		page_ext_put(page_ext);
		for (i = 0; i < len; i++) {
			u32 count;

			page = pfn_to_page(pfn + i);
			state = gpt_state(page);
			count = state & GPT_COUNT_MASK;
			checked++;
			if (!count != !(state & GPT_DMA_PINNED)) {
				seq_printf(m, "pfn 0x%lx: pins %u but DmaPinned %d\n",
					   pfn + i, count,
					   !!(state & GPT_DMA_PINNED));
				bad++;
			}
			if (!count && !PageHead(page))
				continue;
			if (!gpt_verify_folio(m, pfn + i, page))
				bad++;
		}
		pfn += len;
		cond_resched();
	}
	seq_printf(m, "checked %lu mismatches %lu\n", checked, bad);
	return bad;
}
EXPORT_SYMBOL_IF_KUNIT(gup_pin_tracking_verify);

static int gpt_verify_show(struct seq_file *m, void *v)
{
	gup_pin_tracking_verify(m);
	return 0;
}

static int gpt_verify_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, gpt_verify_show, NULL, PAGE_SIZE * 4);
}

static const struct file_operations gpt_verify_fops = {
	.open = gpt_verify_open,
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
	debugfs_create_file("pinned", 0400, dir, NULL, &gpt_pinned_fops);
	debugfs_create_file("verify", 0400, dir, NULL, &gpt_verify_fops);
	return 0;
}
late_initcall(gup_pin_tracking_debugfs_init);
