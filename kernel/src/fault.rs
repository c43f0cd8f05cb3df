//! Faults of user threads: what a page fault, access fault, illegal or
//! misaligned instruction does (back a lazy page, bring back a cold or
//! swapped-out one (swap/mod.rs), end a returning thread or
//! interrupt handler, run the process's exception handler, or end the
//! process with a one-line report; a stack overflow is named as one), and
//! SetExceptionHandler.

use crate::arch::riscv::isa::FAULTS;
use crate::kernel::{Kernel, Platform};
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use crate::thread::{reg, CONTEXT_WORDS, INTERRUPT_CONTEXT};
use xous_abi::memory::{self, RETURN_FROM_EXCEPTION, RETURN_FROM_INTERRUPT, RETURN_FROM_THREAD};
use xous_abi::platform::{EXCEPTION_STACK_OVERFLOW, STACK_OVERFLOW_EXIT_CODE};
use xous_abi::Error;

/// The most a stack pointer below its stack's bottom is taken to have
/// gone past it by (one frame); further below it is on another stack.
const LARGEST_FRAME: usize = 1024 * 1024;

/// Why a user thread trapped, other than a syscall or an interrupt.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    InstructionMisaligned,
    InstructionAccess,
    IllegalInstruction,
    Breakpoint,
    LoadMisaligned,
    LoadAccess,
    StoreMisaligned,
    StoreAccess,
    InstructionPage,
    LoadPage,
    StorePage,
}

impl Fault {
    /// The fault a RISC-V exception code (scause) stands for, if it is one
    /// a user thread can cause.
    pub fn from_cause(code: usize) -> Option<Fault> {
        FAULTS.iter().find(|f| f.1 == code).map(|f| f.0)
    }

    /// The RISC-V exception code (scause) of this fault.
    pub fn cause(self) -> usize {
        FAULTS.iter().find(|f| f.0 == self).map_or(0, |f| f.1)
    }

    /// Its name in a report.
    pub fn describe(self) -> &'static str {
        FAULTS.iter().find(|f| f.0 == self).map_or("fault", |f| f.2)
    }
}

impl<P: Platform> Kernel<P> {
    /// A user fault in thread `t`: back a lazy page, end a thread that
    /// returned to the exit address, or end the process with a report.
    pub fn fault(&mut self, t: ThreadRef, fault: Fault, pc: usize, address: usize) {
        let page = address & !(PAGE_SIZE - 1);
        if fault == Fault::InstructionPage && page == RETURN_FROM_THREAD && t.tid != INTERRUPT_CONTEXT {
            let value = self.reg(t, reg::A0);
            self.exit_thread(t, value);
            return;
        }
        if fault == Fault::InstructionPage && page == RETURN_FROM_INTERRUPT && t.tid == INTERRUPT_CONTEXT {
            self.interrupt_done(t.pid);
            return;
        }
        if fault == Fault::InstructionPage && page == RETURN_FROM_EXCEPTION {
            if self.exception_done(t) {
                return;
            }
        }
        if matches!(fault, Fault::InstructionPage | Fault::LoadPage | Fault::StorePage) {
            let space = self.procs.get(t.pid).expect("live").space;
            let entry = space.entry(&mut self.hw, page);
            let wanted = match fault {
                Fault::InstructionPage => pte::X,
                Fault::LoadPage => pte::R,
                _ => pte::W,
            };
            if pte::is_lazy(entry) && entry & wanted != 0 {
                if self.map_fresh(t.pid, page, entry & pte::RWX).is_err() {
                    self.end_for_fault(t.pid, format_args!("out of memory backing {address:#010x}"));
                }
                return;
            }
            if (pte::is_cold(entry) || pte::is_swapped(entry) || pte::is_stored(entry)) && entry & wanted != 0 {
                // A page that does not come back ends the process (with its report).
                if self.page_in_or_end(t.pid, page) == Err(Error::OutOfMemory) {
                    self.end_for_fault(t.pid, format_args!("out of memory bringing back {address:#010x}"));
                }
                return;
            }
        }
        let overflow = self.overflowed_stack(t, fault, address);
        if self.enter_exception_handler(t, fault, pc, address, overflow.is_some()) {
            return;
        }
        // pc and ra (its caller, unless the faulting function had called
        // another since): xous-run names both from the process's ELF.
        let ra = self.reg(t, reg::RA);
        let what = fault.describe();
        match overflow {
            Some(bottom) => self.end_faulted(
                t.pid,
                STACK_OVERFLOW_EXIT_CODE,
                format_args!("thread {} overflowed its stack ({what} at pc {pc:#010x}, ra {ra:#010x}, address {address:#010x}; the stack ends at {bottom:#010x})", t.tid),
            ),
            None => self.end_for_fault(t.pid, format_args!("{what} at pc {pc:#010x}, ra {ra:#010x}, address {address:#010x}")),
        }
    }

    /// Whether this fault of thread `t` is its stack overflowing, and if
    /// so the bottom of its stack: a load or store below that bottom,
    /// either in the page right below it (the guard page) or, when the
    /// stack pointer has gone below the bottom (by a frame larger than the
    /// guard page: the target has no stack probes), between a page below
    /// the stack pointer (a callee's first stores) and the bottom. A stack
    /// pointer more than `LARGEST_FRAME` below the bottom is on another
    /// stack (stacker's, say), not past this one. The rule is
    /// `xous_abi::platform::EXCEPTION_STACK_OVERFLOW`'s.
    fn overflowed_stack(&mut self, t: ThreadRef, fault: Fault, address: usize) -> Option<usize> {
        if !matches!(fault, Fault::LoadPage | Fault::StorePage) {
            return None;
        }
        let bottom = self.stack_bottom(t)?;
        let sp = self.reg(t, reg::SP);
        let in_guard = (bottom.saturating_sub(PAGE_SIZE)..bottom).contains(&address);
        let past = sp < bottom && bottom - sp <= LARGEST_FRAME;
        let in_frame = past && (sp.saturating_sub(PAGE_SIZE)..bottom).contains(&address);
        (in_guard || in_frame).then_some(bottom)
    }

    /// Runs the process's exception handler for this fault, if it has one
    /// and is not in it already.
    fn enter_exception_handler(&mut self, t: ThreadRef, fault: Fault, pc: usize, address: usize, overflow: bool) -> bool {
        let Some(p) = self.procs.get(t.pid) else { return false };
        let (Some((handler, sp)), None) = (p.exception_handler, p.in_exception) else { return false };
        if t.tid == INTERRUPT_CONTEXT {
            return false;
        }
        let (page, base) = self.context_slot(t);
        let saved: [u32; CONTEXT_WORDS] = self.hw.table(page)[base..base + CONTEXT_WORDS].try_into().expect("one context");
        self.procs.get_mut(t.pid).expect("live").in_exception = Some((t.tid, saved));
        self.set_reg(t, reg::PC, handler);
        self.set_reg(t, reg::SP, sp);
        self.set_reg(t, reg::RA, RETURN_FROM_EXCEPTION);
        self.set_reg(t, reg::A0, fault.cause());
        self.set_reg(t, reg::A0 + 1, address);
        self.set_reg(t, reg::A0 + 2, pc);
        self.set_reg(t, reg::A0 + 3, if overflow { EXCEPTION_STACK_OVERFLOW } else { 0 });
        true
    }

    /// The handler returned: the thread retries what faulted.
    fn exception_done(&mut self, t: ThreadRef) -> bool {
        let Some(p) = self.procs.get_mut(t.pid) else { return false };
        match p.in_exception {
            Some((tid, saved)) if tid == t.tid => {
                p.in_exception = None;
                let (page, base) = self.context_slot(t);
                self.hw.table(page)[base..base + CONTEXT_WORDS].copy_from_slice(&saved);
                true
            }
            _ => false,
        }
    }
}

/// SetExceptionHandler(pc, sp): faults of this process's threads run the
/// handler (a0 = RISC-V cause, a1 = address, a2 = pc, a3 = 1 for a stack
/// overflow, else 0) on stack `sp` instead of
/// ending the process; returning to 0xff80_4000 retries the faulting
/// instruction. pc = 0 removes the handler. Errors: BadAddress.
#[inline(never)]
pub fn set_exception_handler<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, pc: usize, sp: usize) -> Handled {
    if pc >= memory::USER_END || sp >= memory::USER_END || (pc != 0 && sp == 0) {
        return Err(Error::BadAddress);
    }
    let p = k.procs.get_mut(t.pid).ok_or(Error::ProcessNotFound)?;
    p.exception_handler = (pc != 0).then_some((pc, sp));
    Ok(Outcome::Ok)
}

