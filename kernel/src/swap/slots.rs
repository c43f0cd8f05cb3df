//! The swap device's slots as the kernel keeps them: which process a slot
//! holds a page of, and how many times the slot has been written this boot.
//!
//! The write count is what makes every encryption's nonce new (seal.rs): a
//! slot is written with count + 1 each time, and a slot whose count would
//! wrap is never used again. The counts stay on the chip, in the kernel's
//! own frames, so a slot copied back from an earlier write (a replay) does
//! not decrypt. One word per slot: the owner in the low byte (0: free), the
//! count above it. The words live in frames of the low pool, a table of
//! up to `TABLE_FRAMES` of them, taken when swap starts.

use crate::mem::frames::{Frames, Owner, FREE, KERNEL};
use crate::mem::space::PhysMem;

/// Slots one frame of the table describes.
const PER_FRAME: usize = 1024;
/// Frames of table at most: 65,536 slots, 256 MiB of swap.
pub const TABLE_FRAMES: usize = 64;
/// The largest write count; a slot that reached it is retired.
const COUNT_MAX: u32 = (1 << 24) - 1;

pub struct Slots {
    table: [usize; TABLE_FRAMES],
    count: usize,
    /// Where the search for a free slot starts (next fit).
    cursor: usize,
    /// Slots holding a page now.
    used: usize,
}

impl Slots {
    pub const fn new() -> Slots {
        Slots { table: [0; TABLE_FRAMES], count: 0, cursor: 0, used: 0 }
    }

    /// Takes `slots` slots (at most what the table can describe), all free
    /// and never written, in frames of the low pool; false if no frames.
    pub fn start(&mut self, mem: &mut impl PhysMem, frames: &mut Frames, slots: usize) -> bool {
        let slots = slots.min(TABLE_FRAMES * PER_FRAME);
        for i in 0..slots.div_ceil(PER_FRAME) {
            let Some(frame) = frames.alloc_low(KERNEL) else {
                for taken in &mut self.table[..i] {
                    let _ = frames.free(*taken, KERNEL);
                    *taken = 0;
                }
                return false;
            };
            mem.low_table(frame).fill(0);
            self.table[i] = frame;
        }
        self.count = slots;
        true
    }

    pub fn total(&self) -> usize {
        self.count
    }

    pub fn used(&self) -> usize {
        self.used
    }

    fn word<'m>(&self, mem: &'m mut impl PhysMem, slot: usize) -> &'m mut u32 {
        &mut mem.low_table(self.table[slot / PER_FRAME])[slot % PER_FRAME]
    }

    /// A free slot for a page of `owner`, with the write count to seal it
    /// with (its last + 1); None when every slot is taken or retired.
    pub fn take(&mut self, mem: &mut impl PhysMem, owner: Owner) -> Option<(usize, u32)> {
        debug_assert_ne!(owner, FREE);
        for n in 0..self.count {
            let slot = (self.cursor + n) % self.count;
            let word = self.word(mem, slot);
            let count = *word >> 8;
            if *word as Owner == FREE && count < COUNT_MAX {
                *word = ((count + 1) << 8) | owner as u32;
                self.cursor = (slot + 1) % self.count;
                self.used += 1;
                return Some((slot, count + 1));
            }
        }
        None
    }

    /// The write count `slot` was last sealed with, if `owner` holds it.
    pub fn held(&self, mem: &mut impl PhysMem, slot: usize, owner: Owner) -> Option<u32> {
        if slot >= self.count || owner == FREE {
            return None;
        }
        let word = *self.word(mem, slot);
        (word as Owner == owner).then_some(word >> 8)
    }

    /// Frees `slot` if `owner` holds it (its count stays).
    pub fn free(&mut self, mem: &mut impl PhysMem, slot: usize, owner: Owner) {
        if self.held(mem, slot, owner).is_some() {
            let word = self.word(mem, slot);
            *word &= !0xff;
            self.used -= 1;
        }
    }

    /// Gives `slot` from `from` to `to` (a swapped page moved to another
    /// process); false, and nothing changed, if `from` does not hold it.
    pub fn hand_over(&mut self, mem: &mut impl PhysMem, slot: usize, from: Owner, to: Owner) -> bool {
        if to == FREE || self.held(mem, slot, from).is_none() {
            return false;
        }
        let word = self.word(mem, slot);
        *word = (*word & !0xff) | to as u32;
        true
    }

    /// Frees every slot `owner` holds (it ended).
    pub fn free_all(&mut self, mem: &mut impl PhysMem, owner: Owner) {
        if owner == FREE || self.used == 0 {
            return;
        }
        for slot in 0..self.count {
            let word = self.word(mem, slot);
            if *word as Owner == owner {
                *word &= !0xff;
                self.used -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::space::fake::FakeMem;

    fn setup(slots: usize) -> (FakeMem, Frames, Slots) {
        let (mut mem, mut frames, mut s) = (FakeMem::default(), Frames::for_tests(0x8000_0000, 16, 16), Slots::new());
        assert!(s.start(&mut mem, &mut frames, slots));
        (mem, frames, s)
    }

    #[test]
    fn counts_grow_with_every_write_and_survive_freeing() {
        let (mut mem, _, mut s) = setup(2);
        assert_eq!(s.take(&mut mem, 5), Some((0, 1)));
        assert_eq!(s.take(&mut mem, 6), Some((1, 1)));
        assert_eq!(s.take(&mut mem, 5), None, "full");
        assert_eq!((s.held(&mut mem, 0, 5), s.held(&mut mem, 0, 6), s.held(&mut mem, 9, 5)), (Some(1), None, None));
        s.free(&mut mem, 0, 6);
        assert_eq!(s.used(), 2, "only its holder frees a slot");
        s.free(&mut mem, 0, 5);
        assert_eq!(s.take(&mut mem, 7), Some((0, 2)), "the same slot, a new count: a new nonce");
    }

    #[test]
    fn a_slot_changes_hands_with_its_count() {
        let (mut mem, _, mut s) = setup(2);
        assert_eq!(s.take(&mut mem, 5), Some((0, 1)));
        assert!(!s.hand_over(&mut mem, 0, 6, 7), "only its holder gives it away");
        assert!(!s.hand_over(&mut mem, 0, 5, FREE), "freeing is free's work");
        assert!(s.hand_over(&mut mem, 0, 5, 7));
        assert_eq!((s.held(&mut mem, 0, 5), s.held(&mut mem, 0, 7), s.used()), (None, Some(1), 1));
        s.free_all(&mut mem, 5);
        assert_eq!(s.used(), 1, "the old holder's end leaves it");
        s.free_all(&mut mem, 7);
        assert_eq!(s.used(), 0);
    }

    #[test]
    fn a_slot_at_the_last_count_is_retired() {
        let (mut mem, _, mut s) = setup(2);
        *s.word(&mut mem, 0) = COUNT_MAX << 8;
        assert_eq!(s.take(&mut mem, 5), Some((1, 1)));
        s.free(&mut mem, 1, 5);
        assert_eq!(s.take(&mut mem, 5), Some((1, 2)), "slot 0 is never taken again");
    }

    #[test]
    fn an_ending_process_frees_its_slots_only() {
        let (mut mem, _, mut s) = setup(3000);
        for owner in [5, 6, 5] {
            s.take(&mut mem, owner).unwrap();
        }
        s.free_all(&mut mem, 5);
        assert_eq!((s.used(), s.held(&mut mem, 1, 6)), (1, Some(1)));
        assert_eq!(s.total(), 3000);
    }

    #[test]
    fn the_table_is_limited_and_gives_its_frames_back_when_short() {
        let (mut mem, mut frames, mut s) = (FakeMem::default(), Frames::for_tests(0x8000_0000, 2, 2), Slots::new());
        assert!(!s.start(&mut mem, &mut frames, 3 * PER_FRAME), "needs three frames, there are two");
        assert_eq!(frames.free_count(), 2);
        assert!(s.start(&mut mem, &mut frames, 2 * PER_FRAME));
        let (mut mem, mut frames, mut s) = (FakeMem::default(), Frames::for_tests(0x8000_0000, 80, 80), Slots::new());
        assert!(s.start(&mut mem, &mut frames, usize::MAX / 2));
        assert_eq!((s.total(), frames.free_count()), (TABLE_FRAMES * PER_FRAME, 80 - TABLE_FRAMES));
    }
}
