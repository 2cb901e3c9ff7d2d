#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: a short run of the benchmark harness on the test guest kernel
# (deterministic -icount, 1 s fio jobs), so that make bench cannot rot. It
# checks that every workload produced a figure, never what the figure is.
. "$(dirname "$0")/../lib.sh"
mkdir -p "$BUILD/results"
if SMOKE=1 bash "$TOP/scripts/bench.sh"; then
	echo "1 0 0" > "$BUILD/results/bench-smoke"
else
	echo "0 1 0" > "$BUILD/results/bench-smoke"
fi
