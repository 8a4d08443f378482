// SPDX-License-Identifier: GPL-2.0
/*
 * pw_bench - what the owner CPU's LRU batch operations cost with and without
 * PW locks, and how long the owner waits while other CPUs drain its batches.
 * Built as an out-of-tree module against each benchmarked kernel (base,
 * PWLOCKS=n, PWLOCKS=y booted off and on) by scripts/bench-cost.sh and
 * scripts/bench-wait.sh.  Results go to the kernel log as "PWBENCH ..." lines.
 *
 * test=cost: per call of folio_add_lru() on new folios and of
 * folio_mark_accessed() activating referenced inactive LRU folios
 * (folio_activate()), each with its batch lock and the move of the batch to
 * the LRU every FOLIO_BATCH_SIZE calls, amortised; @nr calls per round (rounded
 * down to a multiple of FOLIO_BATCH_SIZE, so that every round moves as many
 * batches, whatever this CPU's batch held before), preemption disabled,
 * @rounds rounds: minimum and median TSC cycles per call.  Under QEMU with
 * -icount the TSC counts instructions, exactly; under UML it counts real
 * cycles.
 *
 * test=cost also times the remote section of a drain with PW locks (what an
 * isolated CPU's task can wait for): take a CPU's PW lock with interrupts
 * disabled, move a full folio batch out, release the lock, as
 * folio_batch_move_out() in mm/internal.h does; on this CPU, uncontended.
 *
 * test=cost also times the slab fast path, per call, amortised over @nr calls
 * (sheaf refills and flushes included), preemption disabled: kmalloc(64)
 * alone, kfree() alone, the two as a pair, and kmem_cache_alloc() and
 * kmem_cache_free() of 64-byte objects, from a cache with sheaves (as every
 * cache has) and from one without (SLAB_NOLEAKTRACE): the latter is what a CPU
 * pays if its sheaves are left unused, the alternative to flushing them from
 * another CPU.
 *
 * test=memcg times memcg's charge fast paths (kernels with MEMCG, which
 * test=cost does not run on: a module cannot charge the folios it puts on
 * the LRU), charging the memory cgroup @memcg (default /pwbench, made by
 * the guest): kmalloc(64) and
 * kfree() with __GFP_ACCOUNT charged to it (the object stock's consume and
 * refill, the page stock behind it every page's worth), and a page
 * allocated and freed with and without __GFP_ACCOUNT (the page stock's
 * consume_stock() and refill_stock(), the page allocator's pair besides).
 *
 * test=wait: a kthread on @cpu calls folio_add_lru() on new folios for
 * @seconds, meanwhile user space makes the other CPUs drain all CPUs: the
 * worst single call (its wait for a remote drainer holding the batch lock)
 * and the worst gap between two calls (the time it lost to anything else,
 * such as a drain work item).
 *
 * test=irqwait (PW locks on): what a drainer's wait costs its own CPU.  A
 * kthread on @cpu takes its PW lock there and holds it for @hold_us; the
 * caller, on another CPU, takes that CPU's PW lock with pw_lock_irqsave(),
 * as a remote drain does, while a pinned hrtimer on the caller's CPU is due
 * every 10 us: how often it fired during the wait, and its worst lateness.
 * Then the same with a plain spinlock_t and spin_lock_irqsave(), the way v7
 * waited (with interrupts disabled), side by side in one run.
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/folio_batch.h>
#include <linux/module.h>
#if __has_include(<linux/pwlocks.h>)
#include <linux/pwlocks.h>
#endif
#include <linux/sched/mm.h>
#include <linux/sort.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>

static char *test = "cost";
module_param(test, charp, 0444);
static int nr = 31 * 128;
module_param(nr, int, 0444);
static int rounds = 16;
module_param(rounds, int, 0444);
static int cpu = 3;
module_param(cpu, int, 0444);
static int seconds = 5;
module_param(seconds, int, 0444);
static int hold_us = 20000;
module_param(hold_us, int, 0444);

/* The TSC itself: get_cycles() is 0 on UML */
static inline u64 tsc(void)
{
	return __builtin_ia32_rdtsc();
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *op, u64 *per_call, int n)
{
	sort(per_call, n, sizeof(*per_call), cmp_u64, NULL);
	pr_info("PWBENCH op=%s calls=%d rounds=%d min=%llu p50=%llu max=%llu\n",
		op, nr, n, per_call[0], per_call[n / 2], per_call[n - 1]);
}

#ifdef PW_LOCK_INIT
/* What a remote drain holds an isolated CPU's lock for (mm/internal.h) */
static DEFINE_PER_CPU(pw_lock_t, hold_lock) = PW_LOCK_INIT(hold_lock);
static DEFINE_PER_CPU(struct folio_batch, hold_batch) = { .nr = FOLIO_BATCH_SIZE };

static u64 remote_section(int calls)
{
	int cpu = get_cpu(), i;
	struct folio_batch *from = per_cpu_ptr(&hold_batch, cpu), to;
	unsigned long flags;
	u64 t0 = tsc();

	for (i = 0; i < calls; i++) {
		pw_lock_irqsave(&hold_lock, cpu, flags);
		to = *from;
		folio_batch_reinit(from);
		from->nr = FOLIO_BATCH_SIZE;	/* full again, for the next copy */
		pw_unlock_irqrestore(&hold_lock, cpu, flags);
		barrier_data(&to);
	}
	t0 = (tsc() - t0) / calls;
	put_cpu();
	return t0;
}
#else
static u64 remote_section(int calls)
{
	return 0;	/* the base kernel has no PW locks */
}
#endif

static int run_cost(void)
{
	struct folio **folios = vcalloc(nr, sizeof(*folios));
	u64 *add = kcalloc(rounds, sizeof(u64), GFP_KERNEL);
	u64 *act = kcalloc(rounds, sizeof(u64), GFP_KERNEL);
	u64 *hold = kcalloc(rounds, sizeof(u64), GFP_KERNEL);
	int r, i, on_lru, ret = -ENOMEM;
	u64 t0;

	if (!folios || !add || !act || !hold)
		goto out;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nr; i++) {
			folios[i] = folio_alloc(GFP_KERNEL, 0);
			if (!folios[i])
				goto out;
		}
		preempt_disable();
		t0 = tsc();
		for (i = 0; i < nr; i++)
			folio_add_lru(folios[i]);
		add[r] = (tsc() - t0) / nr;
		preempt_enable();

		/* Activation: referenced, inactive, on the LRU; whole batches */
		for (i = on_lru = 0; i < nr; i++) {
			if (folio_test_lru(folios[i])) {
				folio_mark_accessed(folios[i]);
				folios[on_lru++] = folios[i];
			} else {
				folio_put(folios[i]);	/* still in the batch */
			}
		}
		while (on_lru % FOLIO_BATCH_SIZE)
			folio_put(folios[--on_lru]);
		preempt_disable();
		t0 = tsc();
		for (i = 0; i < on_lru; i++)
			folio_mark_accessed(folios[i]);
		act[r] = on_lru ? (tsc() - t0) / on_lru : 0;
		preempt_enable();
		for (i = 0; i < on_lru; i++)
			folio_put(folios[i]);
		hold[r] = remote_section(nr);
		cond_resched();
	}
	report("folio_add_lru", add, rounds);
	report("folio_activate", act, rounds);
	report("remote_section", hold, rounds);
	ret = 0;
out:
	kfree(hold);
	kfree(act);
	kfree(add);
	vfree(folios);
	return ret;
}

#define SLAB_OPS 7

static const char * const slab_op[SLAB_OPS] = {
	"kmalloc", "kfree", "kmalloc_kfree",
	"cache_alloc", "cache_free", "nosheaf_alloc", "nosheaf_free",
};

/* Cycles per call of @nr allocations into @objs, or of @nr frees of them */
static u64 time_alloc(struct kmem_cache *s, void **objs)
{
	u64 t0;
	int i;

	preempt_disable();
	t0 = tsc();
	for (i = 0; i < nr; i++)
		objs[i] = s ? kmem_cache_alloc(s, GFP_NOWAIT) : kmalloc(64, GFP_NOWAIT);
	t0 = (tsc() - t0) / nr;
	preempt_enable();
	return t0;
}

static u64 time_free(struct kmem_cache *s, void **objs)
{
	u64 t0;
	int i;

	preempt_disable();
	t0 = tsc();
	for (i = 0; i < nr; i++) {
		if (s)
			kmem_cache_free(s, objs[i]);
		else
			kfree(objs[i]);
	}
	t0 = (tsc() - t0) / nr;
	preempt_enable();
	return t0;
}

static int run_slab_cost(void)
{
	struct kmem_cache *cache, *nosheaf;
	void **objs = vcalloc(nr, sizeof(*objs));
	u64 *per_call[SLAB_OPS] = {};
	int r, i, op, ret = -ENOMEM;
	u64 t0;

	cache = kmem_cache_create("pw_bench", 64, NULL, SLAB_NO_MERGE);
	/* SLAB_NO_SHEAVES is internal; SLAB_NOLEAKTRACE caches have none either */
	nosheaf = kmem_cache_create("pw_bench_nosheaf", 64, NULL,
				    SLAB_NO_MERGE | SLAB_NOLEAKTRACE);
	for (op = 0; op < SLAB_OPS; op++)
		per_call[op] = kcalloc(rounds, sizeof(u64), GFP_KERNEL);
	if (!objs || !cache || !nosheaf || !per_call[SLAB_OPS - 1])
		goto out;
	for (r = 0; r < rounds; r++) {
		per_call[0][r] = time_alloc(NULL, objs);
		for (i = 0; i < nr; i++)
			if (!objs[i])
				goto out;
		per_call[1][r] = time_free(NULL, objs);
		preempt_disable();
		t0 = tsc();
		for (i = 0; i < nr; i++)
			kfree(kmalloc(64, GFP_NOWAIT));
		per_call[2][r] = (tsc() - t0) / nr;
		preempt_enable();
		per_call[3][r] = time_alloc(cache, objs);
		per_call[4][r] = time_free(cache, objs);
		per_call[5][r] = time_alloc(nosheaf, objs);
		per_call[6][r] = time_free(nosheaf, objs);
		cond_resched();
	}
	for (op = 0; op < SLAB_OPS; op++)
		report(slab_op[op], per_call[op], rounds);
	ret = 0;
out:
	for (op = 0; op < SLAB_OPS; op++)
		kfree(per_call[op]);
	kmem_cache_destroy(nosheaf);
	kmem_cache_destroy(cache);
	vfree(objs);
	return ret;
}

#ifdef CONFIG_MEMCG
static char *memcg_path = "/pwbench";
module_param_named(memcg, memcg_path, charp, 0444);

#define MEMCG_OPS 4

static const char * const memcg_op[MEMCG_OPS] = {
	"memcg_kmalloc", "memcg_kfree", "page_pair", "memcg_page_pair",
};

/* Cycles per call of @nr page allocations and frees, with @gfp */
static u64 time_page_pair(gfp_t gfp)
{
	struct page *page;
	u64 t0;
	int i;

	preempt_disable();
	t0 = tsc();
	for (i = 0; i < nr; i++) {
		page = alloc_page(gfp);
		if (!page)
			break;
		__free_page(page);
	}
	t0 = (tsc() - t0) / nr;
	preempt_enable();
	return i < nr ? 0 : t0;
}

static int run_memcg_cost(void)
{
	void **objs = vcalloc(nr, sizeof(*objs));
	u64 *per_call[MEMCG_OPS] = {};
	struct cgroup_subsys_state *css = NULL;
	struct mem_cgroup *old;
	struct cgroup *cgrp;
	int r, i, op, ret = -ENOMEM;
	u64 t0;

	cgrp = cgroup_get_from_path(memcg_path);
	if (IS_ERR(cgrp)) {
		pr_err("pw_bench: no cgroup %s\n", memcg_path);
		vfree(objs);
		return PTR_ERR(cgrp);
	}
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	cgroup_put(cgrp);
	if (!css || mem_cgroup_is_root(mem_cgroup_from_css(css))) {
		pr_err("pw_bench: %s has no memory controller of its own\n", memcg_path);
		ret = -EINVAL;
		goto out;
	}
	for (op = 0; op < MEMCG_OPS; op++) {
		per_call[op] = kcalloc(rounds, sizeof(u64), GFP_KERNEL);
		if (!per_call[op])
			goto out;
	}
	if (!objs)
		goto out;
	old = set_active_memcg(mem_cgroup_from_css(css));
	for (r = 0; r < rounds; r++) {
		preempt_disable();
		t0 = tsc();
		for (i = 0; i < nr; i++)
			objs[i] = kmalloc(64, GFP_NOWAIT | __GFP_ACCOUNT);
		per_call[0][r] = (tsc() - t0) / nr;
		t0 = tsc();
		for (i = 0; i < nr; i++)
			kfree(objs[i]);
		per_call[1][r] = (tsc() - t0) / nr;
		preempt_enable();
		per_call[2][r] = time_page_pair(GFP_NOWAIT);
		per_call[3][r] = time_page_pair(GFP_NOWAIT | __GFP_ACCOUNT);
		cond_resched();
	}
	set_active_memcg(old);
	for (op = 0; op < MEMCG_OPS; op++)
		report(memcg_op[op], per_call[op], rounds);
	ret = 0;
out:
	for (op = 0; op < MEMCG_OPS; op++)
		kfree(per_call[op]);
	if (css)
		css_put(css);
	vfree(objs);
	return ret;
}
#else
static int run_memcg_cost(void)
{
	return -EINVAL;	/* no memory cgroups */
}
#endif

/* test=wait: the owner's side, on @cpu */
static u64 worst_call_ns, worst_gap_ns, calls;
static DECLARE_COMPLETION(waited);

static int add_in_a_loop(void *unused)
{
	u64 end = ktime_get_ns() + (u64)seconds * NSEC_PER_SEC;
	u64 t0, t1, prev = 0;
	struct folio *folio;

	while ((t0 = ktime_get_ns()) < end) {
		folio = folio_alloc(GFP_KERNEL, 0);
		if (!folio)
			break;
		t0 = ktime_get_ns();
		folio_add_lru(folio);
		t1 = ktime_get_ns();
		/* The batch holds it now; the drain that empties it frees it. */
		folio_put(folio);
		worst_call_ns = max(worst_call_ns, t1 - t0);
		if (prev)
			worst_gap_ns = max(worst_gap_ns, t0 - prev);
		prev = t1;
		calls++;
	}
	complete(&waited);
	return 0;
}

static int run_wait(void)
{
	struct task_struct *t;

	t = kthread_run_on_cpu(add_in_a_loop, NULL, cpu, "pw_bench/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	wait_for_completion(&waited);
	pr_info("PWBENCH op=wait cpu=%d seconds=%d calls=%llu worst_call_ns=%llu worst_gap_ns=%llu\n",
		cpu, seconds, calls, worst_call_ns, worst_gap_ns);
	return 0;
}

#ifdef PW_LOCK_INIT
#ifndef pw_work_init
/* v7 (make bench-drain BENCH_AGAINST=v7-backup builds this module there) */
#define pw_enabled()	pwlocks_enabled()
#endif

/* test=irqwait: the drainer's side of a wait on a busy owner */
static DEFINE_SPINLOCK(plain_lock);
static atomic_t held;
static bool use_plain, waiting;
static u64 max_late_ns, fires, fires_waiting;
static struct hrtimer tick;

static enum hrtimer_restart tick_fn(struct hrtimer *t)
{
	u64 late = ktime_to_ns(ktime_sub(ktime_get(), hrtimer_get_expires(t)));

	max_late_ns = max(max_late_ns, late);
	fires++;
	if (READ_ONCE(waiting))
		fires_waiting++;
	hrtimer_forward_now(t, us_to_ktime(10));
	return HRTIMER_RESTART;
}

static int hold_a_while(void *unused)
{
	int i;

	if (use_plain)
		spin_lock(&plain_lock);
	else
		pw_lock(&hold_lock, cpu);
	atomic_set(&held, 1);
	for (i = 0; i < hold_us / 100; i++)
		udelay(100);
	if (use_plain)
		spin_unlock(&plain_lock);
	else
		pw_unlock(&hold_lock, cpu);
	atomic_set(&held, 2);
	return 0;
}

static int irqwait_once(bool plain)
{
	struct task_struct *t;
	unsigned long flags;
	u64 t0, wait;

	use_plain = plain;
	atomic_set(&held, 0);
	max_late_ns = fires = fires_waiting = 0;
	t = kthread_run_on_cpu(hold_a_while, NULL, cpu, "pw_bench/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	while (atomic_read(&held) != 1)
		cpu_relax();
	hrtimer_start(&tick, us_to_ktime(10), HRTIMER_MODE_REL_PINNED);
	WRITE_ONCE(waiting, true);
	t0 = ktime_get_ns();
	if (plain) {
		spin_lock_irqsave(&plain_lock, flags);
		spin_unlock_irqrestore(&plain_lock, flags);
	} else {
		pw_lock_irqsave(&hold_lock, cpu, flags);
		pw_unlock_irqrestore(&hold_lock, cpu, flags);
	}
	wait = ktime_get_ns() - t0;
	WRITE_ONCE(waiting, false);
	udelay(100);		/* a fire held back by the wait happens now */
	hrtimer_cancel(&tick);
	while (atomic_read(&held) != 2)
		cpu_relax();
	pr_info("PWBENCH op=irqwait lock=%s cpu=%d hold_us=%d wait_ns=%llu fires_while_waiting=%llu fires=%llu max_timer_late_ns=%llu\n",
		plain ? "spin_lock_irqsave" : "pw_lock_irqsave", cpu, hold_us, wait,
		fires_waiting, fires, max_late_ns);
	return 0;
}

static int run_irqwait(void)
{
	int ret;

	if (!pw_enabled() || cpu == raw_smp_processor_id())
		return -EINVAL;
	hrtimer_setup(&tick, tick_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	migrate_disable();
	ret = irqwait_once(false) ?: irqwait_once(true);
	migrate_enable();
	return ret;
}
#else
static int run_irqwait(void)
{
	return -EINVAL;
}
#endif

static int __init pw_bench_init(void)
{
	int ret;

	nr -= nr % FOLIO_BATCH_SIZE;
	if (nr < 1 || rounds < 1)
		return -EINVAL;
	if (!strcmp(test, "cost"))
		ret = run_cost() ?: run_slab_cost();
	else if (!strcmp(test, "memcg"))
		ret = run_memcg_cost();
	else if (!strcmp(test, "wait"))
		ret = run_wait();
	else if (!strcmp(test, "irqwait"))
		ret = run_irqwait();
	else
		ret = -EINVAL;
	return ret;
}

static void __exit pw_bench_exit(void)
{
}

module_init(pw_bench_init);
module_exit(pw_bench_exit);
MODULE_DESCRIPTION("Cost of the owner CPU's LRU batch operations, and its waits");
MODULE_LICENSE("GPL");
