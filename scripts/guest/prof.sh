# Guest job for scripts/prof.sh: run one workload gpt.reps= times, nothing
# else, so that the difference between two runs with different reps is the
# cost of the extra repetitions alone.
. /jobs/common.sh
setup_devices
reps=1 what=pin-fast-512
for arg in $(cat /proc/cmdline); do
	case $arg in
	gpt.reps=*) reps=${arg#gpt.reps=} ;;
	gpt.prof=*) what=${arg#gpt.prof=} ;;
	esac
done
case $what in
pin-fast-1) gup_test -a -m 32 -r "$reps" -n 1 -T ;;
pin-fast-512) gup_test -a -m 64 -r "$reps" -n 512 -T ;;
pin-fast-512-thp) gup_test -a -m 64 -r "$reps" -n 512 -t ;;
pin-longterm-512) gup_test -L -m 64 -r "$reps" -n 512 -T ;;
alloc-free-512) pagefree 512 $((reps * 20)) ;;
libaio-randread)
	$FIO --name=prof --filename=/dev/nullb0 --direct=1 --bs=4k \
		--number_ios=$((reps * 10000)) --size=1G --thread \
		--rw=randread --ioengine=libaio --iodepth=64 ;;
*) echo "prof: unknown workload $what"; exit 1 ;;
esac
