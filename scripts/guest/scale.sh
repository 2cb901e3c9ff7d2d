# Guest job for make bench-scale: N workers at once on the guest's N vCPUs.
# gpt.n= workers, gpt.reps= repetitions, gpt.runtime= fio seconds,
# gpt.pinreps= gup_test calls per worker (4 KiB pages; THP: 5x as many).
# gpt.lockstat=1: each run between a reset and a dump of /proc/lock_stat
# and the tracker's stats. Each result is printed
# between BENCH-BEGIN/BENCH-END markers for the host to parse.
. /jobs/common.sh
setup_devices
n=1 reps=3 rt=2 lockstat=0 pinreps=100
for arg in $(cat /proc/cmdline); do
	case $arg in
	gpt.n=*) n=${arg#gpt.n=} ;;
	gpt.reps=*) reps=${arg#gpt.reps=} ;;
	gpt.runtime=*) rt=${arg#gpt.runtime=} ;;
	gpt.pinreps=*) pinreps=${arg#gpt.pinreps=} ;;
	gpt.lockstat=1) lockstat=1 ;;
	esac
done
echo "SCALE-CPUS $(grep -c '^processor' /proc/cpuinfo) workers $n"
[ -r $GPT/stats ] && grep lock_buckets $GPT/stats
# pin_n NAME GUP_TEST_ARGS...: $n gup_test processes at once, each on its
# own 64 MiB; each prints a Time: line per call.
pin_n() {
	name=$1
	shift
	echo "BENCH-BEGIN gup $name"
	i=0 pids=
	while [ $i -lt "$n" ]; do
		gup_test "$@" > /tmp/pin$i.log 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	wait $pids
	i=0
	while [ $i -lt "$n" ]; do
		echo "WORKER $i"
		cat /tmp/pin$i.log
		i=$((i + 1))
	done
	echo "BENCH-END"
}
# fio_n NAME: $n libaio readers of null_blk at once, one fio report.
fio_n() {
	echo "BENCH-BEGIN fio $1"
	$FIO --output-format=json --name="$1" --filename=/dev/nullb0 \
		--direct=1 --bs=4k --time_based --runtime="$rt" --ramp_time=0 \
		--thread --size=1G --rw=randread --ioengine=libaio --iodepth=64 \
		--numjobs="$n" --group_reporting
	echo "BENCH-END"
}
pin4k() { pin_n "$1" -a -m 64 -r "$2" -n 512 -T; }
pinthp() { pin_n "$1" -a -m 64 -r "$2" -n 512 -t; }
# lock_stat_run NAME PIN_FUNCTION REPS: the lock classes' counters of one run.
lock_stat_run() {
	echo 0 > /proc/lock_stat
	echo "BENCH-BEGIN stats $1-before"
	cat $GPT/stats
	echo "BENCH-END"
	$2 "$1" "$3"
	# The header, the most contended classes, and the tracker's classes
	# with their contention points.
	echo "BENCH-BEGIN lockstat $1"
	head -n 24 /proc/lock_stat
	echo "--- pintrack"
	grep -A 12 'pintrack' /proc/lock_stat
	echo "BENCH-END"
	echo "BENCH-BEGIN stats $1-after"
	cat $GPT/stats
	echo "BENCH-END"
}
r=0
while [ $r -lt "$reps" ]; do
	r=$((r + 1))
	echo "BENCH-REP $r"
	if [ $lockstat = 1 ]; then
		lock_stat_run pin-fast-512 pin4k "$pinreps"
		lock_stat_run pin-fast-512-thp pinthp $((pinreps * 5))
		lock_stat_run libaio-randread fio_n
		continue
	fi
	pin4k pin-fast-512 "$pinreps"
	pinthp pin-fast-512-thp $((pinreps * 5))
	fio_n libaio-randread
done
[ -r $GPT/stats ] && cat $GPT/stats
exit 0
