#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Derive the states of the core's two files feature by feature.

The core (mm/gup_pin_tracking.c, mm/gup_pin_tracking_internal.h) calls each
feature through hooks that are inline no-ops until the feature's patch. This
takes the work tree's files (the last state) and undoes, one feature after
the other, what that feature's patch changes in them: stubs for its hooks,
the `stacks` boot value, the trace calls. It writes a states directory for
scripts/split.sh:

    python3 scripts/feature_states.py build/split-edit
    bash scripts/split.sh diffs build/split-edit

After an edit of the core that a feature diff no longer reverses on, this
remakes the diffs; an edit to the lines below must be made here too.
"""
import os
import shutil
import sys
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D = sys.argv[1]
C='mm/gup_pin_tracking.c'; H='mm/gup_pin_tracking_internal.h'
def rep(s, a, b):
    assert a in s, a[:80]
    return s.replace(a, b, 1)
def t_trace(f):
    c=f[C]
    c=rep(c, """
#define CREATE_TRACE_POINTS
#include <trace/events/gup_pin_tracking.h>
EXPORT_TRACEPOINT_SYMBOL_GPL(mm_gup_pin);
EXPORT_TRACEPOINT_SYMBOL_GPL(mm_gup_unpin);
EXPORT_TRACEPOINT_SYMBOL_GPL(mm_gup_pin_misuse);
""", "")
    c=rep(c, "\ttrace_mm_gup_pin_misuse(pfn, what);\n", "")
    c=rep(c, """		trace_mm_gup_pin(pfn, count + 1, state & PINTRACK_LONGTERM,
				 c->ip);
""", "")
    c=rep(c, """		trace_mm_gup_unpin(pfn, count - drop,
				   state & PINTRACK_LONGTERM, c->ip);
""", "")
    c=rep(c, """	if (likely(!pintrack_stacks() && !trace_mm_gup_pin_enabled()) &&
	    likely(pintrack_one(&d, page, m))) {""", """	if (likely(!pintrack_stacks()) && likely(pintrack_one(&d, page, m))) {""")
    c=rep(c, """			  pintrack_stacks() || trace_mm_gup_pin_enabled(), ip,
			  pintrack_pin_stack());""", """			  pintrack_stacks(), ip, pintrack_pin_stack());""")
    c=rep(c, """	if (likely(!trace_mm_gup_unpin_enabled()) &&
	    likely(pintrack_one(&d, page, m))) {""", """	if (likely(pintrack_one(&d, page, m))) {""")
    c=rep(c, """	pintrack_unpin_walk(pages, 0, npages, 1, GUP_PIN_MISUSE_NO_PIN,
			    trace_mm_gup_unpin_enabled(), ip);""", """	pintrack_unpin_walk(pages, 0, npages, 1, GUP_PIN_MISUSE_NO_PIN, false,
			    ip);""")
    c=rep(c, """	pintrack_unpin_walk(NULL, page_to_pfn(page), npages, 1,
			    GUP_PIN_MISUSE_NO_PIN,
			    trace_mm_gup_unpin_enabled(), ip);""", """	pintrack_unpin_walk(NULL, page_to_pfn(page), npages, 1,
			    GUP_PIN_MISUSE_NO_PIN, false, ip);""")
    f[C]=c
def t_stale(f):
    f[H]=rep(f[H], """void pintrack_stale_debugfs(struct dentry *dir);
void pintrack_stale_stats(struct seq_file *m);""", """static inline void pintrack_stale_debugfs(struct dentry *dir)
{
}

static inline void pintrack_stale_stats(struct seq_file *m)
{
}""")
def t_failures(f):
    f[H]=rep(f[H], """int pintrack_failures_init(void);
void pintrack_failure_released(struct pintrack_out *out, unsigned long pfn,
			       bool freed);
void pintrack_failures_log(struct pintrack_out *out);
void pintrack_failures_debugfs(struct dentry *dir);""", """static inline int pintrack_failures_init(void)
{
	return 0;
}

static inline void pintrack_failure_released(struct pintrack_out *out,
					     unsigned long pfn, bool freed)
{
}

static inline void pintrack_failures_log(struct pintrack_out *out)
{
}

static inline void pintrack_failures_debugfs(struct dentry *dir)
{
}""")
def t_stacks(f):
    h=f[H]
    h=rep(h, """/* Is the tracker in stacks mode? (gup_pin_tracking_stack.c) */
DECLARE_STATIC_KEY_FALSE(pintrack_stacks_key);

static __always_inline bool pintrack_stacks(void)
{
	return static_branch_unlikely(&pintrack_stacks_key);
}""", """/* Is the tracker in stacks mode? (gup_pin_tracking_stack.c) */
static inline bool pintrack_stacks(void)
{
	return false;
}""")
    h=rep(h, """void pintrack_stack_init(void);
depot_stack_handle_t pintrack_save_stack(unsigned long ip, gfp_t gfp);
u32 pintrack_pinner(void);""", """static inline void pintrack_stack_init(void)
{
}

static inline depot_stack_handle_t
pintrack_save_stack(unsigned long ip, gfp_t gfp)
{
	return 0;
}

static inline u32 pintrack_pinner(void)
{
	return 0;
}""")
    f[H]=h
    c=f[C]
    c=rep(c, """	} else if (buf && !strcmp(buf, "stacks")) {
		pintrack_boot_mode = PINTRACK_MODE_STACKS;
		stack_depot_request_early_init();
""", "")
    c=rep(c, "(expected off, on or stacks)", "(expected off or on)")
    c=rep(c, """	/* Only the "stacks" mode pays for the stack handle. */
	if (pintrack_boot_mode == PINTRACK_MODE_STACKS)
		gup_pin_tracking_ops.size = PINTRACK_PAGE_SIZE_STACKS;
	else
		gup_pin_tracking_ops.size = PINTRACK_PAGE_SIZE_ON;
""", "")
    c=rep(c, """	if (pintrack_boot_mode == PINTRACK_MODE_STACKS)
		pintrack_stack_init();
""", "")
    c=rep(c, """	PINTRACK_MODE_ON,
	PINTRACK_MODE_STACKS,
""", """	PINTRACK_MODE_ON,
""")
    f[C]=c
def t_report(f):
    f[H]=rep(f[H], """void pintrack_report(const struct pintrack_out *out);
void pintrack_gup_entries_init(void);""", """static inline void pintrack_report(const struct pintrack_out *out)
{
}

static inline void pintrack_gup_entries_init(void)
{
}""")
order=[('0010-tracepoints',t_trace),('0009-stale',t_stale),('0008-failures',t_failures),('0006-stacks',t_stacks),('0004-report',t_report),('core',None)]
f={p:open(os.path.join(TOP,p)).read() for p in (C,H)}
if os.path.exists(D):
    if not os.path.exists(os.path.join(D, '.split-states')):
        sys.exit(f'{D} exists and is not a states directory')
    shutil.rmtree(D)
os.makedirs(D); open(D+'/.split-states','w').close()
prev_t=None
for name,t in order:
    if prev_t: prev_t(f)
    for p in (C,H):
        os.makedirs(os.path.dirname(os.path.join(D,name,p)),exist_ok=True)
        open(os.path.join(D,name,p),'w').write(f[p])
    prev_t=t
print(f'states written to {D}')
