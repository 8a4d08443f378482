# SPDX-License-Identifier: GPL-2.0
# PW locks: harness entry points.  Each target runs one script in scripts/.
# The two commands a new machine needs: "make demo" and "make test".

V ?= x86-pw
ARGS ?=
ARCH ?= um

.PHONY: demo test test-full torture census setup reapply export build boot kunit checkpatch series bisect w1 bench bench-cost bench-drain bench-wait bench-memcg cost

demo:		## build the patched kernel, boot it with an isolated CPU, summarise
	scripts/demo.sh
test:		## the test matrix CI runs, ending in "N passed, N failed, N skipped"
	scripts/test.sh
test-full:	## make test plus the production config, JUMP_LABEL, UP, base, KASAN, KCSAN, oslat, kunit.py
	scripts/test.sh --full
SECONDS_EACH ?= 600
torture: setup	## locktorture pw_* types, on/off, RT and not: make torture SECONDS_EACH=600
	scripts/torture.sh $(SECONDS_EACH)
census: setup	## what still reaches an isolated CPU from mm/, per isolation form and mode
	scripts/census.sh
setup:		## packages, verified base, kernel tree at linux/ with patches/ applied
	scripts/setup.sh
reapply:	## reset linux/ (branch pwlocks) to base + patches/
	scripts/setup.sh --reapply
export:		## linux/ commits -> patches/ (git format-patch)
	scripts/export.sh
build: setup	## one variant: make build V=x86-pw-lockdep
	scripts/build.sh $(V)
boot: build	## one boot: make boot V=x86-pw ARGS="pwlocks=1 pwtest=smoke"
	scripts/boot.sh $(V) $(ARGS)
kunit: setup	## KUnit: make kunit ARCH=um|x86_64|x86_64-rt ARGS=pwlocks=1
	scripts/kunit.sh $(ARCH) $(ARGS)
checkpatch:	## checkpatch.pl --strict on every patch
	scripts/checkpatch.sh
series:	setup	## git am + export round trip
	scripts/check-series.sh
bisect: setup	## every patch builds on its own
	scripts/build-each.sh $(V)
w1: setup	## W=1 on the C files the series touches: make w1 V=x86-pw
	scripts/build.sh $(V) && scripts/build-w1.sh $(V)
bench: bench-cost bench-drain bench-wait bench-memcg	## all benchmarks below
bench-cost: setup	## owner-side cost: base, PWLOCKS=n, off, on (icount and UML)
	scripts/bench-cost.sh
bench-drain: setup	## lru_add_drain_all() cost, off vs on, 2..16 CPUs
	scripts/bench-drain.sh
bench-wait: setup	## what the task on an isolated CPU waits for, off vs on
	scripts/bench-wait.sh
bench-memcg: setup	## memcg's charge paths: base, PWLOCKS=n, off, auto, on (icount)
	scripts/bench-memcg.sh
cost: setup	## disassembly of the owner-CPU fast path: PWLOCKS=n vs y
	scripts/cost-disasm.sh
