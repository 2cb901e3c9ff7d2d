#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare what debugfs showed in the gdb guest job (console log) with what
lx-gup-pin-stats and lx-gup-pinned printed from the stopped VM. The pages,
their pin counts and long-term flags must be exactly the same; ages are
printed by both, and may differ by the second that passed in between."""
import re
import sys


def pinned(lines):
    out = []
    for line in lines:
        m = re.match(r'(pfn 0x[0-9a-f]+ pins \d+( longterm)?) age \d+s', line)
        if m:
            out.append(m.group(1))
    return sorted(out)


def stats(lines):
    return {k: int(v) for k, v in
            (re.match(r'(pinned_pages|pins|longterm_pinned_pages): (\d+)$', l).groups()
             for l in lines
             if re.match(r'(pinned_pages|pins|longterm_pinned_pages): \d+$', l))}


def main(log_path, gdb_path):
    log = open(log_path, errors='replace').read().replace('\r', '').splitlines()
    gdb = open(gdb_path, errors='replace').read().splitlines()
    try:
        start = log.index('--- stats')
        end = log.index('--- end')
    except ValueError:
        print('gdb_compare: the guest never showed debugfs')
        return 1
    mid = log.index('--- pinned', start)
    want_stats, got_stats = stats(log[start:mid]), stats(gdb)
    want, got = pinned(log[mid:end]), pinned(gdb)
    ok = True
    print('debugfs stats: %s' % want_stats)
    print('gdb stats:     %s' % got_stats)
    if not want_stats or want_stats != got_stats:
        ok = False
    print('debugfs pinned: %d pages; gdb lx-gup-pinned: %d pages' %
          (len(want), len(got)))
    if not want or want != got:
        ok = False
        for line in sorted(set(want) ^ set(got)):
            print('  only in %s: %s' %
                  ('debugfs' if line in want else 'gdb', line))
    # stacks mode: lx-gup-pinned prints the pinner's stack.
    if not any('pin_user_pages' in l or 'io_sqe_buffer' in l for l in gdb):
        print('gdb_compare: no pinner stack in lx-gup-pinned')
        ok = False
    print('gdb_compare: %s' % ('same pages, counts and flags' if ok else 'MISMATCH'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
