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
