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

for mode in on off; do
	log=$BUILD/uml-kunit-$mode.log
	json=$BUILD/uml-kunit-$mode.json
	say "running KUnit on UML with gup_pin_tracking=$mode"
	"${KUNIT[@]}" exec --build_dir="$UML" --timeout=600 \
		--kernel_args="gup_pin_tracking=$mode" --json="$json" \
		gup_pin_tracking 2>&1 | tee "$log.parsed" | grep -E '^\[|^={5,}' | tail -40 || true
	cp "$UML/test.log" "$log" 2>/dev/null || true
	read -r p f s < <(python3 - "$json" <<'PY'
import json, sys
p = f = s = 0
def walk(t):
    global p, f, s
    for c in t.get("sub_groups", []):
        walk(c)
    for c in t.get("test_cases", []):
        st = c.get("status")
        if st == "PASS": p += 1
        elif st == "SKIP": s += 1
        else: f += 1
try:
    d = json.load(open(sys.argv[1]))
    walk(d)
except Exception:
    f += 1
print(p, f, s)
PY
)
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
	say "UML KUnit gup_pin_tracking=$mode: $p passed, $f failed, $s skipped"
	echo "$p $f $s" > "$RES/uml-kunit-$mode"
done
