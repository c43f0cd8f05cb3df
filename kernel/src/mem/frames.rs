//! Physical page frames and who owns each one.
//!
//! Every frame of usable RAM has exactly one owner: free, the kernel, or a
//! process (by PID). Allocation, freeing and "give back everything this
//! process had" all go through this record, so a dying process can never
//! leak a page, and no process can free another's.

use crate::mem::PAGE_SIZE;

/// The owner of a frame. PID 1 is the kernel; 0 means free.
pub type Owner = u8;
pub const FREE: Owner = 0;
pub const KERNEL: Owner = 1;

/// Most frames the allocator tracks (16 MiB of RAM).
pub const MAX_FRAMES: usize = 4 * 1024;

pub struct Frames {
    base: usize,
    count: usize,
    owners: [Owner; MAX_FRAMES],
    /// Where the next search for a free frame starts.
    hint: usize,
    free: usize,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The address is not a frame of usable RAM.
    NotRam,
    /// The frame belongs to someone else (or nobody).
    NotOwner,
}

impl Frames {
    /// Tracks `[base, base + count * PAGE_SIZE)`, all free.
    pub const fn new(base: usize, count: usize) -> Frames {
        let count = if count > MAX_FRAMES { MAX_FRAMES } else { count };
        Frames { base, count, owners: [FREE; MAX_FRAMES], hint: 0, free: count }
    }

    /// Tracks nothing yet (all zero, so a static of it costs no image bytes).
    pub const fn empty() -> Frames {
        Frames::new(0, 0)
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

    pub fn owner(&self, pa: usize) -> Option<Owner> {
        self.index(pa).map(|i| self.owners[i])
    }

    pub fn free_count(&self) -> usize {
        self.free
    }

    /// Takes any free frame for `owner`.
    pub fn alloc(&mut self, owner: Owner) -> Option<usize> {
        debug_assert_ne!(owner, FREE);
        for step in 0..self.count {
            let i = (self.hint + step) % self.count;
            if self.owners[i] == FREE {
                self.owners[i] = owner;
                self.hint = (i + 1) % self.count;
                self.free -= 1;
                return Some(self.base + i * PAGE_SIZE);
            }
        }
        None
    }

    /// Takes the specific frame `pa` for `owner`, if it is free.
    pub fn claim(&mut self, pa: usize, owner: Owner) -> Result<(), FrameError> {
        let i = self.index(pa).ok_or(FrameError::NotRam)?;
        if self.owners[i] != FREE {
            return Err(FrameError::NotOwner);
        }
        self.owners[i] = owner;
        self.free -= 1;
        Ok(())
    }

    /// Gives `pa` from `from` to `to` (memory that moves between processes).
    pub fn transfer(&mut self, pa: usize, from: Owner, to: Owner) -> Result<(), FrameError> {
        let i = self.index(pa).ok_or(FrameError::NotRam)?;
        if self.owners[i] != from {
            return Err(FrameError::NotOwner);
        }
        self.owners[i] = to;
        Ok(())
    }

    /// Frees `pa`, which must belong to `owner`.
    pub fn free(&mut self, pa: usize, owner: Owner) -> Result<(), FrameError> {
        let i = self.index(pa).ok_or(FrameError::NotRam)?;
        if self.owners[i] != owner || owner == FREE {
            return Err(FrameError::NotOwner);
        }
        self.owners[i] = FREE;
        self.free += 1;
        Ok(())
    }

    /// Frees every frame `owner` holds; returns how many.
    pub fn free_all(&mut self, owner: Owner) -> usize {
        let mut n = 0;
        for o in self.owners[..self.count].iter_mut().filter(|o| **o == owner) {
            *o = FREE;
            n += 1;
        }
        self.free += n;
        n
    }

    /// How many frames `owner` holds.
    pub fn count_of(&self, owner: Owner) -> usize {
        self.owners[..self.count].iter().filter(|o| **o == owner).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: usize = 0x8000_0000;

    #[test]
    fn allocates_each_frame_once() {
        let mut f = Frames::new(BASE, 4);
        let mut got: Vec<usize> = (0..4).map(|_| f.alloc(5).unwrap()).collect();
        got.sort();
        assert_eq!(got, [BASE, BASE + 0x1000, BASE + 0x2000, BASE + 0x3000]);
        assert_eq!(f.alloc(5), None, "exhausted");
        assert_eq!(f.free_count(), 0);
    }

    #[test]
    fn only_the_owner_frees() {
        let mut f = Frames::new(BASE, 4);
        let pa = f.alloc(5).unwrap();
        assert_eq!(f.free(pa, 6), Err(FrameError::NotOwner));
        assert_eq!(f.free(pa + 1, 5), Err(FrameError::NotRam), "unaligned");
        assert_eq!(f.free(BASE + 0x10_0000, 5), Err(FrameError::NotRam), "outside");
        assert_eq!(f.free(pa, 5), Ok(()));
        assert_eq!(f.free(pa, 5), Err(FrameError::NotOwner), "double free");
    }

    #[test]
    fn claim_transfer_and_free_all() {
        let mut f = Frames::new(BASE, 8);
        f.claim(BASE, KERNEL).unwrap();
        assert_eq!(f.claim(BASE, 5), Err(FrameError::NotOwner));
        let a = f.alloc(5).unwrap();
        let b = f.alloc(5).unwrap();
        f.transfer(b, 5, 6).unwrap();
        assert_eq!(f.transfer(b, 5, 7), Err(FrameError::NotOwner));
        assert_eq!(f.count_of(5), 1);
        assert_eq!(f.free_all(5), 1);
        assert_eq!(f.owner(a), Some(FREE));
        assert_eq!(f.owner(b), Some(6));
        assert_eq!(f.free_count(), 6);
    }
}
