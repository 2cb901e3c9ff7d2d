// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper for the post-mortem test: hold known long-term pins
 * (io_uring fixed buffers: 16 small pages, and 4 pages inside a THP, which
 * io_uring coalesces into one pin) until killed. Writes /tmp/hold.ready
 * once they are held.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	const size_t page = 4096, thp = 2 << 20;
	struct io_uring_params p = { 0 };
	struct iovec iov[2];
	char *small, *big;
	int ring, fd;

	ring = syscall(__NR_io_uring_setup, 4, &p);
	small = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	big = mmap(NULL, 2 * thp, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ring < 0 || small == MAP_FAILED || big == MAP_FAILED) {
		perror("hold_pins: setup");
		return 1;
	}
	big = (char *)(((uintptr_t)big + thp - 1) & ~(thp - 1));
	madvise(small, 16 * page, MADV_NOHUGEPAGE);
	madvise(big, thp, MADV_HUGEPAGE);
	memset(small, 1, 16 * page);
	memset(big, 2, thp);
	iov[0].iov_base = small;
	iov[0].iov_len = 16 * page;
	iov[1].iov_base = big + 5 * page;
	iov[1].iov_len = 4 * page;
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		    iov, 2)) {
		perror("hold_pins: register");
		return 1;
	}
	fd = open("/tmp/hold.ready", O_CREAT | O_WRONLY, 0644);
	close(fd);
	for (;;)
		pause();
}
