// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny callers of the owner-CPU fast path, compiled with a kernel build's own
 * flags by scripts/cost-disasm.sh so their disassembly shows what a PW lock
 * costs next to the local_lock it replaces.
 */
#include <linux/local_lock.h>
#include <linux/pwlocks.h>

static DEFINE_PER_CPU(local_lock_t, cost_llock) = INIT_LOCAL_LOCK(cost_llock);
static DEFINE_PER_CPU(pw_lock_t, cost_pwlock) = PW_LOCK_INIT(cost_pwlock);
DEFINE_PER_CPU(unsigned long, cost_counter);

void cost_local_lock(void);
void cost_pw_lock_local(void);

void cost_local_lock(void)
{
	local_lock(&cost_llock);
	__this_cpu_inc(cost_counter);
	local_unlock(&cost_llock);
}

void cost_pw_lock_local(void)
{
	pw_lock_local(&cost_pwlock);
	__this_cpu_inc(cost_counter);
	pw_unlock_local(&cost_pwlock);
}
