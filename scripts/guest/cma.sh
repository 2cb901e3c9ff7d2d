# Guest job: pinned user pages inside CMA areas (cma= and hugetlb_cma=)
# make a whole-area allocation (debugfs) and a 1 GiB hugetlb page fail;
# the failures record names the page and its pinner, and its release.
. /jobs/common.sh
setup_devices
section "CMA areas"
for a in /sys/kernel/debug/cma/*/; do
	echo "$(basename "$a"): base_pfn $(cat "$a/base_pfn") count $(cat "$a/count")"
done
section "kselftest gup_pin_tracking: cma_alloc_blocked, gigantic_alloc_blocked"
/bin/gup_pin_tracking -t cma_alloc_blocked -t gigantic_alloc_blocked
rc=$?
section "failures (the pinned pages that blocked a migration)"
head -n 40 $GPT/failures
section "kernel log of the allocation attempts"
dmesg | grep -aE "cma|alloc_contig|gup_pin_tracking" | tail -n 20
show_tracking "after the CMA cases"
exit $rc
