//! The board: the one place that knows where things are on the machine we
//! run on. The kernel, the services (drivers) and the runner use it.
//!
//! Three boards: QEMU `virt` (the default), the Baochip-1x's dabao board
//! (feature `dabao`) and its baosec board (feature `baosec`: the dabao's
//! chip and an SPI PSRAM). The crate's root re-exports the selected one, so code
//! built for one board says `board::RAM_BASE`; host tools that serve both
//! name them (`board::dabao::RAM_BASE`). What differs in *how* a device is
//! driven lives with its driver (the kernel's `arch/riscv/machine`, a
//! service's `hw`), selected by the same feature.

#![no_std]
#![forbid(unsafe_code)]

pub mod baosec;
pub mod dabao;
pub mod qemu_virt;
pub mod virtio_mmio;
#[cfg(feature = "baosec")]
pub use baosec::*;
#[cfg(all(feature = "dabao", not(feature = "baosec")))]
pub use dabao::*;
#[cfg(not(feature = "dabao"))]
pub use qemu_virt::*;

/// How the kernel learns how much RAM the machine has.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RamSize {
    /// From the `memory` node of the flattened device tree whose physical
    /// address is in a1 when the kernel starts.
    DeviceTree,
    /// A fixed amount (a chip's SRAM), in bytes.
    Fixed(usize),
}
