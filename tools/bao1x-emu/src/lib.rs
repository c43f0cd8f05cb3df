//! `bao1x-emu`: a functional model of the Baochip-1x, written from the
//! chip's published descriptions (see the shared `bao1x.md`), to run and
//! test the dabao port where no emulator of the chip can be installed. It
//! models what differs from QEMU virt where a port breaks: the CSR set (no
//! `time`), the MMU (A/D never set by hardware, a TLB without ASIDs), the
//! memory map (RRAM at 0x6000_0000, 2 MiB SRAM at 0x6100_0000) and the
//! devices; docs/bao1x.md keeps the list of what is modelled and what not.
//! Functional, not cycle-accurate: `mcycle` counts instructions stepped.
//! For speed it runs decoded blocks of instructions (block.rs,
//! run_block.rs) with exactly the results of stepping one at a time.

pub mod aes32;
pub mod block;
pub mod bus;
pub mod code_pages;
pub mod compressed;
pub mod cpu;
pub mod csr;
pub mod data_pages;
pub mod decode;
pub mod jit;
pub mod devices;
pub mod machine;
pub mod mmu;
pub mod run_block;
pub mod trap;

pub use machine::{Machine, Outcome};

#[cfg(test)]
mod tests;
