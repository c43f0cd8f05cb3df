//! Device pages mapped into processes (MapMemory of a physical range the
//! board lets user processes drive): who has each, so one process at a time
//! drives a device and a dying process gives its pages back.

use crate::slot::Slot;


/// Device pages mapped into processes: each by one process at a time.
pub const MAX_DEVICE_PAGES: usize = 32;

pub struct Devices {
    pub owners: [Slot<(usize, u8)>; MAX_DEVICE_PAGES],
}

impl Devices {
    pub const fn new() -> Devices {
        Devices { owners: [Slot::Empty; MAX_DEVICE_PAGES] }
    }

    pub fn owner(&self, pa: usize) -> Option<u8> {
        self.owners.iter().filter_map(Slot::get).find(|(page, _)| *page == pa).map(|(_, pid)| pid)
    }

    /// Records `pid` as the user of device page `pa`; false when the table is full.
    pub fn take(&mut self, pa: usize, pid: u8) -> bool {
        match self.owners.iter().position(Slot::is_empty) {
            Some(i) => {
                self.owners[i] = Slot::Full((pa, pid));
                true
            }
            None => false,
        }
    }

    pub fn release(&mut self, pa: usize, pid: u8) {
        for o in self.owners.iter_mut() {
            if o.get() == Some((pa, pid)) {
                *o = Slot::Empty;
            }
        }
    }

    pub fn release_all(&mut self, pid: u8) {
        for o in self.owners.iter_mut() {
            if o.get().is_some_and(|(_, owner)| owner == pid) {
                *o = Slot::Empty;
            }
        }
    }
}
