//! The chip's CSR set (VexRiscv's `linuxFull` configuration plus its
//! interrupt-mask CSRs), and nothing more: an access to a CSR the chip lacks
//! (`time`, `mcounteren`, `scounteren`, PMP, ...) is an illegal instruction,
//! as on silicon. Access is checked against the CSR number's privilege and
//! read-only bits.

use crate::cpu::Cpu;
use crate::trap::*;

#[derive(Default, Clone, Debug)]
pub struct Csrs {
    pub mstatus: u32,
    pub medeleg: u32,
    pub mideleg: u32,
    pub mie: u32,
    /// The software-written bits of mip (SSIP, STIP, SEIP).
    pub mip_soft: u32,
    pub mtvec: u32,
    pub mscratch: u32,
    pub mepc: u32,
    pub mcause: u32,
    pub mtval: u32,
    pub stvec: u32,
    pub sscratch: u32,
    pub sepc: u32,
    pub scause: u32,
    pub stval: u32,
    pub satp: u32,
    /// The interrupt-line masks: supervisor (`sim`, 0x9C0) and machine (0xBC0).
    pub sim: u32,
    pub mim: u32,
}

pub const MISA: u32 = 0x4000_0000 | 1 << 0 | 1 << 2 | 1 << 8 | 1 << 12 | 1 << 18 | 1 << 20;
const MSTATUS_MASK: u32 = SIE | MIE | SPIE | MPIE | SPP | MPP | MPRV | SUM | MXR;
const SSTATUS_MASK: u32 = SIE | SPIE | SPP | SUM | MXR;
/// Exceptions that can be delegated (every one but an ecall from M).
const MEDELEG_MASK: u32 = 0xB3FF;
/// Supervisor software, timer and external interrupts.
const S_INTERRUPTS: u32 = 0x222;
const MIE_MASK: u32 = 0xAAA;
/// Bits of mip software may write (the supervisor ones).
const MIP_SOFT_MASK: u32 = 0x222;

pub mod number {
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const SATP: u16 = 0x180;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const MCYCLE: u16 = 0xB00;
    pub const MINSTRET: u16 = 0xB02;
    pub const MCYCLEH: u16 = 0xB80;
    pub const MINSTRETH: u16 = 0xB82;
    pub const CYCLE: u16 = 0xC00;
    pub const INSTRET: u16 = 0xC02;
    pub const CYCLEH: u16 = 0xC80;
    pub const INSTRETH: u16 = 0xC82;
    pub const MVENDORID: u16 = 0xF11;
    pub const MARCHID: u16 = 0xF12;
    pub const MIMPID: u16 = 0xF13;
    pub const MHARTID: u16 = 0xF14;
    /// The chip's interrupt CSRs: masks (read-write) and pending (read-only).
    pub const SIM: u16 = 0x9C0;
    pub const SIPENDING: u16 = 0xDC0;
    pub const MIM: u16 = 0xBC0;
    pub const MIPENDING: u16 = 0xFC0;
}

impl Cpu {
    /// mip as read: the software bits, and the external ones from the lines.
    pub fn mip(&self) -> u32 {
        let lines = self.irq_lines;
        let mut mip = self.csr.mip_soft;
        if lines & self.csr.sim != 0 {
            mip |= 1 << cause::S_EXTERNAL;
        }
        if lines & self.csr.mim != 0 {
            mip |= 1 << cause::M_EXTERNAL;
        }
        mip
    }

    /// Reads a CSR; `None` if it does not exist or the mode may not read it.
    pub fn csr_read(&self, csr: u16) -> Option<u32> {
        if (csr >> 8 & 3) as u32 > self.mode as u32 {
            return None;
        }
        use number::*;
        let s = &self.csr;
        Some(match csr {
            SSTATUS => s.mstatus & SSTATUS_MASK,
            SIE => s.mie & s.mideleg,
            STVEC => s.stvec,
            SSCRATCH => s.sscratch,
            SEPC => s.sepc,
            SCAUSE => s.scause,
            STVAL => s.stval,
            SIP => self.mip() & s.mideleg,
            SATP => s.satp,
            MSTATUS => s.mstatus,
            MISA => crate::csr::MISA,
            MEDELEG => s.medeleg,
            MIDELEG => s.mideleg,
            MIE => s.mie,
            MTVEC => s.mtvec,
            MSCRATCH => s.mscratch,
            MEPC => s.mepc,
            MCAUSE => s.mcause,
            MTVAL => s.mtval,
            MIP => self.mip(),
            MCYCLE | CYCLE => self.cycle as u32,
            MCYCLEH | CYCLEH => (self.cycle >> 32) as u32,
            MINSTRET | INSTRET => self.instret as u32,
            MINSTRETH | INSTRETH => (self.instret >> 32) as u32,
            MVENDORID | MARCHID | MIMPID | MHARTID => 0,
            SIM => s.sim,
            SIPENDING => s.sim & self.irq_lines,
            MIM => s.mim,
            MIPENDING => s.mim & self.irq_lines,
            _ => return None,
        })
    }

    /// Writes a CSR; `None` if it does not exist, is read-only, or the mode
    /// may not write it.
    pub fn csr_write(&mut self, csr: u16, value: u32) -> Option<()> {
        if (csr >> 8 & 3) as u32 > self.mode as u32 || csr >> 10 == 3 {
            return None;
        }
        use number::*;
        let s = &mut self.csr;
        match csr {
            SSTATUS => s.mstatus = (s.mstatus & !SSTATUS_MASK) | (value & SSTATUS_MASK),
            SIE => s.mie = (s.mie & !s.mideleg) | (value & s.mideleg & MIE_MASK),
            STVEC => s.stvec = value & !2,
            SSCRATCH => s.sscratch = value,
            SEPC => s.sepc = value & !1,
            SCAUSE => s.scause = value,
            STVAL => s.stval = value,
            SIP => {
                let writable = s.mideleg & (1 << cause::S_SOFTWARE);
                s.mip_soft = (s.mip_soft & !writable) | (value & writable);
            }
            // No TLB flush on a satp write: see mmu.rs.
            SATP => s.satp = value,
            MSTATUS => {
                let mut new = (s.mstatus & !MSTATUS_MASK) | (value & MSTATUS_MASK);
                if (new & MPP) >> MPP_SHIFT == 2 {
                    new = (new & !MPP) | (s.mstatus & MPP);
                }
                s.mstatus = new;
            }
            MISA => {}
            MEDELEG => s.medeleg = value & MEDELEG_MASK,
            MIDELEG => s.mideleg = value & S_INTERRUPTS,
            MIE => s.mie = value & MIE_MASK,
            MTVEC => s.mtvec = value & !2,
            MSCRATCH => s.mscratch = value,
            MEPC => s.mepc = value & !1,
            MCAUSE => s.mcause = value,
            MTVAL => s.mtval = value,
            MIP => s.mip_soft = value & MIP_SOFT_MASK,
            MCYCLE => self.cycle = (self.cycle & !0xFFFF_FFFF) | value as u64,
            MCYCLEH => self.cycle = (self.cycle & 0xFFFF_FFFF) | (value as u64) << 32,
            MINSTRET => self.instret = (self.instret & !0xFFFF_FFFF) | value as u64,
            MINSTRETH => self.instret = (self.instret & 0xFFFF_FFFF) | (value as u64) << 32,
            SIM => s.sim = value,
            MIM => s.mim = value,
            _ => return None,
        }
        self.changed_context();
        Some(())
    }
}
