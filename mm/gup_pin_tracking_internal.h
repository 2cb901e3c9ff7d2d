/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GUP pin tracking: what the tracker (mm/gup_pin_tracking.c), its debugfs
 * files (mm/gup_pin_tracking_debugfs.c) and its KUnit tests share. Not an
 * interface: the interface is include/linux/gup_pin_tracking.h.
 */
#ifndef __MM_GUP_PIN_TRACKING_INTERNAL_H
#define __MM_GUP_PIN_TRACKING_INTERNAL_H

#include <linux/bits.h>
#include <linux/gup_pin_tracking.h>
#include <linux/minmax.h>
#include <linux/mmzone.h>
#include <linux/page_ext.h>
#include <linux/stackdepot.h>

/*
 * One 32-bit word per base page: the pin count and three flags. It is only
 * written under the page's bucket lock; readers that only look (the query
 * API, dump_page(), debugfs) read it with READ_ONCE().
 */
#define GPT_COUNT_MASK		GENMASK(27, 0)
#define GPT_LONGTERM		BIT(28)	/* a FOLL_LONGTERM pin holds it */
#define GPT_DMA_PINNED		BIT(29)	/* set exactly when the count is non-zero */
#define GPT_REPORTED		BIT(30)	/* misuse already reported for this page */

/* In "stacks" mode the depot handle of the last pinner follows the word. */
struct gpt_page {
	u32 state;
	depot_stack_handle_t stack;
};

static inline struct gpt_page *gpt_page(struct page_ext *page_ext)
{
	return page_ext_data(page_ext, &gup_pin_tracking_ops);
}

/*
 * Pages are locked, looked up and walked in naturally aligned chunks of
 * 2^GPT_CHUNK_ORDER pages (2 MiB with 4 KiB pages). A chunk never crosses a
 * memory section, so its page_ext is one array.
 */
#ifdef CONFIG_SPARSEMEM
#define GPT_CHUNK_ORDER		min(9, PFN_SECTION_SHIFT)
#else
#define GPT_CHUNK_ORDER		9
#endif
#define GPT_CHUNK_PAGES		BIT(GPT_CHUNK_ORDER)

/* Number of pages from @pfn up to the end of its chunk, at most @nr. */
static inline unsigned long gpt_chunk_len(unsigned long pfn, unsigned long nr)
{
	return min(nr, GPT_CHUNK_PAGES - (pfn & (GPT_CHUNK_PAGES - 1)));
}

enum gpt_counter {
	GPT_PINNED_PAGES,
	GPT_PINS,
	GPT_LONGTERM_PAGES,
	GPT_PINS_TOTAL,
	GPT_UNPINS_TOTAL,
	GPT_ERRORS,
	GPT_NR_COUNTERS,
};

extern const char *const gup_pin_tracking_counter_names[GPT_NR_COUNTERS];
extern bool gup_pin_tracking_stacks;
extern unsigned int gup_pin_tracking_lock_bits;

long gup_pin_tracking_counter(unsigned int idx);

/* The last pinner of a page, in stacks mode; 0 otherwise. */
static inline depot_stack_handle_t gpt_page_stack(struct page_ext *page_ext)
{
	if (!gup_pin_tracking_stacks)
		return 0;
	return READ_ONCE(gpt_page(page_ext)->stack);
}

/* The state word of @page, 0 if it has no page_ext. */
static inline u32 gpt_state(const struct page *page)
{
	struct page_ext *page_ext = page_ext_get(page);
	u32 state;

	if (!page_ext)
		return 0;
	state = READ_ONCE(gpt_page(page_ext)->state);
	page_ext_put(page_ext);
	return state;
}

#if IS_ENABLED(CONFIG_KUNIT)
/* For the KUnit tests only. */
struct seq_file;
bool gup_pin_tracking_longterm(const struct page *page);
int gup_pin_tracking_stats_show(struct seq_file *m, void *v);
unsigned long gup_pin_tracking_verify(struct seq_file *m);
bool gup_pin_tracking_show_page(struct seq_file *m, struct page *page);
#endif

#endif /* __MM_GUP_PIN_TRACKING_INTERNAL_H */
