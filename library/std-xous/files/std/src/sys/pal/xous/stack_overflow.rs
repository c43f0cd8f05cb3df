//! A thread that overflows its stack gets the report std gives on other
//! platforms ("thread 'NAME' has overflowed its stack", then "fatal runtime
//! error: stack overflow, aborting") instead of a bare page fault.
//!
//! The kernel knows every thread's stack (the one CreateThread was given,
//! the main thread's) and judges whether a fault is an overflow of it
//! (`abi::platform::EXCEPTION_STACK_OVERFLOW`); it has no thread names,
//! which only std knows. So at start-up std registers an exception handler
//! (SetExceptionHandler) on a small stack of its own; for a fault the
//! kernel marks as an overflow, the handler prints the faulting thread's
//! name (it runs on that thread, with its thread pointer, so the name is
//! read as in a signal handler on Unix, without allocating). For every
//! fault it then removes itself and returns: the faulting instruction runs
//! again, faults again with no handler, and the kernel ends the process
//! with its own line, for an overflow with exit code
//! `abi::platform::STACK_OVERFLOW_EXIT_CODE` (134). Other faults end as
//! they did before, with the kernel's report.

use core::arch::asm;

use crate::os::xous::ffi::{MemoryFlags, map_memory};
use crate::sys::pal::abi;
use crate::sys::pal::abi::platform::EXCEPTION_STACK_OVERFLOW;

/// The handler's stack: printing a line with the formatting machinery
/// needs a few KiB, and more with stdio's redirection (a first print
/// connects to the log service by name): 16 KiB overflowed there. Mapped
/// lazily by the kernel, so only the pages the handler touches (none
/// until a fault) take memory.
const HANDLER_STACK_SIZE: usize = 64 * 1024;

const SET_EXCEPTION_HANDLER: usize = abi::syscall::Syscall::SetExceptionHandler as usize;

/// Registers the handler. Without memory for its stack, or on a kernel
/// that refuses it, faults end the process as before, unnamed.
pub(super) fn init() {
    // SAFETY: a fresh anonymous mapping, chosen by the kernel: it aliases
    // nothing. It is never unmapped (the handler may run until the end).
    let stack = unsafe { map_memory::<u8>(None, None, HANDLER_STACK_SIZE, MemoryFlags::R | MemoryFlags::W) };
    if let Ok(stack) = stack {
        let top = stack.as_mut_ptr().addr() + HANDLER_STACK_SIZE;
        set_handler(handler as usize, top);
    }
}

/// SetExceptionHandler(pc, sp); pc 0 removes the handler.
fn set_handler(pc: usize, sp: usize) {
    // SAFETY: the call changes only the kernel's record of this process's
    // handler; it reads and writes none of our memory, and the registers
    // it answers in are marked clobbered.
    unsafe {
        asm!(
            "ecall",
            inlateout("a0") SET_EXCEPTION_HANDLER => _,
            inlateout("a1") pc => _,
            inlateout("a2") sp => _,
            out("a3") _, out("a4") _, out("a5") _, out("a6") _, out("a7") _,
            options(nostack),
        );
    }
}

/// The report's text, made on the handler's stack (no allocation in a
/// fault handler); a name too long for it is cut at a character.
struct Line {
    bytes: [u8; 512],
    len: usize,
}

impl Line {
    fn as_str(&self) -> &str {
        let bytes = &self.bytes[..self.len];
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        }
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Runs on the faulting thread, on the handler's stack: a0 the RISC-V
/// cause, a1 the address, a2 the pc, a3 whether the kernel judged it a
/// stack overflow. Returning resumes the faulting instruction.
extern "C" fn handler(_cause: usize, _address: usize, _pc: usize, overflow: usize) {
    if overflow == EXCEPTION_STACK_OVERFLOW {
        crate::thread::with_current_name(|name| {
            let name = name.unwrap_or("<unnamed>");
            // Made whole first and written once: stderr sends each piece of
            // a format to the log service as it comes, and the kernel's own
            // line (the process ending) would land between them.
            let mut line = Line { bytes: [0; 512], len: 0 };
            let _ = core::fmt::Write::write_fmt(&mut line, format_args!("\nthread '{name}' has overflowed its stack\nfatal runtime error: stack overflow, aborting\n"));
            rtprintpanic!("{}", line.as_str());
        });
    }
    // The kernel reports the fault and ends the process when it comes again.
    set_handler(0, 0);
}
