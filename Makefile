# SPDX-License-Identifier: GPL-2.0
#
# GUP pin tracking in page_ext, on Debian's linux-source-6.12.
# See README.md.

.PHONY: all tree check kunit clean distclean

all: check

tree:
	bash scripts/tree.sh

check:
	bash scripts/check.sh

kunit:
	bash scripts/kunit.sh

clean:
	rm -rf build/uml build/x86 build/results build/linux build/stage

distclean:
	rm -rf build
