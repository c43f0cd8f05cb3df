//! One thread of the hostile process: its random generator, what it
//! knows it owns (so a random call never pulls memory out from under a
//! thread that uses it), and the loop that picks what to do next.
//!
//! Memory a worker owns is kept in three lists, all its own: `scratch`
//! (read-write regions it writes a pattern into and checks later: a page
//! that changed behind its back means some other party reaches our frame,
//! or we reach theirs), `loose` (mappings it never touches: devices,
//! read-only or odd ones) and `received` (messages its receives gave it,
//! to be answered). Random calls take addresses only from these lists or
//! from places nothing of ours is (kernel space, misaligned, the window
//! below), and every call that succeeds updates the lists.

use crate::rand::Rng;
use crate::shared::{self, found, Finding, CALLS, STOP};
use core::sync::atomic::Ordering;
use kernel_target_tests::{raw, Regs, Syscall, SyscallResult};
use xous_abi::memory::flags;

pub const PAGE: usize = 4096;
/// Where random MapMemory calls place memory (SetMemRegion Default).
pub const MAP_AREA: (usize, usize) = (0x6000_0000, 0x7000_0000);
/// Nothing is ever mapped here: "unmapped" addresses for random calls.
pub const NEVER_MAPPED: (usize, usize) = (0x7000_0000, 0x7800_0000);
/// Worker stacks, then request pages, each at a fixed place (never in a random call).
pub const STACKS: usize = 0x7800_0000;
pub const STACK_SIZE: usize = 0x1_0000;
pub const STACK_STRIDE: usize = 0x2_0000;
pub const REQUEST_PAGES: usize = 0x7a00_0000;
pub const REQUEST_LEN: usize = 4 * PAGE;
pub const REQUEST_STRIDE: usize = 0x1_0000;

#[derive(Copy, Clone)]
pub struct Region {
    pub addr: usize,
    pub pages: usize,
    /// Written into each page's first words; checked before the region is
    /// given away, read back or unmapped.
    pub tag: u32,
}

#[derive(Copy, Clone)]
pub struct Received {
    pub sender: usize,
    pub kind: usize,
    pub id: usize,
    pub args: [usize; 4],
}

pub struct Worker {
    pub index: usize,
    pub rng: Rng,
    pub calls: usize,
    /// This worker's request pages (REQUEST_LEN bytes, touched before it starts).
    pub page: usize,
    pub scratch: [Option<Region>; 6],
    pub loose: [usize; 8],
    pub received: [Option<Received>; 4],
    next_tag: u32,
}

impl Worker {
    pub fn new(index: usize, seed: u64, generation: usize) -> Worker {
        Worker {
            index,
            rng: Rng::new(seed, (index as u64) << 16 | generation as u64),
            calls: 0,
            page: REQUEST_PAGES + index * REQUEST_STRIDE,
            scratch: [None; 6],
            loose: [0; 8],
            received: [None; 4],
            next_tag: (index as u32) << 24,
        }
    }

    /// Every syscall of a worker goes through here, to be counted.
    pub fn ecall(&mut self, regs: Regs) -> Regs {
        self.calls += 1;
        CALLS[self.index].store(self.calls, Ordering::Relaxed);
        for (slot, r) in shared::LAST_CALL[self.index].iter().zip(regs) {
            slot.store(r, Ordering::Relaxed);
        }
        raw(regs)
    }

    pub fn call(&mut self, call: Syscall, args: &[usize]) -> Regs {
        let mut r = [0usize; 8];
        r[0] = call as usize;
        r[1..1 + args.len()].copy_from_slice(args);
        self.ecall(r)
    }

    /// The request pages as bytes.
    pub fn request(&mut self) -> &'static mut [u8] {
        // SAFETY: REQUEST_LEN bytes at `page` are this worker's alone,
        // mapped read-write and touched before it started; no random call
        // names them (they are outside every list and window it draws from).
        unsafe { core::slice::from_raw_parts_mut(self.page as *mut u8, REQUEST_LEN) }
    }

    // ---- scratch memory ----------------------------------------------

    /// Maps a new scratch region (backing each page first, so touching it
    /// cannot fault) and writes its pattern.
    pub fn map_scratch(&mut self) {
        let Some(free) = self.scratch.iter().position(Option::is_none) else {
            let victim = self.rng.below(self.scratch.len());
            self.unmap_scratch(victim);
            return;
        };
        let pages = 1 + self.rng.below(4);
        let r = self.call(Syscall::MapMemory, &[0, 0, pages * PAGE, flags::R | flags::W]);
        if r[0] != SyscallResult::MemoryRange as usize {
            return;
        }
        let addr = r[1];
        for p in 0..pages {
            if self.call(Syscall::VirtToPhys, &[addr + p * PAGE])[0] != SyscallResult::Scalar1 as usize {
                // No frame for it (we are out of memory): never touch it.
                self.add_loose(addr, pages);
                return;
            }
        }
        self.next_tag = self.next_tag.wrapping_add(1);
        let region = Region { addr, pages, tag: self.next_tag };
        write_pattern(&region);
        self.scratch[free] = Some(region);
    }

    /// Checks a scratch region's pattern and unmaps it.
    pub fn unmap_scratch(&mut self, i: usize) {
        let Some(region) = self.scratch[i].take() else { return };
        check_pattern(&region);
        let r = self.call(Syscall::UnmapMemory, &[region.addr, region.pages * PAGE]);
        if r[0] != SyscallResult::Ok as usize {
            self.add_loose(region.addr, region.pages);
        }
    }

    /// Checks every scratch region's pattern.
    pub fn check_scratch(&mut self) {
        for region in self.scratch.iter().flatten() {
            check_pattern(region);
        }
    }

    /// A mapping nobody touches, to be unmapped later; the oldest goes
    /// when the list is full.
    pub fn add_loose(&mut self, addr: usize, pages: usize) {
        let entry = addr | (pages.clamp(1, PAGE) - 1);
        let slot = match self.loose.iter().position(|e| *e == 0) {
            Some(slot) => slot,
            None => {
                let slot = self.rng.below(self.loose.len());
                let (a, n) = split_loose(self.loose[slot]);
                self.call(Syscall::UnmapMemory, &[a, n * PAGE]);
                slot
            }
        };
        self.loose[slot] = entry;
    }

    /// Everything of ours inside `[addr, addr + len)` has gone (unmapped,
    /// moved, given to a child, flags changed): forget it, and keep what
    /// is left of a region or loose mapping around it as loose mappings
    /// (only what is ours: the gap may be mapped by another worker next).
    pub fn forget(&mut self, addr: usize, len: usize) {
        let end = addr.saturating_add(len);
        for i in 0..self.scratch.len() {
            if let Some(region) = self.scratch[i].filter(|r| r.addr < end && addr < r.addr + r.pages * PAGE) {
                self.scratch[i] = None;
                for (a, n) in outside(region.addr, region.pages, addr, end).into_iter().flatten() {
                    self.add_loose(a, n);
                }
            }
        }
        for i in 0..self.loose.len() {
            let (a, n) = split_loose(self.loose[i]);
            if self.loose[i] != 0 && a < end && addr < a + n * PAGE {
                self.loose[i] = 0;
                for (a, n) in outside(a, n, addr, end).into_iter().flatten() {
                    self.add_loose(a, n);
                }
            }
        }
        for m in self.received.iter_mut() {
            if m.is_some_and(|m| m.kind <= 2 && m.args[0] < end && addr < m.args[0] + m.args[1]) {
                // Its pages are gone; the sender is answered when the
                // supervisor replaces the server.
                *m = None;
            }
        }
    }

    /// A page-aligned address of ours a random call may use (region, loose
    /// mapping, received message), with a length that fits it.
    pub fn own_range(&mut self) -> Option<(usize, usize)> {
        for _ in 0..4 {
            match self.rng.below(3) {
                0 => {
                    if let Some(r) = self.scratch[self.rng.below(self.scratch.len())] {
                        let first = self.rng.below(r.pages);
                        return Some((r.addr + first * PAGE, (1 + self.rng.below(r.pages - first)) * PAGE));
                    }
                }
                1 => {
                    let e = self.loose[self.rng.below(self.loose.len())];
                    if e != 0 {
                        let (a, n) = split_loose(e);
                        return Some((a, n * PAGE));
                    }
                }
                _ => {
                    if let Some(m) = self.received[self.rng.below(self.received.len())].filter(|m| m.kind <= 2) {
                        return Some((m.args[0], m.args[1]));
                    }
                }
            }
        }
        None
    }

    /// Keeps a received message to answer later; the oldest is answered
    /// now (properly) when there is no room.
    pub fn keep_received(&mut self, m: Received) {
        shared::SENDERS.push(m.sender);
        if m.kind == 2 {
            // A move: the pages are ours now.
            self.add_loose(m.args[0], m.args[1] / PAGE);
            return;
        }
        if m.kind == 3 {
            return;
        }
        let slot = match self.received.iter().position(Option::is_none) {
            Some(slot) => slot,
            None => {
                let slot = self.rng.below(self.received.len());
                if let Some(old) = self.received[slot].take() {
                    self.answer(old);
                }
                slot
            }
        };
        self.received[slot] = Some(m);
    }

    /// Answers a received message as its kind asks.
    pub fn answer(&mut self, m: Received) {
        match m.kind {
            0 | 1 => {
                self.call(Syscall::ReturnMemory, &[m.sender, m.args[0], m.args[1], 0, 0]);
            }
            4 => {
                self.call(Syscall::ReturnScalar1, &[m.sender, 0]);
            }
            _ => {}
        }
    }

    pub fn stopping(&self) -> bool {
        STOP.load(Ordering::Relaxed)
    }
}

/// The parts of `pages` pages at `a` outside `[from, to)`: before and after.
fn outside(a: usize, pages: usize, from: usize, to: usize) -> [Option<(usize, usize)>; 2] {
    let end = a + pages * PAGE;
    let from = from & !(PAGE - 1);
    let to = to.saturating_add(PAGE - 1) & !(PAGE - 1);
    let before = (from > a).then(|| (a, (from.min(end) - a) / PAGE));
    let after = (to < end).then(|| (to.max(a), (end - to.max(a)) / PAGE));
    [before.filter(|p| p.1 > 0), after.filter(|p| p.1 > 0)]
}

pub fn split_loose(e: usize) -> (usize, usize) {
    (e & !(PAGE - 1), (e & (PAGE - 1)) + 1)
}

fn pattern_word(region: &Region, page: usize, word: usize) -> u32 {
    region.tag.wrapping_mul(0x9e37_79b9) ^ (page as u32) << 8 ^ word as u32
}

pub fn write_pattern(region: &Region) {
    for p in 0..region.pages {
        for w in 0..4 {
            let at = (region.addr + p * PAGE + w * 4) as *mut u32;
            // SAFETY: a scratch region is this worker's, mapped read-write
            // and backed (VirtToPhys) before it was kept; only this thread
            // changes its mapping, and it forgets a region first.
            unsafe { at.write_volatile(pattern_word(region, p, w)) };
        }
    }
}

pub fn check_pattern(region: &Region) {
    for p in 0..region.pages {
        for w in 0..4 {
            let at = (region.addr + p * PAGE + w * 4) as *const u32;
            // SAFETY: as in write_pattern.
            if unsafe { at.read_volatile() } != pattern_word(region, p, w) {
                found(Finding::MemoryChanged, line!(), [region.addr, p, w, region.tag as usize]);
                return;
            }
        }
    }
}
