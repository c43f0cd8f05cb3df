//! Memory: physical frames and their owners, Sv32 page tables, the address
//! spaces built from them, device pages, user memory as the kernel handles
//! it, and the memory syscalls. All plain Rust, tested on the host.

pub mod devices;
pub mod frames;
pub mod map;
pub mod pte;
pub mod rom;
pub mod space;
pub mod user;
pub mod window;

pub use xous_abi::memory::PAGE_SIZE;
