//! RISC-V: what the ISA defines (`isa`, plain data the host tests use
//! too); on the machine, the boot path (M-mode to S-mode with paging on),
//! the trap entry and exit, CSR access, the kernel's view of memory, and
//! the board's devices as the kernel drives them (`machine`).

pub mod isa;
#[cfg(target_arch = "riscv32")]
pub mod aes32;
#[cfg(target_arch = "riscv32")]
pub mod boot;
#[cfg(target_arch = "riscv32")]
mod boot_rom;
#[cfg(target_arch = "riscv32")]
pub mod csr;
#[cfg(target_arch = "riscv32")]
pub mod hw;
#[cfg(target_arch = "riscv32")]
pub mod machine;
#[cfg(target_arch = "riscv32")]
pub mod panic;
#[cfg(target_arch = "riscv32")]
pub mod trap;
#[cfg(target_arch = "riscv32")]
mod fast_trap;
