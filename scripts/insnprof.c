// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU TCG plugin: count the guest instructions executed per translation
 * block start address, and write "address count" lines at exit to the file
 * given as out=PATH. scripts/prof.sh maps the addresses to kernel symbols.
 * Only for finding where instructions go; not used by the tests.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define SLOTS (1u << 21)

struct slot {
	uint64_t vaddr;
	uint64_t insns;
	int used;
};

static struct slot *slots;
static char out_path[4096] = "insnprof.txt";
static uint64_t min_vaddr;

static struct slot *lookup(uint64_t vaddr)
{
	uint64_t h = (vaddr * 0x9E3779B97F4A7C15ull) >> 43;
	unsigned int i;

	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[(h + i) & (SLOTS - 1)];

		if (!s->used) {
			s->used = 1;
			s->vaddr = vaddr;
			return s;
		}
		if (s->vaddr == vaddr)
			return s;
	}
	return NULL;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct slot *s;

	if (vaddr < min_vaddr)
		return;
	s = lookup(vaddr);
	if (!s)
		return;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &s->insns,
						 qemu_plugin_tb_n_insns(tb));
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
	FILE *f = fopen(out_path, "w");
	unsigned int i;

	if (!f)
		return;
	for (i = 0; i < SLOTS; i++)
		if (slots[i].used && slots[i].insns)
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n",
				slots[i].vaddr, slots[i].insns);
	fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
		else if (!strncmp(argv[i], "min=", 4))
			min_vaddr = strtoull(argv[i] + 4, NULL, 16);
	}
	slots = calloc(SLOTS, sizeof(*slots));
	if (!slots)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
	return 0;
}
