#!/bin/sh
# tools/kernel-profile: where the kernel spends the instructions of one
# bench operation. usage: tools/kernel-profile/profile.sh OP [FUNCTION]
# OP: null, scalar, lend4, lend64, thread (kernel/target-tests'
# prof-client); with FUNCTION, that function's instructions, each with its
# count per operation. Run `./x bench kernel` first (it builds the kernel,
# the runner bundle and target/bench/runner); the same XDG_* as for ./x.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tools/kernel-profile
work=$root/target/kernel-profile
mkdir -p "$work"
cc -shared -fPIC -O2 -o "$work/plugin.so" "$here/plugin.c"
toolchain=${XDG_DATA_HOME:-$HOME/.local/share}/xous/toolchains/xous/bin
(cd "$root/kernel/target-tests" && PROF_OP=$1 RUSTC=$toolchain/rustc "$toolchain/cargo" build --release --quiet --bin prof-client)
kernel=$root/kernel/target/riscv32imac-unknown-none-elf/release/xous-kernel
bin=$root/kernel/target-tests/target/riscv32imac-unknown-xous-elf/release
XOUS_RUNNER_HOME=$root/target/bench/runner xous-run --icount --timeout 60 --kernel "$kernel" \
    --qemu-arg -plugin --qemu-arg "$work/plugin.so,out=$work/$1.out" \
    --service bench-server="$bin/bench-server" "$bin/prof-client" >/dev/null
python3 "$here/symbols.py" "$kernel" "$work/$1.out" 100 ${2:+"$2"}
