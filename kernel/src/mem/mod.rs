//! Memory: physical frames and their owners, Sv32 page tables, and the
//! address spaces built from them. All plain data structures, tested on the host.

pub mod frames;
pub mod pte;
pub mod space;
pub mod window;

pub use xous_abi::memory::PAGE_SIZE;
