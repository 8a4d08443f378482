savedcmd_.module-common.o := ccache gcc -Wp,-MMD,./..module-common.o.d -nostdinc -I/work/main/linux/arch/x86/include -I/work/main/build/x86-pw-bench/arch/x86/include/generated -I/work/main/linux/include -I/work/main/build/x86-pw-bench/include -I/work/main/linux/arch/x86/include/uapi -I/work/main/build/x86-pw-bench/arch/x86/include/generated/uapi -I/work/main/linux/include/uapi -I/work/main/build/x86-pw-bench/include/generated/uapi -include /work/main/linux/include/linux/compiler-version.h -include /work/main/linux/include/linux/kconfig.h -include /work/main/linux/include/linux/compiler_types.h -D__KERNEL__ -Werror -fshort-wchar -funsigned-char -fno-common -fno-PIE -fno-strict-aliasing -std=gnu11 -fms-extensions -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -mno-sse4a -fcf-protection=branch -fno-jump-tables -m64 -falign-jumps=1 -falign-loops=1 -mno-80387 -mno-fp-ret-in-387 -mpreferred-stack-boundary=3 -mskip-rax-setup -march=x86-64 -mtune=generic -mno-red-zone -mcmodel=kernel -Wno-sign-compare -fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks -O2 -fno-allow-store-data-races -fno-stack-protector -fomit-frame-pointer -ftrivial-auto-var-init=zero -fno-stack-clash-protection -falign-functions=16 -fno-strict-overflow -fno-stack-check -fconserve-stack -fno-builtin-wcslen -Wall -Wextra -Wundef -Werror=implicit-function-declaration -Werror=implicit-int -Werror=return-type -Werror=strict-prototypes -Wno-format-security -Wno-trigraphs -Wno-frame-address -Wno-address-of-packed-member -Wmissing-declarations -Wmissing-prototypes -Wframe-larger-than=1280 -Wno-main -Wno-type-limits -Wno-dangling-pointer -Wvla-larger-than=1 -Wno-pointer-sign -Wcast-function-type -Wno-array-bounds -Wno-stringop-overflow -Wno-alloc-size-larger-than -Wimplicit-fallthrough=5 -Werror=date-time -Werror=incompatible-pointer-types -Werror=designated-init -Wenum-conversion -Wunused -Wno-unused-but-set-variable -Wno-unused-const-variable -Wno-packed-not-aligned -Wno-format-overflow -Wno-format-truncation -Wno-stringop-truncation -Wno-override-init -Wno-missing-field-initializers -Wno-shift-negative-value -Wno-maybe-uninitialized -Wno-sign-compare -Wno-unused-parameter  -DMODULE  -DKBUILD_BASENAME='".module_common"' -DKBUILD_MODNAME='".module_common.o"' -D__KBUILD_MODNAME=.module_common.o -c -o .module-common.o /work/main/linux/scripts/module-common.c   ; /work/main/build/x86-pw-bench/tools/objtool/objtool --hacks=jump_label --hacks=noinstr --ibt --orc --static-call --uaccess  --link  --module .module-common.o

source_.module-common.o := ../linux/scripts/module-common.c

deps_.module-common.o := \
    $(wildcard include/config/UNWINDER_ORC) \
    $(wildcard include/config/MITIGATION_RETPOLINE) \
  ../linux/include/linux/compiler-version.h \
    $(wildcard include/config/CC_VERSION_TEXT) \
  ../linux/include/linux/kconfig.h \
    $(wildcard include/config/CPU_BIG_ENDIAN) \
    $(wildcard include/config/BOOGER) \
    $(wildcard include/config/FOO) \
  ../linux/include/linux/compiler_types.h \
    $(wildcard include/config/DEBUG_INFO_BTF) \
    $(wildcard include/config/PAHOLE_HAS_BTF_TAG) \
    $(wildcard include/config/FUNCTION_ALIGNMENT) \
    $(wildcard include/config/CC_HAS_SANE_FUNCTION_ALIGNMENT) \
    $(wildcard include/config/X86_64) \
    $(wildcard include/config/ARM64) \
    $(wildcard include/config/LD_DEAD_CODE_DATA_ELIMINATION) \
    $(wildcard include/config/LTO_CLANG) \
    $(wildcard include/config/HAVE_ARCH_COMPILER_H) \
    $(wildcard include/config/KCSAN) \
    $(wildcard include/config/CC_HAS_ASSUME) \
    $(wildcard include/config/CC_HAS_COUNTED_BY) \
    $(wildcard include/config/FORTIFY_SOURCE) \
    $(wildcard include/config/UBSAN_BOUNDS) \
    $(wildcard include/config/CC_HAS_COUNTED_BY_PTR) \
    $(wildcard include/config/CC_HAS_MULTIDIMENSIONAL_NONSTRING) \
    $(wildcard include/config/CFI) \
    $(wildcard include/config/ARCH_USES_CFI_GENERIC_LLVM_PASS) \
    $(wildcard include/config/CC_HAS_BROKEN_COUNTED_BY_REF) \
    $(wildcard include/config/CC_HAS_ASM_INLINE) \
  ../linux/include/linux/compiler-context-analysis.h \
  ../linux/include/linux/compiler_attributes.h \
  ../linux/include/linux/compiler-gcc.h \
    $(wildcard include/config/ARCH_USE_BUILTIN_BSWAP) \
    $(wildcard include/config/SHADOW_CALL_STACK) \
    $(wildcard include/config/KCOV) \
    $(wildcard include/config/CC_HAS_TYPEOF_UNQUAL) \
  ../linux/arch/x86/include/asm/percpu_types.h \
    $(wildcard include/config/SMP) \
    $(wildcard include/config/CC_HAS_NAMED_AS) \
    $(wildcard include/config/USE_X86_SEG_SUPPORT) \
  ../linux/include/asm-generic/percpu_types.h \
  ../linux/include/linux/module.h \
    $(wildcard include/config/MODULES) \
    $(wildcard include/config/SYSFS) \
    $(wildcard include/config/MODULES_TREE_LOOKUP) \
    $(wildcard include/config/LIVEPATCH) \
    $(wildcard include/config/STACKTRACE_BUILD_ID) \
    $(wildcard include/config/ARCH_USES_CFI_TRAPS) \
    $(wildcard include/config/MODULE_SIG) \
    $(wildcard include/config/GENERIC_BUG) \
    $(wildcard include/config/KALLSYMS) \
    $(wildcard include/config/TRACEPOINTS) \
    $(wildcard include/config/TREE_SRCU) \
    $(wildcard include/config/BPF_EVENTS) \
    $(wildcard include/config/DEBUG_INFO_BTF_MODULES) \
    $(wildcard include/config/JUMP_LABEL) \
    $(wildcard include/config/TRACING) \
    $(wildcard include/config/EVENT_TRACING) \
    $(wildcard include/config/DYNAMIC_FTRACE) \
    $(wildcard include/config/KPROBES) \
    $(wildcard include/config/HAVE_STATIC_CALL_INLINE) \
    $(wildcard include/config/KUNIT) \
    $(wildcard include/config/PRINTK_INDEX) \
    $(wildcard include/config/MODULE_UNLOAD) \
    $(wildcard include/config/CONSTRUCTORS) \
    $(wildcard include/config/FUNCTION_ERROR_INJECTION) \
    $(wildcard include/config/DYNAMIC_DEBUG_CORE) \
  ../linux/include/linux/list.h \
    $(wildcard include/config/LIST_HARDENED) \
    $(wildcard include/config/DEBUG_LIST) \
  ../linux/include/linux/container_of.h \
  ../linux/include/linux/build_bug.h \
  ../linux/include/linux/compiler.h \
    $(wildcard include/config/TRACE_BRANCH_PROFILING) \
    $(wildcard include/config/PROFILE_ALL_BRANCHES) \
    $(wildcard include/config/OBJTOOL) \
  ../build/x86-pw-bench/arch/x86/include/generated/asm/rwonce.h \
  ../linux/include/asm-generic/rwonce.h \
  ../linux/include/linux/kasan-checks.h \
    $(wildcard include/config/KASAN_GENERIC) \
    $(wildcard include/config/KASAN_SW_TAGS) \
  ../linux/include/linux/types.h \
    $(wildcard include/config/HAVE_UID16) \
    $(wildcard include/config/UID16) \
    $(wildcard include/config/ARCH_DMA_ADDR_T_64BIT) \
    $(wildcard include/config/PHYS_ADDR_T_64BIT) \
    $(wildcard include/config/64BIT) \
    $(wildcard include/config/ARCH_32BIT_USTAT_F_TINODE) \
    $(wildcard include/config/KVFREE_RCU_BATCHED) \
  ../linux/include/uapi/linux/types.h \
  ../build/x86-pw-bench/arch/x86/include/generated/uapi/asm/types.h \
  ../linux/include/uapi/asm-generic/types.h \
  ../linux/include/asm-generic/int-ll64.h \
  ../linux/include/uapi/asm-generic/int-ll64.h \
  ../linux/arch/x86/include/uapi/asm/bitsperlong.h \
  ../linux/include/asm-generic/bitsperlong.h \
  ../linux/include/uapi/asm-generic/bitsperlong.h \
  ../linux/include/uapi/linux/posix_types.h \
  ../linux/include/linux/stddef.h \
  ../linux/include/uapi/linux/stddef.h \
  ../linux/arch/x86/include/asm/posix_types.h \
    $(wildcard include/config/X86_32) \
  ../linux/arch/x86/include/uapi/asm/posix_types_64.h \
  ../linux/include/uapi/asm-generic/posix_types.h \
  ../linux/include/linux/kcsan-checks.h \
    $(wildcard include/config/KCSAN_WEAK_MEMORY) \
    $(wildcard include/config/KCSAN_IGNORE_ATOMICS) \
  ../linux/include/linux/poison.h \
    $(wildcard include/config/ILLEGAL_POINTER_VALUE) \
  ../linux/include/linux/const.h \
  ../linux/include/vdso/const.h \
  ../linux/include/uapi/linux/const.h \
  ../linux/arch/x86/include/asm/barrier.h \
  ../linux/arch/x86/include/asm/alternative.h \
    $(wildcard include/config/CALL_THUNKS) \
    $(wildcard include/config/MITIGATION_ITS) \
    $(wildcard include/config/MITIGATION_RETHUNK) \
  ../linux/include/linux/stringify.h \
  ../linux/include/linux/objtool.h \
    $(wildcard include/config/FRAME_POINTER) \
    $(wildcard include/config/NOINSTR_VALIDATION) \
    $(wildcard include/config/MITIGATION_UNRET_ENTRY) \
    $(wildcard include/config/MITIGATION_SRSO) \
  ../linux/include/linux/objtool_types.h \
  ../linux/include/linux/annotate.h \
  ../linux/arch/x86/include/asm/asm.h \
  ../linux/arch/x86/include/asm/asm-offsets.h \
  ../build/x86-pw-bench/include/generated/asm-offsets.h \
  ../linux/arch/x86/include/asm/extable_fixup_types.h \
  ../linux/arch/x86/include/asm/bug.h \
    $(wildcard include/config/DEBUG_BUGVERBOSE) \
    $(wildcard include/config/DEBUG_BUGVERBOSE_DETAILED) \
  ../linux/include/linux/instrumentation.h \
  ../linux/include/linux/static_call_types.h \
    $(wildcard include/config/HAVE_STATIC_CALL) \
  ../linux/include/asm-generic/bug.h \
    $(wildcard include/config/BUG) \
    $(wildcard include/config/GENERIC_BUG_RELATIVE_POINTERS) \
  ../linux/include/linux/once_lite.h \
  ../linux/include/linux/panic.h \
    $(wildcard include/config/PANIC_TIMEOUT) \
  ../linux/include/linux/stdarg.h \
  ../linux/include/linux/printk.h \
    $(wildcard include/config/MESSAGE_LOGLEVEL_DEFAULT) \
    $(wildcard include/config/CONSOLE_LOGLEVEL_DEFAULT) \
    $(wildcard include/config/CONSOLE_LOGLEVEL_QUIET) \
    $(wildcard include/config/EARLY_PRINTK) \
    $(wildcard include/config/PRINTK) \
    $(wildcard include/config/DYNAMIC_DEBUG) \
  ../linux/include/linux/init.h \
    $(wildcard include/config/MEMORY_HOTPLUG) \
    $(wildcard include/config/HAVE_ARCH_PREL32_RELOCATIONS) \
  ../linux/include/linux/kern_levels.h \
  ../linux/include/linux/linkage.h \
    $(wildcard include/config/ARCH_USE_SYM_ANNOTATIONS) \
  ../linux/include/linux/export.h \
    $(wildcard include/config/MODVERSIONS) \
    $(wildcard include/config/GENDWARFKSYMS) \
  ../linux/arch/x86/include/asm/linkage.h \
    $(wildcard include/config/CALL_PADDING) \
    $(wildcard include/config/MITIGATION_SLS) \
    $(wildcard include/config/FUNCTION_PADDING_BYTES) \
    $(wildcard include/config/UML) \
  ../linux/arch/x86/include/asm/ibt.h \
    $(wildcard include/config/X86_KERNEL_IBT) \
  ../linux/include/linux/ratelimit_types.h \
  ../linux/include/linux/bits.h \
  ../linux/include/vdso/bits.h \
  ../linux/include/uapi/linux/bits.h \
  ../linux/include/linux/overflow.h \
  ../linux/include/linux/limits.h \
  ../linux/include/uapi/linux/limits.h \
  ../linux/include/vdso/limits.h \
  ../linux/include/uapi/linux/param.h \
  ../build/x86-pw-bench/arch/x86/include/generated/uapi/asm/param.h \
  ../linux/include/asm-generic/param.h \
    $(wildcard include/config/HZ) \
  ../linux/include/uapi/asm-generic/param.h \
  ../linux/include/linux/spinlock_types_raw.h \
    $(wildcard include/config/DEBUG_SPINLOCK) \
    $(wildcard include/config/DEBUG_LOCK_ALLOC) \
  ../linux/arch/x86/include/asm/spinlock_types.h \
  ../linux/include/asm-generic/qspinlock_types.h \
    $(wildcard include/config/NR_CPUS) \
  ../linux/include/asm-generic/qrwlock_types.h \
  ../linux/arch/x86/include/uapi/asm/byteorder.h \
  ../linux/include/linux/byteorder/little_endian.h \
  ../linux/include/uapi/linux/byteorder/little_endian.h \
  ../linux/include/linux/swab.h \
  ../linux/include/uapi/linux/swab.h \
  ../linux/arch/x86/include/uapi/asm/swab.h \
  ../linux/include/linux/byteorder/generic.h \
  ../linux/include/linux/lockdep_types.h \
    $(wildcard include/config/PROVE_RAW_LOCK_NESTING) \
    $(wildcard include/config/LOCKDEP) \
    $(wildcard include/config/LOCK_STAT) \
  ../linux/arch/x86/include/asm/nops.h \
  ../linux/include/asm-generic/barrier.h \
  ../linux/include/linux/stat.h \
  ../linux/arch/x86/include/uapi/asm/stat.h \
  ../linux/include/uapi/linux/stat.h \
  ../linux/include/linux/time.h \
    $(wildcard include/config/POSIX_TIMERS) \
  ../linux/include/linux/cache.h \
    $(wildcard include/config/ARCH_HAS_CACHE_LINE_SIZE) \
  ../linux/include/uapi/linux/kernel.h \
  ../linux/include/uapi/linux/sysinfo.h \
  ../linux/include/vdso/cache.h \
  ../linux/arch/x86/include/asm/cache.h \
    $(wildcard include/config/X86_L1_CACHE_SHIFT) \
    $(wildcard include/config/X86_INTERNODE_CACHE_SHIFT) \
    $(wildcard include/config/X86_VSMP) \
  ../linux/include/linux/math64.h \
    $(wildcard include/config/ARCH_SUPPORTS_INT128) \
  ../linux/include/linux/math.h \
  ../linux/arch/x86/include/asm/div64.h \
  ../linux/include/asm-generic/div64.h \
    $(wildcard include/config/CC_OPTIMIZE_FOR_PERFORMANCE) \
  ../linux/include/vdso/math64.h \
  ../linux/include/linux/time64.h \
  ../linux/include/vdso/time64.h \
  ../linux/include/uapi/linux/time.h \
  ../linux/include/uapi/linux/time_types.h \
  ../linux/include/linux/time32.h \
  ../linux/include/linux/timex.h \
  ../linux/include/uapi/linux/timex.h \
  ../linux/arch/x86/include/asm/timex.h \
  ../linux/arch/x86/include/asm/processor.h \
    $(wildcard include/config/X86_VMX_FEATURE_NAMES) \
    $(wildcard include/config/X86_IOPL_IOPERM) \
    $(wildcard include/config/VM86) \
    $(wildcard include/config/X86_USER_SHADOW_STACK) \
    $(wildcard include/config/X86_DEBUG_FPU) \
    $(wildcard include/config/PARAVIRT_XXL) \
    $(wildcard include/config/CPU_SUP_AMD) \
    $(wildcard include/config/XEN) \
  ../linux/arch/x86/include/asm/processor-flags.h \
    $(wildcard include/config/MITIGATION_PAGE_TABLE_ISOLATION) \
  ../linux/arch/x86/include/uapi/asm/processor-flags.h \
  ../linux/include/linux/mem_encrypt.h \
    $(wildcard include/config/ARCH_HAS_MEM_ENCRYPT) \
    $(wildcard include/config/AMD_MEM_ENCRYPT) \
  ../linux/arch/x86/include/asm/mem_encrypt.h \
    $(wildcard include/config/X86_MEM_ENCRYPT) \
  ../linux/include/linux/cc_platform.h \
    $(wildcard include/config/ARCH_HAS_CC_PLATFORM) \
  ../linux/arch/x86/include/asm/math_emu.h \
  ../linux/arch/x86/include/asm/ptrace.h \
    $(wildcard include/config/PARAVIRT) \
    $(wildcard include/config/IA32_EMULATION) \
    $(wildcard include/config/X86_DEBUGCTLMSR) \
  ../linux/arch/x86/include/asm/segment.h \
    $(wildcard include/config/XEN_PV) \
  ../linux/arch/x86/include/asm/page_types.h \
    $(wildcard include/config/PHYSICAL_START) \
    $(wildcard include/config/PHYSICAL_ALIGN) \
    $(wildcard include/config/DYNAMIC_PHYSICAL_MASK) \
  ../linux/include/vdso/page.h \
    $(wildcard include/config/PAGE_SHIFT) \
  ../linux/arch/x86/include/asm/page_64_types.h \
    $(wildcard include/config/KASAN) \
    $(wildcard include/config/RANDOMIZE_BASE) \
  ../linux/arch/x86/include/asm/kaslr.h \
    $(wildcard include/config/RANDOMIZE_MEMORY) \
  ../linux/arch/x86/include/uapi/asm/ptrace.h \
  ../linux/arch/x86/include/uapi/asm/ptrace-abi.h \
  ../linux/arch/x86/include/asm/proto.h \
  ../linux/arch/x86/include/uapi/asm/ldt.h \
  ../linux/arch/x86/include/uapi/asm/sigcontext.h \
  ../linux/arch/x86/include/asm/current.h \
  ../linux/arch/x86/include/asm/percpu.h \
  ../linux/include/linux/args.h \
  ../linux/include/asm-generic/percpu.h \
    $(wildcard include/config/DEBUG_PREEMPT) \
    $(wildcard include/config/HAVE_SETUP_PER_CPU_AREA) \
  ../linux/include/linux/threads.h \
    $(wildcard include/config/BASE_SMALL) \
  ../linux/include/linux/percpu-defs.h \
    $(wildcard include/config/ARCH_MODULE_NEEDS_WEAK_PER_CPU) \
  ../linux/arch/x86/include/asm/cpufeatures.h \
  ../linux/arch/x86/include/asm/cpuid/types.h \
  ../linux/arch/x86/include/asm/cpuid/leaf_types.h \
  ../linux/arch/x86/include/asm/page.h \
  ../linux/arch/x86/include/asm/page_64.h \
    $(wildcard include/config/DEBUG_VIRTUAL) \
    $(wildcard include/config/X86_VSYSCALL_EMULATION) \
  ../linux/include/linux/kmsan-checks.h \
    $(wildcard include/config/KMSAN) \
  ../linux/include/linux/mmdebug.h \
    $(wildcard include/config/DEBUG_VM) \
    $(wildcard include/config/DEBUG_VM_IRQSOFF) \
    $(wildcard include/config/DEBUG_VM_PGFLAGS) \
  ../linux/include/linux/bug.h \
    $(wildcard include/config/BUG_ON_DATA_CORRUPTION) \
  ../linux/include/linux/range.h \
  ../linux/include/asm-generic/memory_model.h \
    $(wildcard include/config/FLATMEM) \
    $(wildcard include/config/SPARSEMEM_VMEMMAP) \
    $(wildcard include/config/SPARSEMEM) \
  ../linux/include/linux/pfn.h \
  ../linux/include/asm-generic/getorder.h \
  ../linux/include/linux/log2.h \
    $(wildcard include/config/ARCH_HAS_ILOG2_U32) \
    $(wildcard include/config/ARCH_HAS_ILOG2_U64) \
  ../linux/include/linux/bitops.h \
  ../linux/include/linux/typecheck.h \
  ../linux/include/asm-generic/bitops/generic-non-atomic.h \
  ../linux/arch/x86/include/asm/bitops.h \
    $(wildcard include/config/X86_CMOV) \
  ../linux/arch/x86/include/asm/rmwcc.h \
  ../linux/include/asm-generic/bitops/sched.h \
  ../linux/arch/x86/include/asm/arch_hweight.h \
  ../linux/include/asm-generic/bitops/const_hweight.h \
  ../linux/include/asm-generic/bitops/instrumented-atomic.h \
  ../linux/include/linux/instrumented.h \
    $(wildcard include/config/DEBUG_ATOMIC) \
    $(wildcard include/config/DEBUG_ATOMIC_LARGEST_ALIGN) \
  ../linux/include/asm-generic/bitops/instrumented-non-atomic.h \
    $(wildcard include/config/KCSAN_ASSUME_PLAIN_WRITES_ATOMIC) \
  ../linux/include/asm-generic/bitops/instrumented-lock.h \
  ../linux/include/asm-generic/bitops/le.h \
  ../linux/include/asm-generic/bitops/ext2-atomic-setbit.h \
  ../linux/arch/x86/include/asm/pgtable_types.h \
    $(wildcard include/config/X86_INTEL_MEMORY_PROTECTION_KEYS) \
    $(wildcard include/config/X86_PAE) \
    $(wildcard include/config/MEM_SOFT_DIRTY) \
    $(wildcard include/config/HAVE_ARCH_USERFAULTFD_WP) \
    $(wildcard include/config/PGTABLE_LEVELS) \
    $(wildcard include/config/PROC_FS) \
  ../linux/arch/x86/include/asm/pgtable_64_types.h \
    $(wildcard include/config/DEBUG_KMAP_LOCAL_FORCE_MAP) \
  ../linux/arch/x86/include/asm/sparsemem.h \
  ../linux/arch/x86/include/asm/desc_defs.h \
  ../linux/arch/x86/include/asm/special_insns.h \
  ../linux/include/linux/errno.h \
  ../linux/include/uapi/linux/errno.h \
  ../build/x86-pw-bench/arch/x86/include/generated/uapi/asm/errno.h \
  ../linux/include/uapi/asm-generic/errno.h \
  ../linux/include/uapi/asm-generic/errno-base.h \
  ../linux/include/linux/irqflags.h \
    $(wildcard include/config/PROVE_LOCKING) \
    $(wildcard include/config/TRACE_IRQFLAGS) \
    $(wildcard include/config/PREEMPT_RT) \
    $(wildcard include/config/IRQSOFF_TRACER) \
    $(wildcard include/config/PREEMPT_TRACER) \
    $(wildcard include/config/DEBUG_IRQFLAGS) \
    $(wildcard include/config/TRACE_IRQFLAGS_SUPPORT) \
  ../linux/include/linux/irqflags_types.h \
  ../linux/include/linux/cleanup.h \
  ../linux/include/linux/err.h \
  ../linux/arch/x86/include/asm/irqflags.h \
    $(wildcard include/config/DEBUG_ENTRY) \
  ../linux/arch/x86/include/asm/nospec-branch.h \
    $(wildcard include/config/CALL_THUNKS_DEBUG) \
    $(wildcard include/config/MITIGATION_CALL_DEPTH_TRACKING) \
    $(wildcard include/config/MITIGATION_IBPB_ENTRY) \
    $(wildcard include/config/BPF_JIT) \
  ../linux/include/linux/static_key.h \
  ../linux/include/linux/jump_label.h \
    $(wildcard include/config/HAVE_ARCH_JUMP_LABEL_RELATIVE) \
  ../linux/include/linux/atomic.h \
  ../linux/arch/x86/include/asm/atomic.h \
  ../linux/arch/x86/include/asm/cmpxchg.h \
  ../linux/arch/x86/include/asm/cmpxchg_64.h \
  ../linux/arch/x86/include/asm/atomic64_64.h \
  ../linux/include/linux/atomic/atomic-arch-fallback.h \
    $(wildcard include/config/GENERIC_ATOMIC64) \
  ../linux/include/linux/atomic/atomic-long.h \
  ../linux/include/linux/atomic/atomic-instrumented.h \
  ../linux/arch/x86/include/asm/msr-index.h \
  ../linux/arch/x86/include/asm/unwind_hints.h \
  ../linux/arch/x86/include/asm/orc_types.h \
  ../linux/arch/x86/include/asm/fpu/types.h \
  ../linux/arch/x86/include/asm/vmxfeatures.h \
  ../linux/arch/x86/include/asm/vdso/processor.h \
  ../linux/arch/x86/include/asm/shstk.h \
  ../linux/include/linux/personality.h \
  ../linux/include/uapi/linux/personality.h \
  ../linux/arch/x86/include/asm/tsc.h \
  ../linux/arch/x86/include/asm/cpufeature.h \
  ../build/x86-pw-bench/arch/x86/include/generated/asm/cpufeaturemasks.h \
  ../linux/arch/x86/include/asm/msr.h \
  ../linux/arch/x86/include/asm/cpumask.h \
  ../linux/include/linux/cpumask.h \
    $(wildcard include/config/FORCE_NR_CPUS) \
    $(wildcard include/config/HOTPLUG_CPU) \
    $(wildcard include/config/DEBUG_PER_CPU_MAPS) \
    $(wildcard include/config/CPUMASK_OFFSTACK) \
  ../linux/include/linux/bitmap.h \
  ../linux/include/linux/align.h \
  ../linux/include/vdso/align.h \
  ../linux/include/linux/find.h \
  ../linux/include/linux/string.h \
    $(wildcard include/config/BINARY_PRINTF) \
  ../linux/include/linux/array_size.h \
  ../linux/include/uapi/linux/string.h \
  ../linux/arch/x86/include/asm/string.h \
  ../linux/arch/x86/include/asm/string_64.h \
    $(wildcard include/config/ARCH_HAS_UACCESS_FLUSHCACHE) \
  ../linux/include/linux/bitmap-str.h \
  ../linux/include/linux/cpumask_types.h \
  ../linux/include/linux/gfp_types.h \
    $(wildcard include/config/KASAN_HW_TAGS) \
  ../linux/include/linux/numa.h \
    $(wildcard include/config/NUMA_KEEP_MEMINFO) \
    $(wildcard include/config/NUMA) \
    $(wildcard include/config/HAVE_ARCH_NODE_DEV_GROUP) \
  ../linux/include/linux/nodemask.h \
    $(wildcard include/config/HIGHMEM) \
  ../linux/include/linux/minmax.h \
  ../linux/include/linux/nodemask_types.h \
    $(wildcard include/config/NODES_SHIFT) \
  ../linux/include/linux/random.h \
    $(wildcard include/config/VMGENID) \
  ../linux/include/linux/kernel.h \
    $(wildcard include/config/PREEMPT_VOLUNTARY_BUILD) \
    $(wildcard include/config/PREEMPT_DYNAMIC) \
    $(wildcard include/config/HAVE_PREEMPT_DYNAMIC_CALL) \
    $(wildcard include/config/HAVE_PREEMPT_DYNAMIC_KEY) \
    $(wildcard include/config/PREEMPT_) \
    $(wildcard include/config/DEBUG_ATOMIC_SLEEP) \
    $(wildcard include/config/MMU) \
  ../linux/include/linux/kstrtox.h \
  ../linux/include/linux/sprintf.h \
  ../linux/include/linux/trace_printk.h \
  ../linux/include/linux/instruction_pointer.h \
  ../linux/include/linux/util_macros.h \
    $(wildcard include/config/FOO_SUSPEND) \
  ../linux/include/linux/wordpart.h \
  ../linux/include/uapi/linux/random.h \
  ../linux/include/uapi/linux/ioctl.h \
  ../build/x86-pw-bench/arch/x86/include/generated/uapi/asm/ioctl.h \
  ../linux/include/asm-generic/ioctl.h \
  ../linux/include/uapi/asm-generic/ioctl.h \
  ../linux/include/linux/irqnr.h \
  ../linux/include/uapi/linux/irqnr.h \
  ../linux/arch/x86/include/uapi/asm/msr.h \
  ../linux/arch/x86/include/asm/shared/msr.h \
  ../linux/include/linux/percpu.h \
    $(wildcard include/config/KMALLOC_PARTITION_CACHES) \
    $(wildcard include/config/PAGE_SIZE_4KB) \
    $(wildcard include/config/NEED_PER_CPU_PAGE_FIRST_CHUNK) \
  ../linux/include/linux/alloc_tag.h \
    $(wildcard include/config/MEM_ALLOC_PROFILING_DEBUG) \
    $(wildcard include/config/MEM_ALLOC_PROFILING) \
    $(wildcard include/config/MEM_ALLOC_PROFILING_ENABLED_BY_DEFAULT) \
  ../linux/include/linux/codetag.h \
    $(wildcard include/config/CODE_TAGGING) \
  ../linux/include/linux/preempt.h \
    $(wildcard include/config/HAS_SEPARATE_PREEMPT_RESCHED_BITS) \
    $(wildcard include/config/PREEMPT_COUNT) \
    $(wildcard include/config/TRACE_PREEMPT_TOGGLE) \
    $(wildcard include/config/PREEMPTION) \
    $(wildcard include/config/PREEMPT_NOTIFIERS) \
    $(wildcard include/config/PREEMPT_NONE) \
    $(wildcard include/config/PREEMPT_VOLUNTARY) \
    $(wildcard include/config/PREEMPT) \
    $(wildcard include/config/PREEMPT_LAZY) \
  ../linux/arch/x86/include/asm/preempt.h \
  ../linux/include/linux/smp.h \
    $(wildcard include/config/UP_LATE_INIT) \
    $(wildcard include/config/CSD_LOCK_WAIT_DEBUG) \
  ../linux/include/linux/smp_types.h \
  ../linux/include/linux/llist.h \
    $(wildcard include/config/ARCH_HAVE_NMI_SAFE_CMPXCHG) \
  ../linux/include/linux/thread_info.h \
    $(wildcard include/config/THREAD_INFO_IN_TASK) \
    $(wildcard include/config/GENERIC_ENTRY) \
    $(wildcard include/config/ARCH_HAS_PREEMPT_LAZY) \
    $(wildcard include/config/HAVE_ARCH_WITHIN_STACK_FRAMES) \
    $(wildcard include/config/SH) \
  ../linux/include/linux/restart_block.h \
  ../linux/arch/x86/include/asm/thread_info.h \
    $(wildcard include/config/X86_FRED) \
    $(wildcard include/config/COMPAT) \
  ../linux/include/asm-generic/thread_info_tif.h \
  ../linux/arch/x86/include/asm/smp.h \
    $(wildcard include/config/DEBUG_NMI_SELFTEST) \
  ../linux/include/linux/sched.h \
    $(wildcard include/config/VIRT_CPU_ACCOUNTING_NATIVE) \
    $(wildcard include/config/SCHED_INFO) \
    $(wildcard include/config/SCHEDSTATS) \
    $(wildcard include/config/SCHED_CORE) \
    $(wildcard include/config/FAIR_GROUP_SCHED) \
    $(wildcard include/config/RT_GROUP_SCHED) \
    $(wildcard include/config/RT_MUTEXES) \
    $(wildcard include/config/UCLAMP_TASK) \
    $(wildcard include/config/UCLAMP_BUCKETS_COUNT) \
    $(wildcard include/config/KMAP_LOCAL) \
    $(wildcard include/config/SCHED_CLASS_EXT) \
    $(wildcard include/config/CGROUP_SCHED) \
    $(wildcard include/config/CFS_BANDWIDTH) \
    $(wildcard include/config/BLK_DEV_IO_TRACE) \
    $(wildcard include/config/PREEMPT_RCU) \
    $(wildcard include/config/TASKS_RCU) \
    $(wildcard include/config/TASKS_TRACE_RCU) \
    $(wildcard include/config/TRIVIAL_PREEMPT_RCU) \
    $(wildcard include/config/MEMCG_V1) \
    $(wildcard include/config/LRU_GEN) \
    $(wildcard include/config/COMPAT_BRK) \
    $(wildcard include/config/CGROUPS) \
    $(wildcard include/config/BLK_CGROUP) \
    $(wildcard include/config/PSI) \
    $(wildcard include/config/PAGE_OWNER) \
    $(wildcard include/config/EVENTFD) \
    $(wildcard include/config/ARCH_HAS_CPU_PASID) \
    $(wildcard include/config/X86_BUS_LOCK_DETECT) \
    $(wildcard include/config/TASK_DELAY_ACCT) \
    $(wildcard include/config/STACKPROTECTOR) \
    $(wildcard include/config/ARCH_HAS_SCALED_CPUTIME) \
    $(wildcard include/config/VIRT_CPU_ACCOUNTING_GEN) \
    $(wildcard include/config/NO_HZ_FULL) \
    $(wildcard include/config/POSIX_CPUTIMERS) \
    $(wildcard include/config/POSIX_CPU_TIMERS_TASK_WORK) \
    $(wildcard include/config/KEYS) \
    $(wildcard include/config/SYSVIPC) \
    $(wildcard include/config/DETECT_HUNG_TASK) \
    $(wildcard include/config/IO_URING) \
    $(wildcard include/config/AUDIT) \
    $(wildcard include/config/AUDITSYSCALL) \
    $(wildcard include/config/DETECT_HUNG_TASK_BLOCKER) \
    $(wildcard include/config/UBSAN) \
    $(wildcard include/config/UBSAN_TRAP) \
    $(wildcard include/config/COMPACTION) \
    $(wildcard include/config/TASK_XACCT) \
    $(wildcard include/config/CPUSETS) \
    $(wildcard include/config/X86_CPU_RESCTRL) \
    $(wildcard include/config/PERF_EVENTS) \
    $(wildcard include/config/NUMA_BALANCING) \
    $(wildcard include/config/SCHED_CACHE) \
    $(wildcard include/config/ARCH_HAS_LAZY_MMU_MODE) \
    $(wildcard include/config/FAULT_INJECTION) \
    $(wildcard include/config/LATENCYTOP) \
    $(wildcard include/config/FUNCTION_GRAPH_TRACER) \
    $(wildcard include/config/MEMCG) \
    $(wildcard include/config/UPROBES) \
    $(wildcard include/config/BCACHE) \
    $(wildcard include/config/VMAP_STACK) \
    $(wildcard include/config/SECURITY) \
    $(wildcard include/config/BPF_SYSCALL) \
    $(wildcard include/config/KSTACK_ERASE) \
    $(wildcard include/config/KSTACK_ERASE_METRICS) \
    $(wildcard include/config/X86_MCE) \
    $(wildcard include/config/KRETPROBES) \
    $(wildcard include/config/RETHOOK) \
    $(wildcard include/config/ARCH_HAS_PARANOID_L1D_FLUSH) \
    $(wildcard include/config/RV) \
    $(wildcard include/config/RV_PER_TASK_MONITORS) \
    $(wildcard include/config/USER_EVENTS) \
    $(wildcard include/config/UNWIND_USER) \
    $(wildcard include/config/SCHED_PROXY_EXEC) \
    $(wildcard include/config/SCHED_MM_CID) \
  ../linux/include/uapi/linux/sched.h \
  ../linux/include/linux/futex_types.h \
    $(wildcard include/config/FUTEX) \
    $(wildcard include/config/FUTEX_PRIVATE_HASH) \
    $(wildcard include/config/FUTEX_ROBUST_UNLOCK) \
  ../linux/include/linux/mutex_types.h \
    $(wildcard include/config/MUTEX_SPIN_ON_OWNER) \
    $(wildcard include/config/DEBUG_MUTEXES) \
  ../linux/include/linux/osq_lock.h \
  ../linux/include/linux/spinlock_types.h \
  ../linux/include/linux/rwlock_types.h \
  ../linux/include/linux/pid_types.h \
  ../linux/include/linux/sem_types.h \
  ../linux/include/linux/shm.h \
  ../linux/arch/x86/include/asm/shmparam.h \
  ../linux/include/linux/kmsan_types.h \
  ../linux/include/linux/plist_types.h \
  ../linux/include/linux/hrtimer_types.h \
  ../linux/include/linux/timerqueue_types.h \
  ../linux/include/linux/rbtree_types.h \
  ../linux/include/linux/timer_types.h \
  ../linux/include/linux/seccomp_types.h \
    $(wildcard include/config/SECCOMP) \
  ../linux/include/linux/refcount_types.h \
  ../linux/include/linux/resource.h \
  ../linux/include/uapi/linux/resource.h \
  ../build/x86-pw-bench/arch/x86/include/generated/uapi/asm/resource.h \
  ../linux/include/asm-generic/resource.h \
  ../linux/include/uapi/asm-generic/resource.h \
  ../linux/include/linux/latencytop.h \
  ../linux/include/linux/sched/prio.h \
  ../linux/include/linux/sched/types.h \
  ../linux/include/linux/signal_types.h \
    $(wildcard include/config/OLD_SIGACTION) \
  ../linux/include/uapi/linux/signal.h \
  ../linux/arch/x86/include/asm/signal.h \
  ../linux/arch/x86/include/uapi/asm/signal.h \
  ../linux/include/uapi/asm-generic/signal-defs.h \
  ../linux/arch/x86/include/uapi/asm/siginfo.h \
  ../linux/include/uapi/asm-generic/siginfo.h \
  ../linux/include/linux/spinlock.h \
  ../linux/include/linux/interrupt_rc.h \
  ../linux/include/linux/processor.h \
  ../linux/include/linux/bottom_half.h \
  ../linux/include/linux/lockdep.h \
    $(wildcard include/config/DEBUG_LOCKING_API_SELFTESTS) \
  ../build/x86-pw-bench/arch/x86/include/generated/asm/mmiowb.h \
  ../linux/include/asm-generic/mmiowb.h \
    $(wildcard include/config/MMIOWB) \
  ../linux/arch/x86/include/asm/spinlock.h \
  ../linux/arch/x86/include/asm/qspinlock.h \
  ../linux/arch/x86/include/asm/paravirt.h \
  ../linux/arch/x86/include/asm/paravirt-base.h \
    $(wildcard include/config/PARAVIRT_SPINLOCKS) \
  ../linux/arch/x86/include/asm/paravirt_types.h \
    $(wildcard include/config/ZERO_CALL_USED_REGS) \
  ../linux/include/asm-generic/qspinlock.h \
    $(wildcard include/config/QUEUED_SPINLOCKS_TRACE_CONTENDED_RELEASE) \
  ../linux/include/linux/tracepoint-defs.h \
  ../linux/arch/x86/include/asm/qrwlock.h \
  ../linux/include/asm-generic/qrwlock.h \
  ../linux/include/linux/rwlock.h \
  ../linux/include/linux/spinlock_api_smp.h \
    $(wildcard include/config/INLINE_SPIN_LOCK) \
    $(wildcard include/config/INLINE_SPIN_LOCK_BH) \
    $(wildcard include/config/INLINE_SPIN_LOCK_IRQ) \
    $(wildcard include/config/INLINE_SPIN_LOCK_IRQSAVE) \
    $(wildcard include/config/INLINE_SPIN_TRYLOCK) \
    $(wildcard include/config/INLINE_SPIN_TRYLOCK_BH) \
    $(wildcard include/config/UNINLINE_SPIN_UNLOCK) \
    $(wildcard include/config/INLINE_SPIN_UNLOCK_BH) \
    $(wildcard include/config/INLINE_SPIN_UNLOCK_IRQ) \
    $(wildcard include/config/INLINE_SPIN_UNLOCK_IRQRESTORE) \
    $(wildcard include/config/GENERIC_LOCKBREAK) \
  ../linux/include/linux/rwlock_api_smp.h \
    $(wildcard include/config/INLINE_READ_LOCK) \
    $(wildcard include/config/INLINE_WRITE_LOCK) \
    $(wildcard include/config/INLINE_READ_LOCK_BH) \
    $(wildcard include/config/INLINE_WRITE_LOCK_BH) \
    $(wildcard include/config/INLINE_READ_LOCK_IRQ) \
    $(wildcard include/config/INLINE_WRITE_LOCK_IRQ) \
    $(wildcard include/config/INLINE_READ_LOCK_IRQSAVE) \
    $(wildcard include/config/INLINE_WRITE_LOCK_IRQSAVE) \
    $(wildcard include/config/INLINE_READ_TRYLOCK) \
    $(wildcard include/config/INLINE_WRITE_TRYLOCK) \
    $(wildcard include/config/INLINE_READ_UNLOCK) \
    $(wildcard include/config/INLINE_WRITE_UNLOCK) \
    $(wildcard include/config/INLINE_READ_UNLOCK_BH) \
    $(wildcard include/config/INLINE_WRITE_UNLOCK_BH) \
    $(wildcard include/config/INLINE_READ_UNLOCK_IRQ) \
    $(wildcard include/config/INLINE_WRITE_UNLOCK_IRQ) \
    $(wildcard include/config/INLINE_READ_UNLOCK_IRQRESTORE) \
    $(wildcard include/config/INLINE_WRITE_UNLOCK_IRQRESTORE) \
  ../linux/include/linux/syscall_user_dispatch_types.h \
    $(wildcard include/config/SYSCALL_USER_DISPATCH) \
  ../linux/include/linux/mm_types_task.h \
    $(wildcard include/config/ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH) \
  ../linux/arch/x86/include/asm/tlbbatch.h \
  ../linux/include/linux/netdevice_xmit.h \
    $(wildcard include/config/NET_ACT_MIRRED) \
    $(wildcard include/config/NET_EGRESS) \
    $(wildcard include/config/NF_DUP_NETDEV) \
  ../linux/include/linux/task_io_accounting.h \
    $(wildcard include/config/TASK_IO_ACCOUNTING) \
  ../linux/include/linux/posix-timers_types.h \
  ../linux/include/linux/rseq_types.h \
    $(wildcard include/config/RSEQ) \
    $(wildcard include/config/RSEQ_SLICE_EXTENSION) \
  ../linux/include/linux/irq_work_types.h \
  ../linux/include/linux/workqueue_types.h \
  ../linux/include/linux/seqlock_types.h \
  ../linux/include/linux/kcsan.h \
  ../linux/include/linux/rv.h \
    $(wildcard include/config/RV_LTL_MONITOR) \
    $(wildcard include/config/RV_HA_MONITOR) \
    $(wildcard include/config/RV_REACTORS) \
  ../linux/include/linux/uidgid_types.h \
  ../linux/include/linux/unwind_deferred_types.h \
  ../build/x86-pw-bench/arch/x86/include/generated/asm/kmap_size.h \
  ../linux/include/asm-generic/kmap_size.h \
    $(wildcard include/config/DEBUG_KMAP_LOCAL) \
  ../build/x86-pw-bench/include/generated/rq-offsets.h \
  ../linux/include/linux/sched/ext.h \
    $(wildcard include/config/EXT_SUB_SCHED) \
    $(wildcard include/config/EXT_GROUP_SCHED) \
  ../linux/include/vdso/time32.h \
  ../linux/include/vdso/time.h \
  ../linux/include/linux/uidgid.h \
    $(wildcard include/config/MULTIUSER) \
    $(wildcard include/config/USER_NS) \
  ../linux/include/linux/highuid.h \
  ../linux/include/linux/buildid.h \
    $(wildcard include/config/VMCORE_INFO) \
  ../linux/include/linux/kmod.h \
  ../linux/include/linux/umh.h \
  ../linux/include/linux/gfp.h \
    $(wildcard include/config/ZONE_DMA) \
    $(wildcard include/config/ZONE_DMA32) \
    $(wildcard include/config/ZONE_DEVICE) \
    $(wildcard include/config/CONTIG_ALLOC) \
  ../linux/include/linux/mmzone.h \
    $(wildcard include/config/ARCH_FORCE_MAX_ORDER) \
    $(wildcard include/config/PAGE_BLOCK_MAX_ORDER) \
    $(wildcard include/config/HAVE_GIGANTIC_FOLIOS) \
    $(wildcard include/config/HUGETLB_PAGE) \
    $(wildcard include/config/HUGETLB_PAGE_OPTIMIZE_VMEMMAP) \
    $(wildcard include/config/CMA) \
    $(wildcard include/config/MEMORY_ISOLATION) \
    $(wildcard include/config/ZSMALLOC) \
    $(wildcard include/config/UNACCEPTED_MEMORY) \
    $(wildcard include/config/IOMMU_SUPPORT) \
    $(wildcard include/config/SWAP) \
    $(wildcard include/config/TRANSPARENT_HUGEPAGE) \
    $(wildcard include/config/LRU_GEN_STATS) \
    $(wildcard include/config/LRU_GEN_WALKS_MMU) \
    $(wildcard include/config/MEMORY_FAILURE) \
    $(wildcard include/config/PAGE_EXTENSION) \
    $(wildcard include/config/DEFERRED_STRUCT_PAGE_INIT) \
    $(wildcard include/config/HAVE_MEMORYLESS_NODES) \
    $(wildcard include/config/SPARSEMEM_EXTREME) \
    $(wildcard include/config/SPARSEMEM_VMEMMAP_PREINIT) \
    $(wildcard include/config/HAVE_ARCH_PFN_VALID) \
  ../linux/include/linux/list_nulls.h \
  ../linux/include/linux/wait.h \
  ../linux/include/linux/seqlock.h \
    $(wildcard include/config/CC_IS_GCC) \
    $(wildcard include/config/GCC_VERSION) \
    $(wildcard include/config/UBSAN_ALIGNMENT) \
  ../linux/include/linux/mutex.h \
  ../linux/include/linux/debug_locks.h \
  ../linux/include/linux/pageblock-flags.h \
    $(wildcard include/config/HUGETLB_PAGE_SIZE_VARIABLE) \
  ../linux/include/linux/page-flags-layout.h \
  ../build/x86-pw-bench/include/generated/bounds.h \
  ../linux/include/linux/mm_types.h \
    $(wildcard include/config/HAVE_ALIGNED_STRUCT_PAGE) \
    $(wildcard include/config/SLAB_OBJ_EXT) \
    $(wildcard include/config/HUGETLB_PMD_PAGE_TABLE_SHARING) \
    $(wildcard include/config/SLAB_FREELIST_HARDENED) \
    $(wildcard include/config/USERFAULTFD) \
    $(wildcard include/config/ANON_VMA_NAME) \
    $(wildcard include/config/PER_VMA_LOCK) \
    $(wildcard include/config/HAVE_ARCH_COMPAT_MMAP_BASES) \
    $(wildcard include/config/MEMBARRIER) \
    $(wildcard include/config/ARCH_HAS_ELF_CORE_EFLAGS) \
    $(wildcard include/config/AIO) \
    $(wildcard include/config/MMU_NOTIFIER) \
    $(wildcard include/config/SPLIT_PMD_PTLOCKS) \
    $(wildcard include/config/IOMMU_MM_DATA) \
    $(wildcard include/config/KSM) \
    $(wildcard include/config/MM_ID) \
    $(wildcard include/config/CORE_DUMP_DEFAULT_ELF_HEADERS) \
  ../linux/include/linux/auxvec.h \
  ../linux/include/uapi/linux/auxvec.h \
  ../linux/arch/x86/include/uapi/asm/auxvec.h \
  ../linux/include/linux/kref.h \
  ../linux/include/linux/refcount.h \
  ../linux/include/linux/rbtree.h \
  ../linux/include/linux/rcupdate.h \
    $(wildcard include/config/TINY_RCU) \
    $(wildcard include/config/RCU_STRICT_GRACE_PERIOD) \
    $(wildcard include/config/RCU_LAZY) \
    $(wildcard include/config/RCU_STALL_COMMON) \
    $(wildcard include/config/VIRT_XFER_TO_GUEST_WORK) \
    $(wildcard include/config/RCU_NOCB_CPU) \
    $(wildcard include/config/TASKS_RCU_GENERIC) \
    $(wildcard include/config/TASKS_RUDE_RCU) \
    $(wildcard include/config/TREE_RCU) \
    $(wildcard include/config/DEBUG_OBJECTS_RCU_HEAD) \
    $(wildcard include/config/PROVE_RCU) \
    $(wildcard include/config/ARCH_WEAK_RELEASE_ACQUIRE) \
  ../linux/include/linux/context_tracking_irq.h \
    $(wildcard include/config/CONTEXT_TRACKING_IDLE) \
  ../linux/include/linux/rcutree.h \
  ../linux/include/linux/maple_tree.h \
    $(wildcard include/config/DEBUG_MAPLE_TREE) \
  ../linux/include/linux/rwsem.h \
    $(wildcard include/config/RWSEM_SPIN_ON_OWNER) \
    $(wildcard include/config/DEBUG_RWSEMS) \
  ../linux/include/linux/completion.h \
  ../linux/include/linux/swait.h \
  ../linux/include/linux/uprobes.h \
  ../linux/include/linux/timer.h \
    $(wildcard include/config/DEBUG_OBJECTS_TIMERS) \
    $(wildcard include/config/NO_HZ_COMMON) \
  ../linux/include/linux/ktime.h \
  ../linux/include/linux/jiffies.h \
  ../linux/include/vdso/jiffies.h \
  ../build/x86-pw-bench/include/generated/timeconst.h \
  ../linux/include/vdso/ktime.h \
  ../linux/include/linux/timekeeping.h \
    $(wildcard include/config/POSIX_AUX_CLOCKS) \
    $(wildcard include/config/GENERIC_CMOS_UPDATE) \
  ../linux/include/linux/clocksource_ids.h \
  ../linux/include/linux/debugobjects.h \
    $(wildcard include/config/DEBUG_OBJECTS) \
    $(wildcard include/config/DEBUG_OBJECTS_FREE) \
  ../linux/arch/x86/include/asm/uprobes.h \
  ../linux/include/linux/notifier.h \
  ../linux/include/linux/srcu.h \
    $(wildcard include/config/TINY_SRCU) \
    $(wildcard include/config/NEED_SRCU_NMI_SAFE) \
  ../linux/include/linux/workqueue.h \
    $(wildcard include/config/DEBUG_OBJECTS_WORK) \
    $(wildcard include/config/FREEZER) \
    $(wildcard include/config/WQ_WATCHDOG) \
  ../linux/include/linux/rcu_segcblist.h \
  ../linux/include/linux/srcutree.h \
  ../linux/include/linux/rcu_node_tree.h \
    $(wildcard include/config/RCU_FANOUT) \
    $(wildcard include/config/RCU_FANOUT_LEAF) \
  ../linux/include/linux/percpu_counter.h \
  ../linux/arch/x86/include/asm/mmu.h \
    $(wildcard include/config/MODIFY_LDT_SYSCALL) \
    $(wildcard include/config/ADDRESS_MASKING) \
    $(wildcard include/config/BROADCAST_TLB_FLUSH) \
  ../linux/include/linux/page-flags.h \
    $(wildcard include/config/PAGE_IDLE_FLAG) \
    $(wildcard include/config/ARCH_USES_PG_ARCH_2) \
    $(wildcard include/config/ARCH_USES_PG_ARCH_3) \
    $(wildcard include/config/MIGRATION) \
  ../linux/include/linux/local_lock.h \
  ../linux/include/linux/local_lock_internal.h \
  ../linux/include/linux/zswap.h \
    $(wildcard include/config/ZSWAP) \
  ../linux/include/linux/sizes.h \
  ../linux/include/linux/memory_hotplug.h \
    $(wildcard include/config/ARCH_HAS_ADD_PAGES) \
    $(wildcard include/config/MEMORY_HOTREMOVE) \
  ../linux/include/linux/topology.h \
    $(wildcard include/config/USE_PERCPU_NUMA_NODE_ID) \
    $(wildcard include/config/SCHED_SMT) \
    $(wildcard include/config/GENERIC_ARCH_TOPOLOGY) \
  ../linux/include/linux/arch_topology.h \
  ../linux/arch/x86/include/asm/topology.h \
    $(wildcard include/config/X86_LOCAL_APIC) \
    $(wildcard include/config/SCHED_MC_PRIO) \
  ../linux/include/asm-generic/topology.h \
  ../linux/include/linux/cpu_smt.h \
    $(wildcard include/config/HOTPLUG_SMT) \
  ../linux/include/linux/sysctl.h \
    $(wildcard include/config/SYSCTL) \
  ../linux/include/uapi/linux/sysctl.h \
  ../linux/include/linux/elf.h \
    $(wildcard include/config/ARCH_HAVE_EXTRA_ELF_NOTES) \
    $(wildcard include/config/ARCH_USE_GNU_PROPERTY) \
    $(wildcard include/config/ARCH_HAVE_ELF_PROT) \
  ../linux/arch/x86/include/asm/elf.h \
    $(wildcard include/config/X86_X32_ABI) \
  ../linux/arch/x86/include/asm/ia32.h \
  ../linux/arch/x86/include/asm/user.h \
  ../linux/arch/x86/include/asm/user_64.h \
  ../linux/arch/x86/include/asm/fsgsbase.h \
  ../linux/arch/x86/include/asm/syscall.h \
    $(wildcard include/config/X86_X32_DISABLED) \
  ../linux/include/uapi/linux/audit.h \
  ../linux/include/uapi/linux/elf-em.h \
  ../linux/arch/x86/include/asm/unistd.h \
  ../linux/arch/x86/include/uapi/asm/unistd.h \
  ../build/x86-pw-bench/arch/x86/include/generated/uapi/asm/unistd_64.h \
  ../build/x86-pw-bench/arch/x86/include/generated/asm/unistd_64_x32.h \
  ../build/x86-pw-bench/arch/x86/include/generated/asm/unistd_32_ia32.h \
  ../linux/arch/x86/include/asm/vdso.h \
  ../linux/include/uapi/linux/elf.h \
  ../linux/include/linux/kobject.h \
    $(wildcard include/config/UEVENT_HELPER) \
    $(wildcard include/config/DEBUG_KOBJECT_RELEASE) \
  ../linux/include/linux/sysfs.h \
  ../linux/include/linux/kernfs.h \
    $(wildcard include/config/KERNFS) \
  ../linux/include/linux/idr.h \
  ../linux/include/linux/radix-tree.h \
  ../linux/include/linux/xarray.h \
    $(wildcard include/config/XARRAY_MULTI) \
  ../linux/include/linux/sched/mm.h \
    $(wildcard include/config/MMU_LAZY_TLB_REFCOUNT) \
    $(wildcard include/config/ARCH_HAS_MEMBARRIER_CALLBACKS) \
    $(wildcard include/config/ARCH_HAS_SYNC_CORE_BEFORE_USERMODE) \
  ../linux/include/linux/sync_core.h \
    $(wildcard include/config/ARCH_HAS_PREPARE_SYNC_CORE_CMD) \
  ../linux/arch/x86/include/asm/sync_core.h \
  ../linux/include/linux/sched/coredump.h \
  ../linux/include/linux/kobject_ns.h \
  ../linux/include/linux/moduleparam.h \
    $(wildcard include/config/ALPHA) \
    $(wildcard include/config/PPC64) \
  ../linux/include/linux/rbtree_latch.h \
  ../linux/include/linux/error-injection.h \
  ../linux/include/asm-generic/error-injection.h \
  ../linux/include/linux/dynamic_debug.h \
  ../linux/arch/x86/include/asm/module.h \
  ../linux/include/asm-generic/module.h \
    $(wildcard include/config/HAVE_MOD_ARCH_SPECIFIC) \
  ../linux/include/linux/build-salt.h \
    $(wildcard include/config/BUILD_SALT) \
  ../linux/include/linux/elfnote.h \
  ../linux/include/linux/elfnote-lto.h \
    $(wildcard include/config/LTO) \
  ../linux/include/linux/vermagic.h \
    $(wildcard include/config/PREEMPT_BUILD) \
  ../build/x86-pw-bench/include/generated/utsrelease.h \
  ../linux/arch/x86/include/asm/vermagic.h \
    $(wildcard include/config/M586TSC) \
    $(wildcard include/config/M586MMX) \
    $(wildcard include/config/MATOM) \
    $(wildcard include/config/M686) \
    $(wildcard include/config/MPENTIUMII) \
    $(wildcard include/config/MPENTIUMIII) \
    $(wildcard include/config/MPENTIUMM) \
    $(wildcard include/config/MPENTIUM4) \
    $(wildcard include/config/MK6) \
    $(wildcard include/config/MK7) \
    $(wildcard include/config/MCRUSOE) \
    $(wildcard include/config/MEFFICEON) \
    $(wildcard include/config/MCYRIXIII) \
    $(wildcard include/config/MVIAC3_2) \
    $(wildcard include/config/MVIAC7) \
    $(wildcard include/config/MGEODEGX1) \
    $(wildcard include/config/MGEODE_LX) \
  ../linux/arch/x86/include/asm/orc_header.h \
  ../build/x86-pw-bench/arch/x86/include/generated/asm/orc_hash.h \

.module-common.o: $(deps_.module-common.o)

$(deps_.module-common.o):

.module-common.o: $(wildcard /work/main/build/x86-pw-bench/tools/objtool/objtool)
