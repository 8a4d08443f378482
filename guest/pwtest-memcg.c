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
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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

/*
 * Shared with the spinner, one writer per slot: the parent's command and
 * its sequence number, and the spinner's phase and the last sequence number
 * it carried out (release and acquire, so that the command is seen with its
 * number).
 */
enum { CMD, SEQ, PHASE, ACK, SLOTS };
enum { TOUCH = 1, DONE, STOP };		/* commands */
enum { READY = 1, SPINNING };		/* phases */
#define WAIT_NS		(30 * 1000000000ull)	/* for the other side */

static int *state;
static pid_t child;

static void put(int slot, int v)
{
	__atomic_store_n(&state[slot], v, __ATOMIC_RELEASE);
}

static int get(int slot)
{
	return __atomic_load_n(&state[slot], __ATOMIC_ACQUIRE);
}

/* The parent: have the spinner carry out @cmd */
static void command(int cmd)
{
	put(CMD, cmd);
	put(SEQ, state[SEQ] + 1);
}

/* Wait for state[@slot] to become @v; in the parent, fail if the child ended or stalls */
static void wait_for(int slot, int v)
{
	uint64_t end = now_ns() + WAIT_NS;
	unsigned long n = 0;

	while (get(slot) != v) {
		if (!child || ++n & 0xffff)
			continue;
		if (waitpid(child, NULL, WNOHANG) == child) {
			printf("PWTEST: memcg: FAIL the task on the isolated CPU exited\n");
			exit(1);
		}
		if (now_ns() > end) {
			printf("PWTEST: memcg: FAIL the task on the isolated CPU did not answer\n");
			exit(1);
		}
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

/* The first line of @path, without its newline */
static void read_line(const char *path, char *buf, int size)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, size, f))
		die(path);
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
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
	int fds[PIPES][2], i, seq;
	char buf[4096], path[64];
	char *mem, *probe;

	/* Never outlive the test */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
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
	put(PHASE, READY);
	for (seq = 0, i = 1;; ) {
		while (get(SEQ) == seq)
			;
		seq = get(SEQ);
		if (state[CMD] == DONE)
			break;
		if (i < PROBES)
			probe[i++ * 4096] = 1;
		put(ACK, seq);
	}
	snprintf(path, sizeof(path), "%s/s", pwm);
	join(path);
	munmap(probe, PROBES * 4096);
	put(PHASE, SPINNING);
	while (get(SEQ) == seq)
		;
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
		command(TOUCH);
		wait_for(ACK, state[SEQ]);
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
	long before, after, dying = -1;
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
		read_line(path, val, sizeof(val));
		if (strcmp(val, "isolated")) {
			printf("PWTEST: memcg: FAIL pwm%d's partition is \"%s\"\n", cpu, val);
			return 1;
		}
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", pwm);
	write_file(path, "+memory +cpuset");
	snprintf(path, sizeof(path), "%s/c", pwm);
	if (mkdir(path, 0755))
		die(path);
	snprintf(path, sizeof(path), "%s/s", pwm);
	if (mkdir(path, 0755))
		die(path);

	memset(state, 0, SLOTS * sizeof(*state));
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid)
		spinner(cpu, pwm);
	child = pid;
	wait_for(PHASE, READY);
	snprintf(path, sizeof(path), "%s/c/memory.current", pwm);
	filled = fill_stock(path);
	command(DONE);
	wait_for(PHASE, SPINNING);
	usleep(100000);
	trace_work_items(cpu, memcg_drain);

	before = read_long(path, NULL);
	after = before;
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
	/*
	 * Proactive reclaim, the third of the cgroup's entry points: any drain
	 * work it brings to CPU @cpu counts with the rest.  EAGAIN when there
	 * is nothing left to reclaim.
	 */
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
	command(STOP);
	waitpid(pid, NULL, 0);
	child = 0;
	/* Leave the CPU as it was: s, the partition and pwmN go */
	snprintf(path, sizeof(path), "%s/s", pwm);
	rmdir(path);
	if (partition) {
		snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", pwm);
		write_file(path, "member");
	}
	rmdir(pwm);

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
	int bad = 0, nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (wait_ms < 100) {
		printf("PWTEST: memcg: FAIL pwmemcg_wait_ms=%d: at least 100 ms\n", wait_ms);
		return 1;
	}
	read_pwlocks_mode(mode, sizeof(mode));
	printf("PWTEST: memcg: PW locks %s, cases %s\n", mode, cases);
	mkdir(CG, 0755);
	if (mount("cgroup2", CG, "cgroup2", 0, NULL) && errno != EBUSY)
		die("mount cgroup2");
	write_file(CG "/cgroup.subtree_control", "+memory +cpuset");
	state = mmap(NULL, SLOTS * sizeof(*state), PROT_READ | PROT_WRITE,
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

		if (!eq || cpu < 1 || cpu >= nr_cpus) {
			printf("PWTEST: memcg: FAIL malformed case %s (CPU[p]=EXPECT, CPU 1..%d)\n",
			       c, nr_cpus - 1);
			bad = 1;
			continue;
		}
		bad |= run_case(cpu, eq > c && eq[-1] == 'p', eq + 1, wait_ms);
	}
	free(list);
	write_file(TRACING "/events/workqueue/workqueue_execute_start/enable", "0");
	return bad;
}
