//! The directory index: for each directory the service has looked into, its
//! names (to their slot, inode and kind) and its free and used slots, kept in
//! memory, so that finding a name, adding one and removing one cost
//! O(log n) instead of a scan of the whole directory.
//!
//! The directory's blocks stay as they are, the only record: an index is
//! built from them by one scan the first time the directory is needed, is
//! changed only after the change it mirrors was made in the blocks, and is
//! dropped whenever that is in doubt (an error in the middle of a change, an
//! inode freed or given out). So it can never say anything the blocks do not,
//! and crash safety is the blocks' as before. Directories past `MAX_NAMES`
//! entries are not indexed (their operations scan, as before), which bounds
//! the memory an index takes.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// Entries at most in one index (about 40 bytes each).
pub const MAX_NAMES: usize = 65_536;

/// A name's entry: its slot in the directory, its inode and kind.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub slot: u32,
    pub inode: u32,
    pub kind: u8,
}

#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub struct DirIndex {
    names: BTreeMap<Vec<u8>, Slot>,
    /// Free slots below `slots`.
    free: BTreeSet<u32>,
    /// The directory's slot count (its size in entries).
    slots: u32,
}

impl DirIndex {
    /// An index of a directory of `slots` slots whose used ones are `used`
    /// (in any order); None if it would hold more than MAX_NAMES.
    pub fn build(slots: u32, used: impl IntoIterator<Item = (Vec<u8>, Slot)>) -> Option<DirIndex> {
        let mut index = DirIndex { names: BTreeMap::new(), free: BTreeSet::new(), slots };
        let mut taken = BTreeSet::new();
        for (name, slot) in used {
            if index.names.len() == MAX_NAMES {
                return None;
            }
            taken.insert(slot.slot);
            index.names.insert(name, slot);
        }
        index.free = (0..slots).filter(|s| !taken.contains(s)).collect();
        Some(index)
    }

    pub fn find(&self, name: &[u8]) -> Option<Slot> {
        self.names.get(name).copied()
    }

    /// Where a new name goes: the first free slot, else a new one at the end.
    pub fn slot_for_new(&self) -> u32 {
        self.free.first().copied().unwrap_or(self.slots)
    }

    /// The entry at `slot.slot` now names `name` (`slot.inode` != 0).
    pub fn set(&mut self, name: &[u8], slot: Slot) {
        self.free.remove(&slot.slot);
        for s in self.slots..slot.slot {
            self.free.insert(s);
        }
        self.slots = self.slots.max(slot.slot + 1);
        self.names.insert(name.to_vec(), slot);
    }

    /// `name` no longer has an entry (its slot is freed or reused apart).
    pub fn remove_name(&mut self, name: &[u8]) {
        self.names.remove(name);
    }

    /// The slot count once `slot` is free: a directory ends after its last
    /// used slot, as `Fs::shrink` cuts it.
    pub fn slots_without(&self, slot: u32) -> u32 {
        let mut end = self.slots;
        if slot + 1 == end {
            end = slot;
            while end > 0 && self.free.contains(&(end - 1)) {
                end -= 1;
            }
        }
        end
    }

    /// `slot` is free now, and the directory ends as `slots_without` says.
    pub fn free_slot(&mut self, slot: u32) {
        let end = self.slots_without(slot);
        self.free.insert(slot);
        self.free.retain(|s| *s < end);
        self.slots = end;
    }

    /// The slot count the directory has after the changes above.
    #[cfg(test)]
    pub fn slots(&self) -> u32 {
        self.slots
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether a new name would take it past MAX_NAMES.
    pub fn is_full(&self) -> bool {
        self.names.len() >= MAX_NAMES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(slot: u32) -> Slot {
        Slot { slot, inode: 100 + slot, kind: 1 }
    }

    #[test]
    fn names_free_slots_and_the_end_follow_the_changes() {
        let used = [(b"a".to_vec(), slot(0)), (b"c".to_vec(), slot(2))];
        let mut index = DirIndex::build(3, used).unwrap();
        assert_eq!(index.find(b"c"), Some(slot(2)));
        assert_eq!(index.find(b"b"), None);
        assert_eq!(index.slot_for_new(), 1, "the hole first");
        index.set(b"b", slot(1));
        assert_eq!(index.slot_for_new(), 3, "then the end");
        index.set(b"d", slot(3));
        let clear = |index: &mut DirIndex, name: &[u8], at: u32| {
            index.remove_name(name);
            index.free_slot(at);
        };
        assert_eq!(index.slots_without(2), 4, "not the last: nothing is cut");
        clear(&mut index, b"d", 3);
        assert_eq!(index.slots_without(2), 2);
        clear(&mut index, b"c", 2);
        assert_eq!(index.slots(), 2, "free slots at the end are cut");
        clear(&mut index, b"a", 0);
        assert_eq!((index.slots(), index.slot_for_new()), (2, 0));
        assert_eq!(index.slots_without(1), 0, "the free slots before go too");
        clear(&mut index, b"b", 1);
        assert_eq!((index.slots(), index.len(), index.slot_for_new()), (0, 0, 0));
    }

    #[test]
    fn a_directory_past_the_limit_is_not_indexed() {
        let used = (0..=MAX_NAMES as u32).map(|i| (i.to_le_bytes().to_vec(), slot(i)));
        assert!(DirIndex::build(MAX_NAMES as u32 + 1, used).is_none());
    }
}
