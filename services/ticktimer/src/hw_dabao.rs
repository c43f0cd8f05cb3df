//! The ticktimer's hardware on the Baochip-1x (dabao): the chip's own
//! ticktimer block, whose count the kernel has set to TIMEBASE_HZ
//! (microseconds) and whose alarm (a level: target ≤ count, while enabled)
//! is this service's interrupt. All of the process's `unsafe` is here.
//!
//! The chip has no battery-backed real-time clock: the "RTC" time this
//! service answers (systime's RTC_TIME_NS) is the time since boot, so
//! `SystemTime::now()` starts at the Unix epoch when the board boots
//! (docs/bao1x.md).

use board::ticktimer::{EV_ENABLE, TARGET0, TARGET1, TIME0, TIME1};
use core::sync::atomic::{AtomicUsize, Ordering};
use xous_abi::memory::flags;
use xous_rt::{error_of, syscall, Error, Syscall};

/// Nanoseconds per tick.
pub const NS_PER_TICK: u64 = 1_000_000_000 / board::TIMEBASE_HZ;
/// The alarm's interrupt line.
pub const ALARM_IRQ: usize = board::ticktimer::LINE;

/// Where the ticktimer's page is mapped (0 until `Rtc::map`).
static BASE: AtomicUsize = AtomicUsize::new(0);

/// The count since boot, in TIMEBASE_HZ ticks.
pub fn ticks() -> u64 {
    let base = BASE.load(Ordering::Relaxed);
    loop {
        let high = read(base, TIME1);
        let low = read(base, TIME0);
        if read(base, TIME1) == high {
            return ((high as u64) << 32) | low as u64;
        }
    }
}

/// The ticktimer block, mapped into this process (the kernel reads its
/// count too, in its own mapping; only this process sets the alarm).
pub struct Rtc {
    base: usize,
}

impl Rtc {
    pub fn map() -> Result<Rtc, Error> {
        let r = syscall(Syscall::MapMemory, &[board::ticktimer::BASE, 0, 4096, flags::R | flags::W]);
        match error_of(r) {
            Some(e) => Err(e),
            None => {
                BASE.store(r[1], Ordering::Relaxed);
                Ok(Rtc { base: r[1] })
            }
        }
    }

    /// Where the registers are mapped (the interrupt handler's argument).
    pub fn base(&self) -> usize {
        self.base
    }

    /// No wall clock on this chip: nanoseconds since boot.
    pub fn now_ns(&self) -> u64 {
        ticks().saturating_mul(NS_PER_TICK)
    }

    /// The alarm raises its line only while enabled, which `alarm_after_ns` does.
    pub fn enable_interrupt(&self) {}

    pub fn alarm_after_ns(&self, ns: u64) {
        alarm_after_ns(self.base, ns);
    }

    pub fn cancel_alarm(&self) {
        clear_interrupt(self.base);
    }
}

/// Arms the alarm `ns` from now (at least one tick on); for the interrupt
/// handler too, which has only the base address.
pub fn alarm_after_ns(base: usize, ns: u64) {
    let at = ticks().saturating_add(ns.div_ceil(NS_PER_TICK).max(1));
    write(base, EV_ENABLE, 0);
    write(base, TARGET1, (at >> 32) as u32);
    write(base, TARGET0, at as u32);
    write(base, EV_ENABLE, 1);
}

/// Lowers the alarm's line (from the interrupt handler): the alarm is a
/// level, so it is switched off until armed again.
pub fn clear_interrupt(base: usize) {
    write(base, EV_ENABLE, 0);
}

fn read(base: usize, register: usize) -> u32 {
    // SAFETY: `base` is where `Rtc::map` mapped the ticktimer's page, which
    // stays mapped for the life of the process; the register is in it.
    unsafe { ((base + register) as *const u32).read_volatile() }
}

fn write(base: usize, register: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { ((base + register) as *mut u32).write_volatile(value) }
}
