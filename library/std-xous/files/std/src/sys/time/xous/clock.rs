//! The time since boot, read from the counter itself where the board lets
//! user mode read it.
//!
//! Upstream sends the ticktimer a message for every `Instant::now` (a round
//! trip through two processes, and whole milliseconds only). Our ticktimer
//! counts the `time` CSR, which user mode may read on our boards, and tells
//! its rate when asked with its TIME_SOURCE opcode (abi/src/services.rs in
//! the repository, included in std as `sys::pal::abi`). std asks once per
//! process, then reads the counter: tens of instructions, at the counter's
//! resolution (100 ns at 10 MHz). A
//! ticktimer without the opcode, or a board without such a counter, answers
//! otherwise, and `Instant` keeps asking for milliseconds.
//!
//! Turning ticks into seconds and nanoseconds divides by the rate, and a
//! 64-bit division is a call into compiler-builtins on RV32 (about 100
//! instructions, two of them a read): the rate's reciprocal is worked out
//! once, and each read multiplies by it instead (`Rate::split`).

use crate::os::xous::ffi::blocking_scalar;
use crate::os::xous::services::ticktimer_server;
use crate::sync::atomic::{AtomicU32, Ordering};
// BlockingScalar -> Scalar2(rate in Hz, TIME_SOURCE_TAG).
use crate::sys::pal::abi::services::ticktimer::{TIME_SOURCE, TIME_SOURCE_TAG};
use crate::time::Duration;

/// The counter's rate: 0 until asked, 1 (no real rate) when there is none.
/// Published (Release) after RECIPROCAL_*, which it guards.
static RATE_HZ: AtomicU32 = AtomicU32::new(0);
/// The two halves of `Rate::reciprocal` for RATE_HZ: every thread that
/// asks works out and stores the same values, so a race is harmless.
static RECIPROCAL_LOW: AtomicU32 = AtomicU32::new(0);
static RECIPROCAL_HIGH: AtomicU32 = AtomicU32::new(0);
const NO_COUNTER: u32 = 1;

/// The time since boot from the counter; `None` when there is none to read.
pub(super) fn since_boot() -> Option<Duration> {
    let rate = match RATE_HZ.load(Ordering::Acquire) {
        0 => {
            let hz = ask_rate();
            let rate = Rate::new(hz);
            RECIPROCAL_LOW.store(rate.reciprocal as u32, Ordering::Relaxed);
            RECIPROCAL_HIGH.store((rate.reciprocal >> 32) as u32, Ordering::Relaxed);
            RATE_HZ.store(hz, Ordering::Release);
            rate
        }
        hz => Rate {
            hz,
            reciprocal: u64::from(RECIPROCAL_LOW.load(Ordering::Relaxed))
                | u64::from(RECIPROCAL_HIGH.load(Ordering::Relaxed)) << 32,
        },
    };
    if rate.hz == NO_COUNTER {
        return None;
    }
    let (seconds, ticks) = rate.split(read_counter());
    // ticks < hz, so ticks * 10^9 < 2^32 * 10^9 < 2^62, and the quotient
    // is below 10^9.
    let (nanoseconds, _) = rate.split(u64::from(ticks) * 1_000_000_000);
    Some(Duration::new(seconds, nanoseconds as u32))
}

/// A counter's rate with its reciprocal, to divide by it with multiplications.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rate {
    hz: u32,
    /// floor((2^64 - 1) / hz).
    reciprocal: u64,
}

impl Rate {
    pub(super) fn new(hz: u32) -> Rate {
        Rate { hz, reciprocal: u64::MAX / u64::from(hz.max(1)) }
    }

    /// `(n / hz, n % hz)`, exactly, for any `n`.
    pub(super) fn split(self, n: u64) -> (u64, u32) {
        // 2^64 / hz - 1 - 1 / hz < reciprocal < 2^64 / hz, so this guess is
        // never above n / hz and at most two below (one for n < 2^63, as
        // every n here is).
        let mut quotient = high_half_of_product(n, self.reciprocal);
        let mut remainder = n - quotient * u64::from(self.hz);
        while remainder >= u64::from(self.hz) {
            quotient += 1;
            remainder -= u64::from(self.hz);
        }
        (quotient, remainder as u32)
    }
}

/// The upper 64 bits of the 128-bit `a * b`, from 32-bit halves: four
/// multiplications the core does itself (a u128 product would be a call).
pub(super) fn high_half_of_product(a: u64, b: u64) -> u64 {
    let (a_low, a_high) = (a & 0xffff_ffff, a >> 32);
    let (b_low, b_high) = (b & 0xffff_ffff, b >> 32);
    let low_low = a_low * b_low;
    let low_high = a_low * b_high;
    let high_low = a_high * b_low;
    let middle = (low_low >> 32) + (low_high & 0xffff_ffff) + (high_low & 0xffff_ffff);
    a_high * b_high + (low_high >> 32) + (high_low >> 32) + (middle >> 32)
}

fn ask_rate() -> u32 {
    match blocking_scalar(ticktimer_server(), [TIME_SOURCE, 0, 0, 0, 0]) {
        Ok([hz, TIME_SOURCE_TAG, ..]) if hz > 1 => u32::try_from(hz).unwrap_or(NO_COUNTER),
        _ => NO_COUNTER,
    }
}

/// The 64-bit `time` CSR, read as two halves until the high half holds
/// still across the read of the low one.
fn read_counter() -> u64 {
    loop {
        let (high, low, again): (u32, u32, u32);
        // SAFETY: reads of the `time` counter touch no memory and change
        // nothing; the ticktimer said user mode may read it on this board.
        unsafe {
            crate::arch::asm!(
                "rdtimeh {0}", "rdtime {1}", "rdtimeh {2}",
                out(reg) high, out(reg) low, out(reg) again,
                options(nomem, nostack),
            )
        };
        if high == again {
            return (u64::from(high) << 32) | u64::from(low);
        }
    }
}

#[cfg(test)]
mod tests;
