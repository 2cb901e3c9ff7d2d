# SPDX-License-Identifier: GPL-2.0
#
# GUP pin tracking in page_ext, on Debian's linux-source-6.12.
# See README.md.

.PHONY: all run check check-series check-arch check-postmortem kunit bench bench-scale prof patches tree clean distclean

all: run

# The main job: x86_64 kernel with tracking under QEMU, real pinning I/O,
# the tracking report.
run:
	bash scripts/run.sh

# The test command (CI): UML KUnit + x86_64 guest; ends "N passed, N failed".
check:
	bash scripts/check.sh

kunit:
	bash scripts/kunit.sh

# Post-mortem on a vmcore of the x86_64 test guest: drgn
# (tools/mm/gup_pin_tracking_drgn.py, Debian 13's drgn in a debootstrap
# root under build/) and gdb against debugfs. Ends "N passed, N failed".
check-postmortem:
	bash scripts/check_postmortem.sh

# A/B benchmark; writes bench/results/. JOB=<fio job file> adds the rows of
# a job of your own (on null_blk or a file it names) to every column.
bench:
	BENCH_JOB="$(JOB)" bash scripts/bench.sh

# Do the bucket locks scale: N processes pinning and N AIO readers at once
# in one guest of N vCPUs (multi-threaded TCG, N up to the host's cores,
# at most 16) for vanilla, on and a one-lock build of the tracker, and the
# lock_stat proxy at N=2. Writes bench/results/scale.md. Wall clock: run it
# on an idle machine.
bench-scale:
	bash scripts/bench_scale.sh

# Per-function instruction profile of a bench kernel (a tool, not a test):
# make prof PROF="on pin-fast-512 gup_pin_tracking=on 16384"
prof:
	bash scripts/prof.sh $(PROF)

# git format-patch series against the pinned base, in build/patches/.
patches:
	bash scripts/patches.sh

# Is the series sound: git am, each prefix builds =n/=y, checkpatch, quilt,
# Sphinx. Too long for the CI budget beside make check, so separate.
check-series:
	bash scripts/check_series.sh

# The series on arm64 (4K, 64K pages), i386 HIGHMEM4G, s390x, ppc64le and
# riscv64: W=1/sparse builds of the touched objects and KUnit under QEMU.
# About an hour: not part of make check. CHECK_ARCH="s390x arm64" chooses.
check-arch:
	bash scripts/check_arch.sh

tree:
	bash scripts/tree.sh

clean:
	rm -rf build/uml build/x86-* build/results build/linux build/stage \
		build/initramfs* build/bench build/patches build/series-* \
		build/bench-scale build/linux-onelock \
		build/check-series build/prof \
		build/check-arch build/arch-* build/kunit-* build/kunitconfig-* \
		build/postmortem

distclean:
	rm -rf build
