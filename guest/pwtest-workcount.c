// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-workcount - lru_add_drain_all() queues as many work items as the
 * base kernel does: one per CPU that has something to drain, however many
 * of its caches hold something.
 *
 * One task per CPU fills that CPU's LRU add batch (a new tmpfs page) and its
 * buffer-head LRU (a write and fsync on ext2), then sleeps, so that the CPU
 * keeps both.  CPU 0 then makes the kernel drain all CPUs (compaction) and
 * counts, from tracefs, the drain work items each CPU ran.  With no CPU
 * isolated, every CPU must run exactly one per round, whatever the PW locks
 * mode: the same as the base kernel, which runs this test too.
 *
 * Usage: pwtest-workcount [-r rounds]   (default: $pwcount_rounds, else 20)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define MAX_CPUS	64

enum { IDLE, FILL, FILLED, EXIT };

static volatile int *state;	/* per CPU */

static const char *const lru_drain[] = { "lru_add_drain_per_cpu", NULL };

static void filler(int cpu)
{
	char path[64], page[4096];
	int tmp, ext, round = 0;

	pin(cpu);
	snprintf(path, sizeof(path), "/tmp/workcount%d", cpu);
	tmp = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	snprintf(path, sizeof(path), "/mnt/workcount%d", cpu);
	ext = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (tmp < 0 || ext < 0)
		die("filler files");
	memset(page, 'w', sizeof(page));
	for (;;) {
		while (state[cpu] != FILL && state[cpu] != EXIT)
			usleep(1000);
		if (state[cpu] == EXIT)
			exit(0);
		/*
		 * ext2 metadata (a new block each round, so the block bitmap and
		 * inode change): this CPU's buffer-head LRU.  First: writeback
		 * drains this CPU's LRU batches (folio_batch_release()).
		 */
		if (pwrite(ext, page, sizeof(page), (off_t)round * sizeof(page)) < 0 ||
		    fsync(ext))
			die("ext2 write");
		/* A new page cache folio: this CPU's LRU add batch */
		if (pwrite(tmp, page, sizeof(page), (off_t)round * sizeof(page)) < 0)
			die("tmpfs write");
		round++;
		state[cpu] = FILLED;
	}
}

int main(int argc, char **argv)
{
	int rounds = getenv("pwcount_rounds") ? atoi(getenv("pwcount_rounds")) : 20;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), cpu, r, bad = 0;
	int total[MAX_CPUS] = { 0 };
	char mode[16];

	if (argc == 3 && !strcmp(argv[1], "-r"))
		rounds = atoi(argv[2]);
	if (ncpu > MAX_CPUS)
		ncpu = MAX_CPUS;
	read_pwlocks_mode(mode, sizeof(mode));
	if (system("mke2fs -q /dev/ram1 >/dev/null && mkdir -p /mnt && mount -t ext2 /dev/ram1 /mnt"))
		die("ext2 on /dev/ram1");
	state = mmap(NULL, MAX_CPUS * sizeof(*state), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (state == MAP_FAILED)
		die("mmap");
	for (cpu = 0; cpu < ncpu; cpu++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid)
			filler(cpu);
	}
	pin(0);
	write_file(TRACING "/events/workqueue/workqueue_execute_start/enable", "1");
	write_file(TRACING "/tracing_on", "1");

	for (r = 0; r < rounds; r++) {
		for (cpu = 0; cpu < ncpu; cpu++)
			state[cpu] = FILL;
		for (cpu = 0; cpu < ncpu; cpu++)
			while (state[cpu] != FILLED)
				usleep(1000);
		for (cpu = 0; cpu < ncpu; cpu++)
			trace_work_items(cpu, lru_drain);
		write_file("/proc/sys/vm/compact_memory", "1");
		for (cpu = 0; cpu < ncpu; cpu++) {
			int n = trace_work_items(cpu, lru_drain);

			total[cpu] += n;
			if (n != 1) {
				printf("PWTEST: FAIL round %d: CPU %d ran %d drain work items, not 1\n",
				       r, cpu, n);
				bad = 1;
			}
		}
	}
	for (cpu = 0; cpu < ncpu; cpu++)
		state[cpu] = EXIT;
	while (wait(NULL) > 0)
		;
	write_file(TRACING "/events/workqueue/workqueue_execute_start/enable", "0");
	printf("PWTEST: workcount mode=%s rounds=%d items per CPU:", mode, rounds);
	for (cpu = 0; cpu < ncpu; cpu++)
		printf(" %d", total[cpu]);
	printf(" (expected %d each)\n", rounds);
	if (system("umount /mnt"))
		die("umount /mnt");
	return bad;
}
