// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for GUP pin tracking: pin real user memory and check the
 * tracked counts, bits, reports and debugfs output.
 *
 * Run with gup_pin_tracking=on (most cases) and with gup_pin_tracking=off
 * (the fallback case); each case skips in the other mode.
 */

#define pr_fmt(fmt) "gup_pin_tracking_kunit: " fmt

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/gup_pin_tracking.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/kthread.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/page_ext.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/string.h>

#include "../gup_pin_tracking_internal.h"
#include <trace/events/gup_pin_tracking.h>
#include <trace/events/printk.h>
#include "../internal.h"

#define PINTRACK_TEST_PAGES		16

/*
 * The misuse cases count the reports they provoke instead of printing them.
 * print_reports=1 lets the reports through to the log, to see what they
 * look like; the report counts are then not checked.
 */
static bool print_reports;
module_param(print_reports, bool, 0444);
MODULE_PARM_DESC(print_reports, "print the provoked misuse reports");
#define PINTRACK_SHOW_SIZE		(256 * 1024)

#define PINTRACK_HELD_MAX		64

struct pintrack_test {
	unsigned long addr;
	struct page *pages[PINTRACK_TEST_PAGES];
	int reports;
	struct kunit_resource resource;
	/* Every page this test pinned for real, released at cleanup. */
	struct page *held[PINTRACK_HELD_MAX];
	unsigned int nr_held;
};

/*
 * Deferred action: drop every pin still held on the pages the test pinned,
 * so that a test that fails half-way leaves no page pinned behind it. The
 * tracked count says how many: nothing else pins the test's private pages.
 */
static void pintrack_release_held(void *arg)
{
	struct pintrack_test *t = arg;
	unsigned int i;

	if (!gup_pin_tracking_enabled())
		return;
	for (i = 0; i < t->nr_held; i++)
		while (page_dma_pin_count(t->held[i]))
			unpin_user_page(t->held[i]);
}

/* Remember @npages pages the test pinned, for pintrack_release_held(). */
static void pintrack_hold(struct kunit *test, struct page **pages, long npages)
{
	struct pintrack_test *t = test->priv;
	unsigned int j;
	long i;

	for (i = 0; i < npages; i++) {
		for (j = 0; j < t->nr_held; j++)
			if (t->held[j] == pages[i])
				break;
		if (j < t->nr_held)
			continue;
		KUNIT_ASSERT_LT(test, t->nr_held, PINTRACK_HELD_MAX);
		t->held[t->nr_held++] = pages[i];
	}
}

static int pintrack_test_init(struct kunit *test)
{
	struct pintrack_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	return kunit_add_action_or_reset(test, pintrack_release_held, t);
}

/* Skip unless tracking is on; map @npages of anonymous memory. */
static struct pintrack_test *pintrack_setup(struct kunit *test,
					    unsigned long npages,
					    unsigned long prot)
{
	struct pintrack_test *t = test->priv;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	t->addr = kunit_vm_mmap(test, NULL, 0, npages * PAGE_SIZE, prot,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, t->addr, 0, "kunit_vm_mmap failed");
	return t;
}

/* Count misuse reports made from now on instead of printing them. */
static void pintrack_expect_reports(struct kunit *test)
{
	struct pintrack_test *t = test->priv;

	t->reports = 0;
	if (print_reports)
		return;
	KUNIT_ASSERT_EQ(test, kunit_add_named_resource(test, NULL, NULL,
						       &t->resource,
						       "gup_pin_tracking_reports",
						       &t->reports), 0);
}

/* Exactly @n reports since pintrack_expect_reports(). */
static void pintrack_check_reports(struct kunit *test, int n)
{
	struct pintrack_test *t = test->priv;

	if (!print_reports)
		KUNIT_EXPECT_EQ(test, t->reports, n);
}

/* Run a debugfs show function into a buffer. */
static char *pintrack_show(struct kunit *test,
			   int (*show)(struct seq_file *, void *))
{
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = PINTRACK_SHOW_SIZE;
	m->buf = kunit_kzalloc(test, m->size + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	show(m, NULL);
	KUNIT_ASSERT_FALSE(test, seq_has_overflowed(m));
	m->buf[m->count] = '\0';
	return m->buf;
}

static int pintrack_verify_show(struct seq_file *m, void *v)
{
	pintrack_verify(m);
	return 0;
}

/* Read one "key: value" line of the stats file. */
static long pintrack_stat(struct kunit *test, const char *key)
{
	char *buf = pintrack_show(test, pintrack_stats_show);
	size_t len = strlen(key);
	char *line;
	long val;

	while ((line = strsep(&buf, "\n"))) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			KUNIT_ASSERT_EQ(test, kstrtol(line + len + 2, 10, &val),
					0);
			return val;
		}
	}
	KUNIT_FAIL(test, "no '%s' in stats", key);
	return -1;
}

static void pintrack_expect_counts(struct kunit *test, struct page **pages,
				   unsigned long npages, unsigned int count)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		KUNIT_EXPECT_EQ_MSG(test, page_dma_pin_count(pages[i]), count,
				    "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, page_dma_pinned(pages[i]), count != 0,
				    "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, PageDmaPinned(pages[i]), count != 0,
				    "page %lu", i);
	}
}

/* Pin @npages from t->addr with the fast path and check they all came. */
static void pintrack_pin_fast(struct kunit *test, unsigned long npages,
			      unsigned int flags)
{
	struct pintrack_test *t = test->priv;
	int ret = pin_user_pages_fast(t->addr, npages, flags, t->pages);

	if (ret > 0)
		pintrack_hold(test, t->pages, ret);
	KUNIT_ASSERT_EQ(test, ret, (int)npages);
}

/* === Counting =========================================================== */

static void pintrack_test_single_pin(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	long pins = pintrack_stat(test, "pins");
	long total = pintrack_stat(test, "pins_total");
	long unpins = pintrack_stat(test, "unpins_total");

	pintrack_pin_fast(test, 1, FOLL_WRITE);
	pintrack_expect_counts(test, t->pages, 1, 1);
	KUNIT_EXPECT_FALSE(test, pintrack_longterm(t->pages[0]));
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins + 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins_total"), total + 1);

	unpin_user_page(t->pages[0]);
	pintrack_expect_counts(test, t->pages, 1, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "unpins_total"), unpins + 1);
}

static void pintrack_test_batch_fast(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, PINTRACK_TEST_PAGES,
						 PROT_READ | PROT_WRITE);
	long pinned = pintrack_stat(test, "pinned_pages");

	pintrack_pin_fast(test, PINTRACK_TEST_PAGES, FOLL_WRITE);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"),
			pinned + PINTRACK_TEST_PAGES);
	unpin_user_pages(t->pages, PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned);
}

static void pintrack_test_batch_slow(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, PINTRACK_TEST_PAGES,
						 PROT_READ | PROT_WRITE);
	struct mm_struct *mm = current->mm;
	long ret;

	/* The slow path with the mmap lock held by the caller. */
	mmap_read_lock(mm);
	ret = pin_user_pages(t->addr, PINTRACK_TEST_PAGES, FOLL_WRITE,
			     t->pages);
	mmap_read_unlock(mm);
	if (ret > 0)
		pintrack_hold(test, t->pages, ret);
	KUNIT_ASSERT_EQ(test, ret, PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 1);

	/* And once more without it: every page now holds two pins. */
	ret = pin_user_pages_unlocked(t->addr, PINTRACK_TEST_PAGES, t->pages,
				      FOLL_WRITE);
	if (ret > 0)
		pintrack_hold(test, t->pages, ret);
	KUNIT_ASSERT_EQ(test, ret, PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 2);

	unpin_user_pages(t->pages, PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 1);
	unpin_user_pages(t->pages, PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 0);
}

static void pintrack_test_same_page_twice(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	struct page *first;

	pintrack_pin_fast(test, 1, FOLL_WRITE);
	first = t->pages[0];
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	KUNIT_ASSERT_PTR_EQ(test, t->pages[0], first);
	pintrack_expect_counts(test, &first, 1, 2);
	unpin_user_page(first);
	pintrack_expect_counts(test, &first, 1, 1);
	unpin_user_page(first);
	pintrack_expect_counts(test, &first, 1, 0);
}

static void pintrack_test_unpin_dirty_lock(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, PINTRACK_TEST_PAGES,
						 PROT_READ | PROT_WRITE);

	pintrack_pin_fast(test, PINTRACK_TEST_PAGES, FOLL_WRITE);
	unpin_user_pages_dirty_lock(t->pages, PINTRACK_TEST_PAGES / 2, true);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES / 2, 0);
	pintrack_expect_counts(test, t->pages + PINTRACK_TEST_PAGES / 2,
			       PINTRACK_TEST_PAGES / 2, 1);
	unpin_user_pages_dirty_lock(t->pages + PINTRACK_TEST_PAGES / 2,
				    PINTRACK_TEST_PAGES / 2, false);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 0);
}

static void pintrack_test_unpin_range_dirty_lock(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	int i;

	/* Pin one page three times, release them as a "range" of one. */
	for (i = 0; i < 3; i++)
		pintrack_pin_fast(test, 1, FOLL_WRITE);
	pintrack_expect_counts(test, t->pages, 1, 3);
	unpin_user_page_range_dirty_lock(t->pages[0], 1, true);
	pintrack_expect_counts(test, t->pages, 1, 2);
	unpin_user_page_range_dirty_lock(t->pages[0], 1, false);
	unpin_user_folio(page_folio(t->pages[0]), 1);
	pintrack_expect_counts(test, t->pages, 1, 0);
}

static void pintrack_test_longterm(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, PINTRACK_TEST_PAGES,
						 PROT_READ | PROT_WRITE);
	long longterm = pintrack_stat(test, "longterm_pinned_pages");
	int i;

	pintrack_pin_fast(test, PINTRACK_TEST_PAGES,
			  FOLL_WRITE | FOLL_LONGTERM);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 1);
	for (i = 0; i < PINTRACK_TEST_PAGES; i++)
		KUNIT_EXPECT_TRUE(test, pintrack_longterm(t->pages[i]));
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"),
			longterm + PINTRACK_TEST_PAGES);
	unpin_user_pages(t->pages, PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 0);
	for (i = 0; i < PINTRACK_TEST_PAGES; i++)
		KUNIT_EXPECT_FALSE(test,
				   pintrack_longterm(t->pages[i]));
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"),
			longterm);
}

/*
 * What "longterm" means: a long-term pin was taken since the page was last
 * unpinned completely. An unpin does not say which kind of pin it drops,
 * so the flag stays while a short-term pin outlives the long-term one, and
 * goes with the last pin; a short-term pin after that is not long-term.
 */
static void pintrack_test_longterm_meaning(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	long longterm = pintrack_stat(test, "longterm_pinned_pages");

	pintrack_pin_fast(test, 1, FOLL_WRITE | FOLL_LONGTERM);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	pintrack_expect_counts(test, t->pages, 1, 2);
	/* The long-term pin goes: one short-term pin is left. */
	unpin_user_page(t->pages[0]);
	pintrack_expect_counts(test, t->pages, 1, 1);
	KUNIT_EXPECT_TRUE(test, pintrack_longterm(t->pages[0]));
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"),
			longterm + 1);
	/* The last pin goes, and the flag with it. */
	unpin_user_page(t->pages[0]);
	pintrack_expect_counts(test, t->pages, 1, 0);
	KUNIT_EXPECT_FALSE(test, pintrack_longterm(t->pages[0]));
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"),
			longterm);
	/* A new episode of short-term pins only is not long-term. */
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	KUNIT_EXPECT_FALSE(test, pintrack_longterm(t->pages[0]));
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"),
			longterm);
	unpin_user_page(t->pages[0]);
	pintrack_expect_counts(test, t->pages, 1, 0);
}

static void pintrack_test_foll_get_not_counted(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, PINTRACK_TEST_PAGES,
						 PROT_READ | PROT_WRITE);
	long total = pintrack_stat(test, "pins_total");
	int i;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(t->addr, PINTRACK_TEST_PAGES,
						  FOLL_WRITE, t->pages),
			PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins_total"), total);
	for (i = 0; i < PINTRACK_TEST_PAGES; i++)
		put_page(t->pages[i]);
}

static void pintrack_test_partial_pin(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 4,
						 PROT_READ | PROT_WRITE);
	long pins = pintrack_stat(test, "pins");
	int ret;

	/* The last two pages are gone: the pin stops after two. */
	KUNIT_ASSERT_EQ(test, vm_munmap(t->addr + 2 * PAGE_SIZE,
					2 * PAGE_SIZE), 0);
	ret = pin_user_pages_fast(t->addr, 4, FOLL_WRITE, t->pages);
	if (ret > 0)
		pintrack_hold(test, t->pages, ret);
	KUNIT_ASSERT_EQ(test, ret, 2);
	pintrack_expect_counts(test, t->pages, 2, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins + 2);
	unpin_user_pages(t->pages, 2);
	pintrack_expect_counts(test, t->pages, 2, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
}

static void pintrack_test_failed_pin(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 2, PROT_READ);
	long pins = pintrack_stat(test, "pins");
	long total = pintrack_stat(test, "pins_total");
	int ret;

	/* A write pin of read-only memory fails without a stray count. */
	ret = pin_user_pages_fast(t->addr, 2, FOLL_WRITE, t->pages);
	KUNIT_EXPECT_LT(test, ret, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins_total"), total);
	/* A read pin works; its pages are the zero page, never counted. */
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(t->addr, 2, 0, t->pages), 2);
	KUNIT_EXPECT_TRUE(test, is_zero_page(t->pages[0]));
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(t->pages[0]), 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	unpin_user_pages(t->pages, 2);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
}

/* === Concurrency ========================================================= */

#define PINTRACK_THREAD_LOOPS	500

struct pintrack_thread {
	struct kunit *test;
	struct mm_struct *mm;
	unsigned long addr;
	struct page *pages[PINTRACK_TEST_PAGES];
	struct completion done;
	int failures;
};

static int pintrack_thread_fn(void *arg)
{
	struct pintrack_thread *th = arg;
	int i;

	kthread_use_mm(th->mm);
	for (i = 0; i < PINTRACK_THREAD_LOOPS; i++) {
		int n = pin_user_pages_fast(th->addr, PINTRACK_TEST_PAGES,
					    FOLL_WRITE, th->pages);

		if (n != PINTRACK_TEST_PAGES) {
			if (n > 0)
				unpin_user_pages(th->pages, n);
			th->failures++;
			continue;
		}
		if (!page_dma_pinned(th->pages[i % PINTRACK_TEST_PAGES]))
			th->failures++;
		if (i & 1)
			unpin_user_pages(th->pages, PINTRACK_TEST_PAGES);
		else
			unpin_user_pages_dirty_lock(th->pages,
						    PINTRACK_TEST_PAGES, true);
		cond_resched();
	}
	kthread_unuse_mm(th->mm);
	complete(&th->done);
	return 0;
}

static void pintrack_test_concurrent(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, PINTRACK_TEST_PAGES,
						 PROT_READ | PROT_WRITE);
	long pins = pintrack_stat(test, "pins");
	long errors = pintrack_stat(test, "errors");
	struct pintrack_thread *th;
	struct task_struct *task;
	int i;

	th = kunit_kcalloc(test, 2, sizeof(*th), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, th);
	for (i = 0; i < 2; i++) {
		th[i].test = test;
		th[i].mm = current->mm;
		th[i].addr = t->addr;
		init_completion(&th[i].done);
		task = kthread_run(pintrack_thread_fn, &th[i],
				   "pintrack_kunit/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (i = 0; i < 2; i++) {
		wait_for_completion(&th[i].done);
		KUNIT_EXPECT_EQ(test, th[i].failures, 0);
	}

	pintrack_pin_fast(test, PINTRACK_TEST_PAGES, 0);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 1);
	unpin_user_pages(t->pages, PINTRACK_TEST_PAGES);
	pintrack_expect_counts(test, t->pages, PINTRACK_TEST_PAGES, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors);
}

/* === Misuse ============================================================= */

static void pintrack_test_double_unpin(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	long errors = pintrack_stat(test, "errors");
	long pins = pintrack_stat(test, "pins");

	pintrack_pin_fast(test, 1, FOLL_WRITE);
	unpin_user_page(t->pages[0]);
	pintrack_expect_reports(test);
	/*
	 * A second unpin_user_page() would corrupt the refcount for real:
	 * show the tracker the second unpin alone.
	 */
	gup_unpin_track_pages(t->pages, 1);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	pintrack_expect_counts(test, t->pages, 1, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);

	/* The same page again: counted, not reported twice. */
	gup_unpin_track_pages(t->pages, 1);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 2);
	pintrack_expect_counts(test, t->pages, 1, 0);
}

static void pintrack_test_unpin_folio_unpinned(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	long errors = pintrack_stat(test, "errors");

	pintrack_pin_fast(test, 1, FOLL_WRITE);
	unpin_user_page(t->pages[0]);
	pintrack_expect_reports(test);
	gup_unpin_track_folio(page_folio(t->pages[0]), 1);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	pintrack_expect_counts(test, t->pages, 1, 0);
}

static void pintrack_test_put_page_instead_of_unpin(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	long errors = pintrack_stat(test, "errors");
	struct folio *folio;

	pintrack_pin_fast(test, 1, FOLL_WRITE);
	folio = page_folio(t->pages[0]);
	KUNIT_ASSERT_FALSE(test, folio_test_large(folio));
	pintrack_expect_reports(test);
	/* The pin's references dropped as put_page() would; still mapped. */
	folio_put_refs(folio, GUP_PIN_COUNTING_BIAS);
	gup_unpin_track_pages(t->pages, 1);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	pintrack_expect_counts(test, t->pages, 1, 0);
}

static void pintrack_test_free_while_pinned(struct kunit *test)
{
	long errors, pins;
	struct page *page;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	errors = pintrack_stat(test, "errors");
	pins = pintrack_stat(test, "pins");
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	gup_pin_track_pages(&page, 1, FOLL_PIN);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(page), 1);
	pintrack_expect_reports(test);
	__free_page(page);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(page), 0);
}

/* === Large folios ======================================================= */

/* 2 MiB with 4 KiB pages; ppc64 with 64 KiB pages stops at order 8. */
#define PINTRACK_LARGE_ORDER		min(9, MAX_PAGE_ORDER)

/*
 * A large folio driven through the hooks alone: its pins are the tracker's
 * pins only, so each case releases them before the folio goes back.
 */
static struct folio *pintrack_large_folio(struct kunit *test)
{
	struct folio *folio;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, PINTRACK_LARGE_ORDER);
	if (!folio)
		kunit_skip(test, "no order-%d folio",
			   (int)PINTRACK_LARGE_ORDER);
	return folio;
}

static void pintrack_track_pin(struct page *page, unsigned int flags)
{
	gup_pin_track_pages(&page, 1, FOLL_PIN | flags);
}

static void pintrack_track_unpin(struct page *page)
{
	gup_unpin_track_pages(&page, 1);
}

/*
 * A double unpin of page 0 while page 5 holds another caller's pin is
 * reported on page 0; page 5 keeps its pin (nothing is borrowed from it).
 */
static void pintrack_test_large_double_unpin(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *p0 = folio_page(folio, 0), *p5 = folio_page(folio, 5);
	long errors = pintrack_stat(test, "errors");

	pintrack_track_pin(p0, 0);
	pintrack_track_pin(p5, 0);
	pintrack_track_unpin(p0);
	pintrack_expect_reports(test);
	pintrack_track_unpin(p0);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p0), 0);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p5), 1);
	KUNIT_EXPECT_TRUE(test, page_dma_pinned(p5));

	/* The innocent pinner's own release is clean. */
	pintrack_track_unpin(p5);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p5), 0);
	folio_put(folio);
}

/*
 * Two "buffers" pinned on pages 3 and 7 of one folio, released page by
 * page in either order: each release takes its own page's pin.
 */
static void pintrack_test_large_two_buffers(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *a = folio_page(folio, 3), *b = folio_page(folio, 7);
	long errors = pintrack_stat(test, "errors");
	int order;

	for (order = 0; order < 2; order++) {
		pintrack_track_pin(a, FOLL_LONGTERM);
		pintrack_track_pin(b, FOLL_LONGTERM);
		pintrack_track_unpin(order ? a : b);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(a), order ? 0 : 1);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(b), order ? 1 : 0);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(folio_page(folio, 0)),
				0);
		pintrack_track_unpin(order ? b : a);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(a), 0);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(b), 0);
	}
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors);
	folio_put(folio);
}

/*
 * A folio-level pin is counted on the first page and its folio-level
 * release takes it from there. Releasing more than that page holds is
 * reported, and the pin another caller holds on page 7 stays.
 */
static void pintrack_test_large_folio_release(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *p0 = folio_page(folio, 0), *p7 = folio_page(folio, 7);
	long errors = pintrack_stat(test, "errors");
	long pins = pintrack_stat(test, "pins");

	gup_pin_track_folio(folio, FOLL_PIN | FOLL_LONGTERM);
	pintrack_track_pin(p7, 0);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p0), 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins + 2);

	pintrack_expect_reports(test);
	gup_unpin_track_folio(folio, 2);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p0), 0);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p7), 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins + 1);

	pintrack_track_unpin(p7);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	folio_put(folio);
}

/*
 * One call walks runs of pages that follow each other, pages of the same
 * chunk out of order, NULL entries, repeats, and a page of another
 * allocation; a release whose page holds no pin sits in the middle of a
 * run. Every page ends with exactly its own count.
 */
static void pintrack_test_walk_mixed(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	/* Pages 0-5 (p[]), 6 for another allocation, -1 for NULL. */
	static const int pin_at[] = { 0, 1, 2, 3, -1, 2, 6, 5, 4, 1, 0 };
	/* Page 3 is released twice: the second, mid-run, is the misuse. */
	static const int unpin_at[] = { 3, 2, 1, 0, 6, -1, 0, 1, 2, 3, 4, 5 };
	struct page *p[7], *pin[ARRAY_SIZE(pin_at)];
	struct page *unpin[ARRAY_SIZE(unpin_at)], *other;
	struct folio *second;
	long errors = pintrack_stat(test, "errors");
	long pins = pintrack_stat(test, "pins");
	long pinned = pintrack_stat(test, "pinned_pages");
	long longterm = pintrack_stat(test, "longterm_pinned_pages");
	int i;

	/* Large too: the put_page() check has no references to look at. */
	second = folio_alloc(GFP_KERNEL, 1);
	KUNIT_ASSERT_NOT_NULL(test, second);
	other = folio_page(second, 1);
	for (i = 0; i < 6; i++)
		p[i] = folio_page(folio, 200 + i);
	p[6] = other;
	for (i = 0; i < ARRAY_SIZE(pin_at); i++)
		pin[i] = pin_at[i] < 0 ? NULL : p[pin_at[i]];
	for (i = 0; i < ARRAY_SIZE(unpin_at); i++)
		unpin[i] = unpin_at[i] < 0 ? NULL : p[unpin_at[i]];
	/* A run of 4, a hole, a step back, another page, a run backwards. */
	gup_pin_track_pages(pin, ARRAY_SIZE(pin), FOLL_PIN | FOLL_LONGTERM);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[0]), 2);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[1]), 2);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[2]), 2);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[3]), 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[4]), 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[5]), 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(other), 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(folio_page(folio, 206)), 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins + 10);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned + 7);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"),
			longterm + 7);

	pintrack_expect_reports(test);
	gup_unpin_track_pages(unpin, ARRAY_SIZE(unpin));
	pintrack_check_reports(test, 1);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ_MSG(test, page_dma_pin_count(p[i]), 0,
				    "p[%d]", i);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(other), 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"),
			longterm);

	/* A range release of pages of the folio, one holding two pins. */
	gup_pin_track_pages(p, 6, FOLL_PIN);
	pintrack_track_pin(p[3], 0);
	gup_unpin_track_range(p[0], 6);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[3]), 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p[4]), 0);
	pintrack_track_unpin(p[3]);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	folio_put(second);
	folio_put(folio);
}

/* A large folio freed with a pin on a tail page: reported, count cleared. */
static void pintrack_test_large_free_while_pinned(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *p9 = folio_page(folio, 9);
	long errors = pintrack_stat(test, "errors");
	long pinned = pintrack_stat(test, "pinned_pages");

	pintrack_track_pin(p9, 0);
	pintrack_track_pin(p9, 0);
	pintrack_expect_reports(test);
	folio_put(folio);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(p9), 0);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * A PMD-sized THP of user memory (2M on 4K pages, 512M on arm64 with 64K
 * pages, 16M on ppc64 hash, 4M on i386, 1M on s390x) pinned whole by the
 * fast path: each page gets its own count, a second pin of a run in the
 * middle lands on that run only, and the counts add up to _pincount; a
 * pin and unpin of one tail page alone (the one-page hooks) move only
 * that page's count.
 */
static void pintrack_test_thp_user(struct kunit *test)
{
	struct pintrack_test *t = test->priv;
	unsigned long nr = HPAGE_PMD_NR, mid = HPAGE_PMD_NR / 2, addr, i, sum;
	struct page **pages, *run[4], *one;
	struct vm_area_struct *vma;
	struct folio *folio;
	long pins;
	int ret, ret1;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	if (!has_transparent_hugepage())
		kunit_skip(test, "the CPU has no PMD-sized pages");
	pages = kunit_kmalloc_array(test, nr, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	t->addr = kunit_vm_mmap(test, NULL, 0, 2 * HPAGE_PMD_SIZE,
				PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, t->addr, 0, "kunit_vm_mmap failed");
	addr = ALIGN(t->addr, HPAGE_PMD_SIZE);
	/* As MADV_HUGEPAGE does, for THP in "madvise" mode. */
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	if (vma)
		vm_flags_set(vma, VM_HUGEPAGE);
	mmap_write_unlock(current->mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);

	pins = pintrack_stat(test, "pins");
	ret = pin_user_pages_fast(addr, nr, FOLL_WRITE, pages);
	if (ret > 0 && ret < nr)
		unpin_user_pages(pages, ret);
	KUNIT_ASSERT_EQ(test, ret, (int)nr);
	folio = page_folio(pages[0]);
	if (folio_order(folio) != HPAGE_PMD_ORDER) {
		unpin_user_pages(pages, nr);
		kunit_skip(test, "no order-%d THP (%lu KiB) was allocated, got order %u",
			   (int)HPAGE_PMD_ORDER,
			   (unsigned long)HPAGE_PMD_SIZE / SZ_1K,
			   folio_order(folio));
	}
	kunit_info(test, "pinned an order-%u THP at pfn 0x%lx%s\n",
		   folio_order(folio), folio_pfn(folio),
		   PageHighMem(pages[0]) ? " (highmem)" : "");
	if (IS_ENABLED(CONFIG_HIGHMEM) && totalhigh_pages() > 4 * nr)
		KUNIT_EXPECT_TRUE_MSG(test, PageHighMem(pages[0]),
				      "user THP not in highmem");
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, pages[i], folio_page(folio, i),
					"page %lu", i);

	/* Pin pages mid - 2 .. mid + 1 again, across the folio's middle. */
	ret = pin_user_pages_fast(addr + (mid - 2) * PAGE_SIZE, 4, FOLL_WRITE,
				  run);
	if (ret > 0 && ret < 4)
		unpin_user_pages(run, ret);
	KUNIT_EXPECT_EQ(test, ret, 4);
	for (i = 0; ret == 4 && i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, run[i], pages[mid - 2 + i]);
	sum = 0;
	for (i = 0; i < nr; i++) {
		unsigned int want = 1 + (ret == 4 && i >= mid - 2 &&
					 i <= mid + 1);

		KUNIT_EXPECT_EQ_MSG(test, page_dma_pin_count(pages[i]), want,
				    "page %lu", i);
		sum += page_dma_pin_count(pages[i]);
	}
	KUNIT_EXPECT_EQ(test, sum,
			(unsigned long)atomic_read(&folio->_pincount));
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins + sum);

	/* One tail page alone, pinned and unpinned by the one-page hooks. */
	ret1 = pin_user_pages_fast(addr + (mid + 3) * PAGE_SIZE, 1, FOLL_WRITE,
				   &one);
	KUNIT_EXPECT_EQ(test, ret1, 1);
	if (ret1 == 1) {
		KUNIT_EXPECT_PTR_EQ(test, one, pages[mid + 3]);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(pages[mid + 3]), 2);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(pages[mid + 4]), 1);
		unpin_user_page(one);
		KUNIT_EXPECT_EQ(test, page_dma_pin_count(pages[mid + 3]), 1);
		KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins + sum);
	}

	if (ret == 4)
		unpin_user_pages(run, 4);
	unpin_user_pages(pages, nr);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ_MSG(test, page_dma_pin_count(pages[i]), 0,
				    "page %lu", i);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), pins);
}
#else
static void pintrack_test_thp_user(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE");
}
#endif

#if IS_BUILTIN(CONFIG_GUP_PIN_TRACKING_KUNIT_TEST) && defined(CONFIG_HUGETLB_PAGE)
/*
 * A hugetlb folio goes back to its pool through free_huge_folio(), not
 * free_pages_prepare(): a pin left on it is reported there too.
 */
static void pintrack_test_hugetlb_free_while_pinned(struct kunit *test)
{
	struct hstate *h = &default_hstate;
	long errors, pinned;
	struct folio *folio;
	struct page *page;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	if (!hugepages_supported() || !h->order)
		kunit_skip(test, "no hugetlb page size");
	folio = alloc_hugetlb_folio_nodemask(h, numa_mem_id(), NULL,
					     htlb_alloc_mask(h) | __GFP_NOWARN,
					     true);
	if (!folio)
		kunit_skip(test, "no hugetlb folio");
	KUNIT_ASSERT_TRUE(test, folio_test_hugetlb(folio));
	errors = pintrack_stat(test, "errors");
	pinned = pintrack_stat(test, "pinned_pages");
	page = folio_page(folio, 3);
	pintrack_track_pin(page, 0);
	pintrack_expect_reports(test);
	folio_put(folio);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "errors"), errors + 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(page), 0);
}
#else
static void pintrack_test_hugetlb_free_while_pinned(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_HUGETLB_PAGE and a built-in test");
}
#endif

/* page_ext entries stay 8-byte aligned for the clients after ours. */
static void pintrack_test_page_ext_layout(struct kunit *test)
{
	long bytes;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	bytes = pintrack_stat(test, "page_ext_bytes_per_page");
	KUNIT_EXPECT_EQ(test, bytes, pintrack_stat(test, "stacks") ? 16 : 8);
	KUNIT_EXPECT_EQ(test, gup_pin_tracking_ops.size, (size_t)bytes);
	KUNIT_EXPECT_EQ(test, gup_pin_tracking_ops.offset % 8, 0);
	KUNIT_EXPECT_EQ(test, page_ext_size % 8, 0);
}

/* === Who and how long =================================================== */

/* Count the reports of kind @name made from now on. */
/*
 * Make the last pin of @page @secs older: the test reaches the entry
 * through the internal header, under the page's bucket lock.
 */
static void pintrack_age(struct page *page, u32 secs)
{
	struct page_ext *page_ext = page_ext_get(page);
	spinlock_t *lock = pintrack_lock(page_to_pfn(page));
	unsigned long flags;

	if (!page_ext)
		return;
	spin_lock_irqsave(lock, flags);
	pintrack_page(page_ext)->pinned_at -= secs;
	spin_unlock_irqrestore(lock, flags);
	page_ext_put(page_ext);
}

static int *pintrack_count_named(struct kunit *test, const char *name)
{
	struct kunit_resource *res = kunit_kzalloc(test, sizeof(*res),
						   GFP_KERNEL);
	int *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, res);
	KUNIT_ASSERT_NOT_NULL(test, n);
	KUNIT_ASSERT_EQ(test, kunit_add_named_resource(test, NULL, NULL, res,
						       name, n), 0);
	return n;
}

static void pintrack_test_age(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	char *buf = kunit_kzalloc(test, PINTRACK_SHOW_SIZE, GFP_KERNEL);
	struct seq_file m = { .buf = buf, .size = PINTRACK_SHOW_SIZE - 1 };
	char want[64];

	KUNIT_ASSERT_NOT_NULL(test, buf);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	pintrack_age(t->pages[0], 75);
	KUNIT_ASSERT_TRUE(test, pintrack_show_page(&m, t->pages[0]));
	snprintf(want, sizeof(want), "pfn 0x%lx pins 1 age 75s",
		 page_to_pfn(t->pages[0]));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(buf, want, strlen(want)),
			      "%s", buf);

	/* A new pin restarts the age. */
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	m.count = 0;
	KUNIT_ASSERT_TRUE(test, pintrack_show_page(&m, t->pages[0]));
	buf[m.count] = '\0';
	snprintf(want, sizeof(want), "pfn 0x%lx pins 2 age 0s",
		 page_to_pfn(t->pages[0]));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(buf, want, strlen(want)),
			      "%s", buf);
	unpin_user_page(t->pages[0]);
	unpin_user_page(t->pages[0]);
}

/*
 * Pins held for months (VFIO guests, RDMA, io_uring buffers) show their
 * true age: the time of a pin does not wrap after 2^32 jiffies.
 */
static void pintrack_test_age_months(struct kunit *test)
{
	static const u32 days[] = { 50, 500 };
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	char *buf = kunit_kzalloc(test, PINTRACK_SHOW_SIZE, GFP_KERNEL);
	struct seq_file m = { .buf = buf, .size = PINTRACK_SHOW_SIZE - 1 };
	unsigned long age;
	char want[64];
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	for (i = 0; i < ARRAY_SIZE(days); i++) {
		if (i)
			pintrack_age(t->pages[0],
				     (days[i] - days[i - 1]) * 86400);
		else
			pintrack_age(t->pages[0], days[i] * 86400);
		m.count = 0;
		KUNIT_ASSERT_TRUE(test,
				  pintrack_show_page(&m, t->pages[0]));
		buf[m.count] = '\0';
		snprintf(want, sizeof(want), "pfn 0x%lx pins 1 age ",
			 page_to_pfn(t->pages[0]));
		KUNIT_ASSERT_TRUE_MSG(test, !strncmp(buf, want, strlen(want)),
				      "%s", buf);
		n = sscanf(buf + strlen(want), "%lus", &age);
		KUNIT_ASSERT_EQ(test, n, 1);
		KUNIT_EXPECT_GE_MSG(test, age, days[i] * 86400UL, "%s", buf);
		KUNIT_EXPECT_LE_MSG(test, age, days[i] * 86400UL + 5,
				    "%s", buf);
	}
	unpin_user_page(t->pages[0]);
}

/*
 * Two call sites; noinline so that each is a frame of its own stacks, and
 * the barrier() after the call so that it is not a sibling call (s390x
 * compiles `return f(...)` as a jump, and the frame never exists).
 */
static noinline int pintrack_pin_site_a(unsigned long addr, struct page **pages)
{
	int ret = pin_user_pages_fast(addr, 3, FOLL_WRITE, pages);

	barrier();
	return ret;
}

static noinline int pintrack_pin_site_b(unsigned long addr, struct page **pages)
{
	int ret = pin_user_pages_fast(addr, 2, FOLL_WRITE | FOLL_LONGTERM,
				      pages);

	barrier();
	return ret;
}

static void pintrack_test_pinners(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 8,
						 PROT_READ | PROT_WRITE);
	struct page *b[2];
	char *out, *a_at, *b_at, *hdr;

	if (!pintrack_stat(test, "stacks"))
		kunit_skip(test, "boot with gup_pin_tracking=stacks");
	KUNIT_ASSERT_EQ(test, pintrack_pin_site_a(t->addr, t->pages), 3);
	pintrack_hold(test, t->pages, 3);
	KUNIT_ASSERT_EQ(test, pintrack_pin_site_b(t->addr + 4 * PAGE_SIZE, b),
			2);
	pintrack_hold(test, b, 2);
	pintrack_age(t->pages[1], 9);

	out = pintrack_show(test, pintrack_pinners_show);
	a_at = strstr(out, "pintrack_pin_site_a+");
	b_at = strstr(out, "pintrack_pin_site_b+");
	KUNIT_ASSERT_NOT_NULL_MSG(test, a_at, "%s", out);
	KUNIT_ASSERT_NOT_NULL_MSG(test, b_at, "%s", out);
	/* Each group: its header is the last "pages " line before its stack. */
	for (hdr = a_at; hdr > out && strncmp(hdr, "\npages ", 7); hdr--)
		;
	hdr += hdr != out;
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(hdr, "pages 3 pins 3 longterm 0 oldest 9s\n"),
			      "%s", out);
	for (hdr = b_at; hdr > out && strncmp(hdr, "\npages ", 7); hdr--)
		;
	hdr += hdr != out;
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(hdr, "pages 2 pins 2 longterm 2 oldest 0s\n"),
			      "%s", out);
	/* Largest group first. */
	KUNIT_EXPECT_TRUE(test, a_at < b_at);
	unpin_user_pages(t->pages, 3);
	unpin_user_pages(b, 2);
}

/*
 * The stack cache (x86 ORC). Each function below is a frame of its own:
 * noinline, and the store after each call keeps it from being a sibling
 * call or merged with its twin. The key (@ip) is the test's; a key never
 * used before forces a real unwind of the same chain.
 */
static int pintrack_stack_sink;
static unsigned long pintrack_stack_key = 0x1000;

static noinline depot_stack_handle_t pintrack_stack_hook(unsigned long ip)
{
	depot_stack_handle_t h = pintrack_save_stack(ip, GFP_KERNEL);

	WRITE_ONCE(pintrack_stack_sink, 1);
	return h;
}

/* Two call sites of the hook, with frames of one size. */
static noinline depot_stack_handle_t pintrack_stack_site_a(unsigned long ip)
{
	depot_stack_handle_t h = pintrack_stack_hook(ip);

	WRITE_ONCE(pintrack_stack_sink, 2);
	return h;
}

static noinline depot_stack_handle_t pintrack_stack_site_b(unsigned long ip)
{
	depot_stack_handle_t h = pintrack_stack_hook(ip);

	WRITE_ONCE(pintrack_stack_sink, 3);
	return h;
}

/* Two callers of pintrack_stack_site_a() with frames of one size. */
static noinline depot_stack_handle_t pintrack_stack_outer_x(unsigned long ip)
{
	depot_stack_handle_t h = pintrack_stack_site_a(ip);

	WRITE_ONCE(pintrack_stack_sink, 5);
	return h;
}

static noinline depot_stack_handle_t pintrack_stack_outer_y(unsigned long ip)
{
	depot_stack_handle_t h = pintrack_stack_site_a(ip);

	WRITE_ONCE(pintrack_stack_sink, 6);
	return h;
}

/* pintrack_stack_site_a() from deeper in the stack. */
static noinline depot_stack_handle_t pintrack_stack_deeper(unsigned long ip)
{
	depot_stack_handle_t h = pintrack_stack_outer_x(ip);

	WRITE_ONCE(pintrack_stack_sink, 4);
	return h;
}

/*
 * pintrack_stack_site_a() below a frame that gcc realigns: one that ORC
 * sizes from its frame pointer.
 */
static noinline depot_stack_handle_t pintrack_stack_aligned(unsigned long ip)
{
	u8 buf[64] __aligned(64);
	depot_stack_handle_t h;

	memset(buf, 0, sizeof(buf));
	barrier_data(buf);
	h = pintrack_stack_site_a(ip);
	WRITE_ONCE(pintrack_stack_sink, buf[0] + 7);
	return h;
}

/* Seven arguments: the last one is passed on the stack. */
static noinline depot_stack_handle_t
pintrack_stack_drap_call(unsigned long *v, unsigned long ip, unsigned long a,
			 unsigned long b, unsigned long c, unsigned long d,
			 unsigned long e)
{
	depot_stack_handle_t h = pintrack_stack_hook(ip);

	WRITE_ONCE(pintrack_stack_sink, v[0] + a + b + c + d + e);
	return h;
}

/*
 * A frame that gcc realigns through a DRAP register, as aio_read()'s and
 * vfs_writev()'s: an array of 16-byte structures (aligned to 16 bytes) and
 * an argument passed on the stack. It saves callee-saved registers, then
 * the DRAP register, and ORC finds its CFA in that saved word (bp - 40
 * with four registers saved before it). Callers whose stack pointers
 * differ by a word may realign to one frame, with one depth at the hook.
 */
static noinline depot_stack_handle_t pintrack_stack_drap(unsigned long ip)
{
	struct {
		unsigned long a, b;
	} v[8];
	unsigned long a = READ_ONCE(pintrack_stack_sink);
	unsigned long b = a + 1, c = a + 2, d = a + 3;
	depot_stack_handle_t h;

	OPTIMIZER_HIDE_VAR(b);
	OPTIMIZER_HIDE_VAR(c);
	OPTIMIZER_HIDE_VAR(d);
	memset(v, 0, sizeof(v));
	h = pintrack_stack_drap_call(&v[0].a, ip, a, b, c, d, a ^ d);
	WRITE_ONCE(pintrack_stack_sink, a + b + c + d + v[1].b);
	return h;
}

/*
 * Three callers of pintrack_stack_drap(), their frames a word apart: 0, 1
 * and 2 registers live across the call. Whatever the alignment of the
 * stack, two of them enter the DRAP frame a word apart and realign to one
 * frame.
 */
static noinline depot_stack_handle_t pintrack_stack_drap_0(unsigned long ip)
{
	depot_stack_handle_t h = pintrack_stack_drap(ip);

	WRITE_ONCE(pintrack_stack_sink, 8);
	return h;
}

static noinline depot_stack_handle_t pintrack_stack_drap_1(unsigned long ip)
{
	unsigned long x = READ_ONCE(pintrack_stack_sink);
	depot_stack_handle_t h = pintrack_stack_drap(ip);

	WRITE_ONCE(pintrack_stack_sink, x + 9);
	return h;
}

static noinline depot_stack_handle_t pintrack_stack_drap_2(unsigned long ip)
{
	unsigned long x = READ_ONCE(pintrack_stack_sink);
	unsigned long y = x * 3;
	depot_stack_handle_t h;

	OPTIMIZER_HIDE_VAR(y);
	h = pintrack_stack_drap(ip);
	WRITE_ONCE(pintrack_stack_sink, x + y + 10);
	return h;
}

static depot_stack_handle_t pintrack_stack_drap_h[3];

static depot_stack_handle_t (*pintrack_stack_drap_fn[])(unsigned long) = {
	pintrack_stack_drap_2, pintrack_stack_drap_1, pintrack_stack_drap_0,
};

static unsigned int pintrack_stack_drap_n = ARRAY_SIZE(pintrack_stack_drap_fn);

/*
 * The three from one call instruction (a loop that gcc can neither unroll
 * nor make direct calls of), each a word above the one before, with no
 * other call between them: the word where a call left its caller's return
 * address lies in the next call's alignment gap (if that one realigns),
 * unwritten.
 */
static noinline depot_stack_handle_t pintrack_stack_drap_seq(unsigned long ip)
{
	depot_stack_handle_t (*fn)(unsigned long ip);
	unsigned int i;

	for (i = 0; i < READ_ONCE(pintrack_stack_drap_n); i++) {
		fn = READ_ONCE(pintrack_stack_drap_fn[i]);
		pintrack_stack_drap_h[2 - i] = fn(ip);
	}
	return pintrack_stack_drap_h[0];
}

struct pintrack_stack_step {
	depot_stack_handle_t (*fn)(unsigned long ip);
	bool fresh;		/* a new key: a real unwind */
	bool hit;		/* must be a cache hit */
	depot_stack_handle_t h;
	long hits;
};

struct pintrack_stack_run {
	struct pintrack_stack_step *steps;
	unsigned int n;
	struct completion done;
};

/*
 * The steps run in a thread of their own, bound to one CPU (the cache is
 * per CPU), from one call site: the frames above them are the same.
 */
static int pintrack_stack_thread(void *data)
{
	struct pintrack_stack_run *run = data;
	unsigned long key = ++pintrack_stack_key;
	struct pintrack_stack_step *st;
	long hits;

	for (st = run->steps; st < run->steps + run->n; st++) {
		hits = pintrack_counter_read(PINTRACK_STACK_CACHE_HITS);
		st->h = st->fn(st->fresh ? ++pintrack_stack_key : key);
		st->hits = pintrack_counter_read(PINTRACK_STACK_CACHE_HITS) -
			   hits;
	}
	complete(&run->done);
	return 0;
}

static void pintrack_stack_run(struct kunit *test,
			       struct pintrack_stack_step *steps,
			       unsigned int n)
{
	struct pintrack_stack_run run = { .steps = steps, .n = n };
	struct task_struct *task;
	unsigned int i;
	bool cache;

	KUNIT_ASSERT_EQ(test, stack_depot_init(), 0);
	/* Only x86's ORC unwinder has the cache. */
	cache = pintrack_stack_cache_init();
	KUNIT_EXPECT_EQ(test, cache, IS_ENABLED(CONFIG_STACKTRACE_CACHE));
	init_completion(&run.done);
	task = kthread_create(pintrack_stack_thread, &run, "pintrack_stack");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	kthread_bind(task, raw_smp_processor_id());
	wake_up_process(task);
	wait_for_completion(&run.done);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_NE_MSG(test, steps[i].h, 0, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, steps[i].hits,
				    steps[i].hit && cache ? 1 : 0, "step %u", i);
	}
}

static void pintrack_test_stack_two_sites(struct kunit *test)
{
	struct pintrack_stack_step s[] = {
		{ pintrack_stack_site_a },
		{ pintrack_stack_site_a, .hit = true },
		/* Same key, same depth: the other site is not the cached. */
		{ pintrack_stack_site_b },
		{ pintrack_stack_site_b, .hit = true },
		{ pintrack_stack_site_b, .fresh = true },
		{ pintrack_stack_site_a, .fresh = true },
	};

	pintrack_stack_run(test, s, ARRAY_SIZE(s));
	KUNIT_EXPECT_EQ(test, s[1].h, s[0].h);
	KUNIT_EXPECT_NE(test, s[2].h, s[0].h);
	KUNIT_EXPECT_EQ(test, s[3].h, s[2].h);
	KUNIT_EXPECT_EQ(test, s[4].h, s[2].h);
	KUNIT_EXPECT_EQ(test, s[5].h, s[0].h);
}

static void pintrack_test_stack_two_depths(struct kunit *test)
{
	struct pintrack_stack_step s[] = {
		{ pintrack_stack_site_a },
		/* Same key, same site, deeper: another entry. */
		{ pintrack_stack_deeper },
		{ pintrack_stack_deeper, .hit = true },
		{ pintrack_stack_deeper, .fresh = true },
		{ pintrack_stack_site_a, .fresh = true },
	};

	pintrack_stack_run(test, s, ARRAY_SIZE(s));
	KUNIT_EXPECT_NE(test, s[1].h, s[0].h);
	KUNIT_EXPECT_EQ(test, s[2].h, s[1].h);
	KUNIT_EXPECT_EQ(test, s[3].h, s[1].h);
	KUNIT_EXPECT_EQ(test, s[4].h, s[0].h);
}

static void pintrack_test_stack_outer_changed(struct kunit *test)
{
	struct pintrack_stack_step s[] = {
		{ pintrack_stack_outer_x },
		{ pintrack_stack_outer_x, .hit = true },
		/* Only a frame far from the hook differs. */
		{ pintrack_stack_outer_y },
		{ pintrack_stack_outer_y, .hit = true },
		{ pintrack_stack_outer_y, .fresh = true },
		{ pintrack_stack_outer_x, .fresh = true },
	};

	pintrack_stack_run(test, s, ARRAY_SIZE(s));
	KUNIT_EXPECT_EQ(test, s[1].h, s[0].h);
	KUNIT_EXPECT_NE(test, s[2].h, s[0].h);
	KUNIT_EXPECT_EQ(test, s[3].h, s[2].h);
	KUNIT_EXPECT_EQ(test, s[4].h, s[2].h);
	KUNIT_EXPECT_EQ(test, s[5].h, s[0].h);
}

static void pintrack_test_stack_realigned(struct kunit *test)
{
	struct pintrack_stack_step s[] = {
		{ pintrack_stack_aligned },
		/* Its frame pointer, saved by a callee, checked too. */
		{ pintrack_stack_aligned, .hit = true },
		{ pintrack_stack_aligned, .fresh = true },
		{ pintrack_stack_outer_x },
	};

	pintrack_stack_run(test, s, ARRAY_SIZE(s));
	KUNIT_EXPECT_EQ(test, s[1].h, s[0].h);
	KUNIT_EXPECT_EQ(test, s[2].h, s[0].h);
	KUNIT_EXPECT_NE(test, s[3].h, s[0].h);
}

/*
 * The unwinder reads a DRAP frame's CFA, and so its return address, from
 * where the frame saved it. A caller a word above the one cached before it
 * may realign to the same frame, and the word that held the first
 * caller's return address lies in the new call's alignment gap, unwritten:
 * the second call must not be taken for the first.
 */
static void pintrack_test_stack_drap(struct kunit *test)
{
	struct pintrack_stack_step s[] = {
		/* Three pins, no hit: each caller is another stack. */
		{ pintrack_stack_drap_seq, .fresh = true },
	};
	unsigned long *entries;
	unsigned int i, nr;
	char name[64];

	pintrack_stack_run(test, s, ARRAY_SIZE(s));
	/* Kept from the hook's caller: the DRAP frame's caller third. */
	for (i = 0; i < 3; i++) {
		nr = stack_depot_fetch(pintrack_stack_drap_h[i], &entries);
		KUNIT_ASSERT_GE(test, nr, 3);
		snprintf(name, sizeof(name), "%ps", (void *)entries[2]);
		KUNIT_EXPECT_EQ_MSG(test, strcmp(name, i == 0 ?
						 "pintrack_stack_drap_0" :
						 i == 1 ? "pintrack_stack_drap_1" :
						 "pintrack_stack_drap_2"), 0,
				    "caller %u: %s", i, name);
	}
}

static void pintrack_restore_stale_secs(void *old)
{
	WRITE_ONCE(pintrack_stale_secs, (uintptr_t)old);
}

static void pintrack_test_stale(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 2,
						 PROT_READ | PROT_WRITE);
	long reports = pintrack_stat(test, "stale_reports");
	struct page *lt;
	int *stale;
	void *old;
	int ret;

	old = (void *)(uintptr_t)pintrack_stale_secs;
	ret = kunit_add_action_or_reset(test, pintrack_restore_stale_secs, old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	WRITE_ONCE(pintrack_stale_secs, 2);
	stale = pintrack_count_named(test, "gup_pin_tracking_stale");

	/* Page 0 short-term, page 1 long-term, both held for 3 s. */
	pintrack_pin_fast(test, 2, FOLL_WRITE | FOLL_LONGTERM);
	lt = t->pages[1];
	unpin_user_page(t->pages[0]);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	pintrack_age(t->pages[0], 3);
	pintrack_age(lt, 3);
	pintrack_stale_scan();
	KUNIT_EXPECT_EQ(test, *stale, 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "stale_reports"),
			reports + 1);

	/* Once per pinning episode. */
	pintrack_stale_scan();
	KUNIT_EXPECT_EQ(test, *stale, 1);
	/* A new episode is reported again. */
	unpin_user_page(t->pages[0]);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	pintrack_age(t->pages[0], 3);
	pintrack_stale_scan();
	KUNIT_EXPECT_EQ(test, *stale, 2);
	/* Not yet past the threshold: not stale. */
	unpin_user_page(t->pages[0]);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	pintrack_age(t->pages[0], 1);
	pintrack_stale_scan();
	KUNIT_EXPECT_EQ(test, *stale, 2);

	unpin_user_page(t->pages[0]);
	unpin_user_page(lt);
}

/*
 * A page that blocked a migration is remembered; its last unpin is
 * recorded ("... was unpinned after <s>s"). The folio is a kernel one, off
 * every list, so the failure can be injected through the hook.
 */
static void pintrack_test_migrate_release(struct kunit *test)
{
	LIST_HEAD(failed);
	struct folio *folio;
	struct page *page;
	int *released, *blocked;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	folio = folio_alloc(GFP_KERNEL, 1);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	page = folio_page(folio, 1);
	released = pintrack_count_named(test, "gup_pin_tracking_released");
	blocked = pintrack_count_named(test, "gup_pin_tracking_blocked");
	pintrack_track_pin(page, 0);
	pintrack_track_pin(page, 0);
	list_add(&folio->lru, &failed);
	gup_pin_track_migrate_failed(&failed, MR_MEMORY_HOTPLUG, true);
	list_del(&folio->lru);
	KUNIT_EXPECT_TRUE(test, pintrack_state(page) & PINTRACK_WATCHED);
	KUNIT_EXPECT_EQ(test, *blocked, 1);

	pintrack_track_unpin(page);
	KUNIT_EXPECT_EQ(test, *released, 0);
	pintrack_track_unpin(page);
	KUNIT_EXPECT_EQ(test, *released, 1);
	KUNIT_EXPECT_FALSE(test, pintrack_state(page) & PINTRACK_WATCHED);

	/* Pinned and released again without a failure: nothing recorded. */
	pintrack_track_pin(page, 0);
	pintrack_track_unpin(page);
	KUNIT_EXPECT_EQ(test, *released, 1);
	folio_put(folio);
}

/*
 * What follows "age <s>s" in a pinned line: in stacks mode the pinner, this
 * KUnit thread (a kernel thread: its own pid); nothing otherwise.
 */
static void pintrack_expect_pinner(struct kunit *test, const char *rest)
{
	char want[64];

	if (pintrack_stat(test, "stacks"))
		snprintf(want, sizeof(want), " pid %d comm %s\n",
			 task_tgid_nr(current), current->comm);
	else
		strscpy(want, "\n", sizeof(want));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(rest, want, strlen(want)),
			      "'%s' does not start with '%s'", rest, want);
}

/* The failures file. */
static char *pintrack_failures(struct kunit *test)
{
	return pintrack_show(test, pintrack_failures_show);
}

/* Records of @out (the failures file) for @pfn whose line holds @need. */
static unsigned int pintrack_records_of(const char *out, unsigned long pfn,
					const char *need)
{
	char key[32];
	unsigned int n = 0;
	const char *line;

	snprintf(key, sizeof(key), ": pfn 0x%lx pins ", pfn);
	for (line = out; (line = strstr(line, key)); line++) {
		const char *bol = line, *eol = strchrnul(line, '\n');

		while (bol > out && bol[-1] != '\n')
			bol--;
		n += !need || strnstr(bol, need, eol - bol);
	}
	return n;
}

/*
 * Two pages that blocked a migration, released by one unpin call: both
 * records get their release, and the log line is made for each (a single
 * pending pfn per call once lost the first).
 */
static void pintrack_test_failures_release_two(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *pages[2] = { folio_page(folio, 1), folio_page(folio, 2) };
	unsigned long pfn0 = page_to_pfn(pages[0]);
	unsigned long pfn1 = page_to_pfn(pages[1]);
	long pinned = pintrack_stat(test, "migrate_failures_pinned");
	unsigned int old0, old1;
	int *released, *blocked;
	char *out;

	released = pintrack_count_named(test, "gup_pin_tracking_released");
	blocked = pintrack_count_named(test, "gup_pin_tracking_blocked");
	/* Earlier cases may have left released records of these pfns. */
	out = pintrack_failures(test);
	old0 = pintrack_records_of(out, pfn0, " unpinned after ");
	old1 = pintrack_records_of(out, pfn1, " unpinned after ");
	gup_pin_track_pages(pages, 2, FOLL_PIN);
	KUNIT_EXPECT_TRUE(test, pintrack_blocked(pages[0], 3,
						 MR_MEMORY_HOTPLUG, true));
	KUNIT_EXPECT_TRUE(test, pintrack_blocked(pages[1], 3,
						 MR_MEMORY_HOTPLUG, true));
	KUNIT_EXPECT_EQ(test, *blocked, 2);
	KUNIT_EXPECT_TRUE(test, pintrack_state(pages[0]) & PINTRACK_WATCHED);
	KUNIT_EXPECT_TRUE(test, pintrack_state(pages[1]) & PINTRACK_WATCHED);
	out = pintrack_failures(test);
	KUNIT_EXPECT_EQ_MSG(test, pintrack_records_of(out, pfn0, " refs 3"), 1,
			    "%s", out);
	KUNIT_EXPECT_EQ_MSG(test,
			    pintrack_records_of(out, pfn0, " unpinned after "),
			    old0, "%s", out);

	gup_unpin_track_pages(pages, 2);
	KUNIT_EXPECT_EQ(test, *released, 2);
	out = pintrack_failures(test);
	KUNIT_EXPECT_EQ_MSG(test,
			    pintrack_records_of(out, pfn0, " unpinned after "),
			    old0 + 1, "%s", out);
	KUNIT_EXPECT_EQ_MSG(test,
			    pintrack_records_of(out, pfn1, " unpinned after "),
			    old1 + 1, "%s", out);
	KUNIT_EXPECT_FALSE(test, pintrack_state(pages[0]) & PINTRACK_WATCHED);
	/* pintrack_blocked() is the record; the hooks count folios. */
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "migrate_failures_pinned"),
			pinned);
	folio_put(folio);
}

/*
 * A failure its caller keeps quiet (__GFP_NOWARN: CMA and gigantic-page
 * allocations) is recorded but not logged, and neither is its release.
 */
static void pintrack_test_failures_quiet(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *page = folio_page(folio, 1);
	unsigned long pfn = page_to_pfn(page);
	int *released, *blocked;
	unsigned int old;
	char *out;

	released = pintrack_count_named(test, "gup_pin_tracking_released");
	blocked = pintrack_count_named(test, "gup_pin_tracking_blocked");
	old = pintrack_records_of(pintrack_failures(test), pfn,
				  " unpinned after ");
	pintrack_track_pin(page, 0);
	KUNIT_EXPECT_TRUE(test, pintrack_blocked(page, 1,
						 MR_CONTIG_RANGE, false));
	KUNIT_EXPECT_TRUE(test, pintrack_state(page) & PINTRACK_WATCHED);
	pintrack_track_unpin(page);
	KUNIT_EXPECT_EQ(test, *blocked, 0);
	KUNIT_EXPECT_EQ(test, *released, 0);
	out = pintrack_failures(test);
	KUNIT_EXPECT_EQ_MSG(test,
			    pintrack_records_of(out, pfn, " unpinned after "),
			    old + 1, "%s", out);
	KUNIT_EXPECT_FALSE(test, pintrack_state(page) & PINTRACK_WATCHED);
	folio_put(folio);
}

/*
 * A large folio that could not be migrated: each of its pinned pages gets
 * a record, the first 16 of them, and the folio counts once.
 */
static void pintrack_test_failures_folio_pages(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	unsigned long pfn = folio_pfn(folio);
	long pinned = pintrack_stat(test, "migrate_failures_pinned");
	unsigned int old[20], i;
	LIST_HEAD(failed);
	char *out;

	pintrack_count_named(test, "gup_pin_tracking_released");
	out = pintrack_failures(test);
	for (i = 0; i < ARRAY_SIZE(old); i++) {
		old[i] = pintrack_records_of(out, pfn + 3 + i, NULL);
		pintrack_track_pin(folio_page(folio, 3 + i), 0);
	}
	list_add(&folio->lru, &failed);
	gup_pin_track_migrate_failed(&failed, MR_MEMORY_HOTPLUG, false);
	list_del(&folio->lru);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "migrate_failures_pinned"),
			pinned + 1);
	out = pintrack_failures(test);
	for (i = 0; i < ARRAY_SIZE(old); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    pintrack_records_of(out, pfn + 3 + i, NULL),
				    old[i] + (i < 16),
				    "page %u:\n%s", 3 + i, out);
	for (i = 0; i < ARRAY_SIZE(old); i++)
		pintrack_track_unpin(folio_page(folio, 3 + i));
	folio_put(folio);
}

/*
 * A page that keeps blocking has one record per pinning episode; a new
 * episode (after its last unpin) gets a new record whose age is its own.
 * A record's line is exactly the format of the contract.
 */
static void pintrack_test_failures_episodes(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *page = folio_page(folio, 1);
	unsigned long pfn = page_to_pfn(page);
	char want[96], *out, *rec;
	LIST_HEAD(failed);
	unsigned int old;

	pintrack_count_named(test, "gup_pin_tracking_released");
	old = pintrack_records_of(pintrack_failures(test), pfn, NULL);
	pintrack_track_pin(page, FOLL_LONGTERM);
	list_add(&folio->lru, &failed);
	gup_pin_track_migrate_failed(&failed, MR_LONGTERM_PIN, false);
	gup_pin_track_migrate_failed(&failed, MR_LONGTERM_PIN, false);
	list_del(&folio->lru);
	out = pintrack_failures(test);
	KUNIT_EXPECT_EQ_MSG(test, pintrack_records_of(out, pfn, NULL), old + 1,
			    "%s", out);
	snprintf(want, sizeof(want),
		 "s longterm pin: pfn 0x%lx pins 1 longterm age 0s refs %d",
		 pfn, folio_ref_count(folio));
	rec = strstr(out, want);
	KUNIT_ASSERT_NOT_NULL_MSG(test, rec, "no '%s' in\n%s", want, out);
	pintrack_expect_pinner(test, rec + strlen(want));

	pintrack_track_unpin(page);
	pintrack_track_pin(page, 0);
	pintrack_age(page, 7);
	KUNIT_EXPECT_TRUE(test, pintrack_blocked(page, 1,
						 MR_CONTIG_RANGE, false));
	out = pintrack_failures(test);
	KUNIT_EXPECT_EQ_MSG(test, pintrack_records_of(out, pfn, NULL), old + 2,
			    "%s", out);
	/* Newest first: the second episode, its own age. */
	snprintf(want, sizeof(want),
		 "s alloc_contig_range: pfn 0x%lx pins 1 age 7s refs 1", pfn);
	rec = strstr(out, want);
	KUNIT_ASSERT_NOT_NULL_MSG(test, rec, "no '%s' in\n%s", want, out);
	KUNIT_EXPECT_TRUE_MSG(test, rec < strstr(out, "longterm pin: "),
			      "%s", out);
	pintrack_track_unpin(page);
	folio_put(folio);
}

/*
 * alloc_contig_range() finds an anonymous pinned page only as a busy range:
 * every pinned page of the range is recorded, and every folio that holds a
 * pin counted once.
 */
static void pintrack_test_failures_range(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	unsigned long pfn = folio_pfn(folio), nr = folio_nr_pages(folio);
	long pinned = pintrack_stat(test, "migrate_failures_pinned");
	long other = pintrack_stat(test, "migrate_failures_other");
	unsigned int old3, old9;
	char *out;

	pintrack_count_named(test, "gup_pin_tracking_released");
	out = pintrack_failures(test);
	old3 = pintrack_records_of(out, pfn + 3, "alloc_contig_range: ");
	old9 = pintrack_records_of(out, pfn + 9, "alloc_contig_range: ");
	pintrack_track_pin(folio_page(folio, 3), 0);
	pintrack_track_pin(folio_page(folio, 9), 0);
	gup_pin_track_range_failed(pfn, pfn + nr, false);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "migrate_failures_pinned"),
			pinned + 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "migrate_failures_other"),
			other);
	out = pintrack_failures(test);
	KUNIT_EXPECT_EQ_MSG(test, pintrack_records_of(out, pfn + 3,
						      "alloc_contig_range: "),
			    old3 + 1, "%s", out);
	KUNIT_EXPECT_EQ_MSG(test, pintrack_records_of(out, pfn + 9,
						      "alloc_contig_range: "),
			    old9 + 1, "%s", out);
	pintrack_track_unpin(folio_page(folio, 3));
	pintrack_track_unpin(folio_page(folio, 9));
	/* A busy range is not a failed folio: nothing more is counted. */
	gup_pin_track_range_failed(pfn, pfn + nr, false);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "migrate_failures_pinned"),
			pinned + 1);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "migrate_failures_other"),
			other);
	folio_put(folio);
}

/* A watched page freed while pinned frees its record too. */
static void pintrack_test_failures_freed(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *page = folio_page(folio, 1);
	unsigned long pfn = page_to_pfn(page);
	unsigned int old;
	int *released;
	char *out;

	released = pintrack_count_named(test, "gup_pin_tracking_released");
	old = pintrack_records_of(pintrack_failures(test), pfn,
				  " unpinned after ");
	pintrack_track_pin(page, 0);
	KUNIT_EXPECT_TRUE(test, pintrack_blocked(page, 1,
						 MR_MEMORY_HOTPLUG, false));
	pintrack_expect_reports(test);
	folio_put(folio);
	pintrack_check_reports(test, 1);
	/* Not logged as a release, but no longer waiting for one. */
	KUNIT_EXPECT_EQ(test, *released, 0);
	out = pintrack_failures(test);
	KUNIT_EXPECT_EQ_MSG(test,
			    pintrack_records_of(out, pfn, " unpinned after "),
			    old + 1, "%s", out);
}

/*
 * More failures than records: the oldest are dropped and counted; two
 * threads recording at once lose nothing else.
 */
struct pintrack_writer {
	struct page *first;
	unsigned int nr;
	struct completion done;
};

static int pintrack_writer_fn(void *arg)
{
	struct pintrack_writer *w = arg;
	unsigned int i;

	for (i = 0; i < w->nr; i++)
		pintrack_blocked(nth_page(w->first, i), 1, MR_CONTIG_RANGE,
				 false);
	complete(&w->done);
	return 0;
}

/* The records of the failures file for the pages of @folio but the first. */
static unsigned int pintrack_folio_records(struct kunit *test,
					   struct folio *folio)
{
	char *out = pintrack_failures(test);
	unsigned int i, n = 0;

	for (i = 1; i < folio_nr_pages(folio); i++)
		n += pintrack_records_of(out, page_to_pfn(folio_page(folio, i)),
					 NULL);
	return n;
}

static void pintrack_test_failures_wrap(struct kunit *test)
{
	long dropped = pintrack_stat(test, "failures_dropped");
	struct pintrack_writer w[2];
	struct task_struct *k;
	struct folio *folio;
	unsigned int i, n, nr;
	char *out;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	/* 510 records from one folio: more than the 256 the ring keeps. */
	folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, 9);
	if (!folio)
		kunit_skip(test, "no order-9 folio (MAX_PAGE_ORDER %d)",
			   MAX_PAGE_ORDER);
	pintrack_count_named(test, "gup_pin_tracking_released");
	nr = folio_nr_pages(folio);
	for (i = 1; i < nr; i++)
		pintrack_track_pin(folio_page(folio, i), 0);
	/* The records there are now. */
	out = pintrack_failures(test);
	n = 0;
	for (i = 0; out[i]; i++)
		n += !strncmp(out + i, " refs ", 6);
	for (i = 0; i < 2; i++) {
		w[i].first = folio_page(folio, 1 + i * (nr / 2));
		w[i].nr = nr / 2 - 1;
		init_completion(&w[i].done);
		k = kthread_run(pintrack_writer_fn, &w[i],
				"pintrack_writer%u", i);
		if (IS_ERR(k))
			pintrack_writer_fn(&w[i]); /* write them here instead */
	}
	for (i = 0; i < 2; i++)
		wait_for_completion(&w[i].done);

	/* n old and nr - 2 new records in 256 slots. */
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "failures_dropped"),
			dropped + (long)(n + nr - 2) - 256);
	KUNIT_EXPECT_EQ(test, pintrack_folio_records(test, folio), 256);

	/*
	 * The same pages block again (a migration retried): each is in its
	 * pinning episode already, recorded or dropped, so nothing is
	 * recorded or dropped again.
	 */
	dropped = pintrack_stat(test, "failures_dropped");
	for (i = 0; i < 2; i++) {
		reinit_completion(&w[i].done);
		pintrack_writer_fn(&w[i]);
	}
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "failures_dropped"), dropped);
	KUNIT_EXPECT_EQ(test, pintrack_folio_records(test, folio), 256);
	for (i = 1; i < nr; i++)
		pintrack_track_unpin(folio_page(folio, i));
	folio_put(folio);
}

/* What the console saw while a test watched it. */
struct pintrack_console {
	struct task_struct *task;	/* lines printed by this task only */
	unsigned long pfn;		/* its bucket lock must be free */
	unsigned int lines;
	unsigned int released;		/* "was unpinned after" lines */
	unsigned int locked;		/* lines printed under its lock */
};

static void pintrack_console_probe(void *data, const char *text, size_t len)
{
	struct pintrack_console *c = data;

	if (current != c->task)
		return;
	c->lines++;
	c->released += !!strnstr(text, "was unpinned after", len);
	c->locked += raw_spin_is_locked(&pintrack_lock(c->pfn)->rlock);
}

/*
 * The release of a page that blocked a migration is logged after the
 * bucket lock, which the tracker takes with interrupts off, is dropped: a
 * probe on the console tracepoint sees each line printed and the lock
 * free. (Whether interrupts are on cannot be seen from there:
 * vprintk_store() turns them off around the tracepoint.)
 */
static void pintrack_test_release_log_unlocked(struct kunit *test)
{
	struct pintrack_console c = { .task = current };
	LIST_HEAD(failed);
	struct folio *folio;
	struct page *page;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	folio = folio_alloc(GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	page = &folio->page;
	c.pfn = page_to_pfn(page);
	pintrack_count_named(test, "gup_pin_tracking_blocked");
	/* A pin, with the references GUP would have taken. */
	folio_ref_add(folio, GUP_PIN_COUNTING_BIAS);
	pintrack_track_pin(page, 0);
	list_add(&folio->lru, &failed);
	gup_pin_track_migrate_failed(&failed, MR_MEMORY_HOTPLUG, true);
	list_del(&folio->lru);
	KUNIT_ASSERT_TRUE(test, pintrack_state(page) & PINTRACK_WATCHED);

	KUNIT_ASSERT_EQ(test, register_trace_console(pintrack_console_probe,
						     &c), 0);
	pintrack_track_unpin(page);
	unregister_trace_console(pintrack_console_probe, &c);
	tracepoint_synchronize_unregister();

	folio_put_refs(folio, GUP_PIN_COUNTING_BIAS);

	KUNIT_EXPECT_EQ(test, c.released, 1);
	KUNIT_EXPECT_EQ(test, c.locked, 0);
	KUNIT_EXPECT_FALSE(test, pintrack_state(page) & PINTRACK_WATCHED);
	folio_put(folio);
}

static unsigned int pintrack_released_calls;

/* A driver's release of its pins, through a GUP function that nests. */
static noinline void pintrack_release_helper(struct page **pages,
					     unsigned long npages)
{
	unpin_user_pages_dirty_lock(pages, npages, false);
	/* No tail call: this frame stays on the stack. */
	WRITE_ONCE(pintrack_released_calls, pintrack_released_calls + 1);
}

/*
 * unpin_user_pages_dirty_lock(..., false) calls unpin_user_pages(): the
 * releasing stack of a watched page starts at the caller of the outer
 * one, the helper, not inside GUP.
 */
static void pintrack_test_release_stack_nested(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	char want[64], *out, *by;

	if (!pintrack_stat(test, "stacks"))
		kunit_skip(test, "boot with gup_pin_tracking=stacks");
	pintrack_count_named(test, "gup_pin_tracking_released");
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	KUNIT_ASSERT_TRUE(test, pintrack_blocked(t->pages[0], 1,
						 MR_MEMORY_HOTPLUG, false));
	pintrack_release_helper(t->pages, 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(t->pages[0]), 0);

	out = pintrack_failures(test);
	snprintf(want, sizeof(want), ": pfn 0x%lx pins ",
		 page_to_pfn(t->pages[0]));
	out = strstr(out, want);
	KUNIT_ASSERT_NOT_NULL(test, out);
	by = strstr(out, "    unpinned by:\n");
	KUNIT_ASSERT_NOT_NULL_MSG(test, by, "%s", out);
	KUNIT_EXPECT_TRUE_MSG(test,
			      str_has_prefix(by + strlen("    unpinned by:\n"),
					     "        pintrack_release_helper"),
			      "%s", by);
}

/* === A report let through ================================================ */

/* A driver that unpins a page twice. */
static noinline void pintrack_bad_unpin(struct page *page)
{
	gup_unpin_track_pages(&page, 1);
	WRITE_ONCE(pintrack_released_calls, pintrack_released_calls + 1);
}

struct pintrack_report_seen {
	struct task_struct *task;
	char title[128];
	char line[128];
	unsigned int nr;
};

/* The title of the report and the line after the blank one. */
static void pintrack_report_probe(void *data, const char *text, size_t len)
{
	struct pintrack_report_seen *r = data;
	const char *nl = memchr(text, '\n', len);

	if (nl)
		len = nl - text;
	if (current != r->task || !len)
		return;
	r->nr++;
	if (strnstr(text, "BUG: ", len) == text)
		strscpy(r->title, text, min(len + 1, sizeof(r->title)));
	else if (r->title[0] && !r->line[0])
		strscpy(r->line, text, min(len + 1, sizeof(r->line)));
}

/*
 * Only with gup_pin_tracking_kunit.print_reports=1: the report goes to the
 * log, taints the kernel and, with panic_on_warn=1, panics it (the guest
 * boots of make check try both).
 */
static void pintrack_test_report(struct kunit *test)
{
	struct pintrack_report_seen r = { .task = current };
	char want[64];
	struct page *page;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	if (!print_reports)
		kunit_skip(test, "boot with gup_pin_tracking_kunit.print_reports=1");
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	/* A pin and its release, with the references GUP would take. */
	page_ref_add(page, GUP_PIN_COUNTING_BIAS);
	pintrack_track_pin(page, 0);
	pintrack_track_unpin(page);
	page_ref_sub(page, GUP_PIN_COUNTING_BIAS);
	KUNIT_ASSERT_EQ(test, register_trace_console(pintrack_report_probe,
						     &r), 0);
	pintrack_bad_unpin(page);
	unregister_trace_console(pintrack_report_probe, &r);
	tracepoint_synchronize_unregister();
	__free_page(page);

	KUNIT_EXPECT_STREQ(test, r.title,
			   "BUG: gup_pin_tracking: unpin of a page with no pin in pintrack_bad_unpin");
	snprintf(want, sizeof(want), "unpin of a page with no pin: pfn 0x%lx pins 0 ",
		 page_to_pfn(page));
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(r.line, want), "%s", r.line);
	KUNIT_EXPECT_TRUE(test, test_taint(TAINT_BAD_PAGE));
}

/*
 * A bad stale_secs (boot or debugfs) is refused and changes nothing: at
 * HZ=1000, 2^30 s once gave a scan period of 0 jiffies.
 */
static void pintrack_test_stale_secs_bounds(struct kunit *test)
{
	unsigned int old = READ_ONCE(pintrack_stale_secs);
	int ret;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	ret = kunit_add_action_or_reset(test, pintrack_restore_stale_secs,
					(void *)(uintptr_t)old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, pintrack_stale_secs_set(1073741824UL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pintrack_stale_secs), old);
	KUNIT_EXPECT_EQ(test, pintrack_stale_secs_set(ULONG_MAX),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pintrack_stale_secs_set(365UL * 86400),
			0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pintrack_stale_secs),
			365U * 86400);
	KUNIT_EXPECT_EQ(test, pintrack_stale_secs_set(0), 0);
}

/*
 * A pages array where the shared zero page directly follows another page
 * (s390 and MIPS place user pages there): the zero page is never counted.
 */
static void pintrack_test_zero_page_in_run(struct kunit *test)
{
	struct page *zero = ZERO_PAGE(0);
	struct page *pages[2] = { nth_page(zero, -1), zero };
	struct page_ext *page_ext;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	/* The two must be one run: the same chunk. */
	if (!(page_to_pfn(zero) & (PINTRACK_CHUNK_PAGES - 1)) ||
	    !pfn_valid(page_to_pfn(zero) - 1))
		kunit_skip(test, "the zero page starts a chunk");
	/* A reserved page is never freed or reallocated meanwhile. */
	if (!PageReserved(pages[0]) || PageCompound(pages[0]))
		kunit_skip(test,
			   "the page before the zero page is not reserved");
	page_ext = page_ext_get(pages[0]);
	if (!page_ext)
		kunit_skip(test, "no page_ext before the zero page");
	page_ext_put(page_ext);
	KUNIT_ASSERT_EQ(test, page_dma_pin_count(pages[0]), 0);
	/* A small folio: each tracked pin needs GUP_PIN_COUNTING_BIAS refs. */
	page_ref_add(pages[0], GUP_PIN_COUNTING_BIAS);
	gup_pin_track_pages(pages, 2, FOLL_PIN);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(pages[0]), 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(zero), 0);
	KUNIT_EXPECT_FALSE(test, page_dma_pinned(zero));
	gup_unpin_track_pages(pages, 2);
	page_ref_sub(pages[0], GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(pages[0]), 0);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(zero), 0);
}

/*
 * A run that starts after the zero page, deep in an array: the zero page
 * lies behind it, not ahead (its distance must not wrap around).
 */
static void pintrack_test_run_after_zero_page(struct kunit *test)
{
	struct page *zero = ZERO_PAGE(0);
	struct page *before = nth_page(zero, -1), *after = nth_page(zero, 1);
	struct page *pages[3] = { before, before, after };
	unsigned long pfn = page_to_pfn(zero);
	struct page_ext *page_ext;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	if (!((pfn - 1) & (PINTRACK_CHUNK_PAGES - 1)) ||
	    !((pfn + 1) & (PINTRACK_CHUNK_PAGES - 1)) ||
	    !pfn_valid(pfn - 1) || !pfn_valid(pfn + 1))
		kunit_skip(test, "the zero page is at the edge of a chunk");
	if (!PageReserved(before) || PageCompound(before) ||
	    !PageReserved(after) || PageCompound(after))
		kunit_skip(test, "pages around the zero page not reserved");
	page_ext = page_ext_get(after);
	if (!page_ext)
		kunit_skip(test, "no page_ext after the zero page");
	page_ext_put(page_ext);
	KUNIT_ASSERT_EQ(test, page_dma_pin_count(before), 0);
	KUNIT_ASSERT_EQ(test, page_dma_pin_count(after), 0);
	page_ref_add(before, 2 * GUP_PIN_COUNTING_BIAS);
	page_ref_add(after, GUP_PIN_COUNTING_BIAS);
	gup_pin_track_pages(pages, ARRAY_SIZE(pages), FOLL_PIN);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(before), 2);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(after), 1);
	gup_unpin_track_pages(pages, ARRAY_SIZE(pages));
	page_ref_sub(before, 2 * GUP_PIN_COUNTING_BIAS);
	page_ref_sub(after, GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(before), 0);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(after), 0);
}

/* === Tracepoints ======================================================== */

#ifdef CONFIG_TRACEPOINTS
#define PINTRACK_EVENTS_MAX		8

struct pintrack_events {
	unsigned int nr;
	struct {
		char kind;	/* 'p'in, 'u'npin, 'm'isuse */
		unsigned long pfn;
		unsigned int count;
		bool longterm;
		unsigned long ip;
		enum gup_pin_misuse what;
	} ev[PINTRACK_EVENTS_MAX];
};

static void pintrack_probe_page(struct pintrack_events *e, char kind,
				unsigned long pfn, unsigned int count,
				bool longterm, unsigned long ip)
{
	if (e->nr >= PINTRACK_EVENTS_MAX)
		return;
	e->ev[e->nr].kind = kind;
	e->ev[e->nr].pfn = pfn;
	e->ev[e->nr].count = count;
	e->ev[e->nr].longterm = longterm;
	e->ev[e->nr].ip = ip;
	e->nr++;
}

static void pintrack_probe_pin(void *data, unsigned long pfn,
			       unsigned int count, bool longterm,
			       unsigned long ip)
{
	pintrack_probe_page(data, 'p', pfn, count, longterm, ip);
}

static void pintrack_probe_unpin(void *data, unsigned long pfn,
				 unsigned int count, bool longterm,
				 unsigned long ip)
{
	pintrack_probe_page(data, 'u', pfn, count, longterm, ip);
}

static void pintrack_probe_misuse(void *data, unsigned long pfn,
				  enum gup_pin_misuse what)
{
	struct pintrack_events *e = data;

	if (e->nr >= PINTRACK_EVENTS_MAX)
		return;
	e->ev[e->nr].kind = 'm';
	e->ev[e->nr].pfn = pfn;
	e->ev[e->nr].what = what;
	e->nr++;
}

static void pintrack_unregister_misuse(void *data)
{
	unregister_trace_mm_gup_pin_misuse(pintrack_probe_misuse, data);
	tracepoint_synchronize_unregister();
}

static void pintrack_unregister_probes(void *data)
{
	unregister_trace_mm_gup_pin(pintrack_probe_pin, data);
	unregister_trace_mm_gup_unpin(pintrack_probe_unpin, data);
	unregister_trace_mm_gup_pin_misuse(pintrack_probe_misuse, data);
	tracepoint_synchronize_unregister();
}

/*
 * The pin, unpin and misuse events carry the page, the count after the
 * change and the long-term flag: exactly one event per page and change.
 */
static void pintrack_test_events(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 2,
						 PROT_READ | PROT_WRITE);
	struct pintrack_events *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	unsigned long pfn0, pfn1;
	int i, ret;

	KUNIT_ASSERT_NOT_NULL(test, e);
	ret = register_trace_mm_gup_pin(pintrack_probe_pin, e);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = register_trace_mm_gup_unpin(pintrack_probe_unpin, e);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = register_trace_mm_gup_pin_misuse(pintrack_probe_misuse, e);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, pintrack_unregister_probes, e);
	KUNIT_ASSERT_EQ(test, ret, 0);

	pintrack_pin_fast(test, 2, FOLL_WRITE | FOLL_LONGTERM);
	pfn0 = page_to_pfn(t->pages[0]);
	pfn1 = page_to_pfn(t->pages[1]);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	/* One page, then an array: each takes its own path with events on. */
	unpin_user_page(t->pages[0]);
	unpin_user_pages(t->pages, 2);
	pintrack_expect_reports(test);
	gup_unpin_track_pages(&t->pages[1], 1);
	pintrack_check_reports(test, 1);

	KUNIT_ASSERT_EQ(test, e->nr, 7);
	KUNIT_EXPECT_EQ(test, e->ev[0].kind, 'p');
	KUNIT_EXPECT_EQ(test, e->ev[0].pfn, pfn0);
	KUNIT_EXPECT_EQ(test, e->ev[0].count, 1);
	KUNIT_EXPECT_TRUE(test, e->ev[0].longterm);
	KUNIT_EXPECT_EQ(test, e->ev[1].kind, 'p');
	KUNIT_EXPECT_EQ(test, e->ev[1].pfn, pfn1);
	KUNIT_EXPECT_EQ(test, e->ev[2].kind, 'p');
	KUNIT_EXPECT_EQ(test, e->ev[2].pfn, pfn0);
	KUNIT_EXPECT_EQ(test, e->ev[2].count, 2);
	KUNIT_EXPECT_EQ(test, e->ev[3].kind, 'u');
	KUNIT_EXPECT_EQ(test, e->ev[3].count, 1);
	KUNIT_EXPECT_EQ(test, e->ev[4].kind, 'u');
	KUNIT_EXPECT_EQ(test, e->ev[4].pfn, pfn0);
	KUNIT_EXPECT_EQ(test, e->ev[4].count, 0);
	KUNIT_EXPECT_EQ(test, e->ev[5].kind, 'u');
	KUNIT_EXPECT_EQ(test, e->ev[5].pfn, pfn1);
	KUNIT_EXPECT_EQ(test, e->ev[5].count, 0);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_NE(test, e->ev[i].ip, 0);
	/* The double unpin: a misuse event, and no unpin event. */
	KUNIT_EXPECT_EQ(test, e->ev[6].kind, 'm');
	KUNIT_EXPECT_EQ(test, e->ev[6].pfn, pfn1);
}

/* A provoked misuse appears as a misuse event. */
static void pintrack_test_misuse_event(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 1,
						 PROT_READ | PROT_WRITE);
	struct pintrack_events *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, e);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	unpin_user_page(t->pages[0]);
	ret = register_trace_mm_gup_pin_misuse(pintrack_probe_misuse, e);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, pintrack_unregister_misuse, e);
	KUNIT_ASSERT_EQ(test, ret, 0);
	pintrack_expect_reports(test);
	gup_unpin_track_pages(t->pages, 1);
	pintrack_check_reports(test, 1);
	KUNIT_ASSERT_EQ(test, e->nr, 1);
	KUNIT_EXPECT_EQ(test, e->ev[0].kind, 'm');
	KUNIT_EXPECT_EQ(test, e->ev[0].pfn, page_to_pfn(t->pages[0]));
	KUNIT_EXPECT_EQ(test, e->ev[0].what, GUP_PIN_MISUSE_NO_PIN);
	KUNIT_EXPECT_STREQ(test, pintrack_misuse_names[e->ev[0].what],
			   "unpin of a page with no pin");
}
#else
static void pintrack_test_events(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_TRACEPOINTS");
}

static void pintrack_test_misuse_event(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_TRACEPOINTS");
}
#endif

/* === debugfs ============================================================ */

static void pintrack_test_stats(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 3,
						 PROT_READ | PROT_WRITE);
	long pinned = pintrack_stat(test, "pinned_pages");

	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "enabled"), 1);
	KUNIT_EXPECT_GE(test, pintrack_stat(test, "lock_buckets"), 16);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned);
	pintrack_pin_fast(test, 3, FOLL_WRITE);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned + 3);
	pintrack_pin_fast(test, 3, FOLL_WRITE);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned + 3);
	unpin_user_pages(t->pages, 3);
	unpin_user_pages(t->pages, 3);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), pinned);
}

/*
 * The gauges are sums of per-CPU parts read one after the other: a pin
 * counted on a CPU already read and its unpin on one not yet read make
 * the sum negative for a moment. stats never shows that: here one CPU's
 * parts are pushed below what all of them hold.
 */
static void pintrack_test_stats_never_negative(struct kunit *test)
{
	static const enum pintrack_counter gauges[] = {
		PINTRACK_PINNED_PAGES, PINTRACK_PINS, PINTRACK_LONGTERM_PAGES,
	};
	long held[ARRAY_SIZE(gauges)];
	unsigned int i;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	for (i = 0; i < ARRAY_SIZE(gauges); i++) {
		held[i] = pintrack_counter_read(gauges[i]);
		pintrack_counter_add(gauges[i], -(held[i] + 5));
	}
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pinned_pages"), 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "pins"), 0);
	KUNIT_EXPECT_EQ(test, pintrack_stat(test, "longterm_pinned_pages"), 0);
	for (i = 0; i < ARRAY_SIZE(gauges); i++)
		pintrack_counter_add(gauges[i], held[i] + 5);
	for (i = 0; i < ARRAY_SIZE(gauges); i++)
		KUNIT_EXPECT_EQ(test, pintrack_counter_read(gauges[i]),
				held[i]);
}

static void pintrack_test_verify_clean(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, PINTRACK_TEST_PAGES,
						 PROT_READ | PROT_WRITE);
	char *out;

	pintrack_pin_fast(test, PINTRACK_TEST_PAGES, FOLL_WRITE);
	out = pintrack_show(test, pintrack_verify_show);
	KUNIT_EXPECT_NOT_NULL(test, strstr(out, " mismatches 0\n"));
	KUNIT_EXPECT_PTR_EQ(test, strstr(out, "checked "), out);
	unpin_user_pages(t->pages, PINTRACK_TEST_PAGES);
}

static void pintrack_test_verify_mismatch(struct kunit *test)
{
	char pfn[32], *out;
	struct page *page;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	/* A tracked pin with no pin references behind it. */
	gup_pin_track_pages(&page, 1, FOLL_PIN);
	out = pintrack_show(test, pintrack_verify_show);
	snprintf(pfn, sizeof(pfn), "pfn 0x%lx:", page_to_pfn(page));
	KUNIT_EXPECT_NOT_NULL(test, strstr(out, pfn));
	KUNIT_EXPECT_NOT_NULL(test, strstr(out, " mismatches 1\n"));

	pintrack_expect_reports(test);
	gup_unpin_track_pages(&page, 1);
	pintrack_check_reports(test, 1);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(page), 0);
	__free_page(page);
	out = pintrack_show(test, pintrack_verify_show);
	KUNIT_EXPECT_NOT_NULL(test, strstr(out, " mismatches 0\n"));
}

/*
 * Persistent mismatches are looked at again together: 8 of them cost one
 * round of re-checks (about 2.5 s), not one each (20 s).
 */
static void pintrack_test_verify_batch(struct kunit *test)
{
	struct page *pages[8];
	unsigned long start;
	unsigned int i;
	char *out;

	if (!gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=on");
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		/* A tracked pin with no pin references behind it. */
		gup_pin_track_pages(&pages[i], 1, FOLL_PIN);
	}
	start = jiffies;
	out = pintrack_show(test, pintrack_verify_show);
	KUNIT_EXPECT_LT_MSG(test, jiffies - start, 5UL * HZ,
			    "verify took %u ms", jiffies_to_msecs(jiffies - start));
	KUNIT_EXPECT_NOT_NULL(test, strstr(out, " mismatches 8\n"));

	pintrack_expect_reports(test);
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		gup_unpin_track_pages(&pages[i], 1);
		__free_page(pages[i]);
	}
	pintrack_check_reports(test, 8);
}

/*
 * A large folio whose _pincount is above its tracked pins is a mismatch,
 * unless a pin call in flight names one of its pages: GUP's slow paths
 * may sleep between taking a pin and handing it to the tracker.
 */
static void pintrack_test_verify_in_flight(struct kunit *test)
{
	struct folio *folio = pintrack_large_folio(test);
	struct page *pages[2] = { NULL, folio_page(folio, 3) };
	struct gup_pin_track_call call;
	char *out;

	/* A pin upstream took and the tracker has not counted yet. */
	atomic_inc(&folio->_pincount);
	out = pintrack_show(test, pintrack_verify_show);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out, " mismatches 1\n"), "%s",
				  out);

	gup_pin_track_begin(&call, pages, ARRAY_SIZE(pages), FOLL_PIN);
	out = pintrack_show(test, pintrack_verify_show);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out, " mismatches 0\n"), "%s",
				  out);
	gup_pin_track_end(&call);

	/* A call in flight on another folio does not hide it. */
	pages[1] = NULL;
	gup_pin_track_begin(&call, pages, ARRAY_SIZE(pages), FOLL_PIN);
	out = pintrack_show(test, pintrack_verify_show);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out, " mismatches 1\n"), "%s",
				  out);
	gup_pin_track_end(&call);
	atomic_dec(&folio->_pincount);
	folio_put(folio);
}

static void pintrack_test_pinned_entry(struct kunit *test)
{
	struct pintrack_test *t = pintrack_setup(test, 2,
						 PROT_READ | PROT_WRITE);
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	char want[64];

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = PINTRACK_SHOW_SIZE;
	m->buf = kunit_kzalloc(test, m->size + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);

	/*
	 * The long-term pin first: it migrates pages out of ZONE_MOVABLE
	 * (movablecore=), which a short-term pin held on them would block.
	 */
	pintrack_pin_fast(test, 2, FOLL_WRITE | FOLL_LONGTERM);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	KUNIT_ASSERT_TRUE(test, pintrack_show_page(m, t->pages[0]));
	m->buf[m->count] = '\0';
	snprintf(want, sizeof(want), "pfn 0x%lx pins 2 longterm age 0s",
		 page_to_pfn(t->pages[0]));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(m->buf, want, strlen(want)),
			      "%s", m->buf);
	pintrack_expect_pinner(test, m->buf + strlen(want));

	m->count = 0;
	KUNIT_ASSERT_TRUE(test, pintrack_show_page(m, t->pages[1]));
	m->buf[m->count] = '\0';
	snprintf(want, sizeof(want), "pfn 0x%lx pins 1 longterm age 0s",
		 page_to_pfn(t->pages[1]));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(m->buf, want, strlen(want)),
			      "%s", m->buf);
	pintrack_expect_pinner(test, m->buf + strlen(want));
	/* In stacks mode the pinner's stack follows, from GUP's caller. */
	if (pintrack_stat(test, "stacks")) {
		KUNIT_EXPECT_NOT_NULL_MSG(test,
					  strstr(m->buf, "\n        pintrack_"),
					  "%s", m->buf);
		KUNIT_EXPECT_NULL_MSG(test, strstr(m->buf, "pin_user_pages"),
				      "%s", m->buf);
	}

	unpin_user_pages(t->pages, 2);
	unpin_user_page(t->pages[0]);
	m->count = 0;
	KUNIT_EXPECT_FALSE(test, pintrack_show_page(m, t->pages[0]));
	KUNIT_EXPECT_FALSE(test, pintrack_show_page(m, t->pages[1]));
	KUNIT_EXPECT_EQ(test, m->count, 0);
}

/* === Tracking off ======================================================= */

static void pintrack_test_off_fallback(struct kunit *test)
{
	struct pintrack_test *t = test->priv;

	if (gup_pin_tracking_enabled())
		kunit_skip(test, "boot with gup_pin_tracking=off");
	t->addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
				PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, t->addr, 0);
	pintrack_pin_fast(test, 1, FOLL_WRITE);
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(t->pages[0]), 0);
	KUNIT_EXPECT_TRUE(test, page_dma_pinned(t->pages[0]));
	KUNIT_EXPECT_EQ(test, page_dma_pinned(t->pages[0]),
			folio_maybe_dma_pinned(page_folio(t->pages[0])));
	unpin_user_page(t->pages[0]);
	KUNIT_EXPECT_FALSE(test, page_dma_pinned(t->pages[0]));
	KUNIT_EXPECT_EQ(test, page_dma_pin_count(t->pages[0]), 0);
}

static struct kunit_case pintrack_test_cases[] = {
	KUNIT_CASE(pintrack_test_single_pin),
	KUNIT_CASE(pintrack_test_batch_fast),
	KUNIT_CASE(pintrack_test_batch_slow),
	KUNIT_CASE(pintrack_test_same_page_twice),
	KUNIT_CASE(pintrack_test_unpin_dirty_lock),
	KUNIT_CASE(pintrack_test_unpin_range_dirty_lock),
	KUNIT_CASE(pintrack_test_longterm),
	KUNIT_CASE(pintrack_test_longterm_meaning),
	KUNIT_CASE(pintrack_test_foll_get_not_counted),
	KUNIT_CASE(pintrack_test_partial_pin),
	KUNIT_CASE(pintrack_test_failed_pin),
	KUNIT_CASE(pintrack_test_concurrent),
	KUNIT_CASE(pintrack_test_double_unpin),
	KUNIT_CASE(pintrack_test_unpin_folio_unpinned),
	KUNIT_CASE(pintrack_test_put_page_instead_of_unpin),
	KUNIT_CASE(pintrack_test_free_while_pinned),
	KUNIT_CASE(pintrack_test_large_double_unpin),
	KUNIT_CASE(pintrack_test_large_two_buffers),
	KUNIT_CASE(pintrack_test_large_folio_release),
	KUNIT_CASE(pintrack_test_large_free_while_pinned),
	KUNIT_CASE(pintrack_test_thp_user),
	KUNIT_CASE(pintrack_test_walk_mixed),
	KUNIT_CASE(pintrack_test_hugetlb_free_while_pinned),
	KUNIT_CASE(pintrack_test_page_ext_layout),
	KUNIT_CASE(pintrack_test_age),
	KUNIT_CASE(pintrack_test_pinners),
	KUNIT_CASE(pintrack_test_stack_two_sites),
	KUNIT_CASE(pintrack_test_stack_two_depths),
	KUNIT_CASE(pintrack_test_stack_outer_changed),
	KUNIT_CASE(pintrack_test_stack_realigned),
	KUNIT_CASE(pintrack_test_stack_drap),
	KUNIT_CASE(pintrack_test_stale),
	KUNIT_CASE(pintrack_test_stale_secs_bounds),
	KUNIT_CASE(pintrack_test_age_months),
	KUNIT_CASE(pintrack_test_zero_page_in_run),
	KUNIT_CASE(pintrack_test_run_after_zero_page),
	KUNIT_CASE(pintrack_test_failures_release_two),
	KUNIT_CASE(pintrack_test_failures_quiet),
	KUNIT_CASE(pintrack_test_failures_folio_pages),
	KUNIT_CASE(pintrack_test_failures_episodes),
	KUNIT_CASE(pintrack_test_failures_freed),
	KUNIT_CASE(pintrack_test_failures_range),
	KUNIT_CASE(pintrack_test_failures_wrap),
	KUNIT_CASE(pintrack_test_release_log_unlocked),
	KUNIT_CASE(pintrack_test_release_stack_nested),
	KUNIT_CASE(pintrack_test_report),
	KUNIT_CASE(pintrack_test_migrate_release),
	KUNIT_CASE(pintrack_test_events),
	KUNIT_CASE(pintrack_test_misuse_event),
	KUNIT_CASE(pintrack_test_stats),
	KUNIT_CASE(pintrack_test_stats_never_negative),
	KUNIT_CASE(pintrack_test_verify_clean),
	KUNIT_CASE(pintrack_test_verify_mismatch),
	KUNIT_CASE(pintrack_test_verify_batch),
	KUNIT_CASE(pintrack_test_verify_in_flight),
	KUNIT_CASE(pintrack_test_pinned_entry),
	KUNIT_CASE(pintrack_test_off_fallback),
	{}
};

static struct kunit_suite pintrack_test_suite = {
	.name = "gup_pin_tracking",
	.init = pintrack_test_init,
	.test_cases = pintrack_test_cases,
};

kunit_test_suite(pintrack_test_suite);

MODULE_DESCRIPTION("KUnit tests for GUP pin tracking");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
