savedcmd_Module.symvers :=  /work/main/build/x86-pw-bench/scripts/mod/modpost -M     -E     -o Module.symvers -T modules.order -i /work/main/build/x86-pw-bench/Module.symvers -e 
