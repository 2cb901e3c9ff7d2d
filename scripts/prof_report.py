#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-function instruction difference of two insnprof.so outputs.

Usage: prof_report.py VMLINUX LOW.prof HIGH.prof UNITS
Prints, per kernel function, (HIGH - LOW) / UNITS instructions, largest
first, and the total.
"""
import bisect
import subprocess
import sys
from collections import Counter


def symbols(vmlinux):
    out = subprocess.run(['nm', '-n', vmlinux], capture_output=True,
                         text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'tTwW':
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    return addrs, names


def load(path, addrs, names):
    per = Counter()
    with open(path) as f:
        for line in f:
            a, n = line.split()
            i = bisect.bisect_right(addrs, int(a, 16)) - 1
            per[names[i] if i >= 0 else '?'] += int(n)
    return per


def main():
    vmlinux, lo, hi, units = sys.argv[1:5]
    units = int(units)
    addrs, names = symbols(vmlinux)
    a = load(lo, addrs, names)
    b = load(hi, addrs, names)
    diff = {k: (b[k] - a[k]) / units for k in set(a) | set(b)}
    total = sum(diff.values())
    print(f'{"instructions/unit":>18}  function   (units = {units})')
    for k, v in sorted(diff.items(), key=lambda kv: -abs(kv[1])):
        if abs(v) < 0.05 * max(1.0, abs(total)) / 100 and abs(v) < 0.5:
            continue
        print(f'{v:18.2f}  {k}')
    print(f'{total:18.2f}  TOTAL')


if __name__ == '__main__':
    main()
