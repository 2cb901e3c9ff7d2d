# Guest job for make run: real pinning I/O with tracking on, the tracking
# report while pins are held and after, and a short summary.
. /jobs/common.sh
setup_devices
FIO=/host/usr/bin/fio
if [ -x "$FIO" ] && host_run $FIO --version; then
	have_fio=1
else
	have_fio=0
	echo "guest: fio not usable over the 9p host share; fio steps skipped"
fi
stat() { sed -n "s/^$1: //p" $GPT/stats; }
base_total=$(stat pins_total)
base_unpins=$(stat unpins_total)
base_errors=$(stat errors)

if [ $have_fio = 1 ]; then
	section "fio: the seed's job (4 KiB O_DIRECT random reads, libaio, iodepth 64) on /dev/nullb0"
	host_run $FIO --name=seed --filename=/dev/nullb0 --direct=1 --rw=randread \
		--bs=4k --ioengine=libaio --iodepth=64 --size=512M --io_size=128M \
		--thread --group_reporting 2>&1 | grep -E 'IOPS|lat \(usec\): min|cpu'
	section "fio: io_uring with registered (fixed) buffers, running in the background"
	host_run $FIO --name=fixedbufs --filename=/dev/nullb0 --direct=1 --rw=randread \
		--bs=4k --ioengine=io_uring --fixedbufs --iodepth=16 --size=512M \
		--time_based --runtime=8 --thread > /tmp/fio-uring.log 2>&1 &
	fio_pid=$!
	# Wait for fio to register its buffers.
	i=0
	while [ "$(stat longterm_pinned_pages)" = 0 ] && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	sleep 1
	show_tracking "while fio holds 16 registered buffers (long-term pins)"
	wait $fio_pid
	grep -E 'IOPS' /tmp/fio-uring.log
fi

section "gup_test: PIN_FAST_BENCHMARK, 64 MiB, 512 pages a call, 4 KiB pages"
gup_test -a -m 64 -r 2 -n 512 -T
section "gup_test: PIN_FAST_BENCHMARK on THP"
gup_test -a -m 64 -r 2 -n 512 -t
section "gup_test: PIN_FAST_BENCHMARK on hugetlb"
gup_test -a -m 16 -r 2 -n 512 -H
section "gup_test: PIN_BASIC_TEST and PIN_LONGTERM_BENCHMARK"
gup_test -b -m 16 -r 1 -n 512
gup_test -L -m 16 -r 1 -n 512

section "a short-term pin held too long: stale_secs=1, an O_DIRECT read that a slow null_blk completes after 3 s"
SLOW=/sys/kernel/config/nullb/gpt_run_slow
if mkdir $SLOW 2>/dev/null && echo 2 > $SLOW/irqmode &&
   echo 3000000000 > $SLOW/completion_nsec && echo 1 > $SLOW/power; then
	sleep 0.2
	echo 1 > $GPT/stale_secs
	dd if=/dev/gpt_run_slow of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null &
	dd_pid=$!
	sleep 2.5
	grep '^pfn' $GPT/pinned | grep -v longterm | head -n 3
	wait $dd_pid
	echo 0 > $GPT/stale_secs
	dmesg | grep -A 12 'short-term pin held' | tail -n 13
	echo "stale_reports: $(stat stale_reports)"
	echo 0 > $SLOW/power
	rmdir $SLOW
else
	echo "(no null_blk configfs)"
fi

section "trace events: gup_pin_tracking:mm_gup_pin/mm_gup_unpin around fio's io_uring registration (4 buffers)"
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs tracefs $T 2>/dev/null
if [ -w $T/events/gup_pin_tracking/enable ] && [ $have_fio = 1 ]; then
	echo 0 > $T/tracing_on
	echo > $T/trace
	echo 1 > $T/events/gup_pin_tracking/enable
	echo 1 > $T/tracing_on
	host_run $FIO --name=trace --filename=/dev/nullb0 --direct=1 --rw=randread \
		--bs=4k --ioengine=io_uring --fixedbufs --iodepth=4 --size=16M \
		--io_size=64k --thread > /dev/null 2>&1
	echo 0 > $T/tracing_on
	echo 0 > $T/events/gup_pin_tracking/enable
	# fio's own pins (the 9p share reads its binary with pinned pages)
	# first, then the fixed buffers' long-term pins.
	grep -E ' mm_gup_(pin|unpin|pin_misuse): ' $T/trace | grep 'longterm=0' | head -n 2
	grep -E ' mm_gup_(pin|unpin|pin_misuse): ' $T/trace | grep 'longterm=1' | head -n 6
	echo "(events: $(grep -cE ' mm_gup_pin: ' $T/trace) pin, $(grep -cE ' mm_gup_unpin: ' $T/trace) unpin, $(grep -cE ' mm_gup_pin_misuse: ' $T/trace) misuse)"
else
	echo "(no tracefs events or no fio)"
fi

show_tracking "after every pinner finished"
section "summary"
total=$(($(stat pins_total) - base_total))
unpins=$(($(stat unpins_total) - base_unpins))
errors=$(($(stat errors) - base_errors))
pinned=$(stat pinned_pages)
mism=$(head -n 1 $GPT/verify)
echo "pins counted during the run: $total; released: $unpins"
echo "pages pinned now: $pinned; misuse reports: $errors; verify: $mism"
case $mism in *" mismatches 0") ok=1 ;; *) ok=0 ;; esac
if [ "$pinned" = 0 ] && [ "$errors" = 0 ] && [ "$total" = "$unpins" ] && [ $ok = 1 ]; then
	echo "RESULT: every pin was counted and released, no misuse, counts match upstream"
	exit 0
fi
echo "RESULT: tracking found a problem (see above)"
exit 1
