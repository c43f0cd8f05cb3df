//! timer0 at 0xE001_C000, a LiteX down-counter on interrupt line 30: EN
//! loads VALUE from LOAD; it counts down one a clock (the model's clock:
//! one per instruction stepped); at zero it raises its `zero` event
//! (pending until written 1 to clear) and starts again from RELOAD, or
//! stays at zero when RELOAD is 0. UPDATE_VALUE latches VALUE for reading.

pub const BASE: u32 = 0xE001_C000;
pub const LINE: u32 = 30;
const LOAD: u32 = 0x00;
const RELOAD: u32 = 0x04;
const EN: u32 = 0x08;
const UPDATE_VALUE: u32 = 0x0C;
const VALUE: u32 = 0x10;
const EV_STATUS: u32 = 0x14;
const EV_PENDING: u32 = 0x18;
const EV_ENABLE: u32 = 0x1C;

#[derive(Default)]
pub struct Timer0 {
    load: u32,
    reload: u32,
    enabled: bool,
    /// The count at `since`.
    start: u32,
    since: u64,
    latched: u32,
    pending: bool,
    enable: bool,
}

impl Timer0 {
    /// Brings the count to `now`, noting each pass through zero.
    fn advance(&mut self, now: u64) {
        if !self.enabled || now <= self.since {
            self.since = self.since.max(now);
            return;
        }
        let elapsed = now - self.since;
        self.since = now;
        // Clocks spent at or after reaching zero.
        let after_zero = if self.start > 0 {
            if elapsed < self.start as u64 {
                self.start -= elapsed as u32;
                return;
            }
            self.pending = true;
            elapsed - self.start as u64
        } else {
            elapsed
        };
        if self.reload == 0 {
            self.start = 0;
            return;
        }
        // From zero: RELOAD the next clock, down to zero again: a period of RELOAD + 1.
        let period = self.reload as u64 + 1;
        if after_zero >= period {
            self.pending = true;
        }
        let position = after_zero % period;
        self.start = if position == 0 { 0 } else { (period - position) as u32 };
    }

    pub fn line(&mut self, now: u64) -> bool {
        self.advance(now);
        self.enable && self.pending
    }

    /// The clock at which the count next reaches zero, if it is counting
    /// and that would raise the line.
    pub fn next_event(&mut self, now: u64) -> Option<u64> {
        self.advance(now);
        if !self.enabled || !self.enable || self.pending {
            return None;
        }
        match (self.start, self.reload) {
            (0, 0) => None,
            (0, reload) => Some(now + reload as u64 + 1),
            (count, _) => Some(now + count as u64),
        }
    }

    pub fn read(&mut self, offset: u32, now: u64) -> u32 {
        self.advance(now);
        match offset {
            LOAD => self.load,
            RELOAD => self.reload,
            EN => self.enabled as u32,
            VALUE => self.latched,
            EV_STATUS => (self.start == 0) as u32,
            EV_PENDING => self.pending as u32,
            EV_ENABLE => self.enable as u32,
            _ => 0,
        }
    }

    pub fn write(&mut self, offset: u32, value: u32, now: u64) {
        self.advance(now);
        match offset {
            LOAD => self.load = value,
            RELOAD => self.reload = value,
            EN => {
                self.enabled = value & 1 != 0;
                self.start = self.load;
                self.since = now;
            }
            UPDATE_VALUE => self.latched = self.start,
            EV_PENDING if value & 1 != 0 => self.pending = false,
            EV_ENABLE => self.enable = value & 1 != 0,
            _ => {}
        }
    }
}
