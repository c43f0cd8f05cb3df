//! The ticktimer's hardware: the `time` CSR (time since boot) and the
//! goldfish RTC (the real-time clock, its alarm and the alarm's interrupt).
//! All of the process's `unsafe` is here.
//!
//! Deadlines are in `time` counts; the alarm is set that far ahead on the
//! RTC's clock, so the two must run at one rate. In QEMU `time` is guest
//! time and the RTC follows the host's clock by default: the same rate,
//! except under `-icount` with `sleep=off` (xous-run --icount), where guest
//! time races ahead while the guest idles, and a sleep ends on time by the
//! host's clock but very late by Instant. QEMU's `-rtc clock=vm` puts the
//! RTC on guest time and makes them one clock. An alarm that fires early
//! (the clocks drifted) is simply set again for the rest.

use xous_abi::memory::flags;
use xous_rt::{error_of, syscall, Error, Syscall};

/// Nanoseconds per `time` count.
pub const NS_PER_TICK: u64 = 1_000_000_000 / board::TIMEBASE_HZ;
/// The alarm's interrupt: the RTC's.
pub const ALARM_IRQ: usize = board::RTC_IRQ;

/// The `time` CSR: counts at board::TIMEBASE_HZ from boot; user mode may read it.
pub fn ticks() -> u64 {
    xous_rt::counters::time()
}

use board::rtc::{ALARM_HIGH, ALARM_LOW, CLEAR_ALARM, CLEAR_INTERRUPT, IRQ_ENABLED, TIME_HIGH, TIME_LOW};

/// The goldfish RTC, mapped into this process (the kernel gives a device
/// page to one process only: this one).
pub struct Rtc {
    base: usize,
}

impl Rtc {
    pub fn map() -> Result<Rtc, Error> {
        let r = syscall(Syscall::MapMemory, &[board::RTC, 0, 4096, flags::R | flags::W]);
        match error_of(r) {
            Some(e) => Err(e),
            None => Ok(Rtc { base: r[1] }),
        }
    }

    /// Where the registers are mapped (the interrupt handler's argument).
    pub fn base(&self) -> usize {
        self.base
    }

    /// Nanoseconds since the Unix epoch (QEMU starts it at the host's time).
    pub fn now_ns(&self) -> u64 {
        let low = read(self.base, TIME_LOW) as u64;
        let high = read(self.base, TIME_HIGH) as u64;
        (high << 32) | low
    }

    pub fn enable_interrupt(&self) {
        write(self.base, IRQ_ENABLED, 1);
    }

    pub fn alarm_after_ns(&self, ns: u64) {
        alarm_after_ns(self.base, ns);
    }

    pub fn cancel_alarm(&self) {
        write(self.base, CLEAR_ALARM, 1);
    }
}

/// Arms the alarm `ns` from now; for the interrupt handler too, which has
/// only the base address.
pub fn alarm_after_ns(base: usize, ns: u64) {
    let rtc = Rtc { base };
    let at = rtc.now_ns().saturating_add(ns);
    write(base, ALARM_HIGH, (at >> 32) as u32);
    write(base, ALARM_LOW, at as u32);
}

/// Lowers the alarm's interrupt (from the interrupt handler).
pub fn clear_interrupt(base: usize) {
    write(base, CLEAR_INTERRUPT, 1);
}

fn read(base: usize, register: usize) -> u32 {
    // SAFETY: `base` is where `Rtc::map` mapped the RTC's page, which stays
    // mapped for the life of the process; the register is in that page.
    unsafe { ((base + register) as *const u32).read_volatile() }
}

fn write(base: usize, register: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { ((base + register) as *mut u32).write_volatile(value) }
}
