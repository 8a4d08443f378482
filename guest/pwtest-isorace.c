// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-isorace - drains racing run-time isolation.  Boot with pwlocks=1
 * and no isolation on the command line.
 *
 * Three processes, for pwisorace_secs= seconds (20):
 *
 *  toggler  (CPU 0) makes CPU 3 a cpuset isolated partition and a member
 *           again, over and over, and notes when each isolation took effect
 *           (the write returned) and when it started to end (the write of
 *           "member" began);
 *  drainer  (CPU 1) asks the spinner for a page in CPU 3's LRU add batch,
 *           writes drop_caches (lru_add_drain_all()) and shrinks kmalloc-64
 *           (SLUB's flush_all()), and looks the page up again;
 *  spinner  (CPU 3, in the partition's cgroup) faults a fresh memfd page in
 *           when asked (folio_add_lru() puts it in CPU 3's batch) and spins
 *           in user space otherwise.
 *
 * It fails if
 *  - a drain work item (lru_add_drain_per_cpu, flush_cpu_sheaves,
 *    flush_rcu_sheaf) started on CPU 3 while CPU 3 was isolated: traced
 *    with workqueue_execute_start on CPU 3, on the CLOCK_MONOTONIC trace
 *    clock, against the toggler's times;
 *  - a drain returned while the page was still in CPU 3's batch: not on the
 *    LRU before the drain, still not on it after (/proc/kpageflags);
 *  - the run saw too little to tell: fewer than 10 isolations, no drain
 *    work on CPU 3 between them (PW locks on queue work on a housekeeping
 *    CPU, so none at all means the trace is blind), no round with the page
 *    in the batch, or lost trace events.
 *
 * pwisorace_expect=inside inverts the first check, for the control boot with
 * PW locks off, where every drain queues work on CPU 3, isolated or not: the
 * run must see some inside an isolation, or the check could never fail.
 *
 * It leaves no partition, cgroup or trace instance behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define ISO_CPU		3
#define CG		"/sys/fs/cgroup"
#define PART		CG "/isorace"
#define INSTANCE	"/sys/kernel/tracing/instances/isorace"
#define MAX_WINDOWS	4096
#define KPF_LRU		5

struct shared {
	volatile int stop;
	volatile unsigned int asked, filled;	/* drainer asks, spinner fills */
	volatile unsigned long addr;		/* the spinner's memfd page */
	int nr_windows;
	uint64_t iso[MAX_WINDOWS][2];		/* [isolated, un-isolating) */
	long rounds, batched, drained, undrained;
};

static struct shared *sh;
static long page_size;

static void write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val)) {
		fprintf(stderr, "ISORACE write '%s' to %s: %s\n", val, path, strerror(errno));
		exit(2);
	}
	close(fd);
}

static void read_str(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, size, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

static void spinner(void)
{
	char pid[32];
	int fd = memfd_create("isorace", 0);
	volatile char *p;

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_str(PART "/cgroup.procs", pid);
	pin(ISO_CPU);
	if (fd < 0 || ftruncate(fd, page_size))
		die("memfd");
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd");
	sh->addr = (unsigned long)p;
	while (!sh->stop) {
		if (__atomic_load_n(&sh->asked, __ATOMIC_ACQUIRE) == sh->filled)
			continue;
		/* A new folio each time: the old one goes with the hole */
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, page_size))
			die("fallocate");
		p[0] = (char)sh->asked;
		__atomic_store_n(&sh->filled, sh->asked, __ATOMIC_RELEASE);
	}
	exit(0);
}

/* 1 if the spinner's page is on an LRU, 0 if not, -1 if unknown; its PFN */
static int page_on_lru(int pid, int kpageflags, uint64_t *pfn)
{
	char path[64];
	uint64_t pte, flags;
	int fd, ret = -1;

	*pfn = 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	if (pread(fd, &pte, sizeof(pte), sh->addr / page_size * sizeof(pte)) == sizeof(pte) &&
	    (pte >> 63))
		*pfn = pte & ((1ull << 55) - 1);
	if (*pfn && pread(kpageflags, &flags, sizeof(flags), *pfn * sizeof(flags)) == sizeof(flags))
		ret = (flags >> KPF_LRU) & 1;
	close(fd);
	return ret;
}

static void drainer(int spinner_pid)
{
	int kpageflags = open("/proc/kpageflags", O_RDONLY);
	uint64_t t, pfn_before, pfn_after;
	int before, after;

	if (kpageflags < 0)
		die("/proc/kpageflags");
	pin(1);
	while (!sh->stop) {
		__atomic_store_n(&sh->asked, sh->asked + 1, __ATOMIC_RELEASE);
		t = now_ns();
		while (__atomic_load_n(&sh->filled, __ATOMIC_ACQUIRE) != sh->asked) {
			if (sh->stop)
				exit(0);
			if (now_ns() - t > 10000000000ull) {
				printf("ISORACE FAIL the spinner did not fault its page in 10 s\n");
				exit(1);
			}
		}
		before = page_on_lru(spinner_pid, kpageflags, &pfn_before);
		write_str("/proc/sys/vm/drop_caches", "1");
		write_str("/sys/kernel/slab/kmalloc-64/shrink", "1");
		after = page_on_lru(spinner_pid, kpageflags, &pfn_after);
		sh->rounds++;
		if (before != 0 || !pfn_before)
			continue;
		sh->batched++;
		if (after == 1 || pfn_after != pfn_before) {
			sh->drained++;
		} else {
			sh->undrained++;
			printf("ISORACE round %ld at %.6f: the page (pfn %#llx) is still in CPU %d's batch after the drain\n",
			       sh->rounds, now_ns() / 1e9, (unsigned long long)pfn_before, ISO_CPU);
		}
	}
	exit(0);
}

static void toggler(uint64_t secs)
{
	uint64_t end = now_ns() + secs * 1000000000ull;
	char state[128];
	unsigned int seed = 1;

	pin(0);
	while (now_ns() < end && sh->nr_windows < MAX_WINDOWS) {
		uint64_t *w = sh->iso[sh->nr_windows];

		write_str(PART "/cpuset.cpus.partition", "isolated");
		w[0] = now_ns();
		read_str(PART "/cpuset.cpus.partition", state, sizeof(state));
		if (strcmp(state, "isolated")) {
			printf("ISORACE FAIL CPU %d is '%s', not isolated\n", ISO_CPU, state);
			exit(1);
		}
		usleep(5000 + rand_r(&seed) % 20000);
		w[1] = now_ns();
		sh->nr_windows++;
		write_str(PART "/cpuset.cpus.partition", "member");
		usleep(5000 + rand_r(&seed) % 20000);
	}
}

static void setup(void)
{
	mkdir(CG, 0755);
	if (access(CG "/cgroup.procs", F_OK) &&
	    system("mount -t cgroup2 none " CG))
		die("mount cgroup2");
	write_str(CG "/cgroup.subtree_control", "+cpuset");
	if (mkdir(PART, 0755) && errno != EEXIST)
		die(PART);
	write_str(PART "/cpuset.cpus", "3");

	if (mkdir(INSTANCE, 0700) && errno != EEXIST)
		die(INSTANCE);
	write_str(INSTANCE "/trace_clock", "mono");
	write_str(INSTANCE "/tracing_cpumask", "8");
	write_str(INSTANCE "/buffer_size_kb", "8192");
	write_str(INSTANCE "/events/workqueue/workqueue_execute_start/enable", "1");
}

static int is_drain(const char *fn)
{
	return !strcmp(fn, "lru_add_drain_per_cpu") || !strcmp(fn, "flush_cpu_sheaves") ||
	       !strcmp(fn, "flush_rcu_sheaf");
}

/* Drain work items on CPU 3: inside an isolation (returned), outside (*outside) */
static long judge_trace(long *outside, int *lost)
{
	char line[512], fn[128];
	long inside = 0;
	FILE *f;

	*outside = 0;
	*lost = 0;
	write_str(INSTANCE "/tracing_on", "0");
	f = fopen(INSTANCE "/trace", "r");
	if (!f)
		die(INSTANCE "/trace");
	while (fgets(line, sizeof(line), f)) {
		unsigned long sec, usec;
		const char *p, *q;
		uint64_t t;
		int i, in = 0;

		if (strstr(line, "LOST") && strstr(line, "EVENTS]"))
			*lost = 1;
		p = strstr(line, "workqueue_execute_start:");
		if (line[0] == '#' || !p)
			continue;
		/* "<task>-<pid> [003] d..1. 12.345678: workqueue_execute_start: ..." */
		q = p - 2;
		while (q > line && q[-1] != ' ')
			q--;
		if (sscanf(q, "%lu.%lu:", &sec, &usec) != 2)
			continue;
		p = strstr(p, "function ");
		if (!p || sscanf(p + 9, "%127s", fn) != 1 || !is_drain(fn))
			continue;
		t = sec * 1000000000ull + usec * 1000;
		for (i = 0; i < sh->nr_windows && !in; i++)
			/* microsecond trace clock: round the window's ends outwards */
			in = t > sh->iso[i][0] + 1000 && t + 1000 < sh->iso[i][1];
		if (in) {
			inside++;
			if (inside <= 5)
				printf("ISORACE %s on CPU %d at %lu.%06lu, inside isolation\n", fn,
				       ISO_CPU, sec, usec);
		} else {
			(*outside)++;
		}
	}
	fclose(f);
	f = fopen(INSTANCE "/per_cpu/cpu3/stats", "r");
	while (f && fgets(line, sizeof(line), f)) {
		long n = 0;

		if ((sscanf(line, "overrun: %ld", &n) == 1 ||
		     sscanf(line, "dropped events: %ld", &n) == 1) && n)
			*lost = 1;
	}
	if (f)
		fclose(f);
	return inside;
}

int main(void)
{
	const char *env = getenv("pwisorace_secs"), *expect = getenv("pwisorace_expect");
	uint64_t secs = env ? strtoull(env, NULL, 10) : 20;
	int expect_inside = expect && !strcmp(expect, "inside");
	int spin_pid, drain_pid, lost, ok = 1;
	long inside, outside;

	page_size = sysconf(_SC_PAGESIZE);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	setup();
	spin_pid = fork();
	if (!spin_pid)
		spinner();
	while (!sh->addr)
		usleep(1000);
	drain_pid = fork();
	if (!drain_pid)
		drainer(spin_pid);

	toggler(secs);
	sh->stop = 1;
	waitpid(drain_pid, NULL, 0);
	waitpid(spin_pid, NULL, 0);
	write_str(PART "/cpuset.cpus.partition", "member");

	inside = judge_trace(&outside, &lost);
	if (rmdir(PART) || rmdir(INSTANCE))
		die("rmdir");
	printf("ISORACE isolations=%d rounds=%ld batched=%ld drained=%ld undrained=%ld drain_work_cpu%d_isolated=%ld drain_work_cpu%d_member=%ld lost=%d\n",
	       sh->nr_windows, sh->rounds, sh->batched, sh->drained, sh->undrained, ISO_CPU,
	       inside, ISO_CPU, outside, lost);
	if (sh->nr_windows < 10 || !sh->batched || !outside || lost) {
		printf("ISORACE FAIL the run saw too little to tell (fewer than 10 isolations, no page batched, no drain work on CPU %d as a member, or lost events)\n",
		       ISO_CPU);
		ok = 0;
	}
	if (sh->undrained) {
		printf("ISORACE FAIL %ld drains returned before CPU %d's batch was drained\n",
		       sh->undrained, ISO_CPU);
		ok = 0;
	}
	if (!expect_inside && inside) {
		printf("ISORACE FAIL %ld drain work items ran on CPU %d while it was isolated\n",
		       inside, ISO_CPU);
		ok = 0;
	}
	if (expect_inside && !inside) {
		printf("ISORACE FAIL with PW locks off no drain work ran on isolated CPU %d: the check is blind\n",
		       ISO_CPU);
		ok = 0;
	}
	return ok ? 0 : 1;
}
