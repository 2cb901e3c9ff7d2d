#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print "<case> <PASS|FAIL|SKIP|...>" for every case of a kunit.py --json file."""
import json
import sys


def walk(t):
    for c in t.get("sub_groups", []):
        walk(c)
    for c in t.get("test_cases", []):
        print(c.get("name"), c.get("status"))


try:
    with open(sys.argv[1]) as f:
        walk(json.load(f))
except (OSError, ValueError):
    pass
