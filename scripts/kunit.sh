#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the gup_pin_tracking KUnit suite on UML (KASAN, lockdep, DEBUG_VM),
# booted with gup_pin_tracking=on and again with =off. Writes one result
# line per boot to $BUILD/results/ as "<passed> <failed> <skipped>".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/logscan.sh"

bash "$TOP/scripts/tree.sh"
UML=$BUILD/uml
RES=$BUILD/results
mkdir -p "$UML" "$RES"
cd "$SRC"

KUNIT=(python3 tools/testing/kunit/kunit.py)
say "building the UML KUnit kernel in $UML (ccache)"
start=$(date +%s)
"${KUNIT[@]}" build --kunitconfig=mm/tests --build_dir="$UML" --jobs="$(nproc)" \
	--make_options CC="ccache gcc" 2>&1 | tail -5
say "UML build took $(( $(date +%s) - start ))s"

# Boot checks: what the log must (not) say for a mode.
boot_check() {
	local mode=$1 log=$2
	case $mode in
	on | stacks)
		grep -q "gup_pin_tracking: enabled" "$log" || {
			say "$mode: tracking did not start"; return 1; }
		grep -q "allocated [0-9]* bytes of page_ext" "$log" || {
			say "$mode: no page_ext allocated"; return 1; }
		;;
	off)
		! grep -q "gup_pin_tracking: enabled" "$log" || {
			say "off: tracking started"; return 1; }
		! grep -q "bytes of page_ext" "$log" || {
			say "off: page_ext memory was reserved"; return 1; }
		;;
	bogus)
		grep -q "gup_pin_tracking: invalid value 'bogus' for gup_pin_tracking=" "$log" || {
			say "bogus: no clear message for the bad value"; return 1; }
		! grep -q "gup_pin_tracking: enabled" "$log" || {
			say "bogus: tracking started"; return 1; }
		;;
	esac
	say "boot check gup_pin_tracking=$mode: ok"
}

for mode in on stacks off bogus; do
	log=$BUILD/uml-kunit-$mode.log
	json=$BUILD/uml-kunit-$mode.json
	rm -f "$json" "$UML/test.log"
	say "running KUnit on UML with gup_pin_tracking=$mode"
	"${KUNIT[@]}" exec --build_dir="$UML" --timeout=600 \
		--kernel_args="gup_pin_tracking=$mode" --json="$json" \
		gup_pin_tracking 2>&1 | tee "$log.parsed" | grep -E '^\[|^={5,}' | tail -40 || true
	cp "$UML/test.log" "$log" 2>/dev/null || : > "$log"
	read -r p f s < <(python3 "$TOP/scripts/kunit_counts.py" --strict "$json")
	probs=$(log_problems "$log")
	if [ -n "$probs" ]; then
		say "kernel log of the $mode run has problems:"
		printf '%s\n' "$probs" | head -20 >&2
		f=$((f + 1))
	fi
	if [ "$((p + f + s))" -eq 0 ]; then
		say "no KUnit result for the $mode run"
		f=1
	fi
	if boot_check "$mode" "$log"; then
		p=$((p + 1))
	else
		f=$((f + 1))
	fi
	say "UML KUnit gup_pin_tracking=$mode: $p passed, $f failed, $s skipped"
	echo "$p $f $s" > "$RES/uml-kunit-$mode"
done
