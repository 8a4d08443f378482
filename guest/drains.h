/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The drain entry points the guest tests trigger from user space: each makes
 * the kernel drain every CPU's LRU and mlock batches (lru_add_drain_all()) or
 * flush every CPU's slab sheaves.  The slab ones need the test module
 * guest/kmod/pwtest_slab.ko.
 */
#ifndef PWTEST_DRAINS_H
#define PWTEST_DRAINS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define SLAB_MOD	"/sys/module/pwtest_slab"

/* Entry points that end up in lru_add_drain_all(). */
static void trigger_compact(void)
{
	write_file("/proc/sys/vm/compact_memory", "1");
}

static void trigger_drop_caches(void)
{
	write_file("/proc/sys/vm/drop_caches", "1");
}

static void trigger_fadvise(void)
{
	/*
	 * Not on tmpfs, where fadvise does nothing, but on the ramdisk; its
	 * first page stays mapped, so invalidation always fails for one page
	 * and fadvise drains all CPUs before it retries.
	 */
	static volatile char *mapped;
	int fd = open("/dev/ram0", O_RDONLY);

	if (fd < 0)
		die("/dev/ram0");
	if (!mapped) {
		mapped = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (mapped == MAP_FAILED)
			die("mmap /dev/ram0");
		(void)mapped[0];
	}
	errno = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (errno)
		die("posix_fadvise");
	close(fd);
}

static void trigger_blkflsbuf(void)
{
	char block[4096];
	int fd = open("/dev/ram0", O_RDWR);

	/* invalidate_bdev() drains only if the bdev has page cache. */
	if (fd < 0 || pread(fd, block, sizeof(block), 0) < 0)
		die("/dev/ram0");
	if (ioctl(fd, BLKFLSBUF, 0))
		die("BLKFLSBUF");
	close(fd);
}

/* Slab flushes: flush_all_cpus_locked() and flush_rcu_sheaves_on_cache(). */
static void trigger_slab_shrink(void)
{
	write_file("/sys/kernel/slab/kmalloc-64/shrink", "1");
	write_file("/sys/kernel/slab/pwtest_slab/shrink", "1");
}

static void trigger_cache_destroy(void)
{
	write_file(SLAB_MOD "/parameters/recreate", "1");
}

static void load_slab_module(void)
{
	if (system("m=$(find /lib/modules -name pwtest_slab.ko | head -1) && "
		   "[ -n \"$m\" ] && insmod \"$m\""))
		die("insmod pwtest_slab");
}

static void trigger_module_unload(void)
{
	if (system("rmmod pwtest_slab"))
		die("rmmod pwtest_slab");
	load_slab_module();	/* for the next round */
}

/*
 * slab: needs the module, counts slab work.  noisy: the trigger itself
 * interrupts every CPU, whatever PW locks do: rcu_barrier(), whose callbacks
 * a CPU runs itself (in ksoftirqd, too) unless they are offloaded (rcu_nocbs=,
 * implied by nohz_full=), and for a module unload the CPU stoppers and TLB
 * flushes; in strict mode only switches to kworkers count for those.
 */
static const struct entry {
	const char *name;
	void (*trigger)(void);
	int slab, noisy;
} entries[] = {
	{ "compact_memory", trigger_compact, 0, 0 },
	{ "drop_caches", trigger_drop_caches, 0, 0 },
	{ "fadvise_dontneed", trigger_fadvise, 0, 0 },
	{ "blkflsbuf", trigger_blkflsbuf, 0, 0 },
	{ "slab_shrink", trigger_slab_shrink, 1, 0 },
	{ "cache_destroy", trigger_cache_destroy, 1, 1 },
	{ "module_unload", trigger_module_unload, 1, 1 },
};

#endif
