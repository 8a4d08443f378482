// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-drainbench - what one lru_add_drain_all() costs the caller.
 *
 * Before every call each online CPU puts a fresh page-cache folio into its
 * LRU add batch (a thread pinned there writes to its own tmpfs file), so
 * every CPU has something to drain; the threads then sleep (busy threads on
 * every vCPU starve QEMU's emulation of a machine bigger than the host's
 * cores, and RCU stalls).  CPU 0 then calls
 * ioctl(BLKFLSBUF) on /dev/ram0, whose invalidate_bdev() is little more
 * than lru_add_drain_all() when the ramdisk caches one page, and times it.
 * Prints the median and spread over the calls; boot the same kernel with
 * pwlocks=0 and pwlocks=1 to compare the modes.
 *
 * Usage: pwtest-drainbench [-n calls]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MAX_CPUS	64
#define MAX_CALLS	100000

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static unsigned long generation;
static int refilled, stop;

static void *refiller(void *arg)
{
	int cpu = (int)(long)arg, fd;
	unsigned long seen = 0;
	char path[64], page[4096];

	pin(cpu);
	snprintf(path, sizeof(path), "/tmp/drainbench-%d", cpu);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	memset(page, 'x', sizeof(page));
	pthread_mutex_lock(&mutex);
	for (;;) {
		while (generation == seen && !stop)
			pthread_cond_wait(&go, &mutex);
		if (stop)
			break;
		seen = generation;
		/* a new folio: truncate, then write (LRU add batch) */
		if (ftruncate(fd, 0) || pwrite(fd, page, sizeof(page), 0) < 0)
			die("refill");
		refilled++;
		pthread_cond_signal(&done);
	}
	pthread_mutex_unlock(&mutex);
	return NULL;
}

int main(int argc, char **argv)
{
	static uint64_t t[MAX_CALLS];
	int calls = 1000, ncpus, cpu, i, fd, opt;
	pthread_t threads[MAX_CPUS];
	char block[4096], mode[16];

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: %s [-n calls]\n", argv[0]);
			return 2;
		}
		calls = atoi(optarg);
	}
	if (calls < 10 || calls > MAX_CALLS)
		calls = 1000;
	read_pwlocks_mode(mode, sizeof(mode));
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus > MAX_CPUS)
		ncpus = MAX_CPUS;
	for (cpu = 1; cpu < ncpus; cpu++)
		if (pthread_create(&threads[cpu], NULL, refiller, (void *)(long)cpu))
			die("pthread_create");
	pin(0);
	fd = open("/dev/ram0", O_RDWR);
	if (fd < 0)
		die("/dev/ram0");

	for (i = 0; i < calls; i++) {
		uint64_t t0;

		pthread_mutex_lock(&mutex);
		generation++;
		refilled = 0;
		pthread_cond_broadcast(&go);
		while (refilled != ncpus - 1)
			pthread_cond_wait(&done, &mutex);
		pthread_mutex_unlock(&mutex);
		/* CPU 0's batch gets the ramdisk page; the bdev must cache one */
		if (pread(fd, block, sizeof(block), 0) < 0)
			die("pread");
		t0 = now_ns();
		if (ioctl(fd, BLKFLSBUF, 0))
			die("BLKFLSBUF");
		t[i] = now_ns() - t0;
	}
	pthread_mutex_lock(&mutex);
	stop = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&mutex);
	for (cpu = 1; cpu < ncpus; cpu++)
		pthread_join(threads[cpu], NULL);

	qsort(t, calls, sizeof(t[0]), cmp_u64);
	printf("DRAINBENCH mode=%s cpus=%d calls=%d us_min=%.1f us_p10=%.1f us_p50=%.1f us_p90=%.1f us_max=%.1f\n",
	       mode, ncpus, calls, t[0] / 1e3, t[calls / 10] / 1e3, t[calls / 2] / 1e3,
	       t[calls * 9 / 10] / 1e3, t[calls - 1] / 1e3);
	return 0;
}
