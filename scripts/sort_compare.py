#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check tools/mm/gup_pin_tracking_sort on real debugfs text: the guest
jobs (sort_check in scripts/guest/common.sh) print the texts of stats,
pinned, pinners, processes and failures taken while two hold_pins
processes hold their pins, then the sorter's runs on them. The sorter's
sums must equal what the kernel said: totals the stats counters, groups
by pid the processes lines, groups by stack the pinners groups, failures
the records of the failures text.

Usage: sort_compare.py LOG...; prints "passed failed skipped" on stdout,
what it checked on stderr. A log without a sort_check block fails."""
import re
import sys

GROUP = re.compile(r'^(?:(?P<reason>.+?): )?pages (?P<pages>\d+) bytes (?P<bytes>\d+) '
                   r'pins (?P<pins>\d+) longterm (?P<longterm>\d+) oldest (?P<age>\d+)s '
                   r'records (?P<records>\d+)(?: unpinned (?P<unpinned>\d+))?'
                   r'(?: pid (?P<pid>\d+))?(?: comm (?P<comm>.+))?$')
TOTAL = re.compile(r'^total pages (?P<pages>\d+) bytes (?P<bytes>\d+) pins (?P<pins>\d+) '
                   r'longterm (?P<longterm>\d+) oldest (?P<age>\d+)s records (?P<records>\d+)'
                   r'(?: unpinned (?P<unpinned>\d+))? groups (?P<groups>\d+)$')
CONSOLE = re.compile(r'^\[\s*\d+\.\d+\] ')
PAGE_SIZE = 4096


def blocks(path):
    """The sort_check blocks of a console log."""
    text = open(path, errors='replace').read().replace('\r', '')
    cur = None
    for line in text.splitlines():
        m = re.match(r'^--- gpt-sort begin (.*) pids (\d+) (\d+)$', line)
        if m:
            cur = {'tag': m.group(1), 'pids': (int(m.group(2)), int(m.group(3))),
                   'texts': {}, 'runs': []}
            sink = None
            continue
        if cur is None:
            continue
        if line == '--- gpt-sort end':
            yield cur
            cur = None
            continue
        if CONSOLE.match(line):     # a kernel message on the console
            continue
        m = re.match(r'^--- gpt-sort text (\w+)$', line)
        if m:
            sink = cur['texts'].setdefault(m.group(1), [])
            continue
        m = re.match(r'^--- gpt-sort run (.*)$', line)
        if m:
            run = {'args': m.group(1), 'out': [], 'rc': None}
            cur['runs'].append(run)
            sink = run['out']
            continue
        m = re.match(r'^--- gpt-sort rc (\d+)$', line)
        if m:
            cur['runs'][-1]['rc'] = int(m.group(1))
            sink = None
            continue
        if sink is not None:
            sink.append(line)
    if cur is not None:
        yield dict(cur, truncated=True)


def parse_run(run):
    """The groups (with their stacks) and the total of a sorter run."""
    groups, total = [], None
    for line in run['out']:
        if line.startswith('        ') and groups:
            groups[-1]['stack'].append(line)
            continue
        if not line:
            continue
        m = TOTAL.match(line)
        if m:
            total = {k: (int(v) if v is not None and v.isdigit() else v)
                     for k, v in m.groupdict().items()}
            continue
        m = GROUP.match(line)
        if not m:
            raise ValueError('not a sorter line: %r' % line)
        g = {k: (int(v) if v is not None and k not in ('reason', 'comm') else v)
             for k, v in m.groupdict().items()}
        g['stack'] = []
        groups.append(g)
    if total is None:
        raise ValueError('no total line')
    return groups, total


def stats_of(lines):
    return {k: int(v) for k, v in
            (re.match(r'^(\w+): (-?\d+)$', l).groups() for l in lines
             if re.match(r'^(\w+): (-?\d+)$', l))}


def processes_of(lines):
    out = []
    for l in lines:
        m = re.match(r'^pid (\d+) comm (.+) pages (\d+) pins (\d+) longterm (\d+) oldest \d+s$', l)
        if not m:
            raise ValueError('not a processes line: %r' % l)
        out.append((int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)),
                    int(m.group(5))))
    return sorted(out)


def pinners_of(lines):
    out, cur = [], None
    for l in lines:
        m = re.match(r'^pages (\d+) pins (\d+) longterm (\d+) oldest \d+s$', l)
        if m:
            cur = [tuple(int(x) for x in m.groups()), []]
            out.append(cur)
        elif l.startswith('        ') and cur:
            cur[1].append(l)
    return sorted((n, tuple(s)) for n, s in out)


def failures_of(lines):
    recs = []
    for l in lines:
        m = re.match(r'^\d+s (.+?): pfn 0x[0-9a-f]+ pins \d+', l)
        if m:
            recs.append((m.group(1), bool(re.search(r' unpinned after \d+s$', l))))
    return recs


class Checker:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def check(self, tag, name, ok, detail=''):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print('sort_compare: %s: %s %s%s' % (tag, 'ok' if ok else 'FAIL', name,
                                            (': ' + detail) if detail and not ok else ''),
              file=sys.stderr)

    def skip(self, tag, name, why):
        self.skipped += 1
        print('sort_compare: %s: SKIP %s: %s' % (tag, name, why), file=sys.stderr)


def check_block(c, b):
    tag = b['tag']
    if b.get('truncated'):
        c.check(tag, 'the block ends', False, 'no "--- gpt-sort end"')
        return
    texts, p1, p2 = b['texts'], b['pids'][0], b['pids'][1]
    runs = {r['args'].replace('/tmp/sort/', '').replace('/sys/kernel/debug/gup_pin_tracking/',
                                                        'live:'): r for r in b['runs']}
    parsed = {}
    bad = []
    for a, r in runs.items():
        try:
            if r['rc'] != 0:
                raise ValueError('exit status %s' % r['rc'])
            parsed[a] = parse_run(r)
        except ValueError as e:
            bad.append('%s: %s' % (a, e))
    c.check(tag, 'every run exits 0 and prints a total', not bad and parsed, '; '.join(bad))
    stats = stats_of(texts.get('stats', []))
    want = (stats.get('pinned_pages'), stats.get('pins'), stats.get('longterm_pinned_pages'))
    stacks = stats.get('stacks') == 1

    def total(a):
        return parsed[a][1] if a in parsed else None

    def tri(t):
        return (t['pages'], t['pins'], t['longterm']) if t else None

    t = total('--cull=pid,comm pinned')
    c.check(tag, 'pinned: total pages, pins, longterm = stats', t and tri(t) == want,
            'sorter %s, stats %s' % (tri(t), want))
    c.check(tag, 'pinned: bytes = pages * %d' % PAGE_SIZE,
            t and t['bytes'] == t['pages'] * PAGE_SIZE and t['pages'] > 0,
            'pages %s bytes %s' % (t and t['pages'], t and t['bytes']))
    lines = [l for l in texts.get('pinned', []) if l.startswith('pfn ')]
    c.check(tag, 'pinned: records = pfn lines', t and t['records'] == len(lines),
            'sorter %s, text %d' % (t and t['records'], len(lines)))
    t = total('--cull=longterm,pid live:pinned')
    c.check(tag, 'live pinned file: same total pages and pins as its copy',
            t and (t['pages'], t['pins']) == want[:2],
            'live %s, copy %s' % (tri(t), want))
    if '--cull=longterm --sort=-longterm pinned' in parsed:
        g, t = parsed['--cull=longterm --sort=-longterm pinned']
        lt = [x for x in g if x['longterm']]
        c.check(tag, '--cull=longterm: one long-term group, all its pages long-term',
                len(lt) <= 1 and all(x['longterm'] == x['pages'] for x in lt) and
                sum(x['longterm'] for x in g) == want[2] and
                (not g or g[0]['longterm'] >= g[-1]['longterm']),
                '%s' % [(x['pages'], x['longterm']) for x in g])
    t = total('--cull=pid --min-age 1000000 pinned')
    c.check(tag, '--min-age 1000000 selects nothing',
            t and t['pages'] == 0 and t['groups'] == 0, '%s' % t)

    if not stacks:
        # on mode: no pid or comm in the text, so nothing is selected by them.
        for a in ('--pid %d pinned' % p2, '--name hold_other --cull=comm pinned'):
            t = total(a)
            c.check(tag, '%s: nothing (no pid/comm in on mode)' % a,
                    t and t['pages'] == 0, '%s' % t)
        for f in ('pinners', 'processes'):
            if f in texts:
                c.check(tag, '%s absent in on mode' % f, False)
    else:
        procs = processes_of(texts.get('processes', []))
        g, t = parsed.get('--cull=pid,comm pinned', ([], None))
        mine = sorted((x['pid'], x['comm'], x['pages'], x['pins'], x['longterm']) for x in g)
        c.check(tag, 'pinned --cull=pid,comm = the processes lines', mine == procs,
                '\n  sorter    %s\n  processes %s' % (mine, procs))
        held = {p: [x for x in procs if x[0] == p] for p in (p1, p2)}
        c.check(tag, 'both hold_pins processes hold pins (hold_pins, hold_other)',
                [x[1] for x in held[p1]] == ['hold_pins'] and
                [x[1] for x in held[p2]] == ['hold_other'] and
                all(x[2] > 0 for x in held[p1] + held[p2]), '%s' % held)
        t = total('--pid %d pinned' % p2)
        c.check(tag, '--pid %d: the pages of its processes line' % p2,
                t and held[p2] and t['pages'] == held[p2][0][2] and
                t['pins'] == held[p2][0][3], 'sorter %s, processes %s' % (tri(t), held[p2]))
        g, t = parsed.get('--name hold_other --cull=comm pinned', ([], None))
        c.check(tag, '--name hold_other --cull=comm: one group, its processes line',
                len(g) == 1 and held[p2] and g[0]['comm'] == 'hold_other' and
                g[0]['pid'] is None and g[0]['pages'] == held[p2][0][2],
                '%s' % g)
        t = total('--cull=pid,comm processes')
        c.check(tag, 'processes: total = stats, one group a line',
                t and tri(t) == want and t['groups'] == len(procs),
                'sorter %s groups %s, stats %s lines %d' % (tri(t), t and t['groups'], want,
                                                           len(procs)))
        pinners = pinners_of(texts.get('pinners', []))
        t = total('--cull=stack pinners')
        c.check(tag, 'pinners: total = stats, one group a stack',
                t and tri(t) == want and t['groups'] == len(pinners),
                'sorter %s groups %s, stats %s stacks %d' % (tri(t), t and t['groups'], want,
                                                            len(pinners)))
        g, t = parsed.get('--cull=stack pinned', ([], None))
        mine = sorted(((x['pages'], x['pins'], x['longterm']), tuple(x['stack'])) for x in g)
        c.check(tag, 'pinned --cull=stack = the pinners groups (sums and stacks)',
                mine == pinners,
                '\n  sorter  %s\n  pinners %s' % ([m[0] for m in mine], [p[0] for p in pinners]))

    if 'failures' not in texts:
        c.skip(tag, 'failures', 'no failures file')
        return
    recs = failures_of(texts['failures'])
    g, t = parsed.get('--type failures --cull=reason,pid failures', ([], None))
    c.check(tag, 'failures: records, pages and unpinned = the records of the text',
            t and t['records'] == len(recs) and t['pages'] == len(recs) and
            t['unpinned'] == sum(1 for r in recs if r[1]),
            'sorter %s, text %d records %d unpinned' % (t, len(recs),
                                                       sum(1 for r in recs if r[1])))
    want_r, mine_r = {}, {}
    for r in recs:
        want_r[r[0]] = want_r.get(r[0], 0) + 1
    for x in g:
        mine_r[x['reason']] = mine_r.get(x['reason'], 0) + x['records']
    c.check(tag, 'failures --cull=reason,pid: records per reason', mine_r == want_r,
            'sorter %s, text %s' % (mine_r, want_r))


def main(paths):
    c = Checker()
    for path in paths:
        found = False
        try:
            for b in blocks(path):
                found = True
                check_block(c, b)
        except (OSError, ValueError) as e:
            c.check(path, 'read the log', False, str(e))
            continue
        if not found:
            c.check(path, 'a gup_pin_tracking_sort block in the log', False)
    print('%d %d %d' % (c.passed, c.failed, c.skipped))
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
