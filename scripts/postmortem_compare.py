#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare what debugfs showed in the gdb guest job (console log) with what
a post-mortem tool read from a vmcore of that guest.

    postmortem_compare.py LOG OUTPUT gdb|drgn VMLINUX

gdb: the output of lx-gup-pin-stats and lx-gup-pinned; drgn: of
tools/mm/gup_pin_tracking_drgn.py (all views). The pages, their pin counts,
long-term flags and last pinners' stacks must be those of debugfs `pinned`,
the gauges of `stats` the same; drgn's pid/comm must be those of `pinned`,
its `pinners` groups (sizes and stacks, in order) and `failures` records
those of debugfs. Ages are left out: seconds pass between the two.
Stack frames are compared by address (vmlinux's symbols): gdb may name
an address by another symbol at it (entry_SYSCALL_64+108 for %pS's
entry_SYSCALL_64_after_hwframe+0x4b)."""
import re
import subprocess
import sys

STATS = ('pinned_pages', 'pins', 'longterm_pinned_pages')
PAGE = re.compile(r'pfn (0x[0-9a-f]+) pins (\d+)( longterm)? age \d+s'
                  r'( pid \d+ comm \S+)?$')
# debugfs and drgn: "        io_pin_pages+0x7b/0x1a0"
FRAME = re.compile(r'^ {8}(\S+?)\+(0x[0-9a-f]+)/0x[0-9a-f]+$')
# gdb's stack_depot_print(): "   0xffffffff8198d7fb <io_pin_pages+123>:\t..."
GDB_FRAME = re.compile(r'^\s+0x[0-9a-f]+ <([^+>]+)\+(\d+)>')


def sections(lines):
    """{name: lines} of the "--- name" sections."""
    out, name = {}, None
    for line in lines:
        m = re.match(r'--- (\w+)', line)
        if m:
            name = m.group(1)
            out.setdefault(name, [])
        elif name:
            out[name].append(line)
    return out


SYMBOLS = {}


def load_symbols(vmlinux):
    out = subprocess.run(['nm', vmlinux], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3:
            SYMBOLS.setdefault(f[2], set()).add(int(f[0], 16))


def frame(line):
    """The address of a stack line, or (name, offset) if not unique."""
    m = GDB_FRAME.match(line)
    if m:
        return int(line.split()[0], 16)
    m = FRAME.match(line)
    if not m:
        return None
    name, off = m.group(1), int(m.group(2), 16)
    addrs = SYMBOLS.get(name, ())
    return next(iter(addrs)) + off if len(addrs) == 1 else (name, off)


def hexed(v):
    """A page's or group's tuple with its stack's addresses in hex."""
    if v is None:
        return None
    return v[:-1] + (['%x' % f if isinstance(f, int) else f for f in v[-1]],)


def stats(lines):
    out = {}
    for line in lines:
        m = re.match(r'(\w+): (-?\d+)$', line)
        if m and m.group(1) in STATS:
            out[m.group(1)] = int(m.group(2))
    return out


def pinned(lines, who=True):
    """{pfn: (pins, longterm, who, stack)} of `pinned` lines and stacks."""
    out, cur = {}, None
    for line in lines:
        m = PAGE.search(line)
        if m:
            cur = m.group(1)
            out[cur] = [int(m.group(2)), bool(m.group(3)),
                        (m.group(4) or '').strip() if who else '', []]
        elif cur and frame(line):
            out[cur][3].append(frame(line))
    return {k: tuple(v[:3]) + (tuple(v[3]),) for k, v in out.items()}


def groups(lines):
    """[(pages, pins, longterm, stack)] of `pinners`, in order."""
    out = []
    for line in lines:
        m = re.match(r'pages (\d+) pins (\d+) longterm (\d+) oldest \d+s$',
                     line)
        if m:
            out.append([int(m.group(i)) for i in (1, 2, 3)] + [[]])
        elif out and frame(line):
            out[-1][3].append(frame(line))
    return [tuple(g[:3]) + (tuple(g[3]),) for g in out]


def records(lines):
    """The `failures` records without their times."""
    return [re.sub(r'\b\d+s\b', 'Ns', line.strip()) for line in lines
            if line.strip()]


def main(log_path, out_path, tool, vmlinux):
    load_symbols(vmlinux)
    log = open(log_path, errors='replace').read().replace('\r', '')
    log = log.splitlines()
    out = open(out_path, errors='replace').read().splitlines()
    try:
        log = log[log.index('--- stats'):log.index('--- end')]
    except ValueError:
        print('postmortem_compare: the guest never showed debugfs')
        return 1
    want = sections(log)
    got = sections(out) if tool == 'drgn' else \
        {'stats': out, 'pinned': out}
    ok = True

    def same(what, a, b, show=None):
        nonlocal ok
        if a == b and a:
            return
        ok = False
        print('%s: MISMATCH' % what)
        if show:
            show(a, b)

    want_stats, got_stats = stats(want['stats']), stats(got.get('stats', []))
    print('debugfs stats: %s' % want_stats)
    print('%s stats: %s' % (tool, got_stats))
    same('stats', want_stats, got_stats)

    def show_pages(a, b):
        for pfn in sorted(set(a) | set(b)):
            if a.get(pfn) != b.get(pfn):
                print('  pfn %s: debugfs %s, %s %s' %
                      (pfn, hexed(a.get(pfn)), tool, hexed(b.get(pfn))))
    want_pages = pinned(want['pinned'], tool == 'drgn')
    got_pages = pinned(got.get('pinned', []))
    print('debugfs pinned: %d pages, %d with a stack; %s: %d pages, '
          '%d with a stack' % (len(want_pages),
                               sum(1 for v in want_pages.values() if v[3]),
                               tool, len(got_pages),
                               sum(1 for v in got_pages.values() if v[3])))
    same('pinned', want_pages, got_pages, show_pages)
    if not any(v[3] for v in got_pages.values()):
        ok = False
        print('pinned: no pinner stack in the %s output' % tool)
    if tool == 'drgn':
        want_groups = groups(want.get('pinners', []))
        got_groups = groups(got.get('pinners', []))
        print('debugfs pinners: %s; drgn: %s' %
              ([g[:3] for g in want_groups], [g[:3] for g in got_groups]))
        same('pinners', want_groups, got_groups,
             lambda a, b: print('  debugfs %s\n  drgn    %s' %
                                ([hexed(g) for g in a], [hexed(g) for g in b])))
        if 'failures' in want:
            w, g = records(want['failures']), records(got['failures'])
            print('debugfs failures: %d lines; drgn: %d' % (len(w), len(g)))
            if w != g:
                ok = False
                print('failures: MISMATCH')
    print('postmortem_compare: %s' %
          ('%s on the vmcore shows what debugfs showed' % tool
           if ok else 'MISMATCH'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:5]))
