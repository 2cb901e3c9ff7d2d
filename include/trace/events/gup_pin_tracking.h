/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GUP pin tracking events: every counted pin and unpin of a page, and every
 * misuse the tracker detects. See Documentation/mm/gup_pin_tracking.rst.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gup_pin_tracking

#if !defined(_TRACE_GUP_PIN_TRACKING_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_GUP_PIN_TRACKING_H

#include <linux/gup_pin_tracking.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

/* The misuse kinds of enum gup_pin_misuse: GUP_PIN_MISUSE_KINDS. */
#undef EM
#undef EMe
#define EM(a, b)	TRACE_DEFINE_ENUM(a);
#define EMe(a, b)	TRACE_DEFINE_ENUM(a);

GUP_PIN_MISUSE_KINDS

#undef EM
#undef EMe
#define EM(a, b)	{a, b},
#define EMe(a, b)	{a, b}

DECLARE_EVENT_CLASS(mm_gup_pin_page,

	TP_PROTO(unsigned long pfn, unsigned int count, bool longterm,
		 unsigned long ip),

	TP_ARGS(pfn, count, longterm, ip),

	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__field(unsigned int, count)
		__field(bool, longterm)
		__field(unsigned long, ip)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->count = count;
		__entry->longterm = longterm;
		__entry->ip = ip;
	),

	TP_printk("pfn=0x%lx count=%u longterm=%d caller=%pS",
		  __entry->pfn, __entry->count, __entry->longterm,
		  (void *)__entry->ip)
);

/* A pin counted on a page; @count is the page's count after it. */
DEFINE_EVENT(mm_gup_pin_page, mm_gup_pin,

	TP_PROTO(unsigned long pfn, unsigned int count, bool longterm,
		 unsigned long ip),

	TP_ARGS(pfn, count, longterm, ip)
);

/*
 * A pin released from a page; @count is the page's count after it and
 * @longterm whether the page's long-term flag was set before the release.
 */
DEFINE_EVENT(mm_gup_pin_page, mm_gup_unpin,

	TP_PROTO(unsigned long pfn, unsigned int count, bool longterm,
		 unsigned long ip),

	TP_ARGS(pfn, count, longterm, ip)
);

/* Misuse detected on a page (every time, not only the first report). */
TRACE_EVENT(mm_gup_pin_misuse,

	TP_PROTO(unsigned long pfn, enum gup_pin_misuse what),

	TP_ARGS(pfn, what),

	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__field(int, what)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->what = what;
	),

	TP_printk("pfn=0x%lx what=%s", __entry->pfn,
		  __print_symbolic(__entry->what, GUP_PIN_MISUSE_KINDS))
);

#endif /* _TRACE_GUP_PIN_TRACKING_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
