//! SetExceptionHandler from user mode: a read of an unmapped page runs the
//! handler, which maps the page and returns; the read is retried and
//! succeeds. Exits 0 when every check holds.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel_target_tests::{check, entry, error_of, println, syscall, Error, Syscall, SyscallResult};
use xous_abi::memory::flags;

static CALLS: AtomicUsize = AtomicUsize::new(0);
static CAUSE: AtomicUsize = AtomicUsize::new(0);
const HOLE: usize = 0x5000_0000;

extern "C" fn handler(cause: usize, address: usize, _pc: usize) {
    CALLS.fetch_add(1, Ordering::SeqCst);
    CAUSE.store(cause, Ordering::SeqCst);
    syscall(Syscall::MapMemory, &[0, address & !0xfff, 4096, flags::R | flags::W]);
}

fn main(_params: usize) -> usize {
    let stack = syscall(Syscall::MapMemory, &[0, 0, 4 * 4096, flags::R | flags::W]);
    check!(stack[0] == SyscallResult::MemoryRange as usize, "handler stack: {:?}", stack);
    let set = |pc: usize, sp: usize| syscall(Syscall::SetExceptionHandler, &[pc, sp]);
    check!(error_of(set(0xff40_0000, stack[1] + 4 * 4096)) == Some(Error::BadAddress), "handler in kernel space");
    check!(set(handler as *const () as usize, stack[1] + 4 * 4096)[0] == 0, "SetExceptionHandler");
    // SAFETY: deliberately unmapped: the handler maps it, then the read is retried.
    let value = unsafe { (HOLE as *const u32).read_volatile() };
    check!(value == 0 && CALLS.load(Ordering::SeqCst) == 1, "value {} after {} handler calls", value, CALLS.load(Ordering::SeqCst));
    check!(CAUSE.load(Ordering::SeqCst) == 13, "cause {} (13 = load page fault)", CAUSE.load(Ordering::SeqCst));
    println!("exception: the handler mapped the page and the read was retried");
    0
}

entry!(main);
