#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: tools/mm/gup_pin_tracking_sort on the host, no guest: built
# with ASan and UBSan, it sums known texts of pinned, pinners, processes
# and failures exactly, refuses bad text and bad options, and survives a
# seeded fuzz of mutated input (scripts/sort_test.py; a few seconds).
# The guest jobs check it on real debugfs text (scripts/sort_compare.py).
. "$(dirname "$0")/../lib.sh"
mkdir -p "$BUILD/results"
out=$(python3 "$TOP/scripts/sort_test.py" "$TOP/tools/mm/gup_pin_tracking_sort.c" \
	"$BUILD/sort-test")
[ -n "$out" ] || out="0 1 0"
echo "$out" > "$BUILD/results/sort-host"
