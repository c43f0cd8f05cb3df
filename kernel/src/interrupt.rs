//! Interrupts owned by processes. A process claims an interrupt with a
//! handler address; when it fires, the kernel runs the handler in that
//! process (in the process's interrupt context, on its interrupt stack,
//! a0 = irq, a1 = the claim's argument) ahead of every thread. Returning to
//! the magic address 0xff80_2000 ends the handler; only then is the
//! interrupt completed at the controller, so it cannot fire again meanwhile.

use crate::kernel::{Kernel, Platform};
use crate::mem::pte;
use crate::sched::{Move, ThreadRef};
use crate::slot::Slot;
use crate::syscall::{Handled, Outcome};
use crate::thread::{ThreadState, INTERRUPT_CONTEXT};
use xous_abi::memory::{self, RETURN_FROM_INTERRUPT};
use xous_abi::Error;

/// Interrupt numbers the kernel can track (the board says which exist).
pub const MAX_IRQS: usize = 128;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub pid: u8,
    pub handler: usize,
    pub arg: usize,
    /// The handler is running (the interrupt is not completed yet).
    pub in_service: bool,
    /// It fired again while its process was busy with another handler.
    pub pending: bool,
}

pub struct Irqs {
    pub claims: [Slot<Claim>; MAX_IRQS],
}

impl Irqs {
    pub const fn new() -> Irqs {
        Irqs { claims: [Slot::Empty; MAX_IRQS] }
    }

    pub fn claim(&self, irq: usize) -> Option<Claim> {
        self.claims.get(irq).and_then(Slot::get)
    }

    pub fn claim_mut(&mut self, irq: usize) -> Option<&mut Claim> {
        self.claims.get_mut(irq).and_then(Slot::as_mut)
    }

    /// Interrupts of `pid` waiting for its handler to be free.
    pub fn next_pending(&self, pid: u8) -> Option<usize> {
        (0..MAX_IRQS).find(|&i| self.claim(i).is_some_and(|c| c.pid == pid && c.pending))
    }

    /// The interrupt `pid`'s handler is serving now.
    pub fn in_service(&self, pid: u8) -> Option<usize> {
        (0..MAX_IRQS).find(|&i| self.claim(i).is_some_and(|c| c.pid == pid && c.in_service))
    }
}

impl<P: Platform> Kernel<P> {
    /// Interrupt `irq` fired: run its owner's handler now, or as soon as
    /// that process's handler is free. Unclaimed interrupts are completed.
    pub fn interrupt(&mut self, irq: usize) {
        let Some(claim) = self.irqs.claim(irq) else {
            self.hw.complete_irq(irq);
            return;
        };
        let busy = self.procs.get(claim.pid).is_some_and(|p| p.threads[INTERRUPT_CONTEXT as usize] != ThreadState::Free);
        if busy {
            self.irqs.claim_mut(irq).expect("claimed").pending = true;
            return;
        }
        self.start_handler(irq, claim.pid, claim.handler, claim.arg);
    }

    fn start_handler(&mut self, irq: usize, pid: u8, handler: usize, arg: usize) {
        let t = ThreadRef { pid, tid: INTERRUPT_CONTEXT };
        self.start_context(t, handler, INTERRUPT_STACK_TOP, RETURN_FROM_INTERRUPT, &[irq, arg]);
        let claim = self.irqs.claim_mut(irq).expect("claimed");
        claim.in_service = true;
        claim.pending = false;
        // The handler runs first; the interrupted thread right after it.
        self.preempt_to_front();
        self.set_state(t, ThreadState::Ready, Move::Front);
    }

    /// The handler of `pid` returned: complete its interrupt, start the next.
    pub(crate) fn interrupt_done(&mut self, pid: u8) {
        let t = ThreadRef { pid, tid: INTERRUPT_CONTEXT };
        self.set_state(t, ThreadState::Free, Move::Off);
        if let Some(irq) = self.irqs.in_service(pid) {
            self.irqs.claim_mut(irq).expect("claimed").in_service = false;
            self.hw.complete_irq(irq);
        }
        if let Some(irq) = self.irqs.next_pending(pid) {
            let c = self.irqs.claim(irq).expect("claimed");
            self.start_handler(irq, pid, c.handler, c.arg);
        }
    }

    /// Gives up every interrupt `pid` claimed (it is ending).
    pub(crate) fn release_interrupts(&mut self, pid: u8) {
        for irq in 0..MAX_IRQS {
            if self.irqs.claim(irq).is_some_and(|c| c.pid == pid) {
                self.release_interrupt(irq);
            }
        }
    }

    /// Interrupt `irq`, which is claimed, is not any more: it is switched
    /// off, and completed if its handler was running.
    fn release_interrupt(&mut self, irq: usize) {
        let Some(claim) = self.irqs.claims[irq].take() else { return };
        self.hw.enable_irq(irq, false);
        if claim.in_service {
            self.hw.complete_irq(irq);
        }
    }
}

/// The top of the stack interrupt handlers run on (reserved at the first
/// ClaimInterrupt, backed when touched), in the region MapMemory leaves
/// alone: in the main stack's 4 MiB (below its guard page, loader.rs), so
/// a driver pays no second-level table for it.
pub const INTERRUPT_STACK_TOP: usize = 0x7fd0_0000;
pub const INTERRUPT_STACK_SIZE: usize = 16 * 1024;

/// ClaimInterrupt(irq, handler, arg). Errors: InterruptNotFound (no such
/// interrupt), InterruptInUse (claimed already), BadAddress (handler).
#[inline(never)]
pub fn claim_interrupt<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, irq: usize, handler: usize, arg: usize) -> Handled {
    if irq == 0 || irq >= MAX_IRQS || !k.hw.irq_exists(irq) {
        return Err(Error::InterruptNotFound);
    }
    if k.irqs.claim(irq).is_some() {
        return Err(Error::InterruptInUse);
    }
    if handler == 0 || handler >= memory::USER_END {
        return Err(Error::BadAddress);
    }
    let stack = INTERRUPT_STACK_TOP - INTERRUPT_STACK_SIZE;
    let space = k.procs.get(t.pid).ok_or(Error::ProcessNotFound)?.space;
    if space.entry(&mut k.hw, stack) == 0 {
        k.reserve(t.pid, stack, INTERRUPT_STACK_SIZE, pte::R | pte::W)?;
    }
    k.irqs.claims[irq] = Slot::Full(Claim { pid: t.pid, handler, arg, in_service: false, pending: false });
    k.hw.enable_irq(irq, true);
    Ok(Outcome::Ok)
}

/// FreeInterrupt(irq). Errors: InterruptNotFound (not claimed by the caller).
#[inline(never)]
pub fn free_interrupt<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, irq: usize) -> Handled {
    k.irqs.claim(irq).filter(|c| c.pid == t.pid).ok_or(Error::InterruptNotFound)?;
    k.release_interrupt(irq);
    Ok(Outcome::Ok)
}
