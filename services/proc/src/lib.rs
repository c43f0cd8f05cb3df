//! The process manager's logic, without syscalls: reading an ELF file's
//! headers (`elf`), the children the manager started and who may wait on
//! them (`children`), and the pipes (`pipes`). The process itself
//! (`main.rs`) moves bytes and pages.
#![no_std]

extern crate alloc;

pub mod children;
pub mod elf;
pub mod pipes;
