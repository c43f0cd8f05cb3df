//! RISC-V: the boot path (M-mode to S-mode with paging on), the trap entry
//! and exit, CSR access, and the kernel's view of physical memory.

pub mod boot;
pub mod csr;
pub mod hw;
pub mod panic;
pub mod trap;
