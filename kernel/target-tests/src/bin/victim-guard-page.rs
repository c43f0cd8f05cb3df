//! Isolation: reads a guard page (mapped, then made "write-only", which means
//! no access, as std does for stack guards); the kernel must end this process.
#![no_std]
#![no_main]

use kernel_target_tests::{check, syscall, Syscall};
use xous_abi::memory::flags;

fn main(_params: usize) -> usize {
    let page = syscall(Syscall::MapMemory, &[0, 0, 4096, flags::R | flags::W])[1];
    check!(syscall(Syscall::UpdateMemoryFlags, &[page, 4096, flags::W])[0] == 0, "making a guard page");
    // SAFETY: deliberately invalid: a guard page; the read must fault.
    let value = unsafe { (page as *const u32).read_volatile() };
    value as usize
}

kernel_target_tests::entry!(main);
