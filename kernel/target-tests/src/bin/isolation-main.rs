//! The main process of the isolation test: lets the victims run (and die),
//! then checks it is still alive and can still use the kernel, and exits 0.
#![no_std]
#![no_main]

use kernel_target_tests::{check, println, syscall, Syscall, SyscallResult};

fn main(_params: usize) -> usize {
    for _ in 0..2000 {
        syscall(Syscall::Yield, &[]);
    }
    let r = syscall(Syscall::GetProcessId, &[]);
    check!(r[0] == SyscallResult::ProcessId as usize, "the kernel still answers: {:?}", r);
    println!("isolation: survived the victims");
    0
}

kernel_target_tests::entry!(main);
