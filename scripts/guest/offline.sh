# Guest job: a pinned page blocks memory offlining and the tracker names it
# (booted with movablecore= so user memory sits in ZONE_MOVABLE); then the
# stress case again, now with movable blocks going offline and online
# under the pins.
. /jobs/common.sh
setup_devices
section "kselftest gup_pin_tracking: offline_blocked_by_pin, stress"
/bin/gup_pin_tracking -t offline_blocked_by_pin -t stale_short_term_pin \
	-t pid_reuse -t longterm_pin_blocked -t udmabuf_pin_blocked \
	-t offline_blocked_by_reference \
	-t stale_scan_cost -t processes_largest_first
rc=$?
PINTRACK_STRESS_SECS=${PINTRACK_STRESS_SECS:-20} /bin/gup_pin_tracking -t stress || rc=1
sort_check "stacks-mode text"
section "failures (the pinned pages that blocked a migration)"
head -n 40 $GPT/failures
section "kernel log of the offline attempts"
dmesg | grep -aE "offlin|migrat|gup_pin_tracking|isolat" | tail -n 20
show_tracking "after the offline and stress cases"
exit $rc
