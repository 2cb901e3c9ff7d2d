# SPDX-License-Identifier: GPL-2.0
#
# GUP pin tracking: read the pin state of a stopped kernel (QEMU gdbstub,
# kdump vmcore) from page_ext, as mm/gup_pin_tracking_debugfs.c shows it
# from a running one. See Documentation/mm/gup_pin_tracking.rst.
#
#   lx-gup-pinned       the "pinned" lines (without pid/comm, which need a
#                       live task list), with stacks in stacks mode
#   lx-gup-pin-stats    pinned_pages, pins, longterm_pinned_pages

import struct

import gdb
from linux import constants, stackdepot, utils


def kernel_memory_check():
    """A core whose segments carry only physical addresses (QEMU's
dump-guest-memory without paging) leaves gdb reading vmlinux's own
sections: every variable then has its link-time value (the static key
off) and .bss reads as 0. max_pfn, in .bss, is never 0 in a booted
kernel."""
    try:
        if int(gdb.parse_and_eval('max_pfn')) != 0:
            return
    except gdb.MemoryError:
        pass
    raise gdb.GdbError('lx-gup: max_pfn reads 0: the kernel\'s memory is '
                       'not at its virtual addresses in this target (a '
                       'physical dump, such as QEMU dump-guest-memory '
                       'without paging?)')


def pintrack_enabled():
    key = gdb.parse_and_eval('gup_pin_tracking_key')
    return int(key['key']['enabled']['counter']) > 0


class GupPinState:
    """One pass over every memory section's page_ext.

Every layout fact is the debugged kernel's: the state word's count width
and long-term bit, PAGE_SHIFT and SECTION_SIZE_BITS (constants.py.in),
the entry's field offsets (debug info of struct pintrack_page), page_ext_size,
the tracker's offset in an entry and the byte order."""

    def __init__(self):
        if not getattr(constants, 'LX_CONFIG_GUP_PIN_TRACKING', 0):
            raise gdb.GdbError('no CONFIG_GUP_PIN_TRACKING in this kernel')
        if not constants.LX_CONFIG_SPARSEMEM:
            raise gdb.GdbError('lx-gup: only SPARSEMEM kernels are supported')
        kernel_memory_check()
        if not pintrack_enabled():
            raise gdb.GdbError('gup_pin_tracking is off in this kernel')
        self.count_mask = (1 << constants.LX_PINTRACK_COUNT_BITS) - 1
        self.longterm = 1 << constants.LX_PINTRACK_LONGTERM_SHIFT
        self.pfn_section_shift = (constants.LX_SECTION_SIZE_BITS -
                                  constants.LX_PAGE_SHIFT)
        self.entry_size = int(gdb.parse_and_eval('page_ext_size'))
        self.offset = int(gdb.parse_and_eval('gup_pin_tracking_ops')['offset'])
        fields = {f.name: f.bitpos // 8
                  for f in gdb.lookup_type('struct pintrack_page').fields()}
        # stacks mode: the tracker's entries reach past the stack handle.
        ops_size = int(gdb.parse_and_eval('gup_pin_tracking_ops')['size'])
        self.stacks = ops_size > fields['stack']
        self.state_at = fields['state']
        self.pinned_at_at = fields['pinned_at']
        self.stack_at = fields['stack']
        little = 'little' in gdb.execute('show endian', to_string=True)
        self.u32 = struct.Struct('<I' if little else '>I')
        self.max_pfn = int(gdb.parse_and_eval('max_pfn'))
        tick_nsec = int(gdb.parse_and_eval('tick_nsec'))
        self.hz = max(1, round(1000000000 / tick_nsec)) if tick_nsec else 1000
        # pintrack_now(): whole seconds since boot, by jiffies (INITIAL_JIFFIES
        # is -300 s as an unsigned int).
        initial = (-300 * self.hz) & 0xffffffff
        jiffies = int(gdb.parse_and_eval('jiffies_64'))
        self.now = (((jiffies - initial) & ((1 << 64) - 1)) // self.hz) \
            & 0xffffffff
        ms_type = gdb.lookup_type('struct mem_section')
        self.per_root = (1 << constants.LX_PAGE_SHIFT) // ms_type.sizeof \
            if constants.LX_CONFIG_SPARSEMEM_EXTREME else 1
        self.mem_section = gdb.parse_and_eval('mem_section')

    def _section(self, nr):
        if constants.LX_CONFIG_SPARSEMEM_EXTREME:
            root = self.mem_section[nr // self.per_root]
            if int(root) == 0:
                return None
            return root[nr % self.per_root]
        return self.mem_section[nr // self.per_root][nr % self.per_root]

    def pages(self):
        """Yield (pfn, state, pinned_at, stack) of every pinned page."""
        inferior = gdb.selected_inferior()
        per_section = 1 << self.pfn_section_shift
        last = (self.max_pfn + per_section - 1) >> self.pfn_section_shift
        for nr in range(last):
            ms = self._section(nr)
            if ms is None:
                continue
            base = int(ms['page_ext'].cast(utils.get_ulong_type()))
            if base == 0 or base & 1:	# none, or PAGE_EXT_INVALID
                continue
            start = nr << self.pfn_section_shift
            first = (base + self.entry_size * start) & ((1 << 64) - 1)
            data = bytes(inferior.read_memory(first,
                                              self.entry_size * per_section))
            u32 = self.u32.unpack_from
            for i in range(per_section):
                at = i * self.entry_size + self.offset
                state = u32(data, at + self.state_at)[0]
                if not state & self.count_mask:
                    continue
                pinned_at = u32(data, at + self.pinned_at_at)[0]
                stack = u32(data, at + self.stack_at)[0] \
                    if self.stacks else 0
                yield start + i, state, pinned_at, stack

    def age(self, pinned_at):
        # pintrack_secs(): a signed 32-bit difference, 0 if the pin is newer.
        secs = (self.now - pinned_at) & 0xffffffff
        return secs if 0 < secs < (1 << 31) else 0


class LxGupPinned(gdb.Command):
    """List the pinned pages of a stopped kernel, as debugfs "pinned" does.

lx-gup-pinned: one line per pinned page,
  pfn 0x<hex> pins <n>[ longterm] age <s>s
and in stacks mode the last pinner's stack below it."""

    def __init__(self):
        super(LxGupPinned, self).__init__('lx-gup-pinned', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        st = GupPinState()
        for pfn, state, pinned_at, stack in st.pages():
            gdb.write('pfn 0x%x pins %d%s age %ds\n' %
                      (pfn, state & st.count_mask,
                       ' longterm' if state & st.longterm else '',
                       st.age(pinned_at)))
            if stack:
                handle = gdb.Value(stack).cast(
                    gdb.lookup_type('depot_stack_handle_t'))
                stackdepot.stack_depot_print(handle)


LxGupPinned()


class LxGupPinStats(gdb.Command):
    """Sum the pin state of a stopped kernel, as debugfs "stats" does.

lx-gup-pin-stats: pinned_pages, pins and longterm_pinned_pages, counted
from every page's entry."""

    def __init__(self):
        super(LxGupPinStats, self).__init__('lx-gup-pin-stats',
                                            gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        st = GupPinState()
        pages = pins = longterm = 0
        for _pfn, state, _at, _stack in st.pages():
            pages += 1
            pins += state & st.count_mask
            if state & st.longterm:
                longterm += 1
        gdb.write('pinned_pages: %d\npins: %d\nlongterm_pinned_pages: %d\n' %
                  (pages, pins, longterm))


LxGupPinStats()
