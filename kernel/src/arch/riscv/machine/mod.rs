//! The machine around the CPU, as the kernel drives it: one module per
//! board (selected by the `board` crate's feature, through the kernel's
//! own `dabao` feature), each giving the same small set of items:
//!
//! - `machine_setup`, an assembly routine `_start` calls in M-mode with the
//!   MMU off (it may use t0-t2 and returns through ra): what only M-mode
//!   can set up on this machine;
//! - `image_flags(flags)`: the boot image's flags, before anything is
//!   printed (the MODEL flag: a model of the machine, under a runner);
//! - `start()`: the preemption clock and the interrupt controller, once the
//!   kernel runs in S-mode;
//! - `now()`: time since boot, in the board's TIMEBASE_HZ ticks;
//! - `next_interrupt()`: the next pending interrupt ([`Source`]), taken
//!   (claimed, or the tick acknowledged); `interrupt_waiting()`;
//! - `irq_exists`, `enable_irq`, `complete_irq`: process-owned interrupts;
//! - the console: `framed_console` (for the runner, or plain text for a
//!   person), `console_write`, `console_input_start`, `console_input`,
//!   `console_input_interrupt`;
//! - `after_satp_write()`: what the MMU needs after an address-space switch;
//! - `SwapDisk`: the device the kernel swaps to, if the board has one:
//!   `none()`, `find()` at boot, `holds(pa)` (its device page, which no
//!   process may map), `slots()`, `write` and `read` (a page, at its
//!   physical and kernel address, and its tag);
//! - `boot_entropy()`: swap's key from a device of the board (a TRNG), for
//!   boards whose key does not come in a device tree;
//! - `EMULATES_CSRS` and `emulated_csr(csr)`: whether the CPU lacks counter
//!   CSRs, and the value of one, which the kernel reads for user mode when
//!   its `csrr` traps;
//! - `power_off(code)`.

/// What interrupted.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The preemption clock: a quantum has passed (already acknowledged).
    Tick,
    /// A device's interrupt line, claimed: it stays quiet until completed.
    Device(usize),
}

#[cfg(feature = "dabao")]
mod dabao;
#[cfg(feature = "dabao")]
pub use dabao::*;
#[cfg(not(feature = "dabao"))]
mod qemu_virt;
#[cfg(not(feature = "dabao"))]
pub use qemu_virt::*;
