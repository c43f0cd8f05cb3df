//! Traps: the cause numbers, taking an exception or an interrupt into M or
//! S mode (following medeleg/mideleg: a trap never goes to a less
//! privileged mode than the one it came from), and the returns from them.

use crate::cpu::{Cpu, Mode};

/// An exception the current instruction raised: its cause and `xtval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    pub cause: u32,
    pub tval: u32,
}

pub mod cause {
    pub const FETCH_MISALIGNED: u32 = 0;
    pub const FETCH_ACCESS: u32 = 1;
    pub const ILLEGAL: u32 = 2;
    pub const BREAKPOINT: u32 = 3;
    pub const LOAD_MISALIGNED: u32 = 4;
    pub const LOAD_ACCESS: u32 = 5;
    pub const STORE_MISALIGNED: u32 = 6;
    pub const STORE_ACCESS: u32 = 7;
    pub const ECALL_U: u32 = 8;
    pub const FETCH_PAGE: u32 = 12;
    pub const LOAD_PAGE: u32 = 13;
    pub const STORE_PAGE: u32 = 15;
    /// Interrupts (mcause with the top bit set).
    pub const S_SOFTWARE: u32 = 1;
    pub const S_TIMER: u32 = 5;
    pub const S_EXTERNAL: u32 = 9;
    pub const M_SOFTWARE: u32 = 3;
    pub const M_TIMER: u32 = 7;
    pub const M_EXTERNAL: u32 = 11;
}

pub fn illegal(instruction: u32) -> Exception {
    Exception { cause: cause::ILLEGAL, tval: instruction }
}

// mstatus bits.
pub const SIE: u32 = 1 << 1;
pub const MIE: u32 = 1 << 3;
pub const SPIE: u32 = 1 << 5;
pub const MPIE: u32 = 1 << 7;
pub const SPP: u32 = 1 << 8;
pub const MPP_SHIFT: u32 = 11;
pub const MPP: u32 = 3 << MPP_SHIFT;
pub const MPRV: u32 = 1 << 17;
pub const SUM: u32 = 1 << 18;
pub const MXR: u32 = 1 << 19;

impl Cpu {
    /// Takes a trap: an exception, or an interrupt if `interrupt`.
    pub fn take_trap(&mut self, cause: u32, interrupt: bool, tval: u32) {
        let delegated = if interrupt { self.csr.mideleg } else { self.csr.medeleg } >> cause & 1 == 1;
        let mcause = cause | if interrupt { 1 << 31 } else { 0 };
        if self.trace_traps {
            eprintln!("bao1x-emu: trap {mcause:#x} at pc {:#010x}, tval {tval:#010x}, from {:?} mode", self.pc, self.mode);
        }
        let s = &mut self.csr;
        if delegated && self.mode != Mode::Machine {
            s.sepc = self.pc;
            s.scause = mcause;
            s.stval = tval;
            let sie = s.mstatus & SIE != 0;
            s.mstatus &= !(SIE | SPIE | SPP);
            if sie {
                s.mstatus |= SPIE;
            }
            if self.mode == Mode::Supervisor {
                s.mstatus |= SPP;
            }
            self.pc = vector(s.stvec, cause, interrupt);
            self.mode = Mode::Supervisor;
        } else {
            s.mepc = self.pc;
            s.mcause = mcause;
            s.mtval = tval;
            let mie = s.mstatus & MIE != 0;
            s.mstatus &= !(MIE | MPIE | MPP);
            if mie {
                s.mstatus |= MPIE;
            }
            s.mstatus |= (self.mode as u32) << MPP_SHIFT;
            self.pc = vector(s.mtvec, cause, interrupt);
            self.mode = Mode::Machine;
        }
        self.reservation = None;
        self.changed_context();
    }

    /// The interrupt to take now, if any: pending, enabled, and allowed in
    /// the current mode; machine ones first, then by the standard priority.
    pub fn interrupt_to_take(&self) -> Option<u32> {
        let pending = self.mip() & self.csr.mie;
        if pending == 0 {
            return None;
        }
        let m_on = self.mode != Mode::Machine || self.csr.mstatus & MIE != 0;
        let s_on = self.mode == Mode::User || (self.mode == Mode::Supervisor && self.csr.mstatus & SIE != 0);
        let to_m = pending & !self.csr.mideleg;
        let to_s = pending & self.csr.mideleg;
        use cause::*;
        const ORDER: [u32; 6] = [M_EXTERNAL, M_SOFTWARE, M_TIMER, S_EXTERNAL, S_SOFTWARE, S_TIMER];
        if m_on {
            if let Some(&c) = ORDER.iter().find(|&&c| to_m >> c & 1 == 1) {
                return Some(c);
            }
        }
        if s_on && self.mode != Mode::Machine {
            return ORDER.iter().copied().find(|&c| to_s >> c & 1 == 1);
        }
        None
    }

    pub fn mret(&mut self) {
        let s = &mut self.csr;
        let previous = Mode::from_bits((s.mstatus & MPP) >> MPP_SHIFT);
        s.mstatus = (s.mstatus & !(MIE | MPP)) | MPIE | if s.mstatus & MPIE != 0 { MIE } else { 0 };
        if previous != Mode::Machine {
            s.mstatus &= !MPRV;
        }
        self.pc = s.mepc;
        self.mode = previous;
        self.reservation = None;
        self.changed_context();
    }

    pub fn sret(&mut self) {
        let s = &mut self.csr;
        let previous = if s.mstatus & SPP != 0 { Mode::Supervisor } else { Mode::User };
        s.mstatus = (s.mstatus & !(SIE | SPP | MPRV)) | SPIE | if s.mstatus & SPIE != 0 { SIE } else { 0 };
        self.pc = s.sepc;
        self.mode = previous;
        self.reservation = None;
        self.changed_context();
    }
}

/// Where a trap enters: the base, plus 4 × cause for an interrupt in
/// vectored mode.
fn vector(tvec: u32, cause: u32, interrupt: bool) -> u32 {
    let base = tvec & !3;
    if interrupt && tvec & 3 == 1 {
        base.wrapping_add(4 * cause)
    } else {
        base
    }
}
