//! Interrupts owned by processes. A process claims an interrupt with a
//! handler address; when it fires, the kernel runs the handler in that
//! process (in the process's interrupt context, on its interrupt stack,
//! a0 = irq, a1 = the claim's argument) ahead of every thread. Returning to
//! the magic address 0xff80_2000 ends the handler; only then is the
//! interrupt completed at the controller, so it cannot fire again meanwhile.

use crate::slot::Slot;

/// Interrupt numbers the kernel can track (the board says which exist).
pub const MAX_IRQS: usize = 128;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub pid: u8,
    pub handler: usize,
    pub arg: usize,
    /// The handler is running (the interrupt is not completed yet).
    pub in_service: bool,
    /// It fired again while its process was busy with another handler.
    pub pending: bool,
}

pub struct Irqs {
    pub claims: [Slot<Claim>; MAX_IRQS],
}

impl Irqs {
    pub const fn new() -> Irqs {
        Irqs { claims: [Slot::Empty; MAX_IRQS] }
    }

    pub fn claim(&self, irq: usize) -> Option<Claim> {
        self.claims.get(irq).and_then(Slot::get)
    }

    pub fn claim_mut(&mut self, irq: usize) -> Option<&mut Claim> {
        self.claims.get_mut(irq).and_then(Slot::as_mut)
    }

    /// Interrupts of `pid` waiting for its handler to be free.
    pub fn next_pending(&self, pid: u8) -> Option<usize> {
        (0..MAX_IRQS).find(|&i| self.claim(i).is_some_and(|c| c.pid == pid && c.pending))
    }

    /// The interrupt `pid`'s handler is serving now.
    pub fn in_service(&self, pid: u8) -> Option<usize> {
        (0..MAX_IRQS).find(|&i| self.claim(i).is_some_and(|c| c.pid == pid && c.in_service))
    }
}

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
