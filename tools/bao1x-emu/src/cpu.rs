//! The hart: registers, privilege mode, and one instruction at a time of
//! RV32IMAC + Zicsr/Zifencei. Every guest misstep is a guest trap (illegal
//! instruction, misaligned or faulting access): the model itself never
//! panics on what the guest does. Misaligned loads and stores trap, as on
//! the chip's VexRiscv. The AES32 scalar-crypto instructions (Zkne/Zknd)
//! are aes32.rs.

use crate::block::Blocks;
use crate::bus::Bus;
use crate::compressed;
use crate::csr::Csrs;
use crate::data_pages::DataPages;
use crate::jit::Jit;
use crate::mmu::{access_fault, Access, Tlb};
use crate::trap::{cause, illegal, Exception};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Mode {
    User = 0,
    Supervisor = 1,
    Machine = 3,
}

impl Mode {
    /// From an MPP field (2, reserved, never stored: read as Machine).
    pub fn from_bits(bits: u32) -> Mode {
        match bits {
            0 => Mode::User,
            1 => Mode::Supervisor,
            _ => Mode::Machine,
        }
    }
}

pub struct Cpu {
    pub x: [u32; 32],
    pub pc: u32,
    pub mode: Mode,
    pub csr: Csrs,
    pub bus: Bus,
    pub tlb: Tlb,
    /// The address an LR reserved, until an SC, a trap or a return.
    pub reservation: Option<u32>,
    pub instret: u64,
    pub cycle: u64,
    /// The 32 interrupt lines the devices drive (the ticktimer 20, timer0 30).
    pub irq_lines: u32,
    /// Print every trap taken on stderr (`--trace-traps`), for porting.
    pub trace_traps: bool,
    /// The page the last fetch translated: virtual page, physical page.
    fetch_page: Option<(u32, u32)>,
    pub(crate) blocks: Blocks,
    /// Data translations the TLB holds, checked (data_pages.rs).
    pub(crate) data_pages: DataPages,
    /// Hot blocks compiled to host code.
    pub jit: Jit,
}

impl Cpu {
    /// A hart as the chip resets it: M mode at 0x6000_0000 (the reset vector).
    pub fn new(bus: Bus) -> Cpu {
        let mut csr = Csrs::default();
        csr.mtvec = crate::bus::RRAM_BASE;
        Cpu {
            x: [0; 32],
            pc: crate::bus::RRAM_BASE,
            mode: Mode::Machine,
            csr,
            bus,
            tlb: Tlb::default(),
            reservation: None,
            instret: 0,
            cycle: 0,
            irq_lines: 0,
            trace_traps: false,
            fetch_page: None,
            blocks: Blocks::default(),
            data_pages: DataPages::default(),
            jit: Jit::default(),
        }
    }

    /// Forgets cached fetch translations: after anything that may change
    /// the mode, the address space or the TLB.
    pub fn changed_context(&mut self) {
        self.fetch_page = None;
        self.data_pages.clear();
    }

    /// `wfi`: unless an interrupt is already pending, the clock moves on to
    /// when a device next raises a line (if none will, wfi returns at once).
    fn wait_for_interrupt(&mut self) {
        if self.mip() & self.csr.mie == 0 {
            if let Some(at) = self.bus.next_event(self.cycle) {
                self.cycle = self.cycle.max(at);
            }
        }
        self.irq_lines = self.bus.irq_lines(self.cycle);
    }

    /// Forgets every decoded block: after memory changed behind the
    /// bus's back (an image loaded, RRAM read from a file).
    pub fn memory_changed(&mut self) {
        self.blocks.clear();
        self.bus.code.forget_all();
    }

    /// One step: an interrupt taken, or one instruction fetched, decoded
    /// and executed or trapped. The reference the block runner
    /// (run_block.rs) keeps to, and what it falls back on.
    pub fn step(&mut self) {
        if self.csr.mie != 0 {
            if let Some(interrupt) = self.interrupt_to_take() {
                self.take_trap(interrupt, true, 0);
                return;
            }
        }
        self.cycle = self.cycle.wrapping_add(1);
        let result = self.fetch().and_then(|(inst, len)| self.execute(inst, len));
        match result {
            Ok(()) => self.instret = self.instret.wrapping_add(1),
            Err(e) => self.take_trap(e.cause, false, e.tval),
        }
    }

    pub(crate) fn fetch_physical(&mut self, va: u32) -> Result<u32, Exception> {
        let page = va >> 12;
        if let Some((v, p)) = self.fetch_page {
            if v == page {
                return Ok(p << 12 | (va & 0xFFF));
            }
        }
        let pa = self.translate(va, Access::Fetch)?;
        self.fetch_page = Some((page, pa >> 12));
        Ok(pa)
    }

    fn fetch(&mut self) -> Result<(u32, u32), Exception> {
        let pc = self.pc;
        let pa = self.fetch_physical(pc)?;
        let low = self.bus.fetch16(pa).map_err(|_| access_fault(pc, Access::Fetch))?;
        if low & 3 != 3 {
            let inst = compressed::expand(low).ok_or(illegal(low as u32))?;
            return Ok((inst, 2));
        }
        let next = pc.wrapping_add(2);
        let pa = self.fetch_physical(next)?;
        let high = self.bus.fetch16(pa).map_err(|_| access_fault(next, Access::Fetch))?;
        Ok(((high as u32) << 16 | low as u32, 4))
    }

    pub(crate) fn load(&mut self, va: u32, size: u32) -> Result<u32, Exception> {
        if va & (size - 1) != 0 {
            return Err(Exception { cause: cause::LOAD_MISALIGNED, tval: va });
        }
        let pa = self.translate(va, Access::Load)?;
        self.bus.now = self.cycle;
        self.bus.load(pa, size as usize).map_err(|_| access_fault(va, Access::Load))
    }

    pub(crate) fn store(&mut self, va: u32, size: u32, value: u32) -> Result<(), Exception> {
        if va & (size - 1) != 0 {
            return Err(Exception { cause: cause::STORE_MISALIGNED, tval: va });
        }
        let pa = self.translate(va, Access::Store)?;
        if let Some(reserved) = self.reservation {
            if reserved & !3 == pa & !3 {
                self.reservation = None;
            }
        }
        self.bus.now = self.cycle;
        self.bus.store(pa, size as usize, value).map_err(|_| access_fault(va, Access::Store))
    }

    #[inline]
    fn set(&mut self, rd: usize, value: u32) {
        if rd != 0 {
            self.x[rd] = value;
        }
    }

    /// Executes one (expanded) instruction of `len` bytes at pc.
    pub(crate) fn execute(&mut self, inst: u32, len: u32) -> Result<(), Exception> {
        let rd = (inst >> 7 & 31) as usize;
        let rs1 = (inst >> 15 & 31) as usize;
        let rs2 = (inst >> 20 & 31) as usize;
        let f3 = inst >> 12 & 7;
        let f7 = inst >> 25;
        let a = self.x[rs1];
        let b = self.x[rs2];
        let imm_i = (inst as i32 >> 20) as u32;
        let next = self.pc.wrapping_add(len);
        let bad = || Err(illegal(inst));
        match inst & 0x7F {
            0x37 => self.set(rd, inst & 0xFFFF_F000),
            0x17 => self.set(rd, self.pc.wrapping_add(inst & 0xFFFF_F000)),
            0x6F => {
                let imm = ((inst & 0x8000_0000) as i32 >> 11) as u32
                    | (inst & 0xFF000)
                    | (inst >> 9 & 0x800)
                    | (inst >> 20 & 0x7FE);
                return self.jump(rd, self.pc.wrapping_add(imm), next);
            }
            0x67 if f3 == 0 => return self.jump(rd, a.wrapping_add(imm_i) & !1, next),
            0x63 => {
                let taken = match f3 {
                    0 => a == b,
                    1 => a != b,
                    4 => (a as i32) < (b as i32),
                    5 => (a as i32) >= (b as i32),
                    6 => a < b,
                    7 => a >= b,
                    _ => return bad(),
                };
                if taken {
                    let imm = ((inst & 0x8000_0000) as i32 >> 19) as u32
                        | (inst << 4 & 0x800)
                        | (inst >> 20 & 0x7E0)
                        | (inst >> 7 & 0x1E);
                    return self.jump(0, self.pc.wrapping_add(imm), next);
                }
            }
            0x03 => {
                let addr = a.wrapping_add(imm_i);
                let value = match f3 {
                    0 => self.load(addr, 1)? as i8 as u32,
                    1 => self.load(addr, 2)? as i16 as u32,
                    2 => self.load(addr, 4)?,
                    4 => self.load(addr, 1)?,
                    5 => self.load(addr, 2)?,
                    _ => return bad(),
                };
                self.set(rd, value);
            }
            0x23 => {
                let imm = ((inst as i32 >> 25) << 5) as u32 | (inst >> 7 & 31);
                let addr = a.wrapping_add(imm);
                match f3 {
                    0 => self.store(addr, 1, b)?,
                    1 => self.store(addr, 2, b)?,
                    2 => self.store(addr, 4, b)?,
                    _ => return bad(),
                }
            }
            0x13 => {
                let shamt = imm_i & 31;
                let value = match f3 {
                    0 => a.wrapping_add(imm_i),
                    2 => ((a as i32) < (imm_i as i32)) as u32,
                    3 => (a < imm_i) as u32,
                    4 => a ^ imm_i,
                    6 => a | imm_i,
                    7 => a & imm_i,
                    1 if f7 == 0 => a << shamt,
                    5 if f7 == 0 => a >> shamt,
                    5 if f7 == 0x20 => ((a as i32) >> shamt) as u32,
                    _ => return bad(),
                };
                self.set(rd, value);
            }
            0x33 => {
                let value = match (f7, f3) {
                    (0, 0) => a.wrapping_add(b),
                    (0x20, 0) => a.wrapping_sub(b),
                    (0, 1) => a << (b & 31),
                    (0, 2) => ((a as i32) < (b as i32)) as u32,
                    (0, 3) => (a < b) as u32,
                    (0, 4) => a ^ b,
                    (0, 5) => a >> (b & 31),
                    (0x20, 5) => ((a as i32) >> (b & 31)) as u32,
                    (0, 6) => a | b,
                    (0, 7) => a & b,
                    (1, _) => multiply_divide(f3, a, b),
                    (_, 0) => match crate::aes32::execute(f7, a, b) {
                        Some(value) => value,
                        None => return bad(),
                    },
                    _ => return bad(),
                };
                self.set(rd, value);
            }
            // fence, fence.i, and the chip's D$ flush (`.word 0x500F`,
            // MISC-MEM funct3 5): the model has no caches to keep coherent.
            0x0F if matches!(f3, 0 | 1 | 5) => {}
            0x2F if f3 == 2 => self.atomic(inst, rd, a, b)?,
            0x73 => return self.system(inst, rd, rs1, f3, a, next),
            _ => return bad(),
        }
        self.pc = next;
        Ok(())
    }

    fn jump(&mut self, rd: usize, target: u32, link: u32) -> Result<(), Exception> {
        // With the C extension, targets need only be even: never misaligned.
        self.set(rd, link);
        self.pc = target;
        Ok(())
    }

    fn atomic(&mut self, inst: u32, rd: usize, addr: u32, b: u32) -> Result<(), Exception> {
        let op = inst >> 27;
        if addr & 3 != 0 {
            let cause = if op == 2 { cause::LOAD_MISALIGNED } else { cause::STORE_MISALIGNED };
            return Err(Exception { cause, tval: addr });
        }
        match op {
            2 => {
                if inst >> 20 & 31 != 0 {
                    return Err(illegal(inst));
                }
                let value = self.load(addr, 4)?;
                self.reservation = Some(self.translate(addr, Access::Load)?);
                self.set(rd, value);
            }
            3 => {
                let pa = self.translate(addr, Access::Store)?;
                if self.reservation == Some(pa) {
                    self.store(addr, 4, b)?;
                    self.set(rd, 0);
                } else {
                    self.set(rd, 1);
                }
                self.reservation = None;
            }
            _ => {
                // The store's permissions first: an AMO faults as a store.
                self.translate(addr, Access::Store)?;
                let old = self.load(addr, 4).map_err(|e| Exception { cause: store_cause(e.cause), ..e })?;
                let new = match op {
                    0x01 => b,
                    0x00 => old.wrapping_add(b),
                    0x04 => old ^ b,
                    0x0C => old & b,
                    0x08 => old | b,
                    0x10 => (old as i32).min(b as i32) as u32,
                    0x14 => (old as i32).max(b as i32) as u32,
                    0x18 => old.min(b),
                    0x1C => old.max(b),
                    _ => return Err(illegal(inst)),
                };
                self.store(addr, 4, new)?;
                self.set(rd, old);
            }
        }
        Ok(())
    }

    fn system(&mut self, inst: u32, rd: usize, rs1: usize, f3: u32, a: u32, next: u32) -> Result<(), Exception> {
        if f3 == 0 {
            match inst {
                0x0000_0073 => {
                    let cause = cause::ECALL_U + self.mode as u32;
                    return Err(Exception { cause, tval: 0 });
                }
                0x0010_0073 => return Err(Exception { cause: cause::BREAKPOINT, tval: self.pc }),
                0x3020_0073 if self.mode == Mode::Machine => {
                    self.mret();
                    return Ok(());
                }
                0x1020_0073 if self.mode != Mode::User => {
                    self.sret();
                    return Ok(());
                }
                // wfi: the model's clock jumps to the next device event.
                0x1050_0073 if self.mode != Mode::User => self.wait_for_interrupt(),
                _ if inst >> 25 == 0x09 && rd == 0 && self.mode != Mode::User => {
                    self.tlb.flush();
                    self.changed_context();
                }
                _ => return Err(illegal(inst)),
            }
            self.pc = next;
            return Ok(());
        }
        let csr = (inst >> 20) as u16;
        let operand = if f3 & 4 != 0 { rs1 as u32 } else { a };
        // csrrw(i) with rd = x0 does not read; csrrs/c(i) with a zero
        // operand register/immediate do not write.
        let writes = f3 & 3 == 1 || rs1 != 0;
        let old = if f3 & 3 == 1 && rd == 0 {
            if self.csr_read(csr).is_none() {
                return Err(illegal(inst));
            }
            0
        } else {
            self.csr_read(csr).ok_or(illegal(inst))?
        };
        if writes {
            let new = match f3 & 3 {
                1 => operand,
                2 => old | operand,
                3 => old & !operand,
                _ => return Err(illegal(inst)),
            };
            self.csr_write(csr, new).ok_or(illegal(inst))?;
        }
        self.set(rd, old);
        self.pc = next;
        Ok(())
    }
}

fn store_cause(load_cause: u32) -> u32 {
    match load_cause {
        cause::LOAD_ACCESS => cause::STORE_ACCESS,
        cause::LOAD_PAGE => cause::STORE_PAGE,
        other => other,
    }
}

fn multiply_divide(f3: u32, a: u32, b: u32) -> u32 {
    let (sa, sb) = (a as i32 as i64, b as i32 as i64);
    match f3 {
        0 => a.wrapping_mul(b),
        1 => ((sa * sb) >> 32) as u32,
        2 => ((sa * b as i64) >> 32) as u32,
        3 => ((a as u64 * b as u64) >> 32) as u32,
        4 if b == 0 => u32::MAX,
        4 => (a as i32).wrapping_div(b as i32) as u32,
        5 if b == 0 => u32::MAX,
        5 => a / b,
        6 if b == 0 => a,
        6 => (a as i32).wrapping_rem(b as i32) as u32,
        _ if b == 0 => a,
        _ => a % b,
    }
}
