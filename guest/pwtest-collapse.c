// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-collapse - run khugepaged's collapse_file() on tmpfs with
 * MADV_COLLAPSE, after loading lru_pwlocks_lockdep.ko, which makes lockdep
 * treat the i_pages lock as the interrupt-safe lock it is on real hardware.
 * collapse_file() used to add the huge folio to the LRU under that lock: with
 * PW locks, lockdep reports such a nesting in either mode, and the boot test
 * fails on the report.  Passes if the range was collapsed into a huge page.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#define HPAGE		(2UL << 20)

/* ShmemPmdMapped of this process, in kB */
static long shmem_pmd_mapped_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	if (!f)
		die("/proc/self/smaps_rollup");
	while (fgets(line, sizeof(line), f))
		sscanf(line, "ShmemPmdMapped: %ld kB", &kb);
	fclose(f);
	return kb;
}

int main(void)
{
	char cmd[256], *area, *p;
	struct utsname u;
	int fd, i;

	uname(&u);
	snprintf(cmd, sizeof(cmd),
		 "insmod /lib/modules/%s/kernel/mm/tests/lru_pwlocks_lockdep.ko", u.release);
	if (system(cmd))
		die("insmod lru_pwlocks_lockdep.ko");

	fd = open("/tmp/collapse", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, HPAGE))
		die("/tmp/collapse");
	/* A huge-page aligned window into a larger reservation */
	area = mmap(NULL, 2 * HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap reserve");
	p = (char *)(((unsigned long)area + HPAGE - 1) & ~(HPAGE - 1));
	if (mmap(p, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != p)
		die("mmap tmpfs");
	for (i = 0; i < (int)(HPAGE / 4096); i++)
		p[i * 4096] = (char)i;	/* small page cache folios */

	for (i = 0; i < 5; i++) {
		if (!madvise(p, HPAGE, MADV_COLLAPSE))
			break;
		perror("madvise(MADV_COLLAPSE)");
		sleep(1);
	}
	printf("PWTEST: collapse: ShmemPmdMapped %ld kB after MADV_COLLAPSE\n",
	       shmem_pmd_mapped_kb());
	for (i = 0; i < (int)(HPAGE / 4096); i++) {
		if (p[i * 4096] != (char)i) {
			printf("PWTEST: FAIL page %d lost its data in the collapse\n", i);
			return 1;
		}
	}
	if (shmem_pmd_mapped_kb() < (long)(HPAGE >> 10)) {
		printf("PWTEST: FAIL the range was not collapsed into a huge page\n");
		return 1;
	}
	return 0;
}
