/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GUP pin tracking events: every counted pin and unpin of a page, and every
 * misuse the tracker detects. See Documentation/mm/gup_pin_tracking.rst.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gup_pin_tracking

#if !defined(_TRACE_GUP_PIN_TRACKING_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_GUP_PIN_TRACKING_H

#include <linux/tracepoint.h>
#include <linux/types.h>

DECLARE_EVENT_CLASS(gup_pin_tracking_page,

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
DEFINE_EVENT(gup_pin_tracking_page, pin,

	TP_PROTO(unsigned long pfn, unsigned int count, bool longterm,
		 unsigned long ip),

	TP_ARGS(pfn, count, longterm, ip)
);

/*
 * A pin released from a page; @count is the page's count after it and
 * @longterm whether a long-term pin held the page before the release.
 */
DEFINE_EVENT(gup_pin_tracking_page, unpin,

	TP_PROTO(unsigned long pfn, unsigned int count, bool longterm,
		 unsigned long ip),

	TP_ARGS(pfn, count, longterm, ip)
);

/* Misuse detected on a page (every time, not only the first report). */
TRACE_EVENT(misuse,

	TP_PROTO(unsigned long pfn, const char *what),

	TP_ARGS(pfn, what),

	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__string(what, what)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__assign_str(what);
	),

	TP_printk("pfn=0x%lx %s", __entry->pfn, __get_str(what))
);

#endif /* _TRACE_GUP_PIN_TRACKING_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
