//! An address space: one Sv32 root table, its second-level tables, and the
//! operations the kernel needs on it (map, look up, take, find room).
//!
//! Physical memory is reached through [`PhysMem`], so the same code runs on
//! the target (through the kernel's direct map) and in host tests (through
//! a fake). Table frames belong to the space's owner, so they go back to
//! the free pool with the rest of a process's frames when it dies; they
//! come from the low pool, which the kernel reaches without remapping
//! (`PhysMem::low_table`).

use crate::mem::frames::{Frames, Owner};
use crate::mem::pte::{self, ENTRIES};
use crate::mem::PAGE_SIZE;

/// Access to physical pages.
pub trait PhysMem {
    /// The page at `pa` as a page table (or any 1024 words).
    fn table(&mut self, pa: usize) -> &mut [u32; ENTRIES];
    /// Copies `bytes` into the page at `pa`, from byte `offset`.
    fn write(&mut self, pa: usize, offset: usize, bytes: &[u8]);
    /// Copies from the page at `pa`, from byte `offset`, into `out`.
    fn read(&mut self, pa: usize, offset: usize, out: &mut [u8]);
    /// A frame of the low pool (page tables, saved registers), which the
    /// kernel reaches directly: the same as `table` without the question
    /// of how to reach it.
    #[inline(always)]
    fn low_table(&mut self, pa: usize) -> &mut [u32; ENTRIES] {
        self.table(pa)
    }
    /// Two different frames of the low pool as page tables at once (None
    /// when `a` is `b`): a loop over both sides of a lend reads and writes
    /// each through its own reference.
    fn low_tables(&mut self, a: usize, b: usize) -> Option<(&mut [u32; ENTRIES], &mut [u32; ENTRIES])>;
    /// Fills the page at `pa` with zeros.
    fn zero(&mut self, pa: usize) {
        self.table(pa).fill(0);
    }
    /// Fills `len` bytes of the page at `pa`, from byte `offset`, with
    /// zeros: whole words as words, the odd bytes at either end as bytes.
    fn zero_part(&mut self, pa: usize, offset: usize, len: usize) {
        let end = offset + len;
        let (words_start, words_end) = (offset.next_multiple_of(4).min(end), end & !3);
        if words_start >= words_end {
            self.write(pa, offset, &[0; 8][..len.min(8)]);
            return;
        }
        self.write(pa, offset, &[0; 3][..words_start - offset]);
        self.table(pa)[words_start / 4..words_end / 4].fill(0);
        self.write(pa, words_end, &[0; 3][..end - words_end]);
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    OutOfMemory,
    /// Something is already mapped or reserved there.
    InUse,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Space {
    /// Physical address of the root table (what goes in `satp`).
    pub root: usize,
    pub owner: Owner,
}

impl Space {
    /// A new space whose kernel half is `kernel_root`'s entries from `first_kernel_slot` up.
    pub fn new(
        mem: &mut impl PhysMem,
        frames: &mut Frames,
        owner: Owner,
        kernel_root: &[u32; ENTRIES],
        first_kernel_slot: usize,
    ) -> Result<Space, MapError> {
        let root = frames.alloc_low(owner).ok_or(MapError::OutOfMemory)?;
        let table = mem.low_table(root);
        table.fill(0);
        table[first_kernel_slot..].copy_from_slice(&kernel_root[first_kernel_slot..]);
        Ok(Space { root, owner })
    }

    /// A walk over this space's entries (see [`Walk`]).
    pub fn walk(&self) -> Walk {
        Walk { root: self.root, owner: self.owner, region: usize::MAX, table: 0 }
    }

    /// The entry for `va`, or 0 when there is none.
    pub fn entry(&self, mem: &mut impl PhysMem, va: usize) -> u32 {
        self.walk().entry(mem, va)
    }

    /// Sets the entry for `va` (a user page), creating its second-level table if needed.
    pub fn set_entry(&self, mem: &mut impl PhysMem, frames: &mut Frames, va: usize, entry: u32) -> Result<(), MapError> {
        self.walk().set(mem, frames, va, entry)
    }

    /// Maps frame `pa` at `va` with `flags` (R/W/X, U...), where nothing was.
    /// A reserved (lazy or guard) entry counts as taken unless `over_reserved`.
    pub fn map(&self, mem: &mut impl PhysMem, frames: &mut Frames, va: usize, pa: usize, flags: u32, over_reserved: bool) -> Result<(), MapError> {
        let mut walk = self.walk();
        let old = walk.entry(mem, va);
        if old != 0 && !(over_reserved && pte::is_reserved(old)) {
            return Err(MapError::InUse);
        }
        walk.set(mem, frames, va, pte::entry(pa, flags | pte::V | pte::A | pte::D))
    }

    /// The lowest `va` in `[from, to)` where `len` bytes have no entry at
    /// all. A 4 MiB region without a second-level table is skipped whole.
    pub fn find_free(&self, mem: &mut impl PhysMem, from: usize, to: usize, len: usize) -> Option<usize> {
        let pages = len / PAGE_SIZE;
        let (mut start, mut run, mut va) = (from, 0, from);
        while va < to && run < pages {
            let top = mem.low_table(self.root)[pte::vpn1(va)];
            let region_end = (va | (REGION - 1)).saturating_add(1).min(to);
            if !pte::is_valid(top) {
                if run == 0 {
                    start = va;
                }
                run += (region_end - va) / PAGE_SIZE;
                va = region_end;
                continue;
            }
            if pte::is_leaf(top) {
                run = 0;
                va = region_end;
                continue;
            }
            let table = mem.low_table(pte::address(top));
            while va < region_end && run < pages {
                if table[pte::vpn0(va)] != 0 {
                    run = 0;
                } else {
                    if run == 0 {
                        start = va;
                    }
                    run += 1;
                }
                va += PAGE_SIZE;
            }
        }
        (pages > 0 && run >= pages && start + len <= to).then_some(start)
    }
}

/// Bytes one second-level table covers.
pub const REGION: usize = ENTRIES * PAGE_SIZE;

/// A walk over one space's entries that keeps the second-level table it
/// used last, so a run of pages costs one walk from the root per 4 MiB.
/// Tables are never freed while their space lives, so what it keeps stays
/// true; a missing table is looked for again each time.
pub struct Walk {
    root: usize,
    owner: Owner,
    /// The root slot of `table`, or usize::MAX for none yet.
    region: usize,
    table: usize,
}

impl Walk {
    /// The second-level table holding `va`'s entry, if there is one.
    #[inline(always)]
    pub fn table(&mut self, mem: &mut impl PhysMem, va: usize) -> Option<usize> {
        let region = pte::vpn1(va);
        if region != self.region {
            let top = mem.low_table(self.root)[region];
            if !pte::is_valid(top) || pte::is_leaf(top) {
                return None;
            }
            self.region = region;
            self.table = pte::address(top);
        }
        Some(self.table)
    }

    /// The entry for `va`, or 0 when there is none.
    #[inline]
    pub fn entry(&mut self, mem: &mut impl PhysMem, va: usize) -> u32 {
        match self.table(mem, va) {
            Some(table) => mem.low_table(table)[pte::vpn0(va)],
            None => 0,
        }
    }

    /// Sets the entry for `va` (a user page), creating its second-level table if needed.
    pub fn set(&mut self, mem: &mut impl PhysMem, frames: &mut Frames, va: usize, entry: u32) -> Result<(), MapError> {
        let table = match self.table(mem, va) {
            Some(table) => table,
            None => {
                let slot = pte::vpn1(va);
                if pte::is_valid(mem.low_table(self.root)[slot]) {
                    return Err(MapError::InUse);
                }
                let table = frames.alloc_low(self.owner).ok_or(MapError::OutOfMemory)?;
                mem.low_table(table).fill(0);
                mem.low_table(self.root)[slot] = pte::entry(table, pte::V);
                table
            }
        };
        mem.low_table(table)[pte::vpn0(va)] = entry;
        Ok(())
    }

    /// Replaces the entry for `va` if there is one; returns what it was.
    #[inline]
    pub fn replace(&mut self, mem: &mut impl PhysMem, va: usize, entry: u32) -> Option<u32> {
        let table = self.table(mem, va)?;
        let slot = &mut mem.low_table(table)[pte::vpn0(va)];
        let old = *slot;
        (old != 0).then(|| {
            *slot = entry;
            old
        })
    }

    /// Clears the entry for `va` if there is one; returns what it was.
    pub fn take(&mut self, mem: &mut impl PhysMem, va: usize) -> Option<u32> {
        self.replace(mem, va, 0)
    }

    /// The entries of the pages from `va` (page-aligned) up to `end`, or
    /// to the end of their second-level table if that comes first; `None`
    /// if that table does not exist. A loop over a range takes one run
    /// per 4 MiB and then works on plain words.
    #[inline(always)]
    pub fn run<'m, M: PhysMem>(&mut self, mem: &'m mut M, va: usize, end: usize) -> Option<&'m mut [u32]> {
        let table = self.table(mem, va)?;
        let first = pte::vpn0(va);
        let n = ((end - va) / PAGE_SIZE).min(ENTRIES - first);
        Some(&mut mem.low_table(table)[first..first + n])
    }

    /// As `run`, creating the second-level table if needed.
    pub fn run_or_create<'m, M: PhysMem>(&mut self, mem: &'m mut M, frames: &mut Frames, va: usize, end: usize) -> Result<&'m mut [u32], MapError> {
        if self.table(mem, va).is_none() {
            let old = self.entry(mem, va);
            self.set(mem, frames, va, old)?;
        }
        self.run(mem, va, end).ok_or(MapError::InUse)
    }
}

#[cfg(test)]
pub mod fake {
    //! Physical memory for host tests: pages on the heap, made on first use.
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    pub struct FakeMem {
        pages: HashMap<usize, Box<[u32; ENTRIES]>>,
    }

    impl FakeMem {
        pub fn byte(&mut self, pa: usize, offset: usize) -> u8 {
            self.table(pa)[offset / 4].to_le_bytes()[offset % 4]
        }
    }

    impl PhysMem for FakeMem {
        fn read(&mut self, pa: usize, offset: usize, out: &mut [u8]) {
            assert!(offset + out.len() <= PAGE_SIZE);
            for (i, b) in out.iter_mut().enumerate() {
                *b = self.byte(pa, offset + i);
            }
        }
        fn table(&mut self, pa: usize) -> &mut [u32; ENTRIES] {
            assert_eq!(pa % PAGE_SIZE, 0);
            // Fresh pages hold garbage, as real RAM would.
            self.pages.entry(pa).or_insert_with(|| Box::new([0xa5a5_a5a5; ENTRIES]))
        }
        fn low_tables(&mut self, a: usize, b: usize) -> Option<(&mut [u32; ENTRIES], &mut [u32; ENTRIES])> {
            if a == b {
                return None;
            }
            self.table(a);
            self.table(b);
            let [x, y] = self.pages.get_disjoint_mut([&a, &b]);
            Some((x?, y?))
        }
        fn write(&mut self, pa: usize, offset: usize, bytes: &[u8]) {
            assert!(offset + bytes.len() <= PAGE_SIZE);
            let words = self.table(pa);
            for (i, b) in bytes.iter().enumerate() {
                let at = offset + i;
                let mut w = words[at / 4].to_le_bytes();
                w[at % 4] = *b;
                words[at / 4] = u32::from_le_bytes(w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeMem;
    use super::*;

    fn setup() -> (FakeMem, Frames, Space) {
        let mut mem = FakeMem::default();
        let mut frames = Frames::for_tests(0x8000_0000, 64, 64);
        let mut kernel_root = [0u32; ENTRIES];
        kernel_root[0x3ff] = pte::entry(0x8000_0000, pte::V | pte::RWX | pte::G);
        let space = Space::new(&mut mem, &mut frames, 5, &kernel_root, 0x3fc).unwrap();
        (mem, frames, space)
    }

    #[test]
    fn zero_part_zeroes_exactly_its_bytes() {
        // Every start and length around word edges, at both ends of a page.
        for offset in (0..12).chain(PAGE_SIZE - 12..PAGE_SIZE) {
            for len in 0..=(PAGE_SIZE - offset).min(13) {
                let mut mem = FakeMem::default();
                let pa = 0x8000_0000;
                mem.zero_part(pa, offset, len);
                for at in 0..PAGE_SIZE {
                    let expected = if (offset..offset + len).contains(&at) { 0 } else { 0xa5 };
                    assert_eq!(mem.byte(pa, at), expected, "offset {offset} len {len}: byte {at}");
                }
            }
        }
        let mut mem = FakeMem::default();
        mem.zero_part(0x8000_0000, 5, PAGE_SIZE - 5);
        assert_eq!(mem.byte(0x8000_0000, 4), 0xa5);
        assert!((5..PAGE_SIZE).all(|at| mem.byte(0x8000_0000, at) == 0));
    }

    #[test]
    fn new_space_shares_the_kernel_half_only() {
        let (mut mem, _, space) = setup();
        let root = *mem.table(space.root);
        assert!(pte::is_leaf(root[0x3ff]));
        assert!(root[..0x3fc].iter().all(|e| *e == 0), "user half starts empty");
    }

    #[test]
    fn map_look_up_unmap() {
        let (mut mem, mut frames, space) = setup();
        let pa = frames.alloc(5).unwrap();
        space.map(&mut mem, &mut frames, 0x2000_0000, pa, pte::R | pte::W | pte::U, false).unwrap();
        let e = space.entry(&mut mem, 0x2000_0000);
        assert_eq!(pte::address(e), pa);
        assert!(pte::is_leaf(e) && e & pte::U != 0);
        assert_eq!(space.map(&mut mem, &mut frames, 0x2000_0000, pa, pte::R, false), Err(MapError::InUse));
        assert_eq!(space.entry(&mut mem, 0x2000_1000), 0);
        assert_eq!(space.walk().take(&mut mem, 0x2000_0000), Some(e));
        assert_eq!(space.walk().take(&mut mem, 0x2000_0000), None);
        // Root + one second-level table + the page itself, all owned by 5.
        assert_eq!((frames.in_use(), frames.free_all(5)), (3, 3));
    }

    #[test]
    fn reserved_entries_block_mapping_unless_asked() {
        let (mut mem, mut frames, space) = setup();
        space.set_entry(&mut mem, &mut frames, 0x6000_0000, pte::LAZY | pte::R | pte::W).unwrap();
        let pa = frames.alloc(5).unwrap();
        assert_eq!(space.map(&mut mem, &mut frames, 0x6000_0000, pa, pte::R, false), Err(MapError::InUse));
        space.map(&mut mem, &mut frames, 0x6000_0000, pa, pte::R, true).unwrap();
    }

    #[test]
    fn finds_room() {
        let (mut mem, mut frames, space) = setup();
        let pa = frames.alloc(5).unwrap();
        space.map(&mut mem, &mut frames, 0x6000_1000, pa, pte::R, false).unwrap();
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x7000_0000, 0x1000), Some(0x6000_0000));
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x7000_0000, 0x2000), Some(0x6000_2000));
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x6000_2000, 0x2000), None);
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x7000_0000, 0), None);
    }

    #[test]
    fn finds_room_across_regions_with_and_without_tables() {
        let (mut mem, mut frames, space) = setup();
        let pa = frames.alloc(5).unwrap();
        // The last page of the first region is taken; the next region has no table.
        space.map(&mut mem, &mut frames, 0x603f_f000, pa, pte::R, false).unwrap();
        assert_eq!(space.find_free(&mut mem, 0x603f_f000, 0x7000_0000, 0x2000), Some(0x6040_0000));
        assert_eq!(space.find_free(&mut mem, 0x603f_e000, 0x7000_0000, 0x1000), Some(0x603f_e000));
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x7000_0000, 0x40_0000), Some(0x6040_0000), "a whole region");
        assert_eq!(space.find_free(&mut mem, 0x6040_0000, 0x6080_0000, 0x40_1000), None, "longer than the range");
        // A run that starts in a table and goes on into a region without one.
        let (mut mem, mut frames, space) = setup();
        space.map(&mut mem, &mut frames, 0x6000_0000, pa, pte::R, false).unwrap();
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x7000_0000, 0x50_0000), Some(0x6000_1000));
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x6050_1000, 0x50_0000), Some(0x6000_1000), "ends exactly at the limit");
        assert_eq!(space.find_free(&mut mem, 0x6000_0000, 0x6050_0000, 0x50_0000), None);
    }

    #[test]
    fn runs_stop_at_the_end_of_a_table() {
        let (mut mem, mut frames, space) = setup();
        let mut walk = space.walk();
        assert!(walk.run(&mut mem, 0x4000_0000, 0x4000_2000).is_none(), "no table yet");
        let run = walk.run_or_create(&mut mem, &mut frames, 0x403f_e000, 0x4040_4000).unwrap();
        assert_eq!(run.len(), 2, "two pages left in this table");
        run[1] = pte::GUARD;
        assert_eq!(space.entry(&mut mem, 0x403f_f000), pte::GUARD);
        assert!(walk.run(&mut mem, 0x4040_0000, 0x4040_4000).is_none(), "the next region has no table");
        let run = walk.run_or_create(&mut mem, &mut frames, 0x4040_0000, 0x4040_4000).unwrap();
        assert_eq!(run, &[0, 0, 0, 0]);
        assert_eq!(frames.in_use(), 3);
    }

    #[test]
    fn a_walk_keeps_its_table_and_makes_missing_ones() {
        let (mut mem, mut frames, space) = setup();
        let mut walk = space.walk();
        assert_eq!(walk.entry(&mut mem, 0x4000_0000), 0);
        assert_eq!(walk.replace(&mut mem, 0x4000_0000, 7), None, "no table: nothing to replace");
        walk.set(&mut mem, &mut frames, 0x4000_0000, pte::LAZY | pte::R).unwrap();
        walk.set(&mut mem, &mut frames, 0x4000_1000, pte::GUARD).unwrap();
        assert_eq!(frames.in_use(), 2, "the root and one table");
        assert_eq!(walk.replace(&mut mem, 0x4000_1000, pte::LAZY | pte::R), Some(pte::GUARD));
        assert_eq!(walk.take(&mut mem, 0x4000_0000), Some(pte::LAZY | pte::R));
        assert_eq!(walk.take(&mut mem, 0x4000_0000), None, "already empty");
        walk.set(&mut mem, &mut frames, 0x4040_0000, pte::GUARD).unwrap();
        assert_eq!((walk.entry(&mut mem, 0x4000_1000), space.entry(&mut mem, 0x4040_0000)), (pte::LAZY | pte::R, pte::GUARD));
        assert_eq!(frames.in_use(), 3, "a second table for the next region");
    }

    #[test]
    fn running_out_of_frames_is_an_error() {
        let mut mem = FakeMem::default();
        let mut frames = Frames::for_tests(0x8000_0000, 2, 2);
        let space = Space::new(&mut mem, &mut frames, 5, &[0; ENTRIES], 0x3fc).unwrap();
        let pa = frames.alloc(5).unwrap();
        assert_eq!(space.map(&mut mem, &mut frames, 0x1000, pa, pte::R, false), Err(MapError::OutOfMemory));
    }
}
