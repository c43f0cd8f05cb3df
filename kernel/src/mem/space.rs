//! An address space: one Sv32 root table, its second-level tables, and the
//! operations the kernel needs on it (map, unmap, look up, find room).
//!
//! Physical memory is reached through [`PhysMem`], so the same code runs on
//! the target (through the kernel's direct map) and in host tests (through
//! a fake). Table frames belong to the space's owner, so they go back to
//! the free pool with the rest of a process's frames when it dies; they
//! come from the low pool, which the kernel reaches without remapping.

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
    /// Fills the page at `pa` with zeros.
    fn zero(&mut self, pa: usize) {
        self.table(pa).fill(0);
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    OutOfMemory,
    /// Something is already mapped or reserved there.
    InUse,
    /// Nothing is mapped there.
    NotMapped,
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
        let table = mem.table(root);
        table.fill(0);
        table[first_kernel_slot..].copy_from_slice(&kernel_root[first_kernel_slot..]);
        Ok(Space { root, owner })
    }

    /// The entry for `va`, or 0 when there is none.
    pub fn entry(&self, mem: &mut impl PhysMem, va: usize) -> u32 {
        let top = mem.table(self.root)[pte::vpn1(va)];
        if !pte::is_valid(top) || pte::is_leaf(top) {
            return 0;
        }
        mem.table(pte::address(top))[pte::vpn0(va)]
    }

    /// Sets the entry for `va` (a user page), creating its second-level table if needed.
    pub fn set_entry(&self, mem: &mut impl PhysMem, frames: &mut Frames, va: usize, entry: u32) -> Result<(), MapError> {
        let slot = pte::vpn1(va);
        let mut top = mem.table(self.root)[slot];
        if !pte::is_valid(top) {
            let table = frames.alloc_low(self.owner).ok_or(MapError::OutOfMemory)?;
            mem.table(table).fill(0);
            top = pte::entry(table, pte::V);
            mem.table(self.root)[slot] = top;
        }
        if pte::is_leaf(top) {
            return Err(MapError::InUse);
        }
        mem.table(pte::address(top))[pte::vpn0(va)] = entry;
        Ok(())
    }

    /// Maps frame `pa` at `va` with `flags` (R/W/X, U...), where nothing was.
    /// A reserved (lazy or guard) entry counts as taken unless `over_reserved`.
    pub fn map(&self, mem: &mut impl PhysMem, frames: &mut Frames, va: usize, pa: usize, flags: u32, over_reserved: bool) -> Result<(), MapError> {
        let old = self.entry(mem, va);
        if pte::is_valid(old) || (pte::is_reserved(old) && !over_reserved) {
            return Err(MapError::InUse);
        }
        self.set_entry(mem, frames, va, pte::entry(pa, flags | pte::V | pte::A | pte::D))
    }

    /// Clears the entry for `va`; returns what it was.
    pub fn unmap(&self, mem: &mut impl PhysMem, va: usize) -> Result<u32, MapError> {
        let old = self.entry(mem, va);
        if old == 0 {
            return Err(MapError::NotMapped);
        }
        let top = mem.table(self.root)[pte::vpn1(va)];
        mem.table(pte::address(top))[pte::vpn0(va)] = 0;
        Ok(old)
    }

    /// The lowest `va` in `[from, to)` where `len` bytes have no entry at all.
    pub fn find_free(&self, mem: &mut impl PhysMem, from: usize, to: usize, len: usize) -> Option<usize> {
        let pages = len / PAGE_SIZE;
        let mut start = from;
        let mut run = 0;
        let mut va = from;
        while va < to && run < pages {
            if self.entry(mem, va) == 0 {
                if run == 0 {
                    start = va;
                }
                run += 1;
            } else {
                run = 0;
            }
            va += PAGE_SIZE;
        }
        (run == pages && pages > 0).then_some(start)
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
    use crate::mem::frames::KERNEL;

    fn setup() -> (FakeMem, Frames, Space) {
        let mut mem = FakeMem::default();
        let mut frames = Frames::for_tests(0x8000_0000, 64, 64);
        let mut kernel_root = [0u32; ENTRIES];
        kernel_root[0x3ff] = pte::entry(0x8000_0000, pte::V | pte::RWX | pte::G);
        let space = Space::new(&mut mem, &mut frames, 5, &kernel_root, 0x3fc).unwrap();
        (mem, frames, space)
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
        assert_eq!(space.unmap(&mut mem, 0x2000_0000), Ok(e));
        assert_eq!(space.unmap(&mut mem, 0x2000_0000), Err(MapError::NotMapped));
        // Root + one second-level table + the page itself, all owned by 5.
        assert_eq!(frames.count_of(5), 3);
        assert_eq!(frames.count_of(KERNEL), 0);
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
