//! The board: the one place that knows where things are on the machine we
//! run on. The kernel, the services (drivers) and the runner use it; the
//! Baochip-1x gets a sibling of `qemu_virt`, selected here.

#![no_std]
#![forbid(unsafe_code)]

mod qemu_virt;
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
