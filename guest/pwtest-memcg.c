// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-memcg - memcg's charge drains (drain_all_stock()) and an isolated
 * CPU: the drain work items the CPU gets, the charges left in its caches,
 * and the dying memcgs they keep.
 *
 * A task joins cgroup pwmN/c (N the isolated CPU), pins itself to that CPU
 * and charges pages (anonymous memory) and kernel objects (pipes with data in
 * them, their files and inodes), and frees them.  It then touches fresh pages
 * one at a time, while CPU 0 reads c's memory.current after each, until one
 * of them raises it by a whole charge batch (MEMCG_CHARGE_BATCH pages): the
 * CPU's page stock was empty and now caches the rest of that batch for c.
 * So every case starts with the CPU's page stock known to hold most of a
 * batch of c's charges, whatever the mode.  The task then moves to the
 * sibling pwmN/s, frees its pages and spins without system calls.  What c
 * keeps charged besides the stocks (the task's own pages it wrote in c, its
 * stack among them) stays in use; the drain is judged by how much
 * memory.current drops.  From CPU 0 the test then
 *
 *  - writes 0 to c's memory.high, which drains all CPUs' caches of c before
 *    it reclaims, and restores it; other CPUs drain with work items, which
 *    the write does not wait for, so c's memory.current is read until it
 *    dropped by the stock's share, for up to pwmemcg_wait_ms (default 3000),
 *    draining again every 100 ms; then writes memory.reclaim.  (memory.max
 *    drains the same way, but with charges stranded it goes on to the OOM
 *    killer, whose report would fail the boot.)
 *  - removes c, which drains them again as c goes offline, and watches
 *    pwmN's nr_dying_descendants as long.
 *
 * It counts the memcg drain work items (drain_local_memcg_stock,
 * drain_local_obj_stock) that ran on the isolated CPU meanwhile, from
 * tracefs, and prints one MEMCG line per case.
 *
 * Cases: pwmemcg=CASE[,CASE...], each CPU[p]=EXPECT (default 3=clean): the
 * isolated CPU, "p" to make pwmN an isolated cpuset partition of it first
 * (run-time isolation), and what the isolation form and mode must show:
 *   clean	no work item, the stock given back, no dying memcg
 *   work	work items that gave the stock back (a CPU the kernel queues on)
 *   stranded	no work item, the stock kept and c dying (a domain-isolated
 *		CPU the kernel skips)
 *   any	nothing judged (the line is the result)
 * pwmemcg_wait_ms= how long to wait for the drain and the dying memcg.
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
#define PIPES		16
#define BATCH		64	/* MEMCG_CHARGE_BATCH */
#define PROBES		(2 * BATCH)
/*
 * What the isolated CPU's page stock holds of c at the drain, at least: the
 * batch less the touched page, and less what leaving c takes from it (the
 * cgroup.procs write's objects; the page tables freed give some back).
 * Other CPUs cannot hold that much of c: only the objects of c that RCU
 * frees there (PIPES pipes' inodes and dentries, a few pages).
 */
#define STOCK_MIN	((BATCH - 8) * 4096L)

/* state[0]: the parent's command, state[1]: the spinner's answer */
enum { START, READY, TOUCH, TOUCHED, DONE, SPINNING, STOP };

static volatile int *state;
static pid_t child;

/* Wait for state[@who] to become @what; in the parent, fail if the child exited */
static void wait_for(int who, int what)
{
	unsigned long n = 0;

	while (state[who] != what)
		if (child && !(++n & 0xfffff) && waitpid(child, NULL, WNOHANG) == child) {
			printf("PWTEST: memcg: FAIL the task on the isolated CPU exited\n");
			exit(1);
		}
}

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

/*
 * On @cpu, in @pwm/c: charge and free, then touch pages on command until
 * told it is done; move to @pwm/s, free the rest and spin.
 */
static void spinner(int cpu, const char *pwm)
{
	int fds[PIPES][2], i;
	char buf[4096], path[64];
	char *mem, *probe;

	/* joined first: a partition's CPU is not in the root's cpuset */
	snprintf(path, sizeof(path), "%s/c", pwm);
	join(path);
	pin(cpu);
	mem = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	probe = mmap(NULL, PROBES * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || probe == MAP_FAILED)
		die("mmap");
	memset(mem, 1, PAGES * 4096);
	memset(buf, 'p', sizeof(buf));
	for (i = 0; i < PIPES; i++)
		if (pipe(fds[i]) || write(fds[i][1], buf, sizeof(buf)) != sizeof(buf))
			die("pipe");
	munmap(mem, PAGES * 4096);
	for (i = 0; i < PIPES; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	probe[0] = 1;	/* its page tables */
	state[1] = READY;
	for (i = 1; i < PROBES; i++) {
		while (state[0] != TOUCH && state[0] != DONE)
			;
		if (state[0] == DONE)
			break;
		probe[i * 4096] = 1;
		state[0] = START;
		state[1] = TOUCHED;
	}
	wait_for(0, DONE);
	snprintf(path, sizeof(path), "%s/s", pwm);
	join(path);
	munmap(probe, PROBES * 4096);
	state[1] = SPINNING;
	wait_for(0, STOP);
	exit(0);
}

/*
 * Have the spinner touch pages until one raises c's memory.current by a
 * batch; 1 if it did (the CPU's page stock then caches c's charges).
 */
static int fill_stock(const char *current)
{
	long prev = read_long(current, NULL), cur;
	int i;

	for (i = 1; i < PROBES; i++) {
		state[1] = START;
		state[0] = TOUCH;
		wait_for(1, TOUCHED);
		cur = read_long(current, NULL);
		if (cur - prev >= BATCH * 4096)
			return 1;
		prev = cur;
	}
	return 0;
}

/* One case: pwm<cpu> with c and s below it; 0 if it showed what it must */
static int run_case(int cpu, int partition, const char *expect, int wait_ms)
{
	long before, after = -1, dying = -1;
	char pwm[32], path[128], high[128], val[16];
	int work, ms, filled, drained, fd, bad = 0;
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
	state[1] = START;
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid)
		spinner(cpu, pwm);
	child = pid;
	wait_for(1, READY);
	snprintf(path, sizeof(path), "%s/c/memory.current", pwm);
	filled = fill_stock(path);
	state[0] = DONE;
	wait_for(1, SPINNING);
	usleep(100000);
	trace_work_items(cpu, memcg_drain);

	before = read_long(path, NULL);
	snprintf(high, sizeof(high), "%s/c/memory.high", pwm);
	for (ms = 0; ms < wait_ms; ms += 10) {
		/*
		 * Drain again every 100 ms: objects of c that RCU frees late
		 * (inodes, dentries) charge back to the CPU that frees them
		 */
		if (!(ms % 100)) {
			write_file(high, "0");
			write_file(high, "max");
		}
		usleep(10000);
		after = read_long(path, NULL);
		if (before - after >= STOCK_MIN)
			break;
	}
	/* EAGAIN when there is nothing left to reclaim: not judged */
	snprintf(path, sizeof(path), "%s/c/memory.reclaim", pwm);
	fd = open(path, O_WRONLY);
	if (fd < 0 || (write(fd, "1M", 2) < 0 && errno != EAGAIN))
		die(path);
	close(fd);

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
	child = 0;

	printf("MEMCG cpu=%d%s drain_work=%d current_before=%ld current_after=%ld dying=%ld expect=%s\n",
	       cpu, partition ? " partition" : "", work, before, after, dying, expect);
	if (!filled) {
		printf("PWTEST: memcg: FAIL no page touched on CPU %d charged a batch: its page stock was never seen filled\n",
		       cpu);
		bad = 1;
	}
	drained = before - after >= STOCK_MIN;
	if (!strcmp(expect, "clean")) {
		if (work || !drained || dying) {
			printf("PWTEST: memcg: FAIL CPU %d: expected no drain work, its stock given back and no dying memcg\n",
			       cpu);
			bad = 1;
		}
	} else if (!strcmp(expect, "work")) {
		if (!work || !drained) {
			printf("PWTEST: memcg: FAIL expected drain work on CPU %d, which gives its stock back\n",
			       cpu);
			bad = 1;
		}
	} else if (!strcmp(expect, "stranded")) {
		if (work || drained || !dying) {
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
