//! Swap: when RAM runs short, pages of processes go to the board's swap
//! device, sealed (encrypted and authenticated, seal.rs), and come back on
//! the next touch. The kernel does it itself, synchronously: a fault, or a
//! syscall that needs a page resident, waits for the device. No process is
//! trusted with other processes' pages, and there is nothing to deadlock.
//!
//! What goes: user pages of RAM that their own process owns, not lent, not
//! borrowed, not pinned (PIN: key material; VirtToPhys: a driver's DMA
//! buffer, which a device may write at any time; or a whole service the
//! system's voice depends on: the console, time). Never the kernel's own
//! frames: page tables, saved registers, this module's tables.
//!
//! Which goes: a clock over every process's pages, in address order. The
//! hand makes each page it passes *cold* (invalid, its frame kept: pte.rs);
//! a cold page that is touched faults and is made valid again at once. A
//! page still cold when the hand comes round again has not been touched for
//! a whole turn: it goes. Why a clock: the Baochip-1x's MMU never sets the
//! accessed bit, so use can only be seen by taking the mapping away; a
//! clock needs one bit per page for that (the cold state), no lists, no
//! memory of its own, and costs nothing until RAM runs short. LRU would
//! need a fault per touch.
//!
//! States of a page (pte.rs): valid -> cold (hand) -> swapped (hand again;
//! the slot number in the entry) -> valid (touched: a fresh frame, the slot
//! read and opened into it, the slot freed). A page of zeros goes back to
//! lazy instead: nothing is written (std's allocator commits its heap, and
//! most of it is zeros when RAM runs out). A page that does not open is
//! never mapped: its process ends with a line naming the page, and every
//! other process lives on.
//!
//! A syscall that works on a range of a process's pages (a lend, a copy,
//! a change of permissions) first makes them resident (`make_resident`),
//! with the range protected from the hand until they are all in.

pub mod seal;
pub mod slots;
pub mod store;
pub mod syscalls;

use crate::kernel::{Kernel, Platform, FIRST_KERNEL_SLOT};
use crate::mem::frames::Owner;
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use seal::{Seal, KEY_BYTES};
use slots::Slots;
use xous_abi::Error;

/// Frames kept free beyond what an allocation asks for: the page tables
/// and saved registers an operation takes without asking swap first.
pub const WATERMARK: usize = 8;

pub struct Swap {
    seal: Seal,
    pub slots: Slots,
    /// The program store: pages of programs kept in the board's flash.
    pub store: store::Store,
    /// The clock's hand: the next page it looks at.
    hand: (Owner, usize),
    /// Pages being made resident together: the hand passes them by.
    protect: Option<(Owner, usize, usize)>,
    /// Pages written out and read back since boot, and pages that went
    /// without being written (all zeros: they became lazy again).
    pub pages_out: u64,
    pub pages_in: u64,
    pub zero_pages: u64,
}

/// What became of a page the clock sent out.
enum Out {
    /// It left RAM.
    Gone,
    /// No slot was free for it.
    NoSlot,
    /// The device failed (the page stays), or there is no swap.
    Failed,
}

/// Why a page could not be brought back.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PageInError {
    /// No frame for it.
    OutOfMemory,
    /// The device did not give the slot back.
    Unreadable,
    /// The slot's contents are not what was written (the tag does not verify).
    Forged,
    /// A program store page is not what the boot image says (its digest
    /// does not match).
    Mismatch,
    /// The program store did not give the page.
    StoreUnreadable,
}

impl Swap {
    pub const fn new() -> Swap {
        Swap { seal: Seal::Off, slots: Slots::new(), store: store::Store::new(), hand: (0, 0), protect: None, pages_out: 0, pages_in: 0, zero_pages: 0 }
    }

    /// Whether pages can be swapped out (a device and a key).
    /// What seals pages (for the boot line).
    pub fn sealed_with(&self) -> &'static str {
        self.seal.aes()
    }

    pub fn on(&self) -> bool {
        !matches!(self.seal, Seal::Off)
    }

    fn protected(&self, pid: Owner, va: usize) -> bool {
        self.protect.is_some_and(|(p, start, end)| p == pid && (start..end).contains(&va))
    }
}

impl<P: Platform> Kernel<P> {
    /// Starts swap with `key` on the board's swap device (at boot, before
    /// any process): Unavailable if there is none, OutOfMemory if its table
    /// does not fit, AccessDenied if swap has a key already (one per boot).
    pub fn start_swap(&mut self, key: &[u8; KEY_BYTES]) -> Result<(), Error> {
        if self.swap.on() {
            return Err(Error::AccessDenied);
        }
        let slots = self.hw.swap_slots();
        if slots == 0 {
            return Err(Error::Unavailable);
        }
        if !self.swap.slots.start(&mut self.hw, &mut self.frames, slots) {
            return Err(Error::OutOfMemory);
        }
        self.swap.seal = Seal::new(key, self.hw.has_aes32());
        self.frames.elastic = true;
        Ok(())
    }

    /// Makes `wanted` frames free for `pid`, plus the watermark, by
    /// swapping pages out if swap is on; whether `wanted` are free now. For
    /// a process over the reserve rule's line (a quarter of RAM) the reserve
    /// stays free too: it grows only by sending pages out, so when the swap
    /// device fills, the others still find the reserve there.
    pub fn make_room(&mut self, pid: Owner, wanted: usize) -> bool {
        if self.swap.on() {
            let reserve = if self.frames.owned_by(pid) >= self.frames.hoard() { self.frames.reserve() } else { 0 };
            // While swap makes room the reserve rule (mem/frames.rs) is off;
            // with no slot left, or nothing it could take, it is back.
            self.frames.elastic = self.swap.slots.used() < self.swap.slots.total();
            while self.frames.free_count() < wanted + reserve + WATERMARK {
                if !self.evict_one(None) {
                    self.frames.elastic = false;
                    break;
                }
            }
        }
        self.frames.free_count() >= wanted
    }

    /// Moves the hand until one page has gone out; false if none could
    /// (two whole turns found nothing to take, no slot is free, or the
    /// device failed).
    /// With `only`, pages of that process alone.
    fn evict_one(&mut self, only: Option<Owner>) -> bool {
        let mut turns = 0;
        // No slot was free: from then on only store pages may go.
        let mut full = false;
        loop {
            let (pid, va) = self.swap.hand;
            let mine = only.is_none_or(|o| o == pid);
            let space = self.procs.get(pid).map(|p| p.space).filter(|_| pid >= xous_abi::platform::FIRST_USER_PID && mine);
            let region = pte::vpn1(va);
            let Some(space) = space.filter(|_| region < FIRST_KERNEL_SLOT) else {
                // On to the next process, from its first page.
                if pid == Owner::MAX {
                    turns += 1;
                    if turns > 2 {
                        return false;
                    }
                }
                self.swap.hand = (pid.wrapping_add(1), 0);
                continue;
            };
            let top = self.hw.low_table(space.root)[region];
            if !pte::is_valid(top) || pte::is_leaf(top) {
                self.swap.hand = (pid, (region + 1) << 22);
                continue;
            }
            let table = pte::address(top);
            let e = self.hw.low_table(table)[pte::vpn0(va)];
            self.swap.hand = (pid, va + PAGE_SIZE);
            if !(pte::is_leaf(e) || pte::is_cold(e)) || !self.swappable(pid, va, e) {
                continue;
            }
            if pte::is_valid(e) {
                self.hw.low_table(table)[pte::vpn0(va)] = pte::cooled(e);
                self.hw.flush_tlb(pid, Some(va));
                continue;
            }
            if self.store_drop(pid, va, table, e) {
                return true;
            }
            if full {
                continue;
            }
            match self.page_out(pid, va, table, e) {
                Out::Gone => return true,
                // The device is full: a read-only page of the program store,
                // which goes for nothing, may still come round. (Not a page
                // of zeros: made lazy now, it could find no frame when
                // touched, and memory a process was given would be refused
                // it at a touch.)
                Out::NoSlot if self.swap.store.pages() > 0 => full = true,
                Out::NoSlot | Out::Failed => return false,
            }
        }
    }

    /// Whether the page of `pid` at `va`, with valid or cold entry `e`, may go.
    fn swappable(&self, pid: Owner, va: usize, e: u32) -> bool {
        let frame = pte::address(e);
        let whole = self.procs.get(pid).is_some_and(|p| p.pinned);
        !whole
            && e & pte::U != 0
            && !pte::is_held(e)
            && self.frames.owner(frame) == Some(pid)
            && !self.frames.is_pinned(frame)
            && !self.swap.protected(pid, va)
    }

    /// Seals cold page `va` of `pid` (entry `e` in `table`) into a free
    /// slot, writes it out, and frees its frame.
    fn page_out(&mut self, pid: Owner, va: usize, table: usize, e: u32) -> Out {
        let frame = pte::address(e);
        if self.hw.table(frame).iter().all(|w| *w == 0) {
            // Nothing to keep (memory committed but never written, or
            // written back to zeros): it becomes lazy again, as it was
            // before its first touch, and costs no slot, no seal, no I/O.
            self.hw.low_table(table)[pte::vpn0(va)] = pte::LAZY | (e & pte::RWX);
            self.hw.flush_tlb(pid, Some(va));
            let _ = self.frames.free(frame, pid);
            self.swap.zero_pages += 1;
            return Out::Gone;
        }
        let seal = &self.swap.seal;
        if !self.swap.on() {
            return Out::Failed;
        }
        let Some((slot, count)) = self.swap.slots.take(&mut self.hw, pid) else { return Out::NoSlot };
        let nonce = seal::nonce(slot, count);
        let tag = seal.seal(seal::bytes(self.hw.table(frame)), &nonce);
        if !self.hw.swap_write(slot, frame, &tag) {
            // The page stays: back to what it was.
            seal.open(seal::bytes(self.hw.table(frame)), &nonce, &tag);
            self.swap.slots.free(&mut self.hw, slot, pid);
            return Out::Failed;
        }
        self.hw.low_table(table)[pte::vpn0(va)] = pte::swapped(slot, e);
        self.hw.flush_tlb(pid, Some(va));
        let _ = self.frames.free(frame, pid);
        self.swap.pages_out += 1;
        Out::Gone
    }

    /// Brings back page `va` of `pid` if it is swapped out, cold, or in
    /// the program store.
    pub fn page_in(&mut self, pid: Owner, va: usize) -> Result<(), PageInError> {
        let Some(space) = self.procs.get(pid).map(|p| p.space) else { return Ok(()) };
        let e = space.entry(&mut self.hw, va);
        if pte::is_stored(e) {
            return self.store_page_in(pid, space, va, e);
        }
        if pte::is_cold(e) {
            space.walk().replace(&mut self.hw, va, pte::warmed(e));
            self.hw.flush_tlb(pid, Some(va));
            return Ok(());
        }
        if !pte::is_swapped(e) {
            return Ok(());
        }
        let slot = pte::swap_slot(e);
        let count = self.swap.slots.held(&mut self.hw, slot, pid).ok_or(PageInError::Forged)?;
        self.make_room(pid, 1);
        let hoarding = self.hoarding(pid);
        let frame = self.frames.alloc_returning(pid).ok_or(PageInError::OutOfMemory)?;
        let mut tag = [0; seal::TAG_BYTES];
        let read = self.hw.swap_read(slot, frame, &mut tag);
        let seal = &self.swap.seal;
        let nonce = seal::nonce(slot, count);
        if !read || !seal.open(seal::bytes(self.hw.table(frame)), &nonce, &tag) {
            // Never mapped, never seen: the frame goes back cleared. The
            // slot stays the page's, so a touch tries again (and ends the
            // process if it fails again).
            self.hw.zero(frame);
            let _ = self.frames.free(frame, pid);
            return Err(if read { PageInError::Forged } else { PageInError::Unreadable });
        }
        space.walk().replace(&mut self.hw, va, pte::entry(frame, (e & (pte::RWX | pte::U)) | pte::V | pte::A | pte::D));
        self.hw.flush_tlb(pid, Some(va));
        self.swap.slots.free(&mut self.hw, slot, pid);
        self.swap.pages_in += 1;
        if hoarding {
            self.give_one_back(pid, va);
        }
        Ok(())
    }

    /// Whether `pid` is over the reserve rule's line while no slot is free:
    /// it then gets a page of its own back past the rule (`alloc_returning`),
    /// and gives one of its pages in return (`give_one_back`), so the
    /// others' reserve stays.
    fn hoarding(&self, pid: Owner) -> bool {
        !self.frames.elastic && self.frames.free_count() <= self.frames.reserve() && self.frames.owned_by(pid) >= self.frames.hoard()
    }

    /// Sends one of `pid`'s pages out, not `va`, which just came back
    /// (make_resident's range, if it called, covers it already).
    fn give_one_back(&mut self, pid: Owner, va: usize) {
        let outer = self.swap.protect;
        self.swap.protect = outer.or(Some((pid, va, va + PAGE_SIZE)));
        self.evict_one(Some(pid));
        self.swap.protect = outer;
    }

    /// Makes every page of `[va, va + len)` of `pid` that is swapped out or
    /// cold resident, and with `back_lazy` backs lazy ones too; the others
    /// stay as they are (the caller checks them). If a page does not open,
    /// `pid` ends with the report and the answer is ProcessNotFound.
    pub fn make_resident(&mut self, pid: Owner, va: usize, len: usize, back_lazy: bool) -> Result<(), Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        self.swap.protect = Some((pid, va, va.saturating_add(len)));
        let mut result = Ok(());
        for page in (va & !(PAGE_SIZE - 1)..va.saturating_add(len)).step_by(PAGE_SIZE) {
            let e = space.entry(&mut self.hw, page);
            result = if back_lazy && pte::is_lazy(e) {
                self.map_fresh(pid, page, e & pte::RWX).map(|_| ())
            } else {
                self.page_in_or_end(pid, page)
            };
            if result.is_err() {
                break;
            }
        }
        self.swap.protect = None;
        result
    }

    /// `page_in`, ending `pid` with the one-line report if its page is lost.
    pub fn page_in_or_end(&mut self, pid: Owner, va: usize) -> Result<(), Error> {
        match self.page_in(pid, va) {
            Ok(()) => Ok(()),
            Err(PageInError::OutOfMemory) => Err(Error::OutOfMemory),
            Err(lost) => {
                let (what, why) = match lost {
                    PageInError::Forged => ("swap", "failed authentication"),
                    PageInError::Mismatch => ("program store", "does not match its digest in the boot image"),
                    PageInError::StoreUnreadable => ("program store", "could not be read"),
                    _ => ("swap", "could not be read"),
                };
                self.end_for_fault(pid, format_args!("{what} page {va:#010x} {why}"));
                Err(Error::ProcessNotFound)
            }
        }
    }

    /// Frees the swap slot a released entry named.
    pub fn release_swapped(&mut self, pid: Owner, entry: u32) {
        if pte::is_swapped(entry) {
            self.swap.slots.free(&mut self.hw, pte::swap_slot(entry), pid);
        }
    }
}
