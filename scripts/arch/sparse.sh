#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse, as make C=2 calls it, for riscv: Debian bookworm's sparse 0.6.4
# rejects the -march=rv64..._zicsr_zifencei the kernel passes with
# binutils >= 2.38 ("invalid argument to '-march'"); those two extensions
# change nothing sparse looks at, so drop them from the argument.
args=()
for a in "$@"; do
	case $a in
	-march=*) a=${a//_zicsr/} a=${a//_zifencei/} ;;
	esac
	args+=("$a")
done
exec sparse "${args[@]}"
