//! The board: the one place that knows where things are on the machine we
//! run on. The kernel, the services (drivers) and the runner use it; the
//! Baochip-1x gets a sibling of `qemu_virt`, selected here.

#![no_std]
#![forbid(unsafe_code)]

mod qemu_virt;
pub use qemu_virt::*;
