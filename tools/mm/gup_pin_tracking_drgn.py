#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
#
# Copyright (C) 2026 The GUP pin tracking authors

desc = """
This is a drgn script that reads the state of GUP pin tracking
(CONFIG_GUP_PIN_TRACKING) from a vmcore or from /proc/kcore, and prints it
as the debugfs files in /sys/kernel/debug/gup_pin_tracking/ do:

  stats     the stats file: enabled, stacks, the counters, lock_buckets,
            page_ext_bytes_per_page and the stale scan's lines
  pinned    one line per pinned page, found in page_ext:
            pfn 0x<hex> pins <n>[ longterm] age <s>s[ pid <tgid> comm <comm>]
            then the last pinner's stack (stacks mode)
  pinners   the pinned pages grouped by their last pinner's stack
            (stacks mode), largest group first
  failures  the record of pinned pages that blocked a migration

With several views, each starts with a line "--- <view>". Ages are taken at
the kernel's last jiffies update. A pinner is named, as debugfs does, only
if a live thread group with its pid has the start time the entry recorded.

The layout comes from the kernel being debugged: struct pintrack_page and
the other types from its debug info, the tracker's offset in a page_ext
entry from gup_pin_tracking_ops, page_ext_size, mem_section's shape,
PAGE_SHIFT and SECTION_SIZE_BITS (VMCOREINFO). The state word's bits are
read from the kernel build's scripts/gdb/linux/constants.py (the values the
gdb commands lx-gup-pinned and lx-gup-pin-stats use), found beside vmlinux
or given with --constants. For more info on drgn, visit
https://github.com/osandov/drgn.
"""

import argparse
import bisect
import os
import re
import struct
import sys

from drgn import Object, PlatformFlags, TypeKind, cast, offsetof
from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.pid import find_pid, pid_task
from drgn.helpers.linux.stackdepot import stack_depot_fetch

VIEWS = ('stats', 'pinned', 'pinners', 'failures')

# The series' values, used only when no constants.py is found (a warning
# says so): mm/gup_pin_tracking_internal.h.
DEFAULTS = {
    'PINTRACK_COUNT_BITS': 27,
    'PINTRACK_LONGTERM_SHIFT': 28,
    'PINTRACK_TGID_BITS': 22,
}

parser = argparse.ArgumentParser(description=desc,
                                 formatter_class=argparse.RawTextHelpFormatter)
parser.add_argument('views', nargs='*', metavar='VIEW', help='one or more of: ' + ' '.join(VIEWS)
                    + ' (default: all)')
parser.add_argument('--constants', metavar='FILE',
                    help='scripts/gdb/linux/constants.py of the kernel build')
args = parser.parse_args()
views = args.views or list(VIEWS)
for v in views:
    if v not in VIEWS:
        parser.error('no view %s (%s)' % (v, ', '.join(VIEWS)))


def err(s):
    print('gup_pin_tracking_drgn.py: error: %s' % s, file=sys.stderr,
          flush=True)
    sys.exit(1)


def warn(s):
    print('gup_pin_tracking_drgn.py: %s' % s, file=sys.stderr, flush=True)


def vmlinux_dir():
    try:
        path = prog.main_module().debug_file_path
    except (AttributeError, LookupError):
        return None
    return os.path.dirname(path) if path else None


def load_constants():
    """LX_PINTRACK_* of constants.py, generated from the kernel's header."""
    path = args.constants
    if not path and vmlinux_dir():
        path = os.path.join(vmlinux_dir(), 'scripts/gdb/linux/constants.py')
    values = {}
    if path and os.path.exists(path):
        for line in open(path):
            m = re.match(r'LX_(PINTRACK_\w+|CONFIG_GUP_PIN_TRACKING) = (\d+)$',
                         line.strip())
            if m:
                values[m.group(1)] = int(m.group(2))
    elif args.constants:
        err('no %s' % args.constants)
    if 'PINTRACK_COUNT_BITS' not in values:
        warn('no constants.py of this kernel build (--constants): the state '
             'bits of mm/gup_pin_tracking_internal.h as of this script are used')
    for k, v in DEFAULTS.items():
        values.setdefault(k, v)
    return values


def vmcoreinfo_number(name):
    m = re.search(rb'^NUMBER\(%s\)=(-?\d+)$' % name.encode(),
                  prog['VMCOREINFO'].string_(), re.M)
    return int(m.group(1)) if m else None


def key_enabled(name):
    return prog[name].key.enabled.counter.value_() > 0


class Tracker:
    def __init__(self):
        try:
            prog['gup_pin_tracking_ops']
        except KeyError:
            err('no CONFIG_GUP_PIN_TRACKING in this kernel')
        if not key_enabled('gup_pin_tracking_key'):
            err('gup_pin_tracking is off in this kernel')
        c = load_constants()
        self.count_mask = (1 << c['PINTRACK_COUNT_BITS']) - 1
        self.longterm = 1 << c['PINTRACK_LONGTERM_SHIFT']
        self.tgid_bits = c['PINTRACK_TGID_BITS']
        self.stacks = key_enabled('pintrack_stacks_key')
        ops = prog['gup_pin_tracking_ops']
        self.offset = ops.offset.value_()
        self.entry_size = prog['page_ext_size'].value_()
        gp = prog.type('struct pintrack_page')
        self.at = {f: offsetof(gp, f)
                   for f in ('state', 'pinned_at', 'stack', 'tgid')}
        little = prog.platform.flags & PlatformFlags.IS_LITTLE_ENDIAN
        self.u32 = struct.Struct('<I' if little else '>I').unpack_from
        self.page_shift = prog['PAGE_SHIFT'].value_()
        section_bits = vmcoreinfo_number('SECTION_SIZE_BITS')
        if section_bits is None:
            err('no SECTION_SIZE_BITS in VMCOREINFO (SPARSEMEM only)')
        self.pfn_section_shift = section_bits - self.page_shift
        self.max_pfn = prog['max_pfn'].value_()
        tick_nsec = prog['tick_nsec'].value_()
        self.hz = max(1, round(1000000000 / tick_nsec)) if tick_nsec else 1000
        self.now = self.clock(prog['jiffies_64'].value_())
        self.mem_section = prog['mem_section']
        ms_size = sizeof_type('struct mem_section')
        if self.mem_section.type_.kind == TypeKind.POINTER:   # EXTREME
            self.per_root = (1 << self.page_shift) // ms_size
        else:
            self.per_root = self.mem_section.type_.type.length

    def clock(self, jiffies):
        """pintrack_now() at @jiffies: whole seconds since boot."""
        initial = (-300 * self.hz) & 0xffffffff		# INITIAL_JIFFIES
        return (((jiffies - initial) & ((1 << 64) - 1)) // self.hz) \
            & 0xffffffff

    @staticmethod
    def secs(then, now):
        """pintrack_secs(): 0 if @then is later than @now."""
        secs = (now - then) & 0xffffffff
        return secs if secs < (1 << 31) else 0

    def section(self, nr):
        root = self.mem_section[nr // self.per_root]
        if self.mem_section.type_.kind == TypeKind.POINTER and not root:
            return None
        return root[nr % self.per_root]

    def pages(self):
        """Yield (pfn, state, pinned_at, stack, tgid) of each pinned page."""
        per_section = 1 << self.pfn_section_shift
        last = (self.max_pfn + per_section - 1) >> self.pfn_section_shift
        for nr in range(last):
            ms = self.section(nr)
            if ms is None:
                continue
            base = cast('unsigned long', ms.page_ext).value_()
            if base == 0 or base & 1:	# none, or PAGE_EXT_INVALID
                continue
            start = nr << self.pfn_section_shift
            first = (base + self.entry_size * start) & ((1 << 64) - 1)
            data = prog.read(first, self.entry_size * per_section)
            for i in range(per_section):
                at = i * self.entry_size + self.offset
                state = self.u32(data, at + self.at['state'])[0]
                if not state & self.count_mask:
                    continue
                pinned_at = self.u32(data, at + self.at['pinned_at'])[0]
                stack = tgid = 0
                if self.stacks:
                    stack = self.u32(data, at + self.at['stack'])[0]
                    tgid = self.u32(data, at + self.at['tgid'])[0]
                yield start + i, state, pinned_at, stack, tgid

    def tgid(self, word):
        return word & ((1 << self.tgid_bits) - 1)

    def comm(self, word, pinned_at):
        """pintrack_comm(): the pinner's name, "-" once it is gone."""
        try:
            task = pid_task(find_pid(prog['init_pid_ns'].address_of_(),
                                     self.tgid(word)),
                            prog['PIDTYPE_TGID'])
        except (KeyError, LookupError):
            return '-'
        if not task:
            return '-'
        start = task.group_leader.start_time.value_()
        birth = hash_64(start, 32 - self.tgid_bits)
        # ktime_get_ns() as of the last timekeeping update.
        ktime = prog['tk_core'].timekeeper.tkr_mono.base.value_()
        if birth != word >> self.tgid_bits or \
           (ktime - start) // 1000000000 + 1 < self.secs(pinned_at, self.now):
            return '-'
        return task.comm.string_().decode(errors='replace')

    def line(self, pfn, state, pinned_at, now, who=''):
        """pintrack_page_line()."""
        return 'pfn 0x%x pins %d%s age %ds%s' % (
            pfn, state & self.count_mask,
            ' longterm' if state & self.longterm else '',
            self.secs(pinned_at, now), who)

    def who(self, tgid, pinned_at):
        """pintrack_who()."""
        if not self.stacks:
            return ''
        return ' pid %d comm %s' % (self.tgid(tgid),
                                    self.comm(tgid, pinned_at))


def sizeof_type(name):
    return prog.type(name).size


def hash_64(val, bits):
    """hash_64() of include/linux/hash.h (the generic one)."""
    return ((val * 0x61C8864680B583EB) & ((1 << 64) - 1)) >> (64 - bits)


class Kallsyms:
    """%pS's name+offset/size: the text symbol at or below an address and
    the distance to the next one, as kallsyms has them (drgn's own lookup
    prefers sized symbols and gives ELF sizes)."""

    def __init__(self):
        self.addrs = self.names = None

    def load(self):
        from drgn import SymbolKind
        lo = prog.symbol('_stext').address
        hi = prog.symbol('_etext').address
        syms = {}
        for sym in prog.symbols():
            if sym.kind in (SymbolKind.FUNC, SymbolKind.UNKNOWN) and \
               lo <= sym.address <= hi:
                syms.setdefault(sym.address, sym.name)
        self.addrs = sorted(syms)
        self.names = [syms[a] for a in self.addrs]

    def __call__(self, pc):
        if self.addrs is None:
            self.load()
        i = bisect.bisect_right(self.addrs, pc) - 1
        if i < 0 or i + 1 >= len(self.addrs):
            return None
        return '%s+0x%x/0x%x' % (self.names[i], pc - self.addrs[i],
                                 self.addrs[i + 1] - self.addrs[i])


kallsyms = Kallsyms()


def stack_lines(handle, indent='        '):
    """pintrack_seq_stack(): each frame as %pS prints it."""
    if not handle:
        return []
    trace = stack_depot_fetch(Object(prog, 'depot_stack_handle_t', handle))
    if trace is None:
        return [indent + '(stack not in the depot)']
    out = []
    for frame in trace:
        if frame.is_inline:	# drgn's inlined callers share the pc
            continue
        out.append(indent + (kallsyms(frame.pc) or '0x%x' % frame.pc))
    return out


def show_stats(t, pages):
    names = prog['pintrack_counter_names']
    counters = prog['pintrack_counters']
    cpus = list(for_each_possible_cpu(prog))
    print('enabled: 1')
    print('stacks: %d' % t.stacks)
    gauges = prog['PINTRACK_LONGTERM_PAGES'].value_()
    values = {}
    for i in range(len(names)):
        total = sum(per_cpu(counters, cpu)[i].value_() for cpu in cpus)
        name = names[i].string_().decode()
        if i <= gauges and total < 0:	# the gauges: as pintrack_counter_read()
            total = 0
        values[name] = total
        print('%s: %d' % (name, total))
    print('lock_buckets: %d' % (1 << prog['pintrack_lock_bits'].value_()))
    print('page_ext_bytes_per_page: %d' %
          prog['gup_pin_tracking_ops'].size.value_())
    try:
        print('stale_secs: %d' % prog['pintrack_stale_secs'].value_())
        print('stale_scan_usecs: %d' %
              (prog['pintrack_stale_scan_ns'].value_() // 1000))
        print('stale_scan_pages: %d' %
              prog['pintrack_stale_scan_pages'].value_())
    except KeyError:
        pass
    # The counters against page_ext itself.
    walked = {
        'pinned_pages': len(pages),
        'pins': sum(p[1] & t.count_mask for p in pages),
        'longterm_pinned_pages': sum(1 for p in pages if p[1] & t.longterm),
    }
    for name, n in walked.items():
        if name in values and values[name] != n:
            warn('%s: the counter says %d, page_ext has %d' %
                 (name, values[name], n))


def show_pinned(t, pages):
    for pfn, state, pinned_at, stack, tgid in pages:
        print(t.line(pfn, state, pinned_at, t.now, t.who(tgid, pinned_at)))
        for line in stack_lines(stack):
            print(line)


def show_pinners(t, pages):
    if not t.stacks:
        warn('pinners: not in stacks mode')
        return
    groups = {}
    for _pfn, state, pinned_at, stack, _tgid in pages:
        g = groups.setdefault(stack, {'pages': 0, 'pins': 0, 'longterm': 0,
                                      'oldest_at': pinned_at})
        g['pages'] += 1
        g['pins'] += state & t.count_mask
        if state & t.longterm:
            g['longterm'] += 1
        if t.secs(pinned_at, g['oldest_at']) > 0:
            g['oldest_at'] = pinned_at
    order = sorted(groups, key=lambda k: (-groups[k]['pages'],
                                          -groups[k]['pins'], k))
    for key in order:
        g = groups[key]
        print('pages %d pins %d longterm %d oldest %ds' %
              (g['pages'], g['pins'], g['longterm'],
               t.secs(g['oldest_at'], t.now)))
        lines = stack_lines(key) if key else \
            ['        (no stack recorded)']
        for line in lines:
            print(line)
        print()


def reason_names():
    """pintrack_reason(): the names the kernel gives enum migrate_reason."""
    names = {'MR_MEMORY_HOTPLUG': 'memory offline',
             'MR_CONTIG_RANGE': 'alloc_contig_range',
             'MR_LONGTERM_PIN': 'longterm pin'}
    return {value: names.get(name, 'migration') for name, value in
            prog.type('enum migrate_reason').enumerators}


def variable(name, type_name):
    """A static variable; from the symbol table where the debug info has
    no location for it (optimized)."""
    obj = prog[name]
    if not obj.absent_:
        return obj
    return Object(prog, type_name, address=prog.symbol(name).address)


def show_failures(t):
    records = variable('pintrack_failures', 'struct pintrack_failure *')
    if not records:
        return
    seq = variable('pintrack_failures_seq', 'u64').value_()
    dropped = sum(per_cpu(prog['pintrack_counters'], cpu)[
        prog['PINTRACK_FAILURES_DROPPED'].value_()].value_()
        for cpu in for_each_possible_cpu(prog))
    # seq records were written to a ring of PINTRACK_FAILURES; one was
    # dropped for each written past the ring's size.
    nr = seq - dropped
    ring = nr if dropped else seq
    reason = reason_names()
    for i in range(nr):
        f = records[(seq - 1 - i) % ring]
        if f.seq.value_() != seq - i:
            warn('failures: record %d has seq %d, not %d' %
                 (i, f.seq.value_(), seq - i))
            break
        snap = f.snap
        head = '%ds %s: %s refs %d' % (
            f.at.value_(), reason.get(f.reason.value_(), 'migration'),
            t.line(f.pfn.value_(), snap.state.value_(),
                   snap.pinned_at.value_(), f.at.value_()),
            f.refs.value_())
        if t.stacks:
            head += ' pid %d comm %s' % (
                t.tgid(snap.tgid.value_()),
                f.comm.string_().decode(errors='replace'))
        if not f.live:
            head += ' unpinned after %ds' % t.secs(f.at.value_(),
                                                   f.released.value_())
        print(head)
        for line in stack_lines(snap.stack.value_()):
            print(line)
        if not f.live and f.unpin_stack:
            print('    unpinned by:')
            for line in stack_lines(f.unpin_stack.value_()):
                print(line)
        print()


tracker = Tracker()
pinned_pages = list(tracker.pages()) \
    if set(views) & {'stats', 'pinned', 'pinners'} else []
show = {
    'stats': lambda: show_stats(tracker, pinned_pages),
    'pinned': lambda: show_pinned(tracker, pinned_pages),
    'pinners': lambda: show_pinners(tracker, pinned_pages),
    'failures': lambda: show_failures(tracker),
}
for view in views:
    if len(views) > 1:
        print('--- %s' % view)
    show[view]()
