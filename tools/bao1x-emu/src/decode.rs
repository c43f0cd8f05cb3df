//! One (expanded) instruction turned into a micro-op: its kind, register
//! numbers and immediate pulled out once, so that running it again costs
//! no decoding. What the fast ops cover is plain computation, loads,
//! stores and control flow; anything that may change the mode, the
//! interrupt state or the address space (CSRs, `ecall`, `mret`, `wfi`,
//! `sfence.vma`, ...) and the atomics stay `Slow`: cpu.rs executes them,
//! and they end their block.

use crate::aes32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Nothing to do: `fence`, `fence.i` (stores retire stale code at
    /// once), the chip's D$ flush, and computations into x0.
    Nop,
    Lui,
    Auipc,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    /// One of the AES32 instructions; `imm` holds its funct7.
    Aes,
    Lb,
    Lh,
    Lw,
    Lbu,
    Lhu,
    Sb,
    Sh,
    Sw,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Jal,
    Jalr,
    /// Executed by cpu.rs as stepping would; `imm` holds the instruction.
    Slow,
}

/// A decoded instruction. `off` is its offset from its block's start,
/// `len` its length in bytes (2 or 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub kind: Kind,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub imm: u32,
    pub off: u16,
    pub len: u8,
}

impl Kind {
    /// Whether a block ends after this op (control leaves it, or the op
    /// may change what the next instruction runs under).
    pub fn ends_block(self) -> bool {
        matches!(self, Kind::Jal | Kind::Jalr | Kind::Slow)
    }

    /// Only computes rd: with rd = x0, nothing at all.
    fn computes_only(self) -> bool {
        use Kind::*;
        !matches!(self, Nop | Lb | Lh | Lw | Lbu | Lhu | Sb | Sh | Sw | Beq | Bne | Blt | Bge | Bltu | Bgeu | Jal | Jalr | Slow)
    }
}

/// The op for `inst` (32-bit, or a compressed one expanded), or `None` if
/// it is illegal (left for stepping to trap on).
pub fn decode(inst: u32) -> Option<(Kind, u8, u8, u8, u32)> {
    use Kind::*;
    let rd = (inst >> 7 & 31) as u8;
    let rs1 = (inst >> 15 & 31) as u8;
    let rs2 = (inst >> 20 & 31) as u8;
    let f3 = inst >> 12 & 7;
    let f7 = inst >> 25;
    let imm_i = (inst as i32 >> 20) as u32;
    let (kind, imm) = match inst & 0x7F {
        0x37 => (Lui, inst & 0xFFFF_F000),
        0x17 => (Auipc, inst & 0xFFFF_F000),
        0x6F => {
            let imm = ((inst & 0x8000_0000) as i32 >> 11) as u32
                | (inst & 0xFF000)
                | (inst >> 9 & 0x800)
                | (inst >> 20 & 0x7FE);
            (Jal, imm)
        }
        0x67 if f3 == 0 => (Jalr, imm_i),
        0x63 => {
            let kind = [Some(Beq), Some(Bne), None, None, Some(Blt), Some(Bge), Some(Bltu), Some(Bgeu)][f3 as usize]?;
            let imm = ((inst & 0x8000_0000) as i32 >> 19) as u32
                | (inst << 4 & 0x800)
                | (inst >> 20 & 0x7E0)
                | (inst >> 7 & 0x1E);
            (kind, imm)
        }
        0x03 => ([Some(Lb), Some(Lh), Some(Lw), None, Some(Lbu), Some(Lhu), None, None][f3 as usize]?, imm_i),
        0x23 => {
            let imm = ((inst as i32 >> 25) << 5) as u32 | (inst >> 7 & 31);
            ([Some(Sb), Some(Sh), Some(Sw), None, None, None, None, None][f3 as usize]?, imm)
        }
        0x13 => match f3 {
            0 => (Addi, imm_i),
            2 => (Slti, imm_i),
            3 => (Sltiu, imm_i),
            4 => (Xori, imm_i),
            6 => (Ori, imm_i),
            7 => (Andi, imm_i),
            1 if f7 == 0 => (Slli, imm_i & 31),
            5 if f7 == 0 => (Srli, imm_i & 31),
            5 if f7 == 0x20 => (Srai, imm_i & 31),
            _ => return None,
        },
        0x33 => {
            let kind = match (f7, f3) {
                (0, 0) => Add,
                (0x20, 0) => Sub,
                (0, 1) => Sll,
                (0, 2) => Slt,
                (0, 3) => Sltu,
                (0, 4) => Xor,
                (0, 5) => Srl,
                (0x20, 5) => Sra,
                (0, 6) => Or,
                (0, 7) => And,
                (1, _) => [Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu][f3 as usize],
                (_, 0) if aes32::execute(f7, 0, 0).is_some() => Aes,
                _ => return None,
            };
            (kind, f7)
        }
        0x0F if matches!(f3, 0 | 1 | 5) => (Nop, 0),
        // The system instructions and the atomics: as stepping runs them
        // (illegal forms among them trap there too).
        0x73 | 0x2F => (Slow, inst),
        _ => return None,
    };
    if rd == 0 && kind.computes_only() {
        return Some((Nop, 0, 0, 0, 0));
    }
    Some((kind, rd, rs1, rs2, imm))
}
