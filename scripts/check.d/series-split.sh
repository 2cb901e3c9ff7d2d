#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the new files still split by feature for make patches (every
# diff of patches/features/ reverses on them, see scripts/split.sh), so
# that a change CI passes cannot break the mailed series.
. "$(dirname "$0")/../lib.sh"
mkdir -p "$BUILD/results"
if bash "$TOP/scripts/split.sh" check; then
	echo "1 0 0" > "$BUILD/results/series-split"
else
	echo "0 1 0" > "$BUILD/results/series-split"
fi
