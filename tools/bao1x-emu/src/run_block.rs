//! Running the hart a block at a time, for speed, with exactly the
//! results of stepping one instruction at a time (cpu.rs's `step`):
//!
//! - Interrupts are looked at once, before the block. Nothing inside a
//!   block can make one takeable: ops that touch CSRs, the mode or `wfi`
//!   are `Slow` and end their block, and so does a store to a device (the
//!   lines are brought up to date after it, as after a step).
//! - The clock and `instret` move on by the instructions run; a device
//!   access and a trap see them as stepping would (`cycle` counts the
//!   instruction being executed, `instret` the ones before it).
//! - At most `max` instructions run, so the machine's slices end where
//!   they would.
//! - A store to a page that code was decoded from ends the block after it:
//!   the next instruction is fetched anew, as stepping would.
//! - Loads and stores to SRAM, RRAM and IFRAM take the bus's fast path;
//!   translation and permissions are as for stepping (mmu.rs), skipped
//!   only where stepping skips them (M mode without MPRV, or Bare), and
//!   a page's translation already checked is kept (data_pages.rs).

use crate::block::Block;
use crate::cpu::Cpu;
use crate::decode::Kind;
use crate::mmu::{access_fault, Access};
use crate::trap::{cause, Exception};

impl Cpu {
    /// Runs at most `max` (at least 1) steps: an interrupt taken, or the
    /// instructions of one block up to and including one that jumps,
    /// traps or ends the block. Returns the steps taken.
    pub fn run_block(&mut self, max: u64) -> u64 {
        if self.csr.mie != 0 {
            if let Some(interrupt) = self.interrupt_to_take() {
                self.take_trap(interrupt, true, 0);
                return 1;
            }
        }
        let pa = match self.fetch_physical(self.pc) {
            Ok(pa) => pa,
            Err(e) => {
                self.cycle = self.cycle.wrapping_add(1);
                self.take_trap(e.cause, false, e.tval);
                return 1;
            }
        };
        match self.blocks.get(&mut self.bus, pa) {
            Some(block) => match self.run_compiled(&block, max) {
                Some(done) => done,
                None => self.run_ops(&block, max),
            },
            None => {
                // Illegal, straddling a page, or not in memory: stepping
                // takes it (and its trap).
                self.step();
                1
            }
        }
    }

    fn run_ops(&mut self, block: &Block, max: u64) -> u64 {
        let ops = &block.ops[..block.ops.len().min(max as usize)];
        let base = self.pc;
        let (cycle, instret) = (self.cycle, self.instret);
        let untranslated = self.data_untranslated();
        self.bus.code.written = false;
        // `done` instructions retired, the pc then.
        let retire = |cpu: &mut Cpu, done: usize, pc: u32| {
            cpu.cycle = cycle.wrapping_add(done as u64);
            cpu.instret = instret.wrapping_add(done as u64);
            cpu.pc = pc;
            done as u64
        };
        // Instruction `k`, at `pc`, traps with `e`.
        let trap = |cpu: &mut Cpu, k: usize, pc: u32, e: Exception| {
            cpu.cycle = cycle.wrapping_add(k as u64 + 1);
            cpu.instret = instret.wrapping_add(k as u64);
            cpu.pc = pc;
            cpu.take_trap(e.cause, false, e.tval);
            k as u64 + 1
        };
        for (k, op) in ops.iter().enumerate() {
            let a = self.x[op.rs1 as usize & 31];
            let b = self.x[op.rs2 as usize & 31];
            let rd = op.rd as usize & 31;
            let imm = op.imm;
            let pc = base.wrapping_add(op.off as u32);
            let next = pc.wrapping_add(op.len as u32);
            // The clock while instruction k executes, for a device.
            let now = cycle.wrapping_add(k as u64 + 1);
            use Kind::*;
            let value = match op.kind {
                Nop => continue,
                Lui => imm,
                Auipc => pc.wrapping_add(imm),
                Addi => a.wrapping_add(imm),
                Slti => ((a as i32) < (imm as i32)) as u32,
                Sltiu => (a < imm) as u32,
                Xori => a ^ imm,
                Ori => a | imm,
                Andi => a & imm,
                Slli => a << imm,
                Srli => a >> imm,
                Srai => ((a as i32) >> imm) as u32,
                Add => a.wrapping_add(b),
                Sub => a.wrapping_sub(b),
                Sll => a << (b & 31),
                Slt => ((a as i32) < (b as i32)) as u32,
                Sltu => (a < b) as u32,
                Xor => a ^ b,
                Srl => a >> (b & 31),
                Sra => ((a as i32) >> (b & 31)) as u32,
                Or => a | b,
                And => a & b,
                Mul => a.wrapping_mul(b),
                Mulh => ((a as i32 as i64 * b as i32 as i64) >> 32) as u32,
                Mulhsu => ((a as i32 as i64 * b as i64) >> 32) as u32,
                Mulhu => ((a as u64 * b as u64) >> 32) as u32,
                Div if b == 0 => u32::MAX,
                Div => (a as i32).wrapping_div(b as i32) as u32,
                Divu if b == 0 => u32::MAX,
                Divu => a / b,
                Rem if b == 0 => a,
                Rem => (a as i32).wrapping_rem(b as i32) as u32,
                Remu if b == 0 => a,
                Remu => a % b,
                // Its funct7 was checked when decoded.
                Aes => crate::aes32::execute(imm, a, b).unwrap_or(0),
                Lb | Lh | Lw | Lbu | Lhu => {
                    let size = match op.kind {
                        Lb | Lbu => 1,
                        Lh | Lhu => 2,
                        _ => 4,
                    };
                    let raw = match self.block_load(a.wrapping_add(imm), size, untranslated, now) {
                        Ok(raw) => raw,
                        Err(e) => return trap(self, k, pc, e),
                    };
                    let value = match op.kind {
                        Lb => raw as i8 as u32,
                        Lh => raw as i16 as u32,
                        _ => raw,
                    };
                    if rd != 0 {
                        self.x[rd] = value;
                    }
                    // A device read may have moved received bytes into code.
                    if self.bus.code.written {
                        return retire(self, k + 1, next);
                    }
                    continue;
                }
                Sb | Sh | Sw => {
                    let size = match op.kind {
                        Sb => 1,
                        Sh => 2,
                        _ => 4,
                    };
                    match self.block_store(a.wrapping_add(imm), size, b, untranslated, now) {
                        Ok(false) => continue,
                        Ok(true) => return retire(self, k + 1, next),
                        Err(e) => return trap(self, k, pc, e),
                    }
                }
                Beq | Bne | Blt | Bge | Bltu | Bgeu => {
                    let taken = match op.kind {
                        Beq => a == b,
                        Bne => a != b,
                        Blt => (a as i32) < (b as i32),
                        Bge => (a as i32) >= (b as i32),
                        Bltu => a < b,
                        _ => a >= b,
                    };
                    if taken {
                        return retire(self, k + 1, pc.wrapping_add(imm));
                    }
                    continue;
                }
                Jal | Jalr => {
                    // With the C extension, targets need only be even: never misaligned.
                    let target = if op.kind == Jal { pc.wrapping_add(imm) } else { a.wrapping_add(imm) & !1 };
                    if rd != 0 {
                        self.x[rd] = next;
                    }
                    return retire(self, k + 1, target);
                }
                Slow => {
                    self.cycle = now;
                    self.instret = instret.wrapping_add(k as u64);
                    self.pc = pc;
                    match self.execute(imm, op.len as u32) {
                        Ok(()) => self.instret = self.instret.wrapping_add(1),
                        Err(e) => self.take_trap(e.cause, false, e.tval),
                    }
                    return k as u64 + 1;
                }
            };
            self.x[rd] = value;
        }
        let last = ops[ops.len() - 1];
        retire(self, ops.len(), base.wrapping_add(last.off as u32 + last.len as u32))
    }

    /// A load as stepping does it (cpu.rs's `load`), with memory's fast path.
    #[inline(always)]
    fn block_load(&mut self, va: u32, size: u32, untranslated: bool, now: u64) -> Result<u32, Exception> {
        if va & (size - 1) != 0 {
            return Err(Exception { cause: cause::LOAD_MISALIGNED, tval: va });
        }
        let pa = if untranslated { va } else { self.translate_data(va, Access::Load)? };
        if let Some(value) = self.bus.ram_load(pa, size) {
            return Ok(value);
        }
        self.bus.now = now;
        self.bus.load(pa, size as usize).map_err(|_| access_fault(va, Access::Load))
    }

    /// A store as stepping does it (cpu.rs's `store`), with memory's fast
    /// path. Ok(true): the block must end after it (a device was written,
    /// or code).
    #[inline(always)]
    fn block_store(&mut self, va: u32, size: u32, value: u32, untranslated: bool, now: u64) -> Result<bool, Exception> {
        if va & (size - 1) != 0 {
            return Err(Exception { cause: cause::STORE_MISALIGNED, tval: va });
        }
        let pa = if untranslated { va } else { self.translate_data(va, Access::Store)? };
        if let Some(reserved) = self.reservation {
            if reserved & !3 == pa & !3 {
                self.reservation = None;
            }
        }
        if !self.bus.ram_store(pa, size, value) {
            self.bus.now = now;
            self.bus.store(pa, size as usize, value).map_err(|_| access_fault(va, Access::Store))?;
        }
        Ok(self.bus.touched || self.bus.code.written)
    }
}
