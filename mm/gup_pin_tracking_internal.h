/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GUP pin tracking: what the files of the tracker and its KUnit tests
 * share. Not an interface: the interface is include/linux/gup_pin_tracking.h.
 *
 *   gup_pin_tracking.c          the core: switch, locks, counters, walker,
 *                               hooks, free check, queries
 *   gup_pin_tracking_report.c   printing: a page's line, stacks, misuse
 *   gup_pin_tracking_stack.c    stacks mode: the pinner and its stack
 *   gup_pin_tracking_debugfs.c  the views: stats, pinned, pinners,
 *                               processes, verify
 *   gup_pin_tracking_failures.c the pinned pages that blocked a migration
 *   gup_pin_tracking_stale.c    short-term pins held too long
 *
 * The core calls a feature only through the hooks declared at the end of
 * this file; the other files call the core and the printer.
 */
#ifndef __MM_GUP_PIN_TRACKING_INTERNAL_H
#define __MM_GUP_PIN_TRACKING_INTERNAL_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/gup_pin_tracking.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mmzone.h>
#include <linux/page_ext.h>
#include <linux/stddef.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/threads.h>
#include <linux/spinlock.h>
#include <linux/string.h>

struct dentry;
struct seq_file;

/* === The state of a page ================================================== */

/*
 * The state word of a base page: the pin count and five flags. All but
 * PINTRACK_REPORTED clear when the count drops to zero, which ends a pinning
 * episode. It is only written under the page's bucket lock; readers that
 * only look (the query API, dump_page(), debugfs) read it with READ_ONCE().
 */
#define PINTRACK_COUNT_BITS	27	/* plain numbers, which the gdb */
#define PINTRACK_LONGTERM_SHIFT	28	/* scripts read (constants.py.in) */
#define PINTRACK_COUNT_MASK	GENMASK(PINTRACK_COUNT_BITS - 1, 0)
/* It blocked a migration: record its release. */
#define PINTRACK_WATCHED	BIT(27)
/*
 * A FOLL_LONGTERM pin was taken since the page was last unpinned
 * completely. An unpin does not say which kind of pin it drops, so a page
 * whose long-term pin went while a short-term one stays keeps the flag
 * until that one goes too.
 */
#define PINTRACK_LONGTERM	BIT(PINTRACK_LONGTERM_SHIFT)
/* Set exactly when the count is non-zero. */
#define PINTRACK_DMA_PINNED	BIT(29)
/* Misuse already reported for this page. */
#define PINTRACK_REPORTED	BIT(30)
/* Reported as a stale short-term pin. */
#define PINTRACK_STALE		BIT(31)

/* The pin count in a state word. */
static inline unsigned int pintrack_pins(u32 state)
{
	return state & PINTRACK_COUNT_MASK;
}

/*
 * The page_ext entry of a page. "on" keeps the first two words (8 bytes),
 * "stacks" all four (16 bytes): entries stay 8-byte aligned, so the u64 and
 * pointer fields of the page_ext clients laid out after this one (page_owner,
 * memory allocation profiling) stay aligned too.
 */
struct pintrack_page {
	u32 state;
	u32 pinned_at;			/* pintrack_now() of the last pin */
	depot_stack_handle_t stack;	/* stacks: the last pinner's stack */
	u32 tgid;			/* stacks: the last pinner, see below */
};

/*
 * In stacks mode the tgid word holds the pinner's thread group id (pids fit
 * in 22 bits) and, above it, a tag of the thread group's start time, so that
 * a process that reuses the number after the pinner exited is not named as
 * the pinner (pintrack_comm()).
 */
#define PINTRACK_TGID_BITS		22
#define PINTRACK_TGID_MASK		GENMASK(PINTRACK_TGID_BITS - 1, 0)
#define PINTRACK_BIRTH_BITS		(32 - PINTRACK_TGID_BITS)
static_assert(BIT(PINTRACK_TGID_BITS) >= PID_MAX_LIMIT);

/* The pinner's thread group id in a tgid word. */
static inline u32 pintrack_tgid(u32 tgid)
{
	return tgid & PINTRACK_TGID_MASK;
}

/* The tag of @task's thread group start time (see struct pintrack_page). */
static inline u32 pintrack_birth(struct task_struct *task)
{
	return hash_64(task->group_leader->start_time, PINTRACK_BIRTH_BITS);
}

/* Is the tracker in stacks mode? (gup_pin_tracking_stack.c) */
DECLARE_STATIC_KEY_FALSE(pintrack_stacks_key);

static __always_inline bool pintrack_stacks(void)
{
	return static_branch_unlikely(&pintrack_stacks_key);
}

#define PINTRACK_PAGE_SIZE_ON		offsetof(struct pintrack_page, stack)
#define PINTRACK_PAGE_SIZE_STACKS	sizeof(struct pintrack_page)
static_assert(PINTRACK_PAGE_SIZE_ON == 8 && PINTRACK_PAGE_SIZE_STACKS == 16);

static inline struct pintrack_page *pintrack_page(struct page_ext *page_ext)
{
	return page_ext_data(page_ext, &gup_pin_tracking_ops);
}

/* === Chunks and bucket locks ============================================== */

/*
 * Pages are locked and walked in naturally aligned chunks of
 * 2^PINTRACK_CHUNK_ORDER pages (2 MiB with 4 KiB pages). A chunk never
 * crosses a memory section, so the entries of its pages follow each other
 * (page_ext_next()): one page_ext_lookup() serves a run of them.
 */
#ifdef CONFIG_SPARSEMEM
#define PINTRACK_CHUNK_ORDER	min(9, PFN_SECTION_SHIFT)
#else
#define PINTRACK_CHUNK_ORDER	9
#endif
#define PINTRACK_CHUNK_PAGES	BIT(PINTRACK_CHUNK_ORDER)

/* Number of pages from @pfn up to the end of its chunk, at most @nr. */
static inline unsigned long pintrack_chunk_len(unsigned long pfn,
					       unsigned long nr)
{
	return min(nr, PINTRACK_CHUNK_PAGES -
		   (pfn & (PINTRACK_CHUNK_PAGES - 1)));
}

/*
 * Number of pages from @pfn, at most @nr, that pfn_to_online_page(@pfn)
 * speaks for: to the end of its chunk and of its subsection. A chunk may
 * span several subsections (32 MiB chunks of 2 MiB subsections with 64 KiB
 * pages), and a ZONE_DEVICE subsection may lie beside online memory.
 */
static inline unsigned long pintrack_scan_len(unsigned long pfn,
					      unsigned long nr)
{
#ifdef CONFIG_SPARSEMEM
	nr = min(nr, PAGES_PER_SUBSECTION - (pfn & (PAGES_PER_SUBSECTION - 1)));
#endif
	return pintrack_chunk_len(pfn, nr);
}

/*
 * The entry of @pfn, NULL if it has no page_ext. The caller is in an RCU
 * read-side section: mm/page_ext.c frees a section's page_ext only after
 * synchronize_rcu().
 */
static __always_inline struct pintrack_page *pintrack_lookup(unsigned long pfn)
{
	struct page_ext *page_ext = page_ext_lookup(pfn);

	return page_ext ? pintrack_page(page_ext) : NULL;
}

/*
 * The entry of the page @n pages after the one of @gp, which must lie in
 * the same chunk: page_ext_next() @n times. With FLATMEM, which page_ext
 * keeps in one array per node, that holds because FLATMEM has one node.
 */
static_assert(!IS_ENABLED(CONFIG_FLATMEM) || !IS_ENABLED(CONFIG_NUMA));
static __always_inline struct pintrack_page *
pintrack_skip(struct pintrack_page *gp, long n)
{
	return (void *)gp + n * (long)page_ext_size;
}

/*
 * A bucket lock protects the page_ext state of its chunks (see
 * gup_pin_tracking.c). Each has a cache line of its own, as the futex hash
 * buckets do: CPUs pinning in different buckets never share a line.
 */
struct pintrack_bucket {
	spinlock_t lock;	/* protects the entries of its chunks */
} ____cacheline_aligned_in_smp;

extern struct pintrack_bucket *pintrack_buckets;
extern unsigned int pintrack_lock_bits;
extern unsigned int pintrack_lock_shift;	/* 64 - pintrack_lock_bits */

/* The bucket lock of @pfn: hash_64() of its chunk, the shift computed once. */
static __always_inline spinlock_t *pintrack_lock(unsigned long pfn)
{
	u64 chunk = pfn >> PINTRACK_CHUNK_ORDER;
	u64 bucket = chunk * GOLDEN_RATIO_64 >> pintrack_lock_shift;

	return &pintrack_buckets[bucket].lock;
}

/* === Counters ============================================================= */

enum pintrack_counter {
	/* Gauges: what is pinned now. */
	PINTRACK_PINNED_PAGES,
	PINTRACK_PINS,
	PINTRACK_LONGTERM_PAGES,
	/* Events since boot. */
	PINTRACK_PINS_TOTAL,
	PINTRACK_UNPINS_TOTAL,
	PINTRACK_ERRORS,
	PINTRACK_STALE_REPORTS,
	PINTRACK_MIGRATE_PINNED,
	PINTRACK_MIGRATE_OTHER,
	PINTRACK_FAILURES_DROPPED,
	PINTRACK_STACK_UNWINDS,
	PINTRACK_STACK_CACHE_HITS,
	PINTRACK_NR_COUNTERS,
};

extern const char *const pintrack_counter_names[PINTRACK_NR_COUNTERS];

long pintrack_counter_read(enum pintrack_counter idx);
void pintrack_counter_add(enum pintrack_counter idx, long n);

/* === Reading entries ====================================================== */

/* What a reader sees of a page's entry. */
struct pintrack_snap {
	u32 state;
	u32 pinned_at;
	depot_stack_handle_t stack;	/* 0 unless in stacks mode */
	u32 tgid;			/* 0 unless in stacks mode */
};

/* Read the entry @gp of a page without its lock. */
static inline void pintrack_read(const struct pintrack_page *gp,
				 struct pintrack_snap *snap)
{
	snap->state = READ_ONCE(gp->state);
	snap->pinned_at = READ_ONCE(gp->pinned_at);
	snap->stack = 0;
	snap->tgid = 0;
	if (pintrack_stacks()) {
		snap->stack = READ_ONCE(gp->stack);
		snap->tgid = READ_ONCE(gp->tgid);
	}
}

/* The entry of @page; false (and all zero) if it has no page_ext. */
static inline bool pintrack_snapshot(const struct page *page,
				     struct pintrack_snap *snap)
{
	struct page_ext *page_ext = page_ext_get(page);

	if (!page_ext) {
		memset(snap, 0, sizeof(*snap));
		return false;
	}
	pintrack_read(pintrack_page(page_ext), snap);
	page_ext_put(page_ext);
	return true;
}

/* The state word of @page, 0 if it has no page_ext. */
static inline u32 pintrack_state(const struct page *page)
{
	struct pintrack_snap snap;

	pintrack_snapshot(page, &snap);
	return snap.state;
}

bool pintrack_longterm(const struct page *page);
unsigned long pintrack_max_pfn(void);
unsigned long pintrack_find_pinned(unsigned long pfn, unsigned long end,
				   struct pintrack_snap *snap);
bool pintrack_pin_in_flight(const struct folio *folio);
bool pintrack_show_page(struct seq_file *m, struct page *page);

/* === Time ================================================================= */

/*
 * The tracker's clock: whole seconds since boot, from jiffies. A u32 of
 * seconds wraps after 136 years, so ages stay true however long a pin is
 * held (a u32 of jiffies wrapped after 49.7 days at HZ=1000).
 */
static __always_inline u32 pintrack_now(void)
{
	return div_u64(get_jiffies_64() - INITIAL_JIFFIES, HZ);
}

/*
 * Whole seconds from @then (a pintrack_now()) to @now; 0 if @then is later (a
 * pin taken after a scan or report read the clock).
 */
static inline unsigned long pintrack_secs(u32 then, u32 now)
{
	s32 secs = now - then;

	return secs > 0 ? secs : 0;
}

/* Whole seconds since a pin taken at @pinned_at. */
static inline unsigned long pintrack_age_secs(u32 pinned_at)
{
	return pintrack_secs(pinned_at, pintrack_now());
}

/* === What a hook call leaves for after its locks ========================== */

/*
 * What the slow paths of a hook call found under a bucket lock, printed
 * once the locks are dropped; the hot paths only clear and test @pending.
 */
#define PINTRACK_OUT_ERRORS	BIT(0)	/* @errors is set */
#define PINTRACK_OUT_REPORT	BIT(1)	/* @what, @pfn, @snap: report them */
#define PINTRACK_OUT_RELEASED	BIT(2)	/* watched pages were let go */

struct pintrack_out {
	unsigned int pending;
	int errors;			/* misuse seen */
	enum gup_pin_misuse what;	/* the first one worth a report */
	unsigned long pfn;
	struct pintrack_snap snap;	/* its entry before the misuse */
};

/* === The printer (gup_pin_tracking_report.c) ============================== */

/* " pid <tgid> comm <comm>" is at most this long, with its NUL. */
#define PINTRACK_WHO_LEN		(24 + TASK_COMM_LEN)
/* Longest pintrack_page_line(). */
#define PINTRACK_LINE_LEN		(64 + PINTRACK_WHO_LEN)

extern const char *const pintrack_misuse_names[GUP_PIN_NR_MISUSE];

int pintrack_comm(u32 tgid, u32 pinned_at, char *comm, size_t len);
const char *pintrack_who(char *buf, size_t len,
			 const struct pintrack_snap *snap);
int pintrack_page_line(char *buf, size_t len, unsigned long pfn,
		       const struct pintrack_snap *snap, u32 now,
		       const char *who);
void pintrack_log_stack(depot_stack_handle_t handle);
void pintrack_seq_stack(struct seq_file *m, depot_stack_handle_t handle);
bool pintrack_kunit_count(const char *name);
bool pintrack_in_gup_entry(unsigned long addr);
unsigned int pintrack_stack_start(const unsigned long *entries,
				  unsigned int nr, unsigned long hook);

/* === Hooks of the core into the features ================================== */

/* Misuse reports and GUP's entry points (gup_pin_tracking_report.c). */
void pintrack_report(const struct pintrack_out *out);
void pintrack_gup_entries_init(void);

/* Stacks mode (gup_pin_tracking_stack.c); pintrack_stacks() above. */
void pintrack_stack_init(void);
depot_stack_handle_t pintrack_save_stack(unsigned long ip, gfp_t gfp);
u32 pintrack_pinner(void);

/* The record of failed migrations (gup_pin_tracking_failures.c). */
int pintrack_failures_init(void);
void pintrack_failure_released(struct pintrack_out *out, unsigned long pfn,
			       bool freed);
void pintrack_failures_log(struct pintrack_out *out);
void pintrack_failures_debugfs(struct dentry *dir);

/* Short-term pins held too long (gup_pin_tracking_stale.c). */
void pintrack_stale_debugfs(struct dentry *dir);
void pintrack_stale_stats(struct seq_file *m);

/* === Reach-ins of the KUnit tests (VISIBLE_IF_KUNIT) ====================== */

#if IS_ENABLED(CONFIG_KUNIT)
int pintrack_stats_show(struct seq_file *m, void *v);
int pintrack_pinners_show(struct seq_file *m, void *v);
int pintrack_processes_show(struct seq_file *m, void *v);
unsigned long pintrack_verify(struct seq_file *m);
int pintrack_failures_show(struct seq_file *m, void *v);
bool pintrack_blocked(struct page *page, int refs, enum migrate_reason reason,
		      bool warn);
extern unsigned int pintrack_stale_secs;
int pintrack_stale_secs_set(unsigned long secs);
unsigned long pintrack_stale_scan(void);
bool pintrack_stack_cache_init(void);
#endif

#endif /* __MM_GUP_PIN_TRACKING_INTERNAL_H */
