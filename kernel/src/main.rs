//! The kernel binary: everything happens in `arch` (boot, traps) and the
//! library; this file only exists so there is an executable to link.
#![no_std]
#![no_main]

#[cfg(target_arch = "riscv32")]
use xous_kernel as _;
