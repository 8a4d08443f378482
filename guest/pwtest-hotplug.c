// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-hotplug - CPU hotplug while every CPU fills its per-CPU caches and
 * other CPUs drain them.
 *
 * For $pwhot_seconds (default 20):
 * - a loader per CPU, on that CPU whenever it is online, fills its LRU
 *   batches (anonymous memory and tmpfs file pages), its mlock batch (mlock
 *   and munlock) and its slab sheaves (kmalloc-64 and the test module's
 *   cache, some objects freed with kfree_rcu());
 * - a drainer, on CPU 0, triggers the drain entry points of drains.h in a
 *   loop except the module unload (the loaders use the module);
 * - this task takes CPUs 1, 2 and 3 offline and online again, in turn.
 *
 * Pass: every hotplug operation succeeds, and once the load stops and the
 * caches are drained, what must come back does: Mlocked and Unevictable
 * (every mlocked page was munlocked and unmapped), the blocks in use on the
 * test's own tmpfs (every file deleted), and the test cache's object count.  A kernel report or a hang
 * (hung-task and soft-lockup detectors, the boot's timeout) fails the boot.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "drains.h"

#define PAGE		4096
#define ANON_PAGES	32
#define FILE_PAGES	16
#define MAX_CPUS	64
#define HOT_CPUS	3	/* CPUs 1..3 */
#define FILES		"/tmp/pwtest-hotplug"	/* a tmpfs of its own */

struct counts {
	long mlocked, unevictable, files, objects;
};

static volatile int *stop;

static long meminfo_kb(const char *key)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			sscanf(line + strlen(key) + 1, "%ld", &kb);
	fclose(f);
	return kb;
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f || fscanf(f, "%ld", &v) != 1)
		die(path);
	fclose(f);
	return v;
}

static void read_counts(struct counts *c)
{
	c->mlocked = meminfo_kb("Mlocked");
	c->unevictable = meminfo_kb("Unevictable");
	struct statfs st;

	if (statfs(FILES, &st))
		die(FILES);
	c->files = (st.f_blocks - st.f_bfree) * st.f_bsize / 1024;
	c->objects = read_long("/sys/kernel/slab/pwtest_slab/objects");
}

/* One round of filling this CPU's caches. */
static void load_once(int cpu)
{
	char path[64], page[PAGE];
	int fd, i;
	char *p = mmap(NULL, ANON_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	memset(p, 1, ANON_PAGES * PAGE);
	if (mlock(p, ANON_PAGES / 2 * PAGE) || munlock(p, ANON_PAGES / 2 * PAGE))
		die("mlock");
	munmap(p, ANON_PAGES * PAGE);

	snprintf(path, sizeof(path), FILES "/%d", cpu);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	memset(page, cpu, sizeof(page));
	for (i = 0; i < FILE_PAGES; i++)
		if (write(fd, page, sizeof(page)) != sizeof(page))
			die("write");
	close(fd);
	unlink(path);

	/* The cache is briefly missing while the drainer recreates it. */
	fd = open(SLAB_MOD "/parameters/use", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0 && errno != ENOENT)
			die("pwtest_slab use");
		close(fd);
	}
}

/* On @cpu whenever it is online, counting its rounds. */
static void loader(int cpu, volatile long *rounds)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	while (!*stop) {
		if (sched_setaffinity(0, sizeof(set), &set)) {
			usleep(1000);	/* offline */
			continue;
		}
		load_once(cpu);
		(*rounds)++;
	}
	exit(0);
}

static void drainer(volatile long *rounds)
{
	size_t e;

	pin(0);
	while (!*stop) {
		for (e = 0; e < sizeof(entries) / sizeof(entries[0]); e++)
			if (entries[e].trigger != trigger_module_unload)
				entries[e].trigger();
		(*rounds)++;
	}
	exit(0);
}

/* Hotplug can fail transiently (-EBUSY): retry for up to a second. */
static void set_online(int cpu, int online)
{
	char path[64];
	int tries;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	for (tries = 0; tries < 100; tries++) {
		int fd = open(path, O_WRONLY);

		if (fd < 0)
			die(path);
		if (write(fd, online ? "1" : "0", 1) == 1) {
			close(fd);
			return;
		}
		close(fd);
		usleep(10000);
	}
	fprintf(stderr, "cpu%d: cannot set online=%d: %s\n", cpu, online, strerror(errno));
	exit(1);
}

int main(void)
{
	int secs = getenv("pwhot_seconds") ? atoi(getenv("pwhot_seconds")) : 20;
	int ncpus = sysconf(_SC_NPROCESSORS_ONLN), cpu, cycles = 0, nchild = 0, settle;
	volatile long *rounds;
	struct counts start, end;
	pid_t pids[MAX_CPUS + 1];
	uint64_t deadline;

	if (ncpus < HOT_CPUS + 1 || ncpus > MAX_CPUS) {
		fprintf(stderr, "needs 4 to %d online CPUs, has %d\n", MAX_CPUS, ncpus);
		return 1;
	}
	if (access(SLAB_MOD, F_OK))
		load_slab_module();
	if (system("dd if=/dev/zero of=/dev/ram0 bs=4k count=16 2>/dev/null"))
		die("/dev/ram0");
	if (mkdir(FILES, 0700) || mount("tmpfs", FILES, "tmpfs", 0, "size=64m"))
		die(FILES);
	stop = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stop == MAP_FAILED)
		die("mmap");
	rounds = (volatile long *)(stop + 1);
	read_counts(&start);

	for (cpu = 0; cpu <= ncpus; cpu++) {
		pids[nchild] = fork();
		if (pids[nchild] < 0)
			die("fork");
		if (!pids[nchild]) {
			if (cpu < ncpus)
				loader(cpu, &rounds[cpu]);
			drainer(&rounds[cpu]);
		}
		nchild++;
	}

	deadline = now_ns() + secs * 1000000000ull;
	while (now_ns() < deadline) {
		for (cpu = 1; cpu <= HOT_CPUS; cpu++) {
			set_online(cpu, 0);
			set_online(cpu, 1);
		}
		cycles++;
	}
	*stop = 1;
	while (nchild--) {
		int status;

		if (waitpid(pids[nchild], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "a %s failed\n", nchild < ncpus ? "loader" : "drainer");
			return 1;
		}
	}

	/*
	 * Every CPU is online: drain them all (compaction), let kfree_rcu()'s
	 * grace periods end, and give the sheaves back (shrink); grace periods
	 * can take seconds on slow guests, so up to ten times.
	 */
	for (settle = 1; settle <= 10; settle++) {
		trigger_compact();
		sleep(1);
		trigger_slab_shrink();
		read_counts(&end);
		if (!memcmp(&start, &end, sizeof(start)))
			break;
	}

	printf("PWTEST: hotplug: %ds: %d offline/online cycles of CPUs 1-%d, %ld drain rounds;",
	       secs, cycles, HOT_CPUS, rounds[ncpus]);
	for (cpu = 0; cpu < ncpus; cpu++)
		printf(" cpu%d %ld", cpu, rounds[cpu]);
	printf(" load rounds\n");
	printf("PWTEST: hotplug: start/end after %d drains: Mlocked %ld/%ld kB, "
	       "Unevictable %ld/%ld kB, test files %ld/%ld kB, test cache objects %ld/%ld\n",
	       settle > 10 ? 10 : settle,
	       start.mlocked, end.mlocked, start.unevictable, end.unevictable,
	       start.files, end.files, start.objects, end.objects);
	if (umount(FILES) || rmdir(FILES))
		die(FILES);
	return memcmp(&start, &end, sizeof(start)) ? 1 : 0;
}
