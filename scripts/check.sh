#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project. Ends with one line
# "N passed, N failed, N skipped" and exits non-zero if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RES=$BUILD/results
rm -rf "$RES"
mkdir -p "$RES"
start=$(date +%s)

run_step() {
	local name=$1
	shift
	say "step: $name"
	if ! "$@"; then
		say "step $name failed"
		echo "0 1 0" > "$RES/step-$name"
	fi
}

run_step kunit bash "$TOP/scripts/kunit.sh"
for extra in "$TOP"/scripts/check.d/*.sh; do
	[ -e "$extra" ] || continue
	run_step "$(basename "$extra" .sh)" bash "$extra"
done

p=0 f=0 s=0
for r in "$RES"/*; do
	[ -e "$r" ] || continue
	read -r a b c < "$r"
	say "$(basename "$r"): $a passed, $b failed, $c skipped"
	p=$((p + a)) f=$((f + b)) s=$((s + c))
done
[ $((p + f + s)) -eq 0 ] && f=1
say "make check took $(( $(date +%s) - start ))s"
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
