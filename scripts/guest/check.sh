# Guest job for make check: the gup_pin_tracking kselftest, then the
# tracker's state after it. KUnit ran at boot, before this.
. /jobs/common.sh
setup_devices
section "kselftest gup_pin_tracking"
/bin/gup_pin_tracking
rc=$?
sort_check "on-mode text"
show_tracking "after the kselftest"
exit $rc
