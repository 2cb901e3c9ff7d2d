# SPDX-License-Identifier: GPL-2.0
#
# GUP pin tracking in page_ext, on Debian's linux-source-6.12.
# See README.md.

.PHONY: all run check kunit bench patches tree clean distclean

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

# A/B benchmark; writes bench/results/.
bench:
	bash scripts/bench.sh

# git format-patch series against the pinned base, in build/patches/.
patches:
	bash scripts/patches.sh

tree:
	bash scripts/tree.sh

clean:
	rm -rf build/uml build/x86-* build/results build/linux build/stage \
		build/initramfs* build/bench build/patches

distclean:
	rm -rf build
