//! The board: where things are on the one machine we run on. Only this
//! module knows addresses; the Baochip-1x gets a sibling of `qemu_virt`.

mod qemu_virt;
pub use qemu_virt::*;
