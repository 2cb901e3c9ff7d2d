# Guest job for the post-mortem tests: hold known pins, show what debugfs
# says about them, then wait for the host to dump the VM's memory and stop
# it under gdb (scripts/postmortem_compare.py reads the sections).
. /jobs/common.sh
setup_devices
/bin/hold_pins &
i=0
while [ ! -e /tmp/hold.ready ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
section "debugfs before the stop"
# Booted with gup_pin_tracking.stale_secs=300: the boot parameter took.
echo "--- stale_secs $(cat $GPT/stale_secs)"
echo "--- stats"
grep -E '^(pinned_pages|pins|longterm_pinned_pages):' $GPT/stats
echo "--- pinned"
cat $GPT/pinned
echo "--- pinners"
cat $GPT/pinners
echo "--- failures"
cat $GPT/failures
echo "--- end"
echo "GPT-GDB-READY"
sleep 600
