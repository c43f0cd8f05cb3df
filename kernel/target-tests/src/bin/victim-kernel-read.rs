//! Isolation: reads kernel memory; the kernel must end this process (and only it).
#![no_std]
#![no_main]

fn main(_params: usize) -> usize {
    // SAFETY: deliberately invalid: this address is the kernel's; the read must fault.
    let value = unsafe { (0xff40_1000 as *const u32).read_volatile() };
    value as usize
}

kernel_target_tests::entry!(main);
