#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Dump a running QEMU guest's memory to an ELF vmcore over QMP.

    qmp_dump.py [--quit] SOCKET FILE

QEMU must run with -qmp unix:SOCKET,server=on,wait=off and, so that the
dump carries the guest kernel's VMCOREINFO note, -device vmcoreinfo (the
guest needs CONFIG_FW_CFG_SYSFS). The dump is a physical one (paging
false): with KASAN, the kernel maps its shadow region's 16 TiB to one zero
page, and QEMU's page-table walk for a paging dump visits every one of
those PTEs. scripts/vmcore_vaddr.py adds the virtual addresses gdb needs.
The guest runs on once the dump is written, or QEMU quits (--quit)."""
import json
import socket
import sys


def main(sock_path, path, quit_after=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    f = s.makefile('rw')

    def command(name, **arguments):
        f.write(json.dumps({'execute': name, 'arguments': arguments}) + '\n')
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if 'return' in reply:
                return reply['return']
            if 'error' in reply:
                raise SystemExit('qmp_dump: %s: %s' %
                                 (name, reply['error'].get('desc')))

    json.loads(f.readline())			# the greeting
    command('qmp_capabilities')
    command('dump-guest-memory', paging=False, protocol='file:' + path)
    if quit_after:
        try:
            command('quit')
        except ValueError:		# QEMU closed the socket first
            pass
    return 0


if __name__ == '__main__':
    args = sys.argv[1:]
    quit_after = args[:1] == ['--quit']
    if quit_after:
        args = args[1:]
    sys.exit(main(args[0], args[1], quit_after))
