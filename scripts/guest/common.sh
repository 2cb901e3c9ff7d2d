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
