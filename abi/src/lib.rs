//! The Xous ABI, defined once.
//!
//! Every number that crosses the user/kernel boundary, or the boundary between
//! a program and a service, lives here: the kernel, the services, the host
//! tools (image builder, runner) and our std layer all use this crate, so the
//! two sides cannot drift. It is `no_std`, allocation-free and has no
//! dependencies. Our std layer includes this source as a module
//! (`library/std-xous/MODULES`), so the code it keeps says `super::`, never
//! `crate::`, and its host tests come last in each file. The reference
//! client is the Xous platform layer of the compiler's library source
//! (`std/src/os/xous`, `std/src/sys/*/xous*`); where a value here is also
//! there, it must agree, and `tests/upstream_std.rs` checks that it does.

#![no_std]
#![forbid(unsafe_code)]

pub mod console;
pub mod error;
pub mod memory;
pub mod message;
pub mod params;
pub mod platform;
pub mod process;
pub mod services;
pub mod syscall;

pub use error::Error;
pub use syscall::{Syscall, SyscallResult};

/// Limits of the kernel's tables (as in Xous).
pub mod limits {
    /// Processes, counting the kernel as PID 1.
    pub const MAX_PROCESSES: usize = 64;
    /// Threads of one process.
    pub const MAX_THREADS: usize = 255;
    /// Servers in the whole system.
    pub const MAX_SERVERS: usize = 128;
}

#[cfg(test)]
mod fuzz;
