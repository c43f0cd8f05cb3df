//! File times: the system time read once at start (the system-time
//! service's UTC, what `SystemTime::now` reads: on a board without a
//! real-time clock it is the clock set at boot), then advanced by the
//! `time` counter, so stamping a file costs no message.

use xous_abi::message::InvokeType;
use xous_abi::services::systime;
use xous_rt::{connect, syscall, Syscall, SyscallResult};

pub struct Clock {
    /// ns since the Unix epoch at `start` ticks.
    epoch_ns: u64,
    start: u64,
}

impl Clock {
    /// Asks the system-time service for the time; without an answer,
    /// files are stamped from the epoch on.
    pub fn start() -> Clock {
        let start = xous_rt::counters::time();
        let epoch_ns = connect(systime::SID).ok().map_or(0, |st| {
            let r = syscall(Syscall::SendMessage, &[st, InvokeType::BlockingScalar as usize, systime::GET_UTC_TIME_MS, 0, 0, 0, 0]);
            let ms = if r[0] == SyscallResult::Scalar2 as usize { (r[1] as u64) | (r[2] as u64) << 32 } else { 0 };
            ms.saturating_mul(1_000_000)
        });
        Clock { epoch_ns, start }
    }

    /// ns since the Unix epoch.
    pub fn now(&self) -> u64 {
        let ticks = xous_rt::counters::time().wrapping_sub(self.start) as u128;
        self.epoch_ns + (ticks * 1_000_000_000 / board::TIMEBASE_HZ as u128) as u64
    }
}
