# Guest job: a pinned page blocks memory offlining and the tracker names it
# (booted with movablecore= so user memory sits in ZONE_MOVABLE).
. /jobs/common.sh
setup_devices
section "kselftest gup_pin_tracking: offline_blocked_by_pin"
/bin/gup_pin_tracking -t offline_blocked_by_pin
rc=$?
section "kernel log of the offline attempt"
dmesg | grep -aE "offlin|migrat|gup_pin_tracking|isolat" | tail -n 20
exit $rc
