//! The C extension: each 16-bit instruction expanded into the 32-bit
//! instruction it stands for (RV32C; the floating-point forms and the
//! reserved encodings are illegal, as on the chip, which has no FPU).

fn r(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}
fn i(imm: i32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    ((imm as u32) & 0xFFF) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}
fn s(imm: i32, rs2: u32, rs1: u32, f3: u32, op: u32) -> u32 {
    let imm = imm as u32;
    (imm >> 5 & 0x7F) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1F) << 7 | op
}
fn b(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let imm = imm as u32;
    (imm >> 12 & 1) << 31 | (imm >> 5 & 0x3F) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm >> 1 & 0xF) << 8
        | (imm >> 11 & 1) << 7 | 0x63
}
fn j(imm: i32, rd: u32) -> u32 {
    let imm = imm as u32;
    (imm >> 20 & 1) << 31 | (imm >> 1 & 0x3FF) << 21 | (imm >> 11 & 1) << 20 | (imm >> 12 & 0xFF) << 12 | rd << 7 | 0x6F
}
/// Sign-extends the low `bits` bits.
fn sext(value: u32, bits: u32) -> i32 {
    ((value << (32 - bits)) as i32) >> (32 - bits)
}

/// The 32-bit instruction `c` stands for, or `None` if it is illegal.
pub fn expand(c: u16) -> Option<u32> {
    let c = c as u32;
    let rd = c >> 7 & 31;
    let rs2 = c >> 2 & 31;
    let rdp = 8 + (c >> 2 & 7); // rd' / rs2'
    let rs1p = 8 + (c >> 7 & 7);
    let imm6 = sext((c >> 7 & 0x20) | (c >> 2 & 0x1F), 6);
    let f3 = c >> 13;
    Some(match (c & 3, f3) {
        (0, 0) => {
            let imm = (c >> 7 & 0x30) | (c >> 1 & 0x3C0) | (c >> 4 & 0x4) | (c >> 2 & 0x8);
            if imm == 0 {
                return None; // also the all-zero instruction
            }
            i(imm as i32, 2, 0, rdp, 0x13)
        }
        (0, 2) | (0, 6) => {
            let imm = ((c >> 7 & 0x38) | (c >> 4 & 0x4) | (c << 1 & 0x40)) as i32;
            if f3 == 2 { i(imm, rs1p, 2, rdp, 0x03) } else { s(imm, rdp, rs1p, 2, 0x23) }
        }
        (1, 0) => i(imm6, rd, 0, rd, 0x13),
        (1, 1) | (1, 5) => {
            let off = (c >> 1 & 0x800) | (c >> 7 & 0x10) | (c >> 1 & 0x300) | (c << 2 & 0x400) | (c >> 1 & 0x40)
                | (c << 1 & 0x80) | (c >> 2 & 0xE) | (c << 3 & 0x20);
            j(sext(off, 12), if f3 == 1 { 1 } else { 0 })
        }
        (1, 2) => i(imm6, 0, 0, rd, 0x13),
        (1, 3) if rd == 2 => {
            let imm = (c >> 3 & 0x200) | (c >> 2 & 0x10) | (c << 1 & 0x40) | (c << 4 & 0x180) | (c << 3 & 0x20);
            if imm == 0 {
                return None;
            }
            i(sext(imm, 10), 2, 0, 2, 0x13)
        }
        (1, 3) => {
            if imm6 == 0 {
                return None;
            }
            ((imm6 as u32) << 12 & 0xFFFF_F000) | rd << 7 | 0x37
        }
        (1, 4) => {
            let shamt = c >> 2 & 0x1F;
            match c >> 10 & 3 {
                0 | 1 if c >> 12 & 1 == 1 => return None, // shamt[5] is RV64 only
                0 => i(shamt as i32, rs1p, 5, rs1p, 0x13),
                1 => i((shamt | 0x400) as i32, rs1p, 5, rs1p, 0x13),
                2 => i(imm6, rs1p, 7, rs1p, 0x13),
                _ if c >> 12 & 1 == 1 => return None, // subw/addw: RV64
                _ => {
                    let (f7, f3) = [(0x20, 0), (0, 4), (0, 6), (0, 7)][(c >> 5 & 3) as usize];
                    r(f7, rdp, rs1p, f3, rs1p, 0x33)
                }
            }
        }
        (1, 6) | (1, 7) => {
            let off = (c >> 4 & 0x100) | (c >> 7 & 0x18) | (c << 1 & 0xC0) | (c >> 2 & 0x6) | (c << 3 & 0x20);
            b(sext(off, 9), 0, rs1p, f3 - 6)
        }
        (2, 0) => {
            if c >> 12 & 1 == 1 {
                return None;
            }
            i((c >> 2 & 0x1F) as i32, rd, 1, rd, 0x13)
        }
        (2, 2) => {
            if rd == 0 {
                return None;
            }
            let imm = (c >> 7 & 0x20) | (c >> 2 & 0x1C) | (c << 4 & 0xC0);
            i(imm as i32, 2, 2, rd, 0x03)
        }
        (2, 4) => match (c >> 12 & 1, rd, rs2) {
            (0, 0, 0) => return None,
            (0, _, 0) => i(0, rd, 0, 0, 0x67),
            (0, _, _) => r(0, rs2, 0, 0, rd, 0x33),
            (_, 0, 0) => 0x0010_0073,
            (_, _, 0) => i(0, rd, 0, 1, 0x67),
            (_, _, _) => r(0, rs2, rd, 0, rd, 0x33),
        },
        (2, 6) => s(((c >> 7 & 0x3C) | (c >> 1 & 0xC0)) as i32, rs2, 2, 2, 0x23),
        _ => return None,
    })
}
