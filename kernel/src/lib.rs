//! A message-passing microkernel for RV32IMAC with the Sv32 MMU that speaks
//! the Xous ABI, so that the std in the compiler's own library source runs
//! on it unmodified.
//!
//! Design principles:
//! - **The kernel is plain Rust over two traits.** Page tables, frame
//!   ownership, processes, threads, the run queue and every syscall are
//!   ordinary data structures and functions, written against [`kernel::Platform`]
//!   and [`mem::space::PhysMem`]; they are unit-tested on the host. Only
//!   `arch/` (trap entry, context switch, CSRs, the boot path; all the
//!   `unsafe` and assembly, the only module where `unsafe` is allowed) and
//!   `board/` (addresses of one machine) touch hardware.
//! - **The caller faults, never the kernel.** Every syscall checks its
//!   arguments and answers with an ABI error; a user fault ends that process
//!   with a one-line report. No user input reaches a `panic!`.
//! - **Every frame has one owner.** The frame table records who owns each
//!   physical page, so a dying process gives back exactly what it had.
//! - **The kernel is not preemptible and has one stack.** Traps run to
//!   completion with interrupts off; a thread that blocks is simply not in
//!   the run queue, and an idle system waits in `wfi`.

#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod console;
pub mod exits;
pub mod fault;
pub mod fdt;
pub mod interrupt;
pub mod ipc;
pub mod kernel;
pub mod loader;
pub mod mem;
pub mod process;
pub mod sched;
pub mod slot;
pub mod swap;
pub mod syscall;
pub mod thread;
pub mod threads;
pub mod tidset;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exits;
#[cfg(test)]
mod tests_hostile;
#[cfg(test)]
mod tests_ipc;
#[cfg(test)]
mod tests_irq;
#[cfg(test)]
mod tests_process;
#[cfg(test)]
mod tests_stack;
#[cfg(test)]
mod tests_swap;
#[cfg(test)]
mod tests_store;
#[cfg(test)]
mod tests_threads;

#[allow(unsafe_code)]
pub mod arch;
