//! Sv32 address translation with the chip's semantics, which differ from
//! QEMU's exactly where a kernel port breaks:
//!
//! - **A and D are never set by the hardware.** A leaf without A faults; a
//!   store to a leaf without D faults (the kernel must set them itself).
//!   The chip's notes say its MMU ignores A/D altogether (*unverified*);
//!   a kernel that sets them before use is correct either way, and the
//!   model catches one that does not.
//! - **The TLB is not ASID-tagged**, and only `sfence.vma` empties it (all
//!   of it, whatever its operands). A `satp` write does not: the chip's
//!   notes say it may (*unverified*), and a kernel that flushes on every
//!   address-space switch is correct either way; one that forgets sees the
//!   previous space's translations here, as it could on silicon.
//! - The TLB keeps leaves it walked even when the access then failed its
//!   permission check, so fixing a PTE without `sfence.vma` does not help.
//!
//! Two TLBs of 8 entries (instruction and data, as on the chip), fully
//! associative, replaced round-robin (the chip's exact policy is not
//! modelled). Superpages of 4 MiB are cached per 4 KiB page.

use crate::bus::{memory_at, BusError};
use crate::cpu::{Cpu, Mode};
use crate::trap::{cause, Exception, MPP, MPP_SHIFT, MPRV, MXR, SUM};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Fetch,
    Load,
    Store,
}

pub const PTE_V: u32 = 1;
pub const PTE_R: u32 = 2;
pub const PTE_W: u32 = 4;
pub const PTE_X: u32 = 8;
pub const PTE_U: u32 = 16;
pub const PTE_A: u32 = 64;
pub const PTE_D: u32 = 128;

pub const TLB_ENTRIES: usize = 8;

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    valid: bool,
    vpn: u32,
    /// Physical page number of this 4 KiB page (34-bit space: 22 bits).
    ppn: u32,
    flags: u32,
}

/// One TLB: its entries and the next one to replace.
#[derive(Clone, Debug, Default)]
struct Entries {
    entries: [Entry; TLB_ENTRIES],
    next: usize,
}

impl Entries {
    fn find(&self, vpn: u32) -> Option<Entry> {
        self.entries.iter().find(|e| e.valid && e.vpn == vpn).copied()
    }

    fn insert(&mut self, entry: Entry) {
        self.entries[self.next] = entry;
        self.next = (self.next + 1) % TLB_ENTRIES;
    }
}

#[derive(Clone, Debug, Default)]
pub struct Tlb {
    fetch: Entries,
    data: Entries,
    /// Walks done (misses), for tests and statistics.
    pub walks: u64,
}

impl Tlb {
    pub fn flush(&mut self) {
        self.fetch = Default::default();
        self.data = Default::default();
    }
}

impl Cpu {
    /// The privilege loads and stores run with (MPRV), or fetches.
    fn effective_mode(&self, access: Access) -> Mode {
        if access != Access::Fetch && self.mode == Mode::Machine && self.csr.mstatus & MPRV != 0 {
            Mode::from_bits((self.csr.mstatus & MPP) >> MPP_SHIFT)
        } else {
            self.mode
        }
    }

    /// Whether loads and stores go untranslated now (M mode without MPRV
    /// to a lower mode, or satp in Bare): until the mode, mstatus or satp
    /// changes.
    pub fn data_untranslated(&self) -> bool {
        self.effective_mode(Access::Load) == Mode::Machine || self.csr.satp >> 31 == 0
    }

    /// The physical address of `va` for `access`, or the guest's fault.
    pub fn translate(&mut self, va: u32, access: Access) -> Result<u32, Exception> {
        let mode = self.effective_mode(access);
        if mode == Mode::Machine || self.csr.satp >> 31 == 0 {
            return Ok(va);
        }
        let vpn = va >> 12;
        let cached = match access {
            Access::Fetch => self.tlb.fetch.find(vpn),
            _ => self.tlb.data.find(vpn),
        };
        let entry = match cached {
            Some(entry) => entry,
            None => {
                let entry = self.walk(va, access)?;
                match access {
                    Access::Fetch => self.tlb.fetch.insert(entry),
                    _ => {
                        self.tlb.data.insert(entry);
                        // The entry replaced may be one the tables stand for.
                        self.data_pages.clear();
                    }
                }
                entry
            }
        };
        if !self.permitted(entry.flags, access, mode) {
            return Err(page_fault(va, access));
        }
        let pa = (entry.ppn as u64) << 12 | (va & 0xFFF) as u64;
        u32::try_from(pa).map_err(|_| access_fault(va, access))
    }

    fn permitted(&self, flags: u32, access: Access, mode: Mode) -> bool {
        let status = self.csr.mstatus;
        let user_page = flags & PTE_U != 0;
        let mode_ok = match mode {
            Mode::User => user_page,
            _ => !user_page || (access != Access::Fetch && status & SUM != 0),
        };
        let kind_ok = match access {
            Access::Fetch => flags & PTE_X != 0,
            Access::Load => flags & PTE_R != 0 || (status & MXR != 0 && flags & PTE_X != 0),
            Access::Store => flags & PTE_W != 0 && flags & PTE_D != 0,
        };
        mode_ok && kind_ok && flags & PTE_A != 0
    }

    /// The two-level walk from satp's root; a leaf found is returned for
    /// the TLB whatever its permissions (they are checked on every use).
    fn walk(&mut self, va: u32, access: Access) -> Result<Entry, Exception> {
        self.tlb.walks += 1;
        let mut table = (self.csr.satp & 0x3F_FFFF) as u64 * 4096;
        let vpn = [(va >> 12) & 0x3FF, va >> 22];
        for level in (0..2).rev() {
            let pte_addr = table + vpn[level] as u64 * 4;
            let pte = u32::try_from(pte_addr)
                .ok()
                .filter(|&a| memory_at(a, 4).is_some())
                .map(|a| self.bus.load(a, 4))
                .unwrap_or(Err(BusError))
                .map_err(|_| access_fault(va, access))?;
            if pte & PTE_V == 0 || (pte & PTE_R == 0 && pte & PTE_W != 0) {
                return Err(page_fault(va, access));
            }
            let ppn = pte >> 10;
            if pte & (PTE_R | PTE_X) != 0 {
                let ppn = if level == 1 {
                    if ppn & 0x3FF != 0 {
                        return Err(page_fault(va, access)); // a misaligned superpage
                    }
                    ppn | vpn[0]
                } else {
                    ppn
                };
                return Ok(Entry { valid: true, vpn: va >> 12, ppn, flags: pte & 0xFF });
            }
            if level == 0 {
                break;
            }
            table = ppn as u64 * 4096;
        }
        Err(page_fault(va, access))
    }
}

pub fn page_fault(va: u32, access: Access) -> Exception {
    let cause = match access {
        Access::Fetch => cause::FETCH_PAGE,
        Access::Load => cause::LOAD_PAGE,
        Access::Store => cause::STORE_PAGE,
    };
    Exception { cause, tval: va }
}

pub fn access_fault(va: u32, access: Access) -> Exception {
    let cause = match access {
        Access::Fetch => cause::FETCH_ACCESS,
        Access::Load => cause::LOAD_ACCESS,
        Access::Store => cause::STORE_ACCESS,
    };
    Exception { cause, tval: va }
}
