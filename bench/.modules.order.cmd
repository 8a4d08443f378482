savedcmd_modules.order := {   echo pw_bench.o; :; } > modules.order
