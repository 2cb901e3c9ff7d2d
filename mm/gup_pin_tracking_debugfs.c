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
 *   /sys/kernel/debug/gup_pin_tracking/processes - pinned pages grouped by
 *                                                their last pinner's process
 *                                                (stacks mode)
 *   /sys/kernel/debug/gup_pin_tracking/verify  - the tracked counts checked
 *                                                against upstream's own
 *
 * The failures record and the stale scan add their own files (failures,
 * stale_secs). See Documentation/mm/gup_pin_tracking.rst.
 *
 * Copyright (C) 2026 The GUP pin tracking authors
 */

#define pr_fmt(fmt) "gup_pin_tracking: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gup_pin_tracking.h>
#include <linux/init.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page_ext.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
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
 * pintrack_stats_show() - Print the stats file.
 * @m: The seq_file.
 * @v: Unused.
 *
 * Context: Process context.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int pintrack_stats_show(struct seq_file *m, void *v)
{
	int i;

	seq_printf(m, "enabled: %d\n", gup_pin_tracking_enabled());
	seq_printf(m, "stacks: %d\n", pintrack_stacks());
	for (i = 0; i < PINTRACK_NR_COUNTERS; i++)
		seq_printf(m, "%s: %ld\n", pintrack_counter_names[i],
			   pintrack_counter_read(i));
	seq_printf(m, "lock_buckets: %u\n", 1U << pintrack_lock_bits);
	seq_printf(m, "page_ext_bytes_per_page: %zu\n",
		   gup_pin_tracking_ops.size);
	pintrack_stale_stats(m);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_stats_show);
DEFINE_SHOW_ATTRIBUTE(pintrack_stats);

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
 * pintrack_show_page() - Print the entry of the pinned file for a page.
 * @m: The seq_file.
 * @page: The page.
 *
 * Context: Process context.
 * Return: true if @page is pinned and an entry was printed.
 */
bool pintrack_show_page(struct seq_file *m, struct page *page)
{
	struct pintrack_snap snap;

	pintrack_snapshot(page, &snap);
	if (!(snap.state & PINTRACK_COUNT_MASK))
		return false;
	pintrack_show_entry(m, page_to_pfn(page), &snap);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_show_page);

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

/* === pinners and processes ================================================ */

/*
 * The pinned pages grouped by their last pinner: by its stack (pinners) or
 * by its thread group (processes), built when the file is opened. One pass
 * over memory, one group per distinct key (an xarray keyed by the stack's
 * depot handle or the entry's tgid word while counting, then an array
 * sorted by pages). Memory is bounded by the number of distinct pinners,
 * not by the number of pinned pages: past PINTRACK_GROUPS_MAX of them, the
 * rest share the group of key 0.
 */
#define PINTRACK_GROUPS_MAX		65536

enum pintrack_group_by {
	PINTRACK_BY_STACK,
	PINTRACK_BY_PROCESS,
};

struct pintrack_group {
	unsigned long key;	/* the stack handle or the tgid word */
	unsigned long pages;
	unsigned long pins;
	unsigned long longterm;
	u32 oldest_at;		/* pinned_at of the oldest pin */
	char comm[TASK_COMM_LEN];	/* processes: the pinner's name */
};

struct pintrack_groups {
	enum pintrack_group_by by;
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
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Count the pinned page @snap into its group in @xa. */
static int pintrack_group_add(struct xarray *xa, unsigned long *nr,
			      unsigned long key,
			      const struct pintrack_snap *snap)
{
	struct pintrack_group *g = xa_load(xa, key);

	if (!g) {
		if (*nr >= PINTRACK_GROUPS_MAX) {
			key = 0;
			g = xa_load(xa, 0);
		}
		if (!g) {
			g = kzalloc(sizeof(*g), GFP_KERNEL);
			if (!g)
				return -ENOMEM;
			g->key = key;
			g->oldest_at = snap->pinned_at;
			if (xa_err(xa_store(xa, key, g, GFP_KERNEL))) {
				kfree(g);
				return -ENOMEM;
			}
			(*nr)++;
		}
	}
	g->pages++;
	g->pins += pintrack_pins(snap->state);
	if (snap->state & PINTRACK_LONGTERM)
		g->longterm++;
	if ((s32)(snap->pinned_at - g->oldest_at) < 0)
		g->oldest_at = snap->pinned_at;
	return 0;
}

static int pintrack_groups_build(struct pintrack_groups *p)
{
	unsigned long pfn = 0, end = pintrack_max_pfn(), nr = 0, i = 0, idx;
	struct pintrack_group *g;
	struct pintrack_snap snap;
	struct xarray xa;
	int ret = 0;

	xa_init(&xa);
	while (pintrack_find(&pfn, end, &snap)) {
		ret = pintrack_group_add(&xa, &nr, p->by == PINTRACK_BY_STACK ?
					 snap.stack : snap.tgid, &snap);
		if (ret)
			goto out;
		pfn++;
	}
	p->groups = kvcalloc(nr, sizeof(*p->groups), GFP_KERNEL);
	if (nr && !p->groups) {
		ret = -ENOMEM;
		goto out;
	}
	xa_for_each(&xa, idx, g) {
		if (p->by == PINTRACK_BY_PROCESS)
			pintrack_comm(g->key, g->oldest_at, g->comm,
				      sizeof(g->comm));
		p->groups[i++] = *g;
	}
	p->nr = i;
	sort(p->groups, p->nr, sizeof(*p->groups), pintrack_group_cmp, NULL);
out:
	xa_for_each(&xa, idx, g)
		kfree(g);
	xa_destroy(&xa);
	return ret;
}

/* Print @p: the pinners file or the processes file. */
static void pintrack_groups_show(struct seq_file *m,
				 const struct pintrack_groups *p)
{
	u32 now = pintrack_now();
	unsigned long i;

	for (i = 0; i < p->nr; i++) {
		const struct pintrack_group *g = &p->groups[i];
		unsigned long oldest = pintrack_secs(g->oldest_at, now);

		if (p->by == PINTRACK_BY_PROCESS) {
			seq_printf(m, "pid %u comm %s pages %lu pins %lu longterm %lu oldest %lus\n",
				   pintrack_tgid(g->key), g->comm, g->pages,
				   g->pins, g->longterm, oldest);
			continue;
		}
		seq_printf(m, "pages %lu pins %lu longterm %lu oldest %lus\n",
			   g->pages, g->pins, g->longterm, oldest);
		if (g->key)
			pintrack_seq_stack(m, g->key);
		else
			seq_puts(m, "        (no stack recorded)\n");
		seq_putc(m, '\n');
	}
}

/*
 * Print the pinners (@by PINTRACK_BY_STACK) or processes file: from the
 * groups built at open (m->private), or built now (the KUnit tests).
 */
static int pintrack_groups_seq(struct seq_file *m, enum pintrack_group_by by)
{
	struct pintrack_groups local = { .by = by }, *p = m->private;
	int ret = 0;

	if (!p) {
		p = &local;
		ret = pintrack_groups_build(p);
	}
	if (!ret)
		pintrack_groups_show(m, p);
	if (p == &local)
		kvfree(local.groups);
	return ret;
}

/**
 * pintrack_pinners_show() - Print the pinners file.
 * @m: The seq_file; m->private is the struct pintrack_groups built at open,
 *     or NULL to build (and free) one now.
 * @v: Unused.
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
VISIBLE_IF_KUNIT int pintrack_pinners_show(struct seq_file *m, void *v)
{
	return pintrack_groups_seq(m, PINTRACK_BY_STACK);
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_pinners_show);

/**
 * pintrack_processes_show() - Print the processes file.
 * @m: As for pintrack_pinners_show().
 * @v: Unused.
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
VISIBLE_IF_KUNIT int pintrack_processes_show(struct seq_file *m, void *v)
{
	return pintrack_groups_seq(m, PINTRACK_BY_PROCESS);
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_processes_show);

/* Build the groups at open: seq_read() may call show more than once. */
static int pintrack_groups_open(struct file *file, enum pintrack_group_by by,
				int (*show)(struct seq_file *m, void *v))
{
	struct pintrack_groups *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret;

	if (!p)
		return -ENOMEM;
	p->by = by;
	ret = pintrack_groups_build(p);
	if (!ret)
		ret = single_open(file, show, p);
	if (ret) {
		kvfree(p->groups);
		kfree(p);
	}
	return ret;
}

static int pintrack_pinners_open(struct inode *inode, struct file *file)
{
	return pintrack_groups_open(file, PINTRACK_BY_STACK,
				    pintrack_pinners_show);
}

static int pintrack_processes_open(struct inode *inode, struct file *file)
{
	return pintrack_groups_open(file, PINTRACK_BY_PROCESS,
				    pintrack_processes_show);
}

static int pintrack_groups_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct pintrack_groups *p = m->private;

	kvfree(p->groups);
	kfree(p);
	return single_release(inode, file);
}

static const struct file_operations pintrack_pinners_fops = {
	.open = pintrack_pinners_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = pintrack_groups_release,
};

static const struct file_operations pintrack_processes_fops = {
	.open = pintrack_processes_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = pintrack_groups_release,
};

/* === verify =============================================================== */

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
 * A pass collects the folios that do not match, at most
 * PINTRACK_VERIFY_BATCH at a time, and looks at them again together after
 * 10, 20, 40 ... 640 ms (2.5 s in all) until they match: an unpin is
 * uncounted just before upstream drops it. So a read takes at most 2.5 s
 * per batch however many folios differ, and a fatal signal ends it.
 */
#define PINTRACK_VERIFY_TRIES	10
#define PINTRACK_VERIFY_BATCH	1024
/* At most this many mismatch lines: the output always fits its buffer. */
#define PINTRACK_VERIFY_LINES	512
#define PINTRACK_VERIFY_BUF	(PINTRACK_VERIFY_LINES * 96 + 256)
#define PINTRACK_VERIFY_LINES_LEN	\
	(PINTRACK_VERIFY_LINES * PINTRACK_VERIFY_LINE_LEN + 1)

/* The longest mismatch line. */
#define PINTRACK_VERIFY_LINE_LEN	96

struct pintrack_verify {
	char *lines;				/* the mismatch lines */
	size_t len;				/* their length */
	unsigned long checked;
	unsigned long bad;
	unsigned long nr;			/* folios to look at again */
	unsigned long *pfns;			/* their first pfns */
	bool stopped;				/* by a fatal signal */
};

static __printf(2, 3) void pintrack_mismatch(struct pintrack_verify *v,
					     const char *fmt, ...)
{
	va_list args;

	if (v->bad++ >= PINTRACK_VERIFY_LINES)
		return;
	va_start(args, fmt);
	v->len += vscnprintf(v->lines + v->len, PINTRACK_VERIFY_LINE_LEN,
			     fmt, args);
	va_end(args);
}

/* What one look at a folio found. */
struct pintrack_folio_check {
	bool ok;
	bool large;
	unsigned int order;
	unsigned long tracked;
	unsigned long upstream;
};

/*
 * One look at the folio whose first page is @pfn, with a reference on it
 * and memory hotplug held off. Pins are counted after upstream takes them
 * and uncounted before upstream drops them, so the tracked sum never
 * exceeds upstream's count for long; a difference may be a pin or unpin in
 * flight. For a large folio the sum is bracketed by two reads of
 * _pincount, so a pin or unpin between them cannot pass for a match or a
 * mismatch, and a sum below it matches while a pin call that may hold the
 * difference is in flight (pintrack_pin_in_flight(): GUP's slow paths
 * may sleep between a pin and its count). A folio that is gone, split or
 * offline matches.
 */
static void pintrack_verify_once(unsigned long pfn,
				 struct pintrack_folio_check *fc)
{
	struct folio *folio;
	struct page *page;
	int before, after;

	fc->ok = true;
	get_online_mems();
	page = pfn_to_online_page(pfn);
	folio = page ? page_folio(page) : NULL;
	if (!folio || !folio_try_get(folio))
		goto out;
	/* Only the first page of a folio speaks for it. */
	if (page_folio(page) != folio ||
	    (folio_test_large(folio) && &folio->page != page))
		goto put;
	fc->large = folio_test_large(folio);
	fc->order = folio_order(folio);
	if (fc->large) {
		before = atomic_read(&folio->_pincount);
		fc->tracked = pintrack_folio_sum(folio);
		after = atomic_read(&folio->_pincount);
		fc->upstream = after;
		fc->ok = before == after && fc->tracked == after;
		/* Pins taken by a call that has not handed them over yet. */
		if (!fc->ok && fc->tracked < after &&
		    pintrack_pin_in_flight(folio))
			fc->ok = true;
	} else {
		fc->tracked = pintrack_pins(pintrack_state(page));
		/* Our own reference is not a pin reference. */
		fc->upstream = (folio_ref_count(folio) - 1) /
			       GUP_PIN_COUNTING_BIAS;
		fc->ok = fc->tracked <= fc->upstream;
	}
put:
	folio_put(folio);
out:
	put_online_mems();
}

/*
 * Look at the collected folios again, all of them each time, until they
 * match or the tries run out; report those that never matched.
 */
static void pintrack_verify_batch(struct pintrack_verify *v)
{
	struct pintrack_folio_check fc = { };
	unsigned long i, left;
	int try;

	for (try = 1; v->nr && try < PINTRACK_VERIFY_TRIES; try++) {
		unsigned long us = 10000UL << min(try - 1, 6);

		if (fatal_signal_pending(current)) {
			v->stopped = true;
			v->nr = 0;
			return;
		}
		usleep_range(us, us + us / 2);
		for (i = 0, left = 0; i < v->nr; i++) {
			pintrack_verify_once(v->pfns[i], &fc);
			if (!fc.ok)
				v->pfns[left++] = v->pfns[i];
		}
		v->nr = left;
	}
	for (i = 0; i < v->nr; i++) {
		pintrack_verify_once(v->pfns[i], &fc);
		if (fc.ok)
			continue;
		if (fc.large)
			pintrack_mismatch(v,
					  "pfn 0x%lx folio order %u: tracked pins %lu, folio pincount %lu\n",
					  v->pfns[i], fc.order, fc.tracked,
					  fc.upstream);
		else
			pintrack_mismatch(v,
					  "pfn 0x%lx: tracked pins %lu, refcount allows at most %lu\n",
					  v->pfns[i], fc.tracked, fc.upstream);
	}
	v->nr = 0;
}

/* Look at the folio whose first page is @pfn; keep it if it differs. */
static void pintrack_verify_folio(struct pintrack_verify *v, unsigned long pfn)
{
	struct pintrack_folio_check fc;

	pintrack_verify_once(pfn, &fc);
	if (fc.ok)
		return;
	v->pfns[v->nr++] = pfn;
	if (v->nr == PINTRACK_VERIFY_BATCH)
		pintrack_verify_batch(v);
}

/* Check the pages of one chunk from @pfn on, @len of them. */
static void pintrack_verify_chunk(struct pintrack_verify *v, unsigned long pfn,
				  unsigned long len)
{
	unsigned long i, heads[8];
	unsigned int nr_heads = 0, h;

	while (len && !v->stopped) {
		unsigned long n = min(len, 64UL);
		struct page_ext_iter iter;
		struct page_ext *page_ext;
		struct page *page;

		/* Look under get_online_mems(); check folios without it. */
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
 * pintrack_verify() - Check every tracked page against upstream.
 * @m: Where to print "checked <n> mismatches <m>", then the mismatches
 *     (at most PINTRACK_VERIFY_LINES of them).
 *
 * For each page with page_ext: the DmaPinned bit is set exactly when the
 * count is non-zero; for a large folio the counts of its pages add up to its
 * _pincount; for a small folio each pin is backed by GUP_PIN_COUNTING_BIAS
 * references. The folios that differ are looked at again together for up
 * to about 2.5 s (waits of 10 ms, doubling to 640 ms) before they are
 * reported, holding no reference or hotplug lock while it waits.
 *
 * Context: Process context, may sleep.
 * Return: The number of mismatches.
 */
VISIBLE_IF_KUNIT unsigned long pintrack_verify(struct seq_file *m)
{
	unsigned long pfn, len, end = pintrack_max_pfn();
	struct pintrack_verify v = { };

	v.pfns = kvmalloc_array(PINTRACK_VERIFY_BATCH, sizeof(*v.pfns),
				GFP_KERNEL);
	v.lines = kvmalloc(PINTRACK_VERIFY_LINES_LEN, GFP_KERNEL);
	if (!v.pfns || !v.lines) {
		kvfree(v.pfns);
		kvfree(v.lines);
		return 0;
	}
	v.lines[0] = '\0';
	for (pfn = 0; pfn < end && !v.stopped; pfn += len) {
		len = pintrack_scan_len(pfn, end - pfn);
		pintrack_verify_chunk(&v, pfn, len);
		cond_resched();
		if (fatal_signal_pending(current))
			v.stopped = true;
	}
	pintrack_verify_batch(&v);
	kvfree(v.pfns);
	seq_printf(m, "checked %lu mismatches %lu\n", v.checked, v.bad);
	seq_puts(m, v.lines);
	kvfree(v.lines);
	if (v.bad > PINTRACK_VERIFY_LINES)
		seq_printf(m, "(%lu more mismatches not listed)\n",
			   v.bad - PINTRACK_VERIFY_LINES);
	if (v.stopped)
		seq_puts(m, "(stopped by a fatal signal)\n");
	return v.bad;
}
EXPORT_SYMBOL_IF_KUNIT(pintrack_verify);

static int pintrack_verify_show(struct seq_file *m, void *v)
{
	if (!pintrack_verify(m) && !m->count)
		return -ENOMEM;
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

static int __init pintrack_debugfs_init(void)
{
	struct dentry *dir;

	if (!gup_pin_tracking_enabled())
		return 0;
	dir = debugfs_create_dir("gup_pin_tracking", NULL);
	debugfs_create_file("stats", 0444, dir, NULL, &pintrack_stats_fops);
	debugfs_create_file("pinned", 0400, dir, NULL, &pintrack_pinned_fops);
	debugfs_create_file("verify", 0400, dir, NULL, &pintrack_verify_fops);
	if (pintrack_stacks()) {
		debugfs_create_file("pinners", 0400, dir, NULL,
				    &pintrack_pinners_fops);
		debugfs_create_file("processes", 0400, dir, NULL,
				    &pintrack_processes_fops);
	}
	pintrack_failures_debugfs(dir);
	pintrack_stale_debugfs(dir);
	return 0;
}
late_initcall(pintrack_debugfs_init);
