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

use crate::os::xous::ffi::blocking_scalar;
use crate::os::xous::services::ticktimer_server;
use crate::sync::atomic::{AtomicU32, Ordering};
// BlockingScalar -> Scalar2(rate in Hz, TIME_SOURCE_TAG).
use crate::sys::pal::abi::services::ticktimer::{TIME_SOURCE, TIME_SOURCE_TAG};
use crate::time::Duration;

/// The counter's rate: 0 until asked, 1 (no real rate) when there is none.
static RATE_HZ: AtomicU32 = AtomicU32::new(0);
const NO_COUNTER: u32 = 1;

/// The time since boot from the counter; `None` when there is none to read.
pub(super) fn since_boot() -> Option<Duration> {
    let hz = match RATE_HZ.load(Ordering::Relaxed) {
        0 => {
            let hz = ask_rate();
            RATE_HZ.store(hz, Ordering::Relaxed);
            hz
        }
        hz => hz,
    };
    if hz == NO_COUNTER {
        return None;
    }
    let (ticks, hz) = (read_counter(), u64::from(hz));
    // (ticks % hz) * 10^9 < 2^32 * 10^9 < 2^64: no overflow.
    Some(Duration::new(ticks / hz, ((ticks % hz) * 1_000_000_000 / hz) as u32))
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
