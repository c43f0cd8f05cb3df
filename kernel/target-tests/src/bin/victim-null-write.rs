//! Isolation: writes through a null pointer; the kernel must end this process.
#![no_std]
#![no_main]

fn main(_params: usize) -> usize {
    // SAFETY: deliberately invalid: nothing is mapped at 0; the write must fault.
    unsafe { (0x10 as *mut u32).write_volatile(1) };
    0
}

kernel_target_tests::entry!(main);
