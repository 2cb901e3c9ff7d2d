# Guest job for make check-series SERIES_DEFCONFIG_BOOT=1: the base's own
# x86_64_defconfig + gup_pin_tracking.config, booted without any
# gup_pin_tracking= parameter. Tracking must be on, and the selftest's
# io_uring case (32 registered pages: exact counts, pinned list, long-term
# flag, back to the baseline after, verify clean) must pass.
. /jobs/common.sh
[ -r $GPT/stats ] || { echo "defconfig: no $GPT/stats"; exit 1; }
cat $GPT/stats
gup_pin_tracking -t uring_fixed_buffers || exit 1
cat $GPT/stats
tail -n 1 $GPT/verify
