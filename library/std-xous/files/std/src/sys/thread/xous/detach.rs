//! A thread no one will join is detached, so that the kernel frees its slot
//! when it ends.
//!
//! Upstream never tells the kernel that a `JoinHandle` was dropped, so the
//! slots (31 per process) of ended, unjoined threads stay taken, and a
//! kernel that hands them to new threads can give the slot of a thread
//! still to be joined to another; the join then waits for the wrong thread,
//! or finds none (seen in std's own tests as "the specified thread does
//! not exist"). Our kernel has a call for it, DETACH_THREAD
//! (`abi/src/platform.rs` in the repository, which std includes as
//! `sys::pal::abi`), and once a process uses it
//! never reuses a slot that is still to be joined; `declare` uses it before
//! the first thread starts. A kernel without the call answers an error, and
//! nothing changes.

use core::arch::asm;

use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sys::pal::abi;
use crate::sys::pal::abi::platform::DETACH_THREAD;

/// `declare` has been called in this process.
static DECLARED: AtomicBool = AtomicBool::new(false);

/// PlatformSpecific: the Xous syscall whose meaning each platform chooses.
const PLATFORM_SPECIFIC: usize = abi::syscall::Syscall::PlatformSpecific as usize;

/// Tells the kernel, once, that this process detaches what it does not join
/// (tid 0, which no thread has).
pub(super) fn declare() {
    if !DECLARED.swap(true, Ordering::Relaxed) {
        detach(0);
    }
}

pub(super) fn detach(tid: usize) {
    // SAFETY: the call changes only the kernel's record of thread `tid` of
    // this process; it reads and writes none of our memory, and the
    // registers it answers in are marked clobbered.
    unsafe {
        asm!(
            "ecall",
            inlateout("a0") PLATFORM_SPECIFIC => _,
            inlateout("a1") DETACH_THREAD => _,
            inlateout("a2") tid => _,
            out("a3") _, out("a4") _, out("a5") _, out("a6") _, out("a7") _,
            options(nostack),
        );
    }
}
