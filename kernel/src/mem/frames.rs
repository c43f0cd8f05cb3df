//! Physical page frames and who owns each one.
//!
//! Every frame of RAM has exactly one owner: free, the kernel, or a process
//! (by PID). Allocation, freeing and "give back everything this process
//! had" all go through this record, so a dying process can never leak a
//! page, and no process can free another's.
//!
//! RAM is split in two pools. The low pool is the RAM the kernel maps
//! directly (arch/riscv/hw.rs): page tables and saved registers come from
//! it, so the kernel reaches them without remapping anything. The high pool
//! is the rest; user pages come from it first (the kernel only touches
//! them to zero or copy them, through a window), and from the low pool
//! only when it is empty, so the low pool lasts for the kernel's frames.
//!
//! No process takes the last of RAM: once only a reserve of free frames
//! is left (an eighth of RAM, 4 MiB at most), a process that owns a
//! quarter of RAM or more gets no more (its allocations fail: a syscall
//! answers OutOfMemory), while the others still get frames from the
//! reserve. So one that takes all the memory it can does not take the
//! others' with it. The line is a quarter of RAM, not the reserve itself,
//! because services grow on their clients' behalf: the network service
//! holding a hostile process's socket buffers (megabytes) must still get a
//! page for an innocent client's socket.
//!
//! While swap has room (swap/mod.rs), that rule is off: the kernel makes
//! frames free by swapping pages out, the largest holder's first, so a
//! process may hold more than a quarter of RAM.
//!
//! The record is one word per frame, in RAM the kernel sets aside at boot:
//! the owner in the low byte and, for a free frame, a link to the next free
//! frame of its pool in the bits above; a frame in use may be pinned (its
//! top bit: swap never takes it). Allocating and freeing take and put
//! back the first frame of a pool's list: no search, whatever the RAM size.

use crate::mem::PAGE_SIZE;

/// The owner of a frame. PID 1 is the kernel; 0 means free.
pub type Owner = u8;
pub const FREE: Owner = 0;
pub const KERNEL: Owner = 1;

/// Most frames a record can describe (links are 24 bits: index + 1).
pub const MAX_FRAMES: usize = (1 << 24) - 1;

/// In a frame in use: pinned, never swapped out.
const PINNED: u32 = 1 << 31;
/// In a frame in use: its physical address was told to its owner
/// (VirtToPhys), so a device may have it.
const EXPOSED: u32 = 1 << 30;

/// The most frames the reserve (see `reserve`) holds: 4 MiB.
const RESERVE_MAX: usize = 1024;

const LOW: usize = 0;
const HIGH: usize = 1;

pub struct Frames {
    base: usize,
    count: usize,
    /// Frames below this index are the low pool.
    low: usize,
    /// Per frame: owner | (next free frame's index + 1) << 8.
    record: Option<&'static mut [u32]>,
    /// Per pool: its first free frame's index + 1 (0: none), how many are free.
    head: [u32; 2],
    free: [usize; 2],
    /// The most frames ever in use at once.
    peak: usize,
    /// By owner: how many frames it holds.
    owned: [u32; 256],
    /// By owner: how many of its frames are pinned.
    pinned: [u16; 256],
    /// Swap can still make room: the reserve rule is off (see above).
    pub elastic: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The address is not a frame of usable RAM.
    NotRam,
    /// The frame belongs to someone else (or nobody).
    NotOwner,
}

impl Frames {
    /// Tracks nothing yet (all zero, so a static of it costs no image bytes).
    pub const fn empty() -> Frames {
        Frames { base: 0, count: 0, low: 0, record: None, head: [0; 2], free: [0; 2], peak: 0, owned: [0; 256], pinned: [0; 256], elastic: false }
    }

    /// Tracks one frame per word of `record` from `base`: the first `low`
    /// are the low pool; those below `reserved` belong to the kernel, the
    /// others are free.
    pub fn new(base: usize, low: usize, reserved: usize, record: &'static mut [u32]) -> Frames {
        let count = record.len().min(MAX_FRAMES);
        let low = low.min(count);
        // Each pool's list runs up from its first free frame, so the lowest
        // frames are handed out first.
        let first = [reserved.min(low), reserved.max(low).min(count)];
        let end = [low, count];
        for (i, entry) in record.iter_mut().enumerate().take(count) {
            let next = i as u32 + 2;
            *entry = if i < reserved { KERNEL as u32 } else if i + 1 == low || i + 1 == count { 0 } else { next << 8 };
        }
        let head = [0, 1].map(|p| if first[p] < end[p] { first[p] as u32 + 1 } else { 0 });
        let free = [0, 1].map(|p| end[p] - first[p]);
        let mut owned = [0; 256];
        owned[KERNEL as usize] = reserved.min(count) as u32;
        let mut f = Frames { base, count, low, record: Some(record), head, free, peak: 0, owned, pinned: [0; 256], elastic: false };
        f.peak = f.in_use();
        f
    }

    fn record(&mut self) -> &mut [u32] {
        self.record.as_deref_mut().unwrap_or(&mut [])
    }

    fn pool(&self, i: usize) -> usize {
        if i < self.low { LOW } else { HIGH }
    }

    /// Frame `i` becomes free: the first of its pool's list.
    fn push(&mut self, i: usize) {
        self.unpin(i);
        let pool = self.pool(i);
        let next = self.head[pool];
        self.record()[i] = next << 8;
        self.head[pool] = i as u32 + 1;
        self.free[pool] += 1;
    }

    /// Free frames no process may take once it owns as many: an eighth of
    /// RAM, at most 4 MiB (what the services and a program or two need to
    /// go on while another process holds the rest).
    pub fn reserve(&self) -> usize {
        (self.count / 8).min(RESERVE_MAX)
    }

    /// Frames a process may own and still take from the reserve: a
    /// quarter of RAM (and never less than the reserve).
    pub fn hoard(&self) -> usize {
        (self.count / 4).max(self.reserve())
    }

    /// Takes the first free frame of `pool` for `owner`; none for a
    /// process (not the kernel) that owns `hoard()` frames or more when
    /// only the reserve is left.
    fn take(&mut self, pool: usize, owner: Owner) -> Option<usize> {
        debug_assert_ne!(owner, FREE);
        if owner != KERNEL && !self.elastic && self.free_count() <= self.reserve() && self.owned[owner as usize] as usize >= self.hoard() {
            return None;
        }
        self.take_any(pool, owner)
    }

    /// As `take`, without the reserve rule.
    fn take_any(&mut self, pool: usize, owner: Owner) -> Option<usize> {
        let i = self.head[pool].checked_sub(1)? as usize;
        let record = self.record();
        let next = record[i] >> 8;
        record[i] = owner as u32;
        self.head[pool] = next;
        self.free[pool] -= 1;
        self.owned[owner as usize] += 1;
        self.peak = self.peak.max(self.in_use());
        Some(self.base + i * PAGE_SIZE)
    }

    fn index(&self, pa: usize) -> Option<usize> {
        if pa < self.base || pa % PAGE_SIZE != 0 {
            return None;
        }
        let i = (pa - self.base) / PAGE_SIZE;
        (i < self.count).then_some(i)
    }

    pub fn contains(&self, pa: usize) -> bool {
        self.index(pa).is_some()
    }

    /// Whether page table entry `e` points at one of these frames:
    /// `contains` of its address, in three instructions (the fast lend
    /// asks it for every page).
    #[inline(always)]
    pub fn holds_entry(&self, e: u32) -> bool {
        ((e >> 10) as usize).wrapping_sub(self.base / PAGE_SIZE) < self.count
    }

    pub fn owner(&self, pa: usize) -> Option<Owner> {
        let i = self.index(pa)?;
        self.record.as_deref().map(|r| r[i] as Owner)
    }

    pub fn free_count(&self) -> usize {
        self.free[LOW] + self.free[HIGH]
    }

    /// Frames tracked, in use or not.
    pub fn total(&self) -> usize {
        self.count
    }

    pub fn in_use(&self) -> usize {
        self.count - self.free_count()
    }

    /// The most frames that were in use at once.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// Takes any free frame for `owner`: from the high pool while it lasts.
    pub fn alloc(&mut self, owner: Owner) -> Option<usize> {
        self.take(HIGH, owner).or_else(|| self.take(LOW, owner))
    }

    /// Takes any free frame for `owner`'s page coming back from swap: the
    /// process holds no more memory than before (its slot is freed), so the
    /// reserve rule does not apply; without it a process over the line could
    /// never get its own pages back once the swap device is full.
    pub fn alloc_returning(&mut self, owner: Owner) -> Option<usize> {
        self.take_any(HIGH, owner).or_else(|| self.take_any(LOW, owner))
    }

    /// Takes a free frame of the low pool (the kernel maps it directly).
    pub fn alloc_low(&mut self, owner: Owner) -> Option<usize> {
        self.take(LOW, owner)
    }

    /// How many frames `owner` holds.
    pub fn owned_by(&self, owner: Owner) -> usize {
        self.owned[owner as usize] as usize
    }

    /// Pins `pa`, a frame in use, or unpins it: swap never takes a pinned
    /// frame. Freeing or giving the frame away unpins it.
    pub fn set_pinned(&mut self, pa: usize, pinned: bool) {
        let Some(i) = self.index(pa).filter(|_| self.owner(pa).is_some_and(|o| o != FREE)) else { return };
        if pinned && !self.is_pinned(pa) {
            let r = &mut self.record()[i];
            *r |= PINNED;
            let owner = *r as Owner as usize;
            self.pinned[owner] += 1;
        } else if !pinned {
            self.unpin(i);
        }
    }

    /// Frame `i` (in use) is not pinned any more.
    fn unpin(&mut self, i: usize) {
        let r = &mut self.record()[i];
        if *r as Owner != FREE && *r & PINNED != 0 {
            *r &= !PINNED;
            let owner = *r as Owner as usize;
            self.pinned[owner] -= 1;
        }
    }

    /// How many frames `owner` has pinned.
    pub fn pinned_by(&self, owner: Owner) -> usize {
        self.pinned[owner as usize] as usize
    }

    /// Marks `pa`, a frame in use, as one whose address its owner was told.
    pub fn set_exposed(&mut self, pa: usize) {
        if let Some(i) = self.index(pa).filter(|_| self.owner(pa).is_some_and(|o| o != FREE)) {
            self.record()[i] |= EXPOSED;
        }
    }

    /// `owner`'s exposed frames not pinned yet.
    pub fn exposed_unpinned(&self, owner: Owner) -> impl Iterator<Item = usize> + '_ {
        let record = self.record.as_deref().unwrap_or(&[]);
        let base = self.base;
        record.iter().enumerate().filter(move |(_, r)| **r as Owner == owner && owner != FREE && **r & (EXPOSED | PINNED) == EXPOSED).map(move |(i, _)| base + i * PAGE_SIZE)
    }

    pub fn is_pinned(&self, pa: usize) -> bool {
        let i = self.index(pa);
        i.zip(self.record.as_deref()).is_some_and(|(i, r)| r[i] as Owner != FREE && r[i] & PINNED != 0)
    }

    /// Gives `pa` from `from` to `to` (memory that moves between processes).
    pub fn transfer(&mut self, pa: usize, from: Owner, to: Owner) -> Result<(), FrameError> {
        let i = self.index(pa).ok_or(FrameError::NotRam)?;
        if self.owner(pa) != Some(from) || from == FREE || to == FREE {
            return Err(FrameError::NotOwner);
        }
        self.unpin(i);
        self.record()[i] = to as u32;
        self.owned[from as usize] -= 1;
        self.owned[to as usize] += 1;
        Ok(())
    }

    /// Frees `pa`, which must belong to `owner`.
    pub fn free(&mut self, pa: usize, owner: Owner) -> Result<(), FrameError> {
        let i = self.index(pa).ok_or(FrameError::NotRam)?;
        if self.owner(pa) != Some(owner) || owner == FREE {
            return Err(FrameError::NotOwner);
        }
        self.push(i);
        self.owned[owner as usize] -= 1;
        Ok(())
    }

    /// Frees every frame `owner` holds; returns how many.
    pub fn free_all(&mut self, owner: Owner) -> usize {
        if owner == FREE {
            return 0;
        }
        let mut n = 0;
        for i in 0..self.count {
            if self.record()[i] as Owner == owner {
                self.push(i);
                n += 1;
            }
        }
        self.owned[owner as usize] = 0;
        self.pinned[owner as usize] = 0;
        n
    }
}

#[cfg(test)]
impl Frames {
    /// `count` free frames from `base` (a record on the heap), the first `low` of them the low pool.
    pub fn for_tests(base: usize, count: usize, low: usize) -> Frames {
        Frames::for_tests_reserved(base, count, low, 0)
    }

    /// The same with the first `reserved` frames the kernel's (a boot image).
    pub fn for_tests_reserved(base: usize, count: usize, low: usize, reserved: usize) -> Frames {
        Frames::new(base, low, reserved, Box::leak(vec![0; count].into_boxed_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: usize = 0x8000_0000;

    #[test]
    fn allocates_each_frame_once() {
        let mut f = Frames::for_tests(BASE, 4, 4);
        let got: Vec<usize> = (0..4).map(|_| f.alloc(5).unwrap()).collect();
        assert_eq!(got, [BASE, BASE + 0x1000, BASE + 0x2000, BASE + 0x3000], "lowest first");
        assert_eq!(f.alloc(5), None, "exhausted");
        assert_eq!(f.free_count(), 0);
    }

    #[test]
    fn only_the_owner_frees() {
        let mut f = Frames::for_tests(BASE, 4, 4);
        let pa = f.alloc(5).unwrap();
        assert_eq!(f.free(pa, 6), Err(FrameError::NotOwner));
        assert_eq!(f.free(pa + 1, 5), Err(FrameError::NotRam), "unaligned");
        assert_eq!(f.free(BASE + 0x10_0000, 5), Err(FrameError::NotRam), "outside");
        assert_eq!(f.free(BASE - 0x1000, 5), Err(FrameError::NotRam), "below");
        assert_eq!(f.free(pa, 5), Ok(()));
        assert_eq!(f.free(pa, 5), Err(FrameError::NotOwner), "double free");
        assert_eq!(f.free(BASE + 0x1000, FREE), Err(FrameError::NotOwner), "freeing a free frame");
        assert_eq!(f.free_count(), 4);
    }

    #[test]
    fn reserved_frames_transfer_and_free_all() {
        let record = Box::leak(vec![0xdead_beef; 8].into_boxed_slice());
        let mut f = Frames::new(BASE, 8, 2, record);
        assert_eq!((f.owner(BASE), f.owner(BASE + 0x1000), f.owner(BASE + 0x2000)), (Some(KERNEL), Some(KERNEL), Some(FREE)));
        assert_eq!((f.free_count(), f.in_use(), f.peak()), (6, 2, 2));
        let a = f.alloc(5).unwrap();
        let b = f.alloc(5).unwrap();
        assert_eq!(a, BASE + 0x2000, "after the reserved frames");
        f.transfer(b, 5, 6).unwrap();
        assert_eq!(f.transfer(b, 5, 7), Err(FrameError::NotOwner));
        assert_eq!(f.transfer(BASE + 0x7000, FREE, 7), Err(FrameError::NotOwner), "a free frame is nobody's to give");
        assert_eq!(f.free_all(5), 1);
        assert_eq!(f.free_all(FREE), 0);
        assert_eq!(f.owner(a), Some(FREE));
        assert_eq!(f.owner(b), Some(6));
        assert_eq!(f.free_count(), 5);
        assert_eq!(f.free(BASE, KERNEL), Ok(()), "the kernel gives back what it reserved");
        assert_eq!(f.free_count(), 6);
    }

    #[test]
    fn reserved_frames_may_reach_into_the_high_pool() {
        let mut f = Frames::new(BASE, 2, 4, Box::leak(vec![0; 8].into_boxed_slice()));
        assert_eq!((f.free_count(), f.alloc_low(5)), (4, None));
        assert_eq!(f.alloc(5), Some(BASE + 0x4000));
        f.free(BASE + 0x1000, KERNEL).unwrap();
        assert_eq!(f.alloc_low(5), Some(BASE + 0x1000));
    }

    #[test]
    fn user_frames_come_from_high_first_and_tables_from_low_only() {
        let mut f = Frames::for_tests(BASE, 6, 2);
        let high: Vec<usize> = (0..4).map(|_| f.alloc(5).unwrap()).collect();
        assert!(high.iter().all(|pa| *pa >= BASE + 0x2000), "{high:x?}");
        assert_eq!(f.alloc_low(5), Some(BASE));
        assert_eq!(f.alloc(5), Some(BASE + 0x1000), "then the low pool");
        assert_eq!(f.alloc_low(5), None);
        f.free(high[0], 5).unwrap();
        assert_eq!(f.alloc_low(5), None, "a freed high frame stays high");
        f.free(BASE, 5).unwrap();
        assert_eq!(f.alloc_low(5), Some(BASE), "a freed low frame goes back to the low pool");
    }

    #[test]
    fn peak_is_the_most_in_use_at_once() {
        let mut f = Frames::for_tests(BASE, 16, 8);
        let taken: Vec<usize> = (0..10).map(|_| f.alloc(5).unwrap()).collect();
        for pa in &taken {
            f.free(*pa, 5).unwrap();
        }
        assert_eq!((f.in_use(), f.peak()), (0, 10));
        f.alloc(5).unwrap();
        assert_eq!(f.peak(), 10);
        assert_eq!(f.free_all(5), 1);
        assert_eq!((f.free_count(), f.total()), (16, 16));
    }

    #[test]
    fn pins_stay_with_the_frame_until_it_is_freed_or_given() {
        let mut f = Frames::for_tests(BASE, 4, 4);
        let (a, b) = (f.alloc(5).unwrap(), f.alloc(5).unwrap());
        f.set_pinned(a, true);
        f.set_pinned(BASE + 0x3000, true);
        assert!(f.is_pinned(a) && !f.is_pinned(b) && !f.is_pinned(BASE + 0x3000), "a free frame is not pinned");
        assert_eq!(f.pinned_by(5), 1);
        assert_eq!((f.owner(a), f.owned_by(5)), (Some(5), 2));
        f.transfer(a, 5, 6).unwrap();
        assert!(!f.is_pinned(a), "given away");
        f.set_pinned(b, true);
        assert_eq!(f.free_all(5), 1, "a pinned frame is still its owner's");
        assert!(!f.is_pinned(b) && f.owner(b) == Some(FREE));
    }

    #[test]
    fn the_reserve_rule_is_off_while_swap_makes_room() {
        let mut f = Frames::for_tests(BASE, 16, 16);
        let mut hog = 0;
        while f.alloc(5).is_some() {
            hog += 1;
        }
        assert_eq!((hog, f.free_count()), (14, 2), "stopped at the reserve");
        f.elastic = true;
        assert!(f.alloc(5).is_some());
    }

    #[test]
    fn an_empty_record_has_nothing() {
        let mut f = Frames::empty();
        assert_eq!((f.alloc(5), f.alloc_low(5), f.owner(0), f.free_count()), (None, None, None, 0));
        assert_eq!(f.free(0, 5), Err(FrameError::NotRam));
    }

    #[test]
    fn every_frame_is_reachable_after_churn() {
        let mut f = Frames::for_tests(BASE, 64, 16);
        let mut held = Vec::new();
        for round in 0..500usize {
            if round % 3 != 2 {
                if let Some(pa) = f.alloc((round % 4) as u8 + 2) {
                    held.push(pa);
                }
            } else if let Some(pa) = held.pop() {
                let owner = f.owner(pa).unwrap();
                f.free(pa, owner).unwrap();
            }
        }
        for owner in 2..6 {
            f.free_all(owner);
        }
        // (The kernel, which the reserve does not limit.)
        let mut all: Vec<usize> = std::iter::from_fn(|| f.alloc(KERNEL)).collect();
        all.sort();
        assert_eq!(all, (0..64).map(|i| BASE + i * PAGE_SIZE).collect::<Vec<_>>());
    }
}
