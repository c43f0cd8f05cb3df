//! Device pages mapped into processes (MapMemory of a physical range the
//! board lets user processes drive): who has each, so one process at a time
//! drives a device and a dying process gives its pages back.
//!
//! Kept as ranges, one per MapMemory call: a device may be many pages (the
//! Baochip-1x's RRAM disk is 256), and a table of pages would have to be
//! as large as the largest device. Unmapping part of a range shrinks or
//! splits it; a split that finds no free slot leaves the page counted as
//! the process's until it ends (it is unmapped all the same).

use crate::mem::PAGE_SIZE;
use crate::slot::Slot;

/// Device ranges mapped into processes at once.
pub const MAX_DEVICE_RANGES: usize = 32;

/// Pages `start..end` of a device, mapped by `pid`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    pub start: usize,
    pub end: usize,
    pub pid: u8,
}

pub struct Devices {
    pub owners: [Slot<Mapped>; MAX_DEVICE_RANGES],
}

impl Devices {
    pub const fn new() -> Devices {
        Devices { owners: [Slot::Empty; MAX_DEVICE_RANGES] }
    }

    pub fn owner(&self, pa: usize) -> Option<u8> {
        self.owners.iter().filter_map(Slot::get).find(|m| (m.start..m.end).contains(&pa)).map(|m| m.pid)
    }

    /// Records `pid` as the user of the device pages `start..end`; false
    /// when the table is full.
    pub fn take(&mut self, start: usize, end: usize, pid: u8) -> bool {
        match self.owners.iter().position(Slot::is_empty) {
            Some(i) => {
                self.owners[i] = Slot::Full(Mapped { start, end, pid });
                true
            }
            None => false,
        }
    }

    /// `pid` unmapped device page `pa`.
    pub fn release(&mut self, pa: usize, pid: u8) {
        let Some(i) = self.owners.iter().position(|o| o.get().is_some_and(|m| m.pid == pid && (m.start..m.end).contains(&pa))) else {
            return;
        };
        let Some(m) = self.owners[i].get() else { return };
        let after = pa + PAGE_SIZE;
        self.owners[i] = match (m.start == pa, m.end == after) {
            (true, true) => Slot::Empty,
            (true, false) => Slot::Full(Mapped { start: after, ..m }),
            (false, true) => Slot::Full(Mapped { end: pa, ..m }),
            (false, false) => match self.owners.iter().position(Slot::is_empty) {
                Some(free) => {
                    self.owners[free] = Slot::Full(Mapped { start: after, ..m });
                    Slot::Full(Mapped { end: pa, ..m })
                }
                None => Slot::Full(m),
            },
        };
    }

    /// Whether `pid` drives a device (has a device page mapped).
    pub fn drives_any(&self, pid: u8) -> bool {
        self.owners.iter().filter_map(Slot::get).any(|m| m.pid == pid)
    }

    pub fn release_all(&mut self, pid: u8) {
        for o in self.owners.iter_mut() {
            if o.get().is_some_and(|m| m.pid == pid) {
                *o = Slot::Empty;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: usize = PAGE_SIZE;

    #[test]
    fn a_range_is_one_slot_and_gives_back_its_pages_one_by_one() {
        let mut d = Devices::new();
        assert!(d.take(0x6000_0000, 0x6000_0000 + 256 * P, 3));
        assert_eq!((d.owner(0x6000_0000), d.owner(0x6000_0000 + 255 * P), d.owner(0x6000_0000 + 256 * P)), (Some(3), Some(3), None));
        d.release(0x6000_0000 + 10 * P, 4);
        assert_eq!(d.owner(0x6000_0000 + 10 * P), Some(3), "another process cannot give it back");
        d.release(0x6000_0000, 3);
        d.release(0x6000_0000 + 255 * P, 3);
        d.release(0x6000_0000 + 10 * P, 3);
        assert_eq!(d.owner(0x6000_0000), None, "the first page, shrunk from the start");
        assert_eq!(d.owner(0x6000_0000 + 255 * P), None, "the last page, shrunk from the end");
        assert_eq!(d.owner(0x6000_0000 + 10 * P), None, "a middle page, split");
        assert_eq!((d.owner(0x6000_0000 + 9 * P), d.owner(0x6000_0000 + 11 * P)), (Some(3), Some(3)));
        for page in 1..255 {
            d.release(0x6000_0000 + page * P, 3);
        }
        assert!(d.owners.iter().all(Slot::is_empty), "every page back, every slot free");
    }

    #[test]
    fn a_split_without_a_free_slot_keeps_the_page_until_the_end() {
        let mut d = Devices::new();
        for i in 0..MAX_DEVICE_RANGES {
            assert!(d.take(i * 16 * P, i * 16 * P + 4 * P, 1 + (i % 2) as u8));
        }
        assert!(!d.take(0x7000_0000, 0x7000_0000 + P, 1), "full");
        d.release(P, 1);
        assert_eq!(d.owner(P), Some(1), "no slot for the split: still counted");
        assert_eq!(d.owner(2 * P), Some(1));
        d.release_all(1);
        assert_eq!((d.owner(P), d.owner(16 * P)), (None, Some(2)), "the process's ranges all go, the other's stay");
    }
}
