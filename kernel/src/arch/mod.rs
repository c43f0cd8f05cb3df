//! The architecture: RISC-V (RV32IMAC, Sv32). All `unsafe` and all assembly
//! of the kernel live below this module, and what the ISA defines.

pub mod riscv;
