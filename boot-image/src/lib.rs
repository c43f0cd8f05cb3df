//! The boot image: the one file the host gives the machine.
//!
//! It is stored in the board's read-only memory (QEMU virt's flash, the
//! Baochip-1x's RRAM), or QEMU's `-kernel` loads it at the start of RAM; the
//! CPU runs offset 0, a jump over the header page to the kernel at 0x1000,
//! which copies the image's head to RAM when it runs elsewhere. After the kernel's memory come the process directory
//! and each initial process's data (parameter block and segment bytes, page
//! by page). FORMAT.md describes every byte; [`layout`] holds the offsets.
//!
//! [`parse`] checks the structure (bounds with checked arithmetic, the
//! header's CRC, user space, overlaps, names) before anything is used,
//! allocates nothing and never panics, so the kernel runs it on the image
//! where it is stored; [`verify_data`] checks the CRC of every process's bytes, which the
//! host tools do (the kernel maps those bytes in place and never reads them). The writer
//! ([`write()`], feature `std`) is for the host tools.

#![no_std]
#![forbid(unsafe_code)]

#[cfg(any(test, feature = "std"))]
extern crate std;

mod crc32;
mod error;
mod image;
pub mod layout;
mod parse;
mod process;
mod segment;
#[cfg(any(test, feature = "std"))]
mod write;

pub use error::{ImageError, Name, ProcessError, SegmentError};
pub use image::{Header, Image};
pub use parse::{parse, verify_data};
pub use process::{Process, Processes};
pub use segment::{Segment, Segments};
#[cfg(any(test, feature = "std"))]
pub use write::{reseal, write, write_split, write_with, KernelSegment, ProcessInput, ProcessSegment, WriteError, Written};

#[cfg(test)]
mod tests;
