// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest-probe - does draining other CPUs' per-CPU caches disturb an
 * isolated CPU?
 *
 * A spinner pinned to the isolated CPU (default 3) refills its per-CPU LRU,
 * mlock and buffer-head caches with real syscalls (tmpfs and block device
 * writes, mlock/munlock, a write and fsync on ext2, whose metadata goes
 * through buffer heads), and, with the test module guest/kmod/pwtest_slab.ko,
 * its slab sheaves (the module's cache and kmalloc-64, some objects freed
 * with kfree_rcu()), then spins without syscalls, recording the worst gap
 * between two consecutive TSC reads (what oslat measures).  Meanwhile the
 * driver, on CPU 0, makes the kernel drain all CPUs through a real entry
 * point: lru_add_drain_all() (compaction, drop_caches, fadvise, BLKFLSBUF),
 * a slab flush (shrinking kmalloc-64 and the module's cache through sysfs),
 * the destruction of a cache the spinner used, and a module unload (cache
 * destroyed, then kvfree_rcu_barrier()).  Per entry point and over every
 * round the probe reports, from tracefs on the isolated CPU, the drain work
 * items that ran there (lru_add_drain_per_cpu; flush_cpu_sheaves and
 * flush_rcu_sheaf), the bh LRU IPIs (invalidate_bh_lru), any other work, the
 * spinner's involuntary context switches, the worst gaps and how long each
 * trigger took.
 *
 * It then checks the mode the kernel reports (/sys/kernel/pwlocks/mode):
 * with PW locks on there must be no drain work and no bh LRU IPI on the
 * isolated CPU (and with -s no involuntary switch at all); off (or a kernel
 * without PW locks) there must be drain work, which proves the probe sees
 * it: for the slab entry points, at least one work item per round.  Without
 * the module the slab entry points are left out, and the probe says so.
 *
 * Usage: pwtest-probe [-f] [-s] [-r rounds] [-c cpu] [-g cgroup]
 *   -f  run the spinner SCHED_FIFO (off: the drain waits for RT throttling,
 *       ~1 s per round, so use few rounds)
 *   -s  strict ($pwprobe_strict=1): on, nothing at all may preempt the
 *       spinner (domain isolation, where vmstat and other work skip the CPU)
 *   -r  rounds per entry point (default: $pwprobe_rounds, else 100, and
 *       for the slab entry points $pwprobe_slab_rounds, else 100)
 *   -g  cgroup directory the spinner joins first (a cpuset partition);
 *       strict then counts only switches to kworkers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "common.h"
#include "drains.h"

#define TRACING		"/sys/kernel/tracing"
#define MAX_ROUNDS	1000
#define MLOCK_BYTES	(64 * 1024)
#define EXT2_DEV	"/dev/ram1"
#define EXT2_DIR	"/mnt/probe"

enum state { REFILL, SPINNING, STOP, DONE, EXIT };

struct shared {
	volatile int state;
	volatile uint64_t max_gap_cycles;
};

static struct shared *sh;
static int iso_cpu = 3;
static const char *cgroup;
static double cycles_per_us;
static int have_slab;	/* guest/kmod/pwtest_slab.ko is loaded */

/*
 * Early boot still switches clocksources and timer modes on every CPU (work
 * items and stop_machine() on the isolated CPU too): let that settle.
 */
static void settle(void)
{
	struct timespec ts;

	do {
		clock_gettime(CLOCK_BOOTTIME, &ts);
		if (ts.tv_sec < 3)
			usleep(100000);
	} while (ts.tv_sec < 3);
}

static void calibrate(void)
{
	uint64_t t0 = now_ns(), c0 = __rdtsc();

	usleep(100000);
	cycles_per_us = (double)(__rdtsc() - c0) * 1000.0 / (double)(now_ns() - t0);
}

/* A real file system: ext2 on the second ramdisk, its metadata in buffer heads */
static void mount_ext2(void)
{
	if (system("mke2fs -q " EXT2_DEV " >/dev/null && mkdir -p " EXT2_DIR
		   " && mount -t ext2 " EXT2_DEV " " EXT2_DIR))
		die("ext2 on " EXT2_DEV);
}

/* Spinner: refill this CPU's caches with syscalls, then spin without any. */
static void spinner(int fifo)
{
	char *buf, page[4096], pid[16];
	unsigned int round = 0;
	int fd, bdev, ext;

	if (cgroup) {
		char procs[256];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
		snprintf(pid, sizeof(pid), "%d", getpid());
		write_file(procs, pid);
	}
	pin(iso_cpu);
	if (fifo) {
		struct sched_param sp = { .sched_priority = 1 };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			die("sched_setscheduler");
	}
	fd = open("/tmp/probe-spinner", O_RDWR | O_CREAT | O_TRUNC, 0600);
	bdev = open("/dev/ram0", O_RDWR);
	ext = open(EXT2_DIR "/spinner", O_RDWR | O_CREAT | O_TRUNC, 0600);
	buf = mmap(NULL, MLOCK_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || bdev < 0 || ext < 0 || buf == MAP_FAILED)
		die("spinner setup");
	memset(buf, 1, MLOCK_BYTES);
	memset(page, 'x', sizeof(page));

	for (;;) {
		uint64_t prev, cur, gap = 0;

		while (sh->state != REFILL && sh->state != EXIT)
			;
		if (sh->state == EXIT)
			exit(0);
		/*
		 * ext2 metadata (inode table, bitmaps): buffer heads.  First:
		 * writeback drains this CPU's LRU batches (folio_batch_release()).
		 */
		if (pwrite(ext, page, sizeof(page), (round % 16) * sizeof(page)) < 0 ||
		    fsync(ext))
			die("ext2 write");
		/*
		 * New page cache folios (LRU add batch) and mlock batch work;
		 * a dirty block device page for the fadvise entry point.
		 */
		if (pwrite(bdev, page, sizeof(page), (round++ % 256) * sizeof(page)) < 0)
			die("pwrite /dev/ram0");
		if (mlock(buf, MLOCK_BYTES) || munlock(buf, MLOCK_BYTES))
			die("mlock");
		if (ftruncate(fd, 0))
			die("ftruncate");
		if (pwrite(fd, page, sizeof(page), 0) < 0)
			die("pwrite");
		/* Slab sheaves: the module's cache, kmalloc-64, rcu_free */
		if (have_slab)
			write_file(SLAB_MOD "/parameters/use", "1");

		__atomic_store_n(&sh->state, SPINNING, __ATOMIC_RELEASE);
		prev = __rdtsc();
		while (sh->state == SPINNING) {
			cur = __rdtsc();
			if (cur - prev > gap)
				gap = cur - prev;
			prev = cur;
		}
		sh->max_gap_cycles = gap;
		__atomic_store_n(&sh->state, DONE, __ATOMIC_RELEASE);
	}
}

static long involuntary_switches(pid_t pid)
{
	char path[64], line[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n);
	fclose(f);
	return n;
}

struct work_count {
	long lru, slab, bh_ipi, other, switches;
	long switches_kworker;	/* of which to kworkers */
	char other_names[256];	/* other work items and IPIs */
	char ran[256];		/* tasks switched to on the isolated CPU */
};

static void add_name(char *list, size_t size, const char *name)
{
	char word[64];

	snprintf(word, sizeof(word), " %s", name);
	if (!strstr(list, word) && strlen(list) + strlen(word) < size)
		strcat(list, word);
}

/* Work items executed on the isolated CPU since the last clear. */
static void count_work(struct work_count *wc)
{
	char path[128], line[512], *fn;
	FILE *f;

	memset(wc, 0, sizeof(*wc));
	snprintf(path, sizeof(path), TRACING "/per_cpu/cpu%d/trace", iso_cpu);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		char *next = strstr(line, "next_comm=");

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		/* Who ran on the isolated CPU besides the spinner (and idle) */
		if (strstr(line, "sched_switch:") && next) {
			next += strlen("next_comm=");
			next[strcspn(next, " ")] = 0;
			if (strcmp(next, "pwtest-probe") && strcmp(next, "swapper/3")) {
				wc->switches++;
				if (!strncmp(next, "kworker/", 8))
					wc->switches_kworker++;
				add_name(wc->ran, sizeof(wc->ran), next);
			}
			continue;
		}
		/* IPIs: smp_call_function*() callbacks run on the isolated CPU */
		fn = strstr(line, "csd_function_entry: func=");
		if (fn) {
			fn += strlen("csd_function_entry: func=");
			fn[strcspn(fn, ",")] = 0;
			if (!strcmp(fn, "invalidate_bh_lru")) {
				wc->bh_ipi++;
			} else {
				wc->other++;
				add_name(wc->other_names, sizeof(wc->other_names), fn);
			}
			continue;
		}
		fn = strstr(line, "function ");
		if (!strstr(line, "workqueue_execute_start") || !fn)
			continue;
		fn += strlen("function ");
		/* The drain work item (LRU, mlock and bh LRU) */
		if (!strcmp(fn, "lru_add_drain_per_cpu")) {
			wc->lru++;
		} else if (!strcmp(fn, "flush_cpu_sheaves") || !strcmp(fn, "flush_rcu_sheaf")) {
			wc->slab++;
		} else {
			wc->other++;
			add_name(wc->other_names, sizeof(wc->other_names), fn);
		}
	}
	fclose(f);
	/* Opening the trace file for truncation clears it. */
	fclose(fopen(path, "w"));
}

static void wait_state(int s)
{
	while (__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) != s)
		;
}

static char mode[16];

int main(int argc, char **argv)
{
	static uint64_t gaps[MAX_ROUNDS], drains[MAX_ROUNDS];
	int rounds = getenv("pwprobe_rounds") ? atoi(getenv("pwprobe_rounds")) : 100;
	int slab_rounds = getenv("pwprobe_slab_rounds") ? atoi(getenv("pwprobe_slab_rounds")) : 100;
	int strict = getenv("pwprobe_strict") ? atoi(getenv("pwprobe_strict")) : 0;
	int fifo = 0, opt, failed = 0;
	unsigned int e;
	pid_t pid;

	while ((opt = getopt(argc, argv, "fsr:c:g:")) != -1) {
		switch (opt) {
		case 'f':
			fifo = 1;
			break;
		case 's':
			strict = 1;
			break;
		case 'g':
			cgroup = optarg;
			break;
		case 'r':
			rounds = slab_rounds = atoi(optarg);
			break;
		case 'c':
			iso_cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-f] [-s] [-r rounds] [-c cpu] [-g cgroup]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 100;
	if (slab_rounds < 1 || slab_rounds > MAX_ROUNDS)
		slab_rounds = 100;
	read_pwlocks_mode(mode, sizeof(mode));
	settle();
	calibrate();

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	sh->state = DONE;

	mount_ext2();
	/* Loaded already when a probe ran before in this boot */
	if (access(SLAB_MOD, F_OK) &&
	    system("find /lib/modules -name pwtest_slab.ko | grep -q .") == 0)
		load_slab_module();
	have_slab = access(SLAB_MOD, F_OK) == 0;
	if (!have_slab)
		printf("PROBE no guest/kmod/pwtest_slab.ko: slab entry points left out\n");
	write_file(TRACING "/buffer_size_kb", "1024");
	write_file(TRACING "/events/workqueue/workqueue_execute_start/enable", "1");
	write_file(TRACING "/events/csd/csd_function_entry/enable", "1");
	write_file(TRACING "/events/sched/sched_switch/enable", "1");
	write_file(TRACING "/tracing_on", "1");

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		spinner(fifo);
	pin(0);

	printf("PROBE mode=%s spinner=%s cpu=%d rounds=%d\n", mode,
	       fifo ? "SCHED_FIFO" : "SCHED_OTHER", iso_cpu, rounds);
	/*
	 * One drain first, not counted: whatever the isolated CPU cached
	 * before it was isolated (a cpuset partition) goes now.
	 */
	__atomic_store_n(&sh->state, REFILL, __ATOMIC_RELEASE);
	wait_state(SPINNING);
	entries[0].trigger();
	__atomic_store_n(&sh->state, STOP, __ATOMIC_RELEASE);
	wait_state(DONE);
	for (e = 0; e < sizeof(entries) / sizeof(entries[0]); e++) {
		struct work_count wc;
		long invol = 0, before;
		int r, n = entries[e].slab ? slab_rounds : rounds;

		if (entries[e].slab && !have_slab)
			continue;
		count_work(&wc);	/* clears the isolated CPU's trace buffer */
		for (r = 0; r < n; r++) {
			uint64_t t0;

			__atomic_store_n(&sh->state, REFILL, __ATOMIC_RELEASE);
			wait_state(SPINNING);
			before = involuntary_switches(pid);
			t0 = now_ns();
			entries[e].trigger();
			drains[r] = now_ns() - t0;
			invol += involuntary_switches(pid) - before;
			__atomic_store_n(&sh->state, STOP, __ATOMIC_RELEASE);
			wait_state(DONE);
			gaps[r] = sh->max_gap_cycles;
		}
		count_work(&wc);
		qsort(gaps, n, sizeof(gaps[0]), cmp_u64);
		qsort(drains, n, sizeof(drains[0]), cmp_u64);
		printf("PROBE entry=%s mode=%s lru_work=%ld slab_work=%ld bh_ipi=%ld other_work=%ld invol_cs=%ld "
		       "gap_us_p50=%.0f gap_us_max=%.0f trigger_us_p50=%.0f trigger_us_max=%.0f "
		       "switches_in=%ld%s%s%s%s\n",
		       entries[e].name, mode, wc.lru, wc.slab, wc.bh_ipi, wc.other, invol,
		       gaps[n / 2] / cycles_per_us, gaps[n - 1] / cycles_per_us,
		       drains[n / 2] / 1000.0, drains[n - 1] / 1000.0,
		       wc.switches, wc.other ? " other_work:" : "", wc.other_names,
		       wc.switches ? " ran:" : "", wc.ran);

		/*
		 * A cpuset partition made at run time keeps kworkers' drain
		 * work off the CPU but not the timer side of kernel noise (the
		 * clocksource watchdog's skew checks, their softirqs), which
		 * boot-time isolation moves: there only kworkers count too.
		 */
		if ((entries[e].noisy || cgroup) && invol)
			invol = wc.switches_kworker;
		if (!strcmp(mode, "on") && (wc.lru || wc.slab || wc.bh_ipi || (strict && invol))) {
			printf("PROBE FAIL %s: PW locks on, yet %ld drain work items, %ld bh LRU IPIs and %ld involuntary switches on CPU %d\n",
			       entries[e].name, wc.lru + wc.slab, wc.bh_ipi, invol, iso_cpu);
			failed = 1;
		}
		if (strcmp(mode, "on") && (entries[e].slab ? wc.slab < n : !wc.lru)) {
			printf("PROBE FAIL %s: PW locks off, yet %s drain work seen on CPU %d: the probe is blind\n",
			       entries[e].name, entries[e].slab ? "not one slab flush per round of" : "no",
			       iso_cpu);
			failed = 1;
		}
	}
	__atomic_store_n(&sh->state, EXIT, __ATOMIC_RELEASE);
	waitpid(pid, NULL, 0);
	write_file(TRACING "/events/workqueue/workqueue_execute_start/enable", "0");
	write_file(TRACING "/events/csd/csd_function_entry/enable", "0");
	write_file(TRACING "/events/sched/sched_switch/enable", "0");
	if (system("umount " EXT2_DIR))
		die("umount " EXT2_DIR);
	return failed;
}
