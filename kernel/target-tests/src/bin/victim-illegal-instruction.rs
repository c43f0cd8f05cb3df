//! Isolation: executes an illegal instruction; the kernel must end this process.
#![no_std]
#![no_main]

fn main(_params: usize) -> usize {
    // SAFETY: deliberately invalid: `unimp` traps as an illegal instruction.
    unsafe { core::arch::asm!("unimp") };
    0
}

kernel_target_tests::entry!(main);
