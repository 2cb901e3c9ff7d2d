// SPDX-License-Identifier: GPL-2.0
/*
 * GUP pin tracking selftest: drive real pinning I/O (O_DIRECT, io_uring
 * registered buffers, udmabuf, hugetlb, gup_test) and check the exact numbers
 * the tracker reports in /sys/kernel/debug/gup_pin_tracking/.
 *
 * Needs root, debugfs, and a kernel booted with gup_pin_tracking=on or
 * =stacks; skips otherwise. O_DIRECT cases use /dev/nullb0 (null_blk).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/udmabuf.h>
#include <mm/gup_test.h>

#include "../kselftest_harness.h"

#define GPT_DIR		"/sys/kernel/debug/gup_pin_tracking/"
#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"
#define NULLB		"/dev/nullb0"

static size_t page_size;

static char *read_file(const char *path)
{
	size_t size = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + size, cap - size)) > 0) {
		size += n;
		if (size == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				break;
		}
	}
	close(fd);
	if (buf)
		buf[size] = '\0';
	return buf;
}

static long stat_of(const char *stats, const char *key)
{
	size_t len = strlen(key);
	const char *p = stats;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ':')
			return strtol(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

struct gpt_stats {
	long pinned_pages, pins, longterm, pins_total, unpins_total, errors;
};

static int read_stats(struct gpt_stats *s)
{
	char *buf = read_file(GPT_DIR "stats");

	if (!buf)
		return -1;
	s->pinned_pages = stat_of(buf, "pinned_pages");
	s->pins = stat_of(buf, "pins");
	s->longterm = stat_of(buf, "longterm_pinned_pages");
	s->pins_total = stat_of(buf, "pins_total");
	s->unpins_total = stat_of(buf, "unpins_total");
	s->errors = stat_of(buf, "errors");
	free(buf);
	return 0;
}

/* Physical frame of the page at @addr, from /proc/self/pagemap. */
static unsigned long pfn_of(void *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry),
		  (uintptr_t)addr / page_size * sizeof(entry)) != sizeof(entry))
		entry = 0;
	close(fd);
	if (!(entry & (1ULL << 63)))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

/*
 * Look a pfn up in the pinned file. Returns its pin count (0 if absent) and
 * tells whether the entry says longterm.
 */
static long pinned_entry(const char *pinned, unsigned long pfn, int *longterm)
{
	char want[64];
	const char *p;
	size_t len;

	len = snprintf(want, sizeof(want), "pfn 0x%lx pins ", pfn);
	for (p = pinned; p && *p; ) {
		if (!strncmp(p, want, len)) {
			char *end;
			long pins = strtol(p + len, &end, 10);

			*longterm = !strncmp(end, " longterm", 9);
			return pins;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	*longterm = 0;
	return 0;
}

static long count_lines(const char *text, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *p = text;
	long n = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, len))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

static void *map_anon(size_t size, size_t align, int thp)
{
	char *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	if (thp)
		madvise(a, size, MADV_HUGEPAGE);
	else
		madvise(a, size, MADV_NOHUGEPAGE);
	memset(a, 0x5a, size);
	return a;
}

/* === io_uring without liburing ========================================== */

static int uring_setup(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return syscall(__NR_io_uring_setup, 4, &p);
}

static int uring_register(int ring, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		       &iov, 1);
}

static int uring_unregister(int ring)
{
	return syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS,
		       NULL, 0);
}

/* === Fixture ============================================================= */

FIXTURE(gpt)
{
	struct gpt_stats base;
};

FIXTURE_SETUP(gpt)
{
	page_size = getpagesize();
	if (access(GPT_DIR "stats", R_OK))
		SKIP(return, "no " GPT_DIR "stats: tracking off or no debugfs");
	ASSERT_EQ(0, read_stats(&self->base));
}

/* After every case: nothing left pinned, no report, verify clean. */
FIXTURE_TEARDOWN(gpt)
{
	struct gpt_stats now;
	char *verify;

	if (access(GPT_DIR "stats", R_OK))
		return;
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(self->base.pins, now.pins);
	EXPECT_EQ(self->base.pinned_pages, now.pinned_pages);
	EXPECT_EQ(self->base.longterm, now.longterm);
	EXPECT_EQ(self->base.errors, now.errors);
	EXPECT_EQ(now.pins_total - self->base.pins_total,
		  now.unpins_total - self->base.unpins_total);
	verify = read_file(GPT_DIR "verify");
	ASSERT_NE(NULL, verify);
	EXPECT_NE(NULL, strstr(verify, " mismatches 0\n")) {
		TH_LOG("verify: %s", verify);
	}
	free(verify);
}

/* === O_DIRECT ============================================================ */

static void odirect(struct __test_metadata *_metadata,
		    FIXTURE_DATA(gpt) *self, int write, int thp)
{
	const long npages = 64;
	struct gpt_stats now;
	char *buf;
	int fd;

	fd = open(NULLB, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		SKIP(return, NULLB ": %s", strerror(errno));
	buf = map_anon(npages * page_size, thp ? 2 << 20 : page_size, thp);
	ASSERT_NE(NULL, buf);
	if (write) {
		ASSERT_EQ(npages * page_size,
			  pwrite(fd, buf, npages * page_size, 0));
	} else {
		ASSERT_EQ(npages * page_size,
			  pread(fd, buf, npages * page_size, 0));
	}
	ASSERT_EQ(0, read_stats(&now));
	/* Each page pinned once for the I/O and released at completion. */
	EXPECT_EQ(npages, now.pins_total - self->base.pins_total);
	EXPECT_EQ(npages, now.unpins_total - self->base.unpins_total);
	EXPECT_EQ(self->base.pins, now.pins);
	close(fd);
}

TEST_F(gpt, odirect_read)
{
	odirect(_metadata, self, 0, 0);
}

TEST_F(gpt, odirect_write)
{
	odirect(_metadata, self, 1, 0);
}

TEST_F(gpt, odirect_read_thp)
{
	odirect(_metadata, self, 0, 1);
}

/* === io_uring registered buffers ======================================== */

TEST_F(gpt, uring_fixed_buffers)
{
	const long npages = 32;
	struct gpt_stats now;
	char *pinned, *buf;
	int ring, i, lt;

	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	buf = map_anon(npages * page_size, page_size, 0);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, uring_register(ring, buf, npages * page_size));

	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(npages, now.pinned_pages - self->base.pinned_pages);
	EXPECT_EQ(npages, now.pins - self->base.pins);
	EXPECT_EQ(npages, now.longterm - self->base.longterm);
	pinned = read_file(GPT_DIR "pinned");
	ASSERT_NE(NULL, pinned);
	EXPECT_EQ(now.pinned_pages, count_lines(pinned, "pfn 0x"));
	for (i = 0; i < npages; i++) {
		unsigned long pfn = pfn_of(buf + i * page_size);

		ASSERT_NE(0, pfn);
		EXPECT_EQ(1, pinned_entry(pinned, pfn, &lt));
		EXPECT_TRUE(lt);
	}
	free(pinned);

	ASSERT_EQ(0, uring_unregister(ring));
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(self->base.pins, now.pins);
	close(ring);
	munmap(buf, npages * page_size);
}

static int thp_backed(char *buf, size_t size)
{
	unsigned long first = pfn_of(buf);
	size_t i;

	if (!first || first % (size / page_size))
		return 0;
	for (i = 1; i < size / page_size; i++)
		if (pfn_of(buf + i * page_size) != first + i)
			return 0;
	return 1;
}

/* io_uring keeps one pin per folio of a THP buffer (unpin_user_folio()). */
TEST_F(gpt, uring_fixed_buffer_thp)
{
	const size_t size = 2 << 20;
	struct gpt_stats now;
	char *pinned, *buf;
	int ring, lt;

	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	buf = map_anon(size, size, 1);
	ASSERT_NE(NULL, buf);
	if (!thp_backed(buf, size))
		SKIP(return, "no THP for the buffer");
	ASSERT_EQ(0, uring_register(ring, buf, size));

	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(1, now.pinned_pages - self->base.pinned_pages);
	EXPECT_EQ(1, now.pins - self->base.pins);
	EXPECT_EQ(512, now.pins_total - self->base.pins_total);
	pinned = read_file(GPT_DIR "pinned");
	ASSERT_NE(NULL, pinned);
	EXPECT_EQ(1, pinned_entry(pinned, pfn_of(buf), &lt));
	EXPECT_TRUE(lt);
	free(pinned);

	ASSERT_EQ(0, uring_unregister(ring));
	close(ring);
	munmap(buf, size);
}

TEST_F(gpt, uring_fixed_buffer_hugetlb)
{
	const size_t size = 2 << 20;
	struct gpt_stats now;
	char *buf;
	int ring;

	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no hugetlb page (vm.nr_hugepages)");
	memset(buf, 1, size);
	ASSERT_EQ(0, uring_register(ring, buf, size));
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(1, now.pinned_pages - self->base.pinned_pages);
	EXPECT_EQ(1, now.longterm - self->base.longterm);
	ASSERT_EQ(0, uring_unregister(ring));
	close(ring);
	munmap(buf, size);
}

TEST_F(gpt, odirect_read_hugetlb)
{
	const size_t size = 2 << 20;
	struct gpt_stats now;
	char *buf;
	int fd;

	fd = open(NULLB, O_RDONLY | O_DIRECT);
	if (fd < 0)
		SKIP(return, NULLB ": %s", strerror(errno));
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no hugetlb page (vm.nr_hugepages)");
	memset(buf, 1, size);
	ASSERT_EQ(16 * page_size, pread(fd, buf + 8 * page_size,
					16 * page_size, 0));
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(16, now.pins_total - self->base.pins_total);
	close(fd);
	munmap(buf, size);
}

/* Pins survive fork() in the parent and end with the unregister. */
TEST_F(gpt, fork_while_pinned)
{
	const long npages = 8;
	struct gpt_stats now;
	int ring, status;
	char *buf;
	pid_t pid;

	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	buf = map_anon(npages * page_size, page_size, 0);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, uring_register(ring, buf, npages * page_size));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		memset(buf, 7, npages * page_size);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(npages, now.pins - self->base.pins);
	EXPECT_EQ(npages, now.pinned_pages - self->base.pinned_pages);
	ASSERT_EQ(0, uring_unregister(ring));
	close(ring);
}

/* Unmapping the memory does not release the pin; the unregister does. */
TEST_F(gpt, munmap_while_pinned)
{
	const long npages = 8;
	struct gpt_stats now;
	char *buf;
	int ring;

	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	buf = map_anon(npages * page_size, page_size, 0);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, uring_register(ring, buf, npages * page_size));
	ASSERT_EQ(0, munmap(buf, npages * page_size));
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(npages, now.pins - self->base.pins);
	ASSERT_EQ(0, uring_unregister(ring));
	close(ring);
}

/* === memfd_pin_folios() through udmabuf ================================== */

TEST_F(gpt, udmabuf)
{
	const long npages = 16;
	struct udmabuf_create create = { 0 };
	struct gpt_stats now;
	int memfd, dev, buf, i, lt;
	char *map, *pinned;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0)
		SKIP(return, "/dev/udmabuf: %s", strerror(errno));
	memfd = memfd_create("gpt", MFD_ALLOW_SEALING);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, npages * page_size));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	map = mmap(NULL, npages * page_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 3, npages * page_size);

	create.memfd = memfd;
	create.size = npages * page_size;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(npages, now.pinned_pages - self->base.pinned_pages);
	EXPECT_EQ(npages, now.longterm - self->base.longterm);
	pinned = read_file(GPT_DIR "pinned");
	ASSERT_NE(NULL, pinned);
	for (i = 0; i < npages; i++) {
		EXPECT_EQ(1, pinned_entry(pinned, pfn_of(map + i * page_size),
					  &lt));
		EXPECT_TRUE(lt);
	}
	free(pinned);
	close(buf);
	munmap(map, npages * page_size);
	close(memfd);
	close(dev);
}

/* === gup_test ============================================================ */

static void gup_test_run(struct __test_metadata *_metadata,
			 FIXTURE_DATA(gpt) *self, unsigned long cmd,
			 int thp, unsigned int per_call)
{
	const long npages = 512;
	struct gup_test gup = { 0 };
	struct gpt_stats now;
	char *buf;
	int fd;

	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		SKIP(return, GUP_TEST_FILE ": %s", strerror(errno));
	buf = map_anon(npages * page_size, thp ? 2 << 20 : page_size, thp);
	ASSERT_NE(NULL, buf);
	gup.addr = (uintptr_t)buf;
	gup.size = npages * page_size;
	gup.nr_pages_per_call = per_call;
	gup.gup_flags = 1;	/* FOLL_WRITE */
	if (cmd == DUMP_USER_PAGES_TEST) {
		gup.test_flags = GUP_TEST_FLAG_DUMP_PAGES_USE_PIN;
		gup.which_pages[0] = 1;
	}
	ASSERT_EQ(0, ioctl(fd, cmd, &gup)) {
		TH_LOG("gup_test ioctl: %s", strerror(errno));
	}
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(npages, now.pins_total - self->base.pins_total);
	EXPECT_EQ(self->base.pins, now.pins);
	close(fd);
	munmap(buf, npages * page_size);
}

TEST_F(gpt, gup_test_pin_fast)
{
	gup_test_run(_metadata, self, PIN_FAST_BENCHMARK, 0, 64);
}

TEST_F(gpt, gup_test_pin_fast_thp)
{
	gup_test_run(_metadata, self, PIN_FAST_BENCHMARK, 1, 512);
}

TEST_F(gpt, gup_test_pin_basic)
{
	gup_test_run(_metadata, self, PIN_BASIC_TEST, 0, 1);
}

TEST_F(gpt, gup_test_pin_longterm)
{
	gup_test_run(_metadata, self, PIN_LONGTERM_BENCHMARK, 0, 512);
}

TEST_F(gpt, gup_test_dump_pin)
{
	gup_test_run(_metadata, self, DUMP_USER_PAGES_TEST, 0, 512);
}

/* A long-term pin held by gup_test is listed until it is dropped. */
TEST_F(gpt, gup_test_longterm_held)
{
	const long npages = 4;
	struct pin_longterm_test plt = { 0 };
	struct gpt_stats now;
	char *buf, *pinned;
	int fd, i, lt;

	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		SKIP(return, GUP_TEST_FILE ": %s", strerror(errno));
	buf = map_anon(npages * page_size, page_size, 0);
	ASSERT_NE(NULL, buf);
	plt.addr = (uintptr_t)buf;
	plt.size = npages * page_size;
	plt.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE;
	ASSERT_EQ(0, ioctl(fd, PIN_LONGTERM_TEST_START, &plt));
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(npages, now.longterm - self->base.longterm);
	pinned = read_file(GPT_DIR "pinned");
	ASSERT_NE(NULL, pinned);
	for (i = 0; i < npages; i++) {
		EXPECT_EQ(1, pinned_entry(pinned, pfn_of(buf + i * page_size),
					  &lt));
		EXPECT_TRUE(lt);
	}
	free(pinned);
	ASSERT_EQ(0, ioctl(fd, PIN_LONGTERM_TEST_STOP));
	close(fd);
	munmap(buf, npages * page_size);
}

/* === A pinned page blocks memory offlining ============================== */

#define NULLB_CFG	"/sys/kernel/config/nullb/gpt_slow"
#define MEMORY_SYS	"/sys/devices/system/memory/"

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

struct slow_read {
	int fd;
	char *buf;
	ssize_t ret;
};

static void *slow_read_fn(void *arg)
{
	struct slow_read *sr = arg;

	sr->ret = pread(sr->fd, sr->buf, page_size, 0);
	return NULL;
}

#define BUF_PAGES	4096

/* Number of the highest memory block. */
static unsigned long last_memory_block(void)
{
	unsigned long n, last = 0;
	struct dirent *d;
	DIR *dir;

	dir = opendir(MEMORY_SYS);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (sscanf(d->d_name, "memory%lu", &n) == 1 && n > last)
			last = n;
	closedir(dir);
	return last;
}

/* Does the kernel log hold @needle? */
static int kmsg_has(const char *needle)
{
	char rec[2048];
	int fd, found = 0;
	ssize_t n;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, needle))
			found = 1;
	}
	close(fd);
	return found;
}

/*
 * Hold a pin on a page of ZONE_MOVABLE with an O_DIRECT read that a slow
 * null_blk device completes after 3 s, try to offline the memory block, and
 * expect the tracker to name the page. Needs movablecore= and configfs.
 */
TEST_F(gpt, offline_blocked_by_pin)
{
	struct slow_read sr = { 0 };
	unsigned long pfn, block;
	char path[256], needle[128];
	unsigned long block_pages, last;
	char *cmdline, *pinned, *bs, *zones, *area;
	pthread_t thread;
	int lt, held, i;
	pid_t pid;

	cmdline = read_file("/proc/cmdline");
	ASSERT_NE(NULL, cmdline);
	lt = !!strstr(cmdline, "movablecore=");
	free(cmdline);
	if (!lt)
		SKIP(return, "boot with movablecore= to test offlining");
	if (access(MEMORY_SYS "block_size_bytes", R_OK) ||
	    access("/sys/kernel/config/nullb", F_OK))
		SKIP(return, "no memory hotplug or null_blk configfs");

	/* A null_blk device whose reads complete after 3 s. */
	mkdir(NULLB_CFG, 0755);
	ASSERT_EQ(0, write_str(NULLB_CFG "/irqmode", "2"));
	ASSERT_EQ(0, write_str(NULLB_CFG "/completion_nsec", "3000000000"));
	ASSERT_EQ(0, write_str(NULLB_CFG "/power", "1"));
	/* 6.12 names the disk after the configfs directory. */
	snprintf(path, sizeof(path), "/dev/gpt_slow");
	for (i = 0; i < 100 && access(path, F_OK); i++)
		usleep(10000);
	sr.fd = open(path, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, sr.fd);

	/*
	 * Pick a page of a movable block that is not the last one: the last
	 * block usually has a firmware hole, and offlining refuses holes.
	 */
	bs = read_file(MEMORY_SYS "block_size_bytes");
	ASSERT_NE(NULL, bs);
	block_pages = strtoul(bs, NULL, 16) / page_size;
	free(bs);
	last = last_memory_block();
	area = map_anon(BUF_PAGES * page_size, page_size, 0);
	ASSERT_NE(NULL, area);
	sr.buf = NULL;
	for (i = 0; i < BUF_PAGES && !sr.buf; i++) {
		pfn = pfn_of(area + i * page_size);
		block = pfn / block_pages;
		if (!pfn || block >= last)
			continue;
		snprintf(path, sizeof(path), MEMORY_SYS "memory%lu/valid_zones",
			 block);
		zones = read_file(path);
		if (zones && strstr(zones, "Movable"))
			sr.buf = area + i * page_size;
		free(zones);
	}
	if (!sr.buf)
		SKIP(return, "no page of the buffer in a whole ZONE_MOVABLE block");

	ASSERT_EQ(0, pthread_create(&thread, NULL, slow_read_fn, &sr));
	for (i = 0; i < 100; i++) {
		pinned = read_file(GPT_DIR "pinned");
		ASSERT_NE(NULL, pinned);
		held = pinned_entry(pinned, pfn, &lt) == 1;
		free(pinned);
		if (held)
			break;
		usleep(10000);
	}
	ASSERT_LT(i, 100);

	/* Offlining retries until a fatal signal: kill it after a second. */
	snprintf(path, sizeof(path), MEMORY_SYS "memory%lu/state", block);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(write_str(path, "offline") ? errno : 0);
	sleep(2);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &held, 0));
	/* Killed while retrying, not failed at once, nor succeeded. */
	EXPECT_TRUE(WIFSIGNALED(held)) {
		TH_LOG("offline returned: %s", strerror(WEXITSTATUS(held)));
	}

	snprintf(needle, sizeof(needle),
		 "gup_pin_tracking: memory offline: migration blocked by pinned pfn 0x%lx pins 1",
		 pfn);
	EXPECT_TRUE(kmsg_has(needle)) {
		TH_LOG("no '%s' in the kernel log", needle);
	}
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ((ssize_t)page_size, sr.ret);
	close(sr.fd);
	munmap(area, BUF_PAGES * page_size);
	write_str(NULLB_CFG "/power", "0");
	rmdir(NULLB_CFG);
	/* The block is still online. */
	pinned = read_file(path);
	ASSERT_NE(NULL, pinned);
	EXPECT_EQ(0, strncmp(pinned, "online", 6));
	free(pinned);
}

TEST_HARNESS_MAIN
