# SPDX-License-Identifier: GPL-2.0
# log_problems LOG: print the lines of a kernel log that make a run fail
# (KASAN, lockdep, WARN, BUG, Oops, panic, RCU stalls), whatever the tests said.
log_problems() {
	grep -aE 'BUG: |WARNING: |KASAN|UBSAN: |possible recursive locking|possible circular locking|inconsistent lock state|INFO: task .* blocked|rcu: INFO|Kernel panic|Oops|general protection fault|kernel BUG at|DEBUG_LOCKS_WARN_ON|unreferenced object|Call Trace:' "$1" |
		grep -avE 'KernelAddressSanitizer initialized|kasan: ' || true
}
