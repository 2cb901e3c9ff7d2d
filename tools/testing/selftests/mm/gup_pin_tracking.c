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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/udmabuf.h>
#include <linux/userfaultfd.h>
#include <mm/gup_test.h>

#include "../kselftest_harness.h"

#define PINTRACK_DIR		"/sys/kernel/debug/gup_pin_tracking/"
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

struct pintrack_stats {
	long pinned_pages, pins, longterm, pins_total, unpins_total, errors;
};

static int read_stats(struct pintrack_stats *s)
{
	char *buf = read_file(PINTRACK_DIR "stats");

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

/* Register @n buffers at once, one slot each. */
static int uring_register_iov(int ring, struct iovec *iov, unsigned int n)
{
	return syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		       iov, n);
}

/* Drop the buffer of slot @slot alone (replace it with an empty one). */
static int uring_drop_slot(int ring, unsigned int slot)
{
	struct iovec iov = { 0 };
	struct io_uring_rsrc_update2 up = {
		.offset = slot,
		.data = (uintptr_t)&iov,
		.nr = 1,
	};
	int ret;

	ret = syscall(__NR_io_uring_register, ring,
		      IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up));
	return ret == 1 ? 0 : -1;
}

/* === Fixture ============================================================= */

FIXTURE(pintrack)
{
	struct pintrack_stats base;
};

FIXTURE_SETUP(pintrack)
{
	page_size = getpagesize();
	if (access(PINTRACK_DIR "stats", R_OK))
		SKIP(return, "no " PINTRACK_DIR "stats: tracking off or no debugfs");
	ASSERT_EQ(0, read_stats(&self->base));
}

/* After every case: nothing left pinned, no report, verify clean. */
FIXTURE_TEARDOWN(pintrack)
{
	struct pintrack_stats now;
	char *verify;

	if (access(PINTRACK_DIR "stats", R_OK))
		return;
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(self->base.pins, now.pins);
	EXPECT_EQ(self->base.pinned_pages, now.pinned_pages);
	EXPECT_EQ(self->base.longterm, now.longterm);
	EXPECT_EQ(self->base.errors, now.errors);
	EXPECT_EQ(now.pins_total - self->base.pins_total,
		  now.unpins_total - self->base.unpins_total);
	verify = read_file(PINTRACK_DIR "verify");
	ASSERT_NE(NULL, verify);
	EXPECT_NE(NULL, strstr(verify, " mismatches 0\n")) {
		TH_LOG("verify: %s", verify);
	}
	free(verify);
}

/* === O_DIRECT ============================================================ */

static void odirect(struct __test_metadata *_metadata,
		    FIXTURE_DATA(pintrack) *self, int write, int thp)
{
	const long npages = 64;
	struct pintrack_stats now;
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

TEST_F(pintrack, odirect_read)
{
	odirect(_metadata, self, 0, 0);
}

TEST_F(pintrack, odirect_write)
{
	odirect(_metadata, self, 1, 0);
}

TEST_F(pintrack, odirect_read_thp)
{
	odirect(_metadata, self, 0, 1);
}

/* === io_uring registered buffers ======================================== */

TEST_F(pintrack, uring_fixed_buffers)
{
	const long npages = 32;
	struct pintrack_stats now;
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
	pinned = read_file(PINTRACK_DIR "pinned");
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
TEST_F(pintrack, uring_fixed_buffer_thp)
{
	const size_t size = 2 << 20;
	struct pintrack_stats now;
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
	pinned = read_file(PINTRACK_DIR "pinned");
	ASSERT_NE(NULL, pinned);
	EXPECT_EQ(1, pinned_entry(pinned, pfn_of(buf), &lt));
	EXPECT_TRUE(lt);
	free(pinned);

	ASSERT_EQ(0, uring_unregister(ring));
	close(ring);
	munmap(buf, size);
}

TEST_F(pintrack, uring_fixed_buffer_hugetlb)
{
	const size_t size = 2 << 20;
	struct pintrack_stats now;
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

/*
 * Several registered buffers inside one large folio (THP or hugetlb), each
 * released on its own in the order given: every buffer's pin stays on its
 * own first page until that buffer goes (io_uring coalesces a buffer's pins
 * in one folio into one, on the buffer's first page).
 */
#define NR_BUFS		3

static const struct {
	size_t page;	/* first page of the buffer in the folio */
	size_t off;	/* byte offset in that page */
	size_t len;
} bufs[NR_BUFS] = {
	{ 3, 0, 2 * 4096 },	/* two pages: coalesced, pin on page 3 */
	{ 10, 100, 3 * 4096 },	/* four pages: coalesced, pin on page 10 */
	{ 200, 0, 4096 },	/* one page: not coalesced */
};

static void uring_bufs_in_folio(struct __test_metadata *_metadata,
				FIXTURE_DATA(pintrack) *self, char *folio,
				const int *order)
{
	unsigned long pfn[NR_BUFS];
	struct iovec iov[NR_BUFS];
	int ring, i, j, lt, gone[NR_BUFS] = { 0 };
	struct pintrack_stats now;
	char *pinned;

	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	for (i = 0; i < NR_BUFS; i++) {
		iov[i].iov_base = folio + bufs[i].page * page_size + bufs[i].off;
		iov[i].iov_len = bufs[i].len;
		pfn[i] = pfn_of(folio + bufs[i].page * page_size);
		ASSERT_NE(0, pfn[i]);
	}
	ASSERT_EQ(0, uring_register_iov(ring, iov, NR_BUFS));
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(NR_BUFS, now.pins - self->base.pins);
	EXPECT_EQ(NR_BUFS, now.pinned_pages - self->base.pinned_pages);

	for (i = 0; i <= NR_BUFS; i++) {
		pinned = read_file(PINTRACK_DIR "pinned");
		ASSERT_NE(NULL, pinned);
		for (j = 0; j < NR_BUFS; j++) {
			EXPECT_EQ(!gone[j], pinned_entry(pinned, pfn[j], &lt)) {
				TH_LOG("buffer %d (page %zu) after %d releases:\n%s",
				       j, bufs[j].page, i, pinned);
			}
			EXPECT_EQ(!gone[j], lt);
		}
		free(pinned);
		if (i == NR_BUFS)
			break;
		ASSERT_EQ(0, uring_drop_slot(ring, order[i]));
		gone[order[i]] = 1;
		/* The release runs once the ring's resource node is idle. */
		for (j = 0; j < 100; j++) {
			ASSERT_EQ(0, read_stats(&now));
			if (now.pins - self->base.pins == NR_BUFS - i - 1)
				break;
			usleep(10000);
		}
		EXPECT_EQ(NR_BUFS - i - 1, now.pins - self->base.pins);
	}
	ASSERT_EQ(0, uring_unregister(ring));
	close(ring);
}

static const int release_orders[][NR_BUFS] = {
	{ 1, 0, 2 }, { 2, 1, 0 }, { 0, 2, 1 },
};

TEST_F(pintrack, uring_buffers_in_one_thp)
{
	const size_t size = 2 << 20;
	unsigned int k;
	char *buf;

	for (k = 0; k < ARRAY_SIZE(release_orders); k++) {
		buf = map_anon(size, size, 1);
		ASSERT_NE(NULL, buf);
		if (!thp_backed(buf, size))
			SKIP(return, "no THP for the buffer");
		uring_bufs_in_folio(_metadata, self, buf, release_orders[k]);
		munmap(buf, size);
	}
}

TEST_F(pintrack, uring_buffers_in_one_hugetlb)
{
	const size_t size = 2 << 20;
	unsigned int k;
	char *buf;

	for (k = 0; k < ARRAY_SIZE(release_orders); k++) {
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (buf == MAP_FAILED)
			SKIP(return, "no hugetlb page (vm.nr_hugepages)");
		memset(buf, 1, size);
		uring_bufs_in_folio(_metadata, self, buf, release_orders[k]);
		munmap(buf, size);
	}
}

TEST_F(pintrack, odirect_read_hugetlb)
{
	const size_t size = 2 << 20;
	struct pintrack_stats now;
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
TEST_F(pintrack, fork_while_pinned)
{
	const long npages = 8;
	struct pintrack_stats now;
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
TEST_F(pintrack, munmap_while_pinned)
{
	const long npages = 8;
	struct pintrack_stats now;
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

TEST_F(pintrack, udmabuf)
{
	const long npages = 16;
	struct udmabuf_create create = { 0 };
	struct pintrack_stats now;
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
	pinned = read_file(PINTRACK_DIR "pinned");
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
			 FIXTURE_DATA(pintrack) *self, unsigned long cmd,
			 int thp, unsigned int per_call)
{
	const long npages = 512;
	struct gup_test gup = { 0 };
	struct pintrack_stats now;
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

TEST_F(pintrack, gup_test_pin_fast)
{
	gup_test_run(_metadata, self, PIN_FAST_BENCHMARK, 0, 64);
}

TEST_F(pintrack, gup_test_pin_fast_thp)
{
	gup_test_run(_metadata, self, PIN_FAST_BENCHMARK, 1, 512);
}

TEST_F(pintrack, gup_test_pin_basic)
{
	gup_test_run(_metadata, self, PIN_BASIC_TEST, 0, 1);
}

TEST_F(pintrack, gup_test_pin_longterm)
{
	gup_test_run(_metadata, self, PIN_LONGTERM_BENCHMARK, 0, 512);
}

TEST_F(pintrack, gup_test_dump_pin)
{
	gup_test_run(_metadata, self, DUMP_USER_PAGES_TEST, 0, 512);
}

/* A long-term pin held by gup_test is listed until it is dropped. */
TEST_F(pintrack, gup_test_longterm_held)
{
	const long npages = 4;
	struct pin_longterm_test plt = { 0 };
	struct pintrack_stats now;
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
	pinned = read_file(PINTRACK_DIR "pinned");
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

/* Power off and remove the null_blk device @name, if it exists. */
static void slow_nullb_remove(const char *name)
{
	char cfg[128], attr[160];

	snprintf(cfg, sizeof(cfg), "/sys/kernel/config/nullb/%s", name);
	snprintf(attr, sizeof(attr), "%s/power", cfg);
	write_str(attr, "0");
	rmdir(cfg);
}

/*
 * A null_blk device @name (configfs; 6.12 names the disk after the
 * directory) whose reads complete @nsec nanoseconds after submission,
 * opened for O_DIRECT reads: a read from it holds its pins that long.
 * Returns the fd, or -1.
 */
static int slow_nullb_open(const char *name, const char *nsec)
{
	char cfg[128], attr[160], dev[64];
	int i;

	/* What a test killed by its timeout left behind. */
	slow_nullb_remove(name);
	snprintf(cfg, sizeof(cfg), "/sys/kernel/config/nullb/%s", name);
	mkdir(cfg, 0755);
	snprintf(attr, sizeof(attr), "%s/irqmode", cfg);
	if (write_str(attr, "2"))
		return -1;
	snprintf(attr, sizeof(attr), "%s/completion_nsec", cfg);
	if (write_str(attr, nsec))
		return -1;
	snprintf(attr, sizeof(attr), "%s/power", cfg);
	if (write_str(attr, "1"))
		return -1;
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	for (i = 0; i < 100 && access(dev, F_OK); i++)
		usleep(10000);
	return open(dev, O_RDONLY | O_DIRECT);
}

/* Does the kernel command line hold @param? */
static int cmdline_has(const char *param)
{
	char *cmdline = read_file("/proc/cmdline");
	int found = cmdline && strstr(cmdline, param);

	free(cmdline);
	return found;
}

/* Pages per memory block (hotplug granularity); 0 without hotplug. */
static unsigned long memory_block_pages(void)
{
	char *bs = read_file(MEMORY_SYS "block_size_bytes");
	unsigned long pages = bs ? strtoul(bs, NULL, 16) / page_size : 0;

	free(bs);
	return pages;
}

/* Is the tracker in stacks mode (pid, comm and stacks in its reports)? */
static int stacks_mode(void)
{
	char *stats = read_file(PINTRACK_DIR "stats");
	int stacks = stats && stat_of(stats, "stacks") == 1;

	free(stats);
	return stacks;
}

/* Wait up to a second for @pfn to show @pins pins in pinned; 0 once it does. */
static int wait_pinned(unsigned long pfn, long pins)
{
	int i, lt;

	for (i = 0; i < 100; i++) {
		char *pinned = read_file(PINTRACK_DIR "pinned");
		long n = pinned ? pinned_entry(pinned, pfn, &lt) : -1;

		free(pinned);
		if (n == pins)
			return 0;
		usleep(10000);
	}
	return -1;
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
 * Find a kernel log record that holds both @a and @b; copy it to @line (at
 * most @len - 1 bytes and a NUL). If @then is given, one of the @window
 * records after it must hold @then.
 */
static int kmsg_find(const char *a, const char *b, const char *then,
		     int window, char *line, size_t len)
{
	char rec[2048];
	int fd, left = 0, found = 0;
	ssize_t n;

	if (!len)
		return 0;
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	while (!found) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b)) {
			/* The start of a longer record is enough. */
			n = strnlen(rec, len - 1);
			memcpy(line, rec, n);
			line[n] = '\0';
			left = window;
			found = !then;
		} else if (left > 0) {
			left--;
			found = !!strstr(rec, then);
		}
	}
	close(fd);
	return found;
}

/* How many kernel log records hold @needle. */
static long kmsg_count(const char *needle)
{
	char rec[2048];
	long found = 0;
	ssize_t n;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		found += !!strstr(rec, needle);
	}
	close(fd);
	return found;
}

/*
 * Hold a pin on a page of ZONE_MOVABLE with an O_DIRECT read that a slow
 * null_blk device completes after 3 s, try to offline the memory block, and
 * expect the tracker to name the page, and once the read completes, to say
 * that the page that blocked the offline was unpinned. Needs movablecore=
 * and configfs. A block that refuses at once (EBUSY: the kernel placed an
 * unmovable page there) does not tell anything: the next block is tried.
 */
#define OFFLINE_TRIES	6

TEST_F(pintrack, offline_blocked_by_pin)
{
	unsigned long pfn = 0, block, block_pages, last, tried[OFFLINE_TRIES];
	char path[256], state[256], needle[160];
	char *pinned, *zones, *area, *failures, *line;
	int held, i, k, t, ntried = 0, stacks;
	long blocked0, stack0;
	struct slow_read sr = { 0 };
	pthread_t thread;
	pid_t pid;

	if (!cmdline_has("movablecore="))
		SKIP(return, "boot with movablecore= to test offlining");
	if (access(MEMORY_SYS "block_size_bytes", R_OK) ||
	    access("/sys/kernel/config/nullb", F_OK))
		SKIP(return, "no memory hotplug or null_blk configfs");
	stacks = stacks_mode();
	blocked0 = kmsg_count("migration blocked by pinned pfn");
	stack0 = kmsg_count("page last pinned by:");

	/* A null_blk device whose reads complete after 3 s. */
	sr.fd = slow_nullb_open("pintrack_slow", "3000000000");
	ASSERT_LE(0, sr.fd);

	block_pages = memory_block_pages();
	ASSERT_LT(0, block_pages);
	last = last_memory_block();
	area = map_anon(BUF_PAGES * page_size, page_size, 0);
	ASSERT_NE(NULL, area);

	for (t = 0; t < OFFLINE_TRIES; t++) {
		/*
		 * A page of a movable block not tried yet, and not the last
		 * block: it usually has a firmware hole, which offlining
		 * refuses.
		 */
		sr.buf = NULL;
		for (i = 0; i < BUF_PAGES && !sr.buf; i++) {
			pfn = pfn_of(area + i * page_size);
			block = pfn / block_pages;
			if (!pfn || block >= last)
				continue;
			for (k = 0; k < ntried && tried[k] != block; k++)
				;
			if (k < ntried)
				continue;
			snprintf(path, sizeof(path),
				 MEMORY_SYS "memory%lu/valid_zones", block);
			zones = read_file(path);
			if (zones && strstr(zones, "Movable"))
				sr.buf = area + i * page_size;
			free(zones);
		}
		if (!sr.buf)
			break;
		tried[ntried++] = block;

		ASSERT_EQ(0, pthread_create(&thread, NULL, slow_read_fn, &sr));
		ASSERT_EQ(0, wait_pinned(pfn, 1));

		/* Offlining retries until a fatal signal: kill it after 2 s. */
		snprintf(state, sizeof(state), MEMORY_SYS "memory%lu/state",
			 block);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(write_str(state, "offline") ? errno : 0);
		for (i = 0; i < 20; i++) {
			usleep(100000);
			if (waitpid(pid, &held, WNOHANG) == pid)
				break;
		}
		if (i < 20) {
			/* Refused at once, or offlined: try another block. */
			TH_LOG("block %lu: offline returned %s at once", block,
			       WIFEXITED(held) ? strerror(WEXITSTATUS(held)) : "?");
			write_str(state, "online_movable");
			ASSERT_EQ(0, pthread_join(thread, NULL));
			continue;
		}
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &held, 0));
		/* Killed while retrying: the pin held it up. */
		EXPECT_TRUE(WIFSIGNALED(held));

		snprintf(needle, sizeof(needle),
			 "gup_pin_tracking: memory offline: migration blocked by pinned pfn 0x%lx pins 1 age ",
			 pfn);
		EXPECT_TRUE(kmsg_has(needle)) {
			TH_LOG("no '%s' in the kernel log", needle);
		}
		/*
		 * Each report prints the pinner's stack once: dump_page() of
		 * the failed folio does not print it again.
		 */
		if (stacks)
			EXPECT_EQ(kmsg_count("migration blocked by pinned pfn") -
				  blocked0,
				  kmsg_count("page last pinned by:") - stack0);
		/* The failures record names the page and the pinner. */
		failures = read_file(PINTRACK_DIR "failures");
		ASSERT_NE(NULL, failures);
		snprintf(needle, sizeof(needle),
			 "s memory offline: pfn 0x%lx pins 1 age ", pfn);
		EXPECT_NE(NULL, strstr(failures, needle)) {
			TH_LOG("no '%s' in failures:\n%s", needle, failures);
		}
		snprintf(needle, sizeof(needle), " pid %d comm ", getpid());
		if (stacks)
			EXPECT_NE(NULL, strstr(failures, needle));
		free(failures);
		ASSERT_EQ(0, pthread_join(thread, NULL));
		EXPECT_EQ((ssize_t)page_size, sr.ret);
		/* The read completed: the log says the blocking pin went. */
		snprintf(needle, sizeof(needle),
			 "gup_pin_tracking: pfn 0x%lx that blocked memory offline was unpinned after ",
			 pfn);
		EXPECT_TRUE(kmsg_has(needle)) {
			TH_LOG("no '%s' in the kernel log", needle);
		}
		failures = read_file(PINTRACK_DIR "failures");
		ASSERT_NE(NULL, failures);
		snprintf(needle, sizeof(needle),
			 "s memory offline: pfn 0x%lx pins 1 ", pfn);
		line = strstr(failures, needle);
		EXPECT_TRUE(line && strstr(line, " unpinned after ") &&
			    strstr(line, " unpinned after ") < strchrnul(line, '\n')) {
			TH_LOG("no release in failures:\n%s", failures);
		}
		if (stacks)
			EXPECT_NE(NULL, strstr(failures, "\n    unpinned by:\n"));
		free(failures);
		/* The block is still online. */
		pinned = read_file(state);
		ASSERT_NE(NULL, pinned);
		EXPECT_EQ(0, strncmp(pinned, "online", 6));
		free(pinned);
		break;
	}
	close(sr.fd);
	munmap(area, BUF_PAGES * page_size);
	slow_nullb_remove("pintrack_slow");
	if (!sr.buf || t == OFFLINE_TRIES)
		SKIP(return, "no movable block of the buffer could be tried (%d refused at once)",
		     ntried);
}

/* === Two iovecs in one page, in flight ================================== */

struct slow_readv {
	int fd;
	struct iovec iov[2];
	ssize_t ret;
};

static void *slow_readv_fn(void *arg)
{
	struct slow_readv *sr = arg;

	sr->ret = preadv(sr->fd, sr->iov, 2, 0);
	return NULL;
}

/*
 * An O_DIRECT readv whose two 512-byte iovecs share page 5 of a THP, held
 * in flight by a null_blk device that completes after 2 s, while an
 * io_uring buffer holds a pin on page 1 of the same THP. bio merges the
 * second iovec into the first one's bvec and drops its extra pin of page
 * 5: while the read is in flight page 5 holds exactly one pin and page 1
 * keeps its own, and after it only page 1 is pinned.
 */
TEST_F(pintrack, readv_same_page_thp_in_flight)
{
	const size_t size = 2 << 20;
	struct slow_readv sr = { 0 };
	unsigned long pfn1, pfn5;
	char *pinned, *buf;
	pthread_t thread;
	int ring, lt, i;
	long pins5 = 0;

	if (access("/sys/kernel/config/nullb", F_OK))
		SKIP(return, "no null_blk configfs");
	buf = map_anon(size, size, 1);
	ASSERT_NE(NULL, buf);
	if (!thp_backed(buf, size))
		SKIP(return, "no THP for the buffer");
	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	ASSERT_EQ(0, uring_register(ring, buf + page_size, page_size));
	pfn1 = pfn_of(buf + page_size);
	pfn5 = pfn_of(buf + 5 * page_size);

	sr.fd = slow_nullb_open("pintrack_same", "2000000000");
	ASSERT_LE(0, sr.fd);
	sr.iov[0].iov_base = buf + 5 * page_size;
	sr.iov[0].iov_len = 512;
	sr.iov[1].iov_base = buf + 5 * page_size + 512;
	sr.iov[1].iov_len = 512;
	ASSERT_EQ(0, pthread_create(&thread, NULL, slow_readv_fn, &sr));

	for (i = 0; i < 100 && !pins5; i++) {
		usleep(10000);
		pinned = read_file(PINTRACK_DIR "pinned");
		ASSERT_NE(NULL, pinned);
		pins5 = pinned_entry(pinned, pfn5, &lt);
		if (pins5) {
			EXPECT_EQ(1, pins5);
			EXPECT_FALSE(lt);
			EXPECT_EQ(1, pinned_entry(pinned, pfn1, &lt)) {
				TH_LOG("page 1 lost its pin:\n%s", pinned);
			}
			EXPECT_TRUE(lt);
		}
		free(pinned);
	}
	EXPECT_EQ(1, pins5);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(1024, sr.ret);

	pinned = read_file(PINTRACK_DIR "pinned");
	ASSERT_NE(NULL, pinned);
	EXPECT_EQ(0, pinned_entry(pinned, pfn5, &lt));
	EXPECT_EQ(1, pinned_entry(pinned, pfn1, &lt));
	free(pinned);
	close(sr.fd);
	slow_nullb_remove("pintrack_same");
	ASSERT_EQ(0, uring_unregister(ring));
	close(ring);
	munmap(buf, size);
}

/* === Tracepoints ======================================================== */

#define TRACEFS		"/sys/kernel/tracing/"

/* Number of trace lines that hold @needle. */
static long trace_count(const char *trace, const char *needle)
{
	const char *p = trace;
	long n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

/*
 * With the gup_pin_tracking events enabled through tracefs, an io_uring
 * registration of four pages and an O_DIRECT read into two others leave
 * exactly one pin and one unpin event per page, with the count after the
 * change and the long-term flag.
 */
TEST_F(pintrack, trace_events)
{
	char *buf, *trace, want[96];
	unsigned long pfn[6];
	int ring, fd, i;

	if (access(TRACEFS "events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (access(TRACEFS "events/gup_pin_tracking/enable", W_OK))
		SKIP(return, "no gup_pin_tracking events in tracefs");
	fd = open(NULLB, O_RDONLY | O_DIRECT);
	if (fd < 0)
		SKIP(return, NULLB ": %s", strerror(errno));
	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	buf = map_anon(6 * page_size, page_size, 0);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < 6; i++) {
		pfn[i] = pfn_of(buf + i * page_size);
		ASSERT_NE(0, pfn[i]);
	}

	ASSERT_EQ(0, write_str(TRACEFS "tracing_on", "0"));
	ASSERT_EQ(0, write_str(TRACEFS "trace", "\n"));
	ASSERT_EQ(0, write_str(TRACEFS "events/gup_pin_tracking/enable", "1"));
	ASSERT_EQ(0, write_str(TRACEFS "tracing_on", "1"));
	ASSERT_EQ(0, uring_register(ring, buf, 4 * page_size));
	ASSERT_EQ(0, uring_unregister(ring));
	ASSERT_EQ(2 * page_size, pread(fd, buf + 4 * page_size,
				       2 * page_size, 0));
	ASSERT_EQ(0, write_str(TRACEFS "tracing_on", "0"));
	ASSERT_EQ(0, write_str(TRACEFS "events/gup_pin_tracking/enable", "0"));
	trace = read_file(TRACEFS "trace");
	ASSERT_NE(NULL, trace);

	for (i = 0; i < 6; i++) {
		int lt = i < 4;

		snprintf(want, sizeof(want), " mm_gup_pin: pfn=0x%lx count=1 longterm=%d ",
			 pfn[i], lt);
		EXPECT_EQ(1, trace_count(trace, want)) {
			TH_LOG("'%s' in the trace:\n%s", want, trace);
		}
		snprintf(want, sizeof(want), " mm_gup_unpin: pfn=0x%lx count=0 longterm=%d ",
			 pfn[i], lt);
		EXPECT_EQ(1, trace_count(trace, want));
		snprintf(want, sizeof(want), "pin: pfn=0x%lx ", pfn[i]);
		/* A pin and an unpin line, nothing else for the page. */
		EXPECT_EQ(2, trace_count(trace, want));
	}
	EXPECT_EQ(0, trace_count(trace, " mm_gup_pin_misuse: "));
	free(trace);
	close(ring);
	close(fd);
	munmap(buf, 6 * page_size);
}

/* === O_DIRECT through fs/direct-io.c ==================================== */

#define NULLB_FAT	"/sys/kernel/config/nullb/pintrack_fat"
#define FAT_MNT		"/tmp/pintrack_fat"

/*
 * vfat still does O_DIRECT through fs/direct-io.c, which adds a pin to
 * every page it uses (folio_add_pin()) and drops it with unpin_user_page()
 * of that page. Read a file of a vfat image on a memory-backed null_blk
 * with O_DIRECT into pages of a THP (tail pages): every pin is counted and
 * released on its own page, no misuse, and the file's data arrives.
 */
TEST_F(pintrack, odirect_vfat_thp)
{
	const size_t size = 2 << 20, len = 16 * 4096;
	struct pintrack_stats now;
	char *buf, *data;
	int fd, i;

	if (access("/sys/kernel/config/nullb", F_OK))
		SKIP(return, "no null_blk configfs");
	buf = map_anon(size, size, 1);
	ASSERT_NE(NULL, buf);
	if (!thp_backed(buf, size))
		SKIP(return, "no THP for the buffer");
	mkdir(NULLB_FAT, 0755);
	ASSERT_EQ(0, write_str(NULLB_FAT "/memory_backed", "1"));
	ASSERT_EQ(0, write_str(NULLB_FAT "/size", "64"));
	ASSERT_EQ(0, write_str(NULLB_FAT "/power", "1"));
	for (i = 0; i < 100 && access("/dev/pintrack_fat", F_OK); i++)
		usleep(10000);
	if (system("mkdosfs /dev/pintrack_fat > /dev/null 2>&1"))
		SKIP(return, "mkdosfs failed");
	mkdir(FAT_MNT, 0755);
	if (mount("/dev/pintrack_fat", FAT_MNT, "vfat", 0, NULL))
		SKIP(return, "mount -t vfat: %s", strerror(errno));

	data = malloc(len);
	ASSERT_NE(NULL, data);
	for (i = 0; i < (int)len; i++)
		data[i] = i * 7 + 3;
	fd = open(FAT_MNT "/file", O_CREAT | O_RDWR, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, data, len));
	ASSERT_EQ(0, fsync(fd));
	close(fd);

	ASSERT_EQ(0, read_stats(&self->base));
	fd = open(FAT_MNT "/file", O_RDONLY | O_DIRECT);
	ASSERT_LE(0, fd);
	/* Pages 5 to 20 of the THP: tail pages. */
	ASSERT_EQ((ssize_t)len, pread(fd, buf + 5 * page_size, len, 0));
	EXPECT_EQ(0, memcmp(buf + 5 * page_size, data, len));
	ASSERT_EQ(0, read_stats(&now));
	/* The bio's pin and direct-io's extra pin, on each of the 16 pages. */
	EXPECT_LE(32, now.pins_total - self->base.pins_total);
	EXPECT_EQ(now.pins_total - self->base.pins_total,
		  now.unpins_total - self->base.unpins_total);
	EXPECT_EQ(self->base.pins, now.pins);
	EXPECT_EQ(self->base.errors, now.errors);
	close(fd);
	free(data);
	umount(FAT_MNT);
	write_str(NULLB_FAT "/power", "0");
	rmdir(NULLB_FAT);
	munmap(buf, size);
}

/* === Stress ============================================================== */

/*
 * Threads pin and unpin through every path at once for a bounded time
 * (PINTRACK_STRESS_SECS, default 20): io_uring fixed buffers (4 KiB pages, a
 * buffer straddling two THPs at an odd offset, hugetlb), O_DIRECT reads,
 * fork with pins held, MADV_DONTNEED and munmap of pinned THPs, udmabuf,
 * and, when booted with movablecore=, offlining and onlining movable memory
 * blocks. Meanwhile verify must never find a mismatch; afterwards the
 * fixture checks that every counter is back, pins_total and unpins_total
 * moved together, and no misuse was counted.
 */
struct stress {
	int stop;		/* read with __atomic_load_n() */
	int offline;		/* blocks go offline: long-term pins may fail */
	long refused;		/* pins and forks refused meanwhile */
	char *shared;		/* one THP every worker pins pieces of */
	char *huge;		/* a hugetlb page, faulted in, or NULL */
	long loops[8];
	long failures;
	char why[256];
};

static int stress_stopped(struct stress *st)
{
	return __atomic_load_n(&st->stop, __ATOMIC_RELAXED);
}

static void stress_fail(struct stress *st, const char *what)
{
	if (!__atomic_fetch_add(&st->failures, 1, __ATOMIC_RELAXED))
		snprintf(st->why, sizeof(st->why), "%s: %s", what,
			 strerror(errno));
}

/*
 * A long-term pin (io_uring registration, udmabuf) migrates pages out of
 * ZONE_MOVABLE; with blocks going offline that can fail (EFAULT for a
 * short pin, ENOMEM, EBUSY), and nothing stays pinned then. So can a
 * fork() (ENOMEM), which copies the pinned pages for the child. Count
 * such a refusal and go on (returns true); anything else is a failure.
 */
static bool stress_refused(struct stress *st, const char *what)
{
	if (st->offline && (errno == EFAULT || errno == ENOMEM ||
			    errno == EBUSY)) {
		__atomic_fetch_add(&st->refused, 1, __ATOMIC_RELAXED);
		return true;
	}
	stress_fail(st, what);
	return false;
}

static void *stress_uring(void *arg)
{
	struct stress *st = arg;
	const size_t thp = 2 << 20;
	char *small, *two, *huge = st->huge;
	long n;
	int ring;

	ring = uring_setup();
	if (ring < 0)
		return NULL;
	small = map_anon(8 * page_size, page_size, 0);
	two = map_anon(2 * thp, thp, 1);
	for (n = 0; !stress_stopped(st); n++) {
		struct iovec iov[3] = {
			{ small, 8 * page_size },
			/* Straddles the two THPs at an odd offset. */
			{ two + thp / 2 + 100, thp },
			{ st->shared + (n % 64) * page_size + 8, 3 * page_size },
		};
		unsigned int nr = 3;

		if (huge && n % 3 == 2) {
			iov[0].iov_base = huge + (n % 500) * page_size;
			iov[0].iov_len = 4 * page_size;
		}
		if (uring_register_iov(ring, iov, nr)) {
			if (stress_refused(st, "io_uring register"))
				continue;
			break;
		}
		if (n % 2 && uring_drop_slot(ring, n % nr))
			stress_fail(st, "io_uring update");
		if (uring_unregister(ring))
			stress_fail(st, "io_uring unregister");
		st->loops[0]++;
	}
	close(ring);
	munmap(small, 8 * page_size);
	munmap(two, 2 * thp);
	return NULL;
}

static void *stress_odirect(void *arg)
{
	struct stress *st = arg;
	char *small;
	long n;
	int fd;

	fd = open(NULLB, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return NULL;
	small = map_anon(16 * page_size, page_size, 0);
	for (n = 0; !stress_stopped(st); n++) {
		char *dst = n & 1 ? small : st->shared + (n % 480) * page_size;
		struct iovec iov[2] = {
			/* Two iovecs in one page: bio's same-page merge. */
			{ dst + 512, 512 }, { dst + 1024, 1024 + 3 * page_size },
		};

		if (preadv(fd, iov, 2, (n % 64) * page_size) < 0)
			stress_fail(st, "O_DIRECT preadv");
		st->loops[1]++;
	}
	close(fd);
	munmap(small, 16 * page_size);
	return NULL;
}

static void *stress_fork(void *arg)
{
	struct stress *st = arg;
	int ring, status;
	char *buf;
	pid_t pid;

	ring = uring_setup();
	if (ring < 0)
		return NULL;
	buf = map_anon(8 * page_size, page_size, 0);
	while (!stress_stopped(st)) {
		if (uring_register(ring, buf, 8 * page_size)) {
			if (stress_refused(st, "fork: register"))
				continue;
			break;
		}
		pid = fork();
		if (!pid) {
			memset(buf, 9, 8 * page_size);
			_exit(0);
		}
		if (pid > 0) {
			waitpid(pid, &status, 0);
			st->loops[2]++;
		} else {
			stress_refused(st, "fork: fork");
		}
		if (uring_unregister(ring))
			stress_fail(st, "fork: unregister");
	}
	close(ring);
	munmap(buf, 8 * page_size);
	return NULL;
}

static void *stress_thp_unmap(void *arg)
{
	struct stress *st = arg;
	const size_t thp = 2 << 20;
	int ring;
	long n;

	ring = uring_setup();
	if (ring < 0)
		return NULL;
	for (n = 0; !stress_stopped(st); n++) {
		char *buf = map_anon(thp, thp, 1);

		if (!buf)
			break;
		if (uring_register(ring, buf + (n % 300) * page_size,
				   17 * page_size)) {
			munmap(buf, thp);
			if (stress_refused(st, "thp: register"))
				continue;
			break;
		}
		/* Whole THPs only: no partial unmap to split. */
		if (n & 1)
			madvise(buf, thp, MADV_DONTNEED);
		munmap(buf, thp);
		if (uring_unregister(ring))
			stress_fail(st, "thp: unregister");
		st->loops[3]++;
	}
	close(ring);
	return NULL;
}

static void *stress_udmabuf(void *arg)
{
	struct stress *st = arg;
	const long npages = 16;
	int dev, memfd;
	char *map;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0)
		return NULL;
	memfd = memfd_create("pintrack_stress", MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, npages * page_size) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		stress_fail(st, "udmabuf: memfd");
		return NULL;
	}
	/* Fault the pages in first (memfd_pin_folios() wants them there). */
	map = mmap(NULL, npages * page_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, memfd, 0);
	if (map == MAP_FAILED) {
		stress_fail(st, "udmabuf: mmap");
		return NULL;
	}
	memset(map, 3, npages * page_size);
	while (!stress_stopped(st)) {
		struct udmabuf_create create = {
			.memfd = memfd, .size = npages * page_size,
		};
		int buf = ioctl(dev, UDMABUF_CREATE, &create);

		if (buf < 0) {
			if (stress_refused(st, "udmabuf: create"))
				continue;
			break;
		}
		close(buf);
		st->loops[4]++;
	}
	munmap(map, npages * page_size);
	close(memfd);
	close(dev);
	return NULL;
}

/* Movable memory blocks, but not the last one (it may have a hole). */
static int movable_blocks(unsigned long *blocks, int max)
{
	unsigned long last = last_memory_block(), b;
	char path[256], *zones;
	int n = 0;

	for (b = 0; b < last && n < max; b++) {
		snprintf(path, sizeof(path), MEMORY_SYS "memory%lu/valid_zones", b);
		zones = read_file(path);
		if (zones && !strncmp(zones, "Movable", 7))
			blocks[n++] = b;
		free(zones);
	}
	return n;
}

static void *stress_offline(void *arg)
{
	struct stress *st = arg;
	unsigned long blocks[64];
	char path[256];
	int n, status;
	long k;
	pid_t pid;

	n = movable_blocks(blocks, 64);
	for (k = 0; n && !stress_stopped(st); k++) {
		snprintf(path, sizeof(path), MEMORY_SYS "memory%lu/state",
			 blocks[k % n]);
		/* Offlining retries while pinned pages block it: bound it. */
		pid = fork();
		if (!pid)
			_exit(write_str(path, "offline") ? 1 : 0);
		if (pid < 0) {
			if (!stress_refused(st, "offline: fork"))
				break;
			usleep(100000);
			continue;
		}
		usleep(500000);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		write_str(path, "online_movable");
		st->loops[5]++;
	}
	return NULL;
}

TEST_F(pintrack, stress)
{
	void *(*workers[])(void *) = {
		stress_uring, stress_odirect, stress_fork, stress_thp_unmap,
		stress_udmabuf, stress_offline,
	};
	const int nr = ARRAY_SIZE(workers);
	const char *env = getenv("PINTRACK_STRESS_SECS");
	int secs = env ? atoi(env) : 20;
	struct stress st = { 0 };
	pthread_t threads[8];
	long reads = 0, bad = 0;
	char *verify, *cmdline;
	time_t end;
	int i, offline;

	cmdline = read_file("/proc/cmdline");
	ASSERT_NE(NULL, cmdline);
	offline = !!strstr(cmdline, "movablecore=");
	free(cmdline);
	st.offline = offline;
	st.shared = map_anon(2 << 20, 2 << 20, 1);
	ASSERT_NE(NULL, st.shared);
	/*
	 * Fault the hugetlb page in before blocks go offline: a fault skips
	 * free huge pages in isolated blocks and, with no overcommit, gets
	 * SIGBUS despite the reservation. Keep it out of the children too
	 * (fork() copies a pinned one, from the same pool).
	 */
	st.huge = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (st.huge == MAP_FAILED) {
		st.huge = NULL;
		TH_LOG("no hugetlb page: io_uring registers none");
	} else {
		memset(st.huge, 1, 2 << 20);
		ASSERT_EQ(0, madvise(st.huge, 2 << 20, MADV_DONTFORK));
	}
	for (i = 0; i < nr; i++) {
		if (workers[i] == stress_offline && !offline)
			continue;
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, workers[i], &st));
	}
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		verify = read_file(PINTRACK_DIR "verify");
		ASSERT_NE(NULL, verify);
		if (!strstr(verify, " mismatches 0\n")) {
			if (!bad++)
				TH_LOG("verify during the stress:\n%s", verify);
		}
		free(verify);
		reads++;
	}
	__atomic_store_n(&st.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++)
		if (workers[i] != stress_offline || offline)
			pthread_join(threads[i], NULL);
	TH_LOG("%d s: io_uring %ld, O_DIRECT %ld, fork %ld; refused while offlining %ld",
	       secs, st.loops[0], st.loops[1], st.loops[2], st.refused);
	TH_LOG("THP unmap %ld, udmabuf %ld, offline rounds %ld; verify read %ld times",
	       st.loops[3], st.loops[4], st.loops[5], reads);
	EXPECT_EQ(0, st.failures) {
		TH_LOG("first failure: %s", st.why);
	}
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, reads);
	EXPECT_LT(0, st.loops[0]);
	munmap(st.shared, 2 << 20);
	if (st.huge)
		munmap(st.huge, 2 << 20);
}

/* === Stale short-term pins ============================================== */

#define STALE_SECS	PINTRACK_DIR "stale_secs"
#define STALE_MSG	"gup_pin_tracking: short-term pin held "

/*
 * With stale_secs=1, an O_DIRECT read held in flight for 8 s by a slow
 * null_blk is reported as a stale short-term pin (in stacks mode with this
 * process's pid and comm and a bio/iov_iter stack), while io_uring buffers
 * registered for as long (long-term pins) are not.
 */
TEST_F_TIMEOUT(pintrack, stale_short_term_pin, 120)
{
	char want[128], line[512], comm[32] = "", *stats, *buf, *ubuf;
	unsigned long pfn, upfn[4];
	struct slow_read sr = { 0 };
	pthread_t thread;
	int ring, i, fd;
	long base, now;

	if (access("/sys/kernel/config/nullb", F_OK) || access(STALE_SECS, W_OK))
		SKIP(return, "no null_blk configfs or no stale_secs");
	/* Bad values fail and change nothing. */
	fd = open(STALE_SECS, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, write(fd, "soon", 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, "-1", 2));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	stats = read_file(PINTRACK_DIR "stats");
	ASSERT_NE(NULL, stats);
	EXPECT_EQ(0, stat_of(stats, "stale_secs"));
	free(stats);

	/*
	 * The read holds its pin 8 s. A pin is stale once two whole
	 * seconds old (more than stale_secs=1), and a scan that found none
	 * waits at least 100 times its own duration before the next (25 ms
	 * for 2 GiB under TCG: 2.5 s), so the second scan, about 3.5 s in,
	 * must still find the pin, even with a slowed-down host. null_blk
	 * times a request out after 5 s: give this one 30 s.
	 */
	sr.fd = slow_nullb_open("pintrack_stale", "8000000000");
	ASSERT_LE(0, sr.fd);
	ASSERT_EQ(0, write_str("/sys/block/pintrack_stale/queue/io_timeout",
			       "30000"));
	buf = map_anon(page_size, page_size, 0);
	ubuf = map_anon(4 * page_size, page_size, 0);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, ubuf);
	pfn = pfn_of(buf);
	for (i = 0; i < 4; i++)
		upfn[i] = pfn_of(ubuf + i * page_size);
	ring = uring_setup();
	if (ring >= 0)
		ASSERT_EQ(0, uring_register(ring, ubuf, 4 * page_size));

	stats = read_file(PINTRACK_DIR "stats");
	ASSERT_NE(NULL, stats);
	base = stat_of(stats, "stale_reports");
	free(stats);
	ASSERT_EQ(0, write_str(STALE_SECS, "1"));
	sr.buf = buf;
	ASSERT_EQ(0, pthread_create(&thread, NULL, slow_read_fn, &sr));
	/* Wait for the scan (deferrable: it runs when the CPU is awake). */
	for (i = 0; i < 80; i++) {
		usleep(100000);
		stats = read_file(PINTRACK_DIR "stats");
		ASSERT_NE(NULL, stats);
		now = stat_of(stats, "stale_reports");
		free(stats);
		if (now > base)
			break;
	}
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ((ssize_t)page_size, sr.ret);
	ASSERT_EQ(0, write_str(STALE_SECS, "0"));

	snprintf(want, sizeof(want), " pfn 0x%lx pins 1", pfn);
	EXPECT_TRUE(kmsg_find(STALE_MSG, want, NULL, 0, line, sizeof(line))) {
		TH_LOG("no stale report for pfn 0x%lx", pfn);
	}
	stats = read_file(PINTRACK_DIR "stats");
	ASSERT_NE(NULL, stats);
	EXPECT_EQ(base + 1, stat_of(stats, "stale_reports"));
	if (stat_of(stats, "stacks") == 1) {
		fd = open("/proc/self/comm", O_RDONLY);
		ASSERT_LE(0, fd);
		ASSERT_LT(0, read(fd, comm, sizeof(comm) - 1));
		close(fd);
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(want, sizeof(want), " pfn 0x%lx pins 1 pid %d comm %s",
			 pfn, getpid(), comm);
		EXPECT_TRUE(kmsg_find(STALE_MSG, want, NULL, 0, line,
				      sizeof(line))) {
			TH_LOG("no '%s' in the stale report: %s", want, line);
		}
		/* Its stack names the bio's iov_iter extraction. */
		EXPECT_TRUE(kmsg_find(STALE_MSG, want, "bio_iov_iter_get_pages",
				      20, line, sizeof(line)));
	}
	free(stats);
	/* The io_uring buffers were pinned long-term: never stale. */
	for (i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), " pfn 0x%lx pins", upfn[i]);
		EXPECT_FALSE(kmsg_find(STALE_MSG, want, NULL, 0, line,
				       sizeof(line)));
	}
	if (ring >= 0) {
		ASSERT_EQ(0, uring_unregister(ring));
		close(ring);
	}
	close(sr.fd);
	slow_nullb_remove("pintrack_stale");
	munmap(buf, page_size);
	munmap(ubuf, 4 * page_size);
}

/* === Reports that stay true ============================================ */

/* The line of @pfn in the pinned file, into @line; 0 if it has none. */
static int pinned_line(unsigned long pfn, char *line, size_t len)
{
	char *pinned = read_file(PINTRACK_DIR "pinned"), want[64], *p, *eol;
	int found = 0;

	if (!pinned)
		return 0;
	snprintf(want, sizeof(want), "pfn 0x%lx pins ", pfn);
	for (p = pinned; p && *p; p = eol ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		if (!strncmp(p, want, strlen(want))) {
			snprintf(line, len, "%.*s", eol ? (int)(eol - p) : (int)strlen(p), p);
			found = 1;
			break;
		}
	}
	free(pinned);
	return found;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* clone3()'s arguments, as <linux/sched.h> has them (set_tid: 5.5). */
struct pintrack_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/*
 * A child pins a page (udmabuf, memfd_pin_folios()), hands the dma-buf to
 * its parent and exits; a process started with the child's pid
 * (clone3() set_tid) is named "imposter". `pinned` must not name the
 * imposter as the pinner: a process started after the pin cannot have
 * taken it, so the comm is "-".
 */
TEST_F(pintrack, pid_reuse)
{
	char *map, line[256], want[96], comm[32];
	int sv[2], memfd, buf, status, i, stacks;
	pid_t child, imp;
	unsigned long pfn;

	stacks = stacks_mode();
	if (!stacks)
		SKIP(return, "boot with gup_pin_tracking=stacks");
	if (access("/dev/udmabuf", R_OK | W_OK))
		SKIP(return, "no /dev/udmabuf");
	memfd = memfd_create("pintrack_pid", MFD_ALLOW_SEALING);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, page_size));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 5, page_size);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct udmabuf_create create = {
			.memfd = memfd, .size = page_size,
		};
		int dev = open("/dev/udmabuf", O_RDWR);

		prctl(PR_SET_NAME, "pintrack_pinner");
		if (dev < 0)
			_exit(1);
		buf = ioctl(dev, UDMABUF_CREATE, &create);
		_exit(buf < 0 || send_fd(sv[0], buf) ? 2 : 0);
	}
	buf = recv_fd(sv[1]);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_LE(0, buf);
	/* The long-term pin may have moved the page out of ZONE_MOVABLE. */
	pfn = pfn_of(map);
	ASSERT_NE(0, pfn);
	ASSERT_TRUE(pinned_line(pfn, line, sizeof(line))) {
		TH_LOG("pfn 0x%lx is not in pinned", pfn);
	}
	snprintf(want, sizeof(want), " pid %d comm -", child);
	EXPECT_NE(NULL, strstr(line, want)) {
		TH_LOG("the pinner exited: '%s' should end in '%s'", line, want);
	}

	/*
	 * The child's pid, taken again by a process named imposter, started
	 * more than a second after the pin, so that its start time tells.
	 */
	usleep(2100000);
	{
		uint64_t tid = child;
		struct pintrack_clone_args args = {
			.exit_signal = SIGCHLD,
			.set_tid = (uintptr_t)&tid,
			.set_tid_size = 1,
		};

		imp = syscall(__NR_clone3, &args, sizeof(args));
	}
	if (!imp) {
		prctl(PR_SET_NAME, "imposter");
		pause();
		_exit(0);
	}
	if (imp < 0) {
		close(buf);
		SKIP(return, "clone3(set_tid=%d): %s", child, strerror(errno));
	}
	ASSERT_EQ(child, imp);
	for (i = 0; i < 100; i++) {
		char path[64], *c;

		snprintf(path, sizeof(path), "/proc/%d/comm", imp);
		c = read_file(path);
		snprintf(comm, sizeof(comm), "%s", c ? c : "");
		free(c);
		if (!strncmp(comm, "imposter", 8))
			break;
		usleep(10000);
	}
	ASSERT_LT(i, 100);
	ASSERT_TRUE(pinned_line(pfn, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, want)) {
		TH_LOG("pid %d reused by an imposter: '%s' should end in '%s'",
		       imp, line, want);
	}
	EXPECT_EQ(NULL, strstr(line, "imposter"));
	kill(imp, SIGKILL);
	waitpid(imp, &status, 0);
	close(buf);
	munmap(map, page_size);
	close(memfd);
	close(sv[0]);
	close(sv[1]);
}

/* A page of @area (of @npages) in ZONE_MOVABLE, or NULL. */
static char *movable_page(char *area, int npages, unsigned long block_pages)
{
	char path[256], *zones;
	unsigned long pfn;
	int i, ok;

	for (i = 0; i < npages; i++) {
		pfn = pfn_of(area + i * page_size);
		if (!pfn)
			continue;
		snprintf(path, sizeof(path), MEMORY_SYS "memory%lu/valid_zones",
			 pfn / block_pages);
		zones = read_file(path);
		ok = zones && strstr(zones, "Movable");
		free(zones);
		if (ok)
			return area + i * page_size;
	}
	return NULL;
}

/*
 * A FOLL_LONGTERM pin must first move a page out of ZONE_MOVABLE; an
 * O_DIRECT read in flight holds a short-term pin on it, so registering the
 * same buffer with io_uring fails. The failures record names the page and
 * its short-term pinner with the cause "longterm pin", and once the read
 * is done the registration succeeds.
 */
TEST_F(pintrack, longterm_pin_blocked)
{
	char *area, *out, *rec, want[128];
	unsigned long block_pages, pfn;
	struct slow_read sr = { 0 };
	int ring, stacks;
	long before, after;
	pthread_t thread;

	if (!cmdline_has("movablecore="))
		SKIP(return, "boot with movablecore= to test long-term pins");
	if (access("/sys/kernel/config/nullb", F_OK) ||
	    access(PINTRACK_DIR "failures", R_OK))
		SKIP(return, "no null_blk configfs or no failures file");
	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	stacks = stacks_mode();
	block_pages = memory_block_pages();
	ASSERT_LT(0, block_pages);
	area = map_anon(64 * page_size, page_size, 0);
	ASSERT_NE(NULL, area);
	sr.buf = movable_page(area, 64, block_pages);
	if (!sr.buf)
		SKIP(return, "no page of the buffer in ZONE_MOVABLE");
	pfn = pfn_of(sr.buf);

	sr.fd = slow_nullb_open("pintrack_lt", "3000000000");
	ASSERT_LE(0, sr.fd);
	before = kmsg_count("longterm pin: migration blocked by pinned pfn");
	ASSERT_EQ(0, pthread_create(&thread, NULL, slow_read_fn, &sr));
	ASSERT_EQ(0, wait_pinned(pfn, 1));

	EXPECT_NE(0, uring_register(ring, sr.buf, page_size));
	out = read_file(PINTRACK_DIR "failures");
	ASSERT_NE(NULL, out);
	snprintf(want, sizeof(want), "s longterm pin: pfn 0x%lx pins 1 age ", pfn);
	EXPECT_NE(NULL, strstr(out, want)) {
		TH_LOG("no '%s' in failures:\n%s", want, out);
	}
	snprintf(want, sizeof(want), " pid %d comm ", getpid());
	if (stacks)
		EXPECT_NE(NULL, strstr(out, want));
	free(out);
	after = kmsg_count("longterm pin: migration blocked by pinned pfn");
	EXPECT_LT(before, after);

	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ((ssize_t)page_size, sr.ret);
	out = read_file(PINTRACK_DIR "failures");
	ASSERT_NE(NULL, out);
	snprintf(want, sizeof(want), "s longterm pin: pfn 0x%lx pins 1 age ", pfn);
	rec = strstr(out, want);
	EXPECT_TRUE(rec && strstr(rec, " unpinned after ") &&
		    strstr(rec, " unpinned after ") < strchrnul(rec, '\n')) {
		TH_LOG("no release of pfn 0x%lx in failures:\n%s", pfn, out);
	}
	free(out);
	/* The short-term pin is gone: the long-term pin may move the page. */
	EXPECT_EQ(0, uring_register(ring, sr.buf, page_size));
	EXPECT_EQ(0, uring_unregister(ring));
	close(ring);
	close(sr.fd);
	munmap(area, 64 * page_size);
	slow_nullb_remove("pintrack_lt");
}

/*
 * The same with udmabuf (memfd_pin_folios()): a memfd page of ZONE_MOVABLE
 * held by an O_DIRECT read in flight makes UDMABUF_CREATE fail. The failed
 * long-term pin leaves no mark: the page keeps its short-term pinner, is
 * not long-term, and the record names the read, not memfd_pin_folios().
 */
TEST_F(pintrack, udmabuf_pin_blocked)
{
	const long npages = 64;
	struct udmabuf_create create = { 0 };
	char *map, *out, *rec, want[128];
	unsigned long block_pages, pfn;
	struct slow_read sr = { 0 };
	int memfd, dev, buf, lt, stacks;
	struct pintrack_stats now;
	pthread_t thread;

	if (!cmdline_has("movablecore="))
		SKIP(return, "boot with movablecore= to test long-term pins");
	if (access("/sys/kernel/config/nullb", F_OK) ||
	    access(PINTRACK_DIR "failures", R_OK))
		SKIP(return, "no null_blk configfs or no failures file");
	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0)
		SKIP(return, "/dev/udmabuf: %s", strerror(errno));
	stacks = stacks_mode();
	block_pages = memory_block_pages();
	ASSERT_LT(0, block_pages);
	memfd = memfd_create("gpt", MFD_ALLOW_SEALING);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, npages * page_size));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	map = mmap(NULL, npages * page_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 3, npages * page_size);
	sr.buf = movable_page(map, npages, block_pages);
	if (!sr.buf)
		SKIP(return, "no page of the memfd in ZONE_MOVABLE");
	pfn = pfn_of(sr.buf);

	sr.fd = slow_nullb_open("pintrack_lt", "3000000000");
	ASSERT_LE(0, sr.fd);
	ASSERT_EQ(0, pthread_create(&thread, NULL, slow_read_fn, &sr));
	ASSERT_EQ(0, wait_pinned(pfn, 1));

	create.memfd = memfd;
	create.offset = (sr.buf - map) / page_size * page_size;
	create.size = page_size;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	EXPECT_GT(0, buf);
	if (buf >= 0)
		close(buf);
	/* Still the read's short-term pin alone. */
	out = read_file(PINTRACK_DIR "pinned");
	ASSERT_NE(NULL, out);
	EXPECT_EQ(1, pinned_entry(out, pfn, &lt));
	EXPECT_FALSE(lt);
	free(out);
	ASSERT_EQ(0, read_stats(&now));
	EXPECT_EQ(self->base.longterm, now.longterm);
	out = read_file(PINTRACK_DIR "failures");
	ASSERT_NE(NULL, out);
	snprintf(want, sizeof(want), "s longterm pin: pfn 0x%lx pins 1 age ", pfn);
	rec = strstr(out, want);
	EXPECT_NE(NULL, rec) {
		TH_LOG("no '%s' in failures:\n%s", want, out);
	}
	/* The record's stack is the read's, not memfd_pin_folios()'. */
	if (stacks && rec)
		EXPECT_TRUE(!strstr(rec, "memfd_pin_folios") ||
			    strstr(rec, "memfd_pin_folios") > strstr(rec, "\n\n"));
	free(out);

	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ((ssize_t)page_size, sr.ret);
	/* The short-term pin is gone: the long-term pin may move the page. */
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	EXPECT_LE(0, buf);
	if (buf >= 0)
		close(buf);
	close(sr.fd);
	munmap(map, npages * page_size);
	close(memfd);
	close(dev);
	slow_nullb_remove("pintrack_lt");
}

/* Offline @block in a child; 1 if it was still trying after 2 s. */
static int offline_blocked(unsigned long block)
{
	char state[128];
	int i, status;
	pid_t pid;

	snprintf(state, sizeof(state), MEMORY_SYS "memory%lu/state", block);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(write_str(state, "offline") ? errno : 0);
	for (i = 0; i < 20; i++) {
		usleep(100000);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			write_str(state, "online_movable");
			return 0;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 1;
}

/*
 * A page that vmsplice() put in a pipe nobody reads holds a reference,
 * not a pin: offlining its block fails, and the tracker counts the failure
 * in migrate_failures_other and writes no record for the page. (The page
 * may have a record already, from an earlier test that pinned the same
 * memory: no new one.)
 */
TEST_F(pintrack, offline_blocked_by_reference)
{
	char *area, *out, *stats, want[64];
	unsigned long block_pages, pfn, last, tried[OFFLINE_TRIES];
	int pipefd[2], ok, t, i, k, done = 0;
	long other0, other1, records;
	struct iovec iov;

	if (!cmdline_has("movablecore="))
		SKIP(return, "boot with movablecore= to test offlining");
	block_pages = memory_block_pages();
	ASSERT_LT(0, block_pages);
	last = last_memory_block();
	area = map_anon(BUF_PAGES * page_size, page_size, 0);
	ASSERT_NE(NULL, area);
	for (t = 0, i = 0; t < OFFLINE_TRIES; t++) {
		char *page = NULL;

		/* A page of a movable block not tried yet, not the last. */
		for (; i < BUF_PAGES && !page; i++) {
			pfn = pfn_of(area + i * page_size);
			if (!pfn || pfn / block_pages >= last)
				continue;
			for (k = 0; k < t && tried[k] != pfn / block_pages; k++)
				;
			if (k == t)
				page = movable_page(area + i * page_size, 1,
						    block_pages);
		}
		if (!page)
			break;
		tried[t] = pfn / block_pages;
		ASSERT_EQ(0, pipe(pipefd));
		iov.iov_base = page;
		iov.iov_len = page_size;
		ASSERT_EQ((ssize_t)page_size, vmsplice(pipefd[1], &iov, 1, 0));
		stats = read_file(PINTRACK_DIR "stats");
		ASSERT_NE(NULL, stats);
		other0 = stat_of(stats, "migrate_failures_other");
		free(stats);
		snprintf(want, sizeof(want), ": pfn 0x%lx pins ", pfn);
		out = read_file(PINTRACK_DIR "failures");
		ASSERT_NE(NULL, out);
		records = trace_count(out, want);
		free(out);
		ok = offline_blocked(pfn / block_pages);
		stats = read_file(PINTRACK_DIR "stats");
		ASSERT_NE(NULL, stats);
		other1 = stat_of(stats, "migrate_failures_other");
		free(stats);
		close(pipefd[0]);
		close(pipefd[1]);
		if (ok != 1)
			continue;
		EXPECT_LT(other0, other1);
		out = read_file(PINTRACK_DIR "failures");
		ASSERT_NE(NULL, out);
		EXPECT_EQ(records, trace_count(out, want)) {
			TH_LOG("a reference is not a pin, yet:\n%s", out);
		}
		free(out);
		done = 1;
		break;
	}
	munmap(area, BUF_PAGES * page_size);
	if (!done)
		SKIP(return, "no movable block could be tried (%d tried)", t);
}

/* === Pins that block a CMA allocation =================================== */

#define CMA_DIR		"/sys/kernel/debug/cma/"
#define GIGANTIC_NR	"/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
#define CMA_CHUNK	(8UL << 20)
#define CMA_CHUNKS	512
#define CMA_BLOCKED	"alloc_contig_range: migration blocked by pinned pfn"

/* A number from a CMA area's debugfs file @what; 0 if there is none. */
static unsigned long cma_value(const char *area, const char *what)
{
	char path[128], *s;
	unsigned long v;

	snprintf(path, sizeof(path), CMA_DIR "%s/%s", area, what);
	s = read_file(path);
	if (!s)
		return 0;
	v = strtoul(s, NULL, 10);
	free(s);
	return v;
}

/* MemAvailable in MiB. */
static long mem_available_mib(void)
{
	char *s = read_file("/proc/meminfo"), *p;
	long kib = 0;

	p = s ? strstr(s, "MemAvailable:") : NULL;
	if (p)
		kib = strtol(p + strlen("MemAvailable:"), NULL, 10);
	free(s);
	return kib >> 10;
}

/*
 * Fault in anonymous memory 8 MiB at a time until one of its pages lies in
 * [@base, @base + @count): the page allocator serves movable allocations
 * from CMA once CMA holds over half of the free memory. Everything but
 * that page is unmapped again. Returns the page, or NULL.
 */
static char *cma_user_page(unsigned long base, unsigned long count)
{
	static uint64_t map[CMA_CHUNK / 4096];
	size_t n = CMA_CHUNK / page_size, i, c, nr = 0;
	char *chunks[CMA_CHUNKS], *page = NULL;
	unsigned long pfn;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return NULL;
	while (!page && nr < CMA_CHUNKS && mem_available_mib() > 384) {
		c = nr;
		chunks[c] = mmap(NULL, CMA_CHUNK, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				 -1, 0);
		if (chunks[c] == MAP_FAILED)
			break;
		nr++;
		if (n > ARRAY_SIZE(map) ||
		    pread(fd, map, n * sizeof(map[0]),
			  (uintptr_t)chunks[c] / page_size * sizeof(map[0])) !=
		    (ssize_t)(n * sizeof(map[0])))
			break;
		for (i = 0; i < n && !page; i++) {
			pfn = map[i] & ((1ULL << 55) - 1);
			if ((map[i] >> 63) && pfn >= base && pfn < base + count)
				page = chunks[c] + i * page_size;
		}
	}
	close(fd);
	for (c = 0; c < nr; c++) {
		if (page && page >= chunks[c] && page < chunks[c] + CMA_CHUNK) {
			munmap(chunks[c], page - chunks[c]);
			munmap(page + page_size,
			       chunks[c] + CMA_CHUNK - page - page_size);
		} else {
			munmap(chunks[c], CMA_CHUNK);
		}
	}
	return page;
}

/*
 * A user page in CMA area @area is held by an O_DIRECT read in flight; an
 * allocation of the area fails on it. With @gigantic, the allocation is a
 * 1 GiB hugetlb page from a 1 GiB hugetlb_cma= area (__GFP_NOWARN):
 * recorded and counted, not logged. Otherwise it is the whole area through debugfs
 * cma/<area>/alloc: logged too. Either way the record names the page and
 * its pinner, and says when it was let go.
 */
static void cma_blocked(struct __test_metadata *_metadata, const char *param,
			const char *area, int gigantic)
{
	unsigned long base, count, pfn;
	struct slow_read sr = { 0 };
	char want[160], path[128], *s, *rec;
	long logged0, pinned0, pinned1;
	int stacks;
	pthread_t thread;

	if (!cmdline_has(param))
		SKIP(return, "boot with %s to test CMA", param);
	base = cma_value(area, "base_pfn");
	count = cma_value(area, "count");
	if (!count)
		SKIP(return, "no CMA area %s in debugfs (CONFIG_CMA_DEBUGFS)",
		     area);
	if (gigantic && access(GIGANTIC_NR, W_OK))
		SKIP(return, "no 1 GiB hugetlb pages");
	if (access("/sys/kernel/config/nullb", F_OK))
		SKIP(return, "no null_blk configfs");
	stacks = stacks_mode();
	sr.buf = cma_user_page(base, count);
	if (!sr.buf)
		SKIP(return, "no page of user memory in CMA area %s", area);
	pfn = pfn_of(sr.buf);
	TH_LOG("CMA area %s: pfn 0x%lx + %lu pages; pinned pfn 0x%lx", area,
	       base, count, pfn);

	sr.fd = slow_nullb_open("pintrack_cma", "4000000000");
	ASSERT_LE(0, sr.fd);
	ASSERT_EQ(0, pthread_create(&thread, NULL, slow_read_fn, &sr));
	ASSERT_EQ(0, wait_pinned(pfn, 1));

	logged0 = kmsg_count(CMA_BLOCKED);
	s = read_file(PINTRACK_DIR "stats");
	ASSERT_NE(NULL, s);
	pinned0 = stat_of(s, "migrate_failures_pinned");
	free(s);
	if (gigantic) {
		/*
		 * The area's one gigantic page holds the pinned page. Where
		 * another free 1 GiB range exists outside CMA (this guest has
		 * one), alloc_gigantic_folio() falls back to it and succeeds.
		 */
		write_str(GIGANTIC_NR, "1");
		s = read_file(GIGANTIC_NR);
		ASSERT_NE(NULL, s);
		TH_LOG("nr_hugepages (1 GiB) after asking for 1: %d", atoi(s));
		free(s);
	} else {
		snprintf(want, sizeof(want), "%lu", count);
		snprintf(path, sizeof(path), CMA_DIR "%s/alloc", area);
		EXPECT_NE(0, write_str(path, want));
	}
	s = read_file(PINTRACK_DIR "stats");
	ASSERT_NE(NULL, s);
	pinned1 = stat_of(s, "migrate_failures_pinned");
	free(s);
	EXPECT_LT(pinned0, pinned1);
	s = read_file(PINTRACK_DIR "failures");
	ASSERT_NE(NULL, s);
	snprintf(want, sizeof(want), "s alloc_contig_range: pfn 0x%lx pins 1 age ",
		 pfn);
	rec = strstr(s, want);
	EXPECT_NE(NULL, rec) {
		TH_LOG("no '%s' in failures:\n%s", want, s);
	}
	snprintf(want, sizeof(want), " pid %d comm ", getpid());
	if (stacks && rec)
		EXPECT_TRUE(strstr(rec, want) &&
			    strstr(rec, want) < strchrnul(rec, '\n'));
	free(s);
	snprintf(want, sizeof(want),
		 "alloc_contig_range: migration blocked by pinned pfn 0x%lx pins 1 ",
		 pfn);
	/* __GFP_NOWARN: no log line, for the failure or its release. */
	EXPECT_EQ(!gigantic, kmsg_has(want)) {
		TH_LOG("'%s' %sin the kernel log", want, gigantic ? "" : "not ");
	}
	if (gigantic)
		EXPECT_EQ(logged0, kmsg_count(CMA_BLOCKED));

	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ((ssize_t)page_size, sr.ret);
	s = read_file(PINTRACK_DIR "failures");
	ASSERT_NE(NULL, s);
	snprintf(want, sizeof(want), "s alloc_contig_range: pfn 0x%lx pins 1 age ",
		 pfn);
	rec = strstr(s, want);
	EXPECT_TRUE(rec && strstr(rec, " unpinned after ") &&
		    strstr(rec, " unpinned after ") < strchrnul(rec, '\n')) {
		TH_LOG("no release of pfn 0x%lx in failures:\n%s", pfn, s);
	}
	free(s);
	snprintf(want, sizeof(want),
		 "gup_pin_tracking: pfn 0x%lx that blocked alloc_contig_range was unpinned after ",
		 pfn);
	EXPECT_EQ(!gigantic, kmsg_has(want));
	if (gigantic)
		write_str(GIGANTIC_NR, "0");
	close(sr.fd);
	munmap(sr.buf, page_size);
	slow_nullb_remove("pintrack_cma");
}

/*
 * cma=: an allocation of the whole area (debugfs cma/reserved/alloc).
 * Finding a user page in the area can take half a minute of faulting in
 * a loaded TCG guest with KASAN: more than the harness's default 30 s.
 */
TEST_F_TIMEOUT(pintrack, cma_alloc_blocked, 300)
{
	cma_blocked(_metadata, " cma=", "reserved", 0);
}

/* hugetlb_cma=: a 1 GiB hugetlb page, which allocates with __GFP_NOWARN. */
TEST_F_TIMEOUT(pintrack, gigantic_alloc_blocked, 300)
{
	cma_blocked(_metadata, "hugetlb_cma=", "hugetlb0", 1);
}

/*
 * The cost of one stale-pin scan of all memory, for the rst: the scan is
 * bounded to 1% of a CPU whatever stale_secs asks.
 */
TEST_F(pintrack, stale_scan_cost)
{
	unsigned long pages = 0, usecs = 0;
	char *stats;
	int i;

	if (access(STALE_SECS, W_OK))
		SKIP(return, "no stale_secs");
	ASSERT_EQ(0, write_str(STALE_SECS, "1"));
	for (i = 0; i < 40 && !pages; i++) {
		usleep(100000);
		stats = read_file(PINTRACK_DIR "stats");
		ASSERT_NE(NULL, stats);
		pages = stat_of(stats, "stale_scan_pages");
		usecs = stat_of(stats, "stale_scan_usecs");
		free(stats);
	}
	ASSERT_EQ(0, write_str(STALE_SECS, "0"));
	ASSERT_LT(0, pages);
	ksft_print_msg("stale scan: %lu pages in %lu us, %lu us per GiB\n",
		       pages, usecs,
		       usecs * ((1UL << 30) / page_size) / pages);
}

/*
 * A pin still being taken is not a mismatch: process_vm_writev() pins the
 * last page of a THP, then waits for userfaultfd to supply the page after
 * it. Until the call returns, the THP's _pincount is one above its
 * tracked pins, and `verify` must not report that.
 */
struct in_flight_write {
	char *dst;
	char src[8192];
	ssize_t ret;
};

static void *in_flight_writer(void *arg)
{
	struct in_flight_write *w = arg;
	struct iovec local = { w->src, sizeof(w->src) };
	struct iovec remote = { w->dst, sizeof(w->src) };

	w->ret = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	return NULL;
}

TEST_F(pintrack, verify_pin_in_flight)
{
	const size_t thp = 2UL << 20;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { };
	struct uffdio_zeropage zero = { };
	struct in_flight_write w = { };
	struct pollfd pfd = { };
	struct uffd_msg msg;
	char *area, *a, *b, *verify;
	pthread_t th;
	int uffd;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	area = mmap(NULL, 3 * thp, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	a = (char *)(((uintptr_t)area + thp - 1) & ~(thp - 1));
	b = a + thp;
	madvise(a, thp, MADV_HUGEPAGE);
	memset(a, 0x5a, thp);
	if (!thp_backed(a, thp)) {
		munmap(area, 3 * thp);
		SKIP(return, "no THP");
	}
	reg.range.start = (uintptr_t)b;
	reg.range.len = page_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	/* Pins a's last page, then waits for b. */
	w.dst = b - page_size;
	memset(w.src, 0xa5, sizeof(w.src));
	ASSERT_EQ(0, pthread_create(&th, NULL, in_flight_writer, &w));
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	verify = read_file(PINTRACK_DIR "verify");
	ASSERT_NE(NULL, verify);
	EXPECT_NE(NULL, strstr(verify, " mismatches 0\n")) {
		TH_LOG("verify with a pin in flight: %s", verify);
	}
	free(verify);

	zero.range.start = (uintptr_t)b;
	zero.range.len = page_size;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ((ssize_t)sizeof(w.src), w.ret) {
		TH_LOG("process_vm_writev: %s", strerror(errno));
	}
	EXPECT_EQ(0, memcmp(b - page_size, w.src, sizeof(w.src)));
	close(uffd);
	munmap(area, 3 * thp);
}

/*
 * Who holds the most pinned memory: two processes register 3 and 5 MiB of
 * io_uring fixed buffers (long-term pins of 4 KiB pages) and hold them;
 * `processes` lists the 5 MiB one before the 3 MiB one, each with its
 * pid, name, pages and pins.
 */
static void processes_child(int mib, int ready, int go, const char *name)
{
	size_t size = (size_t)mib << 20;
	char c = 0, *buf;
	int ring;

	prctl(PR_SET_NAME, name);
	ring = uring_setup();
	buf = map_anon(size, page_size, 0);
	if (ring < 0 || !buf || uring_register(ring, buf, size))
		c = 1;
	if (write(ready, &c, 1) != 1 || c)
		_exit(1);
	if (read(go, &c, 1) != 1)
		_exit(1);
	uring_unregister(ring);
	_exit(0);
}

/* The `processes` line of @pid: its index among the lines, and fields. */
static int processes_line(const char *out, pid_t pid, char *comm,
			  long *pages, long *pins, long *lt)
{
	const char *line = out;
	char key[32];
	int n = 0;

	snprintf(key, sizeof(key), "pid %d comm ", pid);
	for (; *line; n++) {
		if (!strncmp(line, key, strlen(key)) &&
		    sscanf(line + strlen(key), "%15s pages %ld pins %ld longterm %ld ",
			   comm, pages, pins, lt) == 4)
			return n;
		line = strchrnul(line, '\n');
		if (*line)
			line++;
	}
	return -1;
}

TEST_F(pintrack, processes_largest_first)
{
	static const int mib[2] = { 3, 5 };
	static const char *const names[2] = { "gpt_pin3m", "gpt_pin5m" };
	int ready[2], go[2], i, idx[2] = { -1, -1 }, status;
	long pages, pins, lt, want;
	pid_t pid[2];
	char comm[16], c, *out;

	if (!stacks_mode())
		SKIP(return, "boot with gup_pin_tracking=stacks");
	if (access(PINTRACK_DIR "processes", R_OK))
		SKIP(return, "no " PINTRACK_DIR "processes");
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (!pid[i])
			processes_child(mib[i], ready[1], go[0], names[i]);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1, read(ready[0], &c, 1));
		if (c)
			SKIP(goto release, "io_uring fixed buffers unavailable");
	}
	out = read_file(PINTRACK_DIR "processes");
	ASSERT_NE(NULL, out);
	for (i = 0; i < 2; i++) {
		want = ((long)mib[i] << 20) / page_size;
		idx[i] = processes_line(out, pid[i], comm, &pages, &pins, &lt);
		EXPECT_LE(0, idx[i]) {
			TH_LOG("no line for pid %d in:\n%s", pid[i], out);
			continue;
		}
		EXPECT_STREQ(names[i], comm);
		EXPECT_EQ(want, pages);
		EXPECT_EQ(want, pins);
		EXPECT_EQ(want, lt);
	}
	/* Largest first. */
	EXPECT_LT(idx[1], idx[0]) {
		TH_LOG("%s", out);
	}
	free(out);
release:
	for (i = 0; i < 2; i++)
		EXPECT_EQ(1, write(go[1], "g", 1));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
}

TEST_HARNESS_MAIN
