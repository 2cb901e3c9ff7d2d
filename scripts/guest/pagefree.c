// SPDX-License-Identifier: GPL-2.0
/*
 * Bench helper: what allocating and freeing pages costs. Maps NPAGES of
 * anonymous memory, touches every page (one page allocated per fault),
 * unmaps it (every page freed), ITERS times, and prints the guest
 * nanoseconds per page: under QEMU -icount, instructions per page.
 *   pagefree [NPAGES [ITERS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	long npages = argc > 1 ? atol(argv[1]) : 512;
	long iters = argc > 2 ? atol(argv[2]) : 200;
	const long page = 4096;
	struct timespec a, b;
	long i, j;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < iters; i++) {
		char *p = mmap(NULL, npages * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("pagefree: mmap");
			return 1;
		}
		madvise(p, npages * page, MADV_NOHUGEPAGE);
		for (j = 0; j < npages; j++)
			p[j * page] = 1;
		munmap(p, npages * page);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("RESULT %.1f ns per page (%ld pages, %ld rounds)\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) /
	       (double)(npages * iters), npages, iters);
	return 0;
}
