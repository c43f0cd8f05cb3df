//! A decoded block (decode.rs's ops) compiled to x86-64 by x86.rs. The
//! code runs the block's ops on the guest registers in place
//! ([rdi + 4*n]) and returns (instructions run << 32 | next pc) in rax.
//! What it cannot do exactly as run_block.rs would, it leaves: at such an
//! op (a division, a `Slow` op, a load outside SRAM
//! and RRAM, a store outside SRAM or to a page holding decoded code, a
//! misaligned access, a page not in the checked data translations) it
//! returns with that op's pc and the count before it, and the interpreter
//! goes on from there. A block whose branch or jump goes back to its own
//! start loops inside the code while the budget (r8) holds another whole
//! pass.
//!
//! Compiled for the pc it starts at (`va`), and either for untranslated
//! data accesses or for Sv32 ones, which look their page up in
//! data_pages.rs's tables (a translation there is one the TLB holds,
//! checked): mod.rs runs the code only under the same two.
//!
//! Entry (System V): rdi = the registers, rsi = SRAM, rdx = SRAM pages'
//! has-code flags, rcx = RRAM, r8 = the budget in instructions (at least
//! the block's length), r9 = the data-page tables (kept in rbx, saved).
//! Up to five guest registers the block names most live in rbp and
//! r12-r15 (saved) from the entry to every exit, which stores them back.
//! No other use of the stack.

use super::x86::{Alu, Asm, Base, Cond, Label, Shift, Width, EAX, ECX, EDX, KEEPERS};
use crate::bus::{RRAM_BASE, RRAM_LEN, SRAM_BASE, SRAM_LEN};
use crate::data_pages::{LOAD_TABLE, SLOT_MASK, STORE_TABLE};
use crate::decode::{Kind, Op};

/// The code for the block of `ops` at pc `va`, its data accesses
/// `translated` or not; `None` if even its first op is one to leave to
/// the interpreter.
pub fn compile(ops: &[Op], va: u32, translated: bool) -> Option<Vec<u8>> {
    if !supported(ops[0].kind) {
        return None;
    }
    let n = ops.len() as u32;
    let mut asm = Asm::default();
    for (keeper, guest) in KEEPERS.into_iter().zip(most_used(ops)) {
        asm.keep(guest, keeper);
    }
    asm.prologue();
    let start = asm.label();
    asm.bind(start);
    // Exits taken from inside the body, emitted after it: (label, pc, instructions run).
    let mut exits: Vec<(Label, u32, u32)> = Vec::new();
    let mut ended = false;
    for (k, op) in ops.iter().enumerate() {
        let k = k as u32;
        let pc = va.wrapping_add(op.off as u32);
        let next = pc.wrapping_add(op.len as u32);
        if !supported(op.kind) {
            asm.mov_imm(EAX, pc);
            asm.exit(k);
            ended = true;
            break;
        }
        let mut leave = || {
            let label = asm.label();
            exits.push((label, pc, k));
            label
        };
        match op.kind {
            Kind::Lb | Kind::Lh | Kind::Lw | Kind::Lbu | Kind::Lhu => {
                let exit = leave();
                load(&mut asm, op, translated, exit);
            }
            Kind::Sb | Kind::Sh | Kind::Sw => {
                let exit = leave();
                store(&mut asm, op, translated, exit);
            }
            Kind::Beq | Kind::Bne | Kind::Blt | Kind::Bge | Kind::Bltu | Kind::Bgeu => {
                let cond = match op.kind {
                    Kind::Beq => Cond::Equal,
                    Kind::Bne => Cond::NotEqual,
                    Kind::Blt => Cond::Less,
                    Kind::Bge => Cond::GreaterEqual,
                    Kind::Bltu => Cond::Below,
                    _ => Cond::AboveEqual,
                };
                asm.load_guest(EAX, op.rs1);
                asm.alu_guest(Alu::Cmp, EAX, op.rs2);
                let not_taken = asm.label();
                asm.jump_if(invert(cond), not_taken);
                goto(&mut asm, pc.wrapping_add(op.imm), va, start, k + 1, n);
                asm.bind(not_taken);
            }
            Kind::Jal => {
                if op.rd != 0 {
                    asm.mov_imm(EAX, next);
                    asm.store_guest(op.rd, EAX);
                }
                goto(&mut asm, pc.wrapping_add(op.imm), va, start, k + 1, n);
                ended = true;
                break;
            }
            Kind::Jalr => {
                asm.load_guest(ECX, op.rs1);
                asm.alu_imm(Alu::Add, ECX, op.imm);
                asm.alu_imm(Alu::And, ECX, !1);
                if op.rd != 0 {
                    asm.mov_imm(EAX, next);
                    asm.store_guest(op.rd, EAX);
                }
                asm.mov(EAX, ECX);
                asm.exit(k + 1);
                ended = true;
                break;
            }
            Kind::Aes => aes(&mut asm, op),
            _ => compute(&mut asm, op, pc),
        }
    }
    if !ended {
        let last = ops[ops.len() - 1];
        asm.mov_imm(EAX, va.wrapping_add(last.off as u32 + last.len as u32));
        asm.exit(n);
    }
    for (label, pc, done) in exits {
        asm.bind(label);
        asm.mov_imm(EAX, pc);
        asm.exit(done);
    }
    Some(asm.finish())
}

/// The guest registers (not x0) named at least twice by the ops up to the
/// first one left to the interpreter, most named first: worth keeping in
/// host registers for the block.
fn most_used(ops: &[Op]) -> Vec<u8> {
    let mut uses = [0u32; 32];
    for op in ops.iter().take_while(|op| supported(op.kind)).filter(|op| op.kind != Kind::Nop) {
        for n in [op.rd, op.rs1, op.rs2] {
            uses[n as usize] += 1;
        }
    }
    let mut named: Vec<u8> = (1..32).filter(|&n| uses[n as usize] >= 2).collect();
    named.sort_by_key(|&n| std::cmp::Reverse(uses[n as usize]));
    named
}

/// The ops compiled here; the others are left to the interpreter.
fn supported(kind: Kind) -> bool {
    !matches!(kind, Kind::Div | Kind::Divu | Kind::Rem | Kind::Remu | Kind::Slow)
}

fn invert(cond: Cond) -> Cond {
    match cond {
        Cond::Equal => Cond::NotEqual,
        Cond::NotEqual => Cond::Equal,
        Cond::Less => Cond::GreaterEqual,
        Cond::GreaterEqual => Cond::Less,
        Cond::Below => Cond::AboveEqual,
        Cond::AboveEqual => Cond::Below,
    }
}

/// Control goes to `target` after `done` instructions of this pass: round
/// again if that is the block's start (`va`) and the budget holds a whole
/// pass more, else return.
fn goto(asm: &mut Asm, target: u32, va: u32, start: Label, done: u32, n: u32) {
    if target == va {
        asm.count(done);
        asm.cmp_budget(n);
        asm.jump_if(Cond::AboveEqual, start);
        asm.mov_imm(EAX, target);
        asm.exit(0);
    } else {
        asm.mov_imm(EAX, target);
        asm.exit(done);
    }
}

/// edx = the offset in SRAM (or in RRAM, if `in_rram` is given: then it
/// is jumped to) of the access x[rs1] + imm of `size` bytes, through
/// `table` of the data pages if `translated`; anything else, a misaligned
/// access or a page not in the table jumps to `exit`. ecx keeps the
/// physical address.
fn address(asm: &mut Asm, op: &Op, size: u32, translated: Option<u32>, exit: Label, in_rram: Option<Label>) {
    asm.load_guest(ECX, op.rs1);
    if op.imm != 0 {
        asm.alu_imm(Alu::Add, ECX, op.imm);
    }
    if size > 1 {
        asm.test_imm(ECX, size - 1);
        asm.jump_if(Cond::NotEqual, exit);
    }
    if let Some(table) = translated {
        // eax = the virtual page, edx = its slot; the slot must hold it.
        asm.mov(EAX, ECX);
        asm.shift_imm(Shift::Right, EAX, 12);
        asm.mov(EDX, EAX);
        asm.alu_imm(Alu::And, EDX, SLOT_MASK);
        asm.cmp_rbx_slot_eax(table);
        asm.jump_if(Cond::NotEqual, exit);
        asm.load_rbx_slot(table + 4);
        asm.shift_imm(Shift::Left, EAX, 12);
        asm.alu_imm(Alu::And, ECX, 0xFFF);
        asm.alu(Alu::Or, ECX, EAX);
    }
    asm.mov(EDX, ECX);
    asm.alu_imm(Alu::Sub, EDX, SRAM_BASE);
    asm.alu_imm(Alu::Cmp, EDX, SRAM_LEN as u32);
    match in_rram {
        None => asm.jump_if(Cond::AboveEqual, exit),
        Some(in_rram) => {
            let in_sram = asm.label();
            asm.jump_if(Cond::Below, in_sram);
            asm.mov(EDX, ECX);
            asm.alu_imm(Alu::Sub, EDX, RRAM_BASE);
            asm.alu_imm(Alu::Cmp, EDX, RRAM_LEN as u32);
            asm.jump_if(Cond::Below, in_rram);
            asm.jump(exit);
            asm.bind(in_sram);
        }
    }
}

fn load(asm: &mut Asm, op: &Op, translated: bool, exit: Label) {
    let (size, width) = match op.kind {
        Kind::Lb => (1, Width::I8),
        Kind::Lbu => (1, Width::U8),
        Kind::Lh => (2, Width::I16),
        Kind::Lhu => (2, Width::U16),
        _ => (4, Width::W32),
    };
    let (in_rram, loaded) = (asm.label(), asm.label());
    address(asm, op, size, translated.then_some(LOAD_TABLE), exit, Some(in_rram));
    asm.load(width, Base::Rsi);
    asm.jump(loaded);
    asm.bind(in_rram);
    asm.load(width, Base::R11);
    asm.bind(loaded);
    if op.rd != 0 {
        asm.store_guest(op.rd, EAX);
    }
}

fn store(asm: &mut Asm, op: &Op, translated: bool, exit: Label) {
    let size = match op.kind {
        Kind::Sb => 1,
        Kind::Sh => 2,
        _ => 4,
    };
    address(asm, op, size, translated.then_some(STORE_TABLE), exit, None);
    // A page code was decoded from: the interpreter stores (and ends the block).
    asm.mov(EAX, EDX);
    asm.shift_imm(Shift::Right, EAX, 12);
    asm.cmp_r10_rax_byte_zero();
    asm.jump_if(Cond::NotEqual, exit);
    asm.load_guest(EAX, op.rs2);
    asm.store_rsi(size);
}

/// An AES32 instruction by its table (aes32.rs's COLUMNS, as the
/// interpreter does): rd = rs1 ^ (table[byte bs of rs2] rotated left by
/// 8 bs). The swap's cipher is made of them: compiled, its blocks run
/// here from end to end instead of in the interpreter from the first one.
fn aes(asm: &mut Asm, op: &Op) {
    let table = crate::aes32::table(op.imm).expect("decode.rs makes Aes of the four instructions only");
    let shift = (op.imm >> 5) as u8 * 8;
    asm.load_guest(ECX, op.rs2);
    if shift != 0 {
        asm.shift_imm(Shift::Right, ECX, shift);
    }
    asm.zero_extend_byte(ECX, ECX);
    asm.mov_imm64(EDX, table.as_ptr() as u64);
    asm.load_eax_rdx_rcx4();
    if shift != 0 {
        asm.shift_imm(Shift::RotateLeft, EAX, shift);
    }
    asm.alu_guest(Alu::Xor, EAX, op.rs1);
    if op.rd != 0 {
        asm.store_guest(op.rd, EAX);
    }
}

/// The computing ops: rd (never x0 here: decode.rs made those Nop) from
/// rs1 and rs2 or the immediate.
fn compute(asm: &mut Asm, op: &Op, pc: u32) {
    use Kind::*;
    let (rd, rs1, rs2, imm) = (op.rd, op.rs1, op.rs2, op.imm);
    match op.kind {
        Nop => return,
        Lui => asm.mov_imm(EAX, imm),
        Auipc => asm.mov_imm(EAX, pc.wrapping_add(imm)),
        Addi | Xori | Ori | Andi => {
            let alu = match op.kind {
                Addi => Alu::Add,
                Xori => Alu::Xor,
                Ori => Alu::Or,
                _ => Alu::And,
            };
            asm.load_guest(EAX, rs1);
            if imm != 0 || !matches!(alu, Alu::Add | Alu::Xor | Alu::Or) {
                asm.alu_imm(alu, EAX, imm);
            }
        }
        Slti | Sltiu => {
            asm.load_guest(EAX, rs1);
            asm.alu_imm(Alu::Cmp, EAX, imm);
            asm.set(if op.kind == Slti { Cond::Less } else { Cond::Below }, EAX);
        }
        Slli | Srli | Srai => {
            let kind = match op.kind {
                Slli => Shift::Left,
                Srli => Shift::Right,
                _ => Shift::Arithmetic,
            };
            asm.load_guest(EAX, rs1);
            if imm != 0 {
                asm.shift_imm(kind, EAX, imm as u8);
            }
        }
        Add | Sub | Xor | Or | And => {
            let alu = match op.kind {
                Add => Alu::Add,
                Sub => Alu::Sub,
                Xor => Alu::Xor,
                Or => Alu::Or,
                _ => Alu::And,
            };
            asm.load_guest(EAX, rs1);
            asm.alu_guest(alu, EAX, rs2);
        }
        Slt | Sltu => {
            asm.load_guest(EAX, rs1);
            asm.alu_guest(Alu::Cmp, EAX, rs2);
            asm.set(if op.kind == Slt { Cond::Less } else { Cond::Below }, EAX);
        }
        Sll | Srl | Sra => {
            let kind = match op.kind {
                Sll => Shift::Left,
                Srl => Shift::Right,
                _ => Shift::Arithmetic,
            };
            asm.load_guest(ECX, rs2);
            asm.load_guest(EAX, rs1);
            asm.shift_cl(kind, EAX);
        }
        Mul => {
            asm.load_guest(EAX, rs1);
            asm.load_guest(ECX, rs2);
            asm.imul(EAX, ECX);
        }
        Mulh | Mulhsu | Mulhu => {
            // 64-bit products of the operands extended as the op says: a
            // 32 × 32-bit product fits, its high half is bits 32-63.
            asm.load_guest(EAX, rs1);
            asm.load_guest(ECX, rs2);
            if op.kind != Mulhu {
                asm.sign_extend64(EAX, EAX);
            }
            if op.kind == Mulh {
                asm.sign_extend64(ECX, ECX);
            }
            asm.imul64(EAX, ECX);
            asm.shr64(EAX, 32);
        }
        _ => unreachable!("supported() leaves {:?} to the interpreter", op.kind),
    }
    asm.store_guest(rd, EAX);
}
