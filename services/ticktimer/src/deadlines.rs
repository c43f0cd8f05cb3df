//! The deadline queue: held requests that end at a time (sleeps, waits with
//! a timeout), kept in deadline order so the earliest is always at hand for
//! the alarm. Equal deadlines leave in the order they came.
//!
//! Stored latest first, so the earliest is the last element and taking it
//! moves nothing; inserting and removing shift the entries after the spot.
//! The queue lives on the heap, up to N entries; the service reserves all
//! of it at start (`reserve_all`), so it is never short of memory later.

use alloc::vec::Vec;

/// Which held request: a process and its slot in the table (table.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub pid: u8,
    pub slot: u16,
}

/// A deadline as two words (12 bytes an entry, not 16 with a u64's
/// alignment: the queue is reserved whole, on a 2 MiB chip too).
#[derive(Clone, Copy)]
struct Entry {
    at: [u32; 2],
    key: Key,
}

/// Bytes of memory an entry takes.
pub const ENTRY_BYTES: usize = core::mem::size_of::<Entry>();

impl Entry {
    fn new(at: u64, key: Key) -> Entry {
        Entry { at: [at as u32, (at >> 32) as u32], key }
    }

    fn at(&self) -> u64 {
        (self.at[1] as u64) << 32 | self.at[0] as u64
    }
}

pub struct Deadlines<const N: usize> {
    /// Deadlines falling; equal deadlines newest first. At most N.
    entries: Vec<Entry>,
}

/// The queue is full.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

impl<const N: usize> Deadlines<N> {
    pub const fn new() -> Self {
        Deadlines { entries: Vec::new() }
    }

    /// Takes the memory for N entries now; false if there is not enough.
    pub fn reserve_all(&mut self) -> bool {
        self.entries.try_reserve_exact(N.saturating_sub(self.entries.len())).is_ok()
    }

    /// Adds `key`, due at `at`, after everything due at or before `at`.
    pub fn insert(&mut self, at: u64, key: Key) -> Result<(), Full> {
        if self.entries.len() >= N || self.entries.try_reserve(1).is_err() {
            return Err(Full);
        }
        // Later deadlines stay in front; equal and earlier ones behind it.
        let spot = self.entries.partition_point(|e| e.at() > at);
        self.entries.insert(spot, Entry::new(at, key));
        Ok(())
    }

    /// Takes `key` out of the queue; whether it was there.
    pub fn remove(&mut self, key: Key) -> bool {
        let Some(i) = self.entries.iter().rposition(|e| e.key == key) else {
            return false;
        };
        self.entries.remove(i);
        true
    }

    /// Takes every entry of process `pid` out, keeping the order of the rest.
    pub fn remove_process(&mut self, pid: u8) {
        self.entries.retain(|e| e.key.pid != pid);
    }

    /// How many entries process `pid` has in the queue.
    pub fn count_for(&self, pid: u8) -> usize {
        self.entries.iter().filter(|e| e.key.pid == pid).count()
    }

    /// The earliest deadline.
    pub fn earliest(&self) -> Option<u64> {
        self.entries.last().map(|e| e.at())
    }

    /// Takes the earliest entry if it is due at `now` (deadline <= now).
    pub fn pop_due(&mut self, now: u64) -> Option<Key> {
        if self.entries.last()?.at() > now {
            return None;
        }
        self.entries.pop().map(|e| e.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(slot: u16) -> Key {
        Key { pid: 2, slot }
    }

    fn drain<const N: usize>(q: &mut Deadlines<N>, now: u64) -> Vec<u16> {
        core::iter::from_fn(|| q.pop_due(now)).map(|k| k.slot).collect()
    }

    #[test]
    fn leaves_in_deadline_order() {
        let mut q = Deadlines::<8>::new();
        for (slot, at) in [(0, 50), (1, 10), (2, 30), (3, 20), (4, 40)] {
            q.insert(at, key(slot)).unwrap();
        }
        assert_eq!(q.earliest(), Some(10));
        assert_eq!(drain(&mut q, 25), [1, 3]);
        assert_eq!(q.earliest(), Some(30));
        assert_eq!(drain(&mut q, 1000), [2, 4, 0]);
        assert_eq!(q.earliest(), None);
        assert_eq!(q.pop_due(u64::MAX), None);
    }

    #[test]
    fn equal_deadlines_first_come_first_out() {
        let mut q = Deadlines::<8>::new();
        q.insert(20, key(0)).unwrap();
        q.insert(10, key(1)).unwrap();
        q.insert(20, key(2)).unwrap();
        q.insert(10, key(3)).unwrap();
        q.insert(20, key(4)).unwrap();
        assert_eq!(drain(&mut q, 20), [1, 3, 0, 2, 4]);
    }

    #[test]
    fn nothing_leaves_before_its_time() {
        let mut q = Deadlines::<4>::new();
        q.insert(100, key(0)).unwrap();
        assert_eq!(q.pop_due(99), None);
        assert_eq!(q.earliest(), Some(100));
        assert_eq!(q.pop_due(100), Some(key(0)));
    }

    #[test]
    fn remove_keeps_the_order_of_the_rest() {
        let mut q = Deadlines::<8>::new();
        for (slot, at) in [(0, 5), (1, 15), (2, 10), (3, 20)] {
            q.insert(at, key(slot)).unwrap();
        }
        assert!(q.remove(key(2)));
        assert!(!q.remove(key(2)), "already gone");
        assert!(q.remove(key(0)));
        assert_eq!(q.earliest(), Some(15));
        assert_eq!(drain(&mut q, 100), [1, 3]);
        assert!(!q.remove(key(7)));
    }

    #[test]
    fn full_is_an_error_not_a_loss() {
        let mut q = Deadlines::<2>::new();
        q.insert(3, key(0)).unwrap();
        q.insert(1, key(1)).unwrap();
        assert_eq!(q.insert(2, key(2)), Err(Full));
        assert_eq!(drain(&mut q, 10), [1, 0]);
        q.insert(2, key(2)).unwrap();
        assert_eq!(q.earliest(), Some(2));
    }

    #[test]
    fn a_process_leaves_all_at_once_and_the_rest_keep_their_order() {
        let mut q = Deadlines::<8>::new();
        for (pid, slot, at) in [(2, 0, 40), (3, 0, 10), (2, 1, 20), (4, 0, 30), (3, 1, 50), (4, 1, 20)] {
            q.insert(at, Key { pid, slot }).unwrap();
        }
        assert_eq!((q.count_for(2), q.count_for(3), q.count_for(9)), (2, 2, 0));
        q.remove_process(2);
        assert_eq!(q.count_for(2), 0);
        let order: Vec<Key> = core::iter::from_fn(|| q.pop_due(100)).collect();
        let expected = [Key { pid: 3, slot: 0 }, Key { pid: 4, slot: 1 }, Key { pid: 4, slot: 0 }, Key { pid: 3, slot: 1 }];
        assert_eq!(order, expected);
    }

    #[test]
    fn same_slot_of_other_processes_is_another_key() {
        let mut q = Deadlines::<4>::new();
        q.insert(1, Key { pid: 2, slot: 0 }).unwrap();
        q.insert(2, Key { pid: 3, slot: 0 }).unwrap();
        assert!(q.remove(Key { pid: 3, slot: 0 }));
        assert_eq!(q.pop_due(10), Some(Key { pid: 2, slot: 0 }));
    }

    #[test]
    fn reserved_whole_it_never_allocates_again_and_refuses_past_n() {
        let mut q = Deadlines::<3>::new();
        assert!(q.reserve_all());
        let (capacity, at) = (q.entries.capacity(), q.entries.as_ptr());
        assert_eq!(capacity, 3);
        q.insert(1 << 40, key(0)).unwrap();
        q.insert(5, key(1)).unwrap();
        q.insert(5, key(2)).unwrap();
        assert_eq!(q.insert(1, key(3)), Err(Full), "N entries at most");
        assert_eq!((q.entries.capacity(), q.entries.as_ptr()), (capacity, at), "no allocation after the reservation");
        assert_eq!(drain(&mut q, 1 << 40), [1, 2, 0], "a deadline past 32 bits keeps its place");
    }
}
