//! The filesystem's logic, apart from the process that serves it: the
//! on-disk format and the operations over any `block::BlockDevice`,
//! host-tested with power cuts replayed at every write of a workload.
//!
//! The design is copy-on-write with an atomic superblock flip (`store.rs`),
//! chosen over a log because it needs no replay at mount, no log space
//! to size, and its one invariant (the durable tree is never written) is
//! simple to check. Metadata blocks and the superblocks carry CRC-32s: a
//! torn superblock is ignored in favour of the other copy, a damaged
//! metadata block is an I/O error, never trusted. Nothing that is not
//! ours is destroyed: a device without a whole superblock is formatted
//! only if it is blank (`examine.rs`), or when asked (`Fs::format`);
//! anything else, someone else's data or our format damaged beyond what
//! the second superblock repairs, is refused with its reason
//! (`refusal.rs`) and not written to. Mounting and `check` (the host tool
//! xous-fs) walk the tree with the same code (`verify.rs`). Free space is not
//! stored: mounting walks the tree from the root and counts what it
//! reaches, which also drops files that were open but nameless at a cut.
//! Symbolic links (an inode holding its target) and hard links (entries
//! sharing an inode, which counts them) are part of the format; paths are
//! resolved here, links followed with a bound (`fs.rs`).
//!
//! The crates we looked at: littlefs2 (Rust bindings over the C library:
//! not cc-free) and fatfs (FAT has no crash safety). Neither meets the bar.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod bitmap;
mod crc;
mod dir_index;
mod error;
mod examine;
mod fs;
mod layout;
mod path;
mod ram;
mod refusal;
mod store;
mod tree;
mod verify;

pub use error::{FsError, Result};
pub use examine::{check, Report};
pub use fs::{Attr, Fs, MIN_BLOCKS};
pub use refusal::{Damage, Problem, Refusal};
pub use verify::Walked;
pub use layout::{KIND_DIR, KIND_FILE, KIND_SYMLINK, LINKS_MAX, NAME_MAX};
pub use ram::RamDevice;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod power_cuts;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod refusals;
