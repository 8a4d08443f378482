/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the guest's C test programs. */
#ifndef PWTEST_COMMON_H
#define PWTEST_COMMON_H

#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline void die(const char *what)
{
	perror(what);
	exit(2);
}

/* Write @val to a sysfs, procfs or tracefs file (truncated: a trace clears) */
static inline void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		die(path);
	close(fd);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define TRACING		"/sys/kernel/tracing"

/*
 * Work items that ran on @cpu since the last call whose function is one of
 * @fns (NULL-terminated): workqueue_execute_start events in @cpu's trace
 * buffer, which is cleared.
 */
static inline int trace_work_items(int cpu, const char *const *fns)
{
	char path[128], line[512], want[96];
	const char *const *fn;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), TRACING "/per_cpu/cpu%d/trace", cpu);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "workqueue_execute_start"))
			continue;
		for (fn = fns; *fn; fn++) {
			snprintf(want, sizeof(want), "function %s", *fn);
			if (strstr(line, want)) {
				n++;
				break;
			}
		}
	}
	fclose(f);
	write_file(path, "");
	return n;
}

/* "on" or "off" from the kernel, "none" for a kernel without PW locks */
static inline void read_pwlocks_mode(char *mode, size_t size)
{
	FILE *f = fopen("/sys/kernel/pwlocks/mode", "r");

	snprintf(mode, size, "none");
	if (f) {
		if (!fgets(mode, size, f))
			snprintf(mode, size, "?");
		mode[strcspn(mode, "\n")] = 0;
		fclose(f);
	}
}

#endif
