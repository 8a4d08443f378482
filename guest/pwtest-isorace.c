// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-isorace - drains racing run-time isolation.  Boot with pwlocks=1
 * and no isolation on the command line.
 *
 * Three processes, for pwisorace_secs= seconds (20):
 *
 *  toggler  (CPU 0) makes CPU 3 a cpuset isolated partition and a member
 *           again, over and over (isolated for 40-100 ms plus two drain
 *           rounds, so that whole rounds fall inside), and notes when each
 *           isolation took effect (the write returned) and when it started
 *           to end (the write of "member" began);
 *  drainer  (CPU 1) asks the spinner for a page in CPU 3's LRU add batch,
 *           makes fadvise(DONTNEED) drain all CPUs (lru_add_drain_all(): a
 *           page of /dev/ram0 it keeps mapped fails the invalidation),
 *           shrinks kmalloc-64 (SLUB's flush_all()), and looks the page up
 *           again;
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
 *    in the batch wholly inside an isolation or wholly outside all of them,
 *    rounds whose page could not be looked up (more than a tenth), lost
 *    trace events, or a process of the test that failed.
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
#define MAX_ROUNDS	16384
#define KPF_LRU		5

struct shared {
	volatile int stop, stop_spinner;	/* the drainer stops first */
	volatile unsigned int asked, filled;	/* drainer asks, spinner fills */
	volatile unsigned long addr;		/* the spinner's memfd page */
	int nr_windows;
	uint64_t iso[MAX_WINDOWS][2];		/* [isolated, un-isolating) */
	long rounds, batched, drained, undrained, unknown;
	long state_checks, state_bad;		/* /sys/kernel/pwlocks per flip */
	volatile uint64_t round_ns;		/* the last round's length */
	uint64_t batched_round[MAX_ROUNDS][2];	/* a batched round's drain */
};

static struct shared *sh;
static long page_size;

/* 0, or -1 with the reason printed */
static int write_try(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val)) {
		printf("ISORACE write '%s' to %s: %s\n", val, path, strerror(errno));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
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
	write_file(PART "/cgroup.procs", pid);
	pin(ISO_CPU);
	if (fd < 0 || ftruncate(fd, page_size))
		die("memfd");
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd");
	sh->addr = (unsigned long)p;
	while (!sh->stop_spinner) {
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

/* lru_add_drain_all() through fadvise, as guest/drains.h does it */
static void drain_lru(int ram, volatile char *mapped)
{
	(void)mapped[0];
	errno = posix_fadvise(ram, 0, 0, POSIX_FADV_DONTNEED);
	if (errno)
		die("posix_fadvise /dev/ram0");
}

static void drainer(int spinner_pid)
{
	int kpageflags = open("/proc/kpageflags", O_RDONLY), ram = open("/dev/ram0", O_RDONLY);
	uint64_t t, pfn_before, pfn_after;
	volatile char *mapped;
	int before, after;

	if (kpageflags < 0 || ram < 0)
		die("/proc/kpageflags, /dev/ram0");
	mapped = mmap(NULL, page_size, PROT_READ, MAP_SHARED, ram, 0);
	if (mapped == MAP_FAILED)
		die("mmap /dev/ram0");
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
		t = now_ns();
		drain_lru(ram, mapped);
		write_file("/sys/kernel/slab/kmalloc-64/shrink", "1");
		after = page_on_lru(spinner_pid, kpageflags, &pfn_after);
		sh->round_ns = now_ns() - t;
		sh->rounds++;
		if (before != 0 || !pfn_before)
			continue;
		if (sh->batched < MAX_ROUNDS) {
			sh->batched_round[sh->batched][0] = t;
			sh->batched_round[sh->batched][1] = now_ns();
		}
		sh->batched++;
		if (after == 1 && pfn_after == pfn_before) {
			sh->drained++;
		} else if (after < 0 || pfn_after != pfn_before) {
			sh->unknown++;	/* unmapped or moved: nothing to tell */
		} else {
			sh->undrained++;
			printf("ISORACE round %ld at %.6f: the page (pfn %#llx) is still in CPU %d's batch after the drain\n",
			       sh->rounds, now_ns() / 1e9, (unsigned long long)pfn_before, ISO_CPU);
		}
	}
	exit(0);
}

/* Whether a CPU list ("0,2-3") names @cpu */
static int cpulist_has(const char *list, int cpu)
{
	const char *p = list;

	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return 0;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (cpu >= lo && cpu <= hi)
			return 1;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return 0;
}

/*
 * What /sys/kernel/pwlocks says of CPU 3 once its partition is made
 * (@isolated) or undone: remote exactly while isolated, unless PW locks are
 * off; with policy auto, ready exactly then too, so that its owner takes only
 * its local lock again as a member.
 */
static void check_state(int isolated)
{
	char policy[16], ready[128], remote[128];
	int want_ready;

	read_str("/sys/kernel/pwlocks/policy", policy, sizeof(policy));
	if (!policy[0] || !strcmp(policy, "off"))
		return;
	read_str("/sys/kernel/pwlocks/ready", ready, sizeof(ready));
	read_str("/sys/kernel/pwlocks/remote", remote, sizeof(remote));
	want_ready = !strcmp(policy, "on") || isolated;
	sh->state_checks++;
	if (cpulist_has(remote, ISO_CPU) != isolated ||
	    cpulist_has(ready, ISO_CPU) != want_ready) {
		if (!sh->state_bad)
			printf("ISORACE CPU %d %s: policy %s, ready '%s', remote '%s'\n", ISO_CPU,
			       isolated ? "isolated" : "a member", policy, ready, remote);
		sh->state_bad++;
	}
}

/* 0, or -1 if CPU 3 could not be isolated or un-isolated */
static int toggler(uint64_t secs)
{
	uint64_t end = now_ns() + secs * 1000000000ull;
	char state[128];
	unsigned int seed = 1;

	pin(0);
	while (now_ns() < end && sh->nr_windows < MAX_WINDOWS) {
		uint64_t *w = sh->iso[sh->nr_windows];

		if (write_try(PART "/cpuset.cpus.partition", "isolated"))
			return -1;
		w[0] = now_ns();
		read_str(PART "/cpuset.cpus.partition", state, sizeof(state));
		if (strcmp(state, "isolated")) {
			printf("ISORACE CPU %d is '%s', not isolated\n", ISO_CPU, state);
			return -1;
		}
		check_state(1);
		usleep(40000 + rand_r(&seed) % 60000 + 2 * sh->round_ns / 1000);
		w[1] = now_ns();
		sh->nr_windows++;
		if (write_try(PART "/cpuset.cpus.partition", "member"))
			return -1;
		check_state(0);
		usleep(5000 + rand_r(&seed) % 20000);
	}
	return 0;
}

/* Batched rounds whose drain lay wholly inside an isolation, or outside all */
static void classify_rounds(long *isolated, long *member)
{
	long r, n = sh->batched < MAX_ROUNDS ? sh->batched : MAX_ROUNDS;
	int i, inside, overlaps;

	*isolated = *member = 0;
	for (r = 0; r < n; r++) {
		uint64_t a = sh->batched_round[r][0], b = sh->batched_round[r][1];

		for (i = inside = overlaps = 0; i < sh->nr_windows; i++) {
			inside |= a >= sh->iso[i][0] && b <= sh->iso[i][1];
			overlaps |= a < sh->iso[i][1] && b > sh->iso[i][0];
		}
		*isolated += inside;
		*member += !overlaps;
	}
}

/* A child's exit: 0 if it exited with status 0 */
static int reap(int pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("ISORACE the %s failed\n", who);
		return -1;
	}
	return 0;
}

static void setup(void)
{
	mkdir(CG, 0755);
	if (access(CG "/cgroup.procs", F_OK) &&
	    system("mount -t cgroup2 none " CG))
		die("mount cgroup2");
	write_file(CG "/cgroup.subtree_control", "+cpuset");
	if (mkdir(PART, 0755) && errno != EEXIST)
		die(PART);
	write_file(PART "/cpuset.cpus", "3");

	if (mkdir(INSTANCE, 0700) && errno != EEXIST)
		die(INSTANCE);
	write_file(INSTANCE "/trace_clock", "mono");
	write_file(INSTANCE "/tracing_cpumask", "8");
	write_file(INSTANCE "/buffer_size_kb", "8192");
	write_file(INSTANCE "/events/workqueue/workqueue_execute_start/enable", "1");
}

static const char *const drain_fns[] = {
	"lru_add_drain_per_cpu", "flush_cpu_sheaves", "flush_rcu_sheaf",
};
static long drain_fn_seen[3];

/* Which drain function, or -1 */
static int drain_fn(const char *fn)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(fn, drain_fns[i]))
			return i;
	return -1;
}

/* Drain work items on CPU 3: inside an isolation (returned), outside (*outside) */
static long judge_trace(long *outside, int *lost)
{
	char line[512], fn[128];
	long inside = 0;
	FILE *f;

	*outside = 0;
	*lost = 0;
	write_file(INSTANCE "/tracing_on", "0");
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
		if (!p || sscanf(p + 9, "%127s", fn) != 1 || drain_fn(fn) < 0)
			continue;
		drain_fn_seen[drain_fn(fn)]++;
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
	uint64_t secs = env ? strtoull(env, NULL, 10) : 20, t;
	int expect_inside = expect && !strcmp(expect, "inside");
	int spin_pid, drain_pid = -1, lost, ok = 1;
	long inside, outside, isolated, member;

	page_size = sysconf(_SC_PAGESIZE);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	setup();
	spin_pid = fork();
	if (!spin_pid)
		spinner();
	for (t = now_ns(); !sh->addr; usleep(1000)) {
		if (waitpid(spin_pid, NULL, WNOHANG) == spin_pid || now_ns() - t > 10000000000ull) {
			printf("ISORACE FAIL the spinner did not start\n");
			kill(spin_pid, SIGKILL);
			ok = 0;
			goto out;
		}
	}
	drain_pid = fork();
	if (!drain_pid)
		drainer(spin_pid);

	if (toggler(secs)) {
		printf("ISORACE FAIL could not toggle CPU %d's partition\n", ISO_CPU);
		ok = 0;
	}
	sh->stop = 1;
	if (reap(drain_pid, "drainer"))
		ok = 0;
	sh->stop_spinner = 1;
	if (reap(spin_pid, "spinner"))
		ok = 0;
out:
	write_try(PART "/cpuset.cpus.partition", "member");
	inside = judge_trace(&outside, &lost);
	if (rmdir(PART) || rmdir(INSTANCE))
		die("rmdir");
	if (!ok)
		return 1;

	classify_rounds(&isolated, &member);
	printf("ISORACE isolations=%d rounds=%ld batched=%ld (isolated %ld, member %ld) drained=%ld undrained=%ld unknown=%ld drain_work_cpu%d_isolated=%ld drain_work_cpu%d_member=%ld lost=%d\n",
	       sh->nr_windows, sh->rounds, sh->batched, isolated, member, sh->drained,
	       sh->undrained, sh->unknown, ISO_CPU, inside, ISO_CPU, outside, lost);
	printf("ISORACE drain work on CPU %d: %s=%ld %s=%ld %s=%ld\n", ISO_CPU,
	       drain_fns[0], drain_fn_seen[0], drain_fns[1], drain_fn_seen[1],
	       drain_fns[2], drain_fn_seen[2]);
	/* Off (the control) only the work seen during isolations matters */
	if (sh->nr_windows < 10 || (!isolated && !expect_inside) || !member || !outside || lost ||
	    sh->unknown * 10 > sh->batched) {
		printf("ISORACE FAIL the run saw too little to tell (fewer than 10 isolations, no batched round inside an isolation or outside all, no drain work on CPU %d as a member, lost events, or too many unknown rounds)\n",
		       ISO_CPU);
		ok = 0;
	}
	printf("ISORACE pwlocks state checked %ld times, wrong %ld times\n",
	       sh->state_checks, sh->state_bad);
	if (sh->state_bad) {
		printf("ISORACE FAIL /sys/kernel/pwlocks did not follow CPU %d's isolation\n",
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
