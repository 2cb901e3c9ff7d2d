/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __LINUX_GUP_PIN_TRACKING_H
#define __LINUX_GUP_PIN_TRACKING_H

#include <linux/jump_label.h>
#include <linux/migrate_mode.h>
#include <linux/mm.h>
#include <linux/types.h>

/* The misuse the tracker reports, named in GUP_PIN_MISUSE_KINDS. */
enum gup_pin_misuse {
	GUP_PIN_MISUSE_NO_PIN,
	GUP_PIN_MISUSE_FOLIO,
	GUP_PIN_MISUSE_FREED,
	GUP_PIN_MISUSE_PUT_PAGE,
	GUP_PIN_MISUSE_OVERFLOW,
	GUP_PIN_NR_MISUSE,
};

/*
 * The kinds and their names, in the order of the enum: one list for the
 * reports, the trace event and the tools. Expand it with EM(kind, name)
 * and EMe() for the last, as <trace/events/migrate.h> does.
 */
#define GUP_PIN_MISUSE_KINDS						\
	EM(GUP_PIN_MISUSE_NO_PIN,	"unpin of a page with no pin")	\
	EM(GUP_PIN_MISUSE_FOLIO,	"unpin of more pins than the folio holds") \
	EM(GUP_PIN_MISUSE_FREED,	"page freed while pinned")	\
	EM(GUP_PIN_MISUSE_PUT_PAGE,	"pin references dropped with put_page()") \
	EMe(GUP_PIN_MISUSE_OVERFLOW,	"pin count overflow")

/**
 * struct gup_pin_track_call - A pin call in flight.
 * @node: In the tracker's list of calls in flight.
 * @pages: The call's pages array, or NULL.
 * @folios: The call's folios array (memfd_pin_folios()), or NULL.
 * @nr: Number of entries in the array.
 * @cpu: The list it is in; -1 if in none.
 *
 * GUP's slow paths take pins one page at a time and may sleep before
 * the call returns and the tracker counts them (a fault handled by
 * userfaultfd, a slow read-in, the migration of a long-term pin). Until
 * then a folio's _pincount is above its tracked pins; `verify` and the
 * migration failure counters ask which calls in flight may hold such pins.
 */
struct gup_pin_track_call {
#ifdef CONFIG_GUP_PIN_TRACKING
	struct list_head node;
	struct page **pages;
	struct folio **folios;
	unsigned long nr;
	int cpu;
#endif
};

#ifdef CONFIG_GUP_PIN_TRACKING

DECLARE_STATIC_KEY_FALSE(gup_pin_tracking_key);
extern struct page_ext_operations gup_pin_tracking_ops;

/* The last argument of each: _RET_IP_ of the function with the hook. */
void __gup_pin_track_page(struct page *page, unsigned int gup_flags,
			  unsigned long ip);
void __gup_pin_track_pages(struct page **pages, unsigned long npages,
			   unsigned int gup_flags, unsigned long ip);
void __gup_pin_track_folio(struct folio *folio, unsigned int gup_flags,
			   unsigned long ip);
void __gup_pin_track_added(struct page *page, unsigned long ip);
void __gup_unpin_track_page(struct page *page, unsigned long ip);
void __gup_unpin_track_pages(struct page **pages, unsigned long npages,
			     unsigned long ip);
void __gup_unpin_track_range(struct page *page, unsigned long npages,
			     unsigned long ip);
void __gup_unpin_track_folio(struct folio *folio, unsigned long refs,
			     unsigned long ip);
void __gup_unpin_track_folios(struct folio **folios, unsigned long nfolios,
			      unsigned long ip);
void __unpin_user_folio_pages(struct folio *folio, struct page *page,
			      unsigned long npages);
void __gup_pin_track_free(struct page *page, unsigned int order);
void __gup_pin_track_dump_page(const struct page *page);
void __gup_pin_track_migrate_failed(struct list_head *folios,
				    enum migrate_reason reason, bool warn);
void __gup_pin_track_range_failed(unsigned long start_pfn,
				  unsigned long end_pfn, bool warn);
void __gup_pin_track_begin(struct gup_pin_track_call *call,
			   struct page **pages, struct folio **folios,
			   unsigned long nr, unsigned int gup_flags);
void __gup_pin_track_end(struct gup_pin_track_call *call);
unsigned int __page_dma_pin_count(const struct page *page);
bool __page_dma_pinned(const struct page *page);

/**
 * gup_pin_tracking_enabled() - Is GUP pin tracking on?
 *
 * Context: Any context.
 * Return: true if the kernel was booted with gup_pin_tracking=on or =stacks
 * (or with CONFIG_GUP_PIN_TRACKING_ENABLE_DEFAULT) and tracking started.
 */
static __always_inline bool gup_pin_tracking_enabled(void)
{
	return static_branch_unlikely(&gup_pin_tracking_key);
}

/**
 * gup_pin_track_begin() - A pin call that may sleep starts.
 * @call: The call's record, on the caller's stack until
 *	  gup_pin_track_end().
 * @pages: The pages array the call fills.
 * @npages: Number of entries in @pages.
 * @gup_flags: The FOLL_* flags of the call; nothing is done without
 *	       FOLL_PIN.
 *
 * Context: Process context.
 */
static __always_inline void gup_pin_track_begin(struct gup_pin_track_call *call,
						struct page **pages,
						unsigned long npages,
						unsigned int gup_flags)
{
	call->cpu = -1;
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_begin(call, pages, NULL, npages, gup_flags);
}

/**
 * gup_pin_track_folios_begin() - A folio pin call that may sleep starts.
 * @call: As for gup_pin_track_begin().
 * @folios: The folios array the call fills.
 * @nfolios: Number of entries in @folios.
 *
 * Context: Process context.
 */
static __always_inline void
gup_pin_track_folios_begin(struct gup_pin_track_call *call,
			   struct folio **folios, unsigned long nfolios)
{
	call->cpu = -1;
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_begin(call, NULL, folios, nfolios, 0);
}

/**
 * gup_pin_track_end() - A pin call ends, its pins counted.
 * @call: As given to gup_pin_track_begin().
 *
 * Context: Process context.
 */
static __always_inline void gup_pin_track_end(struct gup_pin_track_call *call)
{
	if (call->cpu >= 0)
		__gup_pin_track_end(call);
}

/**
 * gup_pin_track_pages() - Count the pins a pin entry point hands back.
 * @pages: The pages array filled by the pin.
 * @npages: Number of entries pinned, or a negative errno.
 * @gup_flags: The FOLL_* flags of the pin; nothing is counted without FOLL_PIN.
 *
 * Context: Process context, any locks; does not sleep.
 */
static __always_inline void gup_pin_track_pages(struct page **pages,
						long npages,
						unsigned int gup_flags)
{
	if (!static_branch_unlikely(&gup_pin_tracking_key))
		return;
	/* One page, the most common pin (a 4 KiB direct I/O). */
	if (npages == 1)
		__gup_pin_track_page(pages[0], gup_flags, _RET_IP_);
	else if (npages > 1)
		__gup_pin_track_pages(pages, npages, gup_flags, _RET_IP_);
}

/**
 * gup_pin_track_folio() - Count one pin taken on a whole folio.
 * @folio: The folio; the pin is counted on its first page.
 * @gup_flags: The FOLL_* flags of the pin (FOLL_PIN, maybe FOLL_LONGTERM).
 *
 * Context: Any context; does not sleep.
 */
static __always_inline void gup_pin_track_folio(struct folio *folio,
						unsigned int gup_flags)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_folio(folio, gup_flags, _RET_IP_);
}

/**
 * gup_pin_track_added() - Count a pin added with folio_add_pin().
 * @page: The page the caller will unpin; the pin is counted on it, not on
 *	  the folio's first page.
 *
 * Context: Any context; does not sleep.
 */
static __always_inline void gup_pin_track_added(struct page *page)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_added(page, _RET_IP_);
}

/**
 * gup_unpin_track_pages() - Account the release of pinned pages.
 * @pages: The pages given to the unpin entry point (NULL entries skipped).
 * @npages: Number of entries in @pages.
 *
 * Context: Any context, including hard interrupt; does not sleep.
 */
static __always_inline void gup_unpin_track_pages(struct page **pages,
						  unsigned long npages)
{
	if (!static_branch_unlikely(&gup_pin_tracking_key))
		return;
	if (npages == 1)
		__gup_unpin_track_page(pages[0], _RET_IP_);
	else
		__gup_unpin_track_pages(pages, npages, _RET_IP_);
}

/**
 * gup_unpin_track_range() - Account the release of a range of pinned pages.
 * @page: The first page of the range.
 * @npages: Number of consecutive pages, one pin released on each.
 *
 * Context: Any context, including hard interrupt; does not sleep.
 */
static __always_inline void gup_unpin_track_range(struct page *page,
						  unsigned long npages)
{
	if (!static_branch_unlikely(&gup_pin_tracking_key))
		return;
	if (npages == 1)
		__gup_unpin_track_page(page, _RET_IP_);
	else
		__gup_unpin_track_range(page, npages, _RET_IP_);
}

/**
 * unpin_user_folio_pages() - Release pins of consecutive pages of a folio.
 * @folio: The folio.
 * @page: The first page of @folio whose pin is released.
 * @npages: Number of consecutive pages from @page, one pin released on each.
 *
 * The same release as unpin_user_folio(@folio, @npages), for a caller that
 * knows which pages it pinned: with tracking on, the tracker takes the
 * pins from those pages. Otherwise it is unpin_user_folio().
 *
 * Context: Any context, including hard interrupt; does not sleep.
 */
static __always_inline void unpin_user_folio_pages(struct folio *folio,
						   struct page *page,
						   unsigned long npages)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__unpin_user_folio_pages(folio, page, npages);
	else
		unpin_user_folio(folio, npages);
}

/**
 * gup_unpin_track_folio() - Account a release that names only a folio.
 * @folio: The folio.
 * @refs: Number of pins released. Only folio-level pins (memfd_pin_folios())
 *	  are released this way; they are counted on the folio's first page
 *	  and taken from there. A caller that knows the pages releases them
 *	  with a page-level unpin instead.
 *
 * Context: Any context, including hard interrupt; does not sleep.
 */
static __always_inline void gup_unpin_track_folio(struct folio *folio,
						  unsigned long refs)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_unpin_track_folio(folio, refs, _RET_IP_);
}

/**
 * gup_unpin_track_folios() - Account the release of an array of folios.
 * @folios: The folios, one pin released per entry (NULL entries skipped).
 * @nfolios: Number of entries in @folios.
 *
 * Context: Any context; does not sleep.
 */
static __always_inline void gup_unpin_track_folios(struct folio **folios,
						   unsigned long nfolios)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_unpin_track_folios(folios, nfolios, _RET_IP_);
}

/**
 * gup_pin_track_free() - Check that pages being freed hold no tracked pin.
 * @page: The first page being freed.
 * @order: The order of the allocation being freed.
 *
 * Context: Any context the page allocator frees in.
 */
static __always_inline void gup_pin_track_free(struct page *page, unsigned int order)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_free(page, order);
}

/**
 * gup_pin_track_dump_page() - Print the tracked pins of a page.
 * @page: The page being dumped by dump_page().
 *
 * Context: Any context.
 */
static __always_inline void gup_pin_track_dump_page(const struct page *page)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_dump_page(page);
}

/**
 * gup_pin_track_migrate_failed() - Record pinned pages that blocked migration.
 * @folios: The folios (linked by ->lru) that could not be migrated.
 * @reason: Who wanted them migrated: MR_MEMORY_HOTPLUG, MR_CONTIG_RANGE or
 *	    MR_LONGTERM_PIN.
 * @warn: Log the pinned pages too; false for callers that asked for
 *	  __GFP_NOWARN (they are still recorded and counted).
 *
 * Context: Process context.
 */
static __always_inline void
gup_pin_track_migrate_failed(struct list_head *folios,
			     enum migrate_reason reason, bool warn)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_migrate_failed(folios, reason, warn);
}

/**
 * gup_pin_track_range_failed() - Record pinned pages in a range that could
 *				  not be isolated.
 * @start_pfn: First pfn of the range alloc_contig_range() wanted.
 * @end_pfn: End of the range (exclusive).
 * @warn: As for gup_pin_track_migrate_failed().
 *
 * Compaction does not even isolate an anonymous folio that holds extra
 * references, so a pinned page stops alloc_contig_range() only when it
 * finds the range still busy: every folio of the range that holds a
 * tracked pin is recorded.
 *
 * Context: Process context, may sleep.
 */
static __always_inline void gup_pin_track_range_failed(unsigned long start_pfn,
						       unsigned long end_pfn,
						       bool warn)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		__gup_pin_track_range_failed(start_pfn, end_pfn, warn);
}

/**
 * page_dma_pin_count() - Number of FOLL_PIN pins held on a page.
 * @page: The page.
 *
 * Context: Any context.
 * Return: The exact number of pins held on @page when tracking is enabled,
 * 0 otherwise (also for a page without page_ext, such as ZONE_DEVICE memory).
 */
static __always_inline unsigned int page_dma_pin_count(const struct page *page)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		return __page_dma_pin_count(page);
	return 0;
}

/**
 * page_dma_pinned() - Is a page pinned for DMA?
 * @page: The page.
 *
 * Context: Any context.
 * Return: When tracking is enabled, whether the DmaPinned bit of @page is
 * set, which is exactly when its pin count is non-zero. Otherwise, and for
 * a page that has no page_ext (ZONE_DEVICE memory, say) even with tracking
 * on, folio_maybe_dma_pinned() of its folio, which may give false positives.
 */
static __always_inline bool page_dma_pinned(const struct page *page)
{
	if (static_branch_unlikely(&gup_pin_tracking_key))
		return __page_dma_pinned(page);
	/* folio_maybe_dma_pinned() only reads the folio. */
	return folio_maybe_dma_pinned((struct folio *)page_folio(page));
}

#else /* !CONFIG_GUP_PIN_TRACKING */

static inline bool gup_pin_tracking_enabled(void)
{
	return false;
}

static inline void gup_pin_track_begin(struct gup_pin_track_call *call,
				       struct page **pages,
				       unsigned long npages,
				       unsigned int gup_flags)
{
}

static inline void gup_pin_track_folios_begin(struct gup_pin_track_call *call,
					      struct folio **folios,
					      unsigned long nfolios)
{
}

static inline void gup_pin_track_end(struct gup_pin_track_call *call)
{
}

static inline void gup_pin_track_pages(struct page **pages, long npages,
				       unsigned int gup_flags)
{
}

static inline void gup_pin_track_folio(struct folio *folio,
				       unsigned int gup_flags)
{
}

static inline void gup_pin_track_added(struct page *page)
{
}

static inline void gup_unpin_track_pages(struct page **pages,
					 unsigned long npages)
{
}

static inline void gup_unpin_track_range(struct page *page,
					 unsigned long npages)
{
}

static inline void unpin_user_folio_pages(struct folio *folio,
					  struct page *page,
					  unsigned long npages)
{
	unpin_user_folio(folio, npages);
}

static inline void gup_unpin_track_folio(struct folio *folio,
					 unsigned long refs)
{
}

static inline void gup_unpin_track_folios(struct folio **folios,
					  unsigned long nfolios)
{
}

static inline void gup_pin_track_free(struct page *page, unsigned int order)
{
}

static inline void gup_pin_track_dump_page(const struct page *page)
{
}

static inline void gup_pin_track_migrate_failed(struct list_head *folios,
						enum migrate_reason reason,
						bool warn)
{
}

static inline void gup_pin_track_range_failed(unsigned long start_pfn,
					      unsigned long end_pfn, bool warn)
{
}

static inline unsigned int page_dma_pin_count(const struct page *page)
{
	return 0;
}

static inline bool page_dma_pinned(const struct page *page)
{
	/* folio_maybe_dma_pinned() only reads the folio. */
	return folio_maybe_dma_pinned((struct folio *)page_folio(page));
}

#endif /* CONFIG_GUP_PIN_TRACKING */

/* The name the 2018 RFC gave it. */
#define PageDmaPinned(page)	page_dma_pinned(page)

#endif /* __LINUX_GUP_PIN_TRACKING_H */
