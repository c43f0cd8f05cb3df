//! The kernel's benchmarks (`./x bench`), the main process: a null syscall,
//! a thread's whole life, and round trips to bench-server (a scalar, 4 KiB
//! and 64 KiB lent mutably), each reported in retired instructions per
//! operation. Every operation is checked once before and once after it is
//! measured, so a broken syscall fails the run instead of giving a number.
//! The measured calls go through `raw`, the eight registers as given (as
//! std's own wrappers do), not `syscall`, which first copies its arguments.
#![no_std]
#![no_main]

use kernel_target_tests::bench::{per_op, report, SERVER_NAME};
use kernel_target_tests::{check, entry, raw, syscall, Regs, Syscall, SyscallResult};
use xous_abi::memory::flags;
use xous_abi::message::InvokeType;
use xous_abi::services::sid_from_name;

const PAGE: usize = 4096;

fn main(_params: usize) -> usize {
    null_syscall();
    thread_create_join();
    let Some(sid) = sid_from_name(SERVER_NAME) else { return 2 };
    // Connect waits until bench-server has created its server.
    let r = syscall(Syscall::Connect, &sid.map(|w| w as usize));
    check!(r[0] == SyscallResult::ConnectionId as usize, "Connect to {}: {:?}", SERVER_NAME, r);
    let cid = r[1];
    scalar_roundtrip(cid);
    lend_mut_roundtrip(cid, "lend_mut_4k_roundtrip", 1);
    lend_mut_roundtrip(cid, "lend_mut_64k_roundtrip", 16);
    0
}

/// Measures `op` after checking its result with `ok`, and checks it again
/// afterwards: the loop itself runs unchecked, to count only the operation.
fn measure(name: &str, mut op: impl FnMut() -> Regs, ok: fn(&Regs) -> bool) {
    let first = op();
    check!(ok(&first), "{}: unexpected result {:?}", name, first);
    let value = per_op(&mut || {
        op();
    });
    let last = op();
    check!(ok(&last), "{}: unexpected result after measuring {:?}", name, last);
    report(name, value);
}

fn null_syscall() {
    measure("null_syscall", || raw([Syscall::GetProcessId as usize, 0, 0, 0, 0, 0, 0, 0]), |r| {
        r[0] == SyscallResult::ProcessId as usize
    });
}

extern "C" fn returns_at_once() -> usize {
    7
}

fn thread_create_join() {
    let stack = syscall(Syscall::MapMemory, &[0, 0, PAGE, flags::R | flags::W]);
    check!(stack[0] == SyscallResult::MemoryRange as usize, "MapMemory for a stack: {:?}", stack);
    let stack = stack[1];
    let entry = returns_at_once as *const () as usize;
    measure(
        "thread_create_join",
        || {
            let tid = raw([Syscall::CreateThread as usize, entry, stack, PAGE, 0, 0, 0, 0])[1];
            raw([Syscall::JoinThread as usize, tid, 0, 0, 0, 0, 0, 0])
        },
        |r| r[0] == SyscallResult::Scalar1 as usize && r[1] == 7,
    );
}

fn scalar_roundtrip(cid: usize) {
    let kind = InvokeType::BlockingScalar as usize;
    measure("scalar_roundtrip", || raw([Syscall::SendMessage as usize, cid, kind, 1, 2, 3, 4, 5]), |r| {
        r[0] == SyscallResult::Scalar1 as usize
    });
}

/// A MutableBorrow of `pages` pages, returned at once by the server. The
/// buffer is written first, so every page is backed before it is measured.
fn lend_mut_roundtrip(cid: usize, name: &str, pages: usize) {
    let len = pages * PAGE;
    let buffer = syscall(Syscall::MapMemory, &[0, 0, len, flags::R | flags::W]);
    check!(buffer[0] == SyscallResult::MemoryRange as usize, "MapMemory for a buffer: {:?}", buffer);
    let addr = buffer[1];
    // SAFETY: the pages the kernel just mapped for us, read-write.
    unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) }.fill(1);
    let kind = InvokeType::LendMut as usize;
    measure(name, || raw([Syscall::SendMessage as usize, cid, kind, 2, addr, len, 0, 0]), |r| {
        r[0] == SyscallResult::MemoryReturned as usize
    });
}

entry!(main);
