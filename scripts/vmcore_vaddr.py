#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Give an x86_64 physical ELF dump the kernel's virtual addresses, for gdb.

    vmcore_vaddr.py VMCORE

QEMU's dump-guest-memory without paging (-p) writes one PT_LOAD per block
of guest RAM with its physical address and p_vaddr 0. gdb only reads a core
by p_vaddr: an address such as gup_pin_tracking_key's is then in no segment
of the core, and gdb falls back to vmlinux's own .data, the value the static
key had at link time. lx-gup-pin-stats said "off" on such a dump for that
reason (and .bss variables cannot be read at all). A dump with paging
carries the virtual addresses, but QEMU makes it by walking every PTE of
the guest's page tables, and a KASAN kernel maps the 16 TiB of its shadow
region's holes to one zero page through shared page tables: billions of
PTEs. drgn needs neither, as it walks the page tables itself (VMCOREINFO).

This walks the kernel half of the page tables once from init_top_pgt (from
the VMCOREINFO note the dump carries with QEMU's -device vmcoreinfo),
visiting each page table once (the shared KASAN tables once in all), and
rewrites the program headers in place: a PT_LOAD for each run of virtual
memory that maps contiguous dumped memory, pointing at the same bytes of the
file (nothing is copied), beside the dump's notes. The new table is appended
to the file; the old one stays unused. 4- and 5-level paging; KERNELOFFSET
(KASLR) is printed, gdb must be told of it (add-symbol-file -o)."""
import re
import struct
import sys

EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
PHDR = struct.Struct('<IIQQQQQQ')
PT_LOAD, PT_NOTE = 1, 4
START_KERNEL_MAP = 0xffffffff80000000
ADDR_MASK = 0x000ffffffffff000
PRESENT, PSE = 1 << 0, 1 << 7


def notes(f, phdrs):
    out = {}
    for p in phdrs:
        if p[0] != PT_NOTE:
            continue
        f.seek(p[2])
        data = f.read(p[5])
        at = 0
        while at + 12 <= len(data):
            namesz, descsz, ntype = struct.unpack_from('<III', data, at)
            at += 12
            name = data[at:at + namesz].rstrip(b'\0').decode(errors='replace')
            at += (namesz + 3) & ~3
            out.setdefault(name, data[at:at + descsz])
            at += (descsz + 3) & ~3
    return out


class Dump:
    def __init__(self, f, loads):
        self.f = f
        # (paddr, end, file offset) of each dumped block of memory.
        self.blocks = sorted((p[4], p[4] + p[5], p[2]) for p in loads
                             if p[5])

    def offset(self, paddr):
        for start, end, off in self.blocks:
            if start <= paddr < end:
                return off + paddr - start
        return None

    def table(self, paddr):
        off = self.offset(paddr)
        if off is None:
            return None
        self.f.seek(off)
        return struct.unpack('<512Q', self.f.read(4096))

    def pieces(self, vaddr, paddr, size):
        """(vaddr, paddr, size, file offset) of what is dumped of a page."""
        for start, end, off in self.blocks:
            lo, hi = max(start, paddr), min(end, paddr + size)
            if lo < hi:
                yield vaddr + lo - paddr, lo, hi - lo, off + lo - start


def walk(dump, root, levels):
    """Yield (vaddr, paddr, size) of the kernel half's mappings."""
    seen = set()
    shifts = [12 + 9 * i for i in range(levels - 1, -1, -1)]

    def visit(table_pa, depth, base):
        if table_pa in seen:
            return
        seen.add(table_pa)
        entries = dump.table(table_pa)
        if entries is None:
            return
        first = 256 if depth == 0 else 0
        for i in range(first, 512):
            e = entries[i]
            if not e & PRESENT:
                continue
            va = base | (i << shifts[depth])
            size = 1 << shifts[depth]
            if depth == levels - 1 or (depth >= levels - 3 and e & PSE):
                pa = e & ADDR_MASK & ~(size - 1)
                yield va, pa, size
            else:
                yield from visit(e & ADDR_MASK, depth + 1, va)

    top = 1 << (shifts[0] + 9)
    for va, pa, size in visit(root, 0, 0):
        # sign-extend the top bit of the address space
        if va & (top >> 1):
            va |= (1 << 64) - top
        yield va, pa, size


def main(path):
    with open(path, 'r+b') as f:
        eh = list(EHDR.unpack(f.read(EHDR.size)))
        if eh[0][:4] != b'\x7fELF' or eh[2] != 62:
            raise SystemExit('vmcore_vaddr: %s is no x86_64 ELF file' % path)
        phoff, phnum = eh[5], eh[10]
        if phnum == 0xffff:
            raise SystemExit('vmcore_vaddr: PN_XNUM dumps are not handled')
        f.seek(phoff)
        phdrs = [PHDR.unpack(f.read(PHDR.size)) for _ in range(phnum)]
        loads = [p for p in phdrs if p[0] == PT_LOAD]
        if any(p[3] >= 0xffff800000000000 for p in loads):
            print('vmcore_vaddr: %s already has virtual addresses' % path)
            return 0
        info = notes(f, phdrs).get('VMCOREINFO')
        if not info:
            raise SystemExit('vmcore_vaddr: no VMCOREINFO note (QEMU needs '
                             '-device vmcoreinfo, the guest FW_CFG_SYSFS)')
        info = info.decode(errors='replace')

        def value(key, base=16):
            m = re.search(r'^%s=([0-9a-fA-F]+)$' % re.escape(key), info, re.M)
            if not m:
                raise SystemExit('vmcore_vaddr: no %s in VMCOREINFO' % key)
            return int(m.group(1), base)

        phys_base = value('NUMBER(phys_base)', 10)
        root = value('SYMBOL(init_top_pgt)') - START_KERNEL_MAP + phys_base
        levels = 5 if value('NUMBER(pgtable_l5_enabled)', 10) else 4
        dump = Dump(f, loads)
        segs = []
        for va, pa, size in walk(dump, root, levels):
            for v, p, n, off in dump.pieces(va, pa, size):
                last = segs[-1] if segs else None
                if last and last[0] + last[2] == v and \
                   last[1] + last[2] == p and last[3] + last[2] == off:
                    last[2] += n
                else:
                    segs.append([v, p, n, off])
        new = [p for p in phdrs if p[0] != PT_LOAD]
        new += [(PT_LOAD, 7, off, v, p, n, n, 0) for v, p, n, off in segs]
        if len(new) >= 0xffff:
            raise SystemExit('vmcore_vaddr: %d segments' % len(new))
        f.seek(0, 2)
        end = (f.tell() + 7) & ~7
        f.truncate(end)
        f.seek(end)
        for p in new:
            f.write(PHDR.pack(*p))
        eh[5], eh[10] = end, len(new)
        f.seek(0)
        f.write(EHDR.pack(*eh))
        print('vmcore_vaddr: %s: %d virtual segments, %d MiB mapped, '
              'KERNELOFFSET=%s' % (path, len(segs),
                                   sum(s[2] for s in segs) >> 20,
                                   re.search(r'^KERNELOFFSET=(\w+)$', info,
                                             re.M).group(1)
                                   if 'KERNELOFFSET=' in info else '?'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
