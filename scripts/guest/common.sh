# Helpers for guest jobs (busybox sh).
GPT=/sys/kernel/debug/gup_pin_tracking
HOSTLIB=/host/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu
[ -r /jobs/hostlibs ] && HOSTLIB=$(cat /jobs/hostlibs):$HOSTLIB
# Run a host binary (fio) from the read-only 9p share of the host root,
# through the host's dynamic loader. The loader is started through a link
# named after the program, so that the process's comm (what `pinned`,
# `failures` and the trace show) is "fio", not "ld-linux-x86-64".
host_run() {
	local name
	name=$(basename "$1")
	mkdir -p /tmp/hostbin
	ln -sf /host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "/tmp/hostbin/$name"
	"/tmp/hostbin/$name" --library-path "$HOSTLIB" "$@"
}
section() { echo; echo "=== $* ==="; }
show_tracking() {
	section "tracking report: $1"
	if [ -r $GPT/stats ]; then
		cat $GPT/stats
		echo "--- pinned ($(grep -c '^pfn' $GPT/pinned) pages; first 24 lines)"
		head -n 24 $GPT/pinned
		if [ -r $GPT/pinners ]; then
			echo "--- pinners ($(grep -c '^pages' $GPT/pinners) stacks; first 30 lines)"
			head -n 30 $GPT/pinners
		fi
		echo "--- verify"
		head -n 5 $GPT/verify
	else
		echo "(tracking is off: no $GPT)"
	fi
}
setup_devices() {
	modprobe null_blk 2>/dev/null
	echo 16 > /proc/sys/vm/nr_hugepages
	echo madvise > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
	[ -b /dev/nullb0 ] || echo "guest: no /dev/nullb0"
}
# fio from the bench initramfs (/opt/fio), else from the host share.
if [ -x /opt/fio/fio ]; then
	FIO="/opt/fio/ld-linux-x86-64.so.2 --library-path /opt/fio /opt/fio/fio"
else
	FIO="host_run /host/usr/bin/fio"
fi
# tools/mm/gup_pin_tracking_sort on the real debugfs text while two
# hold_pins processes (one started as hold_other) hold their pins: the
# texts, then the sorter's runs, between "--- gpt-sort" lines for the
# host's scripts/sort_compare.py, which checks the sums against the texts
# and the stats. The sorter reads copies, so that all runs see one state,
# and once the live `pinned` file.
sort_check() {
	local f i p1= p2=
	section "gup_pin_tracking_sort: $1"
	rm -rf /tmp/sort /tmp/hold.ready
	mkdir -p /tmp/sort
	ln -sf /bin/hold_pins /tmp/sort/hold_other
	for f in /bin/hold_pins /tmp/sort/hold_other; do
		$f &
		i=0
		while [ ! -e /tmp/hold.ready ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		rm -f /tmp/hold.ready
		[ -z "${p1:-}" ] && p1=$! || p2=$!
	done
	for f in stats pinned pinners processes failures; do
		[ -r $GPT/$f ] && cat $GPT/$f > /tmp/sort/$f
	done
	echo "--- gpt-sort begin $1 pids $p1 $p2"
	for f in stats pinned pinners processes failures; do
		[ -e /tmp/sort/$f ] || continue
		echo "--- gpt-sort text $f"
		cat /tmp/sort/$f
	done
	sort_run --cull=pid,comm /tmp/sort/pinned
	sort_run --cull=stack /tmp/sort/pinned
	sort_run --cull=longterm --sort=-longterm /tmp/sort/pinned
	sort_run --pid "$p2" /tmp/sort/pinned
	sort_run --name hold_other --cull=comm /tmp/sort/pinned
	sort_run --cull=pid --min-age 1000000 /tmp/sort/pinned
	sort_run --cull=longterm,pid $GPT/pinned
	if [ -e /tmp/sort/processes ]; then
		sort_run --cull=stack /tmp/sort/pinners
		sort_run --cull=pid,comm /tmp/sort/processes
	fi
	[ -e /tmp/sort/failures ] &&
		sort_run --type failures --cull=reason,pid /tmp/sort/failures
	echo "--- gpt-sort end"
	kill $p1 $p2
	wait $p1 $p2 2>/dev/null
	return 0
}
sort_run() {
	echo "--- gpt-sort run $*"
	/bin/gup_pin_tracking_sort "$@"
	echo "--- gpt-sort rc $?"
}
