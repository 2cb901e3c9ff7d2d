#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print "<passed> <failed> <skipped>" of a kunit.py --json result file.

A missing or unreadable file counts as one failure when --strict is given.
"""
import json
import sys


def main():
    strict = "--strict" in sys.argv
    path = [a for a in sys.argv[1:] if a != "--strict"][0]
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}

    def walk(t):
        for c in t.get("sub_groups", []):
            walk(c)
        for c in t.get("test_cases", []):
            st = c.get("status")
            counts[st if st in ("PASS", "SKIP") else "FAIL"] += 1

    try:
        with open(path) as f:
            walk(json.load(f))
    except (OSError, ValueError):
        if strict:
            counts["FAIL"] += 1
    print(counts["PASS"], counts["FAIL"], counts["SKIP"])


if __name__ == "__main__":
    main()
