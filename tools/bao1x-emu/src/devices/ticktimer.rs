//! The ticktimer at 0xE001_B000: an always-on counter of ticks, one every
//! CLOCKS_PER_TICK CPU clocks (the model's clock: one per instruction
//! stepped), with a level alarm (target <= time) on interrupt line 20.

pub const BASE: u32 = 0xE001_B000;
pub const LINE: u32 = 20;
const CONTROL: u32 = 0x00;
const TIME1: u32 = 0x04;
const TIME0: u32 = 0x08;
const TARGET1: u32 = 0x0C;
const TARGET0: u32 = 0x10;
const EV_STATUS: u32 = 0x14;
const EV_PENDING: u32 = 0x18;
const EV_ENABLE: u32 = 0x1C;
const CLOCKS_PER_TICK: u32 = 0x20;

pub struct Ticktimer {
    /// Ticks counted before the last change of rate, and when that was.
    base_ticks: u64,
    rate_since: u64,
    clocks_per_tick: u32,
    target: u64,
    enable: bool,
}

impl Default for Ticktimer {
    fn default() -> Ticktimer {
        // The chip's reset value (the RTL simulation's): 1,000 clocks a tick.
        Ticktimer { base_ticks: 0, rate_since: 0, clocks_per_tick: 1000, target: 0, enable: false }
    }
}

impl Ticktimer {
    pub fn ticks(&self, now: u64) -> u64 {
        self.base_ticks + (now - self.rate_since) / self.clocks_per_tick.max(1) as u64
    }

    fn alarm(&self, now: u64) -> bool {
        self.target <= self.ticks(now)
    }

    /// Whether line 20 is raised.
    pub fn line(&self, now: u64) -> bool {
        self.enable && self.alarm(now)
    }

    /// The clock at which the line will rise, if it is enabled and low.
    pub fn next_event(&self, now: u64) -> Option<u64> {
        if !self.enable || self.alarm(now) {
            return None;
        }
        let ticks_to_go = self.target - self.ticks(now);
        let rate = self.clocks_per_tick.max(1) as u64;
        let into_tick = (now - self.rate_since) % rate;
        Some(now + ticks_to_go * rate - into_tick)
    }

    pub fn read(&self, offset: u32, now: u64) -> u32 {
        match offset {
            TIME1 => (self.ticks(now) >> 32) as u32,
            TIME0 => self.ticks(now) as u32,
            TARGET1 => (self.target >> 32) as u32,
            TARGET0 => self.target as u32,
            EV_STATUS | EV_PENDING => self.alarm(now) as u32,
            EV_ENABLE => self.enable as u32,
            CLOCKS_PER_TICK => self.clocks_per_tick,
            _ => 0,
        }
    }

    pub fn write(&mut self, offset: u32, value: u32, now: u64) {
        match offset {
            CONTROL if value & 1 != 0 => {
                self.base_ticks = 0;
                self.rate_since = now;
            }
            TARGET1 => self.target = (self.target & 0xFFFF_FFFF) | (value as u64) << 32,
            TARGET0 => self.target = (self.target & !0xFFFF_FFFF) | value as u64,
            EV_ENABLE => self.enable = value & 1 != 0,
            CLOCKS_PER_TICK => {
                self.base_ticks = self.ticks(now);
                self.rate_since = now;
                self.clocks_per_tick = value;
            }
            _ => {}
        }
    }
}
