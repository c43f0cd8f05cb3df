//! What the RISC-V ISA defines that the portable kernel uses: where each
//! register sits in a saved context, and the exception code of each fault a
//! user thread can cause. Plain data, compiled for the host tests too.

use crate::fault::Fault;

/// Register numbers in a saved context.
pub mod reg {
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const TP: usize = 4;
    pub const A0: usize = 10;
    /// The saved pc sits where x0 (always zero) would.
    pub const PC: usize = 0;
}

/// Each fault's RISC-V exception code (scause) and its name in reports.
pub const FAULTS: [(Fault, usize, &str); 11] = [
    (Fault::InstructionMisaligned, 0, "misaligned instruction fetch"),
    (Fault::InstructionAccess, 1, "instruction access fault"),
    (Fault::IllegalInstruction, 2, "illegal instruction"),
    (Fault::Breakpoint, 3, "breakpoint"),
    (Fault::LoadMisaligned, 4, "misaligned load"),
    (Fault::LoadAccess, 5, "load access fault"),
    (Fault::StoreMisaligned, 6, "misaligned store"),
    (Fault::StoreAccess, 7, "store access fault"),
    (Fault::InstructionPage, 12, "instruction page fault"),
    (Fault::LoadPage, 13, "load page fault"),
    (Fault::StorePage, 15, "store page fault"),
];

/// A read of a user counter CSR (`cycle`, `time`, `instret` and their high
/// halves, 0xC00-0xC1F and 0xC80-0xC9F): `csrrs rd, csr, x0`, which is what
/// `csrr`, `rdtime` and friends assemble to. Its destination register and
/// CSR number, or None for any other instruction (writes included).
pub fn counter_read(instruction: u32) -> Option<(usize, u16)> {
    const SYSTEM: u32 = 0x73;
    const CSRRS: u32 = 2;
    let rd = ((instruction >> 7) & 0x1f) as usize;
    let funct3 = (instruction >> 12) & 7;
    let rs1 = (instruction >> 15) & 0x1f;
    let csr = (instruction >> 20) as u16;
    let is_counter = matches!(csr, 0xC00..=0xC1F | 0xC80..=0xC9F);
    (instruction & 0x7f == SYSTEM && funct3 == CSRRS && rs1 == 0 && is_counter).then_some((rd, csr))
}

#[cfg(test)]
mod tests {
    use super::counter_read;

    #[test]
    fn counter_reads_are_told_from_other_instructions() {
        // Encodings from the assembler (riscv64-unknown-elf-as -march=rv32i).
        assert_eq!(counter_read(0xc01027f3), Some((15, 0xC01)), "rdtime a5");
        assert_eq!(counter_read(0xc8102573), Some((10, 0xC81)), "rdtimeh a0");
        assert_eq!(counter_read(0xc0002373), Some((6, 0xC00)), "rdcycle t1");
        assert_eq!(counter_read(0xc0102073), Some((0, 0xC01)), "csrr zero, time");
        assert_eq!(counter_read(0xc010a7f3), None, "csrrs a5, time, ra: a write");
        assert_eq!(counter_read(0xc01017f3), None, "csrrw a5, time, zero: a write");
        assert_eq!(counter_read(0x100027f3), None, "csrr a5, sstatus: not a counter");
        assert_eq!(counter_read(0x00000073), None, "ecall");
        assert_eq!(counter_read(0x00000000), None, "an illegal zero word");
    }
}
