#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host unit test of tools/mm/gup_pin_tracking_sort (no guest): built with
ASan and UBSan, it must sum known texts of every debugfs file exactly,
refuse bad text with exit status 1 and a message naming the line, refuse
bad options with 2, and survive mutated input (a small seeded fuzz) with
no sanitizer report.

Usage: sort_test.py SOURCE WORKDIR; prints "passed failed skipped"."""
import os
import random
import re
import subprocess
import sys

PINNED_ON = """\
pfn 0x1000 pins 1 age 5s
pfn 0x1001 pins 3 longterm age 7s
pfn 0x1002 pins 1 longterm age 2s
pfn 0x2000 pins 2 age 9s
"""

STACK_A = "        io_pin_pages+0x1/0x2\n        io_sqe_buffer_register+0x3/0x4\n"
STACK_B = "        iov_iter_extract_pages+0x294/0x1ff0\n        bio_iov_iter_get_pages+0x2bd/0x1160\n"

PINNED_STACKS = (
    "pfn 0x1000 pins 1 longterm age 5s pid 10 comm hold_pins\n" + STACK_A +
    "pfn 0x1001 pins 1 longterm age 6s pid 10 comm hold_pins\n" + STACK_A +
    "pfn 0x1002 pins 2 age 1s pid 11 comm my prog\n" + STACK_B +
    "pfn 0x1003 pins 1 longterm age 30s pid 12 comm -\n" + STACK_A +
    "pfn 0x1004 pins 4 age 3s pid 11 comm my prog\n" + STACK_B)

PINNERS = (
    "pages 3 pins 3 longterm 3 oldest 30s\n" + STACK_A + "\n" +
    "pages 2 pins 6 longterm 0 oldest 3s\n" + STACK_B + "\n" +
    "pages 1 pins 1 longterm 0 oldest 1s\n        (no stack recorded)\n\n")

PROCESSES = """\
pid 11 comm my prog pages 2 pins 6 longterm 0 oldest 3s
pid 10 comm hold_pins pages 2 pins 2 longterm 2 oldest 6s
pid 13 comm x pages 9 pages 1 pins 1 longterm 1 oldest 30s
"""

FAILURES = (
    "89s longterm pin: pfn 0x604ae pins 1 age 0s refs 1026 pid 85 comm gup_pin_trackin"
    " unpinned after 0s\n" + STACK_B + "    unpinned by:\n" + STACK_A + "\n" +
    "71s memory offline: pfn 0x7ffcb pins 2 longterm age 4s refs 1027 pid 72 comm a b\n" +
    STACK_A + "\n" +
    "61s memory offline: pfn 0x58b56 pins 1 age 0s refs 1026 pid 72 comm a b"
    " unpinned after 3s\n" + STACK_A + "    unpinned by:\n" + STACK_B + "\n")

FAILURES_ON = """\
12s alloc_contig_range: pfn 0x100 pins 1 age 0s refs 3 unpinned after 2s

10s alloc_contig_range: pfn 0x101 pins 1 longterm age 1s refs 4

"""


class T:
    def __init__(self, binary, work):
        self.bin, self.work = binary, work
        self.passed = self.failed = 0

    def run(self, args, text, leaks=True):
        env = dict(os.environ, ASAN_OPTIONS='detect_leaks=%d' % leaks)
        p = subprocess.run([self.bin] + args + ['-'], input=text, env=env,
                           capture_output=True, timeout=30)
        return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')

    def ok(self, name, cond, detail=''):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print('sort_test: FAIL %s%s' % (name, ('\n' + detail) if detail else ''),
                  file=sys.stderr)

    def out(self, name, args, text, want):
        rc, out, err = self.run(args, text.encode())
        self.ok(name, rc == 0 and out == want and not err,
                'rc %d\n--- got\n%s--- want\n%s--- stderr\n%s' % (rc, out, want, err))

    def bad(self, name, args, text, msg, status=1):
        # An option error exits at once: no leak check there.
        rc, out, err = self.run(args, text if isinstance(text, bytes) else text.encode(),
                                leaks=status != 2)
        self.ok(name, rc == status and re.search(msg, err) and
                'runtime error' not in err and 'Sanitizer' not in err,
                'rc %d (want %d), stderr %r (want /%s/)' % (rc, status, err, msg))


def good(t):
    t.out('on-mode pinned, default cull (long-term or not)', [], PINNED_ON,
          'pages 2 bytes 8192 pins 4 longterm 2 oldest 7s records 2\n'
          'pages 2 bytes 8192 pins 3 longterm 0 oldest 9s records 2\n'
          'total pages 4 bytes 16384 pins 7 longterm 2 oldest 9s records 4 groups 2\n')
    t.out('on-mode pinned, --longterm --page-size 65536',
          ['--longterm', '--page-size', '65536', '--cull=longterm'], PINNED_ON,
          'pages 2 bytes 131072 pins 4 longterm 2 oldest 7s records 2\n'
          'total pages 2 bytes 131072 pins 4 longterm 2 oldest 7s records 2 groups 1\n')
    t.out('on-mode pinned, --cull=none --sort=-age', ['--cull=none', '--sort=-age'], PINNED_ON,
          'pages 1 bytes 4096 pins 2 longterm 0 oldest 9s records 1\n'
          'pages 1 bytes 4096 pins 3 longterm 1 oldest 7s records 1\n'
          'pages 1 bytes 4096 pins 1 longterm 0 oldest 5s records 1\n'
          'pages 1 bytes 4096 pins 1 longterm 1 oldest 2s records 1\n'
          'total pages 4 bytes 16384 pins 7 longterm 2 oldest 9s records 4 groups 4\n')
    t.out('on-mode pinned, --min-age 5 --max-age 7 --short-term',
          ['--min-age', '5', '--max-age', '7', '--short-term', '--cull=longterm'], PINNED_ON,
          'pages 1 bytes 4096 pins 1 longterm 0 oldest 5s records 1\n'
          'total pages 1 bytes 4096 pins 1 longterm 0 oldest 5s records 1 groups 1\n')
    t.out('stacks pinned, --cull=pid,comm (comm with a space, comm -)',
          ['--cull=pid,comm', '--sort=+pid'], PINNED_STACKS,
          'pages 2 bytes 8192 pins 2 longterm 2 oldest 6s records 2 pid 10 comm hold_pins\n'
          'pages 2 bytes 8192 pins 6 longterm 0 oldest 3s records 2 pid 11 comm my prog\n'
          'pages 1 bytes 4096 pins 1 longterm 1 oldest 30s records 1 pid 12 comm -\n'
          'total pages 5 bytes 20480 pins 9 longterm 3 oldest 30s records 5 groups 3\n')
    t.out('stacks pinned, --cull=stack', ['--cull=stack'], PINNED_STACKS,
          'pages 3 bytes 12288 pins 3 longterm 3 oldest 30s records 3\n' + STACK_A + '\n'
          'pages 2 bytes 8192 pins 6 longterm 0 oldest 3s records 2\n' + STACK_B + '\n'
          'total pages 5 bytes 20480 pins 9 longterm 3 oldest 30s records 5 groups 2\n')
    t.out('stacks pinned, --pid 11 --name, --tgid', ['--tgid', '11,12', '--name', 'my prog',
                                                     '--cull=comm'], PINNED_STACKS,
          'pages 2 bytes 8192 pins 6 longterm 0 oldest 3s records 2 comm my prog\n'
          'total pages 2 bytes 8192 pins 6 longterm 0 oldest 3s records 2 groups 1\n')
    t.out('pinners, --sort=+pins, no stack recorded', ['--sort=+pins'], PINNERS,
          'pages 1 bytes 4096 pins 1 longterm 0 oldest 1s records 1\n'
          '        (no stack recorded)\n\n'
          'pages 3 bytes 12288 pins 3 longterm 3 oldest 30s records 1\n' + STACK_A + '\n'
          'pages 2 bytes 8192 pins 6 longterm 0 oldest 3s records 1\n' + STACK_B + '\n'
          'total pages 6 bytes 24576 pins 10 longterm 3 oldest 30s records 3 groups 3\n')
    t.out('processes, comm with " pages " in it, --sort=comm', ['--cull=pid,comm', '--sort=comm'],
          PROCESSES,
          'pages 2 bytes 8192 pins 2 longterm 2 oldest 6s records 1 pid 10 comm hold_pins\n'
          'pages 2 bytes 8192 pins 6 longterm 0 oldest 3s records 1 pid 11 comm my prog\n'
          'pages 1 bytes 4096 pins 1 longterm 1 oldest 30s records 1 pid 13 comm x pages 9\n'
          'total pages 5 bytes 20480 pins 9 longterm 3 oldest 30s records 3 groups 3\n')
    t.out('failures, --cull=reason,pid', ['--cull=reason,pid'], FAILURES,
          'memory offline: pages 2 bytes 8192 pins 3 longterm 1 oldest 4s records 2 unpinned 1'
          ' pid 72\n'
          'longterm pin: pages 1 bytes 4096 pins 1 longterm 0 oldest 0s records 1 unpinned 1'
          ' pid 85\n'
          'total pages 3 bytes 12288 pins 4 longterm 1 oldest 4s records 3 unpinned 2 groups 2\n')
    t.out('failures, --cull=stack: the pinner\'s stack, not the unpinner\'s', ['--cull=stack'],
          FAILURES,
          'pages 2 bytes 8192 pins 3 longterm 1 oldest 4s records 2 unpinned 1\n' + STACK_A +
          '\n'
          'pages 1 bytes 4096 pins 1 longterm 0 oldest 0s records 1 unpinned 1\n' + STACK_B +
          '\n'
          'total pages 3 bytes 12288 pins 4 longterm 1 oldest 4s records 3 unpinned 2 groups 2\n')
    t.out('on-mode failures (no pid/comm)', ['--cull=reason'], FAILURES_ON,
          'alloc_contig_range: pages 2 bytes 8192 pins 2 longterm 1 oldest 1s records 2'
          ' unpinned 1\n'
          'total pages 2 bytes 8192 pins 2 longterm 1 oldest 1s records 2 unpinned 1 groups 1\n')
    t.out('a console copy: CR LF, no newline at the end', ['--cull=none'],
          'pfn 0x1 pins 1 age 0s\r\npfn 0x2 pins 2 age 0s',
          'pages 1 bytes 4096 pins 2 longterm 0 oldest 0s records 1\n'
          'pages 1 bytes 4096 pins 1 longterm 0 oldest 0s records 1\n'
          'total pages 2 bytes 8192 pins 3 longterm 0 oldest 0s records 2 groups 2\n')
    t.out('empty input (nothing pinned)', [], '',
          'total pages 0 bytes 0 pins 0 longterm 0 oldest 0s records 0 groups 0\n')
    t.out('--type forces the type', ['--type', 'processes'], PROCESSES.splitlines()[1] + '\n',
          'pages 2 bytes 8192 pins 2 longterm 2 oldest 6s records 1 pid 10 comm hold_pins\n'
          'total pages 2 bytes 8192 pins 2 longterm 2 oldest 6s records 1 groups 1\n')
    # Files, not pipes: <input> <output>.
    src, dst = os.path.join(t.work, 'in.txt'), os.path.join(t.work, 'out.txt')
    open(src, 'w').write(PINNED_ON)
    p = subprocess.run([t.bin, '--cull=none', src, dst], capture_output=True)
    t.ok('input and output files', p.returncode == 0 and not p.stdout and
         open(dst).read().endswith('records 4 groups 4\n'), str(p))
    p = subprocess.run([t.bin, os.path.join(t.work, 'missing')], capture_output=True)
    t.ok('a missing input file: exit 1', p.returncode == 1 and b'missing' in p.stderr, str(p))
    p = subprocess.run([t.bin, '--help'], capture_output=True)
    t.ok('--help', p.returncode == 0 and b'--cull' in p.stdout, str(p))


def bad(t):
    b = t.bad
    b('not debugfs text', [], 'hello\n', r'<stdin>:1: not pinned, pinners')
    b('bad hex', [], 'pfn 0xzz pins 1 age 0s\n', r':1: bad pinned line: no pfn')
    b('number out of range', [], 'pfn 0x1 pins 99999999999999999999999 age 0s\n',
      r':1: pins out of range')
    b('pfn out of range', [], 'pfn 0x%s pins 1 age 0s\n' % ('f' * 17), r'pfn out of range')
    b('line too long', [], 'pfn 0x1 pins 1 age 0s pid 1 comm ' + 'x' * 5000 + '\n',
      r':1: line longer than 4095')
    b('NUL byte', [], b'pfn 0x1 pins 1 age 0s\npfn 0x2\x00 pins 1 age 0s\n', r':2: NUL byte')
    b('stack line first', [], STACK_A, r':1: stack line outside a record')
    b('stack line in processes', [], PROCESSES + STACK_A, r':4: stack line in processes')
    b('unpinned by: in pinned', [], PINNED_STACKS.replace(STACK_B, '    unpinned by:\n', 1),
      r'"unpinned by:" out of place')
    b('two "unpinned by:"', [], FAILURES.replace('    unpinned by:\n',
                                                 '    unpinned by:\n    unpinned by:\n', 1),
      r':5: "unpinned by:" out of place')
    b('a processes line in pinned', [], PINNED_ON + PROCESSES, r':5: bad pinned line')
    b('trailing text', [], 'pages 1 pins 1 longterm 0 oldest 0s x\n', r'trailing')
    b('longterm more than pages', [], 'pages 1 pins 1 longterm 2 oldest 0s\n',
      r'longterm 2 is more than pages 1')
    b('comm too long', [], 'pfn 0x1 pins 1 age 0s pid 1 comm ' + 'c' * 64 + '\n',
      r'comm longer than 63')
    b('empty comm', [], 'pid 1 comm  pages 1 pins 1 longterm 0 oldest 0s\n', r'empty comm')
    b('pid out of range', [], 'pfn 0x1 pins 1 age 0s pid 2147483648 comm a\n',
      r'pid out of range')
    b('no " pages " in processes', [], 'pid 1 comm a\n', r'no " pages "')
    b('failures without ": pfn 0x"', [], '1s memory offline pfn 0x1 pins 1 age 0s refs 1\n',
      r'no ": pfn 0x"')
    b('a sum overflows', [], 'pages 18446744073709551615 pins 1 longterm 0 oldest 0s\n\n'
      'pages 1 pins 1 longterm 0 oldest 0s\n', r'a sum overflows')
    b('bytes overflow', ['--page-size', '65536'],
      'pages 1152921504606846976 pins 1 longterm 0 oldest 0s\n', r'bytes overflow')
    b('a stack too long', [], 'pfn 0x1 pins 1 age 0s\n' + '        f+0x1/0x2\n' * 300,
      r':258: stack longer than 256 lines')
    b('an empty stack line', [], 'pfn 0x1 pins 1 age 0s\n        \n', r'empty stack line')
    b('indented by other than eight', [], 'pfn 0x1 pins 1 age 0s\n   f+0x1/0x2\n',
      r':2: bad pinned line')
    # Options: exit status 2.
    for args, msg in ((['--cull=foo'], r"wrong --cull rule: 'foo'"),
                      (['--cull=none,pid'], r'--cull none goes alone'),
                      (['--sort=bar'], r"wrong --sort key: 'bar'"),
                      (['--sort=' + ','.join(['pages'] * 9)], r'more than 8 --sort keys'),
                      (['--page-size', '3'], r'not a power of two'),
                      (['--pid', 'x'], r"wrong pid: 'x'"),
                      (['--pid', ','], r'empty --pid'),
                      (['--min-age', '-1'], r"wrong --min-age"),
                      (['--longterm', '--short-term'], r'exclude each other'),
                      (['--type', 'stats'], r"wrong --type: 'stats'"),
                      (['a', 'b'], r'more than an input and an output')):
        b('option %s' % ' '.join(args)[:40], args, '', msg, status=2)


def mutate(rng, text):
    data = bytearray(text)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            data[pos:pos] = bytes(rng.choice(b' 0123456789xs:\n-') for _ in range(rng.randint(1, 8)))
        elif op == 2:
            del data[pos:pos + rng.randint(1, 40)]
        elif op == 3:
            data[pos:pos] = rng.choice([b'\n', b'        ', b'    unpinned by:\n',
                                        b'99999999999999999999', b' longterm', b'\x00'])
        elif op == 4:
            lines = data.split(b'\n')
            i = rng.randrange(len(lines))
            lines[i:i] = [lines[i]] * rng.randint(1, 300)
            data = bytearray(b'\n'.join(lines))
        else:
            data = data[:pos]
    return bytes(data)


def fuzz(t, runs):
    rng = random.Random(20260607)
    seeds = [s.encode() for s in (PINNED_ON, PINNED_STACKS, PINNERS, PROCESSES, FAILURES,
                                  FAILURES_ON)]
    crashes = []
    for i in range(runs):
        text = mutate(rng, rng.choice(seeds))
        args = rng.choice([[], ['--cull=stack'], ['--cull=none', '--sort=-age,comm'],
                           ['--cull=pid,comm,reason', '--sort=comm,-pid']])
        rc, out, err = t.run(args, text)
        if rc not in (0, 1) or 'runtime error' in err or 'Sanitizer' in err or \
           (rc == 1 and 'gup_pin_tracking_sort: ' not in err) or \
           (rc == 0 and not out.rstrip('\n').split('\n')[-1].startswith('total ')):
            crashes.append((rc, text, err))
    t.ok('fuzz: %d mutated inputs, exit 0 with a total or 1 with a message' % runs,
         not crashes, '\n'.join('rc %d input %r\n%s' % (rc, x[:300], e[:500])
                                for rc, x, e in crashes[:3]))


def main(src, work):
    os.makedirs(work, exist_ok=True)
    binary = os.path.join(work, 'gup_pin_tracking_sort')
    p = subprocess.run(['gcc', '-g', '-O1', '-Wall', '-Wextra', '-Werror',
                        '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
                        '-o', binary, src], capture_output=True, text=True)
    if p.returncode:
        print('sort_test: build failed:\n' + p.stderr, file=sys.stderr)
        print('0 1 0')
        return 1
    t = T(binary, work)
    good(t)
    bad(t)
    fuzz(t, int(os.environ.get('SORT_FUZZ_RUNS', '400')))
    print('sort_test: %d passed, %d failed' % (t.passed, t.failed), file=sys.stderr)
    print('%d %d 0' % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
