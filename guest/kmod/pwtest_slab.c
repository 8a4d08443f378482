// SPDX-License-Identifier: GPL-2.0
/*
 * pwtest_slab - slab traffic for the interference probe and the hotplug test
 * (guest/pwtest-probe, which passes it to the kselftest pwlocks:drain_isolated;
 * guest/pwtest-hotplug.c).
 *
 * Loading it creates a cache, "pwtest_slab" (not merged, so it has its own
 * /sys/kernel/slab/pwtest_slab/shrink); unloading destroys it, and, with
 * CONFIG_MEM_ALLOC_PROFILING, the module loader calls kvfree_rcu_barrier().
 * Two write-only parameters:
 *
 *   use       Allocate, on the writer's CPU, objects of the cache and
 *             kmalloc(64) objects, and free them, some of the cache's with
 *             kfree_rcu(): the CPU's main and rcu_free sheaves of the cache,
 *             and its main sheaf of kmalloc-64, hold objects afterwards.
 *   recreate  Destroy the cache and create it again, as a module unload and
 *             load would, without the module loader's kvfree_rcu_barrier().
 *
 * Read-only: uses and recreations, how often each was written.  Destroying
 * a cache that still has objects warns (kmem_cache_destroy()).
 *
 * One load-time parameter, hang_secs (the hung-task detector's negative
 * control, guest/pwtest-hang): the module's init first sleeps
 * uninterruptibly for that many seconds, as a test module stuck in the
 * kernel would.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#define NR_OBJS	16

struct pwtest_obj {
	struct rcu_head rcu;
	char data[48];
};

static struct kmem_cache *cache;
static DEFINE_MUTEX(cache_lock);	/* cache, uses, recreations */
static unsigned long uses, recreations;
module_param(uses, ulong, 0444);
module_param(recreations, ulong, 0444);
static unsigned int hang_secs;
module_param(hang_secs, uint, 0444);
MODULE_PARM_DESC(hang_secs, "sleep uninterruptibly this long in the module's init");

static int create(void)
{
	cache = kmem_cache_create("pwtest_slab", sizeof(struct pwtest_obj), NULL,
				  SLAB_NO_MERGE);
	return cache ? 0 : -ENOMEM;
}

static int set_use(const char *val, const struct kernel_param *kp)
{
	struct pwtest_obj *objs[NR_OBJS];
	void *kmalloced[NR_OBJS];
	int i, ret = 0;

	guard(mutex)(&cache_lock);
	for (i = 0; i < NR_OBJS; i++) {
		objs[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		kmalloced[i] = kmalloc(64, GFP_KERNEL);
	}
	for (i = 0; i < NR_OBJS; i++) {
		if (!objs[i] || !kmalloced[i])
			ret = -ENOMEM;
		kfree(kmalloced[i]);
		if (!objs[i])
			continue;
		if (i < NR_OBJS / 4)
			kfree_rcu(objs[i], rcu);
		else
			kmem_cache_free(cache, objs[i]);
	}
	uses++;
	return ret;
}

static int set_recreate(const char *val, const struct kernel_param *kp)
{
	guard(mutex)(&cache_lock);
	kmem_cache_destroy(cache);
	recreations++;
	return create();
}

static const struct kernel_param_ops use_ops = { .set = set_use };
static const struct kernel_param_ops recreate_ops = { .set = set_recreate };
module_param_cb(use, &use_ops, NULL, 0200);
module_param_cb(recreate, &recreate_ops, NULL, 0200);

static int __init pwtest_slab_init(void)
{
	if (hang_secs)
		ssleep(hang_secs);	/* TASK_UNINTERRUPTIBLE */
	return create();
}

static void __exit pwtest_slab_exit(void)
{
	kmem_cache_destroy(cache);
}

module_init(pwtest_slab_init);
module_exit(pwtest_slab_exit);
MODULE_DESCRIPTION("Slab traffic for the PW locks interference probe");
MODULE_LICENSE("GPL");
