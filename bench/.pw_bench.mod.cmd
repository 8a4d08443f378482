savedcmd_pw_bench.mod := printf '%s\n'   pw_bench.o | awk '!x[$$0]++ { print("./"$$0) }' > pw_bench.mod
