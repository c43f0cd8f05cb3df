//! Memory, thread and identity syscalls from user mode, each error path
//! included. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel_target_tests::{check, entry, error_of, println, raw, syscall, Error, Syscall, SyscallResult};
use xous_abi::limits::MAX_THREADS;
use xous_abi::memory::flags;

static TOUCHED: AtomicUsize = AtomicUsize::new(0);
/// Workers wait for this before they return, so that while the thread
/// table is being filled no slot is freed (an exited thread's slot is reused).
static RELEASE: AtomicUsize = AtomicUsize::new(0);

fn main(_params: usize) -> usize {
    identity();
    memory();
    heap();
    threads();
    println!("syscalls: all checks passed");
    0
}

fn identity() {
    let r = syscall(Syscall::GetProcessId, &[]);
    check!(r[0] == SyscallResult::ProcessId as usize && r[1] >= 2, "GetProcessId: {:?}", r);
    let r = syscall(Syscall::GetThreadId, &[]);
    check!(r[0] == SyscallResult::ThreadId as usize && r[1] >= 1, "GetThreadId: {:?}", r);
    for n in [0, 1, 47, 999, usize::MAX] {
        check!(error_of(raw([n, 1, 2, 3, 4, 5, 6, 7])) == Some(Error::UnhandledSyscall), "syscall {n}");
    }
    check!(syscall(Syscall::Yield, &[])[0] == 0, "Yield");
}

fn memory() {
    let rw = flags::R | flags::W;
    let r = syscall(Syscall::MapMemory, &[0, 0, 3 * 4096, rw]);
    check!(r[0] == SyscallResult::MemoryRange as usize && r[2] == 3 * 4096, "MapMemory: {:?}", r);
    let base = r[1];
    for page in 0..3 {
        let p = (base + page * 4096) as *mut u32;
        // SAFETY: the kernel just mapped these pages for us, read-write.
        unsafe {
            check!(p.read_volatile() == 0, "fresh memory is zero");
            p.write_volatile(0xdead_0000 + page as u32);
            check!(p.read_volatile() == 0xdead_0000 + page as u32, "memory keeps what is written");
        }
    }
    check!(error_of(syscall(Syscall::MapMemory, &[0, 0, 100, rw])) == Some(Error::BadAlignment), "partial page");
    check!(error_of(syscall(Syscall::MapMemory, &[0, 0xff00_0000, 4096, rw])) == Some(Error::BadAddress), "kernel space");
    check!(error_of(syscall(Syscall::MapMemory, &[0, base, 4096, rw])) == Some(Error::MemoryInUse), "overlap");
    check!(error_of(syscall(Syscall::MapMemory, &[0, 0, 4096, 0x4000])) == Some(Error::InvalidArgument), "flags");
    check!(error_of(syscall(Syscall::UpdateMemoryFlags, &[base, 4096, rw | flags::X])) == Some(Error::AccessDenied), "adding X");
    check!(syscall(Syscall::UpdateMemoryFlags, &[base, 4096, flags::R])[0] == 0, "dropping W");
    check!(syscall(Syscall::UnmapMemory, &[base, 3 * 4096])[0] == 0, "UnmapMemory");
    check!(error_of(syscall(Syscall::UnmapMemory, &[base, 4096])) == Some(Error::BadAddress), "unmapping twice");
    check!(error_of(syscall(Syscall::UnmapMemory, &[base + 1, 4096])) == Some(Error::BadAlignment), "unaligned unmap");
}

fn heap() {
    let r = syscall(Syscall::IncreaseHeap, &[2 * 4096, flags::R | flags::W]);
    check!(r[0] == SyscallResult::MemoryRange as usize && r[2] == 2 * 4096, "IncreaseHeap: {:?}", r);
    let p = (r[1] + 4096) as *mut u8;
    // SAFETY: the heap's new second page.
    unsafe { p.write_volatile(5) };
    let r = syscall(Syscall::IncreaseHeap, &[0, 0]);
    check!(r[2] >= 2 * 4096, "heap size {}", r[2]);
    check!(error_of(syscall(Syscall::IncreaseHeap, &[1 << 30, flags::R | flags::W])) == Some(Error::OutOfMemory), "over the limit");
    check!(syscall(Syscall::DecreaseHeap, &[4096])[0] == SyscallResult::MemoryRange as usize, "DecreaseHeap");
}

extern "C" fn worker(value: usize) -> usize {
    TOUCHED.fetch_add(1, Ordering::SeqCst);
    while RELEASE.load(Ordering::SeqCst) == 0 {
        syscall(Syscall::Yield, &[]);
    }
    value * 2
}

fn threads() {
    // A page of stack for each thread a process may have.
    let stack = syscall(Syscall::MapMemory, &[0, 0, MAX_THREADS * 4096, flags::R | flags::W])[1];
    let entry = worker as *const () as usize;
    RELEASE.store(1, Ordering::SeqCst);
    let r = syscall(Syscall::CreateThread, &[entry, stack, 4096, 21]);
    check!(r[0] == SyscallResult::ThreadId as usize, "CreateThread: {:?}", r);
    let joined = syscall(Syscall::JoinThread, &[r[1]]);
    check!(joined[0] == SyscallResult::Scalar1 as usize && joined[1] == 42, "JoinThread: {:?}", joined);
    check!(error_of(syscall(Syscall::JoinThread, &[r[1]])) == Some(Error::ThreadNotAvailable), "joining twice");
    let me = syscall(Syscall::GetThreadId, &[])[1];
    check!(error_of(syscall(Syscall::JoinThread, &[me])) == Some(Error::InvalidThread), "joining itself");
    check!(error_of(syscall(Syscall::CreateThread, &[entry, stack + 2, 4096, 0])) == Some(Error::BadAlignment), "odd stack");
    // Fill the thread table: MAX_THREADS - 1 more fit beside this one (ids
    // past 31 in the kernel's on-demand frames), and none may finish (and
    // free its slot) before the table is full.
    RELEASE.store(0, Ordering::SeqCst);
    let mut made = 0;
    let mut tids = [0usize; MAX_THREADS];
    loop {
        let r = syscall(Syscall::CreateThread, &[entry, stack + made * 4096, 4096, made]);
        if let Some(e) = error_of(r) {
            check!(e == Error::ThreadNotAvailable, "thread limit error {:?}", e);
            break;
        }
        tids[made] = r[1];
        made += 1;
        check!(made < MAX_THREADS, "more threads than the limit");
    }
    check!(made == MAX_THREADS - 1, "created {} threads", made);
    RELEASE.store(1, Ordering::SeqCst);
    for (i, tid) in tids[..made].iter().enumerate() {
        let r = syscall(Syscall::JoinThread, &[*tid]);
        check!(r[1] == i * 2, "thread {} returned {}", tid, r[1]);
    }
    check!(TOUCHED.load(Ordering::SeqCst) == MAX_THREADS, "every thread ran");
}

entry!(main);
