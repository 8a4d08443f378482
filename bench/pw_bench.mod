./pw_bench.o
