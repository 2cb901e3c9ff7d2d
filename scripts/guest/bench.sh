# Guest job for make bench: each workload prints its raw result between
# BENCH-BEGIN/BENCH-END markers; the host parses them. gpt.reps= and
# gpt.runtime= on the kernel command line set repetitions and fio seconds.
. /jobs/common.sh
setup_devices
reps=1 rt=5 two=0
for arg in $(cat /proc/cmdline); do
	case $arg in
	gpt.reps=*) reps=${arg#gpt.reps=} ;;
	gpt.runtime=*) rt=${arg#gpt.runtime=} ;;
	gpt.two=1) two=1 ;;
	esac
done
fio_job() {
	name=$1
	shift
	echo "BENCH-BEGIN fio $name"
	$FIO --output-format=json --name="$name" --filename=/dev/nullb0 \
		--direct=1 --bs=4k --time_based --runtime="$rt" --ramp_time=0 \
		--thread --size=1G "$@"
	echo "BENCH-END"
}
gup_job() {
	name=$1
	shift
	echo "BENCH-BEGIN gup $name"
	gup_test "$@"
	echo "BENCH-END"
}
if [ $two = 1 ]; then
	# Two threads (two gup_test processes, one per vCPU) pinning disjoint
	# buffers at once: what sharing the bucket locks costs.
	r=0
	while [ $r -lt "$reps" ]; do
		r=$((r + 1))
		echo "BENCH-REP $r"
		echo "BENCH-BEGIN gup pin-fast-512-2cpu"
		gup_test -a -m 64 -r 1 -n 512 -T > /tmp/two-a.log &
		a=$!
		gup_test -a -m 64 -r 1 -n 512 -T > /tmp/two-b.log &
		wait $a $!
		cat /tmp/two-a.log /tmp/two-b.log
		echo "BENCH-END"
	done
	exit 0
fi
r=0
while [ $r -lt "$reps" ]; do
	r=$((r + 1))
	echo "BENCH-REP $r"
	fio_job libaio-randread --rw=randread --ioengine=libaio --iodepth=64
	fio_job libaio-read --rw=read --ioengine=libaio --iodepth=64
	fio_job uring-fixedbufs --rw=randread --ioengine=io_uring --fixedbufs --iodepth=64
	gup_job pin-fast-1 -a -m 32 -r 1 -n 1 -T
	gup_job pin-fast-512 -a -m 64 -r 1 -n 512 -T
	gup_job pin-fast-512-thp -a -m 64 -r 1 -n 512 -t
	gup_job pin-longterm-512 -L -m 64 -r 1 -n 512 -T
	echo "BENCH-BEGIN unit alloc-free-512"
	pagefree 512 200
	echo "BENCH-END"
	if [ -r /jobs/user.fio ]; then
		echo "BENCH-BEGIN fio job-$(sed -n 's/^\[\(.*\)\]/\1/p' /jobs/user.fio | grep -v '^global$' | head -n1)"
		(cd /tmp && $FIO --output-format=json /jobs/user.fio)
		echo "BENCH-END"
	fi
done
[ -r $GPT/stats ] && cat $GPT/stats
exit 0
