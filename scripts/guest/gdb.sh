# Guest job for the post-mortem test: hold known pins, show what debugfs
# says about them, then wait for the host to stop the VM under gdb.
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
echo "--- end"
echo "GPT-GDB-READY"
sleep 600
