#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run drgn (Debian 13's python3-drgn, 0.0.31) on this bookworm host, which
# has no drgn package: a minimal trixie root made once by debootstrap from
# the archive apt already uses, cached in build/drgn-root. drgn runs under
# chroot with the host's / bind-mounted read-only at /host, so paths given
# as /host/<absolute path> reach the vmcore, vmlinux and the scripts.
#   scripts/drgn.sh setup                 make the root (a few minutes, once)
#   scripts/drgn.sh ARGS...               drgn ARGS... in it
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROOT=$BUILD/drgn-root
SUITE=trixie

setup() {
	[ -x "$ROOT/usr/bin/drgn" ] && return 0
	apt_install debootstrap
	local mirror
	mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p; s/^deb \(http[^ ]*\/debian\) .*/\1/p' \
		/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1 || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	say "debootstrap $SUITE with python3-drgn from $mirror into ${ROOT#"$TOP"/}"
	rm -rf "$ROOT.tmp"
	# bookworm's debian-archive-keyring has trixie's keys: signatures
	# are checked.
	debootstrap --variant=minbase --include=python3-drgn \
		"$SUITE" "$ROOT.tmp" "$mirror" >"$BUILD/drgn-root.log" 2>&1 ||
		die "debootstrap failed (see build/drgn-root.log)"
	mkdir -p "$ROOT.tmp/host"
	mv "$ROOT.tmp" "$ROOT"
	say "drgn $(chroot "$ROOT" drgn --version 2>&1 | head -n1)"
}

if [ "${1:-}" = setup ]; then
	setup
	exit 0
fi
setup
# A private mount namespace: the bind mount goes away with the command.
exec unshare -m sh -c 'mount --rbind / "$1/host" && mount -o remount,bind,ro "$1/host" 2>/dev/null; root=$1; shift; exec chroot "$root" drgn "$@"' sh "$ROOT" "$@"
