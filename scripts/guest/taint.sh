# Guest job after a misuse report let through: the kernel's taint flags.
echo "GPT-TAINTED $(cat /proc/sys/kernel/tainted)"
exit 0
