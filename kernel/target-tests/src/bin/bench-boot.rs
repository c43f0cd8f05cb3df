//! Boot time for `./x bench`: booted as the first process, it reads the
//! instruction counter in its very first instructions (QEMU starts it at 0
//! at reset) and reports `boot_to_first_process`; then it checks it was
//! indeed the first process and leaves.
#![no_std]
#![no_main]

use kernel_target_tests::bench::report;
use kernel_target_tests::{check, exit, syscall, Syscall};

/// The first process the kernel starts.
const FIRST_PID: usize = xous_abi::platform::FIRST_USER_PID as usize;

// The entry point reads `instret` before anything else: before the stack is
// touched, whose first use costs a page fault that is not part of booting.
// The counter goes to `probe` in a2 (high) and a3 (low); a0 and a1 are the
// loader's arguments, passed on untouched.
core::arch::global_asm!(
    ".section .text._start, \"ax\"",
    ".global _start",
    "_start:",
    "1: rdinstreth a2",
    "rdinstret a3",
    "rdinstreth a4",
    "bne a2, a4, 1b",
    "j {probe}",
    probe = sym probe,
);

/// `lo` was read by the process's second instruction: one instruction of
/// the process went before it.
extern "C" fn probe(_eh_frame: usize, _params: usize, hi: u32, lo: u32) -> ! {
    let before_first_instruction = ((u64::from(hi) << 32) | u64::from(lo)) - 1;
    let pid = syscall(Syscall::GetProcessId, &[])[1];
    check!(pid == FIRST_PID, "bench-boot runs as process {}, not the first process", pid);
    report("boot_to_first_process", before_first_instruction);
    exit(0)
}
