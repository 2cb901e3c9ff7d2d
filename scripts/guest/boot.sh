# Guest job for the boot-parameter checks: show whether tracking runs.
. /jobs/common.sh
show_tracking "boot"
exit 0
