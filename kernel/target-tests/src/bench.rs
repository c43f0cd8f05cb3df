//! What the kernel's bench programs share (`./x bench`): the guest's
//! retired-instruction counter, which QEMU makes exact and repeatable under
//! `-icount shift=0`, and a harness that turns it into instructions per
//! operation. Results go to stdout as `bench: NAME=VALUE` lines, which xtask
//! collects.

use crate::println;

/// The SID name of bench-server, which bench-client sends its messages to.
pub const SERVER_NAME: &str = "kernel-bench";

/// Calls of the operation in one batch.
pub const BATCH: u64 = 100;
/// Measured batches (after one warm-up batch).
pub const BATCHES: usize = 10;

pub use xous_rt::counters::instret;

/// Instructions retired by `BATCH` calls of `op`, loop included.
#[inline(never)]
fn batch(op: &mut dyn FnMut()) -> u64 {
    let start = instret();
    for _ in 0..BATCH {
        op();
    }
    instret() - start
}

/// The cheapest of `BATCHES` batches, after one warm-up batch. The timer
/// interrupts every 10 M instructions; the minimum leaves out the few
/// batches it lands in, so the result does not depend on where ticks fall.
fn cheapest_batch(op: &mut dyn FnMut()) -> u64 {
    batch(op);
    (0..BATCHES).map(|_| batch(op)).min().unwrap_or(0)
}

/// Instructions one call of `op` costs: the same loop around an empty
/// closure is measured too and subtracted, so only the body counts.
pub fn per_op(op: &mut dyn FnMut()) -> u64 {
    let empty = cheapest_batch(&mut || {});
    let full = cheapest_batch(op);
    (full.saturating_sub(empty) + BATCH / 2) / BATCH
}

/// One result line for xtask.
pub fn report(name: &str, value: u64) {
    println!("bench: {name}={value}");
}
