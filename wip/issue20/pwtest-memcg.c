// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-memcg - memcg's charge drains (drain_all_stock()) and an isolated
 * CPU: the drain work items the CPU gets, the charges left in its caches,
 * and the dying memcgs they keep.
 *
 * A task joins cgroup pwmN/c (N the isolated CPU), pins itself to that CPU
 * and charges pages (anonymous memory) and kernel objects (pipes with data
 * in them, files).  It then moves to the sibling pwmN/s, frees all of it and
 * spins without system calls: what c still has charged is what the CPU's
 * charge caches hold (the page stock's pre-charged pages, the object stock's
 * bytes and its reference on c's objcg).  From CPU 0 the test then
 *
 *  - writes 0 to c's memory.max, which drains all CPUs' caches of c before
 *    it reclaims (nothing is left to reclaim, and no task to kill), and
 *    restores it; other CPUs drain with work items, which the write does
 *    not wait for, so c's memory.current is read until it is 0, for up to
 *    pwmemcg_wait_ms (default 3000);
 *  - removes c, which drains them again as c goes offline, and watches
 *    pwmN's nr_dying_descendants as long.
 *
 * It counts the memcg drain work items (drain_local_memcg_stock,
 * drain_local_obj_stock) that ran on the isolated CPU meanwhile, from
 * tracefs, and prints one MEMCG line per case.
 *
 * Cases: pwmemcg=CASE[,CASE...], each CPU[p]=EXPECT (default 3=clean): the
 * isolated CPU, "p" to make pwm an isolated cpuset partition of it first
 * (run-time isolation), and what the isolation form and mode must show:
 *   clean	no work item, memory.current 0 after the drain, no dying memcg
 *   work	at least one work item (a CPU the kernel still queues on)
 *   stranded	no work item, charges left after the drain and c dying
 *		(a domain-isolated CPU the kernel skips)
 *   any	nothing judged (the line is the result)
 * pwmemcg_wait_ms= how long to watch for the dying memcg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define CG		"/sys/fs/cgroup"
#define PAGES		512
#define PIPES		64

enum { START, SPINNING, STOP };

static volatile int *state;

static long read_long(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = atol(line);
			break;
		}
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ') {
			v = atol(line + strlen(key) + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

static const char *const memcg_drain[] = {
	"drain_local_memcg_stock", "drain_local_obj_stock", NULL
};

static void join(const char *cgroup)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	write_file(path, "0");
}

/* On @cpu, in @pwm/c: charge, move to @pwm/s, free it all, spin. */
static void spinner(int cpu, const char *pwm)
{
	int fds[PIPES][2], i;
	char buf[4096], path[64];
	char *mem;

	snprintf(path, sizeof(path), "%s/c", pwm);
	join(path);
	pin(cpu);
	mem = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	memset(mem, 1, PAGES * 4096);
	memset(buf, 'p', sizeof(buf));
	for (i = 0; i < PIPES; i++)
		if (pipe(fds[i]) || write(fds[i][1], buf, sizeof(buf)) != sizeof(buf))
			die("pipe");
	snprintf(path, sizeof(path), "%s/s", pwm);
	join(path);
	munmap(mem, PAGES * 4096);
	for (i = 0; i < PIPES; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	state[0] = SPINNING;
	while (state[0] != STOP)
		;
	exit(0);
}

/* One case: pwm<cpu> with c and s below it; 0 if it showed what it must */
static int run_case(int cpu, int partition, const char *expect, int wait_ms)
{
	long before, after = -1, dying = -1;
	char pwm[32], path[128], val[16];
	int work, ms, bad = 0;
	pid_t pid;

	snprintf(pwm, sizeof(pwm), CG "/pwm%d", cpu);
	if (mkdir(pwm, 0755))
		die(pwm);
	if (partition) {
		snprintf(path, sizeof(path), "%s/cpuset.cpus", pwm);
		snprintf(val, sizeof(val), "%d", cpu);
		write_file(path, val);
		snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", pwm);
		write_file(path, "isolated");
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", pwm);
	write_file(path, "+memory +cpuset");
	snprintf(path, sizeof(path), "%s/c", pwm);
	if (mkdir(path, 0755))
		die(path);
	snprintf(path, sizeof(path), "%s/s", pwm);
	if (mkdir(path, 0755))
		die(path);

	state[0] = START;
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid)
		spinner(cpu, pwm);
	while (state[0] != SPINNING)
		usleep(1000);
	usleep(100000);
	trace_work_items(cpu, memcg_drain);

	snprintf(path, sizeof(path), "%s/c/memory.current", pwm);
	before = read_long(path, NULL);
	snprintf(path, sizeof(path), "%s/c/memory.max", pwm);
	write_file(path, "0");
	write_file(path, "max");
	snprintf(path, sizeof(path), "%s/c/memory.current", pwm);
	for (ms = 0; ms < wait_ms; ms += 10) {
		after = read_long(path, NULL);
		if (!after)
			break;
		usleep(10000);
	}

	snprintf(path, sizeof(path), "%s/c", pwm);
	if (rmdir(path))
		die(path);
	snprintf(path, sizeof(path), "%s/cgroup.stat", pwm);
	for (ms = 0; ms < wait_ms; ms += 10) {
		dying = read_long(path, "nr_dying_descendants");
		if (!dying)
			break;
		usleep(10000);
	}
	work = trace_work_items(cpu, memcg_drain);
	state[0] = STOP;
	waitpid(pid, NULL, 0);

	printf("MEMCG cpu=%d%s drain_work=%d current_before=%ld current_after=%ld dying=%ld expect=%s\n",
	       cpu, partition ? " partition" : "", work, before, after, dying, expect);
	if (before <= 0) {
		printf("PWTEST: memcg: FAIL nothing was left in CPU %d's caches to drain\n", cpu);
		bad = 1;
	}
	if (!strcmp(expect, "clean")) {
		if (work || after || dying) {
			printf("PWTEST: memcg: FAIL CPU %d: expected no drain work, nothing charged after the drain and no dying memcg\n",
			       cpu);
			bad = 1;
		}
	} else if (!strcmp(expect, "work")) {
		if (!work) {
			printf("PWTEST: memcg: FAIL expected drain work on CPU %d\n", cpu);
			bad = 1;
		}
	} else if (!strcmp(expect, "stranded")) {
		if (work || !after || !dying) {
			printf("PWTEST: memcg: FAIL CPU %d: expected charges stranded and c dying, without work\n",
			       cpu);
			bad = 1;
		}
	} else if (strcmp(expect, "any")) {
		printf("PWTEST: memcg: FAIL unknown expectation %s\n", expect);
		bad = 1;
	}
	return bad;
}

int main(void)
{
	const char *cases = getenv("pwmemcg") ? getenv("pwmemcg") : "3=clean";
	int wait_ms = getenv("pwmemcg_wait_ms") ? atoi(getenv("pwmemcg_wait_ms")) : 3000;
	char mode[16], *list, *c, *save;
	int bad = 0;

	read_pwlocks_mode(mode, sizeof(mode));
	printf("PWTEST: memcg: PW locks %s, cases %s\n", mode, cases);
	mkdir(CG, 0755);
	if (mount("cgroup2", CG, "cgroup2", 0, NULL) && errno != EBUSY)
		die("mount cgroup2");
	write_file(CG "/cgroup.subtree_control", "+memory +cpuset");
	state = mmap(NULL, sizeof(*state), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (state == MAP_FAILED)
		die("mmap state");
	pin(0);
	write_file(TRACING "/events/workqueue/workqueue_execute_start/enable", "1");
	write_file(TRACING "/tracing_on", "1");

	list = strdup(cases);
	for (c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(c, '=');
		int cpu = atoi(c);

		if (!eq) {
			printf("PWTEST: memcg: FAIL malformed case %s (CPU[p]=EXPECT)\n", c);
			bad = 1;
			continue;
		}
		bad |= run_case(cpu, eq > c && eq[-1] == 'p', eq + 1, wait_ms);
	}
	free(list);
	write_file(TRACING "/events/workqueue/workqueue_execute_start/enable", "0");
	return bad;
}
